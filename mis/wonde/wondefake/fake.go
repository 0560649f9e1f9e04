// Package wondefake is a fake Wonde API for tests and benchmarks. It serves
// the documented shapes (reference/mis.md §3): the list envelope with
// meta.pagination, includes wrapped in {"data": …}, timestamps as
// {"date":…,"timezone_type":3,"timezone":…}, and booleans in the mixed
// forms MIS systems send (true/false, "T"/"F", "Y"/"N"). It honours
// include, per_page (at most 200), page and updated_after, answers a bad
// or revoked token with 401 {"error":"unauthenticated"} and an unknown
// school with 404, and can be told to fail the next requests.
//
// Mount Handler under an httptest.Server; the client's BaseURL is the
// server's URL followed by "/v1.0/".
package wondefake

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/mis"
)

// DefaultUpdated is the updated_at every record has until SetUpdated
// changes it.
var DefaultUpdated = time.Date(2025, 9, 1, 7, 30, 0, 0, time.UTC)

// Server is a fake Wonde API. Its methods may be called while it serves.
type Server struct {
	// PageSize, when above zero, caps every page below the per_page the
	// client asks for, to spread a few records over several pages. Set it
	// before the first request.
	PageSize int
	// PerPageString serves meta.pagination.per_page as a string ("200"),
	// as Wonde's documentation shows; otherwise as a number. Set it before
	// the first request.
	PerPageString bool

	mu       sync.Mutex
	token    string
	revoked  bool
	schools  map[string]*school
	fails    []failure
	requests []string
}

type school struct {
	students  []*record
	employees []*record
	deletions []deletion
}

// record is one student or employee: its fields, its includes by name,
// and its JSON rendered once per set of includes asked for.
type record struct {
	id       string
	updated  time.Time
	fields   map[string]any
	includes map[string]any
	rendered map[string][]byte
}

type deletion struct {
	id, kind string
	at       time.Time
}

type failure struct {
	status     int
	retryAfter string
}

// NewServer returns a fake that accepts token, as a Bearer token or as the
// Basic user name with an empty password.
func NewServer(token string) *Server {
	return &Server{token: token, schools: map[string]*school{}}
}

// SetSchool replaces a school's students and employees. A pupil or member
// of staff without a SourceID is given one ("S1", "E1" ...); the records
// passed in are not changed.
func (s *Server) SetSchool(id string, pupils []*mis.Pupil, staff []*mis.Staff) {
	sc := &school{}
	for i, p := range pupils {
		rid := p.SourceID
		if rid == "" {
			rid = "S" + strconv.Itoa(i+1)
		}
		sc.students = append(sc.students, studentRecord(rid, p))
	}
	for i, e := range staff {
		rid := e.SourceID
		if rid == "" {
			rid = "E" + strconv.Itoa(i+1)
		}
		sc.employees = append(sc.employees, employeeRecord(rid, e))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.schools[id] = sc
}

// SetUpdated sets the updated_at of a school's student or employee, as a
// change in the MIS would. It reports whether the record was found.
func (s *Server) SetUpdated(schoolID, recordID string, at time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc := s.schools[schoolID]
	if sc == nil {
		return false
	}
	for _, r := range slices.Concat(sc.students, sc.employees) {
		if r.id == recordID {
			r.setUpdated(at)
			return true
		}
	}
	return false
}

// Delete removes a student or employee as a deletion at source would: it
// leaves the lists and appears under deletions, dated at. It reports
// whether the record was found.
func (s *Server) Delete(schoolID, recordID string, at time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc := s.schools[schoolID]
	if sc == nil {
		return false
	}
	for _, l := range []struct {
		list *[]*record
		kind string
	}{{&sc.students, "student"}, {&sc.employees, "employee"}} {
		if i := slices.IndexFunc(*l.list, func(r *record) bool { return r.id == recordID }); i >= 0 {
			*l.list = slices.Delete(*l.list, i, i+1)
			sc.deletions = append(sc.deletions, deletion{id: recordID, kind: l.kind, at: at})
			return true
		}
	}
	return false
}

// Revoke makes every request from now on fail with 401, as when a school
// revokes the app's access to its token.
func (s *Server) Revoke() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revoked = true
}

// FailNext makes the next n requests answer with status and, when
// retryAfter is not empty, that Retry-After header. Status 200 serves an
// HTML page instead of JSON, as a captive portal or proxy would.
func (s *Server) FailNext(status, n int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fails = append(s.fails, failure{status, retryAfter})
	}
}

// Requests returns how many requests the server has had.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// RequestLog returns each request's path and query, in order. It holds no
// header, so no token.
func (s *Server) RequestLog() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Handler returns the API, rooted at /v1.0/.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1.0/schools/{school}", s.showSchool)
	mux.HandleFunc("GET /v1.0/schools/{school}/students", s.listRecords(func(sc *school) []*record { return sc.students }))
	mux.HandleFunc("GET /v1.0/schools/{school}/employees", s.listRecords(func(sc *school) []*record { return sc.employees }))
	mux.HandleFunc("GET /v1.0/schools/{school}/deletions", s.listDeletions)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "not_found"})
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.requests = append(s.requests, r.URL.RequestURI())
		if len(s.fails) > 0 {
			f := s.fails[0]
			s.fails = s.fails[1:]
			if f.retryAfter != "" {
				w.Header().Set("Retry-After", f.retryAfter)
			}
			if f.status == http.StatusOK {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				fmt.Fprint(w, "<!doctype html><title>Sign in to the Wi-Fi</title>")
				return
			}
			writeJSON(w, f.status, map[string]any{"error": strings.ToLower(strings.ReplaceAll(http.StatusText(f.status), " ", "_"))})
			return
		}
		if !s.authorised(r) {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "unauthenticated"})
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// authorised checks the token, Bearer or Basic with an empty password.
func (s *Server) authorised(r *http.Request) bool {
	if s.revoked || s.token == "" {
		return false
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		user, pass, basic := r.BasicAuth()
		if !basic || pass != "" {
			return false
		}
		got = user
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(s.token)) == 1
}

func (s *Server) showSchool(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("school")
	if s.schools[id] == nil {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "not_found"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{
		"id": id, "name": "Fake school " + id, "urn": nil, "la_code": nil, "establishment_number": nil,
		"timezone": "Europe/London", "mis": "Fake MIS",
		"region": map[string]any{"data": map[string]any{"code": "GBR", "domain": "api.wonde.com"}},
	}})
}

// listRecords serves students or employees.
func (s *Server) listRecords(list func(*school) []*record) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sc := s.schools[r.PathValue("school")]
		if sc == nil {
			writeJSON(w, http.StatusNotFound, map[string]any{"error": "not_found"})
			return
		}
		pg, ok := s.paging(w, r)
		if !ok {
			return
		}
		include := includes(r.URL.Query().Get("include"))
		// One pass, rendering only the page: a benchmark asks for 250
		// pages of 50,000 records.
		first, total := (pg.page-1)*pg.size, 0
		if pg.page-1 > len(list(sc))/pg.size {
			first = len(list(sc)) // also keeps a huge page number from overflowing
		}
		var rows []json.RawMessage
		for _, rec := range list(sc) {
			if !rec.updated.After(pg.after) {
				continue
			}
			if total >= first && len(rows) < pg.size {
				rows = append(rows, rec.render(include))
			}
			total++
		}
		s.writePage(w, r, pg, rows, total)
	}
}

func (s *Server) listDeletions(w http.ResponseWriter, r *http.Request) {
	sc := s.schools[r.PathValue("school")]
	if sc == nil {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "not_found"})
		return
	}
	pg, ok := s.paging(w, r)
	if !ok {
		return
	}
	kind := r.URL.Query().Get("type")
	var rows []json.RawMessage
	for _, d := range sc.deletions {
		if d.at.After(pg.after) && (kind == "" || kind == d.kind) {
			b, _ := json.Marshal(map[string]any{
				"id": d.id, "type": d.kind, "restored_at": nil,
				"deleted_at": timestamp(d.at), "updated_at": timestamp(d.at),
			})
			rows = append(rows, b)
		}
	}
	start, end := pg.bounds(len(rows))
	s.writePage(w, r, pg, rows[start:end], len(rows))
}

type paging struct {
	page, size int
	after      time.Time
}

// paging reads page, per_page and updated_after, answering 422 as Wonde's
// validation does when one is malformed.
func (s *Server) paging(w http.ResponseWriter, r *http.Request) (paging, bool) {
	q := r.URL.Query()
	pg := paging{page: 1, size: 50}
	invalid := map[string]any{}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			invalid["page"] = []string{"The page must be a positive whole number."}
		}
		pg.page = n
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			invalid["per_page"] = []string{"The per page must be a positive whole number."}
		}
		pg.size = min(n, 200)
	}
	if s.PageSize > 0 {
		pg.size = min(pg.size, s.PageSize)
	}
	if v := q.Get("updated_after"); v != "" {
		t, err := time.Parse(time.DateTime, v)
		if err != nil {
			invalid["updated_after"] = []string{"The updated after does not match the format Y-m-d H:i:s."}
		}
		pg.after = t
	}
	if len(invalid) > 0 {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "validation_error", "errors": invalid})
		return pg, false
	}
	return pg, true
}

// bounds returns where the page starts and ends in a list of total rows.
func (pg paging) bounds(total int) (start, end int) {
	if pg.page-1 > total/pg.size { // also keeps a huge page number from overflowing
		return total, total
	}
	start = min((pg.page-1)*pg.size, total)
	return start, min(start+pg.size, total)
}

// writePage serves one page's rows, of total matching, with Wonde's
// pagination meta; next and previous are absolute links on the host the
// request came to.
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, pg paging, rows []json.RawMessage, total int) {
	_, end := pg.bounds(total)
	more := end < total
	link := func(page int) any {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(page))
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		return (&url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawQuery: q.Encode()}).String()
	}
	var next, prev any
	if more {
		next = link(pg.page + 1)
	}
	if pg.page > 1 {
		prev = link(pg.page - 1)
	}
	var perPage any = pg.size
	if s.PerPageString {
		perPage = strconv.Itoa(pg.size)
	}
	meta, _ := json.Marshal(map[string]any{"pagination": map[string]any{
		"next": next, "previous": prev, "more": more, "per_page": perPage, "current_page": pg.page,
	}})

	var b strings.Builder
	b.WriteString(`{"data":[`)
	for i, row := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(row)
	}
	b.WriteString(`],"meta":`)
	b.Write(meta)
	b.WriteString("}")
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, b.String())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) //nolint:errcheck // a fake; the client sees a short body
}

// includes parses include=a,b.c: a nested include brings its parent.
func includes(param string) map[string]bool {
	out := map[string]bool{}
	for _, name := range strings.Split(param, ",") {
		name = strings.TrimSpace(name)
		for name != "" {
			out[name] = true
			i := strings.LastIndexByte(name, '.')
			if i < 0 {
				break
			}
			name = name[:i]
		}
	}
	return out
}

// render returns the record's JSON with the includes asked for, rendered
// once per set.
func (rec *record) render(include map[string]bool) json.RawMessage {
	var names []string
	for name := range rec.includes {
		if include[name] {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	key := strings.Join(names, ",")
	if b, ok := rec.rendered[key]; ok {
		return b
	}
	out := make(map[string]any, len(rec.fields)+len(names))
	for k, v := range rec.fields {
		out[k] = v
	}
	for _, name := range names {
		if strings.Contains(name, ".") {
			continue // folded into its parent below
		}
		out[name] = rec.includes[name]
		if name == "contacts" && include["contacts.contact_details"] {
			out[name] = rec.includes["contacts.contact_details"]
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		panic("wondefake: render: " + err.Error()) // only our own maps are rendered
	}
	rec.rendered[key] = b
	return b
}

func (rec *record) setUpdated(at time.Time) {
	rec.updated = at
	rec.fields["updated_at"] = timestamp(at)
	clear(rec.rendered)
}

// timestamp writes a time as Wonde does.
func timestamp(t time.Time) map[string]any {
	return map[string]any{"date": t.UTC().Format("2006-01-02 15:04:05.000000"), "timezone_type": 3, "timezone": "UTC"}
}

// day writes a calendar date as Wonde does, at midnight in the school's
// zone; null when unset.
func day(d vigil.Date) any {
	if d.IsZero() {
		return nil
	}
	return map[string]any{"date": d.String() + " 00:00:00.000000", "timezone_type": 3, "timezone": "Europe/London"}
}

// orNull returns s, or nil (null) when it is empty.
func orNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// known returns v when the pupil carries field f, else nil (null), as
// Wonde sends a property outside the school's approved scopes.
func known(p *mis.Pupil, f string, v any) any {
	if !p.Has(f) {
		return nil
	}
	return v
}

// flag returns a flag in the given true and false forms, or nil when the
// pupil does not carry it.
func flag(p *mis.Pupil, f vigil.Flag, yes, no any) any {
	v, ok := p.Flags[f]
	switch {
	case !ok:
		return nil
	case v:
		return yes
	}
	return no
}

func studentRecord(id string, p *mis.Pupil) *record {
	forename, surname := p.LegalForename, p.LegalSurname
	if p.PreferredForename != "" {
		forename = p.PreferredForename
	}
	if p.PreferredSurname != "" {
		surname = p.PreferredSurname
	}
	gender := map[string]any{"F": "FEMALE", "M": "MALE", "X": "OTHER"}[p.Sex]
	rec := &record{id: id, rendered: map[string][]byte{}, fields: map[string]any{
		"id": id, "upi": "upi-" + id, "mis_id": orNull(p.MISID), "title": nil, "initials": nil,
		"forename": forename, "surname": surname, "middle_names": orNull(p.MiddleNames),
		"legal_forename": p.LegalForename, "legal_surname": p.LegalSurname,
		"gender": known(p, mis.FieldSex, gender), "date_of_birth": day(p.DateOfBirth),
		"restored_at": nil, "created_at": timestamp(DefaultUpdated),
	}}

	var former any
	if len(p.FormerUPNs) > 0 {
		former = p.FormerUPNs[0]
	}
	sen := any(nil)
	switch {
	case p.Flags[vigil.FlagEHCP]:
		sen = "E"
	case p.Flags[vigil.FlagSENSupport]:
		sen = "K"
	default:
		if _, ok := p.Flags[vigil.FlagEHCP]; ok {
			sen = "N"
		} else if _, ok := p.Flags[vigil.FlagSENSupport]; ok {
			sen = "N"
		}
	}
	ever := any(nil)
	if v, ok := p.Flags[vigil.FlagPLAC]; ok {
		ever = map[bool]string{true: "Y", false: "N"}[v || p.Flags[vigil.FlagLAC]]
	}
	groups := []any{}
	if p.YearGroup != "" {
		groups = append(groups, map[string]any{"id": "GY" + p.YearGroup, "name": vigil.YearGroupTitle(p.YearGroup), "code": "Y" + p.YearGroup, "type": "YEAR"})
	}
	if p.RegGroup != "" {
		groups = append(groups, map[string]any{"id": "GR" + p.RegGroup, "name": p.RegGroup, "code": p.RegGroup, "type": "REGISTRATION"})
	}
	var year any
	if p.YearGroup != "" {
		year = map[string]any{"id": "Y" + p.YearGroup, "code": p.YearGroup, "name": vigil.YearGroupTitle(p.YearGroup)}
	}
	var contacts, contactsDetails []any
	for i, c := range p.Contacts {
		cid := c.MISID
		if cid == "" {
			cid = id + "C" + strconv.Itoa(i+1)
		}
		var pr any
		if c.ParentalResponsibility != nil {
			pr = *c.ParentalResponsibility
		}
		var priority any
		if c.Priority > 0 {
			priority = c.Priority
		}
		base := map[string]any{
			"id": cid, "title": orNull(c.Title), "forename": orNull(c.Forename), "surname": orNull(c.Surname),
			"relationship": map[string]any{
				"relationship": orNull(c.Relationship), "parental_responsibility": pr,
				"priority": priority, "lives_with_pupil": nil, "email_bulletin": nil,
			},
		}
		withDetails := make(map[string]any, len(base)+1)
		for k, v := range base {
			withDetails[k] = v
		}
		withDetails["contact_details"] = map[string]any{"data": map[string]any{
			"emails":     map[string]any{"email": orNull(c.Email), "primary": nil, "home": nil, "work": nil},
			"telephones": map[string]any{"phone": nil, "home": nil, "work": nil, "mobile": orNull(c.Phone)},
		}}
		contacts = append(contacts, base)
		contactsDetails = append(contactsDetails, withDetails)
	}
	if !p.ContactsKnown {
		contacts, contactsDetails = nil, nil
	} else if contacts == nil {
		contacts, contactsDetails = []any{}, []any{}
	}
	rec.includes = map[string]any{
		"education_details": map[string]any{"data": map[string]any{
			"id": "ED" + id, "upn": known(p, mis.FieldUPN, p.UPN), "former_upn": former,
			"admission_date": day(p.AdmissionDate), "leaving_date": day(p.LeavingDate),
			"current_nc_year": known(p, mis.FieldYearGroup, p.YearGroup),
		}},
		"extended_details": map[string]any{"data": map[string]any{
			"sen_status":                            sen,
			"free_school_meals":                     flag(p, vigil.FlagFSM, true, false),
			"free_school_meals_6":                   nil,
			"premium_pupil_indicator":               flag(p, vigil.FlagPupilPremium, "T", "F"),
			"in_lea_care":                           flag(p, vigil.FlagLAC, true, false),
			"ever_in_care":                          ever,
			"english_as_additional_language":        flag(p, vigil.FlagEAL, "Y", "N"),
			"english_as_additional_language_status": nil,
			"first_language":                        nil,
		}},
		"groups":                   map[string]any{"data": groups},
		"year":                     map[string]any{"data": year},
		"contacts":                 map[string]any{"data": contacts},
		"contacts.contact_details": map[string]any{"data": contactsDetails},
	}
	rec.setUpdated(DefaultUpdated)
	return rec
}

func employeeRecord(id string, e *mis.Staff) *record {
	var teaching any
	if e.Teaching != nil {
		teaching = *e.Teaching
	}
	rec := &record{id: id, rendered: map[string][]byte{}, fields: map[string]any{
		"id": id, "upi": "upi-" + id, "mis_id": orNull(e.MISID), "staff_code": orNull(e.StaffCode),
		"title": orNull(e.Title), "initials": nil, "forename": e.Forename, "surname": e.Surname,
		"legal_forename": e.Forename, "legal_surname": e.Surname, "middle_names": nil,
		"date_of_birth": nil, "restored_at": nil, "created_at": timestamp(DefaultUpdated),
	}}
	rec.includes = map[string]any{
		"employment_details": map[string]any{"data": map[string]any{
			"current": e.Current, "teaching_staff": teaching, "job_title": orNull(e.JobTitle),
			"employment_start_date": nil, "employment_end_date": nil,
		}},
		"contact_details": map[string]any{"data": map[string]any{
			"emails":     map[string]any{"email": orNull(e.Email), "primary": nil, "home": nil, "work": orNull(e.Email)},
			"telephones": map[string]any{"phone": nil, "home": nil, "work": nil, "mobile": nil},
		}},
	}
	rec.setUpdated(DefaultUpdated)
	return rec
}
