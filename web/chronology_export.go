package web

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/report"
)

// exportFilter reads a chronology filter from the query string, as the
// chronology page sends it: category (an id), from and to (YYYY-MM-DD),
// kind (repeatable: one of app.ChronologyKinds) and key=1 for key
// events only. A malformed value is EINVALID, naming the parameter.
func exportFilter(r *http.Request) (app.ChronologyFilter, error) {
	q := r.URL.Query()
	var f app.ChronologyFilter
	if c := q.Get("category"); c != "" {
		if !vigil.ValidID(c) {
			return f, vigil.FieldError("category", "Choose a category from the list.")
		}
		f.Category = vigil.CategoryID(c)
	}
	var err error
	if s := q.Get("from"); s != "" {
		if f.From, err = vigil.ParseDate(s); err != nil {
			return f, vigil.FieldError("from", "Give the start date as a date (YYYY-MM-DD).")
		}
	}
	if s := q.Get("to"); s != "" {
		if f.To, err = vigil.ParseDate(s); err != nil {
			return f, vigil.FieldError("to", "Give the end date as a date (YYYY-MM-DD).")
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		return f, vigil.FieldError("to", "The end date is before the start date.")
	}
	for _, k := range q["kind"] {
		if !slices.Contains(app.ChronologyKinds(), k) {
			return f, vigil.FieldError("kind", "Choose kinds of entry from the list.")
		}
		if !slices.Contains(f.Kinds, k) {
			f.Kinds = append(f.Kinds, k)
		}
	}
	switch q.Get("key") {
	case "", "0":
	case "1", "on", "true":
		f.KeyOnly = true
	default:
		return f, vigil.FieldError("key", "Key events only is on or off.")
	}
	return f, nil
}

// exportChronologyPDF handles GET /pupils/{id}/chronology.pdf.
func (h *Handler) exportChronologyPDF(w http.ResponseWriter, r *http.Request) {
	h.exportChronology(w, r, "pdf")
}

// exportChronologyCSV handles GET /pupils/{id}/chronology.csv.
func (h *Handler) exportChronologyCSV(w http.ResponseWriter, r *http.Request) {
	h.exportChronology(w, r, "csv")
}

// exportChronology sends a pupil's chronology, filtered as the page was, as
// a download. app audits the export before it returns anything; the file
// is built in memory first, so a failure shows an error page rather than a
// short file. The file name carries the date, never the pupil's name.
func (h *Handler) exportChronology(w http.ResponseWriter, r *http.Request, format string) {
	f, err := exportFilter(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.app.ExportChronology(r.Context(), vigil.PupilID(r.PathValue("id")), f, format)
	if err == nil && c == nil {
		// app answers (nil, nil) to someone who may see pupils but not
		// concerns, such as a school admin.
		err = vigil.Errorf(vigil.EFORBIDDEN, "Your access does not include safeguarding concerns.")
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	cur := current(r.Context())
	loc := cur.Location()
	meta := report.ExportMeta{At: h.app.Now(), Location: loc, Filter: report.FilterDescription(f, c.Categories)}
	if cur.School != nil {
		meta.School = cur.School.Name
	}
	if cur.Person != nil {
		meta.ByName, meta.ByEmail = cur.Person.Name, cur.Person.Email
	}
	var buf bytes.Buffer
	contentType := "application/pdf"
	if format == "pdf" {
		err = report.ChronologyPDF(&buf, c, meta)
	} else {
		contentType = "text/csv; charset=utf-8"
		err = report.ChronologyCSV(&buf, c, meta)
	}
	if err != nil {
		h.fail(w, r, err) // logged with the pupil's id only
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", contentType)
	hd.Set("Content-Disposition", `attachment; filename="chronology-`+meta.At.In(loc).Format("20060102")+`.`+format+`"`)
	hd.Set("Content-Length", strconv.Itoa(buf.Len()))
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = buf.WriteTo(w)
}
