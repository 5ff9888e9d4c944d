// Package sweep runs one evaluation of a set of inputs: it walks the inputs,
// reads their records with several workers, evaluates each record, and
// aggregates the findings. It is the data path of trailhunt in one place:
// loader -> evaluator -> aggregate.
//
// Invariants:
//   - every record the loader yields is counted exactly once, as evaluated,
//     skipped (by reason) or failed (by reason);
//   - results do not depend on the number of workers: each worker aggregates
//     into its own table and the tables are merged;
//   - the work of one input is shared: its reader hands records on in
//     batches that any worker evaluates, and at most Workers goroutines
//     read or evaluate at any moment;
//   - at most OpenAhead inputs are open at once: the next inputs are opened
//     (a GET's round trip, for an object) while others are read, so a
//     remote source's latency overlaps the reading; an input opened and
//     not read (the run was cancelled) is closed;
//   - memory grows with the number of input files (listed first, for the
//     progress total) and the number of workers (per worker, at most three
//     batches of 1 MiB: one being filled, one queued, one being evaluated),
//     never with the number of records; the result rows' groups are held
//     within Config.Spill's budget (shared by the workers' tables) and
//     spilled to disk past it, or, without a budget, grow with the
//     distinct rows;
//   - a cancelled context stops the run promptly: no more is read, the
//     evaluations under way are stopped (engine.Set cancels them) and the
//     records read but not evaluated are skipped as SkipInterrupted, their
//     partial findings dropped; the result says so.
package sweep

import (
	"cmp"
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/trailhunt/trailhunt/aggregate"
	"github.com/trailhunt/trailhunt/loader"
	"github.com/trailhunt/trailhunt/trail"
)

// Evaluator evaluates one record; engine.Set is one. It must be safe for
// concurrent use. A non-nil error describes failed evaluations; findings
// returned beside it still count. Specs says how each detection's findings
// aggregate (nil: the seed's stats for every detection).
type Evaluator interface {
	Evaluate(ctx context.Context, rec trail.Record) ([]trail.Finding, error)
	Specs() aggregate.Specs
}

// Config says what to sweep and how.
type Config struct {
	// Shard, when Count > 0, reads only this shard's share of the listed
	// inputs (see Shard): the shards of a hunt split it without overlap.
	Shard Shard
	// OnListed, when set, is called once every input is listed, before
	// any is read: each shard lists every input, so what listing counts
	// belongs to one shard only.
	OnListed func()
	// Sources are listed in order and their inputs read; nil means the
	// local Paths.
	Sources []loader.Source
	Paths   []string
	Workers int // at most this many goroutines read or evaluate at once; 0 means one per CPU
	// OpenAhead is how many inputs may be open at once, those being read
	// included (for S3, the GETs in flight); 0 or less than Workers means
	// Workers.
	OpenAhead int
	// Since and Until bound event time (inclusive, exclusive); zero means
	// unbounded. With a bound set, records outside it, and records without a
	// usable eventTime, are skipped and counted.
	Since, Until time.Time
	// OnError, when set, is called for each loader or evaluation error, one
	// call at a time.
	OnError func(error)
	// OnFinding, when set, is called for each finding (suppressed ones
	// included) with the record it came from, one call at a time. The
	// record may lie in the reader's buffers: it is valid during the call
	// only.
	OnFinding func(trail.Finding, trail.Record)
	// OnRecord, when set, is called for each record read, before it is
	// evaluated, one call at a time (the --watch cache uses it).
	OnRecord func(trail.Record)
	// Spill bounds the memory of the result's groups (aggregate.Spill;
	// SpillDir keeps the runs as files): each worker's table gets an
	// equal share of the budget. The caller closes Result.Table, then the
	// store, to remove the runs.
	Spill aggregate.Spill
	// OnInputs, when set, is called once the inputs have been listed, before
	// any is read, with their number and total size (stdin counts as size
	// 0): the progress line's ETA.
	OnInputs func(files int, bytes int64)
}

// ReasonUnknown is the summary category of an evaluation error that carries
// none of its own.
const ReasonUnknown = "unknown"

// Skip reasons for records.
const (
	SkipOutsideWindow = "outside_time_window"
	SkipNoTime        = "no_time_in_window"
	// SkipInterrupted: read, but the run was interrupted before the record
	// was evaluated (or while it was).
	SkipInterrupted = "interrupted"
)

// Result is what a sweep found and counted.
type Result struct {
	// Plan identifies every input listed, before sharding (PlanID): the
	// shards of one hunt have the same plan.
	Plan        string
	Table       *aggregate.Table
	Evaluated   int64            // records evaluated by every detection without error
	Failed      int64            // records the evaluator failed on (at least one detection)
	Skipped     map[string]int64 // records not evaluated, by reason
	Errors      map[string]int64 // evaluation errors by reason
	Findings    int64            // findings shown (not suppressed)
	Suppressed  map[string]int64 // suppressed findings by "<detection>/<filter id>"
	Interrupted bool
}

// Run sweeps cfg.Paths with r and ev.
func Run(ctx context.Context, cfg Config, r *loader.Reader, ev Evaluator) Result {
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	cb := newCallbacks(cfg)

	// List the inputs first (names and sizes only) so that the total is
	// known for progress and ETA.
	sources := cfg.Sources
	if sources == nil {
		sources = []loader.Source{loader.Local{Paths: cfg.Paths}}
	}
	var list []loader.Input
	for in, err := range r.List(ctx, sources...) {
		if err != nil {
			cb.err(err)
			continue
		}
		list = append(list, in)
	}
	plan := PlanID(list)
	if cfg.OnListed != nil {
		cfg.OnListed()
	}
	if cfg.Shard.Count > 0 {
		list = cfg.Shard.Of(list)
	}
	var total int64
	for _, in := range list {
		total += max(in.Size, 0)
	}
	if cfg.OnInputs != nil {
		cfg.OnInputs(len(list), total)
	}
	inputs := make(chan loader.Input)
	go func() {
		defer close(inputs)
		for _, in := range list {
			select {
			case inputs <- in:
			case <-ctx.Done():
				return
			}
		}
	}()

	// Readers open inputs and read them whole, handing their records on in
	// batches; evaluators evaluate batches from any input, so that a single
	// large file keeps every worker busy. A slot is held while reading or
	// evaluating, never while waiting (nor while opening): at most workers
	// goroutines do either at once. There are OpenAhead readers, so that
	// many inputs are open at once: those waiting for a slot hold bodies
	// already under way.
	slots := make(chan struct{}, workers)
	acquire, release := func() { slots <- struct{}{} }, func() { <-slots }
	full := make(chan *batch, workers)
	var readers sync.WaitGroup
	for range max(workers, cfg.OpenAhead) {
		readers.Go(func() {
			for in := range inputs {
				if ctx.Err() != nil {
					continue // drain
				}
				in = r.Open(ctx, in)
				if ctx.Err() != nil {
					in.Close()
					continue
				}
				acquire()
				b := newBatch()
				for rec, err := range r.Scan(ctx, in) {
					if err != nil {
						cb.err(err)
						continue
					}
					cb.record(rec)
					if !b.add(rec) {
						release()
						full <- b
						acquire()
						b = newBatch()
						b.add(rec)
					}
				}
				release()
				if len(b.recs) == 0 {
					b.free() // an input without records
				} else {
					full <- b
				}
			}
		})
	}
	go func() {
		readers.Wait()
		close(full)
	}()

	// After an interrupt, the records read and not yet evaluated are
	// counted, not evaluated: a slow policy would otherwise hold the exit
	// for as long as they take.
	parts := make([]*Result, workers)
	var evaluators sync.WaitGroup
	for w := range workers {
		part := newResult(ev.Specs(), cfg.Spill, workers)
		parts[w] = part
		evaluators.Go(func() {
			for b := range full {
				acquire()
				for _, rec := range b.recs {
					part.record(ctx, cfg, rec, ev, cb)
				}
				release()
				b.free()
			}
		})
	}
	evaluators.Wait()

	res := mergeParts(ctx, ev.Specs(), cfg.Spill, parts)
	res.Plan = plan
	return res
}

// RunRecords evaluates records already in memory (the --watch cache) as Run
// evaluates records read from inputs, with the same counting. cfg.Paths and
// cfg.OnRecord are not used.
func RunRecords(ctx context.Context, cfg Config, recs []trail.Record, ev Evaluator) Result {
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	cb := newCallbacks(cfg)
	parts := make([]*Result, workers)
	var wg sync.WaitGroup
	for w := range workers {
		part := newResult(ev.Specs(), cfg.Spill, workers)
		parts[w] = part
		lo, hi := len(recs)*w/workers, len(recs)*(w+1)/workers
		wg.Go(func() {
			for _, rec := range recs[lo:hi] {
				if ctx.Err() != nil {
					return
				}
				part.record(ctx, cfg, rec, ev, cb)
			}
		})
	}
	wg.Wait()
	return mergeParts(ctx, ev.Specs(), cfg.Spill, parts)
}

// mergeParts merges the workers' results into the one with the most groups,
// which the others then need not be copied into (merging is commutative: the
// same result whatever the order; with a spill budget, what does not fit the
// largest table's share goes to its runs). parts is not used afterwards.
func mergeParts(ctx context.Context, specs aggregate.Specs, spill aggregate.Spill, parts []*Result) Result {
	res := newResult(specs, spill, 1)
	if len(parts) > 0 {
		largest := slices.MaxFunc(parts, func(a, b *Result) int { return cmp.Compare(a.Table.Len(), b.Table.Len()) })
		res = largest
		for _, p := range parts {
			if p != largest {
				res.merge(p)
			}
		}
	}
	res.Interrupted = ctx.Err() != nil
	return *res
}

// callbacks serialises the Config's callbacks across workers.
type callbacks struct {
	mu  sync.Mutex
	cfg Config
}

func newCallbacks(cfg Config) *callbacks { return &callbacks{cfg: cfg} }

func (c *callbacks) err(err error) {
	if c.cfg.OnError != nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.cfg.OnError(err)
	}
}

func (c *callbacks) finding(f trail.Finding, rec trail.Record) {
	if c.cfg.OnFinding != nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.cfg.OnFinding(f, rec)
	}
}

// record passes on a copy of r, which may lie in the reader's buffers.
func (c *callbacks) record(r trail.Record) {
	if c.cfg.OnRecord != nil {
		r = r.Clone()
		c.mu.Lock()
		defer c.mu.Unlock()
		c.cfg.OnRecord(r)
	}
}

// newResult is an empty result whose table takes its share of spill's
// budget.
func newResult(specs aggregate.Specs, spill aggregate.Spill, shares int) *Result {
	t := aggregate.New(specs)
	if spill.Budget > 0 {
		spill.Budget = max(spill.Budget/int64(shares), 1)
	}
	t.SetSpill(spill)
	return &Result{
		Table:      t,
		Skipped:    map[string]int64{},
		Errors:     map[string]int64{},
		Suppressed: map[string]int64{},
	}
}

// record evaluates one record into the worker's partial result.
func (p *Result) record(ctx context.Context, cfg Config, rec trail.Record, ev Evaluator, cb *callbacks) {
	if !cfg.Since.IsZero() || !cfg.Until.IsZero() {
		switch {
		case rec.Time.IsZero():
			p.Skipped[SkipNoTime]++
			return
		case !cfg.Since.IsZero() && rec.Time.Before(cfg.Since),
			!cfg.Until.IsZero() && !rec.Time.Before(cfg.Until):
			p.Skipped[SkipOutsideWindow]++
			return
		}
	}
	if ctx.Err() != nil {
		p.Skipped[SkipInterrupted]++
		return
	}
	findings, err := ev.Evaluate(ctx, rec)
	if err != nil && ctx.Err() != nil {
		p.Skipped[SkipInterrupted]++ // stopped under way: not evaluated
		return
	}
	if err != nil {
		p.Failed++
		for _, e := range unjoin(err) {
			p.Errors[reasonOf(e)]++
			cb.err(e)
		}
	} else {
		p.Evaluated++
	}
	for _, f := range findings {
		cb.finding(f, rec)
		if f.Suppressed() {
			for _, id := range f.SuppressedBy {
				p.Suppressed[f.Detection+"/"+id]++
			}
			continue
		}
		p.Findings++
		p.Table.Add(f)
	}
}

func (p *Result) merge(o *Result) {
	p.Table.Merge(o.Table)
	p.Evaluated += o.Evaluated
	p.Failed += o.Failed
	p.Findings += o.Findings
	for _, m := range [][2]map[string]int64{{p.Skipped, o.Skipped}, {p.Errors, o.Errors}, {p.Suppressed, o.Suppressed}} {
		for k, v := range m[1] {
			m[0][k] += v
		}
	}
}

// unjoin splits an errors.Join result into its parts.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// reasonOf is the summary category of an evaluation error: its Reason field
// when it has one (engine.EvalError), else ReasonUnknown.
func reasonOf(err error) string {
	var r interface{ ReasonCode() string }
	if errors.As(err, &r) {
		return r.ReasonCode()
	}
	return ReasonUnknown
}
