package csvfile

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/mis"
)

// rowCheck gathers one row's problems, at most one per column.
type rowCheck struct {
	cols *columns
	list []colMsg
}

type colMsg struct {
	col int // -1 for the row as a whole
	msg string
}

func (rc *rowCheck) add(col int, msg string) {
	for _, p := range rc.list {
		if p.col == col {
			return
		}
	}
	rc.list = append(rc.list, colMsg{col, msg})
}

// flush records the row's problems in column order and reports whether
// there were any.
func (rd *reader) flush(rc *rowCheck, row int) bool {
	slices.SortStableFunc(rc.list, func(a, b colMsg) int { return cmp.Compare(a.col, b.col) })
	for _, p := range rc.list {
		rd.add(rowRef(row), rc.cols.name(p.col), p.msg)
	}
	return len(rc.list) > 0
}

// cell returns column i of rec, trimmed; "" when the row is short or
// there is no such column.
func cell(rec []string, i int) string {
	if i < 0 || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

// checkText is vigil's rule for a line of text: not too long, no control
// characters (a line break in a name is a mistake in the export).
func checkText(rc *rowCheck, col int, s string, required bool, max int) {
	switch {
	case required && s == "":
		rc.add(col, "This is required.")
	case utf8.RuneCountInString(s) > max:
		rc.add(col, fmt.Sprintf("This is too long (at most %d characters).", max))
	case strings.ContainsFunc(s, unicode.IsControl):
		rc.add(col, "This contains control characters, such as a line break.")
	}
}

// addVigil records a vigil Validate error against the columns the fields
// came from, in a fixed order.
func addVigil(rc *rowCheck, err error, col func(string) int) {
	fields := vigil.ErrorFields(err)
	names := make([]string, 0, len(fields))
	for f := range fields {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		rc.add(col(f), fields[f])
	}
	if len(fields) == 0 && err != nil {
		rc.add(-1, vigil.ErrorMessage(err))
	}
}

// readPupils reads the rows of a pupils file.
func (rd *reader) readPupils(c *columns) (*mis.Batch, error) {
	b := &mis.Batch{Source: mis.SourceCSV, Complete: true, Ignored: c.ignored}
	seenID, seenUPN := map[string]int{}, map[string]int{}
	err := rd.eachRow(func(rec []string, row int) {
		rc := &rowCheck{cols: c}
		p := rd.pupil(rc, rec, row)
		if p.MISID != "" {
			if prev, ok := seenID[p.MISID]; ok {
				rc.add(c.col(fMISID), fmt.Sprintf("The same id is also on row %d; each pupil must be on one row.", prev))
			} else {
				seenID[strings.Clone(p.MISID)] = row
			}
		}
		if p.UPN != "" {
			if prev, ok := seenUPN[p.UPN]; ok {
				rc.add(c.col(fUPN), fmt.Sprintf("The same UPN is also on row %d; each pupil must be on one row.", prev))
			} else {
				seenUPN[strings.Clone(p.UPN)] = row
			}
		}
		if !rd.flush(rc, row) && !rd.failed() {
			b.Pupils = append(b.Pupils, p)
		}
	})
	return b, err
}

// pupil reads one row of a pupils file.
func (rd *reader) pupil(rc *rowCheck, rec []string, row int) *mis.Pupil {
	c, today := rc.cols, rd.opt.Today
	v := func(f field) string { return cell(rec, c.at[f]) }
	p := &mis.Pupil{Ref: rowRef(row)}

	p.MISID = v(fMISID)
	p.UPN = strings.ToUpper(v(fUPN))
	if p.MISID == "" && p.UPN == "" {
		col := c.col(fMISID)
		if col < 0 {
			col = c.col(fUPN)
		}
		rc.add(col, "Enter the admission number (MIS id) or the UPN: without either the pupil cannot be matched.")
	}
	if c.has(fUPN) {
		p.SetKnown(mis.FieldUPN)
	}
	for u := range strings.FieldsFuncSeq(strings.ToUpper(v(fFormerUPN)), func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) }) {
		if msg := vigil.CheckUPN(u); msg != "" {
			rc.add(c.col(fFormerUPN), msg)
			continue
		}
		p.FormerUPNs = append(p.FormerUPNs, u)
	}

	p.LegalSurname, p.LegalForename = v(fSurname), v(fForename)
	p.PreferredForename, p.PreferredSurname = v(fPrefForename), v(fPrefSurname)
	if c.has(fPrefForename) || c.has(fPrefSurname) {
		p.SetKnown(mis.FieldPreferred)
	}
	p.MiddleNames = v(fMiddle)
	checkText(rc, c.col(fMiddle), p.MiddleNames, false, 100)

	switch d, err := parseDate(v(fDOB), today); {
	case v(fDOB) == "":
		rc.add(c.col(fDOB), "Enter the date of birth.")
	case err != nil:
		rc.add(c.col(fDOB), messageOf(err))
	case d.After(today):
		rc.add(c.col(fDOB), "The date of birth is in the future.")
	case d.AgeOn(today) > 25:
		rc.add(c.col(fDOB), "The date of birth is not plausible for a pupil.")
	default:
		p.DateOfBirth = d
	}

	if c.has(fSex) {
		p.Sex = parseSex(v(fSex))
		p.SetKnown(mis.FieldSex)
	}
	if y, err := parseYear(v(fYear)); err != nil {
		rc.add(c.col(fYear), messageOf(err))
	} else {
		p.YearGroup = y
	}
	p.SetKnown(mis.FieldYearGroup)
	if c.has(fReg) {
		p.RegGroup = v(fReg)
		p.SetKnown(mis.FieldRegGroup)
	}
	if c.has(fAdmission) {
		p.SetKnown(mis.FieldAdmission)
		if s := v(fAdmission); s != "" {
			if d, err := parseDate(s, today); err != nil {
				rc.add(c.col(fAdmission), messageOf(err))
			} else {
				p.AdmissionDate = d
			}
		}
	}
	if c.has(fLeaving) {
		p.SetKnown(mis.FieldLeaving)
		if s := v(fLeaving); s != "" {
			// A leaving date still to come is a plan, not a leaver.
			if d, err := parseDate(s, today); err != nil {
				rc.add(c.col(fLeaving), messageOf(err))
			} else if !d.After(today) {
				p.LeavingDate = d
			}
		}
	}
	if c.has(fDestination) {
		p.Destination = v(fDestination)
		p.SetKnown(mis.FieldDestination)
	}

	flag := func(f field, fl vigil.Flag) {
		if !c.has(f) {
			return
		}
		if on, err := parseBool(v(f)); err != nil {
			rc.add(c.col(f), messageOf(err))
		} else {
			p.SetFlag(fl, on)
		}
	}
	if c.has(fSEN) {
		if code, err := parseSEN(v(fSEN)); err != nil {
			rc.add(c.col(fSEN), messageOf(err))
		} else {
			p.SetFlag(vigil.FlagSENSupport, code == "K")
			p.SetFlag(vigil.FlagEHCP, code == "E")
		}
	}
	flag(fFSM, vigil.FlagFSM)
	flag(fPP, vigil.FlagPupilPremium)
	flag(fLAC, vigil.FlagLAC)
	flag(fPLAC, vigil.FlagPLAC)
	if c.has(fEAL) {
		flag(fEAL, vigil.FlagEAL)
	} else if eal, known := parseFirstLanguage(v(fFirstLang)); known {
		p.SetFlag(vigil.FlagEAL, eal)
	}

	if len(c.slots) > 0 {
		p.ContactsKnown = true
		for _, n := range c.slots {
			at := func(f field) int { return c.slot[n][f] }
			if ct, ok := contact(rc, rec, at, n+1); ok {
				p.Contacts = append(p.Contacts, ct)
			}
		}
	}

	// What vigil.Pupil would refuse, the store would too.
	vp := vigil.Pupil{
		MISID: p.MISID, UPN: p.UPN,
		LegalForename: p.LegalForename, LegalSurname: p.LegalSurname,
		PreferredForename: p.PreferredForename, PreferredSurname: p.PreferredSurname,
		DateOfBirth: p.DateOfBirth, Sex: p.Sex, YearGroup: p.YearGroup, RegGroup: p.RegGroup,
		OnRoll: p.LeavingDate.IsZero(), LeftOn: p.LeavingDate, Destination: p.Destination,
		Flags: vigil.PupilFlags(p.Flags),
	}
	if err := vp.Validate(); err != nil {
		addVigil(rc, err, func(f string) int {
			if ff, ok := vigilFields[f]; ok {
				return c.col(ff)
			}
			return -1
		})
	}
	p.UPN = vp.UPN
	return p
}

// contactFields are the columns that make up a contact.
var contactFieldList = []field{fContactID, fTitle, fForename, fSurname, fRelationship, fEmail, fMobile, fTelephone, fPR, fPriority, fAddress}

// contact reads a contact from a row; at gives each field's column. It
// reports false when the row has nothing for this contact. order is the
// contact's place (slot or row), used only to check it as vigil would.
func contact(rc *rowCheck, rec []string, at func(field) int, order int) (mis.Contact, bool) {
	v := func(f field) string { return cell(rec, at(f)) }
	empty := true
	for _, f := range contactFieldList {
		if v(f) != "" {
			empty = false
			break
		}
	}
	if empty {
		return mis.Contact{}, false
	}
	ct := mis.Contact{
		MISID: v(fContactID), Title: v(fTitle), Forename: v(fForename), Surname: v(fSurname),
		Relationship: v(fRelationship), Email: v(fEmail), Address: v(fAddress),
	}
	phoneCol := at(fMobile)
	if ct.Phone = v(fMobile); ct.Phone == "" {
		ct.Phone, phoneCol = v(fTelephone), at(fTelephone)
	}
	// A blank parental responsibility is unknown, not "no": saying an
	// adult has no PR when the MIS does not say would mislead.
	if s := v(fPR); s != "" {
		if on, err := parseBool(s); err != nil {
			rc.add(at(fPR), messageOf(err))
		} else {
			ct.ParentalResponsibility = &on
		}
	}
	if pri, err := parsePriority(v(fPriority)); err != nil {
		rc.add(at(fPriority), messageOf(err))
	} else {
		ct.Priority = pri
	}
	if ct.Surname == "" {
		rc.add(at(fSurname), "Enter the contact's surname (or leave the contact's columns all blank).")
	}
	checkText(rc, at(fContactID), ct.MISID, false, 64)
	checkText(rc, at(fTitle), ct.Title, false, 40)
	checkText(rc, at(fForename), ct.Forename, false, 100)
	checkText(rc, at(fSurname), ct.Surname, false, 100)

	vc := vigil.Contact{
		Name: ct.Name(), Relationship: ct.Relationship, Priority: cmp.Or(ct.Priority, min(order, 99)),
		Phone: ct.Phone, Email: ct.Email, Address: ct.Address,
		ParentalResponsibility: ct.ParentalResponsibility != nil && *ct.ParentalResponsibility,
	}
	if err := vc.Validate(); err != nil {
		addVigil(rc, err, func(f string) int {
			switch f {
			case "phone":
				return phoneCol
			case "name":
				return at(fSurname)
			}
			if ff, ok := contactFields[f]; ok {
				return at(ff)
			}
			return -1
		})
	}
	ct.Email = vc.Email
	return ct, true
}

// readContacts reads a contacts file: one row per pupil and contact.
// Rows are grouped by pupil, keyed by the admission number when the file
// has that column and by UPN otherwise, in the order pupils first appear.
func (rd *reader) readContacts(c *columns) (*mis.Batch, error) {
	b := &mis.Batch{Source: mis.SourceCSV, Ignored: c.ignored}
	type group struct {
		p   *mis.Pupil
		row int
		ids map[string]int // contact id → row, to find one listed twice
	}
	groups := map[string]*group{}
	var order []*group
	byID := c.has(fPupilMISID)
	err := rd.eachRow(func(rec []string, row int) {
		rc := &rowCheck{cols: c}
		v := func(f field) string { return cell(rec, c.at[f]) }
		id, upn := v(fPupilMISID), strings.ToUpper(v(fPupilUPN))
		if upn != "" {
			if msg := vigil.CheckUPN(upn); msg != "" {
				rc.add(c.col(fPupilUPN), msg)
			}
		}
		key := upn
		if byID {
			key = id
		}
		switch {
		case key != "":
		case byID:
			rc.add(c.col(fPupilMISID), "Enter the pupil's admission number (MIS id): without it the contact cannot be linked to a pupil.")
		default:
			rc.add(c.col(fPupilUPN), "Enter the pupil's UPN: without it the contact cannot be linked to a pupil.")
		}
		checkText(rc, c.col(fPupilMISID), id, false, 64)
		ct, ok := contact(rc, rec, func(f field) int { return c.at[f] }, 1)
		if !ok {
			rc.add(-1, "This row has a pupil but no contact: fill in the contact or remove the row.")
		}
		var g *group
		if key != "" {
			if g = groups[key]; g == nil {
				g = &group{p: &mis.Pupil{Ref: rowRef(row), MISID: strings.Clone(id), UPN: strings.Clone(upn), ContactsKnown: true}, row: row}
				groups[strings.Clone(key)] = g
				order = append(order, g)
			} else if upn != "" && g.p.UPN != "" && upn != g.p.UPN {
				rc.add(c.col(fPupilUPN), fmt.Sprintf("The same pupil has a different UPN on row %d.", g.row))
			} else if g.p.UPN == "" {
				g.p.UPN = strings.Clone(upn)
			}
			if ok && ct.MISID != "" {
				if prev, dup := g.ids[ct.MISID]; dup {
					rc.add(c.col(fContactID), fmt.Sprintf("The same contact is listed for this pupil on row %d too.", prev))
				} else {
					if g.ids == nil {
						g.ids = map[string]int{}
					}
					g.ids[strings.Clone(ct.MISID)] = row
				}
			}
		}
		if !rd.flush(rc, row) && !rd.failed() {
			g.p.Contacts = append(g.p.Contacts, ct)
		}
	})
	for _, g := range order {
		// In priority order; a contact with no priority goes after those
		// with one, in file order.
		slices.SortStableFunc(g.p.Contacts, func(a, b mis.Contact) int {
			return cmp.Compare(priorityKey(a.Priority), priorityKey(b.Priority))
		})
		b.Pupils = append(b.Pupils, g.p)
	}
	return b, err
}

func priorityKey(p int) int {
	if p == 0 {
		return 1 << 30
	}
	return p
}

// readStaff reads a staff file.
func (rd *reader) readStaff(c *columns) (*mis.Batch, error) {
	b := &mis.Batch{Source: mis.SourceCSV, StaffComplete: true, Ignored: c.ignored}
	seenID, seenEmail := map[string]int{}, map[string]int{}
	err := rd.eachRow(func(rec []string, row int) {
		rc := &rowCheck{cols: c}
		v := func(f field) string { return cell(rec, c.at[f]) }
		s := &mis.Staff{
			Ref: rowRef(row), MISID: v(fMISID), Title: v(fTitle), Forename: v(fForename), Surname: v(fSurname),
			Email: vigil.NormalizeEmail(v(fEmail)), JobTitle: v(fJobTitle), StaffCode: v(fStaffCode), Current: true,
		}
		checkText(rc, c.col(fMISID), s.MISID, false, 64)
		checkText(rc, c.col(fTitle), s.Title, false, 40)
		checkText(rc, c.col(fForename), s.Forename, true, 100)
		checkText(rc, c.col(fSurname), s.Surname, true, 100)
		checkText(rc, c.col(fJobTitle), s.JobTitle, false, 100)
		checkText(rc, c.col(fStaffCode), s.StaffCode, false, 20)
		if s.Email == "" {
			rc.add(c.col(fEmail), "Enter the work email: it is how a member of staff signs in. Remove the row if they do not need Vigil.")
		} else if msg := vigil.ValidateEmail(s.Email); msg != "" {
			rc.add(c.col(fEmail), msg)
		}
		if c.has(fTeaching) {
			if on, err := parseBool(v(fTeaching)); err != nil {
				rc.add(c.col(fTeaching), messageOf(err))
			} else {
				s.Teaching = &on
			}
		}
		if c.has(fCurrent) {
			if on, err := parseBool(v(fCurrent)); err != nil {
				rc.add(c.col(fCurrent), messageOf(err))
			} else {
				s.Current = on
			}
		}
		if s.MISID != "" {
			if prev, ok := seenID[s.MISID]; ok {
				rc.add(c.col(fMISID), fmt.Sprintf("The same id is also on row %d; each member of staff must be on one row.", prev))
			} else {
				seenID[strings.Clone(s.MISID)] = row
			}
		}
		if s.Email != "" {
			if prev, ok := seenEmail[s.Email]; ok {
				rc.add(c.col(fEmail), fmt.Sprintf("The same email is also on row %d; each member of staff needs their own.", prev))
			} else {
				seenEmail[s.Email] = row
			}
		}
		if !rd.flush(rc, row) && !rd.failed() {
			b.Staff = append(b.Staff, s)
		}
	})
	return b, err
}
