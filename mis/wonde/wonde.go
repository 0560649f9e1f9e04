// Package wonde reads a school's pupils, contacts and staff from the Wonde
// API (reference/mis.md §3) into a mis.Batch.
//
// Wonde passes on what each MIS holds, so the client is strict about the
// conversation (pagination, hosts, status codes) and lenient about values:
// a value it does not recognise leaves the field as Vigil has it and is
// noted in the batch's Ignored list, while a pupil without the names, date
// of birth or valid UPN that Vigil needs refuses the whole fetch. Errors
// and notes name Wonde ids and fields, never values, and never the token.
package wonde

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil/mis"
)

// DefaultBaseURL is the Wonde API for UK schools. Schools in other regions
// have their own domain (reference/mis.md §3).
const DefaultBaseURL = "https://api.wonde.com/v1.0/"

// ErrUnauthorised is returned, wrapped, when Wonde refuses the token (401).
// It stops every school using that token.
var ErrUnauthorised = errors.New("Wonde refused the token: it may have been revoked; ask the school to re-authorise Vigil and enter the new token")

// ErrNoAccess is returned, wrapped, when Wonde refuses this school (403 or
// 404): the school has not approved Vigil, or no longer does. Other
// schools on the same token are unaffected.
var ErrNoAccess = errors.New("Wonde says Vigil does not have access to this school: it may no longer be approved; ask the school to approve Vigil in Wonde again")

// Limits that keep a misbehaving server from running a sync forever.
const (
	maxPages      = 10000            // per list; 2 million records at 200 a page
	maxPageBytes  = 64 << 20         // one page of 200 students is well under 1 MB
	maxRetryAfter = 15 * time.Minute // longer than this, the sync gives up and runs later
	perPage       = "200"            // Wonde's maximum
)

// Client reads from the Wonde API. The zero value, with a Token, talks to
// DefaultBaseURL with real sleeps between retries.
type Client struct {
	// BaseURL is the API root, ending /v1.0/. Default DefaultBaseURL.
	BaseURL string
	// Token is the school's (or the app's) Wonde token. It is sent only
	// to BaseURL's host and never appears in an error.
	Token string
	// HTTP is the client used; default one with a 60-second timeout.
	HTTP *http.Client
	// Sleep waits between retries; default a timer that honours ctx.
	// Tests replace it to record the waits without waiting.
	Sleep func(ctx context.Context, d time.Duration) error
	// MaxTries is how often one request is tried on 429, 502-504 or a
	// failed connection; default 6.
	MaxTries int
	// Progress, if set, is called after each page with the kind of record
	// ("students", "employees", "deletions") and how many were read so far.
	Progress func(kind string, n int)
}

// Fetch reads a school's students and employees. A zero updatedAfter reads
// everything and returns a complete batch; otherwise only records changed
// since then (a delta, not complete: nobody missing from it has left).
//
// It returns ErrUnauthorised or ErrNoAccess (wrapped) when Wonde refuses,
// a *mis.ProblemError when any record is unusable (and then no batch), and
// other errors when the conversation fails; a failed fetch never returns a
// partial batch.
func (c *Client) Fetch(ctx context.Context, schoolID string, updatedAfter time.Time) (*mis.Batch, error) {
	school, err := c.schoolURL(schoolID)
	if err != nil {
		return nil, err
	}
	full := updatedAfter.IsZero()
	q := url.Values{"per_page": {perPage}}
	if !full {
		q.Set("updated_after", updatedAfter.UTC().Format(time.DateTime))
	}

	r := newReader()
	b := &mis.Batch{Source: mis.SourceWonde, Complete: full, StaffComplete: full}
	pupilAt := map[string]int{}
	q.Set("include", studentIncludes)
	err = c.list(ctx, school.JoinPath("students"), q, "students", func(records []json.RawMessage, page int) {
		for _, p := range r.students(records, page) {
			// A record can show up twice when the roll changes between
			// pages; the later copy is the newer.
			if i, dup := pupilAt[p.SourceID]; dup {
				b.Pupils[i] = p
				continue
			}
			pupilAt[p.SourceID] = len(b.Pupils)
			b.Pupils = append(b.Pupils, p)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("wonde: read students of school %s: %w", schoolID, err)
	}

	staffAt := map[string]int{}
	q.Set("include", employeeIncludes)
	err = c.list(ctx, school.JoinPath("employees"), q, "employees", func(records []json.RawMessage, page int) {
		for _, s := range r.employees(records, page) {
			if i, dup := staffAt[s.SourceID]; dup {
				b.Staff[i] = s
				continue
			}
			staffAt[s.SourceID] = len(b.Staff)
			b.Staff = append(b.Staff, s)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("wonde: read employees of school %s: %w", schoolID, err)
	}

	if err := r.problems.Err(); err != nil {
		return nil, err
	}
	b.Ignored = r.ignored()
	return b, nil
}

// Deletions returns the Wonde ids of students deleted at source since
// updatedAfter (all that Wonde keeps, when zero). A deletion is a prompt
// for review, never a reason to remove a record (reference/mis.md §5).
func (c *Client) Deletions(ctx context.Context, schoolID string, updatedAfter time.Time) ([]string, error) {
	school, err := c.schoolURL(schoolID)
	if err != nil {
		return nil, err
	}
	q := url.Values{"per_page": {perPage}, "type": {"student"}}
	if !updatedAfter.IsZero() {
		q.Set("updated_after", updatedAfter.UTC().Format(time.DateTime))
	}
	var ids []string
	var bad error
	err = c.list(ctx, school.JoinPath("deletions"), q, "deletions", func(records []json.RawMessage, page int) {
		for i, raw := range records {
			var d struct {
				ID         text            `json:"id"`
				Type       text            `json:"type"`
				RestoredAt json.RawMessage `json:"restored_at"`
			}
			if err := json.Unmarshal(raw, &d); err != nil || !validID(d.ID.S) {
				bad = fmt.Errorf("deletions page %d, record %d is not in the shape Wonde documents", page, i+1)
				continue
			}
			if (d.Type.S == "" || strings.EqualFold(d.Type.S, "student")) && isNull(d.RestoredAt) {
				ids = append(ids, d.ID.S)
			}
		}
	})
	if err == nil {
		err = bad
	}
	if err != nil {
		return nil, fmt.Errorf("wonde: read deletions of school %s: %w", schoolID, err)
	}
	return ids, nil
}

// Check asks Wonde for the school itself, to test the token and the
// school's approval from a settings page. It returns nil, ErrUnauthorised,
// ErrNoAccess (both wrapped) or another error.
func (c *Client) Check(ctx context.Context, schoolID string) error {
	school, err := c.schoolURL(schoolID)
	if err != nil {
		return err
	}
	body, err := c.get(ctx, c.httpClient(school), school.String())
	if err != nil {
		return fmt.Errorf("wonde: check school %s: %w", schoolID, err)
	}
	var one struct {
		Data *struct {
			ID text `json:"id"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &one) != nil || one.Data == nil {
		return fmt.Errorf("wonde: check school %s: %w", schoolID, errNotJSON)
	}
	return nil
}

// schoolURL checks the school id and returns BaseURL/schools/{id}.
func (c *Client) schoolURL(schoolID string) (*url.URL, error) {
	if !validSchoolID(schoolID) {
		return nil, fmt.Errorf("wonde: %w", errSchoolID)
	}
	base, err := c.base()
	if err != nil {
		return nil, err
	}
	return base.JoinPath("schools", url.PathEscape(schoolID)), nil
}

// base returns BaseURL, parsed, ending in a slash.
func (c *Client) base() (*url.URL, error) {
	raw := c.BaseURL
	if raw == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" {
		return nil, errors.New("wonde: the Wonde base URL is not an http(s) URL")
	}
	if u.Path == "" || u.Path[len(u.Path)-1] != '/' {
		u.Path += "/"
	}
	return u, nil
}

var errSchoolID = errors.New("a Wonde school id is a capital letter and digits, such as A1930499544")

// validSchoolID reports whether id looks like a Wonde school id: one
// capital letter and digits. Anything else is refused before a request,
// so an id can never change the path it is put in.
func validSchoolID(id string) bool {
	if len(id) < 2 || len(id) > 20 || id[0] < 'A' || id[0] > 'Z' {
		return false
	}
	for i := 1; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// validID reports whether a record's id is safe to use as a key and to
// show in a message: short, letters, digits, '-' and '_' only.
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
