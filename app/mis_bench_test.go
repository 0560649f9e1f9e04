package app_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/mis/csvfile"
	"github.com/vigil-safeguarding/vigil/mis/misgen"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

// importLimit is the aim for a 2,000-pupil school.
const importLimit = 3 * time.Second

// BenchmarkImportCSV imports a generated school's CSV (read, matched and
// saved) into an empty school, then the same file again (nothing to do),
// and reports each as a share of the 3 s aim, with the heap's peak.
//
//	go test -run '^$' -bench ImportCSV -benchtime 1x ./app/
func BenchmarkImportCSV(b *testing.B) {
	for _, n := range []int{2000, 50000} {
		var csv bytes.Buffer
		if err := misgen.WriteCSV(&csv, misgen.School(1, n)); err != nil {
			b.Fatal(err)
		}
		stores := map[string]func() *store.Store{"sqlite": func() *store.Store { return storetest.OpenSQLite(b) }}
		if url := os.Getenv("VIGIL_TEST_POSTGRES_URL"); url != "" {
			stores["postgres"] = func() *store.Store { return storetest.OpenPostgres(b, url) }
		}
		for name, open := range stores {
			b.Run(fmt.Sprintf("%s/%d", name, n), func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					s := open()
					env := vigiltest.Start(b, s)
					admin := adminContext(b, s, env)
					b.StartTimer()
					var peak uint64
					stop := sampleHeap(&peak)
					first := importOnce(b, env.App, admin, csv.Bytes())
					again := importOnce(b, env.App, admin, csv.Bytes())
					stop()
					b.ReportMetric(first.Seconds()/importLimit.Seconds(), "first/limit")
					b.ReportMetric(again.Seconds()/importLimit.Seconds(), "again/limit")
					b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
				}
			})
		}
	}
}

func importOnce(b *testing.B, a *app.App, ctx context.Context, csv []byte) time.Duration {
	start := time.Now()
	batch, err := csvfile.Read(bytes.NewReader(csv), csvfile.Options{Today: misgen.ReferenceDate()})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := a.ImportBatch(ctx, batch, app.ImportOptions{ConfirmLeavers: true}); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// sampleHeap records the largest heap in use until stop is called.
func sampleHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			*peak = max(*peak, m.HeapInuse)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}

func adminContext(b *testing.B, s *store.Store, env *vigiltest.Env) context.Context {
	sc := env.Fixtures.Oak
	p := sc.Staff["admin"]
	perms, err := s.FindPermissions(sc.Ctx, p.ID)
	if err != nil {
		b.Fatal(err)
	}
	return vigil.NewContext(context.Background(), &vigil.Actor{PersonID: p.ID, SchoolID: sc.ID, Role: sc.Roles["admin"], SteppedUp: true, Permissions: perms})
}
