package api

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// testBody is a request body of the kind the concern endpoints will take.
type testBody struct {
	Body       string    `json:"body"`
	Location   string    `json:"location"`
	OccurredAt time.Time `json:"occurred_at"`
	Pupils     []struct {
		ID   string `json:"id"`
		Role string `json:"role"`
	} `json:"pupils"`
	Urgent bool `json:"urgent"`
}

func decodeRequest(contentType, body string) (testBody, error) {
	r := httptest.NewRequest(http.MethodPost, "/api/v1/concerns", strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	var v testBody
	err := decodeJSON(httptest.NewRecorder(), r, &v)
	return v, err
}

func TestDecodeJSON(t *testing.T) {
	v, err := decodeRequest("application/json; charset=utf-8", `{"body":"Said she was hungry","pupils":[{"id":"x","role":"subject"}],"urgent":true}`)
	if err != nil || v.Body != "Said she was hungry" || len(v.Pupils) != 1 || !v.Urgent {
		t.Fatalf("good body: %+v, %v", v, err)
	}
	big := `{"body":"` + strings.Repeat("a", MaxJSONBody) + `"}`
	for _, tc := range []struct {
		name, contentType, body string
		status                  int
		field, detail           string // detail: a part of it
	}{
		{"unknown field", "application/json", `{"body":"x","colour":"red"}`, 400, "colour", `"colour" is not known`},
		{"wrong type", "application/json", `{"urgent":"yes"}`, 400, "urgent", "must be a boolean"},
		{"wrong type deep", "application/json", `{"pupils":[{"id":7}]}`, 400, "pupils.id", "must be a string"},
		{"not an object", "application/json", `["body"]`, 400, "", "must be a JSON object"},
		{"syntax", "application/json", `{"body": "x",}`, 400, "", "not valid JSON"},
		{"cut short", "application/json", `{"body": "x"`, 400, "", "ends before"},
		{"empty", "application/json", ``, 400, "", "empty"},
		{"two values", "application/json", `{"body":"x"} {"body":"y"}`, 400, "", "more than one JSON value"},
		{"too large", "application/json", big, 400, "", "larger than 1048576 bytes"},
		{"bad time", "application/json", `{"occurred_at":"yesterday"}`, 400, "", ""},
		{"form", "application/x-www-form-urlencoded", `body=x`, 415, "", "Content-Type: application/json"},
		{"no type", "", `{"body":"x"}`, 415, "", "Content-Type: application/json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeRequest(tc.contentType, tc.body)
			p := problemFor(err)
			if p.Status != tc.status || p.Detail == "" || !strings.Contains(p.Detail, tc.detail) {
				t.Fatalf("problem %+v, want %d with %q", p, tc.status, tc.detail)
			}
			if tc.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != tc.field) {
				t.Fatalf("errors %+v, want one about %s", p.Errors, tc.field)
			}
			if strings.Contains(p.Detail, "json:") || strings.Contains(p.Detail, "red") {
				t.Fatalf("the decoder's own words or the request's values leaked: %q", p.Detail)
			}
		})
	}
}

// FuzzDecodeJSON checks no body makes the decoder panic, or answer with
// anything but a 400 or 415 that quotes none of the body beyond a field name.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"body":"x"}`, `{"pupils":[{"id":"a","role":"b"}]}`, `{"x":1}`, `[`, `"\u0000"`, `{"occurred_at":"2026-01-01T00:00:00Z"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		_, err := decodeRequest("application/json", body)
		if err == nil {
			return
		}
		if _, ok := errors.AsType[*requestError](err); !ok {
			t.Fatalf("error of type %T: %v", err, err)
		}
		p := problemFor(err)
		if p.Status != http.StatusBadRequest {
			t.Fatalf("status %d for %q", p.Status, body)
		}
	})
}

func TestPaging(t *testing.T) {
	p, err := readPage(url.Values{})
	if err != nil || p.Offset != 0 || p.Limit != DefaultLimit {
		t.Fatalf("default page %+v, %v", p, err)
	}
	if c := p.next(50, 50); c != nil {
		t.Fatalf("last page has a cursor %q", *c)
	}
	if c := p.next(0, 10); c != nil {
		t.Fatal("empty page has a cursor")
	}
	c := p.next(50, 120)
	if c == nil {
		t.Fatal("no cursor for the second page")
	}
	p2, err := readPage(url.Values{"cursor": {*c}, "limit": {"60"}})
	if err != nil || p2.Offset != 50 || p2.Limit != 60 {
		t.Fatalf("second page %+v, %v", p2, err)
	}
	if c := p2.next(60, 110); c != nil {
		t.Fatal("a page reaching the total has a cursor")
	}
	for _, bad := range []url.Values{{"limit": {"0"}}, {"limit": {"-1"}}, {"limit": {"201"}}, {"limit": {"1e3"}},
		{"cursor": {"!!!"}}, {"cursor": {encodeCursor(cursor{Offset: -5})}}, {"cursor": {strings.Repeat("e", 300)}}} {
		if _, err := readPage(bad); problemFor(err).Status != http.StatusBadRequest {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

func TestProblemForHidesInternals(t *testing.T) {
	p := problemFor(errors.New(`pq: relation "pupils" does not exist at 10.0.0.5`))
	if p.Status != 500 || strings.Contains(p.Detail, "pupils") || strings.Contains(p.Detail, "10.0.0.5") || p.Type != ProblemTypeBase+"internal" {
		t.Fatalf("internal error shown as %+v", p)
	}
}
