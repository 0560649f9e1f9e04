package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/mis/misgen"
	"github.com/vigil-safeguarding/vigil/mis/wonde/wondefake"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

// postMISFile uploads a file to the MIS import form as a browser does: the
// form's fields first, then the file.
func postMISFile(t *testing.T, env *vigiltest.Env, c *vigiltest.Client, fields [][2]string, name, content string) *vigiltest.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		mw.WriteField(f[0], f[1])
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write([]byte(content))
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, env.Server.URL+"/settings/mis/import", &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", env.Server.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.Do(t, req)
}

const misCSV = "Admission Number,UPN,Legal Surname,Legal Forename,Date of Birth,Year Group,Reg Group,Gender,Contact 1 Forename,Contact 1 Surname,Contact 1 Relationship\r\n" +
	"W-1,,Marrowfield,Isla,14/02/2018,Year 3,3W,Female,Rob,Marrowfield,Father\r\n" +
	"W-2,,Pennywhistle,Ossie,2017-09-30,4,4E,M,,,\r\n"

func TestMISImportPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		admin := env.SignIn(t, "admin@oak.test")
		admin.Get(t, "/settings/mis").Want(t, http.StatusOK, `enctype="multipart/form-data"`, "<script>")

		// A dry run shows the counts and adds nobody.
		dry := [][2]string{{"source", "csv"}, {"kind", "auto"}, {"dry_run", "1"}}
		postMISFile(t, env, admin, dry, "roll.csv", misCSV).Want(t, http.StatusOK, "Dry run: nothing was changed", "")
		if _, n, _ := s.FindPupils(oak.Ctx, vigil.PupilFilter{Query: "Marrowfield"}); n != 0 {
			t.Fatalf("a dry run added %d pupils", n)
		}

		// A broken row: nothing imported, the row and column named, never
		// the value.
		broken := strings.Replace(misCSV, "2017-09-30", "31/02/2017", 1)
		page := postMISFile(t, env, admin, [][2]string{{"source", "csv"}}, "roll.csv", broken).
			Want(t, http.StatusUnprocessableEntity, "row 3", "31/02/2017")
		if !strings.Contains(page.Body, "Date of Birth") {
			t.Errorf("the problem does not name the column: %.800s", page.Body)
		}
		if _, n, _ := s.FindPupils(oak.Ctx, vigil.PupilFilter{Query: "Marrowfield", Status: vigil.StatusAll}); n != 0 {
			t.Fatalf("a file with a broken row added %d pupils", n)
		}

		// The wrong file gets one clear message.
		postMISFile(t, env, admin, [][2]string{{"source", "csv"}}, "roll.csv", "%PDF-1.7\n\x00\x01binary").
			Want(t, http.StatusUnprocessableEntity, "PDF", "")

		// For real (a partial roll here, so nobody is marked as left).
		postMISFile(t, env, admin, [][2]string{{"source", "csv"}, {"confirm_leavers", "1"}}, "roll.csv", misCSV).
			Want(t, http.StatusOK, "Imported", "")
		list, n, _ := s.FindPupils(oak.Ctx, vigil.PupilFilter{Query: "Marrowfield"})
		if n != 1 || list[0].YearGroup != "3" || list[0].DateOfBirth != vigil.NewDate(2018, 2, 14) {
			t.Fatalf("imported: %d %+v", n, list)
		}
		contacts, _ := s.FindContacts(oak.Ctx, list[0].ID)
		if len(contacts) != 1 || contacts[0].Name != "Rob Marrowfield" {
			t.Errorf("contacts: %+v", contacts)
		}

		// The history lists the runs, and a sync's page opens; another
		// school's sync is a 404.
		hist := admin.Get(t, "/settings/mis").Want(t, http.StatusOK, "Refused", "")
		id := regexp.MustCompile(`/settings/mis/syncs/([0-9a-f-]{36})`).FindStringSubmatch(hist.Body)
		if id == nil {
			t.Fatalf("no sync link in the history: %.600s", hist.Body)
		}
		admin.Get(t, "/settings/mis/syncs/"+id[1]).Want(t, http.StatusOK, "Pupils read", "")
		elm := env.SignIn(t, "admin@elm.test")
		elm.Get(t, "/settings/mis/syncs/"+id[1]).Want(t, http.StatusNotFound, "", "Pupils read")

		// Only those who manage settings may import.
		dsl := env.SignIn(t, "dsl@oak.test")
		dsl.Get(t, "/settings/mis").Want(t, http.StatusForbidden, "", "Import a file")
		postMISFile(t, env, dsl, dry, "roll.csv", misCSV).Want(t, http.StatusForbidden, "", "")
	})
}

func TestLeaverCTFExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		leaver := oak.Pupils["leaver"]
		rest := "990214525001"
		leaver.UPN = string(vigil.UPNCheckLetter(rest)) + rest
		if err := s.UpdatePupil(oak.Ctx, leaver); err != nil {
			t.Fatal(err)
		}
		admin := env.SignIn(t, "admin@oak.test")
		// A CTF names the school by its DfE number: none yet.
		admin.Get(t, "/pupils/"+string(leaver.ID)+"/ctf").Want(t, http.StatusConflict, "DfE number", "<CTfile")
		form := url.Values{"name": {oak.Name}, "idle_timeout_minutes": {"20"}, "two_factor_for": {"elevated"},
			"password_profile": {"dpia-classic"}, "timezone": {"Europe/London"}, "dfe_number": {"990/21"}}
		admin.PostForm(t, "/settings", form).Want(t, http.StatusUnprocessableEntity, "3-digit LA number", "")
		form.Set("dfe_number", "990/2145")
		admin.PostForm(t, "/settings", form).Want(t, http.StatusOK, "Settings saved.", "")
		admin.Get(t, "/pupils/"+string(leaver.ID)).Want(t, http.StatusOK, "Export CTF", "")
		res := admin.Get(t, "/pupils/"+string(leaver.ID)+"/ctf?lea=991&estab=4007").Want(t, http.StatusOK, "<CTfile", "")
		for _, want := range []string{leaver.UPN, "<LEA>991</LEA>", leaver.LegalSurname} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("the CTF lacks %q", want)
			}
		}
		if ct := res.Header.Get("Content-Disposition"); !strings.HasPrefix(ct, "attachment") {
			t.Errorf("Content-Disposition = %q", ct)
		}
		admin.Get(t, "/pupils/"+string(leaver.ID)+"/ctf?lea=99x").Want(t, http.StatusUnprocessableEntity, "3 digits", "")
		admin.Get(t, "/pupils/"+string(oak.Pupils["amara"].ID)+"/ctf").Want(t, http.StatusConflict, "on roll", "<CTfile")
		env.SignIn(t, "admin@elm.test").Get(t, "/pupils/"+string(leaver.ID)+"/ctf").Want(t, http.StatusNotFound, "", "<CTfile")
		env.SignIn(t, "dsl@oak.test").Get(t, "/pupils/"+string(leaver.ID)+"/ctf").Want(t, http.StatusForbidden, "", "<CTfile")
		events, _ := s.FindAudit(oak.Ctx, oak.Staff["admin"].ID, leaver.ID, 20)
		n := 0
		for _, ev := range events {
			if ev.Action == "mis.ctf_exported" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d CTF exports audited, want 1", n)
		}
	})
}

func TestWondeLinkPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		const token = "page-token-7c1e"
		fake := wondefake.NewServer(token)
		fake.SetSchool("A1930499544", misgen.School(5, 12).Pupils, nil)
		srv := httptest.NewServer(fake.Handler())
		defer srv.Close()
		env.App.WondeURL = srv.URL + "/v1.0/"

		admin := env.SignIn(t, "admin@oak.test")
		form := url.Values{"wonde_school_id": {"A1930499544"}, "wonde_token": {"wrong-one"}, "nightly": {"1"}}
		admin.PostForm(t, "/settings/mis/wonde", form).Want(t, http.StatusUnprocessableEntity, "re-authorise", "wrong-one")
		form.Set("wonde_token", token)
		res := admin.PostForm(t, "/settings/mis/wonde", form)
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/settings/mis?linked=1" {
			t.Fatalf("linking: %d %q", res.Status, res.Header.Get("Location"))
		}
		page := admin.Get(t, "/settings/mis?linked=1").Want(t, http.StatusOK, "Linked to Wonde school", token)
		if !strings.Contains(page.Body, "Sync now") {
			t.Error("no Sync now button once linked")
		}
		// Sync now queues the sync job, once.
		for range 2 {
			if r := admin.PostForm(t, "/settings/mis/link/sync", nil); r.Status != http.StatusSeeOther {
				t.Fatalf("sync now: %d", r.Status)
			}
		}
		jobs, err := s.FindJobs(env.Fixtures.Oak.Ctx, store.JobFilter{Kind: "mis.sync", Open: true})
		if err != nil || len(jobs) != 1 {
			t.Fatalf("queued sync jobs: %d, %v", len(jobs), err)
		}
		// Another school's admin has no link to sync.
		env.SignIn(t, "admin@elm.test").PostForm(t, "/settings/mis/link/sync", nil).Want(t, http.StatusNotFound, "", "")
		admin.PostForm(t, "/settings/mis/link/unlink", nil)
		admin.Get(t, "/settings/mis").Want(t, http.StatusOK, "Approve Vigil in Wonde", "Sync now")
	})
}
