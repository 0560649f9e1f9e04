package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil/api"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

func problemFields(p api.Problem) []string {
	var out []string
	for _, f := range p.Errors {
		out = append(out, f.Field)
	}
	return out
}

// An integrator records referrals about a concern and lists them, overdue
// first, page by page; each carries when a response is due and whether it
// is overdue; another school and a teacher see none of them.
func TestReferralsThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak, elm := env.Fixtures.Oak, env.Fixtures.Elm
		dsl, _ := newToken(t, env, oak, "dsl")
		teacher, _ := newToken(t, env, oak, "teacher")
		elmDSL, _ := newToken(t, env, elm, "dsl")
		amara := string(oak.Pupils["amara"].ID)
		when := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		res := send(t, env, "POST", "/api/v1/concerns", bearer(dsl), "application/json", []byte(`{"pupil_ids":["`+amara+
			`"],"categories":["Child protection"],"occurred_at":"`+when+`","body":"Disclosure at break."}`))
		if res.Status != http.StatusCreated {
			t.Fatalf("POST concern: %d %s", res.Status, res.Body)
		}
		c := decode[api.Concern](t, res)

		post := func(body string) *vigiltest.Response {
			return send(t, env, "POST", "/api/v1/referrals", bearer(dsl), "application/json", []byte(body))
		}
		res = post(`{"pupil_id":"` + amara + `","concern_id":"` + c.ID + `","agency":"Police","method":"phone","reference":"CAD-311",
			"contact":"PC Haverstock-Wynne, 101","details":"Reported the disclosure."}`)
		if res.Status != http.StatusCreated {
			t.Fatalf("POST referral: %d %s", res.Status, res.Body)
		}
		fresh := decode[api.Referral](t, res)
		if fresh.Agency.ID != "police" || fresh.ConcernID == nil || *fresh.ConcernID != c.ID || fresh.Overdue || fresh.Status != "open" ||
			fresh.TimescaleDays != 1 || !fresh.ExpectedResponseBy.After(time.Now()) || fresh.Access != "manage" ||
			fresh.Contact != "PC Haverstock-Wynne, 101" || fresh.Reference != "CAD-311" || res.Header.Get("Location") != "/api/v1/referrals/"+fresh.ID {
			t.Fatalf("created = %+v (Location %q)", fresh, res.Header.Get("Location"))
		}
		old := time.Now().AddDate(0, 0, -30).UTC().Format(time.RFC3339)
		res = post(`{"pupil_id":"` + amara + `","agency":"early_help","method":"online_form","made_at":"` + old + `"}`)
		if res.Status != http.StatusCreated {
			t.Fatalf("POST unlinked referral: %d %s", res.Status, res.Body)
		}
		late := decode[api.Referral](t, res)
		if !late.Overdue || late.Status != "overdue" || late.ConcernID != nil || late.TimescaleDays != 10 {
			t.Fatalf("late referral = %+v", late)
		}

		list := decode[api.List[api.ReferralSummary]](t, get(t, env, "/api/v1/referrals", bearer(dsl)))
		if len(list.Items) != 2 || list.Items[0].ID != late.ID || !list.Items[0].Overdue || list.Items[1].ID != fresh.ID || list.NextCursor != nil {
			t.Fatalf("list = %+v", list)
		}
		if !strings.Contains(get(t, env, "/api/v1/referrals", bearer(dsl)).Body, `"expected_response_by"`) {
			t.Error("list items lack expected_response_by")
		}
		if strings.Contains(get(t, env, "/api/v1/referrals", bearer(dsl)).Body, "Haverstock") {
			t.Error("the list holds sealed text")
		}
		over := decode[api.List[api.ReferralSummary]](t, get(t, env, "/api/v1/referrals?status=overdue", bearer(dsl)))
		if len(over.Items) != 1 || over.Items[0].ID != late.ID {
			t.Errorf("overdue = %+v", over)
		}
		byPupil := decode[api.List[api.ReferralSummary]](t, get(t, env, "/api/v1/referrals?pupil="+string(oak.Pupils["ben"].ID), bearer(dsl)))
		if len(byPupil.Items) != 0 {
			t.Errorf("Ben's = %+v", byPupil)
		}
		page1 := decode[api.List[api.ReferralSummary]](t, get(t, env, "/api/v1/referrals?limit=1", bearer(dsl)))
		if len(page1.Items) != 1 || page1.NextCursor == nil {
			t.Fatalf("page 1 = %+v", page1)
		}
		page2 := decode[api.List[api.ReferralSummary]](t, get(t, env, "/api/v1/referrals?limit=1&cursor="+*page1.NextCursor, bearer(dsl)))
		if len(page2.Items) != 1 || page2.NextCursor != nil || page2.Items[0].ID == page1.Items[0].ID {
			t.Errorf("page 2 = %+v", page2)
		}
		wantProblem(t, get(t, env, "/api/v1/referrals?status=lost", bearer(dsl)), http.StatusBadRequest, "bad_request")
		wantProblem(t, get(t, env, "/api/v1/referrals?pupil=42", bearer(dsl)), http.StatusBadRequest, "bad_request")

		got := decode[api.Referral](t, get(t, env, "/api/v1/referrals/"+fresh.ID, bearer(dsl)))
		if got.ID != fresh.ID || got.Details != "Reported the disclosure." || got.Pupil.Name == "" || got.MadeBy.Name == "" {
			t.Errorf("GET referral = %+v", got)
		}
		wantProblem(t, get(t, env, "/api/v1/referrals/"+fresh.ID, bearer(elmDSL)), http.StatusNotFound, "not_found")
		if r := get(t, env, "/api/v1/referrals/"+fresh.ID, bearer(teacher)); (r.Status != http.StatusNotFound && r.Status != http.StatusForbidden) ||
			strings.Contains(r.Body, "Haverstock") {
			t.Errorf("teacher reads the referral: %d", r.Status)
		}
		if l := decode[api.List[api.ReferralSummary]](t, get(t, env, "/api/v1/referrals", bearer(elmDSL))); len(l.Items) != 0 {
			t.Errorf("Elm lists Oak's referrals: %+v", l)
		}
		wantProblem(t, get(t, env, "/api/v1/referrals/not-an-id", bearer(dsl)), http.StatusNotFound, "not_found")

		for name, tc := range map[string]struct {
			body   string
			status int
			field  string
		}{
			"unknown field":  {`{"pupil_id":"` + amara + `","agency":"police","method":"phone","urgent":true}`, http.StatusBadRequest, "urgent"},
			"no agency":      {`{"pupil_id":"` + amara + `","method":"phone"}`, http.StatusUnprocessableEntity, "agency"},
			"unknown agency": {`{"pupil_id":"` + amara + `","agency":"Ministry of Magic","method":"phone"}`, http.StatusUnprocessableEntity, "agency"},
			"bad method":     {`{"pupil_id":"` + amara + `","agency":"police","method":"carrier pigeon"}`, http.StatusUnprocessableEntity, "method"},
			"bad made_at":    {`{"pupil_id":"` + amara + `","agency":"police","method":"phone","made_at":"yesterday"}`, http.StatusUnprocessableEntity, "made_at"},
			"elm's pupil":    {`{"pupil_id":"` + string(elm.Pupils["bruno"].ID) + `","agency":"police","method":"phone"}`, http.StatusUnprocessableEntity, "pupil_id"},
			"wrong type":     {`{"pupil_id":42,"agency":"police","method":"phone"}`, http.StatusBadRequest, "pupil_id"},
		} {
			t.Run(name, func(t *testing.T) {
				r := post(tc.body)
				code := "invalid"
				if tc.status == http.StatusBadRequest {
					code = "bad_request"
				}
				p := wantProblem(t, r, tc.status, code)
				if !slices.Contains(problemFields(p), tc.field) {
					t.Errorf("problem names %v; want %s", problemFields(p), tc.field)
				}
			})
		}
		if r := send(t, env, "POST", "/api/v1/referrals", bearer(teacher), "application/json",
			[]byte(`{"pupil_id":"`+amara+`","concern_id":"`+c.ID+`","agency":"police","method":"phone"}`)); r.Status < 400 {
			t.Errorf("teacher records a referral: %d", r.Status)
		}
	})
}
