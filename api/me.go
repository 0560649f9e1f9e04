package api

import (
	"net/http"
	"slices"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/authz"
)

// Me is who the request is from: the person, the school they act in, and a
// summary of what they may do there.
type Me struct {
	Person      MePerson        `json:"person"`
	School      *MeSchool       `json:"school"` // null while a browser session has chosen none
	Role        *string         `json:"role"`
	Designated  bool            `json:"designated"` // a designated safeguarding person
	SteppedUp   bool            `json:"stepped_up"` // may use what needs a second factor
	Auth        string          `json:"auth"`       // "token" or "session"
	Permissions MePermissions   `json:"permissions"`
	Can         map[string]bool `json:"can"` // each authz action and whether it is allowed now
}

// MePerson is the person behind the request.
type MePerson struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// MeSchool is the school the request acts in.
type MeSchool struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Slug string `json:"slug"`
}

// MePermissions summarises a person's access in the school.
type MePermissions struct {
	HighestAccess string            `json:"highest_access"` // the most any category gives
	Capabilities  []string          `json:"capabilities"`
	Categories    map[string]string `json:"categories"` // category id to access level
}

// me handles GET /api/v1/me.
func (h *Handler) me(w http.ResponseWriter, r *http.Request) {
	cur := current(r.Context())
	out := Me{
		Person:    MePerson{ID: string(cur.Person.ID), Name: cur.Person.Name, Email: cur.Person.Email},
		SteppedUp: cur.Actor.SteppedUp, Auth: "session",
		Permissions: MePermissions{HighestAccess: string(vigil.AccessNone), Capabilities: []string{}, Categories: map[string]string{}},
		Can:         map[string]bool{},
	}
	if viaToken(r.Context()) {
		out.Auth = "token"
	}
	if cur.School != nil && cur.Membership != nil {
		out.School = &MeSchool{ID: string(cur.School.ID), Name: cur.School.Name, Slug: cur.School.Slug}
		role := string(cur.Membership.Role)
		out.Role, out.Designated = &role, cur.Actor.Designated
		p := cur.Actor.Permissions
		out.Permissions.HighestAccess = string(p.Max())
		for _, c := range p.Capabilities {
			out.Permissions.Capabilities = append(out.Permissions.Capabilities, string(c))
		}
		slices.Sort(out.Permissions.Capabilities)
		for id, a := range p.Categories {
			out.Permissions.Categories[string(id)] = string(a)
		}
	}
	for _, a := range authz.Actions {
		out.Can[string(a)] = authz.Can(cur.Actor, a)
	}
	h.writeJSON(w, r, http.StatusOK, out)
}
