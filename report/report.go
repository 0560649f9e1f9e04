// Package report writes Vigil's records out as documents people take away:
// a pupil's chronology as PDF and CSV. It formats what app has already
// authorised and audited; it reads nothing and decides nothing.
package report

import (
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
)

// Classification is the government security marking every export carries.
const Classification = "OFFICIAL-SENSITIVE"

// ExportMeta says where an export comes from: the school, who exported it
// and when, and which entries were chosen. It is printed on every page of a
// PDF and in the last rows of a CSV, so a copy always says whose it is.
type ExportMeta struct {
	School   string
	ByName   string
	ByEmail  string
	At       time.Time
	Location *time.Location // the school's time zone; UTC when nil
	Filter   string         // the filter in words; see FilterDescription
}

func (m ExportMeta) loc() *time.Location {
	if m.Location == nil {
		return time.UTC
	}
	return m.Location
}

// exportedBy is the line naming who exported the record and when.
func (m ExportMeta) exportedBy(layout string) string {
	return "exported by " + m.ByName + " (" + m.ByEmail + ") on " + m.At.In(m.loc()).Format(layout)
}

// FilterDescription says in words which entries a chronology filter keeps,
// naming a category from cats when it can: "All entries", or e.g.
// "Category: Bullying; from 1 Sep 2025; concerns and actions only".
func FilterDescription(f app.ChronologyFilter, cats []*vigil.Category) string {
	var parts []string
	if f.Category != "" {
		name := "one category"
		for _, c := range cats {
			if c.ID == f.Category {
				name = c.Name
			}
		}
		parts = append(parts, "Category: "+name)
	}
	if !f.From.IsZero() {
		parts = append(parts, "from "+f.From.Format("2 Jan 2006"))
	}
	if !f.To.IsZero() {
		parts = append(parts, "to "+f.To.Format("2 Jan 2006"))
	}
	if len(f.Kinds) > 0 {
		var kinds []string
		for _, k := range f.Kinds {
			kinds = append(kinds, kindPlural(k))
		}
		parts = append(parts, joinAnd(kinds)+" only")
	}
	if f.KeyOnly {
		parts = append(parts, "key events only")
	}
	if len(parts) == 0 {
		return "All entries"
	}
	return strings.Join(parts, "; ")
}

func joinAnd(s []string) string {
	if len(s) <= 1 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// KindTitle returns an entry's kind as the exports show it.
func KindTitle(kind string) string {
	switch kind {
	case "concern":
		return "Concern"
	case "note":
		return "Note"
	case "action":
		return "Action"
	case "document":
		return "Document"
	case "communication":
		return "Communication"
	}
	return kind
}

// StatusTitle returns an entry's status as the exports show it.
func StatusTitle(status string) string {
	switch status {
	case vigil.ConcernOpen:
		return "Open"
	case vigil.ConcernClosed:
		return "Closed"
	case "done":
		return "Done"
	}
	return status
}

func kindPlural(kind string) string {
	switch kind {
	case "concern", "note", "action", "document", "communication":
		return kind + "s"
	}
	return kind
}

// pupilDetails returns the pupil's identifying details as label, value
// pairs, leaving out what is not known.
func pupilDetails(p *vigil.Pupil) [][2]string {
	var out [][2]string
	add := func(label, value string) {
		if value != "" {
			out = append(out, [2]string{label, value})
		}
	}
	if p.LegalName() != p.Name() {
		add("Legal name", p.LegalName())
	}
	add("Date of birth", p.DateOfBirth.Format("2 Jan 2006"))
	add("Year", vigil.YearGroupTitle(p.YearGroup))
	add("Registration group", p.RegGroup)
	add("UPN", p.UPN)
	if !p.OnRoll {
		add("Left", p.LeftOn.Format("2 Jan 2006"))
	}
	return out
}
