package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// MaxJSONBody is the largest JSON request body the API reads. Documents
// travel as multipart uploads with their own limit.
const MaxJSONBody = 1 << 20

// decodeJSON reads the request body, which must be one JSON value of at
// most MaxJSONBody bytes, into dst. A body that is not JSON, has a field dst
// does not know, has a value of the wrong type, is too large or is followed
// by more data is a 400 naming the problem (and the field, where there is
// one); a body that is not sent as JSON is a 415. Checking the values is
// app's job: it answers EINVALID, a 422.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &requestError{status: http.StatusUnsupportedMediaType, detail: "Send the body as JSON, with Content-Type: application/json."}
		}
	} else {
		return &requestError{status: http.StatusUnsupportedMediaType, detail: "Send the body as JSON, with Content-Type: application/json."}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonProblem(err)
	}
	// One value only: trailing data is a mistake we should not guess at.
	var extra json.RawMessage
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return jsonProblem(err)
		}
		return badRequest("", "The body holds more than one JSON value.")
	}
	return nil
}

// jsonProblem explains a decoding error in words an integrator can act on,
// naming the field when the decoder knows it. The decoder's own text is not
// shown: it can quote the request.
func jsonProblem(err error) error {
	if e, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return badRequest("", fmt.Sprintf("The body is larger than %d bytes (1 MiB), the most the API reads.", e.Limit))
	}
	if e, ok := errors.AsType[*json.SyntaxError](err); ok {
		return badRequest("", fmt.Sprintf("The body is not valid JSON (at byte %d).", e.Offset))
	}
	if e, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		if e.Field == "" {
			return badRequest("", fmt.Sprintf("The body must be a JSON %s.", jsonKind(e.Type.Kind().String())))
		}
		return badRequest(e.Field, fmt.Sprintf("The field %s must be %s.", e.Field, article(jsonKind(e.Type.Kind().String()))))
	}
	if errors.Is(err, io.EOF) {
		return badRequest("", "The body is empty; send a JSON object.")
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return badRequest("", "The body ends before its JSON does.")
	}
	// encoding/json reports an unknown field only in its message:
	// `json: unknown field "name"`.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		field := strings.Trim(name, `"`)
		if len(field) > 100 || strings.ContainsFunc(field, func(r rune) bool { return r < 0x20 }) {
			return badRequest("", "The body has a field the API does not know.")
		}
		return badRequest(field, fmt.Sprintf("The field %q is not known here.", field))
	}
	return badRequest("", "The body could not be read as JSON.")
}

// jsonKind names a Go kind the way JSON does.
func jsonKind(kind string) string {
	switch {
	case kind == "string":
		return "string"
	case kind == "bool":
		return "boolean"
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "number"
	case kind == "slice", kind == "array":
		return "array"
	case kind == "struct", kind == "map":
		return "object"
	}
	return "value of another type"
}

func article(s string) string {
	if strings.IndexByte("aeiou", s[0]) >= 0 {
		return "an " + s
	}
	return "a " + s
}
