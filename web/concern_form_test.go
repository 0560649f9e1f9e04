package web_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

// formFile is a file sent with the concern form.
type formFile struct {
	name string
	data []byte
}

// postConcernForm sends the form as a browser does: multipart, same
// origin, text values first and the files last.
func postConcernForm(t *testing.T, env *vigiltest.Env, c *vigiltest.Client, v url.Values, files ...formFile) *vigiltest.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, val := range v[k] {
			if err := mw.WriteField(k, val); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, f := range files {
		w, err := mw.CreateFormFile("files", f.name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(f.data)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, env.Server.URL+"/concerns", &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", env.Server.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.Do(t, req)
}

func concernCategory(t *testing.T, s *store.Store, sc *storetest.School, key string) vigil.CategoryID {
	t.Helper()
	cats, err := s.FindCategories(sc.Ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cats {
		if c.Key == key {
			return c.ID
		}
	}
	t.Fatalf("no category %s", key)
	return ""
}

func concernCount(t *testing.T, s *store.Store, sc *storetest.School) int {
	t.Helper()
	n, err := s.CountConcerns(sc.Ctx, store.ConcernFilter{Visibility: store.Visibility{All: true}})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// schoolTime formats t as the form's "when" field does, in London.
func schoolTime(t *testing.T, at time.Time) string {
	t.Helper()
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	return at.In(loc).Format("2006-01-02T15:04")
}

const concernAccount = "Amara said two older pupils pushed her against the gate at lunch."

// validConcern is a concern about two Oak pupils, each with a part and
// categories of their own, and one body-map mark.
func validConcern(t *testing.T, env *vigiltest.Env, s *store.Store) url.Values {
	oak := env.Fixtures.Oak
	return url.Values{
		"pupils.0.id":            {string(oak.Pupils["amara"].ID)},
		"pupils.0.part":          {vigil.PartVictim},
		"pupils.0.categories":    {string(concernCategory(t, s, oak, "bullying")), string(concernCategory(t, s, oak, "child_on_child"))},
		"pupils.1.id":            {string(oak.Pupils["ben"].ID)},
		"pupils.1.part":          {vigil.PartWitness},
		"pupils.1.categories":    {string(concernCategory(t, s, oak, "pastoral"))},
		"occurred_at":            {schoolTime(t, env.Now().Add(-90*time.Minute))},
		"location":               {"Playground by the gate"},
		"body":                   {concernAccount + "\n\nBen saw it."},
		"agencies":               {"Early Help worker"},
		"body_map.0.side":        {"front"},
		"body_map.0.x":           {"0.78"},
		"body_map.0.y":           {"0.43"},
		"body_map.0.description": {"Red mark on the left forearm, about 3 cm."},
		"do":                     {"save"},
	}
}

var png = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)

func TestConcernFormPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		teacher := env.SignInPassword(t, "teacher@oak.test") // reporting needs no second factor
		page := teacher.Get(t, "/concerns/new").Want(t, http.StatusOK, `enctype="multipart/form-data"`, "<script>")
		for _, want := range []string{
			"Log a concern", "Bullying", "Child protection", `type="datetime-local"`, `name="pupil_q"`, `aria-live="polite"`,
			`type="file" multiple`, "dsl at Oak Primary School", `data-person="` + string(env.Fixtures.Oak.Staff["teacher"].ID) + `"`,
			`src="/static/concern.js"`, `src="/static/bodymap.js"`, `id="pupil-card-template"`, `id="hide-screen-button"`,
		} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("form lacks %q", want)
			}
		}
		// Defaults to now in the school's time zone, and no later.
		if now := schoolTime(t, env.Now()); !strings.Contains(page.Body, `value="`+now[:11]) || !strings.Contains(page.Body, `max="`+now[:11]) {
			t.Errorf("the time does not default to now (%s)", now)
		}
		if strings.Contains(page.Body, "style=") {
			t.Error("the form has an inline style, which the CSP refuses")
		}
		// The home page and the navigation offer it.
		home := teacher.Get(t, "/").Want(t, http.StatusOK, `href="/concerns/new"`, "")
		if strings.Count(home.Body, `href="/concerns/new"`) < 2 {
			t.Error("the home page does not offer logging a concern beside the navigation")
		}
		for _, asset := range []string{"/static/concern.js", "/static/bodymap.js", "/static/draft.js", "/static/hide.js", "/static/body-front.svg", "/static/body-back.svg"} {
			teacher.Get(t, asset).Want(t, http.StatusOK, "", "")
		}
		env.Client().Get(t, "/login").Want(t, http.StatusOK, "", "hide-screen")

		// An administrator has no report access: no form, no search, no link.
		admin := env.SignIn(t, "admin@oak.test")
		admin.Get(t, "/concerns/new").Want(t, http.StatusForbidden, "logging concerns", "")
		postConcernForm(t, env, admin, validConcern(t, env, s)).Want(t, http.StatusForbidden, "", "")
		admin.PostForm(t, "/concerns/pupil-search", url.Values{"q": {"Okafor"}}).Want(t, http.StatusForbidden, "", "Amara")
		admin.Get(t, "/").Want(t, http.StatusOK, "", `href="/concerns/new"`)
		if n := concernCount(t, s, env.Fixtures.Oak); n != 0 {
			t.Fatalf("%d concerns saved", n)
		}
	})
}

func TestLogConcernThroughForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		teacher := env.SignInPassword(t, "teacher@oak.test")
		v := validConcern(t, env, s)
		r := postConcernForm(t, env, teacher, v,
			formFile{"note from Amara.png", png},
			formFile{"what she said.txt", []byte("She said: they do it every day.\n")})
		if r.Status != http.StatusSeeOther || !regexp.MustCompile(`^/concerns/[0-9A-Za-z_-]+$`).MatchString(r.Header.Get("Location")) {
			t.Fatalf("log concern: %d to %q: %.600s", r.Status, r.Header.Get("Location"), r.Body)
		}
		id := vigil.ConcernID(strings.TrimPrefix(r.Header.Get("Location"), "/concerns/"))
		view, err := env.App.Concern(oak.Ctx, id)
		if err != nil {
			t.Fatalf("the concern was not saved: %v", err)
		}
		c := view.Concern
		if c.Body != concernAccount+"\n\nBen saw it." || c.Location != "Playground by the gate" || c.Agencies != "Early Help worker" {
			t.Errorf("text = %q / %q / %q", c.Body, c.Location, c.Agencies)
		}
		if c.ReportedBy != oak.Staff["teacher"].ID {
			t.Errorf("reported by %s", c.ReportedBy)
		}
		if want := env.Now().Add(-90 * time.Minute).Truncate(time.Minute); !c.OccurredAt.Equal(want) {
			t.Errorf("occurred at %v, want %v", c.OccurredAt, want)
		}
		// Each pupil keeps their own part and categories.
		amara, ben := c.Link(oak.Pupils["amara"].ID), c.Link(oak.Pupils["ben"].ID)
		if amara == nil || ben == nil || len(c.Pupils) != 2 {
			t.Fatalf("pupils = %+v", c.Pupils)
		}
		bullying, coc, pastoral := concernCategory(t, s, oak, "bullying"), concernCategory(t, s, oak, "child_on_child"), concernCategory(t, s, oak, "pastoral")
		if amara.Part != vigil.PartVictim || len(amara.Categories) != 2 || !slices.Contains(amara.Categories, bullying) || !slices.Contains(amara.Categories, coc) {
			t.Errorf("Amara's link = %+v", amara)
		}
		if ben.Part != vigil.PartWitness || !slices.Equal(ben.Categories, []vigil.CategoryID{pastoral}) {
			t.Errorf("Ben's link = %+v", ben)
		}
		if len(c.BodyMap) != 1 || c.BodyMap[0].Side != "front" || c.BodyMap[0].X != 0.78 || c.BodyMap[0].Y != 0.43 || !strings.Contains(c.BodyMap[0].Description, "forearm") {
			t.Errorf("body map = %+v", c.BodyMap)
		}
		var types []string
		for _, d := range view.Documents {
			types = append(types, d.ContentType)
		}
		sort.Strings(types)
		if !slices.Equal(types, []string{"image/png", "text/plain"}) {
			t.Errorf("documents = %v", types)
		}
		if !slices.Contains(c.Alerted, oak.Staff["dsl"].ID) {
			t.Errorf("the DSL was not alerted: %v", c.Alerted)
		}
	})
}

// Every mistake comes back on the form with its message beside its field,
// everything typed kept, and nothing saved.
func TestLogConcernProblems(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		env.App.UploadLimit = 64 << 10
		oak, elm := env.Fixtures.Oak, env.Fixtures.Elm
		teacher := env.SignInPassword(t, "teacher@oak.test")
		for _, tc := range []struct {
			name   string
			change func(v url.Values)
			files  []formFile
			want   string
			field  string // the error's id on the page, when it has one
		}{
			{"no pupil", func(v url.Values) {
				for k := range v {
					if strings.HasPrefix(k, "pupils.") {
						delete(v, k)
					}
				}
			}, nil, "Choose at least one pupil.", "pupil_ids-error"},
			{"another school's pupil", func(v url.Values) { v.Set("pupils.1.id", string(elm.Pupils["bruno"].ID)) }, nil, "One of the pupils was not found.", "pupil_ids-error"},
			{"no part", func(v url.Values) { v.Set("pupils.1.part", "bystander") }, nil, "Choose the pupil&#39;s part", "pupils-1-part-error"},
			{"no category", func(v url.Values) { v.Del("pupils.0.categories"); v.Del("pupils.1.categories") }, nil, "Choose at least one category.", "categories-error"},
			{"another school's category", func(v url.Values) { v.Set("pupils.1.categories", string(concernCategory(t, s, elm, "bullying"))) }, nil, "not in use in this school", "categories-error"},
			{"no time", func(v url.Values) { v.Set("occurred_at", "") }, nil, "Say when it happened.", "occurred_at-error"},
			{"not a time", func(v url.Values) { v.Set("occurred_at", "yesterday lunchtime") }, nil, "Give the date and time it happened.", "occurred_at-error"},
			{"in the future", func(v url.Values) { v.Set("occurred_at", schoolTime(t, env.Now().Add(3*time.Hour))) }, nil, "This is in the future.", "occurred_at-error"},
			{"long location", func(v url.Values) { v.Set("location", strings.Repeat("x", 301)) }, nil, "at most 300 characters", "location-error"},
			{"no account", func(v url.Values) { v.Set("body", "  ") }, nil, "This is required.", "body-error"},
			{"long agencies", func(v url.Values) { v.Set("agencies", strings.Repeat("y", 2001)) }, nil, "at most 2000 characters", "agencies-error"},
			{"mark without words", func(v url.Values) { v.Set("body_map.0.description", "") }, nil, "Describe each mark.", ""},
			{"mark off the outline", func(v url.Values) { v.Set("body_map.0.x", "1.5") }, nil, "A mark must be on the outline.", ""},
			{"mark that is not a number", func(v url.Values) { v.Set("body_map.0.y", "NaN") }, nil, "A mark must be on the outline.", ""},
			{"alert someone who cannot see it", func(v url.Values) { v.Set("alert", string(oak.Staff["admin"].ID)) }, nil, "cannot see concerns in these categories", "alert-error"},
			{"file too large", nil, []formFile{{"big.png", append(png, make([]byte, 70<<10)...)}}, "too large", "files-error"},
			{"web page called a photo", nil, []formFile{{"photo.png", []byte("<!doctype html><html><body><script>alert(1)</script></body></html>")}}, "cannot be uploaded", "files-error"},
			{"program called a photo", nil, []formFile{{"photo.png", append([]byte("MZ\x90\x00\x03"), make([]byte, 200)...)}}, "cannot be uploaded", "files-error"},
			{"empty file", nil, []formFile{{"empty.txt", nil}}, "The file is empty.", "files-error"},
			{"far over every limit", nil, []formFile{{"huge.txt", make([]byte, 3<<20)}}, "together are too large", "files-error"},
			{"eleven files", nil, slices.Repeat([]formFile{{"a.txt", []byte("hello")}}, 11), "at most 10 files", "files-error"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				v := validConcern(t, env, s)
				if tc.change != nil {
					tc.change(v)
				}
				r := postConcernForm(t, env, teacher, v, tc.files...)
				r.Want(t, http.StatusUnprocessableEntity, tc.want, "Bruno")
				if tc.field != "" && !strings.Contains(r.Body, `id="`+tc.field+`"`) {
					t.Errorf("the message is not beside its field %s", tc.field)
				}
				if v.Get("body") == concernAccount+"\n\nBen saw it." && !strings.Contains(r.Body, "Amara said two older pupils pushed her") {
					t.Error("the account typed was not kept")
				}
				if !strings.Contains(r.Body, `data-restore="false"`) {
					t.Error("the form shown again would restore an older draft over what was sent")
				}
				if n := concernCount(t, s, oak); n != 0 {
					t.Fatalf("%d concerns saved", n)
				}
			})
		}

		// Several problems: a summary at the top links to each field.
		v := validConcern(t, env, s)
		v.Set("body", "")
		v.Set("occurred_at", schoolTime(t, env.Now().Add(24*time.Hour)))
		v.Set("pupils.1.part", "")
		r := postConcernForm(t, env, teacher, v).Want(t, http.StatusUnprocessableEntity, "Please correct the 3 marked fields.", "")
		links := regexp.MustCompile(`<ul class="problems">(.*?)</ul>`).FindString(r.Body)
		for _, want := range []string{`href="#pupils-1-part"`, `href="#occurred_at"`, `href="#body"`} {
			if !strings.Contains(links, want) {
				t.Errorf("the summary lacks %s: %s", want, links)
			}
		}
		if strings.Index(links, "#pupils-1-part") > strings.Index(links, "#occurred_at") || strings.Index(links, "#occurred_at") > strings.Index(links, "#body") {
			t.Errorf("the summary is not in the page's order: %s", links)
		}

		// What was typed is shown as text, never as markup.
		v = validConcern(t, env, s)
		v.Set("body", `<script>alert("x")</script><b>bold</b>`)
		v.Set("location", "")
		v.Set("occurred_at", "soon")
		r = postConcernForm(t, env, teacher, v).Want(t, http.StatusUnprocessableEntity, "&lt;script&gt;alert(", `<b>bold</b>`)
		// The chosen pupils are shown again with their names looked up.
		r.Want(t, http.StatusUnprocessableEntity, "Amara Okafor", "")

		// A form that is not a form at all is refused plainly, never a 500.
		req, _ := http.NewRequest(http.MethodPost, env.Server.URL+"/concerns", strings.NewReader("--xyz\r\nnonsense"))
		req.Header.Set("Content-Type", "multipart/form-data; boundary=abc")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		teacher.Do(t, req).Want(t, http.StatusUnprocessableEntity, "could not be read", "")
	})
}

// The type is read from the bytes, never the name: a PDF called .png is
// kept as a PDF; a web page called .png is refused (above).
func TestConcernAttachmentTypeFromContent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		env.App.UploadLimit = 1 << 20
		teacher := env.SignInPassword(t, "teacher@oak.test")
		pdf := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("0 0 obj\n"), 100)...)
		// Bigger than what is kept in memory, so it goes through the sealed
		// temporary file.
		big := bytes.Repeat([]byte("Statement line.\n"), 300<<10/16)
		r := postConcernForm(t, env, teacher, validConcern(t, env, s), formFile{"scan.png", pdf}, formFile{"statement.txt", big})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("status %d: %.600s", r.Status, r.Body)
		}
		view, err := env.App.Concern(env.Fixtures.Oak.Ctx, vigil.ConcernID(strings.TrimPrefix(r.Header.Get("Location"), "/concerns/")))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]vigil.Document{}
		for _, d := range view.Documents {
			got[d.Name] = *d
		}
		if got["scan.png"].ContentType != "application/pdf" {
			t.Errorf("a PDF named .png stored as %q", got["scan.png"].ContentType)
		}
		if d := got["statement.txt"]; d.ContentType != "text/plain" || d.Size != int64(len(big)) {
			t.Errorf("large text stored as %q, %d bytes (want %d)", d.ContentType, d.Size, len(big))
		}
	})
}

func TestConcernPupilSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		teacher := env.SignInPassword(t, "teacher@oak.test")
		type result struct {
			Pupils []struct {
				ID, Name, Meta, Year, Reg string
			}
			Message string
		}
		search := func(q string) result {
			t.Helper()
			r := teacher.PostForm(t, "/concerns/pupil-search", url.Values{"q": {q}}).Want(t, http.StatusOK, "", "")
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("content type %q", ct)
			}
			var res result
			if err := json.Unmarshal([]byte(r.Body), &res); err != nil {
				t.Fatalf("%q: %v", r.Body, err)
			}
			return res
		}
		got := search("okaf")
		if len(got.Pupils) != 1 || got.Pupils[0].ID != string(oak.Pupils["amara"].ID) || got.Pupils[0].Name != "Amara Okafor" ||
			got.Pupils[0].Year != "Year 3" || got.Pupils[0].Reg != "3O" || !strings.Contains(got.Pupils[0].Meta, "3O") {
			t.Errorf("okaf = %+v", got)
		}
		if got := search("o"); len(got.Pupils) != 0 || !strings.Contains(got.Message, "two letters") {
			t.Errorf("one letter = %+v", got)
		}
		if got := search("Costa"); len(got.Pupils) != 0 { // Elm's pupil
			t.Errorf("another school's pupil found: %+v", got)
		}
		if got := search("Price"); len(got.Pupils) != 0 { // left the school
			t.Errorf("a leaver found: %+v", got)
		}

		// Without JavaScript: the search shows the form again with the
		// matches to tick, then adds and removes pupils, keeping what was
		// typed; nothing is saved.
		v := url.Values{"body": {"Kept across searches."}, "do": {"find"}, "pupil_q": {"Hughes"}}
		r := postConcernForm(t, env, teacher, v).Want(t, http.StatusOK, `name="add_pupil" value="`+string(oak.Pupils["ben"].ID)+`"`, "Okafor")
		r.Want(t, http.StatusOK, "Kept across searches.", "")
		v = url.Values{"body": {"Kept across searches."}, "do": {"add"}, "add_pupil": {string(oak.Pupils["ben"].ID), string(env.Fixtures.Elm.Pupils["bruno"].ID)}}
		r = postConcernForm(t, env, teacher, v).Want(t, http.StatusOK, `name="pupils.0.id" value="`+string(oak.Pupils["ben"].ID)+`"`, "Bruno")
		r.Want(t, http.StatusOK, "Ben Hughes", "")
		v = url.Values{"pupils.0.id": {string(oak.Pupils["ben"].ID)}, "pupils.0.part": {"witness"}, "remove": {string(oak.Pupils["ben"].ID)}}
		postConcernForm(t, env, teacher, v).Want(t, http.StatusOK, "No pupil chosen yet.", "Ben Hughes")
		if n := concernCount(t, s, oak); n != 0 {
			t.Fatalf("%d concerns saved", n)
		}
	})
}

// The page's scripts meet the CSP: no inline script or style anywhere in
// what the form and the layout send.
func TestConcernFormNoInlineScript(t *testing.T) {
	env := vigiltest.Start(t, storetest.OpenSQLite(t))
	teacher := env.SignInPassword(t, "teacher@oak.test")
	for _, path := range []string{"/", "/concerns/new"} {
		r := teacher.Get(t, path).Want(t, http.StatusOK, "", "")
		if regexp.MustCompile(`<script>|<script [^>]*>[^<]|\son[a-z]+=|style="`).MatchString(r.Body) {
			t.Errorf("%s has inline script or style", path)
		}
	}
}
