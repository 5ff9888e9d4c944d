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
	Sweep      sweep.Config  // paths, workers, time window (Watch sets the callbacks)
	Loader     loader.Config // how inputs are read (also when re-reading)
	CacheBytes int64         // budget for records kept in memory
	Report     report.Config // format and width of the first full report
	Out        io.Writer     // results: the first report, then the changes
	Log        io.Writer     // reload messages, timings and errors
	MaxErrors  int           // error lines printed per evaluation; all are counted
	Quiet      bool          // no error lines (the counts are still shown)
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

// pass is one re-evaluation of every record with one policy set, run in
// the background so that a newer set can cancel it.
type pass struct {
	set    *engine.Set
	reload time.Duration // the reload's own time
	start  time.Time
	took   time.Duration // when done
	cancel context.CancelFunc
	errs   *errorLog
	done   chan struct{}
	res    sweep.Result // when done
	read   loader.Stats // when done, re-reading the inputs
}

// finished reports whether the pass has ended.
func (p *pass) finished() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop cancels the pass and waits for it; its errors are no longer shown
// (those of records cancelled mean nothing).
func (p *pass) stop() {
	p.errs.mute()
	p.cancel()
	<-p.done
}

// bound evaluates with the pass's context: sweep.Run finishes the records
// it has read with a context that is never cancelled (a batch run's
// results cover every record read); a stale pass must stop at once.
type bound struct {
	ctx context.Context
	set *engine.Set
}

func (b bound) Evaluate(_ context.Context, rec trail.Record) ([]trail.Finding, error) {
	return b.set.Evaluate(b.ctx, rec)
}

func (b bound) Specs() aggregate.Specs { return b.set.Specs() }

// Watch evaluates the inputs with the current set, writes the full report,
// then after every reload re-evaluates and writes what changed, until ctx
// is done. A reload that comes while a re-evaluation runs cancels it: only
// the newest set is evaluated. The changes are always against the last
// complete results: a re-evaluation that failed on some records says so,
// shows their errors and what it found, and leaves the baseline as it was,
// so that no finding is shown as removed because its record failed.
func Watch(ctx context.Context, cfg WatchConfig, current func() *engine.Set, reloads <-chan engine.Reload) error {
	set := current()
	cache := &recordCache{limit: cfg.CacheBytes}
	errs := newErrorLog(cfg.Log, cfg.MaxErrors, cfg.Quiet)
	first := cfg.Sweep
	first.OnRecord, first.OnError = cache.add, errs.add
	start := time.Now()
	rd := loader.New(cfg.Loader)
	res := sweep.Run(ctx, first, rd, set)
	errs.flush("")
	rc := cfg.Report
	rc.Detections, rc.PolicyVersion = detectionMap(set), set.Version()
	if err := report.Write(cfg.Out, rc, res.Table.Rows()); err != nil {
		return fmt.Errorf("%w: results: %w", ErrOutput, err)
	}
	failed, errCounts := failures(res, rd.Stats())
	took := time.Since(start).Round(time.Millisecond)
	if cache.overflow {
		fmt.Fprintf(cfg.Log, "watch: the inputs do not fit in the record cache (--cache-bytes %d): every change re-reads them; evaluated in %s%s\n", cfg.CacheBytes, took, failedNote(failed, errCounts))
	} else {
		fmt.Fprintf(cfg.Log, "watch: %d records in memory (%.1f MiB); evaluated in %s%s\n", len(cache.recs), float64(cache.size)/(1<<20), took, failedNote(failed, errCounts))
	}
	fmt.Fprintf(cfg.Log, "watch: policy set %s; watching for policy and filter changes (Ctrl-C to stop)\n", set.Version())

	// base: the last complete results, which changes are shown against;
	// shown: the set whose results were shown last.
	base, baseVersion, shown := res, set.Version(), set.Version()
	finish := func(p *pass) error {
		p.errs.flush("")
		failed, errCounts := failures(p.res, p.read)
		change := Change{
			From: shown, To: p.set.Version(), Base: baseVersion,
			Reload: p.reload, Evaluate: p.took,
			Records:    p.res.Evaluated + p.res.Failed,
			Failed:     failed,
			Errors:     errCounts,
			Incomplete: p.res.Failed > 0,
			Delta:      aggregate.Diff(base.Table.Rows(), p.res.Table.Rows()),
			Suppressed: suppressionChanges(base.Suppressed, p.res.Suppressed),
			Detections: detectionMap(p.set),
		}
		if err := change.Write(cfg.Out); err != nil {
			return fmt.Errorf("%w: changes: %w", ErrOutput, err)
		}
		shown = p.set.Version()
		if !change.Incomplete {
			base, baseVersion = p.res, p.set.Version()
		}
		return nil
	}
	var running *pass
	for {
		var passDone <-chan struct{}
		if running != nil {
			passDone = running.done
		}
		select {
		case <-ctx.Done():
			if running != nil {
				running.stop()
			}
			return nil
		case r := <-reloads:
			if r.Err != nil {
				fmt.Fprintf(cfg.Log, "watch: reload failed; still using policy set %s:\n%s\n", r.Previous, indent(r.Err.Error()))
				continue
			}
			if r.Recovered {
				fmt.Fprintf(cfg.Log, "watch: recovered: policy set %s loads again\n", r.Set.Version())
			}
			if running != nil && running.finished() {
				// It ended as the reload came: its results stand.
				if err := finish(running); err != nil {
					return err
				}
				running = nil
			}
			if running != nil {
				if running.set.Version() == r.Set.Version() {
					continue // the same content, being evaluated
				}
				running.stop()
				fmt.Fprintf(cfg.Log, "watch: re-evaluation with policy set %s cancelled after %s: policy set %s replaces it\n",
					running.set.Version(), time.Since(running.start).Round(time.Millisecond), r.Set.Version())
				running = nil
			}
			if r.Set.Version() == shown {
				fmt.Fprintf(cfg.Log, "watch: policy set %s unchanged (same content)\n", shown)
				continue
			}
			running = startPass(ctx, cfg, cache, r)
		case <-passDone:
			p := running
			running = nil
			if ctx.Err() != nil {
				return nil
			}
			if err := finish(p); err != nil {
				return err
			}
		}
	}
}

// startPass re-evaluates every record with r.Set in the background.
func startPass(ctx context.Context, cfg WatchConfig, cache *recordCache, r engine.Reload) *pass {
	pctx, cancel := context.WithCancel(ctx)
	p := &pass{set: r.Set, reload: r.Took, start: time.Now(), cancel: cancel, done: make(chan struct{}),
		errs: newErrorLog(cfg.Log, cfg.MaxErrors, cfg.Quiet)}
	sc := cfg.Sweep
	sc.OnError, sc.OnRecord = p.errs.add, nil
	go func() {
		defer close(p.done)
		ev := bound{ctx: pctx, set: r.Set}
		if cache.overflow {
			rd := loader.New(cfg.Loader)
			p.res = sweep.Run(pctx, sc, rd, ev)
			p.read = rd.Stats()
		} else {
			p.res = sweep.RunRecords(pctx, sc, cache.recs, ev)
		}
		p.took = time.Since(p.start)
	}()
	return p
}

// failures counts the records that could not be read or evaluated, and
// every error by reason (evaluation errors as eval_<reason>, as the run
// summary counts them).
func failures(res sweep.Result, read loader.Stats) (int64, map[string]int64) {
	m := map[string]int64{}
	addCounts(m, "", read.Errors)
	addCounts(m, "eval_", res.Errors)
	return res.Failed + read.FailedRecords, m
}

// failedNote is "; N failed (reason n, ...)" when anything failed.
func failedNote(failed int64, errs map[string]int64) string {
	if failed == 0 && total(errs) == 0 {
		return ""
	}
	return fmt.Sprintf("; %d failed (errors: %s)", failed, reasons(errs))
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
