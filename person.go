package vigil

import (
	"net/mail"
	"strings"
	"time"
)

// Person statuses.
const (
	PersonActive   = "active"
	PersonDisabled = "disabled" // may not sign in anywhere
)

// Person is a sign-in identity, global across schools. Email is unique
// ignoring case.
type Person struct {
	ID           PersonID
	Email        string
	Name         string
	Status       string
	PasswordHash string // Argon2id, in PHC string form; never shown
	CreatedAt    time.Time
	LastSignInAt time.Time // zero if never

	PasswordChangedAt time.Time // zero if never set
	TOTPConfirmedAt   time.Time // zero unless an authenticator app is enrolled
	SecurityKeys      int       // WebAuthn security keys and passkeys registered
}

// HasSecondFactor reports whether the person can step up with a second
// factor.
func (p *Person) HasSecondFactor() bool { return !p.TOTPConfirmedAt.IsZero() || p.SecurityKeys > 0 }

// NormalizeEmail trims and lowercases an email address for storage and
// comparison.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidateEmail reports a problem with an email address, or "".
func ValidateEmail(s string) string {
	if s == "" {
		return "Enter an email address."
	}
	if len(s) > 254 {
		return "An email address is at most 254 characters."
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@'):], ".") {
		return "Enter an email address like name@school.org.uk."
	}
	return ""
}

// Validate checks a person before they are saved.
func (p *Person) Validate() error {
	pr := Problems{}
	p.Email = NormalizeEmail(p.Email)
	if msg := ValidateEmail(p.Email); msg != "" {
		pr.Add("email", msg)
	}
	checkText(pr, "name", p.Name, true, 200)
	if p.Status != PersonActive && p.Status != PersonDisabled {
		pr.Add("status", "Status must be active or disabled.")
	}
	return pr.Err()
}

// Role is a person's role in one school. The identity issue turns each role
// into a template of per-category access; until then the role decides.
type Role string

// Roles, as schools name them.
const (
	RoleDSL         Role = "dsl"
	RoleDeputyDSL   Role = "deputy_dsl"
	RoleHeadteacher Role = "headteacher"
	RoleSENCO       Role = "senco"
	RolePastoral    Role = "pastoral_lead"
	RoleAttendance  Role = "attendance_officer"
	RoleStaff       Role = "staff"
	RoleGovernor    Role = "governor"
	RoleSchoolAdmin Role = "school_admin"
)

// Roles lists every role in the order pages show them.
var Roles = []Role{RoleDSL, RoleDeputyDSL, RoleHeadteacher, RoleSENCO, RolePastoral, RoleAttendance, RoleStaff, RoleGovernor, RoleSchoolAdmin}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, v := range Roles {
		if v == r {
			return true
		}
	}
	return false
}

// Title returns the role's name as people say it.
func (r Role) Title() string {
	switch r {
	case RoleDSL:
		return "Designated safeguarding lead"
	case RoleDeputyDSL:
		return "Deputy DSL"
	case RoleHeadteacher:
		return "Headteacher"
	case RoleSENCO:
		return "SENCO"
	case RolePastoral:
		return "Pastoral lead"
	case RoleAttendance:
		return "Attendance officer"
	case RoleStaff:
		return "Staff"
	case RoleGovernor:
		return "Governor"
	case RoleSchoolAdmin:
		return "School administrator"
	}
	return string(r)
}

// Membership is a person's place in one school.
type Membership struct {
	SchoolID   SchoolID
	PersonID   PersonID
	Role       Role
	Designated bool // a designated safeguarding person (DSL or deputy)
	Active     bool
	CreatedAt  time.Time

	// Permissions, when set on SaveMembership, replace the role's template;
	// when nil there, a new member or a changed role gets the template.
	Permissions Permissions

	// ViaGroup is set on reads when the place comes from a role in the
	// school's trust rather than in the school itself ("through the
	// trust"); "" for a membership of the school's own.
	ViaGroup GroupID

	// Filled on reads for display.
	SchoolName  string
	SchoolSlug  string
	PersonName  string
	PersonEmail string
}

// Validate checks a membership before it is saved.
func (m *Membership) Validate() error {
	p := Problems{}
	if !m.Role.Valid() {
		p.Add("role", "Choose a role.")
	}
	return p.Err()
}

// GroupMember is a person's role in a group (a trust). An active group
// member acts in every school of the group with that role's template and
// trust-wide access, except where they have an active membership of the
// school's own, which wins.
type GroupMember struct {
	GroupID   GroupID
	PersonID  PersonID
	Role      Role
	Active    bool
	CreatedAt time.Time

	// Filled on reads for display.
	PersonName  string
	PersonEmail string
}

// Validate checks a group member before they are saved.
func (m *GroupMember) Validate() error {
	p := Problems{}
	if !m.Role.Valid() {
		p.Add("role", "Choose a role.")
	}
	return p.Err()
}

// DesignatedRole reports whether a role is a designated safeguarding
// person's (DSL or deputy), as a trust role counts when no school named
// them.
func DesignatedRole(r Role) bool { return r == RoleDSL || r == RoleDeputyDSL }
