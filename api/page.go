package api

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strconv"
)

// List is the shape of every list the API returns: a page of items and the
// cursor for the next page, null on the last.
type List[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// Paging limits: a list gives DefaultLimit items unless ?limit= asks for
// between 1 and MaxLimit.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// pageRequest is where a page starts and how long it is.
type pageRequest struct {
	Offset int
	Limit  int
}

// cursor is what a cursor stands for. It travels as opaque base64url JSON,
// so what it holds can change (a keyset position, say) without changing the
// contract: clients pass next_cursor back unchanged.
type cursor struct {
	Offset int `json:"o"`
}

// readPage reads ?cursor= and ?limit=. A cursor the API did not make, or a
// limit that is not a whole number from 1 to MaxLimit, is a 400 naming the
// parameter.
func readPage(q url.Values) (pageRequest, error) {
	p := pageRequest{Limit: DefaultLimit}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			return p, badRequest("limit", "limit must be a whole number from 1 to "+strconv.Itoa(MaxLimit)+".")
		}
		p.Limit = n
	}
	if s := q.Get("cursor"); s != "" {
		c, ok := decodeCursor(s)
		if !ok {
			return p, badRequest("cursor", "cursor is not one this API gave; pass next_cursor back unchanged, or leave it out to start again.")
		}
		p.Offset = c.Offset
	}
	return p, nil
}

func decodeCursor(s string) (cursor, bool) {
	var c cursor
	if len(s) > 200 {
		return c, false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.Offset < 0 || c.Offset > 1_000_000_000 {
		return c, false
	}
	return c, true
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c) // a struct of ints always encodes
	return base64.RawURLEncoding.EncodeToString(b)
}

// next returns the cursor for the page after p, given that this page held
// got items of total, or nil when this page is the last.
func (p pageRequest) next(got, total int) *string {
	if got == 0 || p.Offset+got >= total {
		return nil
	}
	s := encodeCursor(cursor{Offset: p.Offset + got})
	return &s
}
