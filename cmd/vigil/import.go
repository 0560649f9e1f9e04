package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/mis"
	"github.com/vigil-safeguarding/vigil/mis/csvfile"
	"github.com/vigil-safeguarding/vigil/mis/ctf"
)

const importHelp = `Usage: vigil import csv --school SLUG [--kind pupils|contacts|staff] [--dry-run] FILE
       vigil import ctf --school SLUG [--dry-run] FILE
       vigil import wonde --school SLUG [--wonde-id ID --token-file F] [--full] [--dry-run] [URL]

Brings pupils, contacts and staff in from the school's MIS. Pupils are
matched by MIS id, then UPN; nobody is deleted: a pupil missing from a
full roll is marked as left. A file with any problem imports nothing and
every problem is listed by row and column. --dry-run shows what would be
added, changed and marked as left, and changes nothing. FILE may be - for
standard input.

wonde syncs from the Wonde API. The first time, give the school's Wonde id
and a file holding its token (or VIGIL_WONDE_TOKEN); they are kept, the
token sealed, and later runs need neither. URL replaces Wonde's own
address (for a test server). Without --full, a sync after a good one reads
only what changed since.

Run vigil import <source> --help for every flag.`

func runImport(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(e.stdout, importHelp)
		if len(args) == 0 {
			return usageErr("say csv, ctf or wonde")
		}
		return nil
	}
	source := args[0]
	switch source {
	case mis.SourceCSV, mis.SourceCTF, mis.SourceWonde:
	default:
		return usageErr("unknown source %q: use csv, ctf or wonde", source)
	}
	fs := flag.NewFlagSet("import "+source, flag.ContinueOnError)
	c := dbConfig(e, fs)
	school := fs.String("school", "", "slug of the school to import into (required)")
	dryRun := fs.Bool("dry-run", false, "show what would change, and change nothing")
	confirm := fs.Bool("confirm-leavers", false, "allow marking more than 10% of the roll as left outside July to September")
	var kind, wondeID, tokenFile *string
	var full *bool
	synopsis := "import " + source + " --school SLUG [flags] FILE"
	switch source {
	case mis.SourceCSV:
		kind = fs.String("kind", "", "what the file holds: pupils, contacts or staff (found from the headers if not given)")
	case mis.SourceWonde:
		wondeID = fs.String("wonde-id", "", "the school's Wonde id, such as A1930499544 (first run, or to change it)")
		tokenFile = fs.String("token-file", "", "file holding the school's Wonde token (or set VIGIL_WONDE_TOKEN)")
		full = fs.Bool("full", false, "read the whole roll, not only what changed since the last good sync")
		synopsis = "import wonde --school SLUG [flags] [URL]"
	}
	s, err := openCommand(ctx, e, c, fs, synopsis, args[1:], func() error {
		if *school == "" {
			return usageErr("--school is required")
		}
		if source != mis.SourceWonde && fs.NArg() != 1 {
			return usageErr("give one FILE to import (or - for standard input)")
		}
		if fs.NArg() > 1 {
			return usageErr("unexpected argument %q", fs.Arg(1))
		}
		if source == mis.SourceWonde && *wondeID == "" && fs.NArg() == 1 {
			return usageErr("a URL is only used with --wonde-id, when the link is made")
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer s.Close()
	sc, err := s.FindSchoolBySlug(ctx, *school)
	if err != nil {
		return err
	}
	a := app.New(s, nil, nil, newLogger(c, e.stderr))
	sctx := vigil.SystemContext(ctx, sc.ID)
	bar := newProgress(e.stderr)
	defer bar.done()
	opt := app.ImportOptions{DryRun: *dryRun, ConfirmLeavers: *confirm, Progress: bar.update}

	var res *app.ImportResult
	switch source {
	case mis.SourceWonde:
		v, _, err := openVault(c, e, s)
		if err != nil {
			return err
		}
		a.Vault = v
		if *wondeID != "" {
			token := strings.TrimSpace(e.getenv("VIGIL_WONDE_TOKEN"))
			if *tokenFile != "" {
				b, err := os.ReadFile(*tokenFile)
				if err != nil {
					return fmt.Errorf("cannot read the token file: %w", err)
				}
				token = strings.TrimSpace(string(b))
			}
			if token == "" {
				return usageErr("--wonde-id needs the school's token: --token-file F or VIGIL_WONDE_TOKEN")
			}
			if err := a.LinkWonde(sctx, *wondeID, token, fs.Arg(0), true); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Linked %s to Wonde school %s; the token is sealed.\n", sc.Name, *wondeID)
		}
		res, err = a.SyncMIS(sctx, *full, opt)
		bar.done()
		if err != nil {
			return importFailure(e, res, err)
		}
	default:
		in, size, closeIn, err := openInput(e, fs.Arg(0))
		if err != nil {
			return err
		}
		defer closeIn()
		var b *mis.Batch
		read := func(rows int, n int64) { bar.update("reading", int(n), int(size)) }
		if source == mis.SourceCSV {
			b, err = csvfile.Read(in, csvfile.Options{Kind: *kind, Today: vigil.DateOf(time.Now()), Progress: read})
		} else {
			var h *ctf.Header
			if h, b, err = ctf.Read(in, ctf.Options{Today: vigil.DateOf(time.Now())}); err == nil {
				var warn *mis.Problem
				if warn, err = a.CTFDestinationWarning(sctx, h); warn != nil {
					b.Warnings = append(b.Warnings, *warn)
				}
			}
		}
		if err != nil {
			bar.done()
			if errors.As(err, new(*mis.ProblemError)) {
				if rerr := a.RecordRefusedImport(sctx, source, *dryRun, err); rerr != nil {
					return rerr
				}
			}
			return importFailure(e, nil, err)
		}
		res, err = a.ImportBatch(sctx, b, opt)
		bar.done()
		if err != nil {
			return importFailure(e, res, err)
		}
	}
	printSummary(e.stdout, res)
	return nil
}

// openInput opens FILE, or standard input for "-", and its size when known
// (for the progress bar).
func openInput(e *env, name string) (io.Reader, int64, func(), error) {
	if name == "-" {
		return e.stdin, 0, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("cannot open the file: %w", err)
	}
	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	return bufio.NewReaderSize(f, 256<<10), size, func() { f.Close() }, nil
}

// importFailure prints every problem of a refused import, one a line, and
// returns the error for the exit status.
func importFailure(e *env, res *app.ImportResult, err error) error {
	var pe *mis.ProblemError
	if errors.As(err, &pe) {
		fmt.Fprintf(e.stderr, "Nothing was imported. %d problem%s:\n", len(pe.Problems), map[bool]string{true: "", false: "s"}[len(pe.Problems) == 1])
		for _, p := range pe.Problems {
			fmt.Fprintf(e.stderr, "  %s\n", p.String())
		}
		return fmt.Errorf("%d problem%s in the input; nothing was imported", len(pe.Problems), map[bool]string{true: "", false: "s"}[len(pe.Problems) == 1])
	}
	return err
}

func printSummary(w io.Writer, res *app.ImportResult) {
	y := res.Sync
	head := "Imported"
	if y.DryRun {
		head = "Dry run: nothing was changed"
	}
	fmt.Fprintf(w, "%s (%s, %s).\n", head, y.Source, y.Mode)
	fmt.Fprintf(w, "  pupils read      %d\n", y.Seen)
	fmt.Fprintf(w, "  added            %d\n", y.Added)
	fmt.Fprintf(w, "  changed          %d\n", y.Changed)
	fmt.Fprintf(w, "  marked as left   %d\n", y.Left)
	fmt.Fprintf(w, "  returned         %d\n", y.Returned)
	fmt.Fprintf(w, "  contacts updated %d\n", y.ContactsChanged)
	if y.StaffAdded+y.StaffChanged+y.StaffLeft > 0 {
		fmt.Fprintf(w, "  staff            %d new, %d changed, %d gone from the MIS\n", y.StaffAdded, y.StaffChanged, y.StaffLeft)
	}
	if y.Report != nil && len(y.Report.Warnings) > 0 {
		fmt.Fprintf(w, "  warnings         %d, such as: %s\n", len(y.Report.Warnings), y.Report.Warnings[0].String())
	}
	if y.Report != nil && len(y.Report.Ignored) > 0 {
		fmt.Fprintf(w, "  ignored columns  %s\n", strings.Join(y.Report.Ignored, ", "))
	}
	if res.Warning != "" {
		fmt.Fprintf(w, "Note: %s\n", res.Warning)
	}
	fmt.Fprintf(w, "Sync %s is in the school's sync history.\n", y.ID)
}

// progress draws a bar on a terminal and nothing elsewhere, so logs and
// pipes stay clean.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	on    bool
	last  time.Time
	drawn bool
}

func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, on: ok && term.IsTerminal(int(f.Fd()))}
}

func (p *progress) update(stage string, done, total int) {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if now := time.Now(); now.Sub(p.last) < 100*time.Millisecond && done != total {
		return
	} else {
		p.last = now
	}
	const width = 30
	line := fmt.Sprintf("%-10s %d", stage, done)
	if total > 0 {
		filled := min(width, done*width/max(total, 1))
		line = fmt.Sprintf("%-10s [%s%s] %3d%%", stage, strings.Repeat("#", filled), strings.Repeat(".", width-filled), min(100, done*100/max(total, 1)))
	}
	fmt.Fprintf(p.w, "\r%-60s", line)
	p.drawn = true
}

func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r"+strings.Repeat(" ", 60)+"\r")
		p.drawn = false
	}
}
