// Package vigil holds Vigil's domain types: schools, people, pupils,
// categories, their identifiers and rules, and the one error type every
// layer returns. It depends on the standard library only.
package vigil

import (
	"errors"
	"fmt"
	"sort"
)

// Error codes. The web and API layers map each to a status in one place.
const (
	EINVALID      = "invalid"      // 422, or the form shown again
	EUNAUTHORIZED = "unauthorized" // 401: not signed in, or bad credentials
	EFORBIDDEN    = "forbidden"    // 403, or a step-up prompt
	ENOTFOUND     = "not_found"    // 404, also for another school's records
	ECONFLICT     = "conflict"     // 409
	ETHROTTLED    = "throttled"    // 429: too many failed attempts
	EUNAVAILABLE  = "unavailable"  // 503: the database cannot be reached
	EINTERNAL     = "internal"     // 500; the detail is only logged
)

// Error is a failure whose Message is safe to show to a user. Field names the
// single input at fault; Fields maps each faulty input to its problem when a
// form has several.
type Error struct {
	Code    string
	Message string
	Field   string
	Fields  map[string]string
}

// Error implements error.
func (e *Error) Error() string {
	if e.Field != "" {
		return e.Code + ": " + e.Field + ": " + e.Message
	}
	return e.Code + ": " + e.Message
}

// Errorf returns an *Error with the code and a formatted, user-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EINVALID error about one named input.
func FieldError(field, message string) *Error {
	return &Error{Code: EINVALID, Message: message, Field: field, Fields: map[string]string{field: message}}
}

// ErrorCode returns err's Code, EINTERNAL for any other error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of err. Any error that is not an
// *Error gets a plain "internal error" message, so driver text never shows.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Message
	}
	return "Something went wrong on our side. It has been logged; please try again."
}

// ErrorFields returns the per-field problems carried by err, or nil.
func ErrorFields(err error) map[string]string {
	if e, ok := errors.AsType[*Error](err); ok {
		if len(e.Fields) > 0 {
			return e.Fields
		}
		if e.Field != "" {
			return map[string]string{e.Field: e.Message}
		}
	}
	return nil
}

// Problems collects field problems while a value is validated.
type Problems map[string]string

// Add records a problem with field unless one is already recorded.
func (p Problems) Add(field, message string) {
	if _, ok := p[field]; !ok {
		p[field] = message
	}
}

// Err returns nil when there are no problems, otherwise an EINVALID *Error
// naming every field. Message lists them in a stable order.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	fields := make([]string, 0, len(p))
	for f := range p {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	e := &Error{Code: EINVALID, Fields: map[string]string(p)}
	if len(fields) == 1 {
		e.Field = fields[0]
		e.Message = p[fields[0]]
	} else {
		e.Message = fmt.Sprintf("Please correct the %d marked fields.", len(fields))
	}
	return e
}
