package profile

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trailhunt/trailhunt/engine"
	"github.com/trailhunt/trailhunt/loader"
	"github.com/trailhunt/trailhunt/sweep"
)

// BenchmarkSweep runs sweep.Run with the embedded policies over
// $TRAILHUNT_BENCH_ARCHIVE with $TRAILHUNT_BENCH_WORKERS workers (default:
// one per CPU), as `evaluate` does, without writing results; with
// $TRAILHUNT_BENCH_DETECTIONS (ids or globs, comma-separated) only those
// detections.
func BenchmarkSweep(b *testing.B) {
	dir := os.Getenv("TRAILHUNT_BENCH_ARCHIVE")
	if dir == "" {
		b.Skip("TRAILHUNT_BENCH_ARCHIVE is not set")
	}
	workers, _ := strconv.Atoi(os.Getenv("TRAILHUNT_BENCH_WORKERS"))
	var only []string
	if d := os.Getenv("TRAILHUNT_BENCH_DETECTIONS"); d != "" {
		only = strings.Split(d, ",")
	}
	set, err := engine.Load(b.Context(), engine.Config{Now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Detections: only})
	if err != nil {
		b.Fatal(err)
	}
	var records, findings int64
	for b.Loop() {
		rd := loader.New(loader.Config{})
		res := sweep.Run(b.Context(), sweep.Config{Paths: []string{dir}, Workers: workers}, rd, set)
		if res.Failed > 0 || res.Interrupted {
			b.Fatalf("%d records failed, interrupted %v", res.Failed, res.Interrupted)
		}
		records += res.Evaluated
		findings += res.Findings
		b.SetBytes(rd.Stats().Decompressed)
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(findings)/float64(b.N), "findings/op")
}
