package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
)

// kindOptions are the kinds of entry a chronology holds
// (app.ChronologyKinds), in the order its filter offers them.
var kindOptions = func() []kindOption {
	titles := map[string]string{
		"concern":             "Concerns",
		"action":              "Actions",
		"note":                "Further information",
		"document":            "Documents",
		app.ReferralKind:      "Referrals",
		app.CommunicationKind: "Communications",
	}
	var out []kindOption
	for _, k := range app.ChronologyKinds() {
		t := titles[k]
		if t == "" {
			t = k // TestChronologyKindsAndKeyEvents fails until it has a title
		}
		out = append(out, kindOption{k, t})
	}
	return out
}()

type kindOption struct{ Value, Title string }

// kindLabel names an entry's kind as the page shows it.
func kindLabel(kind string) string {
	switch kind {
	case "concern":
		return "Concern"
	case "action":
		return "Action"
	case "note":
		return "Further information"
	case "document":
		return "Document"
	case "communication":
		return "Communication"
	case "referral":
		return "Referral"
	}
	return kind
}

func init() {
	funcs["kindLabel"] = kindLabel
	funcs["markable"] = app.KeyEventKind
}

// chronologyForm is the chronology's filter as it was given. None of it
// is free text, so it may travel in the URL.
type chronologyForm struct {
	Category, From, To string
	Kinds              []string
	KeyOnly            bool
}

// Has reports whether the kind is ticked.
func (f chronologyForm) Has(kind string) bool { return slices.Contains(f.Kinds, kind) }

// readChronologyForm reads the filter from v, dropping what is not a
// filter, and returns it with app's filter and any problem with the dates.
func readChronologyForm(v url.Values) (chronologyForm, app.ChronologyFilter, error) {
	var f chronologyForm
	var cf app.ChronologyFilter
	p := vigil.Problems{}
	if c := v.Get("category"); vigil.ValidID(c) {
		f.Category, cf.Category = c, vigil.CategoryID(c)
	}
	f.From, f.To = strings.TrimSpace(v.Get("from")), strings.TrimSpace(v.Get("to"))
	var err error
	if f.From != "" {
		if cf.From, err = vigil.ParseDate(f.From); err != nil {
			p.Add("from", "Give the first day as a date.")
			f.From = ""
		}
	}
	if f.To != "" {
		if cf.To, err = vigil.ParseDate(f.To); err != nil {
			p.Add("to", "Give the last day as a date.")
			f.To = ""
		}
	}
	for _, k := range kindOptions {
		if slices.Contains(v["kind"], k.Value) {
			f.Kinds = append(f.Kinds, k.Value)
		}
	}
	cf.Kinds = f.Kinds
	f.KeyOnly = v.Get("key") == "1"
	cf.KeyOnly = f.KeyOnly
	return f, cf, p.Err()
}

// Query returns the filter as a query string, "" when there is none.
func (f chronologyForm) Query() string {
	q := url.Values{}
	for k, v := range map[string]string{"category": f.Category, "from": f.From, "to": f.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if len(f.Kinds) > 0 {
		q["kind"] = f.Kinds
	}
	if f.KeyOnly {
		q.Set("key", "1")
	}
	return q.Encode()
}

type chronologyData struct {
	C       *app.Chronology
	Filter  chronologyForm
	Kinds   []kindOption
	Base    string // the page's path
	Query   string // the filter, for links
	Loc     *time.Location
	Print   bool
	Printed string // "Printed by NAME on DATE", on every printed page
}

// Link returns the page's path with the filter and extra parameters.
func (d chronologyData) Link(path, extra string) string {
	q := d.Query
	if extra != "" {
		if q != "" {
			q += "&"
		}
		q += extra
	}
	if q == "" {
		return path
	}
	return path + "?" + q
}

// showChronology handles GET /pupils/{id}/chronology: everything about a
// pupil the reader may see, oldest first, filtered; ?print=1 shows it for
// printing.
func (h *Handler) showChronology(w http.ResponseWriter, r *http.Request) {
	id := vigil.PupilID(r.PathValue("id"))
	if !vigil.ValidID(string(id)) {
		h.notFound(w, r)
		return
	}
	v := r.URL.Query()
	f, cf, problem := readChronologyForm(v)
	ch, err := h.app.Chronology(r.Context(), id, cf)
	if err == nil && ch == nil {
		err = errNoConcerns
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	cur := current(r.Context())
	loc := cur.Location()
	d := chronologyData{C: ch, Filter: f, Kinds: kindOptions, Base: "/pupils/" + string(id) + "/chronology", Query: f.Query(), Loc: loc,
		Print: v.Get("print") == "1", Printed: "Printed by " + cur.Person.Name + " on " + time.Now().In(loc).Format("2 Jan 2006 at 15:04")}
	status := http.StatusOK
	if problem != nil {
		status = http.StatusUnprocessableEntity
	}
	h.render(w, r, status, "chronology", page{Title: "Chronology: " + ch.Pupil.Name(), Nav: "pupils", Data: d, Err: problem, Print: d.Print})
}

// markKeyEvent handles POST /pupils/{id}/chronology/key: item marked
// (mark=1) or unmarked (mark=0) as a key event, then back to the
// chronology as it was filtered.
func (h *Handler) markKeyEvent(w http.ResponseWriter, r *http.Request) {
	id := vigil.PupilID(r.PathValue("id"))
	if !vigil.ValidID(string(id)) {
		h.notFound(w, r)
		return
	}
	if !h.parseForm(w, r) {
		return
	}
	item := r.PostFormValue("item")
	if err := h.app.SetKeyEvent(r.Context(), id, item, r.PostFormValue("mark") == "1"); err != nil {
		h.fail(w, r, err)
		return
	}
	f, _, _ := readChronologyForm(r.PostForm)
	target := "/pupils/" + string(id) + "/chronology"
	if q := f.Query(); q != "" {
		target += "?" + q
	}
	http.Redirect(w, r, target+"#entry-"+item, http.StatusSeeOther)
}
