package web

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/mis"
	"github.com/vigil-safeguarding/vigil/mis/csvfile"
	"github.com/vigil-safeguarding/vigil/mis/ctf"
	"github.com/vigil-safeguarding/vigil/store"
)

// misUploadLimit caps an MIS file upload: a CTF may be 50 MB, a CSV 20 MB.
const misUploadLimit = 51 << 20

type misData struct {
	Link      *app.WondeLink
	Syncs     []*store.MISSync
	Staff     misStaffCounts
	Loc       *time.Location
	Result    *app.ImportResult // the import just run, if any
	Problems  mis.Problems      // why it was refused, if it was
	Queued    bool
	WondeHeld bool // the last Wonde sync was held by the leaver guard
	Linked    bool
	Unlinked  bool
	Kind      string
	Source    string
	DryRun    bool
	Confirm   bool
	WondeForm wondeForm
}

type wondeForm struct {
	SchoolID string
	Nightly  bool
}

type misStaffCounts struct {
	Listed, NoAccount, ToDeactivate int
}

// showMIS handles GET /settings/mis: the school's MIS link, file imports
// and sync history, for those who manage the school's settings.
func (h *Handler) showMIS(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	h.renderMIS(w, r, http.StatusOK, nil, misData{Queued: q.Get("queued") == "1", Linked: q.Get("linked") == "1",
		Unlinked: q.Get("unlinked") == "1", DryRun: true, Source: mis.SourceCSV, WondeForm: wondeForm{Nightly: true}})
}

func (h *Handler) renderMIS(w http.ResponseWriter, r *http.Request, status int, problem error, d misData) {
	ctx := r.Context()
	syncs, err := h.app.MISSyncs(ctx, 20)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	link, err := h.app.MISLink(ctx)
	if err != nil && vigil.ErrorCode(err) != vigil.ENOTFOUND {
		h.fail(w, r, err)
		return
	}
	staff, err := h.app.MISStaff(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, m := range staff {
		if m.Current {
			d.Staff.Listed++
			if m.PersonID == "" {
				d.Staff.NoAccount++
			}
		}
		if m.NeedsDeactivating() {
			d.Staff.ToDeactivate++
		}
	}
	d.Syncs, d.Link, d.Loc = syncs, link, current(ctx).Location()
	for _, y := range syncs {
		if y.Source == mis.SourceWonde && !y.DryRun {
			d.WondeHeld = y.Status == store.SyncRefused && y.Problems == 0
			break
		}
	}
	if d.WondeForm.SchoolID == "" && link != nil {
		d.WondeForm = wondeForm{SchoolID: link.SchoolID, Nightly: link.Nightly}
	}
	h.render(w, r, status, "settings_mis", page{Title: "Pupil data from the MIS", Nav: "settings", Err: problem, Data: d})
}

// importMISFile handles POST /settings/mis/import: a CSV or CTF file,
// read as it streams in (never written to disk), then a dry run or an
// import. The form's fields come before the file, so the source and kind
// are known when the file arrives.
func (h *Handler) importMISFile(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, misUploadLimit)
	d := misData{Source: mis.SourceCSV, WondeForm: wondeForm{Nightly: true}}
	mr, err := r.MultipartReader()
	if err != nil {
		h.renderMIS(w, r, http.StatusBadRequest, vigil.FieldError("file", "Choose a file to import."), d)
		return
	}
	var batch *mis.Batch
	var readErr error
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			readErr = tooBig(err, vigil.FieldError("file", "The upload did not arrive whole; try again."))
			break
		}
		switch part.FormName() {
		case "source":
			d.Source = formValue(part)
		case "kind":
			d.Kind = formValue(part)
		case "dry_run":
			d.DryRun = formValue(part) == "1"
		case "confirm_leavers":
			d.Confirm = formValue(part) == "1"
		case "file":
			if part.FileName() == "" {
				continue
			}
			batch, readErr = h.readMISFile(r, part, d)
		}
		part.Close()
		if readErr != nil {
			break
		}
	}
	if readErr == nil && batch == nil {
		readErr = vigil.FieldError("file", "Choose a file to import.")
	}
	if readErr != nil {
		if errors.As(readErr, new(*mis.ProblemError)) {
			if err := h.app.RecordRefusedImport(r.Context(), d.Source, d.DryRun, readErr); err != nil {
				h.fail(w, r, err)
				return
			}
		}
		h.misRefused(w, r, d, readErr)
		return
	}
	res, err := h.app.ImportBatch(r.Context(), batch, app.ImportOptions{DryRun: d.DryRun, ConfirmLeavers: d.Confirm})
	if err != nil {
		if res == nil {
			h.fail(w, r, err)
			return
		}
		h.misRefused(w, r, d, err)
		return
	}
	d.Result = res
	h.renderMIS(w, r, http.StatusOK, nil, d)
}

func (h *Handler) readMISFile(r *http.Request, part *multipart.Part, d misData) (*mis.Batch, error) {
	today := vigil.DateOf(time.Now().In(current(r.Context()).Location()))
	var b *mis.Batch
	var err error
	switch d.Source {
	case mis.SourceCTF:
		var head *ctf.Header
		if head, b, err = ctf.Read(part, ctf.Options{Today: today}); err == nil {
			var warn *mis.Problem
			if warn, err = h.app.CTFDestinationWarning(r.Context(), head); warn != nil {
				b.Warnings = append(b.Warnings, *warn)
			}
		}
	case mis.SourceCSV:
		kind := d.Kind
		if kind == "auto" {
			kind = ""
		}
		b, err = csvfile.Read(part, csvfile.Options{Kind: kind, Today: today})
	default:
		return nil, vigil.FieldError("source", "Choose CSV or CTF.")
	}
	return b, tooBig(err, err)
}

// tooBig turns a body over the upload limit into a clear message.
func tooBig(err, otherwise error) error {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return vigil.FieldError("file", fmt.Sprintf("The file is too large: at most %d MB.", misUploadLimit>>20-1))
	}
	return otherwise
}

// misRefused shows why an import wrote nothing: every problem, by row and
// column.
func (h *Handler) misRefused(w http.ResponseWriter, r *http.Request, d misData, err error) {
	var pe *mis.ProblemError
	if errors.As(err, &pe) {
		d.Problems = pe.Problems
		h.renderMIS(w, r, http.StatusUnprocessableEntity, vigil.Errorf(vigil.EINVALID, "Nothing was imported: the file has %d problem%s, listed below.",
			len(pe.Problems), plural(len(pe.Problems))), d)
		return
	}
	if code := vigil.ErrorCode(err); code == vigil.EINVALID || code == vigil.ECONFLICT {
		h.renderMIS(w, r, http.StatusUnprocessableEntity, err, d)
		return
	}
	h.fail(w, r, err)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// formValue reads a small form field from a multipart part.
func formValue(p *multipart.Part) string {
	b, _ := io.ReadAll(io.LimitReader(p, 200))
	return strings.TrimSpace(string(b))
}

// linkWonde handles POST /settings/mis/wonde: save the school's Wonde id
// and token after checking them with Wonde.
func (h *Handler) linkWonde(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, vigil.Errorf(vigil.EINVALID, "The form could not be read."))
		return
	}
	d := misData{Source: mis.SourceCSV, DryRun: true, WondeForm: wondeForm{SchoolID: strings.TrimSpace(r.PostForm.Get("wonde_school_id")),
		Nightly: r.PostForm.Get("nightly") == "1"}}
	err := h.app.LinkWonde(r.Context(), d.WondeForm.SchoolID, r.PostForm.Get("wonde_token"), "", d.WondeForm.Nightly)
	if err != nil {
		if code := vigil.ErrorCode(err); code == vigil.EINVALID {
			h.renderMIS(w, r, http.StatusUnprocessableEntity, err, d)
			return
		}
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/settings/mis?linked=1", http.StatusSeeOther)
}

// changeMISLink handles POST /settings/mis/link/{change}: sync now (a
// delta or full), nightly on or off, or unlink.
func (h *Handler) changeMISLink(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var err error
	to := "/settings/mis"
	switch r.PathValue("change") {
	case "sync":
		err, to = h.app.QueueMISSync(ctx, false, false), "/settings/mis?queued=1"
	case "full-sync":
		err, to = h.app.QueueMISSync(ctx, true, false), "/settings/mis?queued=1"
	case "confirm-sync":
		err, to = h.app.QueueMISSync(ctx, true, true), "/settings/mis?queued=1"
	case "nightly-on":
		err = h.app.SetMISNightly(ctx, true)
	case "nightly-off":
		err = h.app.SetMISNightly(ctx, false)
	case "unlink":
		err, to = h.app.UnlinkMIS(ctx), "/settings/mis?unlinked=1"
	default:
		err = vigil.Errorf(vigil.ENOTFOUND, "Page not found.")
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

type misSyncData struct {
	Sync    *store.MISSync
	Loc     *time.Location
	Leavers []*vigil.Pupil
}

// showMISSync handles GET /settings/mis/syncs/{id}: one sync's counts, its
// problems by row and column, and the pupils it marked as left. Another
// school's sync is a 404.
func (h *Handler) showMISSync(w http.ResponseWriter, r *http.Request) {
	y, err := h.app.MISSync(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := misSyncData{Sync: y, Loc: current(r.Context()).Location()}
	if d.Leavers, err = h.app.SyncLeavers(r.Context(), y, 200); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "mis_sync", page{Title: "MIS sync", Nav: "settings", Data: d})
}

type misStaffData struct {
	Staff []*store.MISStaff
	Loc   *time.Location
}

// showMISStaff handles GET /settings/mis/staff: the staff the MIS lists,
// matched to Vigil accounts, flagging who has no account and who has left
// the MIS but can still sign in.
func (h *Handler) showMISStaff(w http.ResponseWriter, r *http.Request) {
	staff, err := h.app.MISStaff(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "mis_staff", page{Title: "Staff in the MIS", Nav: "settings",
		Data: misStaffData{Staff: staff, Loc: current(r.Context()).Location()}})
}

// exportLeaverCTF handles GET /pupils/{id}/ctf: a former pupil's CTF for
// their next school, whose LA and establishment numbers come in the query
// (school codes, not personal data). Another school's pupil is a 404.
func (h *Handler) exportLeaverCTF(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	dest := ctf.School{LEA: strings.TrimSpace(q.Get("lea")), Estab: strings.TrimSpace(q.Get("estab"))}
	var buf strings.Builder
	id := vigil.PupilID(r.PathValue("id"))
	if err := h.app.LeaverCTF(r.Context(), id, dest, &buf); err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="leaver-ctf.xml"`)
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, buf.String())
}
