package partial

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/trailhunt/trailhunt/aggregate"
	"github.com/trailhunt/trailhunt/report"
	"github.com/trailhunt/trailhunt/trail"
)

// BenchmarkMerge1000Partials reads and merges 1,000 partial results of
// 10,000 rows each (groups drawn from 50,000, as shards of one hunt share
// their busiest principals), as evaluate merge does. It reports the time
// per merge and the heap the merged table holds.
func BenchmarkMerge1000Partials(b *testing.B) {
	const parts, rows, universe = 1000, 10_000, 50_000
	rng := rand.New(rand.NewPCG(1, 2))
	names := make([]string, universe)
	for i := range names {
		names[i] = fmt.Sprintf("arn:aws:iam::%012d:user/u%d", i%97, i)
	}
	files := make([][]byte, parts)
	for p := range files {
		tab := aggregate.New(nil)
		for range rows {
			n := names[rng.IntN(universe)]
			src := fmt.Sprintf("198.51.100.%d", rng.IntN(250))
			tab.Add(trail.Finding{Detection: "aws_createaccesskey", Values: []*string{&n, &src},
				Time:   time.Unix(int64(1.7e9+rng.IntN(86400)), 0).UTC(),
				Source: trail.Source{File: fmt.Sprintf("s3://b/AWSLogs/1/CloudTrail/us-east-1/2024/08/01/f%d.json.gz", p), Index: rng.IntN(2000)}})
		}
		var buf bytes.Buffer
		if err := Write(&buf, Meta{PolicyVersion: "v", Plan: "p", ShardIndex: p, ShardCount: parts, Summary: report.Summary{Records: rows}}, tab); err != nil {
			b.Fatal(err)
		}
		files[p] = buf.Bytes()
	}
	var held uint64
	var groups int
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		merged := aggregate.New(nil)
		var sum report.Summary
		for _, f := range files {
			m, t, err := Read(bytes.NewReader(f), nil)
			if err != nil {
				b.Fatal(err)
			}
			merged.Merge(t)
			sum = sum.Plus(m.Summary)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		held, groups = after.HeapAlloc-before.HeapAlloc, merged.Len()
		if sum.Records != parts*rows {
			b.Fatalf("%d records", sum.Records)
		}
	}
	b.ReportMetric(float64(held)/(1<<20), "MiB-held")
	b.ReportMetric(float64(groups), "groups")
}
