package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

// noInlineCode fails if a page carries inline script or style, which the
// Content-Security-Policy would block.
func noInlineCode(t *testing.T, path string, r *vigiltest.Response) {
	t.Helper()
	if regexp.MustCompile(`<script(\s[^>]*)?>\s*[^<\s]`).MatchString(r.Body) || strings.Contains(r.Body, " style=") || strings.Contains(r.Body, "<style") ||
		regexp.MustCompile(`\son[a-z]+=`).MatchString(r.Body) {
		t.Errorf("%s has inline script or style", path)
	}
}

func countAudit(t *testing.T, s *store.Store, sc *storetest.School, action string) int {
	t.Helper()
	evs, err := s.FindAudit(sc.Ctx, "", "", 500)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		if e.Action == action {
			n++
		}
	}
	return n
}

// The school administrator keeps the school's holidays in the browser:
// sees them by academic year with the bank holidays skipped, adds a half
// term, is shown which field is wrong, skips a bank holiday the school had
// dropped, removes a holiday. Another school's holiday is a 404; the DSL
// and a teacher are refused.
func TestHolidaysPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak, elm := env.Fixtures.Oak, env.Fixtures.Elm
		admin := env.SignIn(t, "admin@oak.test")

		admin.Get(t, "/settings").Want(t, http.StatusOK, `href="/settings/holidays"`, "").Want(t, http.StatusOK, `href="/settings/agencies"`, "")
		r := admin.Get(t, "/settings/holidays").Want(t, http.StatusOK, "Add a holiday", "")
		noInlineCode(t, "/settings/holidays", r)
		year := app.AcademicYearOf(vigil.DateOf(env.Now())).String()
		for _, want := range []string{year, "Christmas Day", "Skipped automatically", `name="from" type="date"`} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("holidays page lacks %q", want)
			}
		}

		form := url.Values{"name": {"October half term"}, "from": {"2026-10-26"}, "to": {"2026-10-30"}}
		for _, tc := range []struct {
			name, field, value, want string
		}{
			{"no name", "name", " ", "This is required."},
			{"a date as typed in Britain", "from", "26/10/2026", "Enter the date as year, month and day"},
			{"no first day", "from", "", "Give the first day."},
			{"the last day first", "to", "2026-10-20", "The last day is before the first."},
		} {
			f := url.Values{}
			for k, v := range form {
				f[k] = slices.Clone(v)
			}
			f.Set(tc.field, tc.value)
			r := admin.PostForm(t, "/settings/holidays", f).Want(t, http.StatusUnprocessableEntity, tc.want, "")
			// The field at fault is marked and what was typed is kept.
			marked := regexp.MustCompile(`class="field has-error">\s*<label for="holiday-` + tc.field + `"`)
			if !marked.MatchString(r.Body) {
				t.Errorf("%s: the %s field is not marked", tc.name, tc.field)
			}
			if tc.field != "name" && !strings.Contains(r.Body, `value="October half term"`) {
				t.Errorf("%s: the name typed was lost", tc.name)
			}
		}
		if r := admin.PostForm(t, "/settings/holidays", form); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/settings/holidays?done=added" {
			t.Fatalf("add: %d %q", r.Status, r.Header.Get("Location"))
		}
		admin.Get(t, "/settings/holidays?done=added").Want(t, http.StatusOK, "The holiday has been added.", "").
			Want(t, http.StatusOK, "October half term", "").Want(t, http.StatusOK, "Mon 26 Oct 2026", "")
		admin.PostForm(t, "/settings/holidays", form).Want(t, http.StatusUnprocessableEntity, "already has a holiday of this name", "")

		hs, err := s.FindHolidays(oak.Ctx)
		if err != nil {
			t.Fatal(err)
		}
		var half, boxing string
		for _, h := range hs {
			switch h.Name {
			case "October half term":
				half = h.ID
			case "Boxing Day (substitute day)":
				if h.From == vigil.NewDate(2026, 12, 28) {
					boxing = h.ID
				}
			}
		}
		if half == "" || boxing == "" {
			t.Fatalf("half term %q, Boxing Day %q", half, boxing)
		}

		// Another school's administrator cannot remove it, nor see it.
		elmAdmin := env.SignIn(t, "admin@elm.test")
		elmAdmin.PostForm(t, "/settings/holidays/"+half+"/remove", nil).Want(t, http.StatusNotFound, "Page not found", "October half term")
		elmAdmin.Get(t, "/settings/holidays").Want(t, http.StatusOK, "Christmas Day", "October half term")
		if n := countAudit(t, s, elm, app.AuditHolidayRemoved); n != 0 {
			t.Errorf("Elm has %d removals", n)
		}

		// A bank holiday the school dropped counts as a working day until
		// it is skipped again.
		if _, err := env.App.RemoveHoliday(oak.Ctx, boxing); err != nil {
			t.Fatal(err)
		}
		admin.Get(t, "/settings/holidays").Want(t, http.StatusOK, "Counted as a working day", "")
		if r := admin.PostForm(t, "/settings/holidays", url.Values{"name": {"Boxing Day (substitute day)"}, "from": {"2026-12-28"}, "to": {"2026-12-28"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("skip the bank holiday: %d", r.Status)
		}
		admin.Get(t, "/settings/holidays").Want(t, http.StatusOK, "Skipped automatically", "Counted as a working day")

		if r := admin.PostForm(t, "/settings/holidays/"+half+"/remove", nil); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/settings/holidays?done=removed" {
			t.Fatalf("remove: %d %q", r.Status, r.Header.Get("Location"))
		}
		admin.Get(t, "/settings/holidays?done=removed").Want(t, http.StatusOK, "The holiday has been removed.", "October half term")
		admin.PostForm(t, "/settings/holidays/"+half+"/remove", nil).Want(t, http.StatusNotFound, "Page not found", "")
		admin.PostForm(t, "/settings/holidays/"+vigil.NewID()+"/remove", nil).Want(t, http.StatusNotFound, "Page not found", "")

		// Those who do not manage the school's settings.
		dsl, teacher := env.SignIn(t, "dsl@oak.test"), env.SignIn(t, "teacher@oak.test")
		for name, c := range map[string]*vigiltest.Client{"DSL": dsl, "teacher": teacher} {
			c.Get(t, "/settings/holidays").Want(t, http.StatusForbidden, "", "Skipped automatically")
			c.PostForm(t, "/settings/holidays", url.Values{"name": {"Snow day"}, "from": {"2027-01-05"}}).Want(t, http.StatusForbidden, "", "")
			if r := c.PostForm(t, "/settings/holidays/"+boxing+"/remove", nil); r.Status != http.StatusForbidden {
				t.Errorf("%s removes a holiday: %d", name, r.Status)
			}
		}

		// Two added (the half term, Boxing Day), two removed (Boxing Day by
		// the operator, the half term); the refused changes are not there.
		if a, r := countAudit(t, s, oak, app.AuditHolidayAdded), countAudit(t, s, oak, app.AuditHolidayRemoved); a != 2 || r != 2 {
			t.Errorf("audit: %d added, %d removed; want 2 and 2", a, r)
		}
	})
}

// The school administrator keeps the referral agencies in the browser:
// sees the seeded ones, adds one, changes a timescale, retires an agency
// and brings it back; problems are shown beside the field or the row.
// Another school's agency is a 404; the DSL is refused; a retired agency
// is not offered on the referral form.
func TestAgenciesPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak, elm := env.Fixtures.Oak, env.Fixtures.Elm
		admin := env.SignIn(t, "admin@oak.test")

		r := admin.Get(t, "/settings/agencies").Want(t, http.StatusOK, "Add an agency", "")
		noInlineCode(t, "/settings/agencies", r)
		for _, g := range vigil.DefaultReferralAgencies() {
			if !strings.Contains(r.Body, strings.ReplaceAll(g.Name, "'", "&#39;")) || !strings.Contains(r.Body, "/settings/agencies/"+g.Key+"/retire") {
				t.Errorf("the page lacks the seeded agency %s", g.Key)
			}
		}

		for _, tc := range []struct {
			name, days, want string
			field            string
		}{
			{"Youth Justice Service", "five", "Enter a number of working days", "timescale_days"},
			{"Youth Justice Service", "91", "A timescale is 0 to 90 working days.", "timescale_days"},
			{"", "5", "This is required.", "name"},
			{"police", "5", "already has an agency of this name", "name"},
		} {
			r := admin.PostForm(t, "/settings/agencies", url.Values{"name": {tc.name}, "timescale_days": {tc.days}}).
				Want(t, http.StatusUnprocessableEntity, tc.want, "")
			id := map[string]string{"name": "agency-name", "timescale_days": "agency-days"}[tc.field]
			if !regexp.MustCompile(`class="field has-error">\s*<label for="` + id + `"`).MatchString(r.Body) {
				t.Errorf("%s/%s: the %s field is not marked", tc.name, tc.days, tc.field)
			}
		}
		if r := admin.PostForm(t, "/settings/agencies", url.Values{"name": {"Youth Justice Service"}, "timescale_days": {"5"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("add: %d %.300s", r.Status, r.Body)
		}
		admin.Get(t, "/settings/agencies?done=agency").Want(t, http.StatusOK, "The agency has been added.", "").
			Want(t, http.StatusOK, "Youth Justice Service", "").Want(t, http.StatusOK, "/settings/agencies/youth_justice_service/retire", "")

		// A new timescale; a bad one is shown on its row.
		if r := admin.PostForm(t, "/settings/agencies/camhs/timescale", url.Values{"timescale_days": {"15"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("change the timescale: %d", r.Status)
		}
		r = admin.PostForm(t, "/settings/agencies/camhs/timescale", url.Values{"timescale_days": {"99"}}).
			Want(t, http.StatusUnprocessableEntity, `<p class="error" id="days-camhs-error">A timescale is 0 to 90`, "")
		if !strings.Contains(r.Body, `id="days-camhs" name="timescale_days" type="number" min="0" max="90" value="99"`) {
			t.Errorf("the refused timescale is not kept on its row")
		}
		gs, err := s.ReferralAgencies(oak.Ctx)
		if err != nil {
			t.Fatal(err)
		}
		if i := slices.IndexFunc(gs, func(g vigil.ReferralAgency) bool { return g.Key == "camhs" }); gs[i].TimescaleDays != 15 {
			t.Errorf("CAMHS timescale %d; want 15", gs[i].TimescaleDays)
		}

		// Retired: no longer offered for referrals; brought back.
		if r := admin.PostForm(t, "/settings/agencies/youth_justice_service/retire", nil); r.Status != http.StatusSeeOther ||
			r.Header.Get("Location") != "/settings/agencies?done=retired" {
			t.Fatalf("retire: %d %q", r.Status, r.Header.Get("Location"))
		}
		admin.Get(t, "/settings/agencies?done=retired").Want(t, http.StatusOK, "/settings/agencies/youth_justice_service/restore", "")
		dsl := env.SignIn(t, "dsl@oak.test")
		dsl.Get(t, "/referrals/new?pupil="+string(oak.Pupils["amara"].ID)).Want(t, http.StatusOK, "NHS / CAMHS (response within 15 working days)", "Youth Justice Service")
		if r := admin.PostForm(t, "/settings/agencies/youth_justice_service/restore", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("bring back: %d", r.Status)
		}
		dsl.Get(t, "/referrals/new?pupil="+string(oak.Pupils["amara"].ID)).Want(t, http.StatusOK, "Youth Justice Service", "")

		// Another school's agency, an unknown one and an unknown change are
		// 404s; the DSL may not change agencies.
		elmAdmin := env.SignIn(t, "admin@elm.test")
		for _, path := range []string{"/settings/agencies/youth_justice_service/retire", "/settings/agencies/youth_justice_service/timescale", "/settings/agencies/nothing/retire"} {
			elmAdmin.PostForm(t, path, url.Values{"timescale_days": {"oops"}}).Want(t, http.StatusNotFound, "Page not found", "Youth Justice Service")
		}
		admin.PostForm(t, "/settings/agencies/camhs/delete", nil).Want(t, http.StatusNotFound, "Page not found", "")
		elmAdmin.Get(t, "/settings/agencies").Want(t, http.StatusOK, "NHS / CAMHS", "Youth Justice Service")
		dsl.Get(t, "/settings/agencies").Want(t, http.StatusForbidden, "", "Add an agency")
		dsl.PostForm(t, "/settings/agencies/camhs/retire", nil).Want(t, http.StatusForbidden, "", "")

		for action, want := range map[string]int{app.AuditAgencyAdded: 1, app.AuditAgencyChanged: 1, app.AuditAgencyRetired: 1, app.AuditAgencyRestored: 1} {
			if n := countAudit(t, s, oak, action); n != want {
				t.Errorf("%d %s events; want %d", n, action, want)
			}
		}
		if n := countAudit(t, s, elm, app.AuditAgencyRetired); n != 0 {
			t.Errorf("Elm has %d retirements", n)
		}
	})
}
