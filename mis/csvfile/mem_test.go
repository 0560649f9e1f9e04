package csvfile_test

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/mis/csvfile"
)

// rowStream is an endless-looking CSV export made up as it is read: a
// header, then rows numbered from 0, each with its own valid UPN unless
// sameUPN is set.
type rowStream struct {
	header  string
	max, n  int
	sameUPN bool
	buf     []byte
}

const streamHeader = "Admission Number,UPN,Surname,Forename,Middle Names,Date of Birth,Gender,Year Group,Reg Group,SEN Status,FSM," +
	"Contact 1 ID,Contact 1 Title,Contact 1 Forename,Contact 1 Surname,Contact 1 Relationship,Contact 1 Parental Responsibility," +
	"Contact 1 Mobile,Contact 1 Email,Contact 1 Address,Contact 2 ID,Contact 2 Forename,Contact 2 Surname,Contact 2 Relationship\r\n"

func (s *rowStream) Read(p []byte) (int, error) {
	if len(s.buf) == 0 {
		switch {
		case s.header != "":
			s.buf, s.header = []byte(s.header), ""
		case s.n >= s.max:
			return 0, io.EOF
		default:
			rest := fmt.Sprintf("990%09d", s.n)
			if s.sameUPN {
				rest = "990214525001"
			}
			s.buf = fmt.Appendf(s.buf[:0], "%06d,%c%s,Sorrelton,Idris,Ayesha Zoë,20/05/2016,Male,Year 4,4B,N,No,"+
				"C%06d,Mr,Agnieszka,Sorrelton,Parent,Yes,07700 900260,agnieszka.sorrelton@example.org,\"26 Thistlewick Way, Flat 2\r\nTestbury\r\nZZ9 0KL\","+
				"D%06d,Piotr,Thistlefeather,Grandparent\r\n", s.n, vigil.UPNCheckLetter(rest), rest, s.n, s.n)
			s.n++
		}
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

// TestBoundedMemory feeds a 300,000-row export (about 100 MB, made up as
// it is read) and checks the read stops at the row limit with a bounded heap:
// the file is streamed, never held whole.
func TestBoundedMemory(t *testing.T) {
	const limit = 64 << 20
	for _, tc := range []struct {
		name    string
		maxRows int
		sameUPN bool
	}{
		// Valid rows are kept until the limit, so the heap grows with
		// MaxRows: about 1.3 KB a pupil live, twice that in use with the
		// collector's slack.
		{"valid rows", 10_000, false},
		// Once a row has a problem nothing more is kept: the default
		// limit costs only the row being read.
		{"broken rows, default limits", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if testing.Short() && tc.maxRows == 0 {
				t.Skip("100,000 rows: skipped with -short")
			}
			s := &rowStream{header: streamHeader, max: 300_000, sameUPN: tc.sameUPN}
			runtime.GC()
			var peak uint64
			var ms runtime.MemStats
			_, err := csvfile.Read(s, csvfile.Options{
				Today: today, MaxRows: tc.maxRows, MaxBytes: 1 << 40,
				Progress: func(rows int, _ int64) {
					runtime.ReadMemStats(&ms)
					peak = max(peak, ms.HeapInuse)
				},
			})
			want := tc.maxRows
			if want == 0 {
				want = csvfile.DefaultMaxRows
			}
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("more than %d rows", want)) {
				t.Fatalf("err %.300v", err)
			}
			if s.n > want+1 {
				t.Errorf("%d rows read past the limit", s.n-want)
			}
			if peak == 0 || peak > limit {
				t.Errorf("heap in use peaked at %d MB, want under %d MB", peak>>20, limit>>20)
			}
			t.Logf("peak heap in use %d MB after %d rows", peak>>20, s.n)
		})
	}
}
