package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// benchEntries makes n filter entries of the kinds real lists hold: most
// name a principal exactly, some a glob with a literal prefix, some a CIDR
// range with a target user, a few only a `*...` glob (checked for every
// finding).
func benchEntries(n int) []filterEntry {
	out := make([]filterEntry, n)
	for i := range out {
		var m map[string][]string
		switch i % 20 {
		case 0, 1, 2:
			m = map[string][]string{"user_arn": {fmt.Sprintf("arn:aws:sts::%012d:assumed-role/ci-%d/*", i, i)}}
		case 3, 4:
			m = map[string][]string{"src": {fmt.Sprintf("10.%d.%d.0/24", i/256%256, i%256)}, "requestParameters.userName": {fmt.Sprintf("svc-%d", i)}}
		case 5:
			if i%1000 == 5 {
				m = map[string][]string{"userAgent": {fmt.Sprintf("*rotator-%d*", i)}}
				break
			}
			fallthrough
		default:
			m = map[string][]string{"user_arn": {fmt.Sprintf("arn:aws:iam::%012d:user/admin-%d", i, i)}, "requestParameters.userName": {fmt.Sprintf("user-%d", i)}}
		}
		out[i] = entry(fmt.Sprint("e", i), m)
	}
	return out
}

// BenchmarkSuppress: 10,000 entries against 100,000 findings per op (the
// target: under 1 s per op). Exactly 5,000 findings are suppressed.
func BenchmarkSuppress(b *testing.B) {
	sup := newSuppressor(benchEntries(10_000), supBy, []string{"src"})
	findings := make([][]*string, 100_000)
	for i := range findings {
		n := i % 10_000
		arn := fmt.Sprintf("arn:aws:iam::%012d:user/admin-%d", n, n)
		user := fmt.Sprintf("user-%d", n)
		if i%10 != 0 {
			user = "someone-else"
		}
		findings[i] = supBase(map[string]*string{"user_arn": &arn, "requestParameters.userName": &user, "src": ptr(fmt.Sprintf("10.%d.%d.7", n/256%256, n%256))})
	}
	b.ResetTimer()
	for b.Loop() {
		hits := 0
		for _, f := range findings {
			if len(sup.match(f)) > 0 {
				hits++
			}
		}
		if hits != 5_000 {
			b.Fatalf("%d hits", hits)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(findings)), "ns/finding")
}

// BenchmarkLoad200kFilters loads the embedded detection with a 200,000-entry
// filter list: parse, validate and index, with OPA compiling the policy.
// It reports the heap the loaded set holds.
func BenchmarkLoad200kFilters(b *testing.B) {
	var y strings.Builder
	y.WriteString("detection: aws_createaccesskey\nfilters:\n")
	for _, e := range benchEntries(200_000) {
		fmt.Fprintf(&y, "  - id: %s\n    reason: benchmark\n    owner: secops@example.com\n    expires: 2099-12-31\n    match:\n", e.ID)
		for k, pats := range e.Match {
			fmt.Fprintf(&y, "      %s: [%q]\n", k, pats[0])
		}
	}
	path := filepath.Join(b.TempDir(), "big.yaml")
	if err := os.WriteFile(path, []byte(y.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	var heap uint64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		set, err := Load(b.Context(), Config{Detections: []string{"aws_createaccesskey"}, FilterPaths: []string{path}, Now: time.Now()})
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if n := len(set.Filters()); n != 200_000 {
			b.Fatalf("%d entries", n)
		}
		heap = after.HeapAlloc - before.HeapAlloc
		runtime.KeepAlive(set)
	}
	b.ReportMetric(float64(heap)/(1<<20), "MiB-held")
	b.ReportMetric(float64(len(y.String()))/(1<<20), "MiB-yaml")
}
