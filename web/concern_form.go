package web

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/blob"
	"github.com/vigil-safeguarding/vigil/crypt"
)

// The "log a concern" form. It works without JavaScript: pupils are found
// with a search button that shows the form again with the matches, and
// everything typed is kept. With JavaScript, concern.js adds a type-ahead,
// the body map and an encrypted draft kept on the device.

const (
	maxConcernFiles  = 10      // as app.LogConcern allows
	maxConcernText   = 1 << 20 // bytes of all the form's text values together
	maxConcernValues = 3000    // text values in one form
	spoolInMemory    = 256 << 10
	occurredLayout   = "2006-01-02T15:04"
)

// concernForm is the form as the person filled it in, kept whole when it is
// shown again.
type concernForm struct {
	Pupils     []formPupil
	OccurredAt string // as typed, in the school's time zone
	Location   string
	Body       string
	Agencies   string
	BodyMap    []formMark
	Alert      []vigil.PersonID

	Query    string            // the pupil search without JavaScript
	Found    []app.PupilChoice // its matches, not yet chosen
	Searched bool
}

// formPupil is one chosen pupil with their part and categories.
type formPupil struct {
	app.PupilChoice
	Part       string
	Categories []vigil.CategoryID
	Missing    bool // not a pupil of this school (or no longer there)
}

// formMark is one body-map mark as posted.
type formMark struct {
	Side, X, Y, Description string
}

func (m formMark) mark() vigil.BodyMark {
	x, errX := strconv.ParseFloat(m.X, 64)
	y, errY := strconv.ParseFloat(m.Y, 64)
	if errX != nil || errY != nil {
		x, y = math.NaN(), math.NaN() // refused by Validate as off the outline
	}
	return vigil.BodyMark{Side: m.Side, X: x, Y: y, Description: strings.TrimSpace(m.Description)}
}

// concernPage is what concern_new.html receives.
type concernPage struct {
	Form      concernForm
	Choices   *app.ConcernForm
	Max       string // latest time the "when" field takes
	Person    vigil.PersonID
	Restore   bool // a fresh form: the page may restore a draft kept on this device
	SizeLimit string
	TypeNames string
	Accept    string
	Notice    string // e.g. attachments must be chosen again
}

// pupilCard is one chosen pupil's block; N is "__N__" in the copy that
// concern.js fills in.
type pupilCard struct {
	N          string
	Pupil      formPupil
	Categories []*vigil.Category
	Parts      []partOption
	Checked    map[vigil.CategoryID]bool
	PartError  string
}

type partOption struct{ Value, Title string }

// Cards returns a block for each chosen pupil.
func (p concernPage) Cards(fields map[string]string) []pupilCard {
	out := make([]pupilCard, len(p.Form.Pupils))
	for i, fp := range p.Form.Pupils {
		n := strconv.Itoa(i)
		out[i] = p.card(n, fp)
		out[i].PartError = fields["pupils."+n+".part"]
	}
	return out
}

// BlankCard is the block concern.js copies for a pupil chosen by type-ahead.
func (p concernPage) BlankCard() pupilCard {
	return p.card("__N__", formPupil{Part: vigil.PartSubject})
}

func (p concernPage) card(n string, fp formPupil) pupilCard {
	c := pupilCard{N: n, Pupil: fp, Categories: p.Choices.Categories, Checked: map[vigil.CategoryID]bool{}}
	for _, part := range p.Choices.Parts {
		c.Parts = append(c.Parts, partOption{part, vigil.PartTitle(part)})
	}
	for _, id := range fp.Categories {
		c.Checked[id] = true
	}
	return c
}

// Alerted reports whether a person is ticked to be alerted.
func (p concernPage) Alerted(id vigil.PersonID) bool { return slices.Contains(p.Form.Alert, id) }

// Marks returns the body-map marks with their numbers and problems.
func (p concernPage) Marks(fields map[string]string) []markRow {
	out := make([]markRow, len(p.Form.BodyMap))
	for i, m := range p.Form.BodyMap {
		out[i] = markRow{formMark: m, N: i, Number: i + 1, Error: fields["body_map."+strconv.Itoa(i)]}
	}
	return out
}

type markRow struct {
	formMark
	N, Number int
	Error     string
}

type problemLink struct{ Href, Message string }

// Problems lists the form's problems in the order of the page, each
// linking to its field, for the summary at the top.
func (p concernPage) Problems(fields map[string]string) []problemLink {
	if len(fields) < 2 {
		return nil // the one problem is the summary's message already
	}
	order := func(k string) (int, int) {
		n := 0
		if i := strings.IndexByte(k, '.'); i >= 0 {
			num, _, _ := strings.Cut(k[i+1:], ".")
			n, _ = strconv.Atoi(num)
		}
		for i, prefix := range []string{"pupil_ids", "categories", "pupils.", "pupil_q", "occurred_at", "location", "body", "agencies", "body_map", "alert", "files"} {
			if k == prefix || (strings.HasSuffix(prefix, ".") && strings.HasPrefix(k, prefix)) || (prefix == "body_map" && strings.HasPrefix(k, "body_map.")) {
				return i, n
			}
		}
		return 99, n
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, an := order(keys[i])
		b, bn := order(keys[j])
		if a != b {
			return a < b
		}
		return an < bn
	})
	var out []problemLink
	for _, k := range keys {
		href := "#concern-form"
		switch {
		case k == "pupil_ids":
			href = "#pupil_q"
		case k == "categories":
			href = "#pupils-section"
		case strings.HasPrefix(k, "pupils.") && strings.HasSuffix(k, ".part"):
			href = "#" + strings.ReplaceAll(k, ".", "-")
		case k == "body_map":
			href = "#bodymap"
		case strings.HasPrefix(k, "body_map."):
			href = "#" + strings.ReplaceAll(k, ".", "-") + "-description"
		case k == "alert":
			href = "#alert-error"
		case slices.Contains([]string{"pupil_q", "occurred_at", "location", "body", "agencies", "files"}, k):
			href = "#" + k
		}
		out = append(out, problemLink{Href: href, Message: fieldLabel(k) + ": " + fields[k]})
	}
	return out
}

// fieldLabel names a field in the problem summary.
func fieldLabel(k string) string {
	switch k {
	case "pupil_ids":
		return "Pupils"
	case "categories":
		return "Categories"
	case "pupil_q":
		return "Find a pupil"
	case "occurred_at":
		return "When it happened"
	case "location":
		return "Where"
	case "body":
		return "Your account"
	case "agencies":
		return "Agencies"
	case "body_map":
		return "Body map"
	case "alert":
		return "Who is alerted"
	case "files":
		return "Attachments"
	}
	if _, rest, ok := strings.Cut(k, "."); ok {
		num, _, _ := strings.Cut(rest, ".")
		if n, err := strconv.Atoi(num); err == nil {
			if strings.HasPrefix(k, "pupils.") {
				return "Pupil " + strconv.Itoa(n+1)
			}
			if strings.HasPrefix(k, "body_map.") {
				return "Body map, mark " + strconv.Itoa(n+1)
			}
		}
	}
	return "The form"
}

// pupilMeta is the line that tells two pupils of the same name apart.
func pupilMeta(c app.PupilChoice) string {
	var parts []string
	if y := vigil.YearGroupTitle(c.YearGroup); y != "" {
		parts = append(parts, y)
	}
	if c.RegGroup != "" {
		parts = append(parts, c.RegGroup)
	}
	if c.LegalName != "" && c.LegalName != c.Name {
		parts = append(parts, "legal name "+c.LegalName)
	}
	return strings.Join(parts, " · ")
}

func init() { funcs["pupilMeta"] = pupilMeta }

// showNewConcern handles GET /concerns/new.
func (h *Handler) showNewConcern(w http.ResponseWriter, r *http.Request) {
	choices, err := h.app.ConcernForm(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	cur := current(r.Context())
	now := h.app.Now().In(cur.Location())
	f := concernForm{OccurredAt: now.Format(occurredLayout)}
	h.renderConcern(w, r, http.StatusOK, choices, f, nil, true, "")
}

func (h *Handler) renderConcern(w http.ResponseWriter, r *http.Request, status int, choices *app.ConcernForm, f concernForm, err error, fresh bool, notice string) {
	cur := current(r.Context())
	p := concernPage{Form: f, Choices: choices, Person: cur.Person.ID, Restore: fresh, Notice: notice,
		Max: h.app.Now().In(cur.Location()).Format(occurredLayout), SizeLimit: sizeText(choices.UploadMax)}
	var names, exts []string
	for _, t := range choices.Types {
		names = append(names, typeName(t))
		exts = append(exts, t)
		exts = append(exts, typeExtensions(t)...)
	}
	p.TypeNames, p.Accept = strings.Join(names, ", "), strings.Join(exts, ",")
	h.render(w, r, status, "concern_new", page{Title: "Log a concern", Nav: "report", Data: p, Err: err})
}

// saveConcern handles POST /concerns: log the concern, or, for the form's
// own buttons (find, add or remove a pupil), show it again with everything
// kept.
func (h *Handler) saveConcern(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	choices, err := h.app.ConcernForm(ctx) // refuses those who cannot report before reading the body
	if err != nil {
		h.fail(w, r, err)
		return
	}
	post, err := readConcernPost(w, r, choices.UploadMax)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	defer post.close()
	cur := current(ctx)
	f, problems := parseConcernForm(post.values, cur.Location())
	if post.fileProblem != "" {
		problems.Add("files", post.fileProblem)
	}
	v := post.values
	filesDropped := ""
	if len(post.files) > 0 {
		filesDropped = "Attachments are not kept when the form is shown again: choose them again before you send it."
	}

	// The form's own buttons: nothing is saved.
	switch {
	case v.Get("remove") != "":
		id := vigil.PupilID(v.Get("remove"))
		f.Pupils = slices.DeleteFunc(f.Pupils, func(p formPupil) bool { return p.ID == id })
		h.showConcernAgain(w, r, http.StatusOK, choices, f, nil, filesDropped)
		return
	case v.Get("do") == "find":
		f.Query, f.Searched = strings.TrimSpace(v.Get("pupil_q")), true
		found, err := h.app.LookUpPupils(ctx, f.Query)
		if vigil.ErrorCode(err) == vigil.EINVALID {
			h.showConcernAgain(w, r, http.StatusOK, choices, f, vigil.FieldError("pupil_q", vigil.ErrorMessage(err)), filesDropped)
			return
		} else if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, c := range found {
			if !slices.ContainsFunc(f.Pupils, func(p formPupil) bool { return p.ID == c.ID }) {
				f.Found = append(f.Found, c)
			}
		}
		h.showConcernAgain(w, r, http.StatusOK, choices, f, nil, filesDropped)
		return
	case v.Get("do") == "add":
		for _, id := range v["add_pupil"] {
			pid := vigil.PupilID(id)
			if vigil.ValidID(id) && !slices.ContainsFunc(f.Pupils, func(p formPupil) bool { return p.ID == pid }) && len(f.Pupils) < vigil.MaxConcernPupils {
				f.Pupils = append(f.Pupils, formPupil{PupilChoice: app.PupilChoice{ID: pid}, Part: vigil.PartSubject})
			}
		}
		h.showConcernAgain(w, r, http.StatusOK, choices, f, nil, filesDropped)
		return
	}

	in := f.input(cur.Location())
	if len(problems) > 0 {
		// A problem found here (a date that is not a date, a file over the
		// limit): show it with every other problem the rules find, and
		// save nothing.
		c := vigil.Concern{Pupils: in.Pupils, OccurredAt: in.OccurredAt, Location: in.Location, Body: in.Body, Agencies: in.Agencies, BodyMap: in.BodyMap}
		for k, msg := range vigil.ErrorFields(c.Validate(h.app.Now())) {
			problems.Add(k, msg)
		}
		h.showConcernAgain(w, r, http.StatusUnprocessableEntity, choices, f, problems.Err(), filesDropped)
		return
	}
	for _, s := range post.files {
		body, err := s.reader()
		if err != nil {
			h.fail(w, r, err)
			return
		}
		in.Files = append(in.Files, app.Upload{Name: s.name, Body: body})
	}
	c, err := h.app.LogConcern(ctx, in)
	switch vigil.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/concerns/"+c.ID.String(), http.StatusSeeOther)
	case vigil.EINVALID:
		h.showConcernAgain(w, r, http.StatusUnprocessableEntity, choices, f, err, filesDropped)
	default:
		h.fail(w, r, err)
	}
}

// showConcernAgain shows the form as posted, with the chosen pupils' names
// looked up again (never taken from the request).
func (h *Handler) showConcernAgain(w http.ResponseWriter, r *http.Request, status int, choices *app.ConcernForm, f concernForm, err error, notice string) {
	ids := make([]vigil.PupilID, len(f.Pupils))
	for i, p := range f.Pupils {
		ids[i] = p.ID
	}
	known, lerr := h.app.PupilChoices(r.Context(), ids)
	if lerr != nil {
		h.fail(w, r, lerr)
		return
	}
	for i := range f.Pupils {
		j := slices.IndexFunc(known, func(c app.PupilChoice) bool { return c.ID == f.Pupils[i].ID })
		if j < 0 {
			f.Pupils[i].Missing = true
			continue
		}
		f.Pupils[i].PupilChoice = known[j]
	}
	h.renderConcern(w, r, status, choices, f, err, false, notice)
}

// parseConcernForm reads the form's values. Problems holds what cannot be
// read at all (a date that is not a date); the rest is app's to judge.
func parseConcernForm(v url.Values, loc *time.Location) (concernForm, vigil.Problems) {
	p := vigil.Problems{}
	f := concernForm{
		OccurredAt: strings.TrimSpace(v.Get("occurred_at")),
		Location:   v.Get("location"),
		Body:       v.Get("body"),
		Agencies:   v.Get("agencies"),
	}
	if f.OccurredAt != "" {
		if _, ok := parseOccurred(f.OccurredAt, loc); !ok {
			p.Add("occurred_at", "Give the date and time it happened.")
		}
	}
	for _, n := range indexes(v, "pupils.", ".id") {
		k := "pupils." + strconv.Itoa(n) + "."
		id := strings.TrimSpace(v.Get(k + "id"))
		if id == "" {
			continue
		}
		fp := formPupil{PupilChoice: app.PupilChoice{ID: vigil.PupilID(id)}, Part: v.Get(k + "part")}
		for _, c := range v[k+"categories"] {
			if cid := vigil.CategoryID(c); !slices.Contains(fp.Categories, cid) {
				fp.Categories = append(fp.Categories, cid)
			}
		}
		f.Pupils = append(f.Pupils, fp)
	}
	for _, n := range indexes(v, "body_map.", ".side") {
		k := "body_map." + strconv.Itoa(n) + "."
		f.BodyMap = append(f.BodyMap, formMark{Side: v.Get(k + "side"), X: v.Get(k + "x"), Y: v.Get(k + "y"), Description: v.Get(k + "description")})
	}
	for _, id := range v["alert"] {
		if pid := vigil.PersonID(id); id != "" && !slices.Contains(f.Alert, pid) {
			f.Alert = append(f.Alert, pid)
		}
	}
	return f, p
}

// indexes returns the numbers N of the keys prefix+N+suffix, in order.
func indexes(v url.Values, prefix, suffix string) []int {
	var out []int
	for k := range v {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		num, ok := strings.CutSuffix(rest, suffix)
		if !ok {
			continue
		}
		n, err := strconv.Atoi(num)
		if err != nil || n < 0 || n > 999 || strconv.Itoa(n) != num {
			continue
		}
		out = append(out, n)
	}
	sort.Ints(out)
	return out
}

func parseOccurred(s string, loc *time.Location) (time.Time, bool) {
	for _, layout := range []string{occurredLayout, "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// input turns the form into app's NewConcern (without files).
func (f concernForm) input(loc *time.Location) app.NewConcern {
	in := app.NewConcern{Location: f.Location, Body: f.Body, Agencies: f.Agencies, Alert: f.Alert}
	in.OccurredAt, _ = parseOccurred(f.OccurredAt, loc)
	for _, p := range f.Pupils {
		in.Pupils = append(in.Pupils, vigil.ConcernPupil{PupilID: p.ID, Part: p.Part, Categories: p.Categories})
	}
	for _, m := range f.BodyMap {
		in.BodyMap = append(in.BodyMap, m.mark())
	}
	return in
}

// pupilSearchResult is the type-ahead's answer.
type pupilSearchResult struct {
	Pupils  []pupilJSON `json:"pupils"`
	Message string      `json:"message,omitempty"`
}

type pupilJSON struct {
	ID   vigil.PupilID `json:"id"`
	Name string        `json:"name"`
	Meta string        `json:"meta"`
	Year string        `json:"year"`
	Reg  string        `json:"reg"`
}

// searchConcernPupils handles POST /concerns/pupil-search, the form's
// type-ahead. The words travel in the body, never the URL, so pupils' names
// stay out of access logs and browser history.
func (h *Handler) searchConcernPupils(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	res := pupilSearchResult{Pupils: []pupilJSON{}}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, pupilSearchResult{Pupils: []pupilJSON{}, Message: "The search could not be read."})
		return
	}
	q := strings.TrimSpace(r.PostFormValue("q"))
	found, err := h.app.LookUpPupils(r.Context(), q)
	switch vigil.ErrorCode(err) {
	case "":
	case vigil.EINVALID, vigil.EFORBIDDEN:
		res.Message = vigil.ErrorMessage(err)
		writeJSON(w, statusFor(err), res)
		return
	default:
		h.log.ErrorContext(r.Context(), "pupil look-up failed", "err", err)
		res.Message = vigil.ErrorMessage(err)
		writeJSON(w, http.StatusInternalServerError, res)
		return
	}
	switch {
	case len([]rune(q)) < 2:
		res.Message = "Type at least two letters of the pupil's name."
	case len(found) == 0:
		res.Message = "No pupil on roll matches."
	}
	for _, c := range found {
		res.Pupils = append(res.Pupils, pupilJSON{ID: c.ID, Name: c.Name, Meta: pupilMeta(c), Year: vigil.YearGroupTitle(c.YearGroup), Reg: c.RegGroup})
	}
	writeJSON(w, http.StatusOK, res)
}

// concernPost is the posted form: its text values and its files.
type concernPost struct {
	values      url.Values
	files       []*spool
	fileProblem string
}

func (p *concernPost) close() {
	for _, s := range p.files {
		s.close()
	}
}

var errFormUnreadable = vigil.Errorf(vigil.EINVALID, "The form could not be read. Please try again.")

// readConcernPost reads the form's values and spools its files, each cut
// off just past fileLimit (blob.PutDocument then refuses it with the limit
// in words). Nothing is written to disk in clear: see spool.
func readConcernPost(w http.ResponseWriter, r *http.Request, fileLimit int64) (*concernPost, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, maxConcernText)
		if err := r.ParseForm(); err != nil {
			return nil, errFormUnreadable
		}
		return &concernPost{values: r.PostForm}, nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxConcernFiles*(fileLimit+1)+maxConcernText+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, errFormUnreadable
	}
	post := &concernPost{values: url.Values{}}
	text, count := 0, 0
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				post.fileProblem = "The attachments together are too large. Attach fewer or smaller files."
				break
			}
			post.close()
			return nil, errFormUnreadable
		}
		name := part.FormName()
		if name == "files" {
			err := post.addFile(part, fileLimit)
			part.Close()
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				post.fileProblem = "The attachments together are too large. Attach fewer or smaller files."
				break
			} else if err != nil {
				post.close()
				return nil, err
			}
			continue
		}
		if count++; count > maxConcernValues || name == "" {
			part.Close()
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, int64(maxConcernText-text)+1))
		part.Close()
		if err != nil {
			post.close()
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				return nil, vigil.Errorf(vigil.EINVALID, "The form is too long.")
			}
			return nil, errFormUnreadable
		}
		if text += len(b); text > maxConcernText {
			post.close()
			return nil, vigil.Errorf(vigil.EINVALID, "The form is too long.")
		}
		post.values.Add(name, string(b))
	}
	return post, nil
}

// addFile spools one file part; an empty file input sends a part with no
// name and no bytes, which is skipped.
func (p *concernPost) addFile(part *multipart.Part, limit int64) error {
	name := part.FileName()
	if len(p.files) >= maxConcernFiles {
		var one [1]byte
		if n, _ := io.ReadFull(part, one[:]); n > 0 || name != "" {
			p.fileProblem = "Attach at most " + strconv.Itoa(maxConcernFiles) + " files at once."
		}
		return nil
	}
	s := &spool{name: name}
	if err := s.fill(io.LimitReader(part, limit+1)); err != nil {
		s.close()
		return err
	}
	if name == "" && s.size == 0 {
		s.close()
		return nil
	}
	p.files = append(p.files, s)
	return nil
}

// spool holds one uploaded file until app stores it. A small file stays in
// memory; a larger one goes to a temporary file sealed under a key that
// lives only in this request, so a child's photo or statement never sits
// on disk in clear, even for a moment. The file is removed after the
// request.
type spool struct {
	name string
	buf  []byte
	file *os.File
	key  []byte
	size int64
}

var spoolAAD = []byte("vigil|upload-spool")

func (s *spool) fill(r io.Reader) error {
	head := make([]byte, spoolInMemory+1)
	n, err := io.ReadFull(r, head)
	s.size = int64(n)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		s.buf = head[:n]
		return nil
	} else if err != nil {
		return err
	}
	s.key = make([]byte, 32)
	_, _ = rand.Read(s.key)
	if s.file, err = os.CreateTemp("", "vigil-upload-*"); err != nil {
		return err
	}
	sw, err := crypt.NewStreamWriter(s.file, s.key, spoolAAD)
	if err != nil {
		return err
	}
	if _, err := sw.Write(head); err != nil {
		return err
	}
	m, err := io.Copy(sw, r)
	s.size += m
	if err != nil {
		return err
	}
	return sw.Close()
}

// reader returns the file's bytes from the start.
func (s *spool) reader() (io.Reader, error) {
	if s.file == nil {
		return bytes.NewReader(s.buf), nil
	}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return crypt.NewStreamReader(s.file, s.key, spoolAAD)
}

func (s *spool) close() {
	if s.file != nil {
		name := s.file.Name()
		_ = s.file.Close()
		_ = os.Remove(name)
		s.file = nil
	}
	clear(s.key)
	s.buf = nil
}

// sizeText writes a byte count for people, as blob's messages do.
func sizeText(n int64) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return strconv.FormatInt(n/1_000_000, 10) + " MB"
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MB"
	case n >= 1_000_000:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB"
	case n >= 1000:
		return strconv.FormatInt(n/1000, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

func typeName(t string) string {
	switch t {
	case blob.TypePDF:
		return "PDF"
	case blob.TypePNG:
		return "PNG"
	case blob.TypeJPEG:
		return "JPEG"
	case blob.TypeGIF:
		return "GIF"
	case blob.TypeWebP:
		return "WebP"
	case blob.TypeDOCX:
		return "Word (.docx)"
	case blob.TypeXLSX:
		return "Excel (.xlsx)"
	case blob.TypeText:
		return "plain text"
	}
	return t
}

// typeExtensions are the file endings offered by the file picker; the
// type is still decided by the bytes.
func typeExtensions(t string) []string {
	switch t {
	case blob.TypePDF:
		return []string{".pdf"}
	case blob.TypePNG:
		return []string{".png"}
	case blob.TypeJPEG:
		return []string{".jpg", ".jpeg"}
	case blob.TypeGIF:
		return []string{".gif"}
	case blob.TypeWebP:
		return []string{".webp"}
	case blob.TypeDOCX:
		return []string{".docx"}
	case blob.TypeXLSX:
		return []string{".xlsx"}
	case blob.TypeText:
		return []string{".txt"}
	}
	return nil
}
