package live

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/trailhunt/trailhunt/aggregate"
	"github.com/trailhunt/trailhunt/engine"
	"github.com/trailhunt/trailhunt/loader"
	"github.com/trailhunt/trailhunt/report"
	"github.com/trailhunt/trailhunt/sweep"
	"github.com/trailhunt/trailhunt/trail"
)

// WatchConfig configures Watch.
type WatchConfig struct {
	Sweep      sweep.Config  // paths, workers, time window, error callback
	Loader     loader.Config // how inputs are read (also when re-reading)
	CacheBytes int64         // budget for records kept in memory
	Report     report.Config // format and width of the first full report
	Out        io.Writer     // results: the first report, then the changes
	Log        io.Writer     // reload messages and timings
}

// recordCache keeps the records of the first pass within a byte budget.
type recordCache struct {
	limit, size int64
	recs        []trail.Record
	overflow    bool
}

// spanSize is the memory of one trail.Span.
var spanSize = binary.Size(trail.Span{})

func (c *recordCache) add(r trail.Record) {
	if c.overflow {
		return
	}
	c.size += int64(len(r.Raw)) + int64(len(r.Spans)*spanSize) + int64(len(r.Source.File)+len(r.Source.Member)) + 96
	if c.size > c.limit {
		c.overflow, c.recs = true, nil
		return
	}
	c.recs = append(c.recs, r)
}

// Watch evaluates the inputs with the current set, writes the
// full report, then after every reload re-evaluates and writes what
// changed, until ctx is done.
func Watch(ctx context.Context, cfg WatchConfig, current func() *engine.Set, reloads <-chan engine.Reload) error {
	set := current()
	cache := &recordCache{limit: cfg.CacheBytes}
	first := cfg.Sweep
	first.OnRecord = cache.add
	start := time.Now()
	res := sweep.Run(ctx, first, loader.New(cfg.Loader), set)
	rc := cfg.Report
	rc.Detections, rc.PolicyVersion = detectionMap(set), set.Version()
	rows := res.Table.Rows()
	if err := report.Write(cfg.Out, rc, rows); err != nil {
		return fmt.Errorf("%w: results: %w", ErrOutput, err)
	}
	if cache.overflow {
		fmt.Fprintf(cfg.Log, "watch: the inputs do not fit in the record cache (--cache-bytes %d): every change re-reads them\n", cfg.CacheBytes)
	} else {
		fmt.Fprintf(cfg.Log, "watch: %d records in memory (%.1f MiB); evaluated in %s\n", len(cache.recs), float64(cache.size)/(1<<20), time.Since(start).Round(time.Millisecond))
	}
	fmt.Fprintf(cfg.Log, "watch: policy set %s; watching for policy and filter changes (Ctrl-C to stop)\n", set.Version())

	prev := res
	for {
		select {
		case <-ctx.Done():
			return nil
		case r := <-reloads:
			if r.Err != nil {
				fmt.Fprintf(cfg.Log, "watch: reload failed; still using policy set %s:\n%s\n", r.Previous, indent(r.Err.Error()))
				continue
			}
			if r.Recovered {
				fmt.Fprintf(cfg.Log, "watch: recovered: policy set %s loads again\n", r.Set.Version())
			}
			if r.Set.Version() == r.Previous {
				fmt.Fprintf(cfg.Log, "watch: policy set %s unchanged (same content)\n", r.Previous)
				continue
			}
			t0 := time.Now()
			var next sweep.Result
			if cache.overflow {
				next = sweep.Run(ctx, cfg.Sweep, loader.New(cfg.Loader), r.Set)
			} else {
				next = sweep.RunRecords(ctx, cfg.Sweep, cache.recs, r.Set)
			}
			if ctx.Err() != nil {
				return nil
			}
			change := Change{
				From: r.Previous, To: r.Set.Version(),
				Reload: r.Took, Evaluate: time.Since(t0),
				Records:    next.Evaluated + next.Failed,
				Delta:      aggregate.Diff(prev.Table.Rows(), next.Table.Rows()),
				Suppressed: suppressionChanges(prev.Suppressed, next.Suppressed),
				Detections: detectionMap(r.Set),
			}
			if err := change.Write(cfg.Out); err != nil {
				return fmt.Errorf("%w: changes: %w", ErrOutput, err)
			}
			prev = next
		}
	}
}

func detectionMap(set *engine.Set) map[string]trail.Detection {
	m := map[string]trail.Detection{}
	for _, d := range set.Detections() {
		m[d.ID] = d
	}
	return m
}

// indent renders a message of several lines (a policy load error) as a
// block under a log line: escaped line by line (the error quotes policy
// source lines, control bytes and all), every line indented, so that no
// line of it can pass for a log line of its own.
func indent(s string) string {
	s = report.PrintableLines(strings.TrimRight(s, "\n"))
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}
