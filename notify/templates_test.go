package notify_test

import (
	"strings"
	"testing"
	"time"

	vigil "github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/notify"
	"github.com/vigil-safeguarding/vigil/notify/smtptest"
)

// sensitive are words that must never reach an email: a pupil's name, the
// words of a concern, categories. None can be passed to a builder, but a test
// should show it rather than say it.
var sensitive = []string{
	"Jayden", "Okafor", "bruise", "neglect", "self-harm", "physical abuse",
	"sexual", "domestic", "year 9", "date of birth", "disclosed",
}

// email is one builder called with inputs that differ between a and b.
type email struct {
	name    string
	subject string
	build   func(in input) (notify.Message, error)
	link    func(in input) string
	phrases []string // fixed text that must appear in the plain text
}

type input struct {
	to, base, token, school, path string
	ttl                           time.Duration
}

var (
	inputA = input{"dsl@oak.example", "https://vigil.oak.example", "AAAAaaaa1111____", "Oak Primary", "/concerns/42", 30 * time.Minute}
	inputB = input{"head@elm.example", "http://localhost:8080/vigil/", "zzzz-ZZZZ-9999-xyz", "Elm Academy", "/pupils/7/chronology", 7 * 24 * time.Hour}
)

var emails = []email{
	{
		name:    "reset",
		subject: "Reset your Vigil password",
		build:   func(in input) (notify.Message, error) { return notify.ResetEmail(in.to, in.base, in.token, in.ttl) },
		link:    func(in input) string { return strings.TrimSuffix(in.base, "/") + "/reset/" + in.token },
		phrases: []string{"If you did not ask, ignore this email; your password has not changed."},
	},
	{
		name:    "invitation",
		subject: "You have been invited to Vigil",
		build: func(in input) (notify.Message, error) {
			return notify.InvitationEmail(in.to, in.base, in.token, in.school, in.ttl)
		},
		link: func(in input) string { return strings.TrimSuffix(in.base, "/") + "/invite/" + in.token },
	},
	{
		name:    "attention",
		subject: "A concern needs your attention",
		build:   func(in input) (notify.Message, error) { return notify.AttentionEmail(in.to, in.base, in.path) },
		link:    func(in input) string { return strings.TrimSuffix(in.base, "/") + in.path },
	},
	{
		name:    "password changed",
		subject: "Your Vigil password was changed",
		build:   func(in input) (notify.Message, error) { return notify.PasswordChangedEmail(in.to, in.base) },
		link:    func(in input) string { return strings.TrimSuffix(in.base, "/") + "/" },
		phrases: []string{"If this wasn't you, tell your school's Vigil administrator at once."},
	},
}

func TestEmails(t *testing.T) {
	t.Parallel()
	for _, e := range emails {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			var fixed [2]notify.Message // each with its inputs blanked out
			for i, in := range []input{inputA, inputB} {
				m, err := e.build(in)
				if err != nil {
					t.Fatalf("build: %v", err)
				}
				if m.To != in.to || m.Subject != e.subject {
					t.Errorf("to %q, subject %q", m.To, m.Subject)
				}
				link := e.link(in)
				if !strings.Contains(m.Text, link) || !strings.Contains(m.HTML, `href="`+link+`"`) {
					t.Errorf("link %s missing:\n%s\n%s", link, m.Text, m.HTML)
				}
				for _, p := range e.phrases {
					if !strings.Contains(m.Text, p) {
						t.Errorf("text lacks %q:\n%s", p, m.Text)
					}
				}
				for _, part := range []string{m.Subject, m.Text, m.HTML} {
					lower := strings.ToLower(part)
					for _, word := range sensitive {
						if strings.Contains(lower, word) {
							t.Errorf("email contains %q:\n%s", word, part)
						}
					}
					if strings.Contains(part, in.to) {
						t.Errorf("body repeats the recipient:\n%s", part)
					}
				}
				// Blank out what may vary; the rest must not depend on input.
				blank := strings.NewReplacer(link, "LINK", in.school, "SCHOOL",
					map[time.Duration]string{30 * time.Minute: "30 minutes", 7 * 24 * time.Hour: "7 days"}[in.ttl], "EXPIRY")
				fixed[i] = notify.Message{Subject: m.Subject, Text: blank.Replace(m.Text), HTML: blank.Replace(m.HTML)}
			}
			if fixed[0] != fixed[1] {
				t.Errorf("something besides the link, school and expiry reached the email:\n%q\n%q", fixed[0], fixed[1])
			}
		})
	}
}

// TestAttentionEmail checks the whole plain text: the fixed words and the
// link, and nothing else.
func TestAttentionEmail(t *testing.T) {
	t.Parallel()
	m, err := notify.AttentionEmail("dsl@oak.example", "https://vigil.oak.example/", "/concerns/42")
	if err != nil {
		t.Fatal(err)
	}
	want := "Something in Vigil needs your attention. Sign in to see it:\n\n" +
		"https://vigil.oak.example/concerns/42\n" +
		"--\nVigil never puts the details of a record in an email.\n"
	if m.Text != want {
		t.Errorf("text:\n%q\nwant\n%q", m.Text, want)
	}
	if m.Subject != "A concern needs your attention" {
		t.Errorf("subject %q", m.Subject)
	}
}

func TestResetEmailExpiry(t *testing.T) {
	t.Parallel()
	for ttl, want := range map[time.Duration]string{
		30 * time.Minute:                "This link works once, for 30 minutes.",
		time.Minute:                     "This link works once, for 1 minute.",
		61 * time.Second:                "This link works once, for 2 minutes.",
		time.Hour:                       "This link works once, for 1 hour.",
		90 * time.Minute:                "This link works once, for 90 minutes.",
		2 * time.Hour:                   "This link works once, for 2 hours.",
		24 * time.Hour:                  "This link works once, for 1 day.",
		7 * 24 * time.Hour:              "This link works once, for 7 days.",
		7*24*time.Hour + time.Hour:      "This link works once, for 169 hours.",
		7*24*time.Hour + 30*time.Second: "This link works once, for 10081 minutes.",
	} {
		m, err := notify.ResetEmail("a@b.example", "https://v.example", "0123456789abcdef", ttl)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, strings.TrimSuffix(want, ".")) {
			t.Errorf("%v: want %q in\n%s", ttl, want, m.Text)
		}
	}
}

func TestInvitationEscapesSchoolName(t *testing.T) {
	t.Parallel()
	m, err := notify.InvitationEmail("new@oak.example", "https://vigil.oak.example", "0123456789abcdef", `<b>Oak & Elm</b>`, 7*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.HTML, "&lt;b&gt;Oak &amp; Elm&lt;/b&gt;") || strings.Contains(m.HTML, "<b>") {
		t.Errorf("school name not escaped in HTML:\n%s", m.HTML)
	}
	if !strings.Contains(m.Text, "You have been invited to use Vigil at <b>Oak & Elm</b>.") {
		t.Errorf("plain text should show the name as typed:\n%s", m.Text)
	}
}

func TestEmailsRefuseBadInput(t *testing.T) {
	t.Parallel()
	const to, base, tok, school, ttl = "dsl@oak.example", "https://vigil.oak.example", "0123456789abcdef", "Oak", 30 * time.Minute
	for _, tc := range []struct {
		name  string
		build func() (notify.Message, error)
		field string
	}{
		{"empty base", func() (notify.Message, error) { return notify.ResetEmail(to, "", tok, ttl) }, "base_url"},
		{"relative base", func() (notify.Message, error) { return notify.ResetEmail(to, "vigil.oak.example", tok, ttl) }, "base_url"},
		{"scheme-relative base", func() (notify.Message, error) { return notify.ResetEmail(to, "//vigil.oak.example", tok, ttl) }, "base_url"},
		{"javascript base", func() (notify.Message, error) { return notify.ResetEmail(to, "javascript:alert(1)", tok, ttl) }, "base_url"},
		{"ftp base", func() (notify.Message, error) { return notify.PasswordChangedEmail(to, "ftp://vigil.oak.example") }, "base_url"},
		{"base with user", func() (notify.Message, error) {
			return notify.AttentionEmail(to, "https://u:p@vigil.oak.example", "/concerns/1")
		}, "base_url"},
		{"base with query", func() (notify.Message, error) {
			return notify.AttentionEmail(to, "https://vigil.oak.example/?pupil=Jayden", "/concerns/1")
		}, "base_url"},
		{"bad recipient", func() (notify.Message, error) { return notify.ResetEmail("dsl", base, tok, ttl) }, "to"},
		{"short token", func() (notify.Message, error) { return notify.ResetEmail(to, base, "abc", ttl) }, "token"},
		{"token with slash", func() (notify.Message, error) { return notify.ResetEmail(to, base, "0123456789/abcdef", ttl) }, "token"},
		{"token with query", func() (notify.Message, error) {
			return notify.InvitationEmail(to, base, "0123456789abcdef?x=1", school, ttl)
		}, "token"},
		{"no expiry", func() (notify.Message, error) { return notify.ResetEmail(to, base, tok, 0) }, "expires"},
		{"expiry under a minute", func() (notify.Message, error) { return notify.ResetEmail(to, base, tok, 30*time.Second) }, "expires"},
		{"no school", func() (notify.Message, error) { return notify.InvitationEmail(to, base, tok, "  ", ttl) }, "school_name"},
		{"school on two lines", func() (notify.Message, error) {
			return notify.InvitationEmail(to, base, tok, "Oak\nBcc: x@evil.example", ttl)
		}, "school_name"},
		{"empty path", func() (notify.Message, error) { return notify.AttentionEmail(to, base, "") }, "path"},
		{"relative path", func() (notify.Message, error) { return notify.AttentionEmail(to, base, "concerns/1") }, "path"},
		{"path to another host", func() (notify.Message, error) { return notify.AttentionEmail(to, base, "//evil.example/x") }, "path"},
		{"absolute URL as path", func() (notify.Message, error) { return notify.AttentionEmail(to, base, "https://evil.example/") }, "path"},
		{"path with query", func() (notify.Message, error) { return notify.AttentionEmail(to, base, "/search?q=Jayden+Okafor") }, "path"},
		{"path with fragment", func() (notify.Message, error) { return notify.AttentionEmail(to, base, "/concerns/1#neglect") }, "path"},
		{"path with dot-dot", func() (notify.Message, error) { return notify.AttentionEmail(to, base, "/concerns/../admin") }, "path"},
		{"path with escapes", func() (notify.Message, error) { return notify.AttentionEmail(to, base, "/pupils/Jayden%20Okafor") }, "path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := tc.build()
			if vigil.ErrorCode(err) != vigil.EINVALID || vigil.ErrorFields(err)[tc.field] == "" {
				t.Fatalf("err = %v, want EINVALID on %s", err, tc.field)
			}
			if m != (notify.Message{}) {
				t.Errorf("got a message with the error: %+v", m)
			}
			if strings.Contains(err.Error(), "Jayden") {
				t.Errorf("error repeats the input: %v", err)
			}
		})
	}
}

// TestEmailsSurviveSMTP sends each email through a real SMTP server and
// checks both parts arrive as built.
func TestEmailsSurviveSMTP(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.WithSTARTTLS())
	mailer := newMailer(t, srv.Config())
	var sent []notify.Message
	for _, e := range emails {
		m, err := e.build(inputA)
		if err != nil {
			t.Fatal(err)
		}
		if err := mailer.Send(t.Context(), m); err != nil {
			t.Fatalf("%s: %v", e.name, err)
		}
		sent = append(sent, m)
	}
	got := srv.WaitFor(t, len(sent), 10*time.Second)
	for i, r := range got {
		if r.Subject != sent[i].Subject || r.Text != sent[i].Text || r.HTML != sent[i].HTML {
			t.Errorf("%s changed in transit:\n%+v\nwant\n%+v", emails[i].name, r, sent[i])
		}
	}
}

func TestEmailsBaseURLWithPath(t *testing.T) {
	t.Parallel()
	m, err := notify.ResetEmail("a@b.example", "https://school.example/vigil/", "0123456789abcdef", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Text, "https://school.example/vigil/reset/0123456789abcdef\n") {
		t.Errorf("link:\n%s", m.Text)
	}
}
