package wonde_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/mis"
	"github.com/vigil-safeguarding/vigil/mis/wonde"
	"github.com/vigil-safeguarding/vigil/mis/wonde/wondefake"
)

// token looks like a real Wonde token so that a test can check it never
// shows up in an error.
const (
	token    = "7e76896f9aca62569048c667db292d72dd84f224"
	schoolID = "A1930499544"
)

// env is a fake Wonde server and a client pointed at it whose sleeps are
// recorded, not slept.
type env struct {
	fake   *wondefake.Server
	client *wonde.Client
	mu     sync.Mutex
	waits  []time.Duration
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{fake: wondefake.NewServer(token)}
	srv := httptest.NewServer(e.fake.Handler())
	t.Cleanup(srv.Close)
	e.client = &wonde.Client{
		BaseURL: srv.URL + "/v1.0/",
		Token:   token,
		HTTP:    srv.Client(),
		Sleep: func(ctx context.Context, d time.Duration) error {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.waits = append(e.waits, d)
			return ctx.Err()
		},
	}
	return e
}

func (e *env) slept() []time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]time.Duration(nil), e.waits...)
}

// upn returns a valid UPN for serial n.
func upn(n int) string {
	rest := fmt.Sprintf("99%010d", n)
	return string(vigil.UPNCheckLetter(rest)) + rest
}

// pupil returns a plain, valid pupil numbered n carrying every optional
// field, with Ref set as the client sets it.
func pupil(n int) *mis.Pupil {
	p := &mis.Pupil{
		SourceID:      fmt.Sprintf("A%010d", n),
		MISID:         fmt.Sprint(1000 + n),
		UPN:           upn(n),
		LegalForename: fmt.Sprintf("Forename%d", n),
		LegalSurname:  fmt.Sprintf("Surname%d", n),
		DateOfBirth:   vigil.NewDate(2012+n%8, time.Month(1+n%12), 1+n%28),
		Sex:           []string{"F", "M"}[n%2],
		YearGroup:     vigil.YearGroups[2+n%7],
		RegGroup:      fmt.Sprintf("%dA", 1+n%6),
		ContactsKnown: true,
	}
	p.Ref = "Wonde student " + p.SourceID
	for _, f := range []string{mis.FieldUPN, mis.FieldPreferred, mis.FieldSex, mis.FieldYearGroup, mis.FieldRegGroup} {
		p.SetKnown(f)
	}
	return p
}

func staffMember(n int, email string) *mis.Staff {
	yes := n%2 == 0
	return &mis.Staff{
		Ref: fmt.Sprintf("Wonde employee E%d", n), SourceID: fmt.Sprintf("E%d", n), MISID: fmt.Sprint(3000 + n),
		Title: "Ms", Forename: fmt.Sprintf("Staff%d", n), Surname: "Member", Email: email,
		JobTitle: "Teacher", StaffCode: fmt.Sprintf("SM%d", n), Teaching: &yes, Current: true,
	}
}

func TestFetchFullSyncMapsEveryField(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	yes, no := true, false
	full := &mis.Pupil{
		Ref: "Wonde student A1000000001", SourceID: "A1000000001", MISID: "1042",
		UPN: "D990214525001", FormerUPNs: []string{"T990214516011"},
		LegalForename: "Marnie", LegalSurname: "Oakhollow", PreferredForename: "Mae", PreferredSurname: "Oak",
		MiddleNames: "Rose Anne", DateOfBirth: vigil.NewDate(2018, 6, 30), Sex: "F",
		YearGroup: "2", RegGroup: "2B", AdmissionDate: vigil.NewDate(2022, 9, 5),
		Flags: map[vigil.Flag]bool{
			vigil.FlagSENSupport: true, vigil.FlagEHCP: false, vigil.FlagFSM: true, vigil.FlagPupilPremium: false,
			vigil.FlagLAC: false, vigil.FlagPLAC: true, vigil.FlagEAL: true,
		},
		ContactsKnown: true,
		Contacts: []mis.Contact{
			{MISID: "A2000000001", Title: "Mx", Forename: "Dev", Surname: "Oakhollow", Relationship: "Parent",
				ParentalResponsibility: &yes, Priority: 1, Phone: "07700 900123", Email: "dev.oakhollow@riverside.example"},
			{MISID: "A2000000002", Forename: "Sam", Surname: "Oakhollow", Relationship: "Aunt",
				ParentalResponsibility: &no, Priority: 2, Email: "sam@riverside.example"},
			{MISID: "A2000000003", Surname: "Riverside Children's Services", Relationship: "Social worker", Phone: "01632 960999"},
		},
	}
	for _, f := range []string{mis.FieldUPN, mis.FieldPreferred, mis.FieldSex, mis.FieldYearGroup, mis.FieldRegGroup, mis.FieldAdmission} {
		full.SetKnown(f)
	}
	leaver := pupil(2)
	leaver.LeavingDate = vigil.NewDate(2025, 7, 22)
	leaver.AdmissionDate = vigil.NewDate(2019, 9, 4)
	leaver.SetKnown(mis.FieldAdmission)
	leaver.SetKnown(mis.FieldLeaving)
	reception := pupil(3)
	reception.YearGroup, reception.UPN = "R", ""
	delete(reception.Known, mis.FieldUPN) // a new arrival without a UPN yet
	reception.Flags = map[vigil.Flag]bool{vigil.FlagEHCP: true, vigil.FlagSENSupport: false, vigil.FlagLAC: true, vigil.FlagPLAC: false}

	// The fake serves contacts in the order given; the client sorts by priority.
	sent := *full
	sent.Contacts = []mis.Contact{full.Contacts[2], full.Contacts[1], full.Contacts[0]}
	sentEmails := []*mis.Staff{staffMember(1, "s1@riverside.example"), staffMember(2, ""), staffMember(3, "s3@riverside.example")}
	sentEmails[2].Current, sentEmails[2].Teaching = false, nil
	e.fake.SetSchool(schoolID, []*mis.Pupil{&sent, leaver, reception}, sentEmails)

	b, err := e.client.Fetch(context.Background(), schoolID, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Source != mis.SourceWonde || !b.Complete || !b.StaffComplete {
		t.Errorf("batch source %q complete %v staff complete %v, want wonde, true, true", b.Source, b.Complete, b.StaffComplete)
	}
	want := []*mis.Pupil{full, leaver, reception}
	if len(b.Pupils) != len(want) {
		t.Fatalf("got %d pupils, want %d", len(b.Pupils), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(b.Pupils[i], want[i]) {
			t.Errorf("pupil %d:\n got %+v\nwant %+v", i, b.Pupils[i], want[i])
		}
	}
	wantStaff := []*mis.Staff{sentEmails[0], sentEmails[2]}
	if !reflect.DeepEqual(b.Staff, wantStaff) {
		t.Errorf("staff:\n got %+v\nwant %+v", b.Staff, wantStaff)
	}
	if !reflect.DeepEqual(b.Ignored, []string{"employees without a usable work email, skipped (1)"}) {
		t.Errorf("ignored = %q", b.Ignored)
	}

	// The requests asked for the documented includes, 200 a page, and no delta.
	log := e.fake.RequestLog()
	if len(log) != 2 {
		t.Fatalf("requests = %q, want one page of students and one of employees", log)
	}
	for i, wantInclude := range []string{"education_details,extended_details,contacts.contact_details,groups,year", "employment_details,contact_details"} {
		u, _ := url.Parse(log[i])
		q := u.Query()
		if q.Get("include") != wantInclude || q.Get("per_page") != "200" || q.Has("updated_after") {
			t.Errorf("request %d query = %v", i, q)
		}
	}
	if !strings.HasSuffix(strings.Split(log[0], "?")[0], "/v1.0/schools/"+schoolID+"/students") {
		t.Errorf("students path = %q", log[0])
	}
}

func TestFetchDeltaReturnsOnlyChanged(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fake.SetSchool(schoolID, []*mis.Pupil{pupil(1), pupil(2), pupil(3)}, []*mis.Staff{staffMember(1, "a@riverside.example"), staffMember(2, "b@riverside.example")})
	lastRun := wondefake.DefaultUpdated.Add(time.Hour)
	e.fake.SetUpdated(schoolID, pupil(2).SourceID, lastRun.Add(5*time.Minute))
	e.fake.SetUpdated(schoolID, "E2", lastRun.Add(time.Minute))

	// Sent in UTC whatever zone the caller's time is in.
	b, err := e.client.Fetch(context.Background(), schoolID, lastRun.In(time.FixedZone("BST", 3600)))
	if err != nil {
		t.Fatal(err)
	}
	if b.Complete || b.StaffComplete {
		t.Error("a delta is marked complete")
	}
	if len(b.Pupils) != 1 || b.Pupils[0].SourceID != pupil(2).SourceID {
		t.Errorf("delta pupils = %v, want only pupil 2", ids(b.Pupils))
	}
	if len(b.Staff) != 1 || b.Staff[0].SourceID != "E2" {
		t.Errorf("delta staff = %d, want only E2", len(b.Staff))
	}
	for _, line := range e.fake.RequestLog() {
		u, _ := url.Parse(line)
		if got := u.Query().Get("updated_after"); got != "2025-09-01 08:30:00" {
			t.Errorf("updated_after = %q, want 2025-09-01 08:30:00 (UTC)", got)
		}
	}
}

func ids(ps []*mis.Pupil) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.SourceID
	}
	return out
}

func TestFetchPagination(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		pupils        int
		pageSize      int
		perPageString bool
		wantPages     int
	}{
		{"450 at 200 a page", 450, 0, false, 3},
		{"per_page as a string", 450, 0, true, 3},
		{"small pages", 23, 5, true, 5},
		{"exactly one page", 200, 0, false, 1},
		{"empty school", 0, 0, false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.fake.PageSize, e.fake.PerPageString = tc.pageSize, tc.perPageString
			var want []*mis.Pupil
			for i := range tc.pupils {
				want = append(want, pupil(i+1))
			}
			e.fake.SetSchool(schoolID, want, nil)
			var progress []int
			e.client.Progress = func(kind string, n int) {
				if kind == "students" {
					progress = append(progress, n)
				}
			}
			b, err := e.client.Fetch(context.Background(), schoolID, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ids(b.Pupils), ids(want)) {
				t.Errorf("got %d pupils, want %d in order", len(b.Pupils), len(want))
			}
			if len(progress) != tc.wantPages || progress[len(progress)-1] != tc.pupils {
				t.Errorf("progress = %v, want %d pages ending at %d", progress, tc.wantPages, tc.pupils)
			}
			if got := e.fake.Requests(); got != tc.wantPages+1 {
				t.Errorf("requests = %d, want %d pages of students and 1 of employees", got, tc.wantPages)
			}
		})
	}
}

func TestFetchHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		status   int
		header   string
		min, max time.Duration
	}{
		{"429 seconds", http.StatusTooManyRequests, "7", 7 * time.Second, 7 * time.Second},
		{"503 seconds", http.StatusServiceUnavailable, "120", 2 * time.Minute, 2 * time.Minute},
		{"429 HTTP date", http.StatusTooManyRequests, time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat), 80 * time.Second, 90 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.fake.SetSchool(schoolID, []*mis.Pupil{pupil(1)}, nil)
			e.fake.FailNext(tc.status, 2, tc.header)
			b, err := e.client.Fetch(context.Background(), schoolID, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Pupils) != 1 {
				t.Errorf("got %d pupils after retrying, want 1", len(b.Pupils))
			}
			waits := e.slept()
			if len(waits) != 2 {
				t.Fatalf("waited %v, want two waits", waits)
			}
			for _, w := range waits {
				if w < tc.min || w > tc.max {
					t.Errorf("waited %v, want %v to %v as Retry-After said", w, tc.min, tc.max)
				}
			}
			if got := e.fake.Requests(); got != 4 {
				t.Errorf("requests = %d, want 2 refused, students, employees", got)
			}
		})
	}
}

func TestFetchBacksOffThenGivesUp(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout, http.StatusTooManyRequests} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.client.MaxTries = 4
			e.fake.SetSchool(schoolID, []*mis.Pupil{pupil(1)}, nil)
			e.fake.FailNext(status, 100, "")
			b, err := e.client.Fetch(context.Background(), schoolID, time.Time{})
			if err == nil || b != nil {
				t.Fatalf("got batch %v, err %v; want an error and no batch", b, err)
			}
			if msg := err.Error(); !strings.Contains(msg, "after 4 tries") || !strings.Contains(msg, fmt.Sprint(status)) {
				t.Errorf("error %q does not say it gave up after 4 tries on %d", msg, status)
			}
			if got := e.fake.Requests(); got != 4 {
				t.Errorf("requests = %d, want MaxTries = 4", got)
			}
			waits := e.slept()
			if len(waits) != 3 {
				t.Fatalf("waits = %v, want 3", waits)
			}
			for i, w := range waits {
				if ceiling := min(time.Second<<i, time.Minute); w < time.Second || w > ceiling {
					t.Errorf("wait %d = %v, want 1s to %v", i+1, w, ceiling)
				}
			}
		})
	}
}

func TestFetchDefaultTriesSix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fake.SetSchool(schoolID, nil, nil)
	e.fake.FailNext(http.StatusServiceUnavailable, 100, "")
	if _, err := e.client.Fetch(context.Background(), schoolID, time.Time{}); err == nil {
		t.Fatal("fetch succeeded against a server that always fails")
	}
	if got := e.fake.Requests(); got != 6 {
		t.Errorf("requests = %d, want 6", got)
	}
}

func TestFetchRetriesFailedConnections(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // nothing listens there now
	var waits []time.Duration
	c := &wonde.Client{BaseURL: srv.URL + "/v1.0/", Token: token, MaxTries: 3,
		Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
	_, err := c.Fetch(context.Background(), schoolID, time.Time{})
	if err == nil || !strings.Contains(err.Error(), "after 3 tries") || len(waits) != 2 {
		t.Errorf("err = %v after waits %v; want giving up after 3 tries", err, waits)
	}
	if err != nil && strings.Contains(err.Error(), token) {
		t.Error("the error shows the token")
	}
}

func TestFetchStopsWhenCancelledWhileWaiting(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fake.SetSchool(schoolID, nil, nil)
	e.fake.FailNext(http.StatusTooManyRequests, 100, "30")
	ctx, cancel := context.WithCancel(context.Background())
	e.client.Sleep = func(ctx context.Context, d time.Duration) error {
		cancel()
		return ctx.Err()
	}
	_, err := e.client.Fetch(ctx, schoolID, time.Time{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if got := e.fake.Requests(); got != 1 {
		t.Errorf("requests = %d after cancelling, want 1", got)
	}
}

func TestFetchRefusals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		setup  func(e *env)
		school string
		want   error
	}{
		{"revoked token", func(e *env) { e.fake.Revoke() }, schoolID, wonde.ErrUnauthorised},
		{"wrong token", func(e *env) { e.client.Token = "0000000000000000000000000000000000000000" }, schoolID, wonde.ErrUnauthorised},
		{"no token", func(e *env) { e.client.Token = "" }, schoolID, wonde.ErrUnauthorised},
		{"school not approved", func(e *env) {}, "A1000000009", wonde.ErrNoAccess},
		{"forbidden", func(e *env) { e.fake.FailNext(http.StatusForbidden, 2, "") }, schoolID, wonde.ErrNoAccess},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.fake.SetSchool(schoolID, []*mis.Pupil{pupil(1)}, nil)
			tc.setup(e)
			b, err := e.client.Fetch(context.Background(), tc.school, time.Time{})
			if !errors.Is(err, tc.want) || b != nil {
				t.Fatalf("got %v, %v; want %v and no batch", b, err, tc.want)
			}
			if errors.Is(err, wonde.ErrUnauthorised) && errors.Is(err, wonde.ErrNoAccess) {
				t.Error("the two refusals cannot be told apart")
			}
			if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), "unauthenticated") || strings.Contains(err.Error(), "not_found") {
				t.Errorf("error %q shows the token or the response body", err)
			}
			if got := e.fake.Requests(); got != 1 {
				t.Errorf("requests = %d, want 1: a refusal is not retried", got)
			}
			if err := e.client.Check(context.Background(), tc.school); !errors.Is(err, tc.want) {
				t.Errorf("Check = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fake.SetSchool(schoolID, nil, nil)
	if err := e.client.Check(context.Background(), schoolID); err != nil {
		t.Fatal(err)
	}
	if log := e.fake.RequestLog(); len(log) != 1 || log[0] != "/v1.0/schools/"+schoolID {
		t.Errorf("requests = %q", log)
	}
	e.fake.FailNext(http.StatusOK, 1, "") // HTML, not JSON
	if err := e.client.Check(context.Background(), schoolID); err == nil {
		t.Error("Check accepted an HTML page")
	}
}

func TestFetchNonJSONFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fake.SetSchool(schoolID, []*mis.Pupil{pupil(1)}, nil)
	e.fake.FailNext(http.StatusOK, 1, "")
	b, err := e.client.Fetch(context.Background(), schoolID, time.Time{})
	if err == nil || b != nil || !strings.Contains(err.Error(), "not JSON") {
		t.Errorf("got %v, %v; want a not-JSON error and no batch", b, err)
	}
}

func TestFetchRefusesBadSchoolIDWithoutRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, id := range []string{"", "A", "a1930499544", "1930499544", "A19304995x4", "A1930499544/students", "../A1930499544",
		"A1930499544?x=1", "A1930499544%2F", "A 1930499544", "A1930499544\n", "AB1930499544", "A123456789012345678901"} {
		if _, err := e.client.Fetch(context.Background(), id, time.Time{}); err == nil {
			t.Errorf("Fetch(%q) accepted the school id", id)
		}
		if err := e.client.Check(context.Background(), id); err == nil {
			t.Errorf("Check(%q) accepted the school id", id)
		}
		if _, err := e.client.Deletions(context.Background(), id, time.Time{}); err == nil {
			t.Errorf("Deletions(%q) accepted the school id", id)
		}
	}
	if got := e.fake.Requests(); got != 0 {
		t.Errorf("requests = %d, want none", got)
	}
}

func TestFetchProblemsRefuseTheBatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	noSurname, badUPN, noDOB := pupil(1), pupil(2), pupil(3)
	noSurname.LegalSurname = ""
	badUPN.UPN = "D99021452500" // 12 characters
	noDOB.DateOfBirth = vigil.Date{}
	e.fake.SetSchool(schoolID, []*mis.Pupil{noSurname, badUPN, noDOB, pupil(4)}, nil)
	b, err := e.client.Fetch(context.Background(), schoolID, time.Time{})
	pe, ok := errors.AsType[*mis.ProblemError](err)
	if !ok || b != nil {
		t.Fatalf("got %v, %v; want a *mis.ProblemError and no batch", b, err)
	}
	if len(pe.Problems) != 3 {
		t.Errorf("problems = %v, want 3", pe.Problems)
	}
	if vigil.ErrorCode(err) != vigil.EINVALID {
		t.Errorf("code = %q, want invalid", vigil.ErrorCode(err))
	}
	want := map[string]string{
		noSurname.Ref: "legal_surname",
		badUPN.Ref:    "education_details.upn",
		noDOB.Ref:     "date_of_birth",
	}
	got := map[string]string{}
	for _, p := range pe.Problems {
		got[p.Ref] = p.Column
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems = %v, want %v", pe.Problems, want)
	}
	for _, value := range []string{"Forename1", "Forename2", "Forename3", badUPN.UPN, token} {
		if strings.Contains(err.Error(), value) {
			t.Errorf("the error shows a value: %q", err)
		}
	}
}

func TestDeletions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fake.SetSchool(schoolID, []*mis.Pupil{pupil(1), pupil(2), pupil(3)}, []*mis.Staff{staffMember(1, "a@riverside.example")})
	gone := wondefake.DefaultUpdated.Add(48 * time.Hour)
	e.fake.Delete(schoolID, pupil(1).SourceID, wondefake.DefaultUpdated.Add(time.Hour))
	e.fake.Delete(schoolID, pupil(3).SourceID, gone)
	e.fake.Delete(schoolID, "E1", gone)

	all, err := e.client.Deletions(context.Background(), schoolID, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(all, []string{pupil(1).SourceID, pupil(3).SourceID}) {
		t.Errorf("deletions = %v", all)
	}
	recent, err := e.client.Deletions(context.Background(), schoolID, gone.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(recent, []string{pupil(3).SourceID}) {
		t.Errorf("deletions since = %v", recent)
	}
	b, err := e.client.Fetch(context.Background(), schoolID, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ids(b.Pupils), []string{pupil(2).SourceID}) || len(b.Staff) != 0 {
		t.Errorf("after deletions the roll is %v with %d staff", ids(b.Pupils), len(b.Staff))
	}
}

// twoServers serves handler and counts what reaches another server, so a
// test can show the client never went there.
func twoServers(t *testing.T, handler func(w http.ResponseWriter, r *http.Request, other string)) (*wonde.Client, *int) {
	t.Helper()
	var mu sync.Mutex
	otherHits := 0
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		otherHits++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"data":[],"meta":{"pagination":{"next":null,"more":false,"per_page":"200","current_page":2}}}`)
	}))
	t.Cleanup(other.Close)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler(w, r, other.URL) }))
	t.Cleanup(api.Close)
	c := &wonde.Client{BaseURL: api.URL + "/v1.0/", Token: token,
		Sleep: func(context.Context, time.Duration) error { return nil }}
	return c, &otherHits
}

func TestFetchConversationRefusals(t *testing.T) {
	t.Parallel()
	page := func(next string, more bool, perPage string) string {
		return fmt.Sprintf(`{"data":[],"meta":{"pagination":{"next":%s,"previous":null,"more":%v,"per_page":%s,"current_page":1}}}`, next, more, perPage)
	}
	for _, tc := range []struct {
		name  string
		serve func(w http.ResponseWriter, r *http.Request, other string)
		want  string
	}{
		{"next on another host", func(w http.ResponseWriter, r *http.Request, other string) {
			fmt.Fprint(w, page(`"`+other+`/v1.0/schools/`+schoolID+`/students?page=2"`, true, `"200"`))
		}, "another host"},
		{"next on another scheme", func(w http.ResponseWriter, r *http.Request, other string) {
			fmt.Fprint(w, page(`"https://`+r.Host+`/v1.0/schools/`+schoolID+`/students?page=2"`, true, `"200"`))
		}, "another host"},
		{"next outside the API", func(w http.ResponseWriter, r *http.Request, other string) {
			fmt.Fprint(w, page(`"/elsewhere?page=2"`, true, `"200"`))
		}, "another host"},
		{"next with credentials", func(w http.ResponseWriter, r *http.Request, other string) {
			fmt.Fprint(w, page(`"http://user@`+r.Host+`/v1.0/schools/`+schoolID+`/students?page=2"`, true, `"200"`))
		}, "another host"},
		{"more without next", func(w http.ResponseWriter, r *http.Request, other string) {
			fmt.Fprint(w, page(`null`, true, `"200"`))
		}, "no link"},
		{"next loops", func(w http.ResponseWriter, r *http.Request, other string) {
			fmt.Fprint(w, page(`"/v1.0/schools/`+schoolID+`/students?page=1"`, true, `200`))
		}, "loop"},
		{"redirect to another host", func(w http.ResponseWriter, r *http.Request, other string) {
			http.Redirect(w, r, other+"/v1.0/schools/"+schoolID+"/students", http.StatusFound)
		}, "another host"},
		{"no pagination", func(w http.ResponseWriter, r *http.Request, other string) {
			fmt.Fprint(w, `{"data":[]}`)
		}, "no pagination"},
		{"per_page neither string nor number", func(w http.ResponseWriter, r *http.Request, other string) {
			fmt.Fprint(w, page(`null`, false, `true`))
		}, "per_page"},
		{"data not a list", func(w http.ResponseWriter, r *http.Request, other string) {
			fmt.Fprint(w, `{"data":{"id":"A1"},"meta":{"pagination":{"next":null,"more":false}}}`)
		}, "not JSON"},
		{"422", func(w http.ResponseWriter, r *http.Request, other string) {
			w.WriteHeader(http.StatusUnprocessableEntity)
			fmt.Fprint(w, `{"error":"validation_error","errors":{"updated_after":["The value Forename1 is wrong"],"per_page":["bad"]}}`)
		}, "fields: per_page, updated_after"},
		{"500", func(w http.ResponseWriter, r *http.Request, other string) {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `{"error":"Forename1"}`)
		}, "status 500"},
		{"Retry-After too long", func(w http.ResponseWriter, r *http.Request, other string) {
			w.Header().Set("Retry-After", "86400")
			w.WriteHeader(http.StatusTooManyRequests)
		}, "wait 24h0m0s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, otherHits := twoServers(t, tc.serve)
			b, err := c.Fetch(context.Background(), schoolID, time.Time{})
			if err == nil || b != nil {
				t.Fatalf("got %v, %v; want an error and no batch", b, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "Forename1") || strings.Contains(err.Error(), token) {
				t.Errorf("error %q shows a value from the body or the token", err)
			}
			if *otherHits != 0 {
				t.Errorf("the other server had %d requests", *otherHits)
			}
		})
	}
}

func TestFetchSameHostRedirectFollowed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fake.SetSchool(schoolID, []*mis.Pupil{pupil(1)}, nil)
	fake := e.fake.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !r.URL.Query().Has("moved") {
			http.Redirect(w, r, r.URL.Path+"?moved=1", http.StatusMovedPermanently)
			return
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c := &wonde.Client{BaseURL: srv.URL + "/v1.0/", Token: token}
	if err := c.Check(context.Background(), schoolID); err != nil {
		t.Fatal(err)
	}
	if got := e.fake.Requests(); got != 1 {
		t.Errorf("the fake had %d requests, want 1 after the redirect", got)
	}
}
