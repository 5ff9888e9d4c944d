package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkShardsCPU runs one archive as 1 to 4 shard processes, one after
// another (as 4 machines would, with no contention), and reports the total
// CPU seconds (user + system) of the shards over the single run's: the
// issue's target is within 10% (no duplicated work). The archive is
// $TRAILHUNT_BENCH_ARCHIVE, or one bench/gen makes (200,000 records).
func BenchmarkShardsCPU(b *testing.B) {
	exe := evaluateBinary(b)
	archive := os.Getenv("TRAILHUNT_BENCH_ARCHIVE")
	if archive == "" {
		dir := b.TempDir()
		if out, err := exec.Command("go", "run", "../../bench/gen", "-records", "200000", "-out", dir).CombinedOutput(); err != nil {
			b.Fatalf("bench/gen: %v\n%s", err, out)
		}
		archive = filepath.Join(dir, "AWSLogs")
	}
	cpu := func(args ...string) time.Duration {
		cmd := exec.Command(exe, append([]string{"--quiet", "--workers", "1", "--now", "2026-11-26T00:00:00Z"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v: %v\n%.500s", args, err, out)
		}
		return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	for b.Loop() {
		one := cpu("--partial", filepath.Join(b.TempDir(), "one.thp"), archive)
		for n := 2; n <= 4; n++ {
			var total time.Duration
			dir := b.TempDir()
			for i := range n {
				total += cpu("--partial", filepath.Join(dir, fmt.Sprintf("s%d.thp", i)), "--shard-count", fmt.Sprint(n), "--shard-index", fmt.Sprint(i), archive)
			}
			b.ReportMetric(float64(total)/float64(one), fmt.Sprintf("cpu-%dshards/1", n))
		}
		b.ReportMetric(one.Seconds(), "cpu-s-1shard")
	}
}
