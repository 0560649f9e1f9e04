package wonde_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/mis"
	"github.com/vigil-safeguarding/vigil/mis/wonde"
)

// fixtureServer serves the hand-written responses in testdata, written from
// the documented shapes rather than from our fake, so the client is not
// only tested against itself.
func fixtureServer(t *testing.T) (*wonde.Client, *[]string) {
	t.Helper()
	var served []string
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		file := ""
		switch r.URL.Path {
		case "/v1.0/schools/" + schoolID:
			file = "school.json"
		case "/v1.0/schools/" + schoolID + "/students":
			file = "students_page1.json"
			if r.URL.Query().Get("page") == "2" {
				file = "students_page2.json"
			}
		case "/v1.0/schools/" + schoolID + "/employees":
			file = "employees.json"
		default:
			w.WriteHeader(http.StatusNotFound)
			return
		}
		served = append(served, file)
		b, err := os.ReadFile("testdata/" + file)
		if err != nil {
			t.Error(err)
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(strings.ReplaceAll(string(b), "{{base}}", srv.URL)))
	}))
	t.Cleanup(srv.Close)
	return &wonde.Client{BaseURL: srv.URL + "/v1.0/", Token: token, HTTP: srv.Client()}, &served
}

func TestFetchFixtures(t *testing.T) {
	t.Parallel()
	c, served := fixtureServer(t)
	b, err := c.Fetch(context.Background(), schoolID, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"students_page1.json", "students_page2.json", "employees.json"}; !slices.Equal(*served, want) {
		t.Errorf("served %v, want %v", *served, want)
	}
	yes, no := true, false
	known := func(p *mis.Pupil, fs ...string) *mis.Pupil {
		for _, f := range fs {
			p.SetKnown(f)
		}
		return p
	}
	want := []*mis.Pupil{
		known(&mis.Pupil{
			Ref: "Wonde student A1329183376", SourceID: "A1329183376", MISID: "1042", UPN: "D990214525001",
			LegalForename: "Alfred", LegalSurname: "Brookfield", PreferredForename: "Alfie", MiddleNames: "James",
			DateOfBirth: vigil.NewDate(2015, 3, 12), Sex: "M", YearGroup: "5", RegGroup: "5B",
			AdmissionDate: vigil.NewDate(2019, 9, 4),
			Flags: map[vigil.Flag]bool{
				vigil.FlagSENSupport: true, vigil.FlagEHCP: false, vigil.FlagFSM: true, vigil.FlagPupilPremium: true,
				vigil.FlagLAC: false, vigil.FlagPLAC: false, vigil.FlagEAL: false,
			},
			ContactsKnown: true,
			Contacts: []mis.Contact{
				{MISID: "A2000000001", Title: "Mrs", Forename: "Jo", Surname: "Brookfield", Relationship: "Mother",
					ParentalResponsibility: &yes, Priority: 1, Phone: "07700 900123", Email: "jo.brookfield@example.org"},
				{MISID: "A2000000002", Title: "Mr", Forename: "Tom", Surname: "Brookfield", Relationship: "Father",
					ParentalResponsibility: &no, Priority: 2, Phone: "01632 960001", Email: "tom.b@example.org"},
			},
		}, mis.FieldUPN, mis.FieldPreferred, mis.FieldSex, mis.FieldYearGroup, mis.FieldRegGroup, mis.FieldAdmission),
		// Legal names out of scope (null), numeric mis_id, a date of birth
		// at 23:00 that must not move, Reception from year.data.code, no
		// registration group, no contacts, every flag null.
		known(&mis.Pupil{
			Ref: "Wonde student A1329183377", SourceID: "A1329183377", MISID: "1043",
			LegalForename: "Róisín", LegalSurname: "O'Neill", DateOfBirth: vigil.NewDate(2019, 7, 31), Sex: "F",
			YearGroup: "R", ContactsKnown: true,
		}, mis.FieldSex, mis.FieldYearGroup, mis.FieldRegGroup),
		known(&mis.Pupil{
			Ref: "Wonde student A1329183378", SourceID: "A1329183378", MISID: "1044",
			UPN: "L990214518007", FormerUPNs: []string{"T990214516011"},
			LegalForename: "Gwenllian", LegalSurname: "ap Dafydd", PreferredForename: "Gwen",
			DateOfBirth: vigil.NewDate(2021, 11, 2), Sex: "F", YearGroup: "N2", RegGroup: "Owls",
			AdmissionDate: vigil.NewDate(2024, 9, 2), LeavingDate: vigil.NewDate(2025, 12, 19),
			Flags: map[vigil.Flag]bool{
				vigil.FlagSENSupport: false, vigil.FlagEHCP: true, vigil.FlagFSM: false, vigil.FlagPupilPremium: false,
				vigil.FlagLAC: true, vigil.FlagPLAC: false, vigil.FlagEAL: true,
			},
			ContactsKnown: true,
			Contacts: []mis.Contact{
				{MISID: "A2000000009", Surname: "Riverside Children's Services", Relationship: "Social Worker", Phone: "01632 960999"},
			},
		}, mis.FieldUPN, mis.FieldPreferred, mis.FieldSex, mis.FieldYearGroup, mis.FieldRegGroup, mis.FieldAdmission, mis.FieldLeaving),
	}
	if len(b.Pupils) != len(want) {
		t.Fatalf("got %d pupils, want %d", len(b.Pupils), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(b.Pupils[i], want[i]) {
			t.Errorf("pupil %d:\n got %+v\nwant %+v", i, b.Pupils[i], want[i])
		}
	}
	wantStaff := []*mis.Staff{
		{Ref: "Wonde employee A5000000001", SourceID: "A5000000001", MISID: "3001", Title: "Ms", Forename: "Priya", Surname: "Shah",
			Email: "p.shah@riverside.example", JobTitle: "Designated Safeguarding Lead", StaffCode: "PSH", Teaching: &yes, Current: true},
		{Ref: "Wonde employee A5000000002", SourceID: "A5000000002", MISID: "3002", Title: "Mr", Forename: "Daniel", Surname: "Okafor",
			Email: "d.okafor@riverside.example", Teaching: &no, Current: false},
	}
	if !reflect.DeepEqual(b.Staff, wantStaff) {
		t.Errorf("staff:\n got %+v\nwant %+v", b.Staff, wantStaff)
	}
	if want := []string{"employees without a usable work email, skipped (1)"}; !slices.Equal(b.Ignored, want) {
		t.Errorf("ignored = %q, want %q", b.Ignored, want)
	}
	if err := c.Check(context.Background(), schoolID); err != nil {
		t.Errorf("Check: %v", err)
	}
}

func TestValidationFixture(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile("testdata/validation_422.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnprocessableEntity)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	c := &wonde.Client{BaseURL: srv.URL + "/v1.0/", Token: token}
	_, err = c.Fetch(context.Background(), schoolID, time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC))
	if err == nil || !strings.Contains(err.Error(), "(fields: per_page, updated_after)") {
		t.Errorf("err = %v, want the field names", err)
	}
	if err != nil && (strings.Contains(err.Error(), "2025-13-45") || strings.Contains(err.Error(), "greater")) {
		t.Errorf("err %q quotes the validation messages", err)
	}
	if errors.Is(err, wonde.ErrUnauthorised) || errors.Is(err, wonde.ErrNoAccess) {
		t.Error("a 422 reads as a refusal")
	}
}
