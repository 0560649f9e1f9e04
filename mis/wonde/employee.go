package wonde

import (
	"encoding/json"
	"fmt"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/mis"
)

// employeeIncludes are the includes an employee is fetched with.
const employeeIncludes = "employment_details,contact_details"

// employee is a Wonde employee with the includes Vigil asks for.
type employee struct {
	ID                text                         `json:"id"`
	MISID             text                         `json:"mis_id"`
	StaffCode         text                         `json:"staff_code"`
	Title             text                         `json:"title"`
	Forename          text                         `json:"forename"`
	Surname           text                         `json:"surname"`
	JobTitle          text                         `json:"job_title"`
	EmploymentDetails *included[employmentDetails] `json:"employment_details"`
	ContactDetails    *included[contactDetails]    `json:"contact_details"`
}

type employmentDetails struct {
	Current       json.RawMessage `json:"current"`
	TeachingStaff json.RawMessage `json:"teaching_staff"`
	JobTitle      text            `json:"job_title"`
	StaffCode     text            `json:"staff_code"`
}

// employees maps one page of employee records. An employee without a
// usable work email cannot be matched to a Vigil account, so is skipped
// and counted rather than refused; a record with a problem is left out and
// its problems collected.
func (r *reader) employees(records []json.RawMessage, page int) []*mis.Staff {
	out := make([]*mis.Staff, 0, len(records))
	for i, raw := range records {
		var e employee
		if err := json.Unmarshal(raw, &e); err != nil {
			r.problems.Add(badRecordRef("employee", raw, page, i), jsonField(err), "The record is not in the shape Wonde documents.")
			continue
		}
		if !validID(e.ID.S) {
			r.problems.Add(fmt.Sprintf("employees page %d, record %d", page, i+1), "id",
				"The record has no usable Wonde id.")
			continue
		}
		if s := r.employee(&e); s != nil {
			out = append(out, s)
		}
	}
	return out
}

func (r *reader) employee(e *employee) *mis.Staff {
	ref := "Wonde employee " + e.ID.S
	s := &mis.Staff{
		Ref: ref, SourceID: e.ID.S, MISID: e.MISID.S, StaffCode: e.StaffCode.S,
		Title: e.Title.S, Forename: e.Forename.S, Surname: e.Surname.S, JobTitle: e.JobTitle.S,
		Current: true, // listed by Wonde; employment_details says otherwise when shared
	}
	if cd := e.ContactDetails; cd != nil && cd.Data != nil {
		// The work email is the sign-in match; a home address never is.
		s.Email = vigil.NormalizeEmail(pickString(cd.Data.Emails, "work", "email", "primary"))
	}
	if s.Email == "" || vigil.ValidateEmail(s.Email) != "" {
		r.noEmail++
		return nil
	}
	if ed := e.EmploymentDetails; ed != nil && ed.Data != nil {
		if v, known := r.boolean(ed.Data.Current, "employment_details.current"); known {
			s.Current = v
		}
		if v, known := r.boolean(ed.Data.TeachingStaff, "employment_details.teaching_staff"); known {
			s.Teaching = &v
		}
		if s.JobTitle == "" {
			s.JobTitle = ed.Data.JobTitle.S
		}
		if s.StaffCode == "" {
			s.StaffCode = ed.Data.StaffCode.S
		}
	}

	before := len(r.problems)
	if s.Surname == "" {
		r.problems.Add(ref, "surname", "This is required.")
	}
	if s.Forename == "" {
		r.problems.Add(ref, "forename", "This is required.")
	}
	r.checkText(ref, "forename", s.Forename, 100)
	r.checkText(ref, "surname", s.Surname, 100)
	r.checkText(ref, "title", s.Title, 40)
	r.checkText(ref, "mis_id", s.MISID, 64)
	r.checkText(ref, "staff_code", s.StaffCode, 40)
	r.checkText(ref, "job_title", s.JobTitle, 200)
	if len(r.problems) > before {
		return nil
	}
	return s
}
