package notify

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"
	"unicode"
	"unicode/utf8"

	vigil "github.com/vigil-safeguarding/vigil"
)

// The builders below are the only way Vigil makes an email. None takes
// record content: the one piece of free text is a school's name, which is
// not sensitive. A link may carry a one-time token and otherwise names
// records by ID only.

// Subjects of the emails, one line each.
const (
	SubjectReset           = "Reset your Vigil password"
	SubjectInvitation      = "You have been invited to Vigil"
	SubjectAttention       = "A concern needs your attention"
	SubjectPasswordChanged = "Your Vigil password was changed"
)

// ResetEmail is the email that lets a person choose a new password with the
// one-time token, valid for ttl. It links to baseURL/reset/token. It returns
// EINVALID naming to, base_url, token or expires.
func ResetEmail(to, baseURL, token string, ttl time.Duration) (Message, error) {
	p := vigil.Problems{}
	base := checkBaseURL(p, baseURL)
	checkTo(p, to)
	checkToken(p, token)
	checkTTL(p, ttl)
	if err := p.Err(); err != nil {
		return Message{}, err
	}
	return render("reset", to, emailData{
		Subject: SubjectReset,
		Link:    base + "/reset/" + token,
		Expiry:  formatTTL(ttl),
	})
}

// InvitationEmail invites a person to set up their account at schoolName
// with the one-time token, valid for ttl. It links to baseURL/invite/token.
// It returns EINVALID naming to, base_url, token, school_name or expires.
func InvitationEmail(to, baseURL, token, schoolName string, ttl time.Duration) (Message, error) {
	p := vigil.Problems{}
	base := checkBaseURL(p, baseURL)
	checkTo(p, to)
	checkToken(p, token)
	school := strings.TrimSpace(schoolName)
	if school == "" || utf8.RuneCountInString(school) > 200 || strings.ContainsFunc(school, unicode.IsControl) {
		p.Add("school_name", "Give the school's name on one line, up to 200 characters.")
	}
	checkTTL(p, ttl)
	if err := p.Err(); err != nil {
		return Message{}, err
	}
	return render("invite", to, emailData{
		Subject: SubjectInvitation,
		Link:    base + "/invite/" + token,
		Expiry:  formatTTL(ttl),
		School:  school,
	})
}

// attentionPath is a path of plain segments: no query, no "..", no
// percent-encoding, so nothing but IDs and fixed words fits in it.
var attentionPath = regexp.MustCompile(`^(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)+$`)

// AttentionEmail tells a person that something needs their attention and
// links to baseURL+path, e.g. path "/concerns/42". The path must name records
// by ID: it may hold only letters, digits, "/", "-", "_" and ".", so a query
// or a name cannot slip in. It returns EINVALID naming to, base_url or path.
func AttentionEmail(to, baseURL, path string) (Message, error) {
	p := vigil.Problems{}
	base := checkBaseURL(p, baseURL)
	checkTo(p, to)
	if !attentionPath.MatchString(path) {
		p.Add("path", `The link path must look like "/concerns/42", with no query.`)
	}
	if err := p.Err(); err != nil {
		return Message{}, err
	}
	return render("attention", to, emailData{Subject: SubjectAttention, Link: base + path})
}

// PasswordChangedEmail tells a person their password was changed, and to
// tell their administrator if they did not change it. It links to baseURL.
// It returns EINVALID naming to or base_url.
func PasswordChangedEmail(to, baseURL string) (Message, error) {
	p := vigil.Problems{}
	base := checkBaseURL(p, baseURL)
	checkTo(p, to)
	if err := p.Err(); err != nil {
		return Message{}, err
	}
	return render("password_changed", to, emailData{Subject: SubjectPasswordChanged, Link: base + "/"})
}

// checkBaseURL returns baseURL without a trailing slash when it is an
// absolute http or https URL with no user, query or fragment.
func checkBaseURL(p vigil.Problems, baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		p.Add("base_url", `Vigil's address must be a web address such as "https://vigil.school.example".`)
		return ""
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	u.ForceQuery = false
	return u.String()
}

func checkTo(p vigil.Problems, to string) {
	if _, err := mail.ParseAddress(to); err != nil {
		p.Add("to", "The email address is not valid.")
	}
}

// tokenPattern is what Vigil's tokens look like: base64url or hex, at least 16
// characters, so it needs no escaping in a path.
var tokenPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{16,256}$`)

func checkToken(p vigil.Problems, t string) {
	if !tokenPattern.MatchString(t) {
		p.Add("token", "The link token must be 16 to 256 letters, digits, '-' or '_'.")
	}
}

func checkTTL(p vigil.Problems, ttl time.Duration) {
	if ttl < time.Minute {
		p.Add("expires", "A link must work for at least a minute.")
	}
}

// formatTTL writes ttl in whole days, hours or minutes: "30 minutes",
// "1 hour", "7 days". Minutes are rounded up.
func formatTTL(ttl time.Duration) string {
	n, unit := int64(ttl/time.Minute), "minute"
	switch {
	case ttl%(24*time.Hour) == 0:
		n, unit = int64(ttl/(24*time.Hour)), "day"
	case ttl%time.Hour == 0:
		n, unit = int64(ttl/time.Hour), "hour"
	case ttl%time.Minute != 0:
		n++
	}
	if n != 1 {
		unit += "s"
	}
	return fmt.Sprintf("%d %s", n, unit)
}

// emailData is everything a template may show.
type emailData struct {
	Subject string
	Link    string
	Expiry  string // e.g. "30 minutes"
	School  string
}

//go:embed templates
var templateFS embed.FS

// emailNames lists the emails; each has name.txt and name.html.
var emailNames = []string{"reset", "invite", "attention", "password_changed"}

type emailTemplate struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// loadTemplates parses every email with its layout, once.
var loadTemplates = sync.OnceValues(func() (map[string]emailTemplate, error) {
	ts := map[string]emailTemplate{}
	for _, name := range emailNames {
		text, err := texttemplate.ParseFS(templateFS, "templates/layout.txt", "templates/"+name+".txt")
		if err != nil {
			return nil, fmt.Errorf("notify: parse %s.txt: %w", name, err)
		}
		html, err := htmltemplate.ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("notify: parse %s.html: %w", name, err)
		}
		ts[name] = emailTemplate{text: text.Option("missingkey=error"), html: html.Option("missingkey=error")}
	}
	return ts, nil
})

// render fills in the named email's plain-text and HTML parts.
func render(name, to string, data emailData) (Message, error) {
	ts, err := loadTemplates()
	if err != nil {
		return Message{}, err
	}
	t, ok := ts[name]
	if !ok {
		return Message{}, fmt.Errorf("notify: no email template %q", name)
	}
	var text, html bytes.Buffer
	if err := t.text.ExecuteTemplate(&text, "layout.txt", data); err != nil {
		return Message{}, fmt.Errorf("notify: render %s.txt: %w", name, err)
	}
	if err := t.html.ExecuteTemplate(&html, "layout.html", data); err != nil {
		return Message{}, fmt.Errorf("notify: render %s.html: %w", name, err)
	}
	return Message{To: to, Subject: data.Subject, Text: text.String(), HTML: html.String()}, nil
}
