package mis

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/vigil-safeguarding/vigil"
)

// Plan is what applying a Batch would do to the pupils Vigil holds: who is
// added, who changes (and how, by field name only), who is marked as left
// and whose contacts are replaced. Making a plan writes nothing, so a dry
// run is a plan shown rather than applied.
type Plan struct {
	Add    []*vigil.Pupil
	Change []*Change // pupils that change, including those returning and leaving by the MIS's leaving date
	Leave  []*Change // on-roll pupils missing from a complete roll: marked as left, never deleted
	// Contacts replaces the contacts of a pupil: one in Add or the New of
	// a Change, by pointer, so a new pupil's ID is known once it is saved.
	Contacts  []*ContactSet
	Seen      int // pupils in the batch
	Unchanged int
	Problems  Problems
	// Warnings are worth a look but stop nothing, such as a UPN whose
	// check letter does not match (taken as the MIS has it).
	Warnings Problems
}

// Change is one existing pupil before and after.
type Change struct {
	Ref      string
	Old, New *vigil.Pupil
	Fields   []string // the fields that change, for the report and audit; never values
	Renamed  bool     // a legal or preferred name changed: the old one is kept
	Returned bool     // off roll in Vigil, back on roll in the MIS
	Left     bool     // on roll in Vigil, left in the MIS
}

// ContactSet is the full list of contacts a pupil should have.
type ContactSet struct {
	Pupil    *vigil.Pupil
	Contacts []*vigil.Contact
}

// Returned counts the changes that bring a pupil back on roll.
func (p *Plan) Returned() int {
	n := 0
	for _, c := range p.Change {
		if c.Returned {
			n++
		}
	}
	return n
}

// Left counts the pupils the plan takes off roll, by the MIS's leaving
// date or absence from a complete roll.
func (p *Plan) Left() int {
	n := len(p.Leave)
	for _, c := range p.Change {
		if c.Left {
			n++
		}
	}
	return n
}

// Empty reports whether applying the plan would write nothing.
func (p *Plan) Empty() bool {
	return len(p.Add) == 0 && len(p.Change) == 0 && len(p.Leave) == 0 && len(p.Contacts) == 0
}

// PlanPupils diffs b against existing, every pupil Vigil holds for the
// school (on roll or not), and contacts, their contacts by pupil. today is
// the school's date, used as the leaving date of a pupil missing from a
// complete roll.
//
// Pupils are matched, in order, by the connector's id, the MIS id, the UPN
// and earlier UPNs, never by name and date of birth: twins share those. A
// name change keeps the pupil (and so their chronology) and keeps the old
// name. A pupil is never deleted.
func PlanPupils(existing []*vigil.Pupil, contacts map[vigil.PupilID][]*vigil.Contact, b *Batch, today vigil.Date) *Plan {
	plan := &Plan{Seen: len(b.Pupils), Warnings: append(Problems(nil), b.Warnings...)}
	idx := newPupilIndex(existing)
	claimed := map[vigil.PupilID]string{} // existing pupil → the ref that matched it
	newKeys := map[string]string{}        // "mis:ID" or "upn:UPN" of a pupil to add → its ref
	for _, in := range b.Pupils {
		if u := strings.ToUpper(strings.TrimSpace(in.UPN)); u != "" && vigil.CheckUPN(u) == "" && !vigil.UPNCheckLetterMatches(u) {
			plan.Warnings.Add(in.Ref, "UPN", "The check letter does not match the rest of the UPN: check it in the MIS.")
		}
		old := idx.match(in)
		if old != nil {
			if first, ok := claimed[old.ID]; ok {
				plan.Problems.Add(in.Ref, "", "Matches the same pupil as %s (same MIS id or UPN).", first)
				continue
			}
			if msg := idx.conflict(old, in); msg != "" {
				// Never merge one child into another's record: a
				// reused id after an MIS move, or a row mixing two
				// pupils' ids, waits for a person.
				plan.Problems.Add(in.Ref, "", "%s", msg)
				continue
			}
			claimed[old.ID] = in.Ref
		} else if !keysOnly(in) {
			// Two new pupils with one MIS id or UPN are one mistake.
			dup := false
			for _, k := range []string{"mis:" + in.MISID, "upn:" + strings.ToUpper(strings.TrimSpace(in.UPN))} {
				if k == "mis:" || k == "upn:" {
					continue
				}
				if first, ok := newKeys[k]; ok && !dup {
					plan.Problems.Add(in.Ref, "", "Has the same %s as %s.", map[bool]string{true: "MIS id", false: "UPN"}[strings.HasPrefix(k, "mis:")], first)
					dup = true
				}
				newKeys[k] = in.Ref
			}
			if dup {
				continue
			}
		}
		if keysOnly(in) {
			// A contacts export names the pupil only by id: update the
			// contacts of a pupil Vigil has, and nothing else.
			if old == nil {
				plan.Problems.Add(in.Ref, "", "No pupil with this MIS id or UPN: import the pupils first.")
				continue
			}
			plan.planContacts(in, old, contacts[old.ID])
			if !slices.ContainsFunc(plan.Contacts, func(c *ContactSet) bool { return c.Pupil == old }) {
				plan.Unchanged++
			}
			continue
		}
		if old == nil {
			p := newPupil(in, today)
			if !plan.validate(in.Ref, p) {
				continue
			}
			plan.Add = append(plan.Add, p)
			plan.planContacts(in, p, nil)
			continue
		}
		c := merge(old, in, today)
		if !plan.validate(in.Ref, c.New) {
			continue
		}
		before := len(plan.Contacts)
		if len(c.Fields) > 0 {
			plan.Change = append(plan.Change, c)
			plan.planContacts(in, c.New, contacts[old.ID])
		} else {
			plan.planContacts(in, old, contacts[old.ID])
			if len(plan.Contacts) == before {
				plan.Unchanged++
			}
		}
	}
	if len(b.Removed) > 0 && len(plan.Problems) == 0 {
		for _, id := range b.Removed {
			old := idx.source[id]
			if old == nil || !old.OnRoll {
				continue
			}
			if _, ok := claimed[old.ID]; ok {
				continue // listed again in this batch: not removed after all
			}
			claimed[old.ID] = "removed at source"
			p := clonePupil(old)
			p.OnRoll, p.LeftOn, p.LeftReason = false, today, vigil.LeftAbsent
			plan.Leave = append(plan.Leave, &Change{Ref: "removed at source", Old: old, New: p, Fields: []string{"on_roll"}, Left: true})
		}
	}
	if b.Complete && len(plan.Problems) == 0 {
		for _, old := range existing {
			if _, ok := claimed[old.ID]; ok || !old.OnRoll {
				continue
			}
			p := clonePupil(old)
			p.OnRoll, p.LeftOn, p.LeftReason = false, today, vigil.LeftAbsent
			plan.Leave = append(plan.Leave, &Change{Ref: "not in the file", Old: old, New: p, Fields: []string{"on_roll"}, Left: true})
		}
	}
	return plan
}

// keysOnly reports whether in names a pupil without describing them, as a
// row of a contacts export does.
func keysOnly(in *Pupil) bool {
	return in.LegalForename == "" && in.LegalSurname == "" && in.DateOfBirth.IsZero()
}

func (plan *Plan) validate(ref string, p *vigil.Pupil) bool {
	err := p.Validate()
	if err == nil {
		return true
	}
	fields := vigil.ErrorFields(err)
	if len(fields) == 0 {
		plan.Problems.Add(ref, "", "%s", vigil.ErrorMessage(err))
		return false
	}
	for _, f := range slices.Sorted(maps.Keys(fields)) {
		plan.Problems.Add(ref, f, "%s", fields[f])
	}
	return false
}

// planContacts adds a ContactSet for p when in carries contacts that differ
// from have.
func (plan *Plan) planContacts(in *Pupil, p *vigil.Pupil, have []*vigil.Contact) {
	if !in.ContactsKnown {
		return
	}
	want := make([]*vigil.Contact, 0, len(in.Contacts))
	for i := range in.Contacts {
		c := toContact(&in.Contacts[i], i+1)
		if err := c.Validate(); err != nil {
			fields := vigil.ErrorFields(err)
			for _, f := range slices.Sorted(maps.Keys(fields)) {
				plan.Problems.Add(in.Ref, "contact "+strconv.Itoa(i+1)+" "+f, "%s", fields[f])
			}
			continue
		}
		want = append(want, c)
	}
	if sameContacts(have, want) {
		return
	}
	plan.Contacts = append(plan.Contacts, &ContactSet{Pupil: p, Contacts: want})
}

func toContact(c *Contact, order int) *vigil.Contact {
	pr := c.ParentalResponsibility != nil && *c.ParentalResponsibility
	prio := c.Priority
	if prio < 1 || prio > 99 {
		prio = min(order, 99)
	}
	return &vigil.Contact{
		Name: c.Name(), Relationship: strings.TrimSpace(c.Relationship), ParentalResponsibility: pr, Priority: prio,
		Phone: strings.TrimSpace(c.Phone), Email: vigil.NormalizeEmail(c.Email), Address: strings.TrimSpace(c.Address),
	}
}

func contactKey(c *vigil.Contact) string {
	return strings.Join([]string{c.Name, c.Relationship, strconv.FormatBool(c.ParentalResponsibility), strconv.Itoa(c.Priority),
		c.Phone, vigil.NormalizeEmail(c.Email), c.Address}, "\x00")
}

func sameContacts(a, b []*vigil.Contact) bool {
	if len(a) != len(b) {
		return false
	}
	ka, kb := make([]string, len(a)), make([]string, len(b))
	for i := range a {
		ka[i], kb[i] = contactKey(a[i]), contactKey(b[i])
	}
	slices.Sort(ka)
	slices.Sort(kb)
	return slices.Equal(ka, kb)
}

type pupilIndex struct {
	source, mis, upn, former map[string]*vigil.Pupil
}

func newPupilIndex(ps []*vigil.Pupil) *pupilIndex {
	x := &pupilIndex{source: map[string]*vigil.Pupil{}, mis: map[string]*vigil.Pupil{}, upn: map[string]*vigil.Pupil{}, former: map[string]*vigil.Pupil{}}
	for _, p := range ps {
		if p.SourceID != "" {
			x.source[p.SourceID] = p
		}
		if p.MISID != "" {
			x.mis[p.MISID] = p
		}
		if p.UPN != "" {
			x.upn[p.UPN] = p
		}
		for _, u := range p.FormerUPNs {
			x.former[u] = p
		}
	}
	return x
}

// conflict says why matching in to old would be wrong, or "": when in's
// UPN belongs to another pupil Vigil holds, or when old was matched by an
// id while both its UPN and date of birth differ from in's, which is
// another child under a reused id, not a correction.
func (x *pupilIndex) conflict(old *vigil.Pupil, in *Pupil) string {
	upn := strings.ToUpper(strings.TrimSpace(in.UPN))
	if upn != "" {
		if other := x.upn[upn]; other != nil && other != old {
			return "Its MIS id matches one pupil and its UPN another: check both in the MIS."
		}
	}
	if upn != "" && old.UPN != "" && upn != old.UPN && !slices.Contains(old.FormerUPNs, upn) &&
		!in.DateOfBirth.IsZero() && in.DateOfBirth != old.DateOfBirth {
		return "Its MIS id matches a pupil with another UPN and date of birth: it may be a different child reusing an old id. Check it in the MIS."
	}
	return ""
}

// match finds the pupil in holds: by connector id, MIS id, UPN, then either
// side's earlier UPNs.
func (x *pupilIndex) match(in *Pupil) *vigil.Pupil {
	if p := x.source[in.SourceID]; in.SourceID != "" && p != nil {
		return p
	}
	if p := x.mis[in.MISID]; in.MISID != "" && p != nil {
		return p
	}
	upn := strings.ToUpper(strings.TrimSpace(in.UPN))
	if upn != "" {
		if p := x.upn[upn]; p != nil {
			return p
		}
		if p := x.former[upn]; p != nil {
			return p
		}
	}
	for _, u := range in.FormerUPNs {
		if p := x.upn[strings.ToUpper(strings.TrimSpace(u))]; p != nil {
			return p
		}
	}
	return nil
}

// newPupil makes the Vigil pupil for a pupil the MIS has and Vigil has not.
func newPupil(in *Pupil, today vigil.Date) *vigil.Pupil {
	p := &vigil.Pupil{OnRoll: true, Flags: vigil.PupilFlags{}}
	apply(p, in, today)
	return p
}

// merge applies what in carries to a copy of old and says what changed.
func merge(old *vigil.Pupil, in *Pupil, today vigil.Date) *Change {
	p := clonePupil(old)
	apply(p, in, today)
	c := &Change{Ref: in.Ref, Old: old, New: p}
	diff := func(name string, changed bool) {
		if changed {
			c.Fields = append(c.Fields, name)
		}
	}
	diff("source_id", old.SourceID != p.SourceID)
	diff("mis_id", old.MISID != p.MISID)
	diff("upn", old.UPN != p.UPN)
	diff("former_upns", !slices.Equal(old.FormerUPNs, p.FormerUPNs))
	c.Renamed = old.LegalForename != p.LegalForename || old.LegalSurname != p.LegalSurname ||
		old.PreferredForename != p.PreferredForename || old.PreferredSurname != p.PreferredSurname
	diff("name", c.Renamed)
	diff("middle_names", old.MiddleNames != p.MiddleNames)
	diff("date_of_birth", old.DateOfBirth != p.DateOfBirth)
	diff("sex", old.Sex != p.Sex)
	diff("year_group", old.YearGroup != p.YearGroup)
	diff("reg_group", old.RegGroup != p.RegGroup)
	diff("admitted_on", old.AdmittedOn != p.AdmittedOn)
	diff("on_roll", old.OnRoll != p.OnRoll || old.LeftOn != p.LeftOn)
	diff("destination", old.Destination != p.Destination)
	for _, f := range vigil.Flags {
		diff(string(f), old.Flags[f] != p.Flags[f])
	}
	c.Returned = !old.OnRoll && p.OnRoll
	c.Left = old.OnRoll && !p.OnRoll
	if c.Renamed {
		p.FormerNames = addWords(p.FormerNames, old.LegalForename, old.LegalSurname, old.PreferredForename, old.PreferredSurname)
	}
	return c
}

// apply copies onto p every field in carries.
func apply(p *vigil.Pupil, in *Pupil, today vigil.Date) {
	if in.SourceID != "" {
		p.SourceID = in.SourceID
	}
	if in.MISID != "" {
		p.MISID = in.MISID
	}
	if upn := strings.ToUpper(strings.TrimSpace(in.UPN)); in.Has(FieldUPN) || upn != "" {
		if p.UPN != "" && p.UPN != upn {
			p.FormerUPNs = addUPN(p.FormerUPNs, p.UPN)
		}
		p.UPN = upn
	}
	for _, u := range in.FormerUPNs {
		if u = strings.ToUpper(strings.TrimSpace(u)); u != "" && u != p.UPN {
			p.FormerUPNs = addUPN(p.FormerUPNs, u)
		}
	}
	p.FormerUPNs = slices.DeleteFunc(p.FormerUPNs, func(u string) bool { return u == p.UPN })
	p.LegalForename, p.LegalSurname = strings.TrimSpace(in.LegalForename), strings.TrimSpace(in.LegalSurname)
	if in.Has(FieldPreferred) {
		p.PreferredForename, p.PreferredSurname = strings.TrimSpace(in.PreferredForename), strings.TrimSpace(in.PreferredSurname)
		// "Known as" the same as the legal name is no preferred name.
		if p.PreferredForename == p.LegalForename {
			p.PreferredForename = ""
		}
		if p.PreferredSurname == p.LegalSurname {
			p.PreferredSurname = ""
		}
	}
	if m := strings.TrimSpace(in.MiddleNames); m != "" {
		p.MiddleNames = m
	}
	p.DateOfBirth = in.DateOfBirth
	if in.Has(FieldSex) {
		p.Sex = in.Sex
	}
	if in.Has(FieldYearGroup) {
		p.YearGroup = in.YearGroup
	}
	if in.Has(FieldRegGroup) {
		p.RegGroup = strings.TrimSpace(in.RegGroup)
	}
	if in.Has(FieldAdmission) && !in.AdmissionDate.IsZero() {
		p.AdmittedOn = in.AdmissionDate
	}
	if in.Has(FieldDestination) && strings.TrimSpace(in.Destination) != "" {
		p.Destination = strings.TrimSpace(in.Destination)
	}
	if p.Flags == nil {
		p.Flags = vigil.PupilFlags{}
	}
	for f, on := range in.Flags {
		if !f.Valid() {
			continue
		}
		if on {
			p.Flags[f] = true
		} else {
			delete(p.Flags, f)
		}
	}
	switch {
	case !in.LeavingDate.IsZero() && !in.LeavingDate.After(today):
		// The MIS says the pupil has left.
		if p.OnRoll || p.LeftOn != in.LeavingDate {
			p.OnRoll, p.LeftOn, p.LeftReason = false, in.LeavingDate, vigil.LeftByMIS
		}
	case !p.OnRoll:
		// On the MIS's roll again: a returning pupil, matched back.
		p.OnRoll, p.LeftOn, p.LeftReason = true, vigil.Date{}, ""
		if in.Has(FieldAdmission) && !in.AdmissionDate.IsZero() {
			p.AdmittedOn = in.AdmissionDate
		}
	}
}

func addUPN(list []string, u string) []string {
	if slices.Contains(list, u) {
		return list
	}
	return append(list, u)
}

// addWords appends to s each word of names it does not hold yet.
func addWords(s string, names ...string) string {
	have := strings.Fields(s)
	for _, n := range names {
		for _, w := range strings.Fields(n) {
			if !slices.Contains(have, w) {
				have = append(have, w)
			}
		}
	}
	return strings.Join(have, " ")
}

func clonePupil(p *vigil.Pupil) *vigil.Pupil {
	c := *p
	c.FormerUPNs = slices.Clone(p.FormerUPNs)
	c.Flags = make(vigil.PupilFlags, len(p.Flags))
	for f, on := range p.Flags {
		if on {
			c.Flags[f] = true
		}
	}
	return &c
}
