package demo

import (
	"context"
	"fmt"
	"strings"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/mis"
)

// misOnlyStaff are staff the demo MIS lists who have no Vigil account yet,
// so Settings → Staff in the MIS has someone to invite. Invented people.
var misOnlyStaff = []struct{ forename, surname, job string }{
	{"Aled", "Pritchard", "Teaching assistant"},
	{"Bronwen", "Caddick", "Midday supervisor"},
	{"Hamza", "Siddiqui", "Class teacher"},
	{"Lucy", "Marchbank", "Office manager"},
	{"Ruth", "Adeyemi", "Teaching assistant"},
}

// SeedMISStaff brings the demo school's staff list in as a staff CSV would:
// every demo account as current staff, and a few the MIS lists who have no
// account. It goes through the import, so the school's sync history shows
// the run; run again, it changes nothing.
func SeedMISStaff(ctx context.Context, a *app.App, res *Result) (*app.ImportResult, error) {
	b := &mis.Batch{Source: mis.SourceCSV, StaffComplete: true}
	row := 1
	add := func(forename, surname, email, job string) {
		row++
		b.Staff = append(b.Staff, &mis.Staff{Ref: fmt.Sprintf("row %d", row), MISID: fmt.Sprintf("EMP%04d", row), Forename: forename,
			Surname: surname, Email: email, JobTitle: job, Current: true})
	}
	for _, s := range res.Staff {
		first, last, _ := strings.Cut(s.Name, " ")
		add(first, last, s.Email, s.Role.Title())
	}
	for _, s := range misOnlyStaff {
		add(s.forename, s.surname, strings.ToLower(s.forename+"."+s.surname)+"@"+EmailDomain, s.job)
	}
	r, err := a.ImportBatch(vigil.SystemContext(ctx, res.School.ID), b, app.ImportOptions{})
	if err != nil {
		return nil, fmt.Errorf("demo: MIS staff: %w", err)
	}
	return r, nil
}
