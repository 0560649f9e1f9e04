package wonde_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/mis"
)

// BenchmarkFetch50000 reads a large secondary trust's worth of pupils, each
// with two contacts and flags, from the fake. Besides pupils/s it reports
// x-raw: the time per fetch over the time to download the same pages
// without reading them, measured in the same run, so the figure says what
// decoding and mapping cost whatever the machine.
func BenchmarkFetch50000(b *testing.B) {
	const n = 50000
	e := newEnv(b)
	yes, no := true, false
	pupils := make([]*mis.Pupil, n)
	for i := range pupils {
		p := pupil(i + 1)
		p.PreferredForename = fmt.Sprintf("Pref%d", i)
		p.AdmissionDate = vigil.NewDate(2020, 9, 1+i%5)
		p.SetKnown(mis.FieldAdmission)
		p.Flags = map[vigil.Flag]bool{vigil.FlagFSM: i%4 == 0, vigil.FlagPupilPremium: i%3 == 0, vigil.FlagEAL: i%5 == 0,
			vigil.FlagSENSupport: i%7 == 0, vigil.FlagEHCP: false}
		p.Contacts = []mis.Contact{
			{MISID: fmt.Sprintf("C%dA", i), Title: "Mrs", Forename: "Parent", Surname: p.LegalSurname, Relationship: "Mother",
				ParentalResponsibility: &yes, Priority: 1, Phone: "07700 900123", Email: fmt.Sprintf("parent%d@example.org", i)},
			{MISID: fmt.Sprintf("C%dB", i), Forename: "Carer", Surname: p.LegalSurname, Relationship: "Grandparent",
				ParentalResponsibility: &no, Priority: 2, Phone: "01632 960001"},
		}
		pupils[i] = p
	}
	staff := make([]*mis.Staff, 400)
	for i := range staff {
		staff[i] = staffMember(i+1, fmt.Sprintf("staff%d@school.example", i))
	}
	e.fake.SetSchool(schoolID, pupils, staff)
	ctx := context.Background()

	rawPages(b, e) // fills the fake's rendering cache
	start := time.Now()
	rawPages(b, e)
	raw := time.Since(start)

	runs := 0
	b.ResetTimer()
	for b.Loop() {
		batch, err := e.client.Fetch(ctx, schoolID, time.Time{})
		if err != nil {
			b.Fatal(err)
		}
		if len(batch.Pupils) != n || len(batch.Staff) != len(staff) {
			b.Fatalf("got %d pupils and %d staff", len(batch.Pupils), len(batch.Staff))
		}
		runs++
	}
	per := b.Elapsed() / time.Duration(runs)
	b.ReportMetric(float64(n)/per.Seconds(), "pupils/s")
	b.ReportMetric(per.Seconds()/raw.Seconds(), "x-raw")
}

// rawPages downloads every page a full fetch reads and throws it away.
func rawPages(b *testing.B, e *env) {
	b.Helper()
	for _, l := range []struct {
		path, include string
		records       int
	}{
		{"students", "education_details,extended_details,contacts.contact_details,groups,year", 50000},
		{"employees", "employment_details,contact_details", 400},
	} {
		for page := 1; (page-1)*200 < max(l.records, 1); page++ {
			q := url.Values{"include": {l.include}, "per_page": {"200"}, "page": {fmt.Sprint(page)}}
			req, _ := http.NewRequest(http.MethodGet, e.client.BaseURL+"schools/"+schoolID+"/"+l.path+"?"+q.Encode(), nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := e.client.HTTP.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("page %d of %s: status %d", page, l.path, resp.StatusCode)
			}
		}
	}
}
