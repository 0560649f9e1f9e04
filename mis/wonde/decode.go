package wonde

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-safeguarding/vigil"
)

// This file reads Wonde's JSON. Wonde passes on what each MIS holds, so one
// field may arrive as a string, a number, a boolean, a code or null, and a
// property outside the school's approved scopes comes back null. Each
// flexible field is kept raw here and read once, by the helpers below, so
// the normalising lives in one place.

// envelope is a list response: {"data":[…],"meta":{"pagination":{…}}}.
type envelope struct {
	Data []json.RawMessage `json:"data"`
	Meta *struct {
		Pagination *pagination `json:"pagination"`
	} `json:"meta"`
}

// pagination is Wonde's meta.pagination. per_page is documented as a
// string ("50") but numbers are seen too; neither is used beyond checking
// it is one or the other.
type pagination struct {
	Next    *string         `json:"next"`
	More    json.RawMessage `json:"more"`
	PerPage json.RawMessage `json:"per_page"`
}

// included wraps an include: Wonde puts each in {"data": …}.
type included[T any] struct {
	Data *T `json:"data"`
}

// includedList wraps a list include: {"data": […]}.
type includedList[T any] struct {
	Data []T `json:"data"`
}

// text is a JSON string or number, trimmed. Null or absent leaves OK false:
// "not shared", which is not the same as an empty string.
type text struct {
	S  string
	OK bool
}

// UnmarshalJSON accepts a string, a number or null. Booleans, objects and
// arrays are refused, so a record of the wrong shape is reported rather
// than read as something it is not.
func (t *text) UnmarshalJSON(b []byte) error {
	*t = text{}
	switch {
	case string(b) == "null":
		return nil
	case len(b) > 0 && b[0] == '"':
		// Most values have no escapes: take them as they are, and leave
		// the rest (and any invalid UTF-8) to encoding/json.
		if len(b) >= 2 && b[len(b)-1] == '"' && bytes.IndexByte(b, '\\') < 0 && utf8.Valid(b) {
			*t = text{S: strings.TrimSpace(string(b[1 : len(b)-1])), OK: true}
			return nil
		}
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = text{S: strings.TrimSpace(s), OK: true}
		return nil
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9'):
		*t = text{S: string(b), OK: true}
		return nil
	}
	// A type error, so encoding/json adds the field's path for the report.
	return &json.UnmarshalTypeError{Value: "non-text value", Type: reflect.TypeFor[string]()}
}

// isNull reports whether a raw value is absent or null.
func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

// rawString returns a raw JSON string or number as trimmed text, and false
// for null, absent or any other kind of value.
func rawString(raw json.RawMessage) (string, bool) {
	var t text
	if isNull(raw) || t.UnmarshalJSON(bytes.TrimSpace(raw)) != nil {
		return "", false
	}
	return t.S, t.OK
}

// Values a boolean arrives as. Anything else is "not recognised".
var (
	trueWords  = map[string]bool{"T": true, "TRUE": true, "Y": true, "YES": true, "1": true}
	falseWords = map[string]bool{"F": true, "FALSE": true, "N": true, "NO": true, "0": true}
)

// parseBool reads a boolean sent as true/false, "T"/"F", "Y"/"N",
// "Yes"/"No", "1"/"0" or 1/0. known is false for null, absent or an empty
// string; ok is false for a value it does not recognise.
func parseBool(raw json.RawMessage) (v, known, ok bool) {
	raw = bytes.TrimSpace(raw)
	switch string(raw) {
	case "", "null":
		return false, false, true
	case "true":
		return true, true, true
	case "false":
		return false, true, true
	}
	s, isText := rawString(raw)
	if !isText {
		return false, false, false
	}
	s = strings.ToUpper(s)
	switch {
	case s == "":
		return false, false, true
	case trueWords[s]:
		return true, true, true
	case falseWords[s]:
		return false, true, true
	}
	return false, false, false
}

// parseDay reads a calendar date from a Wonde timestamp
// ({"date":"2015-03-12 00:00:00.000000","timezone_type":3,"timezone":"Europe/London"}),
// a plain string, or null. The date part is taken as written and never
// moved between zones: a date of birth is a calendar date, and converting
// "2015-03-12 00:00:00" in London to UTC would make it the 11th. known is
// false for null; ok is false for something that is not a real date.
func parseDay(raw json.RawMessage) (d vigil.Date, known, ok bool) {
	if isNull(raw) {
		return vigil.Date{}, false, true
	}
	s, isText := rawString(raw)
	if !isText {
		var ts struct {
			Date json.RawMessage `json:"date"`
		}
		if err := json.Unmarshal(raw, &ts); err != nil {
			return vigil.Date{}, false, false
		}
		if isNull(ts.Date) {
			return vigil.Date{}, false, true
		}
		if s, isText = rawString(ts.Date); !isText {
			return vigil.Date{}, false, false
		}
	}
	if s == "" {
		return vigil.Date{}, false, true
	}
	if len(s) > 10 && s[10] != ' ' && s[10] != 'T' {
		return vigil.Date{}, false, false
	}
	if len(s) > 10 {
		s = s[:10]
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return vigil.Date{}, false, false
	}
	return vigil.NewDate(t.Date()), true, true
}

// pickString returns the first non-empty string among an object's keys, in
// the order given, or among an array of strings or of objects carrying one
// of the keys. Contact details arrive both ways.
func pickString(raw json.RawMessage, keys ...string) string {
	if isNull(raw) {
		return ""
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) == nil {
		for _, k := range keys {
			if s, ok := rawString(obj[k]); ok && s != "" {
				return s
			}
		}
		return ""
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return ""
	}
	for _, want := range keys { // a typed entry ("type":"mobile") first, in key order
		for _, item := range list {
			var o map[string]json.RawMessage
			if json.Unmarshal(item, &o) != nil {
				continue
			}
			if typ, _ := rawString(o["type"]); !strings.EqualFold(typ, want) {
				continue
			}
			for _, k := range valueKeys {
				if s, ok := rawString(o[k]); ok && s != "" {
					return s
				}
			}
		}
	}
	for _, item := range list { // then the first entry with anything in it
		if s, ok := rawString(item); ok && s != "" {
			return s
		}
		var o map[string]json.RawMessage
		if json.Unmarshal(item, &o) != nil {
			continue
		}
		for _, k := range slices.Concat(keys, valueKeys) {
			if s, ok := rawString(o[k]); ok && s != "" {
				return s
			}
		}
	}
	return ""
}

// valueKeys are the keys an entry of a list of contact details may hold
// its value under.
var valueKeys = []string{"value", "number", "phone", "telephone", "email", "address"}

// atoi reads a small whole number, or 0.
func atoi(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0
	}
	return n
}
