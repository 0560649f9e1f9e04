package wonde

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

var (
	errNotJSON   = errors.New("Wonde's answer is not JSON in the documented shape")
	errOffHost   = errors.New("Wonde pointed to another host; Vigil only follows links to the Wonde API it was given")
	errNoNext    = errors.New("Wonde said there are more pages but gave no link to the next one")
	errPageLoop  = errors.New("Wonde's pagination goes round in a loop")
	errTooMany   = fmt.Errorf("Wonde's pagination went past %d pages", maxPages)
	errTooLarge  = fmt.Errorf("a page from Wonde is larger than %d MB", maxPageBytes>>20)
	errRedirects = errors.New("Wonde redirected too many times")
)

// list reads every page of a list from first (with query q), handing each
// page's records to fn. It follows meta.pagination.next as given until it
// is null and more is false, and only to BaseURL's scheme and host.
func (c *Client) list(ctx context.Context, first *url.URL, q url.Values, kind string, fn func(records []json.RawMessage, page int)) error {
	u := *first
	u.RawQuery = q.Encode()
	hc := c.httpClient(first)
	next, seen, n := u.String(), map[string]bool{}, 0
	for page := 1; ; page++ {
		if page > maxPages {
			return errTooMany
		}
		if seen[next] {
			return errPageLoop
		}
		seen[next] = true
		body, err := c.get(ctx, hc, next)
		if err != nil {
			return fmt.Errorf("page %d: %w", page, err)
		}
		records, link, err := readPage(body)
		if err != nil {
			return fmt.Errorf("page %d: %w", page, err)
		}
		fn(records, page)
		n += len(records)
		if c.Progress != nil {
			c.Progress(kind, n)
		}
		if link == "" {
			return nil
		}
		if next, err = c.follow(next, link); err != nil {
			return fmt.Errorf("page %d: %w", page, err)
		}
	}
}

// readPage decodes a list page into its records and the link to the next
// page, "" on the last.
func readPage(body []byte) (records []json.RawMessage, next string, err error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil || env.Data == nil {
		return nil, "", errNotJSON
	}
	records = env.Data
	if env.Meta == nil || env.Meta.Pagination == nil {
		// Without pagination Vigil cannot know it has read everything.
		return nil, "", fmt.Errorf("%w: no pagination", errNotJSON)
	}
	p := env.Meta.Pagination
	if s, ok := rawString(p.PerPage); !isNull(p.PerPage) && (!ok || s == "") {
		return nil, "", fmt.Errorf("%w: per_page is not a number", errNotJSON)
	}
	more, _, ok := parseBool(p.More)
	if !ok {
		return nil, "", fmt.Errorf("%w: more is not a boolean", errNotJSON)
	}
	if p.Next == nil || strings.TrimSpace(*p.Next) == "" {
		if more {
			return nil, "", errNoNext
		}
		return records, "", nil
	}
	return records, strings.TrimSpace(*p.Next), nil
}

// follow resolves a next link against the page it came from and checks it
// stays on BaseURL's scheme, host and path.
func (c *Client) follow(from, link string) (string, error) {
	base, err := c.base()
	if err != nil {
		return "", err
	}
	cur, err := url.Parse(from)
	if err != nil {
		return "", errOffHost
	}
	u, err := cur.Parse(link)
	if err != nil || !sameAPI(u, base) {
		return "", errOffHost
	}
	return u.String(), nil
}

// sameAPI reports whether u is on base's scheme and host, under its path,
// with no credentials of its own.
func sameAPI(u, base *url.URL) bool {
	return u.Scheme == base.Scheme && strings.EqualFold(u.Host, base.Host) && u.User == nil &&
		strings.HasPrefix(u.EscapedPath(), base.EscapedPath())
}

// httpClient returns a copy of the configured client that refuses a
// redirect off the API, so the token goes nowhere else.
func (c *Client) httpClient(api *url.URL) *http.Client {
	hc := &http.Client{Timeout: 60 * time.Second}
	if c.HTTP != nil {
		copied := *c.HTTP
		hc = &copied
	}
	base, err := c.base()
	if err != nil {
		base = api
	}
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !sameAPI(req.URL, base) {
			return errOffHost
		}
		if len(via) >= 5 {
			return errRedirects
		}
		return nil
	}
	return hc
}

// get fetches one URL, retrying on 429, 502, 503, 504 and failed
// connections up to MaxTries, waiting as Retry-After says or backing off
// with jitter.
func (c *Client) get(ctx context.Context, hc *http.Client, u string) ([]byte, error) {
	tries := c.MaxTries
	if tries <= 0 {
		tries = 6
	}
	sleep := c.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	for try := 1; ; try++ {
		body, err := c.once(ctx, hc, u)
		var again *retryable
		if !errors.As(err, &again) {
			return body, err
		}
		if try >= tries {
			return nil, fmt.Errorf("Wonde did not answer after %d tries; the last was %s", tries, again.reason)
		}
		wait := again.after
		if !again.told {
			wait = backoff(try)
		}
		if wait > maxRetryAfter {
			return nil, fmt.Errorf("Wonde asked Vigil to wait %s before trying again; the sync will run later", wait.Round(time.Minute))
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// retryable is a failure worth trying again after a wait.
type retryable struct {
	reason string
	after  time.Duration
	told   bool // after came from Retry-After
}

func (e *retryable) Error() string { return e.reason }

// once makes one request. Errors never carry the token or the body.
func (c *Client) once(ctx context.Context, hc *http.Client, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, errors.New("the request could not be made")
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, errOffHost) || errors.Is(err, errRedirects) {
			return nil, err
		}
		// url.Error repeats the URL; the cause alone says what failed.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, &retryable{reason: "a failed connection (" + err.Error() + ")"}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPageBytes+1))

	switch code := resp.StatusCode; code {
	case http.StatusOK:
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, &retryable{reason: "an answer cut short"}
		}
		if len(body) > maxPageBytes {
			return nil, errTooLarge
		}
		return body, nil
	case http.StatusUnauthorized:
		return nil, ErrUnauthorised
	case http.StatusForbidden, http.StatusNotFound:
		return nil, ErrNoAccess
	case http.StatusUnprocessableEntity:
		return nil, validationError(body)
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		after, told := retryAfter(resp.Header.Get("Retry-After"), time.Now())
		return nil, &retryable{reason: "status " + strconv.Itoa(code), after: after, told: told}
	default:
		return nil, fmt.Errorf("Wonde answered with status %d", code)
	}
}

// validationError reads a 422 body, naming the fields Wonde objected to
// but not what it said of them, which may quote the request.
func validationError(body []byte) error {
	var v map[string]json.RawMessage
	var keys []string
	if json.Unmarshal(body, &v) == nil {
		fields := v
		var inner map[string]json.RawMessage
		if json.Unmarshal(v["errors"], &inner) == nil && len(inner) > 0 {
			fields = inner
		}
		for k := range fields {
			switch k {
			case "error", "errors", "message", "status", "status_code", "code":
				continue
			}
			if safeKey(k) {
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	if len(keys) > 10 {
		keys = append(keys[:10], "…")
	}
	if len(keys) == 0 {
		return errors.New("Wonde refused the request as invalid")
	}
	return fmt.Errorf("Wonde refused the request as invalid (fields: %s)", strings.Join(keys, ", "))
}

// safeKey reports whether a validation key looks like a field name.
func safeKey(k string) bool {
	if k == "" || len(k) > 40 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// retryAfter reads a Retry-After header: whole seconds or an HTTP date.
// told is false when there is none or it cannot be read.
func retryAfter(h string, now time.Time) (d time.Duration, told bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(h, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		return time.Duration(min(n, int64(24*time.Hour/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// backoff returns the wait before try+1 with no Retry-After: doubling from
// one second up to a minute, with jitter so that many schools' syncs
// retrying together spread out. Never under a second.
func backoff(try int) time.Duration {
	d := time.Minute
	if try < 7 {
		d = min(time.Second<<(try-1), time.Minute)
	}
	return max(d/2+rand.N(d/2+1), time.Second)
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
