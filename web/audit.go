package web

import (
	"encoding/csv"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
)

// auditRow is one line of an audit page, with its time already written in
// the school's time zone.
type auditRow struct {
	Seq                     int64
	When, WhenISO           string
	PersonID                vigil.PersonID
	PersonName, PersonEmail string
	Action, Label           string
	ObjectType, ObjectID    string
	PupilID                 vigil.PupilID
	PupilName               string
	IP, Device, UserAgent   string
}

// auditFilters is the filter form as it was sent, to show it again.
type auditFilters struct {
	Person, Pupil, Group, From, To string
}

type auditData struct {
	Scope   string // "school", "pupil" or "person"
	Base    string // the page's path, for the form and the links
	Filters auditFilters
	Rows    []auditRow
	Pupil   *vigil.Pupil
	Person  *vigil.Person
	Staff   []*vigil.Membership
	// OtherPerson is the person filtered by when they are not a member
	// (a trust lead), so the filter can still show them.
	OtherPerson *vigil.Person
	Groups      []app.AuditGroup
	Zone        string // the time zone times are shown in
	Paged       bool   // this is not the newest page
	Older       string // the next page's URL, "" when none
	Newest      string // the first page's URL
	CSV         string // this view's export URL
}

// showAudit handles GET /audit: the school's audit trail, filtered by
// person, pupil, kind of action and dates; ?format=csv exports it.
func (h *Handler) showAudit(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	h.audit(w, r, "school", "/audit", auditFilters{Person: v.Get("person"), Pupil: v.Get("pupil")})
}

// showPupilAudit handles GET /pupils/{id}/audit: who viewed or changed the
// pupil's records, and when.
func (h *Handler) showPupilAudit(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	h.audit(w, r, "pupil", "/pupils/"+id+"/audit", auditFilters{Pupil: id})
}

// showStaffAudit handles GET /staff/{id}/audit: what one person did in
// this school.
func (h *Handler) showStaffAudit(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	h.audit(w, r, "person", "/staff/"+id+"/audit", auditFilters{Person: id})
}

// audit reads the rest of the filters from the query string, then shows
// the page or sends the CSV.
func (h *Handler) audit(w http.ResponseWriter, r *http.Request, scope, base string, fl auditFilters) {
	cur := current(r.Context())
	v := r.URL.Query()
	fl.Group, fl.From, fl.To = v.Get("group"), strings.TrimSpace(v.Get("from")), strings.TrimSpace(v.Get("to"))
	if !app.ValidAuditGroup(fl.Group) {
		fl.Group = ""
	}
	q := app.AuditQuery{Person: vigil.PersonID(fl.Person), Pupil: vigil.PupilID(fl.Pupil), Group: fl.Group, Loc: cur.Location()}
	var err error
	if fl.From != "" {
		if q.From, err = vigil.ParseDate(fl.From); err != nil {
			h.fail(w, r, vigil.FieldError("from", "Give the start date as a date (YYYY-MM-DD)."))
			return
		}
	}
	if fl.To != "" {
		if q.To, err = vigil.ParseDate(fl.To); err != nil {
			h.fail(w, r, vigil.FieldError("to", "Give the end date as a date (YYYY-MM-DD)."))
			return
		}
	}
	if v.Get("format") == "csv" {
		h.exportAudit(w, r, q)
		return
	}
	q.Before, _ = strconv.ParseInt(v.Get("before"), 10, 64)
	res, err := h.app.Audit(r.Context(), q)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := auditData{Scope: scope, Base: base, Filters: fl, Pupil: res.Pupil, Person: res.Person, Staff: res.Staff,
		Groups: app.AuditGroups, Zone: q.Loc.String(), Paged: q.Before > 0}
	if res.Person != nil && scope == "school" {
		d.OtherPerson = res.Person
		for _, m := range res.Staff {
			if m.PersonID == res.Person.ID {
				d.OtherPerson = nil
			}
		}
	}
	query := url.Values{}
	for k, val := range map[string]string{"group": fl.Group, "from": fl.From, "to": fl.To} {
		if val != "" {
			query.Set(k, val)
		}
	}
	if scope == "school" {
		for k, val := range map[string]string{"person": fl.Person, "pupil": fl.Pupil} {
			if val != "" {
				query.Set(k, val)
			}
		}
	}
	d.Newest = withQuery(base, query)
	if res.Older > 0 {
		older := url.Values{"before": {strconv.FormatInt(res.Older, 10)}}
		for k := range query {
			older.Set(k, query.Get(k))
		}
		d.Older = withQuery(base, older)
	}
	query.Set("format", "csv")
	d.CSV = withQuery(base, query)
	for _, en := range res.Entries {
		d.Rows = append(d.Rows, auditRowOf(en, q.Loc))
	}
	title := "Audit trail"
	switch {
	case scope == "pupil" && res.Pupil != nil:
		title = "Who has seen " + res.Pupil.Name() + "'s records"
	case scope == "person" && res.Person != nil:
		title = "What " + res.Person.Name + " has done"
	}
	nav := "audit"
	if scope == "pupil" {
		nav = "pupils"
	}
	h.render(w, r, http.StatusOK, "audit", page{Title: title, Nav: nav, Data: d})
}

func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

func auditRowOf(en *app.AuditEntry, loc *time.Location) auditRow {
	return auditRow{
		Seq: en.Seq, When: en.At.In(loc).Format("2 Jan 2006, 15:04:05"), WhenISO: en.At.UTC().Format(time.RFC3339),
		PersonID: en.PersonID, PersonName: en.PersonName, PersonEmail: en.PersonEmail,
		Action: en.Action, Label: app.AuditLabel(en.Action), ObjectType: en.ObjectType, ObjectID: en.ObjectID,
		PupilID: en.PupilID, PupilName: en.PupilName, IP: en.IP, Device: deviceOf(en.UserAgent), UserAgent: en.UserAgent,
	}
}

func deviceOf(ua string) string {
	if ua == "" {
		return ""
	}
	return app.DeviceName(ua)
}

// auditCSVHeader names the export's columns.
var auditCSVHeader = []string{"seq", "time", "person_email", "action", "object_type", "object_id", "pupil_id", "pupil_name", "ip", "user_agent", "detail"}

// exportAudit sends the view as CSV. Nothing is written until the export
// has been recorded; a failure after that cuts the download off rather
// than let a short file pass for a whole one.
func (h *Handler) exportAudit(w http.ResponseWriter, r *http.Request, q app.AuditQuery) {
	var cw *csv.Writer
	start := func() error {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="vigil-audit-`+h.app.Now().In(q.Loc).Format("2006-01-02")+`.csv"`)
		w.WriteHeader(http.StatusOK)
		cw = csv.NewWriter(w)
		return cw.Write(auditCSVHeader)
	}
	n, err := h.app.ExportAudit(r.Context(), q, func(en *app.AuditEntry) error {
		if cw == nil {
			if err := start(); err != nil {
				return err
			}
		}
		return cw.Write(auditCSVRecord(en))
	})
	if err != nil && cw == nil {
		h.fail(w, r, err)
		return
	}
	if err == nil && cw == nil {
		err = start() // no events: the header alone
	}
	if err == nil {
		cw.Flush()
		err = cw.Error()
	}
	if err != nil {
		h.log.ErrorContext(r.Context(), "audit export cut off", slog.Int("rows", n), slog.Any("err", err))
		panic(http.ErrAbortHandler)
	}
}

// auditCSVRecord is one event as a CSV row, every cell made safe to open
// in a spreadsheet.
func auditCSVRecord(en *app.AuditEntry) []string {
	detail := ""
	if len(en.Detail) > 0 {
		b, _ := json.Marshal(en.Detail) // a map of strings always encodes
		detail = string(b)
	}
	rec := []string{strconv.FormatInt(en.Seq, 10), en.At.UTC().Format(time.RFC3339), en.PersonEmail, en.Action,
		en.ObjectType, en.ObjectID, string(en.PupilID), en.PupilName, en.IP, en.UserAgent, detail}
	for i, c := range rec {
		rec[i] = csvSafe(c)
	}
	return rec
}

// csvSafe defuses a cell a spreadsheet would run as a formula (CSV
// injection, ASVS 1.2.10): one starting with = + - @, a tab, a carriage
// return or NUL gets a leading apostrophe, which spreadsheets show as text.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r\x00", rune(s[0])) {
		return "'" + s
	}
	return s
}
