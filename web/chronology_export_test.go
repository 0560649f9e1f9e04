package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

// exportActor acts as the fixture person key of sc, stepped up, with their
// permissions from the database.
func exportActor(t *testing.T, s *store.Store, sc *storetest.School, key string) context.Context {
	t.Helper()
	p := sc.Staff[key]
	perms, err := s.FindPermissions(sc.Ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	return vigil.NewContext(context.Background(), &vigil.Actor{PersonID: p.ID, SchoolID: sc.ID, Role: sc.Roles[key],
		Designated: sc.Roles[key] == vigil.RoleDSL, SteppedUp: true, Permissions: perms, IP: "192.0.2.1"})
}

func exportConcern(t *testing.T, env *vigiltest.Env, ctx context.Context, sc *storetest.School, pupil *vigil.Pupil, body string) *vigil.Concern {
	t.Helper()
	cats, err := env.Store.FindCategories(sc.Ctx, false)
	if err != nil || len(cats) == 0 {
		t.Fatalf("categories: %v", err)
	}
	c, err := env.App.LogConcern(ctx, app.NewConcern{OccurredAt: env.Now().Add(-time.Hour), Location: "Playground", Body: body,
		Pupils: []vigil.ConcernPupil{{PupilID: pupil.ID, Part: vigil.PartVictim, Categories: []vigil.CategoryID{cats[0].ID}}}})
	if err != nil {
		t.Fatalf("log concern: %v", err)
	}
	return c
}

var exportFilename = regexp.MustCompile(`^attachment; filename="chronology-\d{8}\.(pdf|csv)"$`)

// The DSL downloads a pupil's chronology as PDF and CSV, filtered as the
// page was; each download is audited with its format. Staff without
// safeguarding access, and another school's pupil, get nothing.
func TestChronologyExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak, elm := env.Fixtures.Oak, env.Fixtures.Elm
		amara := oak.Pupils["amara"]
		dslCtx := exportActor(t, s, oak, "dsl")
		c := exportConcern(t, env, dslCtx, oak, amara, "Zoë saw Amara crying by the gate. =1+1")
		if _, err := env.App.AddAction(dslCtx, c.ID, app.NewAction{Type: "spoke_parent", Body: "Phoned mum; she will come in."}); err != nil {
			t.Fatalf("add action: %v", err)
		}
		exportConcern(t, env, exportActor(t, s, elm, "dsl"), elm, elm.Pupils["bruno"], "Elm's own record.")
		base := "/pupils/" + string(amara.ID) + "/chronology"
		dsl := env.SignIn(t, oak.Staff["dsl"].Email)

		pdf := dsl.Get(t, base+".pdf").Want(t, http.StatusOK, "", "")
		csvr := dsl.Get(t, base+".csv").Want(t, http.StatusOK, "", "")
		for _, tc := range []struct {
			r           *vigiltest.Response
			contentType string
		}{{pdf, "application/pdf"}, {csvr, "text/csv; charset=utf-8"}} {
			h := tc.r.Header
			if h.Get("Content-Type") != tc.contentType || !exportFilename.MatchString(h.Get("Content-Disposition")) ||
				h.Get("Cache-Control") != "no-store" || h.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("headers %v", h)
			}
			if strings.Contains(h.Get("Content-Disposition"), "Amara") {
				t.Error("the file name names the pupil")
			}
		}
		if !strings.HasPrefix(pdf.Body, "%PDF-") || !strings.HasSuffix(strings.TrimSpace(pdf.Body), "%%EOF") {
			t.Errorf("not a PDF: %.40q", pdf.Body)
		}
		rows := exportRows(t, csvr.Body)
		if len(rows) != 1+2+2 {
			t.Fatalf("CSV rows: %q", rows)
		}
		if rows[1][1] != "concern" || rows[1][8] != "Zoë saw Amara crying by the gate. =1+1" || rows[1][3] != vigil.PartVictim ||
			rows[2][1] != "action" || rows[2][8] != "Phoned mum; she will come in." {
			t.Errorf("CSV entries: %q", rows[1:3])
		}
		if !strings.HasPrefix(rows[3][0], "# Chronology of Amara Okafor") ||
			!strings.HasPrefix(rows[4][0], "# Exported by dsl at Oak Primary School (dsl@oak.test) on ") ||
			!strings.Contains(rows[4][0], "; showing: All entries; 2 entries; OFFICIAL-SENSITIVE") {
			t.Errorf("CSV export rows: %q", rows[3:])
		}

		// The filter is the page's: actions only, key events only, a day range.
		rows = exportRows(t, dsl.Get(t, base+".csv?kind=action").Want(t, http.StatusOK, "", "").Body)
		if len(rows) != 1+1+2 || rows[1][1] != "action" || !strings.Contains(rows[3][0], "showing: actions only; 1 entry") {
			t.Errorf("actions only: %q", rows)
		}
		rows = exportRows(t, dsl.Get(t, base+".csv?key=1").Want(t, http.StatusOK, "", "").Body)
		if len(rows) != 1+2 || !strings.Contains(rows[2][0], "showing: key events only; 0 entries") {
			t.Errorf("key events only: %q", rows)
		}
		rows = exportRows(t, dsl.Get(t, base+".csv?to=2020-01-31").Want(t, http.StatusOK, "", "").Body)
		if len(rows) != 1+2 {
			t.Errorf("before 2020: %q", rows)
		}
		for _, bad := range []string{"?from=yesterday", "?kind=diary", "?key=maybe", "?category=x%27", "?from=2026-02-01&to=2026-01-01"} {
			dsl.Get(t, base+".pdf"+bad).Want(t, http.StatusUnprocessableEntity, "", "%PDF")
		}

		// Both formats were audited, against the pupil, with the format.
		evs, err := s.QueryAudit(oak.Ctx, store.AuditFilter{Pupil: amara.ID, ActionPrefix: "chronology.", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		formats := map[string]int{}
		for _, e := range evs {
			if e.Action == app.AuditChronologyExported && e.PersonID == oak.Staff["dsl"].ID && e.ObjectID == string(amara.ID) {
				formats[e.Detail["format"]]++
			}
		}
		if formats["pdf"] != 1 || formats["csv"] != 4 {
			t.Errorf("exports audited: %v", formats)
		}

		// Not for a teacher or the school admin; another school's pupil is
		// missing, exactly like a pupil that does not exist.
		for _, who := range []string{"teacher", "admin"} {
			cl := env.SignIn(t, oak.Staff[who].Email)
			for _, ext := range []string{".pdf", ".csv"} {
				r := cl.Get(t, base+ext)
				if r.Status != http.StatusForbidden && r.Status != http.StatusNotFound || strings.Contains(r.Body, "crying") || strings.HasPrefix(r.Body, "%PDF") {
					t.Errorf("%s %s: %d %.200q", who, ext, r.Status, r.Body)
				}
			}
		}
		for _, path := range []string{"/pupils/" + string(elm.Pupils["bruno"].ID) + "/chronology", "/pupils/" + vigil.NewID() + "/chronology"} {
			dsl.Get(t, path+".pdf").Want(t, http.StatusNotFound, "Page not found", "%PDF")
			dsl.Get(t, path+".csv").Want(t, http.StatusNotFound, "Page not found", "Elm")
		}
	})
}

func exportRows(t *testing.T, body string) [][]string {
	t.Helper()
	b, ok := bytes.CutPrefix([]byte(body), []byte("\uFEFF"))
	if !ok {
		t.Fatalf("CSV without a byte-order mark: %.80q", body)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v", err)
	}
	return rows
}
