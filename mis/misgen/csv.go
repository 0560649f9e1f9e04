package misgen

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/mis"
)

// pupilHeaders are the pupil columns WriteCSV writes, named as SIMS
// reports name them.
var pupilHeaders = []string{
	"Admission Number", "UPN", "Legal Surname", "Legal Forename", "Middle Names", "Preferred Surname",
	"Preferred Forename", "Date of Birth", "Gender", "Year Group", "Reg Group", "Admission Date",
	"SEN Status", "FSM", "Pupil Premium Indicator", "Looked After", "EAL",
}

// contactHeaders follow "Contact N " for each contact.
var contactHeaders = []string{
	"ID", "Title", "Forename", "Surname", "Relationship", "Parental Responsibility", "Priority",
	"Mobile", "Email", "Address",
}

// WriteCSV writes b's pupils as a SIMS-style pupils export, with CRLF line
// endings and dates as dd/mm/yyyy as Excel saves them. It writes Contact 1
// and Contact 2 columns, and more if a pupil has more contacts. A flag
// missing from a pupil is written blank (which reads back as "no"), and
// leaving dates are not written: every pupil is on roll.
func WriteCSV(w io.Writer, b *mis.Batch) error {
	slots := 2
	for _, p := range b.Pupils {
		slots = max(slots, len(p.Contacts))
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	header := append([]string{}, pupilHeaders...)
	for n := 1; n <= slots; n++ {
		for _, h := range contactHeaders {
			header = append(header, fmt.Sprintf("Contact %d %s", n, h))
		}
	}
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("write pupils csv: %w", err)
	}
	row := make([]string, 0, len(header))
	for _, p := range b.Pupils {
		row = append(row[:0], p.MISID, p.UPN, p.LegalSurname, p.LegalForename, p.MiddleNames,
			p.PreferredSurname, p.PreferredForename, date(p.DateOfBirth), gender(p.Sex),
			vigil.YearGroupTitle(p.YearGroup), p.RegGroup, date(p.AdmissionDate), sen(p),
			flag(p, vigil.FlagFSM), flag(p, vigil.FlagPupilPremium), flag(p, vigil.FlagLAC), flag(p, vigil.FlagEAL))
		for n := range slots {
			if n >= len(p.Contacts) {
				row = append(row, make([]string, len(contactHeaders))...)
				continue
			}
			c := p.Contacts[n]
			pri := ""
			if c.Priority > 0 {
				pri = strconv.Itoa(c.Priority)
			}
			row = append(row, c.MISID, c.Title, c.Forename, c.Surname, c.Relationship,
				yesNo(c.ParentalResponsibility), pri, c.Phone, c.Email, c.Address)
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write pupils csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write pupils csv: %w", err)
	}
	return nil
}

// WriteStaffCSV writes b's staff as a staff export.
func WriteStaffCSV(w io.Writer, b *mis.Batch) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	cw.Write([]string{"Employee ID", "Staff Code", "Title", "Forename", "Surname", "Work Email", "Job Title", "Teaching", "Current"})
	for _, s := range b.Staff {
		current := s.Current
		cw.Write([]string{s.MISID, s.StaffCode, s.Title, s.Forename, s.Surname, s.Email, s.JobTitle,
			yesNo(s.Teaching), yesNo(&current)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write staff csv: %w", err)
	}
	return nil
}

func date(d vigil.Date) string { return d.Format("02/01/2006") }

func gender(s string) string {
	switch s {
	case "F":
		return "Female"
	case "M":
		return "Male"
	case "X":
		return "Other"
	}
	return ""
}

func sen(p *mis.Pupil) string {
	switch {
	case p.Flags[vigil.FlagEHCP]:
		return "E"
	case p.Flags[vigil.FlagSENSupport]:
		return "K"
	}
	return "N"
}

func flag(p *mis.Pupil, f vigil.Flag) string {
	on, ok := p.Flags[f]
	if !ok {
		return ""
	}
	return yesNo(&on)
}

func yesNo(b *bool) string {
	switch {
	case b == nil:
		return ""
	case *b:
		return "Yes"
	}
	return "No"
}
