package live

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/trailhunt/trailhunt/aggregate"
	"github.com/trailhunt/trailhunt/engine"
	"github.com/trailhunt/trailhunt/sweep"
	"github.com/trailhunt/trailhunt/trail"
)

// cachedRecords builds n records as the --watch cache holds them: real
// fixture records, every 100th a CreateAccessKey for another user.
func cachedRecords(b *testing.B, n int) []trail.Record {
	b.Helper()
	var templates []json.RawMessage
	for _, name := range []string{"traildiscover", "stratus-red-team"} {
		raw, err := os.ReadFile(filepath.Join("..", "fixtures", name, "records.json"))
		if err != nil {
			b.Fatal(err)
		}
		var doc struct{ Records []json.RawMessage }
		if err := json.Unmarshal(raw, &doc); err != nil {
			b.Fatal(err)
		}
		templates = append(templates, doc.Records...)
	}
	recs := make([]trail.Record, n)
	t0 := time.Date(2024, 7, 30, 0, 0, 0, 0, time.UTC)
	for i := range recs {
		raw := []byte(templates[i%len(templates)])
		if i%100 == 0 {
			raw = fmt.Appendf(nil, `{"eventName":"CreateAccessKey","eventSource":"iam.amazonaws.com","eventID":"ev-%d","requestParameters":{"userName":"u%d"},"userIdentity":{"type":"IAMUser","userName":"admin","arn":"arn:aws:iam::1:user/admin","accountId":"1"},"sourceIPAddress":"192.0.2.%d","userAgent":"aws-cli/2"}`, i, i%7, i%250)
		}
		recs[i] = trail.Record{Source: trail.Source{File: "bench.json", Index: i}, Raw: bytes.Clone(raw), Time: t0.Add(time.Duration(i) * time.Second)}
	}
	return recs
}

// BenchmarkReloadAndDiff is the --watch loop after a save, on a
// 100,000-record archive kept in memory: reload the policy set from disk,
// re-evaluate every record, and diff the result rows (the debounce wait,
// DefaultDebounce, comes on top). The target: under 1 s in all.
func BenchmarkReloadAndDiff(b *testing.B) {
	recs := cachedRecords(b, 100_000)
	ctx := context.Background()
	cfg := engine.Config{PolicyDir: filepath.Join("..", "policies")}
	set, err := engine.Load(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	first := sweep.RunRecords(ctx, sweep.Config{}, recs, set)
	prev := first.Table.Rows()
	b.ResetTimer()
	for b.Loop() {
		set, err := engine.Load(ctx, cfg)
		if err != nil {
			b.Fatal(err)
		}
		res := sweep.RunRecords(ctx, sweep.Config{}, recs, set)
		if d := aggregate.Diff(prev, res.Table.Rows()); !d.Empty() || res.Findings != first.Findings || res.Findings < 1000 {
			b.Fatalf("findings %d, delta %+v", res.Findings, d)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)+float64(engine.DefaultDebounce.Milliseconds()), "ms-save-to-diff")
}
