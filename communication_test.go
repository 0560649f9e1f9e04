package vigil_test

import (
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
)

func TestCommunicationValidate(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	good := func() *vigil.Communication {
		return &vigil.Communication{PupilID: vigil.PupilID(vigil.NewID()), With: vigil.CommWithParent, ContactID: vigil.ContactID(vigil.NewID()),
			WithName: "Sarah Smith", WithDetail: "Mother", Type: vigil.CommPhoneCall, OccurredAt: now.Add(-time.Hour),
			Staff: []vigil.PersonID{vigil.PersonID(vigil.NewID())}, Body: "Mum said the family is moving next month."}
	}
	if err := good().Validate(now); err != nil {
		t.Fatalf("a good communication: %v", err)
	}
	staff := vigil.PersonID(vigil.NewID())
	for name, tc := range map[string]struct {
		change func(c *vigil.Communication)
		field  string
	}{
		"no pupil":             {func(c *vigil.Communication) { c.PupilID = "" }, "pupil_id"},
		"bad concern":          {func(c *vigil.Communication) { c.ConcernID = "nope" }, "concern_id"},
		"nobody":               {func(c *vigil.Communication) { c.With = "" }, "with"},
		"with the neighbours":  {func(c *vigil.Communication) { c.With = "neighbours" }, "with"},
		"parent, no contact":   {func(c *vigil.Communication) { c.ContactID = "" }, "contact_id"},
		"agency with no name":  {func(c *vigil.Communication) { c.With, c.WithName = vigil.CommWithAgency, "  " }, "with_name"},
		"school with no name":  {func(c *vigil.Communication) { c.With, c.WithName = vigil.CommWithSchool, "" }, "with_name"},
		"agency name too long": {func(c *vigil.Communication) { c.With, c.WithName = vigil.CommWithAgency, strings.Repeat("a", 201) }, "with_name"},
		"control in detail":    {func(c *vigil.Communication) { c.With, c.WithName, c.WithDetail = vigil.CommWithAgency, "CSC", "a\x00b" }, "with_detail"},
		"no type":              {func(c *vigil.Communication) { c.Type = "" }, "type"},
		"carrier pigeon":       {func(c *vigil.Communication) { c.Type = "pigeon" }, "type"},
		"no time":              {func(c *vigil.Communication) { c.OccurredAt = time.Time{} }, "occurred_at"},
		"tomorrow":             {func(c *vigil.Communication) { c.OccurredAt = now.Add(24 * time.Hour) }, "occurred_at"},
		"last century":         {func(c *vigil.Communication) { c.OccurredAt = now.AddDate(-30, 0, 0) }, "occurred_at"},
		"bad staff id":         {func(c *vigil.Communication) { c.Staff = []vigil.PersonID{"x"} }, "staff"},
		"staff twice":          {func(c *vigil.Communication) { c.Staff = []vigil.PersonID{staff, staff} }, "staff"},
		"no body":              {func(c *vigil.Communication) { c.Body = " \n " }, "body"},
		"body too long":        {func(c *vigil.Communication) { c.Body = strings.Repeat("a", vigil.MaxBodyText+1) }, "body"},
		"agreed too long":      {func(c *vigil.Communication) { c.Agreed = strings.Repeat("a", vigil.MaxBodyText+1) }, "agreed"},
		"others too long":      {func(c *vigil.Communication) { c.Others = strings.Repeat("a", 1001) }, "others"},
	} {
		t.Run(name, func(t *testing.T) {
			c := good()
			tc.change(c)
			err := c.Validate(now)
			if vigil.ErrorCode(err) != vigil.EINVALID || vigil.ErrorFields(err)[tc.field] == "" {
				t.Fatalf("Validate = %v (fields %v), want a problem with %s", err, vigil.ErrorFields(err), tc.field)
			}
		})
	}
	// The pupil needs no name; line breaks are fine in the text.
	c := good()
	c.With, c.ContactID, c.WithName, c.WithDetail = vigil.CommWithPupil, "", "", ""
	c.Body, c.Agreed = "Line one.\nLine two.", "To meet again.\r\nNext week."
	if err := c.Validate(now); err != nil {
		t.Fatalf("with the pupil: %v", err)
	}
}

func TestCommunicationTitle(t *testing.T) {
	for _, tc := range []struct {
		c    vigil.Communication
		want string
	}{
		{vigil.Communication{With: vigil.CommWithParent, WithName: "Sarah Smith", WithDetail: "Mother", Type: vigil.CommPhoneCall}, "Phone call with Sarah Smith (mother)"},
		{vigil.Communication{With: vigil.CommWithPupil, PupilName: "Amara Okafor", Type: vigil.CommMeeting}, "Meeting with Amara Okafor (the pupil)"},
		{vigil.Communication{With: vigil.CommWithAgency, WithName: "Children's Social Care", Type: vigil.CommEmail}, "Email with Children's Social Care"},
		{vigil.Communication{With: vigil.CommWithSchool, WithName: "Elm Academy", Type: vigil.CommLetter}, "Letter to or from Elm Academy"},
		{vigil.Communication{With: vigil.CommWithParent, WithName: "Jo Bell", Type: vigil.CommHomeVisit}, "Home visit with Jo Bell"},
	} {
		if got := tc.c.Title(); got != tc.want {
			t.Errorf("Title = %q, want %q", got, tc.want)
		}
	}
}
