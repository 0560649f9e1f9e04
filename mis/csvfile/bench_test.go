package csvfile_test

import (
	"bytes"
	"encoding/csv"
	"io"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil/mis/csvfile"
	"github.com/vigil-safeguarding/vigil/mis/misgen"
)

func BenchmarkRead2000(b *testing.B)  { benchmarkRead(b, 2000) }
func BenchmarkRead50000(b *testing.B) { benchmarkRead(b, 50000) }

// benchmarkRead reads a misgen school's pupils export. Beside time and
// allocations it reports pupils/s and the ratio to a bare encoding/csv
// pass over the same bytes, measured in the same run.
func benchmarkRead(b *testing.B, pupils int) {
	var buf bytes.Buffer
	if err := misgen.WriteCSV(&buf, misgen.School(1, pupils)); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	opt := csvfile.Options{Today: misgen.ReferenceDate(), MaxBytes: int64(len(data))}
	raw := rawCSV(b, data)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		got, err := csvfile.Read(bytes.NewReader(data), opt)
		if err != nil || len(got.Pupils) != pupils {
			b.Fatalf("read: %v", err)
		}
	}
	per := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(pupils)/per.Seconds(), "pupils/s")
	b.ReportMetric(float64(per)/float64(raw), "x-bare-csv")
}

// rawCSV times the quickest of three bare encoding/csv reads of data.
func rawCSV(b *testing.B, data []byte) time.Duration {
	best := time.Duration(1<<63 - 1)
	for range 3 {
		start := time.Now()
		r := csv.NewReader(bytes.NewReader(data))
		r.ReuseRecord = true
		for {
			if _, err := r.Read(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
		best = min(best, time.Since(start))
	}
	return best
}
