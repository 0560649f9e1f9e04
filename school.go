package vigil

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Group is a multi-academy trust or another group of schools.
type Group struct {
	ID        GroupID
	Name      string
	CreatedAt time.Time
}

// Validate checks a group before it is saved.
func (g *Group) Validate() error {
	p := Problems{}
	checkText(p, "name", g.Name, true, 200)
	return p.Err()
}

// Phases a school may have.
var Phases = []string{"nursery", "primary", "middle", "secondary", "all-through", "special", "alternative-provision", "post-16"}

// School is the unit of tenancy: every record belongs to one school.
type School struct {
	ID             SchoolID
	GroupID        GroupID // "" when the school is not in a group
	Slug           string  // short name used on the command line, e.g. "riverside"
	Name           string
	URN            string // the DfE's six-digit unique reference number, or ""
	LocalAuthority string
	Phase          string
	Settings       SchoolSettings
	CreatedAt      time.Time
}

// SchoolSettings are the choices a school makes for itself.
type SchoolSettings struct {
	// IdleTimeoutMinutes ends a session after this many minutes without a
	// request (5 to 120).
	IdleTimeoutMinutes int `json:"idle_timeout_minutes"`
	// Timezone is the IANA zone dates are shown in.
	Timezone string `json:"timezone"`
	// PasswordProfile is "dpia-classic" (the default) or "nist-800-63b";
	// see auth.Profile.
	PasswordProfile string `json:"password_profile"`
	// TwoFactorFor is who must give a second factor: "elevated" (the
	// default: everyone with more than reporting access) or "everyone".
	TwoFactorFor string `json:"two_factor_for"`
	// DfENumber is the school's LA and establishment numbers, 7 digits
	// ("9902145" for 990/2145): what a Common Transfer File names it by.
	DfENumber string `json:"dfe_number,omitempty"`
}

// NormalizeDfENumber turns "990/2145", "990-2145" or "990 2145" into
// "9902145"; anything else comes back trimmed, for Validate to refuse.
func NormalizeDfENumber(s string) string {
	s = strings.TrimSpace(s)
	if t := strings.NewReplacer("/", "", "-", "", " ", "").Replace(s); IsDigits(t, 7) {
		return t
	}
	return s
}

// Password profiles and second-factor scopes a school may choose.
const (
	ProfileClassic    = "dpia-classic"
	ProfileNIST       = "nist-800-63b"
	TwoFactorElevated = "elevated"
	TwoFactorEveryone = "everyone"
)

// DefaultSchoolSettings returns the settings a new school starts with.
func DefaultSchoolSettings() SchoolSettings {
	return SchoolSettings{IdleTimeoutMinutes: 20, Timezone: "Europe/London", PasswordProfile: ProfileClassic, TwoFactorFor: TwoFactorElevated}
}

// Profile returns the school's password profile, Classic when unset.
func (s SchoolSettings) Profile() string {
	if s.PasswordProfile == "" {
		return ProfileClassic
	}
	return s.PasswordProfile
}

// TwoFactorForEveryone reports whether even reporting sessions need a
// second factor.
func (s SchoolSettings) TwoFactorForEveryone() bool { return s.TwoFactorFor == TwoFactorEveryone }

// IdleTimeout returns the school's idle timeout, or the default when unset.
func (s SchoolSettings) IdleTimeout() time.Duration {
	if s.IdleTimeoutMinutes == 0 {
		return 20 * time.Minute
	}
	return time.Duration(s.IdleTimeoutMinutes) * time.Minute
}

var slugRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$`)

// Validate checks a school before it is saved.
func (s *School) Validate() error {
	p := Problems{}
	if !slugRE.MatchString(s.Slug) {
		p.Add("slug", "Use 1 to 48 lowercase letters, digits and hyphens, starting and ending with a letter or digit.")
	}
	checkText(p, "name", s.Name, true, 200)
	if s.URN != "" && !IsDigits(s.URN, 6) {
		p.Add("urn", "A URN is six digits.")
	}
	checkText(p, "local_authority", s.LocalAuthority, false, 200)
	if s.Phase != "" && !contains(Phases, s.Phase) {
		p.Add("phase", "Choose one of: "+strings.Join(Phases, ", ")+".")
	}
	if m := s.Settings.IdleTimeoutMinutes; m != 0 && (m < 5 || m > 120) {
		p.Add("idle_timeout_minutes", "The idle timeout must be between 5 and 120 minutes.")
	}
	if pp := s.Settings.PasswordProfile; pp != "" && pp != ProfileClassic && pp != ProfileNIST {
		p.Add("password_profile", "Choose the DPIA classic or the NIST 800-63B password rules.")
	}
	if tf := s.Settings.TwoFactorFor; tf != "" && tf != TwoFactorElevated && tf != TwoFactorEveryone {
		p.Add("two_factor_for", "Choose who needs a second factor.")
	}
	if tz := s.Settings.Timezone; tz != "" {
		if _, err := time.LoadLocation(tz); err != nil {
			p.Add("timezone", "Unknown time zone.")
		}
	}
	if n := s.Settings.DfENumber; n != "" && !IsDigits(n, 7) {
		p.Add("dfe_number", "A DfE number is the 3-digit LA number and 4-digit establishment number, such as 990/2145.")
	}
	return p.Err()
}

// checkText records a problem when s is missing (and required), too long, or
// holds control characters.
func checkText(p Problems, field, s string, required bool, max int) {
	switch {
	case required && strings.TrimSpace(s) == "":
		p.Add(field, "This is required.")
	case !utf8.ValidString(s):
		p.Add(field, "This contains characters that are not valid text.")
	case utf8.RuneCountInString(s) > max:
		p.Add(field, "This is too long (at most "+itoa(max)+" characters).")
	case strings.ContainsFunc(s, isControl):
		p.Add(field, "This contains control characters.")
	}
}

// checkMultiline is checkText for text that may hold line breaks.
func checkMultiline(p Problems, field, s string, required bool, max int) {
	checkText(p, field, lineBreaks.Replace(s), required, max)
}

// lineBreaks drops the whitespace a multi-line field may hold; made once,
// as building a Replacer per call cost an MIS import most of its time.
var lineBreaks = strings.NewReplacer("\r", "", "\n", "", "\t", "")

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// IsDigits reports whether s is exactly n ASCII digits, as codes such as
// URNs, LA and establishment numbers are.
func IsDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
