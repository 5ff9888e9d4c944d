package live

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
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

// lineCounter is a Log that signals once it has seen n per-file lines.
type lineCounter struct {
	mu   sync.Mutex
	n    int
	want int
	done chan struct{}
}

func (c *lineCounter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for l := range strings.Lines(string(p)) {
		if strings.HasPrefix(l, "follow: ") && strings.Contains(l, " records, ") {
			c.n++
			if c.n == c.want {
				close(c.done)
			}
		}
	}
	return len(p), nil
}

// BenchmarkFollowState is --follow over a directory of 10,000 small files
// (one record each, every 100th a finding, 100 folders), without a state
// file and with one: the state's cost per file must be O(1), its total
// within 2x of the run without (issue 14: it was 138 s against 3.6 s when
// the state was rewritten and fsynced after every file). One op is the
// whole directory.
func BenchmarkFollowState(b *testing.B) {
	const files = 10_000
	dir := b.TempDir()
	for i := range files {
		sub := filepath.Join(dir, fmt.Sprintf("%02d", i%100))
		if i < 100 {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				b.Fatal(err)
			}
		}
		rec := fmt.Sprintf(`{"eventVersion":"1.08","eventTime":"2024-07-30T21:53:13Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","eventID":"ev-%d"}`, i)
		if i%100 == 0 {
			rec = fmt.Sprintf(`{"eventName":"CreateAccessKey","eventSource":"iam.amazonaws.com","eventID":"ev-%d","eventTime":"2024-07-30T21:53:13Z","requestParameters":{"userName":"bob"},"userIdentity":{"type":"IAMUser","userName":"alice","arn":"arn:aws:iam::1:user/alice"},"sourceIPAddress":"192.0.2.1"}`, i)
		}
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("f%05d.json", i)), []byte(rec+"\n"), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	set, err := engine.Load(context.Background(), engine.Config{})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name            string
		state, findings bool // a state file; findings to a regular file (then the state waits for its fsync)
	}{
		{"state=none", false, false},
		{"state=journal", true, false},
		{"state=journal,findings=file", true, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				state := ""
				if c.state {
					state = filepath.Join(b.TempDir(), "state.json")
				}
				var out io.Writer = io.Discard
				if c.findings {
					f, err := os.Create(filepath.Join(b.TempDir(), "findings.jsonl"))
					if err != nil {
						b.Fatal(err)
					}
					defer f.Close()
					out = f
				}
				log := &lineCounter{want: files, done: make(chan struct{})}
				ctx, cancel := context.WithCancel(context.Background())
				errc := make(chan error, 1)
				go func() {
					errc <- Follow(ctx, FollowConfig{Dir: dir, StateFile: state, Settle: time.Hour, Out: out, Log: log},
						func() *engine.Set { return set }, nil)
				}()
				select {
				case <-log.done:
				case err := <-errc:
					b.Fatalf("follow ended: %v", err)
				}
				cancel()
				if err := <-errc; err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*files), "µs/file")
		})
	}
}
