package vigil

import (
	"slices"
	"strings"
)

// Access is how far a member may go with concerns in one category.
type Access string

// Access levels, from least to most.
const (
	AccessNone    Access = "none"     // cannot even report in this category
	AccessReport  Access = "report"   // may log concerns, and see nothing back
	AccessViewOwn Access = "view_own" // may see the concerns they logged
	AccessViewAll Access = "view_all" // may see every concern in the category
	AccessManage  Access = "manage"   // may act: actions, referrals, closing
)

// AccessLevels lists the levels in order.
var AccessLevels = []Access{AccessNone, AccessReport, AccessViewOwn, AccessViewAll, AccessManage}

// Valid reports whether a is a known level.
func (a Access) Valid() bool { return slices.Contains(AccessLevels, a) }

// AtLeast reports whether a is b or more.
func (a Access) AtLeast(b Access) bool {
	return slices.Index(AccessLevels, a) >= slices.Index(AccessLevels, b)
}

// Title returns the level as a page shows it.
func (a Access) Title() string {
	switch a {
	case AccessNone:
		return "No access"
	case AccessReport:
		return "Report"
	case AccessViewOwn:
		return "View own"
	case AccessViewAll:
		return "View all"
	case AccessManage:
		return "Manage"
	}
	return string(a)
}

// Capability is a power beside category access.
type Capability string

// Capabilities a membership may hold.
const (
	CapManageStaff    Capability = "manage_staff"    // invite, deactivate, change access, reset 2FA
	CapManageSettings Capability = "manage_settings" // school settings, categories, MIS link
	CapRunReports     Capability = "run_reports"     // anonymised reports
	CapTrustWide      Capability = "trust_wide"      // across the trust's schools (group roles)
)

// Capabilities lists every capability.
var Capabilities = []Capability{CapManageStaff, CapManageSettings, CapRunReports, CapTrustWide}

// Title returns the capability as a page shows it.
func (c Capability) Title() string {
	switch c {
	case CapManageStaff:
		return "Manage staff"
	case CapManageSettings:
		return "Manage settings"
	case CapRunReports:
		return "Run reports"
	case CapTrustWide:
		return "Trust-wide access"
	}
	return string(c)
}

// Permissions are a member's access per category and capabilities.
type Permissions struct {
	Categories   map[CategoryID]Access
	Capabilities []Capability
}

// Has reports whether p holds capability c.
func (p Permissions) Has(c Capability) bool { return slices.Contains(p.Capabilities, c) }

// Max returns the highest access p gives in any category.
func (p Permissions) Max() Access {
	best := AccessNone
	for _, a := range p.Categories {
		if a.AtLeast(best) {
			best = a
		}
	}
	return best
}

// In returns the access in one category; none when unset.
func (p Permissions) In(c CategoryID) Access {
	if a, ok := p.Categories[c]; ok {
		return a
	}
	return AccessNone
}

// CapabilityList encodes capabilities for storage, sorted.
func CapabilityList(cs []Capability) string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, string(c))
	}
	slices.Sort(out)
	return strings.Join(slices.Compact(out), ",")
}

// ParseCapabilities decodes CapabilityList, dropping unknown names.
func ParseCapabilities(s string) []Capability {
	var out []Capability
	for _, f := range strings.Split(s, ",") {
		if c := Capability(f); slices.Contains(Capabilities, c) {
			out = append(out, c)
		}
	}
	return out
}

// RoleTemplate returns the permissions a role starts with in a school with
// the given categories. A school adjusts them per person afterwards.
//
// Sensitivity decides most of it (reference/safeguarding.md §3): the DSL
// team manages everything but staff allegations, which only the DSL and the
// headteacher see; the specialist roles manage their own categories and may
// report the rest; staff report; governors and administrators see no
// concern content.
func RoleTemplate(role Role, cats []*Category) Permissions {
	p := Permissions{Categories: map[CategoryID]Access{}}
	own := map[Role][]string{
		RoleSENCO:      {"sen", "medical"},
		RolePastoral:   {"behaviour", "pastoral", "bullying", "family"},
		RoleAttendance: {"attendance"},
	}
	for _, c := range cats {
		var a Access
		switch role {
		case RoleDSL:
			a = AccessManage
		case RoleDeputyDSL:
			a = AccessManage
			if c.Sensitivity == SensitivityRestricted {
				a = AccessReport
			}
		case RoleHeadteacher:
			a = AccessViewAll
			if c.Sensitivity == SensitivityRestricted {
				a = AccessManage
			}
		case RoleSENCO, RolePastoral, RoleAttendance:
			a = AccessReport
			if slices.Contains(own[role], c.Key) {
				a = AccessManage
			} else if role == RolePastoral && c.Sensitivity == SensitivityLow {
				a = AccessViewAll
			}
		case RoleStaff:
			a = AccessViewOwn
		default: // governors, administrators
			a = AccessNone
		}
		p.Categories[c.ID] = a
	}
	switch role {
	case RoleDSL, RoleDeputyDSL:
		p.Capabilities = []Capability{CapRunReports}
	case RoleHeadteacher:
		p.Capabilities = []Capability{CapRunReports, CapManageStaff}
	case RoleGovernor:
		p.Capabilities = []Capability{CapRunReports}
	case RoleSchoolAdmin:
		p.Capabilities = []Capability{CapManageStaff, CapManageSettings}
	}
	return p
}
