// Package demo creates Riverside Primary Academy, a fictional school a
// newcomer can sign in to: a staff account for every role, 200 pupils on
// roll from Reception to Year 6, a few former pupils, and their contacts;
// and, with SeedHistory, two school years of safeguarding records.
//
// Everything is invented. Phone numbers are in Ofcom's ranges for drama,
// email addresses at example.com and example.org, postcodes in an RV area
// that does not exist, and UPNs under the unused LA number 999. The roll is
// drawn from a fixed seed, so running Seed again on a day in the same school
// year finds nothing to change; in a new school year the dates of birth and
// UPNs move so each pupil still fits their year group.
package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/auth"
	"github.com/vigil-safeguarding/vigil/store"
)

// The demo school.
const (
	Slug           = "riverside"
	SchoolName     = "Riverside Primary Academy"
	URN            = "990417"  // invented
	DfENumber      = "9902145" // invented: LA 990, establishment 2145
	LocalAuthority = "Riverside Borough Council"
	EmailDomain    = "riverside.example" // staff sign in as <key>@riverside.example
)

// staff are the demo school's accounts, one for each role, in role order.
// The key is the part of the email address before the @.
var staff = []struct {
	key, name  string
	role       vigil.Role
	designated bool
}{
	{"dsl", "Joanne Whitfield", vigil.RoleDSL, true},
	{"deputy", "Kwabena Asante", vigil.RoleDeputyDSL, true},
	{"head", "Catherine Ellery", vigil.RoleHeadteacher, false},
	{"senco", "Priya Raman", vigil.RoleSENCO, false},
	{"pastoral", "Daniel O'Rourke", vigil.RolePastoral, false},
	{"attendance", "Sandra Kowalczyk", vigil.RoleAttendance, false},
	{"teacher", "Tom Hadley", vigil.RoleStaff, false},
	{"governor", "Ifeoma Eze", vigil.RoleGovernor, false},
	{"admin", "Gareth Pryce", vigil.RoleSchoolAdmin, false},
}

// Result is what Seed made or found.
type Result struct {
	School *vigil.School
	Staff  []StaffAccount // in role order

	PupilsAdded, PupilsChanged int
	// ContactsChanged counts the pupils whose contacts were replaced.
	ContactsChanged int
	// Created is true when the school was new.
	Created bool
}

// StaffAccount is one demo account a newcomer may sign in with.
type StaffAccount struct {
	Email string
	Name  string
	Role  vigil.Role
}

// Seed creates or refreshes the demo school "Riverside Primary Academy"
// (slug "riverside"). It reuses the school, accounts, pupils and contacts it
// finds, so running it again never duplicates anything, and it sets every
// demo account's password to password, which ends their sessions. The roll
// fits the English school year holding now's calendar date.
//
// A password that fails auth.CheckPassword is refused with its EINVALID error
// on the "password" field before anything is written. Pupils and contacts are
// saved in one transaction; the school and the accounts each in their own.
func Seed(ctx context.Context, s *store.Store, h *auth.Hasher, password string, now time.Time) (*Result, error) {
	if err := auth.CheckPassword(password); err != nil {
		return nil, err
	}
	school, created, err := seedSchool(ctx, s)
	if err != nil {
		return nil, err
	}
	res := &Result{School: school, Created: created}
	if res.Staff, err = seedStaff(ctx, s, h, school, password); err != nil {
		return nil, err
	}
	if err := seedRoll(vigil.SystemContext(ctx, school.ID), s, now, res); err != nil {
		return nil, err
	}
	return res, nil
}

// seedSchool finds the demo school by its slug, bringing its details up to
// date, or creates it.
func seedSchool(ctx context.Context, s *store.Store) (*vigil.School, bool, error) {
	sc, err := s.FindSchoolBySlug(ctx, Slug)
	switch vigil.ErrorCode(err) {
	case vigil.ENOTFOUND:
		sc = &vigil.School{Slug: Slug, Name: SchoolName, URN: URN, LocalAuthority: LocalAuthority, Phase: "primary"}
		if err := s.CreateSchool(ctx, sc); err != nil {
			return nil, false, fmt.Errorf("demo: create school: %w", err)
		}
		sc.Settings.DfENumber = DfENumber
		if err := s.UpdateSchool(vigil.SystemContext(ctx, sc.ID), sc); err != nil {
			return nil, false, fmt.Errorf("demo: update school %s: %w", sc.ID, err)
		}
		return sc, true, nil
	case "":
	default:
		return nil, false, fmt.Errorf("demo: find school: %w", err)
	}
	if sc.Name != SchoolName || sc.URN != URN || sc.LocalAuthority != LocalAuthority || sc.Phase != "primary" || sc.Settings.DfENumber == "" {
		sc.Name, sc.URN, sc.LocalAuthority, sc.Phase = SchoolName, URN, LocalAuthority, "primary"
		sc.Settings.DfENumber = DfENumber
		if err := s.UpdateSchool(vigil.SystemContext(ctx, sc.ID), sc); err != nil {
			return nil, false, fmt.Errorf("demo: update school %s: %w", sc.ID, err)
		}
	}
	return sc, false, nil
}

// seedStaff makes or finds each demo account, sets its password and makes it
// a member of the school in its role.
func seedStaff(ctx context.Context, s *store.Store, h *auth.Hasher, school *vigil.School, password string) ([]StaffAccount, error) {
	sctx := vigil.SystemContext(ctx, school.ID)
	var out []StaffAccount
	for _, m := range staff {
		hash, err := h.Hash(password)
		if err != nil {
			return nil, fmt.Errorf("demo: hash password for %s: %w", m.key, err)
		}
		email := m.key + "@" + EmailDomain
		p, err := s.FindPersonByEmail(ctx, email)
		switch vigil.ErrorCode(err) {
		case vigil.ENOTFOUND:
			p = &vigil.Person{Email: email, Name: m.name, PasswordHash: hash}
			if err := s.CreatePerson(ctx, p); err != nil {
				return nil, fmt.Errorf("demo: create %s account: %w", m.key, err)
			}
		case "":
			if err := s.SetPasswordHash(ctx, p.ID, hash); err != nil {
				return nil, fmt.Errorf("demo: set password of person %s: %w", p.ID, err)
			}
		default:
			return nil, fmt.Errorf("demo: find %s account: %w", m.key, err)
		}
		ms := &vigil.Membership{PersonID: p.ID, Role: m.role, Designated: m.designated, Active: true}
		if err := s.SaveMembership(sctx, ms); err != nil {
			return nil, fmt.Errorf("demo: save membership of person %s: %w", p.ID, err)
		}
		out = append(out, StaffAccount{Email: p.Email, Name: p.Name, Role: m.role})
	}
	return out, nil
}

// seedRoll saves the pupils and replaces the contacts that differ, in one
// transaction. ctx acts on the demo school.
func seedRoll(ctx context.Context, s *store.Store, now time.Time, res *Result) error {
	kids := roll(academicYear(vigil.DateOf(now)))
	pupils := make([]*vigil.Pupil, len(kids))
	for i, c := range kids {
		pupils[i] = c.pupil
	}
	return s.RunInTx(ctx, func(ctx context.Context) error {
		var err error
		res.PupilsAdded, res.PupilsChanged, err = s.SavePupilsByMISID(ctx, pupils)
		if err != nil {
			return fmt.Errorf("demo: save pupils: %w", err)
		}
		for _, c := range kids {
			old, err := s.FindContacts(ctx, c.pupil.ID)
			if err != nil {
				return fmt.Errorf("demo: find contacts of pupil %s: %w", c.pupil.ID, err)
			}
			if sameContacts(old, c.contacts) {
				continue
			}
			if err := s.ReplaceContacts(ctx, c.pupil.ID, c.contacts); err != nil {
				return fmt.Errorf("demo: replace contacts of pupil %s: %w", c.pupil.ID, err)
			}
			res.ContactsChanged++
		}
		return nil
	})
}

// sameContacts reports whether two lists in priority order hold the same
// contacts, ignoring their IDs.
func sameContacts(a, b []*vigil.Contact) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Name != y.Name || x.Relationship != y.Relationship || x.ParentalResponsibility != y.ParentalResponsibility ||
			x.Priority != y.Priority || x.Phone != y.Phone || x.Email != y.Email || x.Address != y.Address {
			return false
		}
	}
	return true
}
