package sweep

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/trailhunt/trailhunt/aggregate"
	"github.com/trailhunt/trailhunt/engine"
	"github.com/trailhunt/trailhunt/loader"
	"github.com/trailhunt/trailhunt/trail"
)

func TestBatchAdd(t *testing.T) {
	small := trail.Record{Raw: []byte(`{"a":1}`), Spans: []trail.Span{{Key: 1, KeyEnd: 4, Value: 5, End: 6}}}
	tests := []struct {
		name    string
		recs    []trail.Record
		wantLen []int // records in each batch, in order
	}{
		{"up to batchRecords records per batch", repeat(small, batchRecords+1), []int{batchRecords, 1}},
		{"a batch is full when its bytes are", repeat(trail.Record{Raw: make([]byte, batchBytes/3+1)}, 4), []int{2, 2}},
		{"a record larger than a batch goes into an empty one, in memory of its own", []trail.Record{small, {Raw: make([]byte, batchBytes+1)}, small}, []int{1, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []int
			b := newBatch()
			for _, rec := range tc.recs {
				if !b.add(rec) {
					got = append(got, len(b.recs))
					b.free()
					if b = newBatch(); !b.add(rec) {
						t.Fatal("an empty batch refused a record")
					}
				}
			}
			got = append(got, len(b.recs))
			b.free()
			if fmt.Sprint(got) != fmt.Sprint(tc.wantLen) {
				t.Errorf("batches of %v records, want %v", got, tc.wantLen)
			}
		})
	}
}

// A batch owns copies: the reader's buffer may change after add, and a
// record without spans keeps none.
func TestBatchOwnsItsRecords(t *testing.T) {
	raw := []byte(`{"eventName":"A"}`)
	spans := []trail.Span{{Key: 1, KeyEnd: 12, Value: 13, End: 16}}
	b := newBatch()
	defer b.free()
	b.add(trail.Record{Raw: raw, Spans: spans})
	b.add(trail.Record{Raw: raw})
	copy(raw, `{"eventName":"B"}`)
	spans[0].End = 0
	if got, _ := b.recs[0].LookupString("eventName"); got != "A" {
		t.Errorf("batch record reads %q after its source changed, want A", got)
	}
	if b.recs[1].Spans != nil {
		t.Errorf("a record without spans has spans in the batch")
	}
	// Appending to one record's slices cannot overwrite the next one.
	_ = append(b.recs[0].Raw, 'x')
	if b.recs[1].Raw[0] != '{' {
		t.Errorf("records in a batch overlap")
	}
}

func repeat(rec trail.Record, n int) []trail.Record {
	out := make([]trail.Record, n)
	for i := range out {
		out[i] = rec
	}
	return out
}

// Results do not depend on the number of workers, whether the records come
// in many files or in one large one (whose batches any worker evaluates).
func TestWorkersAgree(t *testing.T) {
	one := t.TempDir()
	writeArchive(t, one, 1, 6*batchRecords)
	lines := filepath.Join(t.TempDir(), "export.jsonl")
	var jl bytes.Buffer
	for i := range 3 * batchRecords {
		fmt.Fprintf(&jl, `{"eventName":"CreateAccessKey","eventSource":"iam.amazonaws.com","userIdentity":{"type":"IAMUser","userName":"u%d"},"requestParameters":{"userName":"v%d"},"eventID":"e%d","eventTime":"2024-07-30T21:53:%02dZ"}`+"\n", i%7, i%5, i, i%60)
	}
	if err := os.WriteFile(lines, jl.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	set := load(t, engine.Config{})
	for name, path := range map[string]string{"one gzip'd file": one, "one JSON-lines file": lines, "fixtures": filepath.Join("..", "fixtures")} {
		t.Run(name, func(t *testing.T) {
			var want string
			for _, workers := range []int{1, 2, 3, 8} {
				res := sweep(t, set, Config{Paths: []string{path}, Workers: workers})
				rows, _ := json.Marshal(res.Table.Rows())
				got := fmt.Sprintf("evaluated=%d failed=%d findings=%d skipped=%v rows=%s", res.Evaluated, res.Failed, res.Findings, res.Skipped, rows)
				if res.Findings == 0 {
					t.Fatalf("%d workers: no findings: the comparison proves nothing", workers)
				}
				if workers == 1 {
					want = got
				} else if got != want {
					t.Errorf("%d workers:\n%.300s\n1 worker:\n%.300s", workers, got, want)
				}
			}
		})
	}
}

// concurrency wraps an Evaluator and records how many Evaluate calls ran at
// once. Its first call waits (up to a minute) for a second one to start, so
// that two workers sharing one file are seen whatever the scheduling.
type concurrency struct {
	ev       Evaluator
	mu       sync.Mutex
	cur, max int
	two      chan struct{}
	first    sync.Once
}

func (c *concurrency) Specs() aggregate.Specs { return nil }

func (c *concurrency) Evaluate(ctx context.Context, rec trail.Record) ([]trail.Finding, error) {
	c.mu.Lock()
	c.cur++
	if c.cur > c.max {
		if c.max = c.cur; c.max == 2 {
			close(c.two)
		}
	}
	c.mu.Unlock()
	c.first.Do(func() {
		select {
		case <-c.two:
		case <-time.After(time.Minute):
		}
	})
	defer func() {
		c.mu.Lock()
		c.cur--
		c.mu.Unlock()
	}()
	return c.ev.Evaluate(ctx, rec)
}

// TestOneFileUsesEveryWorker: the records of a single file are evaluated by
// two workers at once.
func TestOneFileUsesEveryWorker(t *testing.T) {
	dir := t.TempDir()
	n := writeArchive(t, dir, 1, 4*batchRecords)
	c := &concurrency{ev: load(t, engine.Config{}), two: make(chan struct{})}
	res := Run(context.Background(), Config{Paths: []string{dir}, Workers: 2}, loader.New(loader.Config{}), c)
	if res.Evaluated != int64(n) {
		t.Fatalf("evaluated %d of %d records", res.Evaluated, n)
	}
	if c.max != 2 {
		t.Errorf("at most %d evaluations at once over one file with 2 workers, want 2", c.max)
	}
}
