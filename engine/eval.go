package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/trailhunt/trailhunt/trail"
)

// Error reasons, the categories a run summary counts failed evaluations by.
const (
	ReasonInput    = "input"    // the record could not be turned into policy input
	ReasonRuntime  = "runtime"  // the policy failed at runtime (builtin error, conflict)
	ReasonTimeout  = "timeout"  // the policy ran past its per-record deadline
	ReasonCanceled = "canceled" // the run was interrupted
	ReasonContract = "contract" // the finding did not have the contract's shape
)

// EvalError is a failed evaluation of one record by one detection (or, with
// Reason "input", by all of them).
type EvalError struct {
	Detection string // "" when the record could not be read as input
	Source    trail.Source
	Reason    string
	Err       error
}

func (e *EvalError) Error() string {
	if e.Detection == "" {
		return fmt.Sprintf("%s: %s: %v", e.Source, e.Reason, e.Err)
	}
	return fmt.Sprintf("%s: detection %s: %s: %v", e.Source, e.Detection, e.Reason, e.Err)
}

func (e *EvalError) Unwrap() error { return e.Err }

// ReasonCode is the error's category for a run summary.
func (e *EvalError) ReasonCode() string { return e.Reason }

// Evaluate runs every detection of the set on one record. It returns the
// findings (suppressed ones included, with SuppressedBy set) and, joined, an
// *EvalError for each detection that failed; a failing detection does not
// stop the others.
func (s *Set) Evaluate(ctx context.Context, rec trail.Record) ([]trail.Finding, error) {
	var buf [8]int
	admitted := s.route.route(rec, buf[:0])
	if len(admitted) == 0 {
		return nil, nil // most records: no detection can match
	}
	// Decoded once, with what every admitted detection sees.
	proj := s.detections[admitted[0]].input
	for _, i := range admitted[1:] {
		proj = proj.union(s.detections[i].input)
	}
	input, err := proj.value(rec)
	if err != nil {
		return nil, &EvalError{Source: rec.Source, Reason: ReasonInput, Err: err}
	}
	var findings []trail.Finding
	var errs []error
	for _, i := range admitted {
		d := s.detections[i]
		f, ok, err := d.evaluate(ctx, input, rec.Time, s.now, s.timeout)
		if err != nil {
			errs = append(errs, &EvalError{Detection: d.meta.ID, Source: rec.Source, Reason: reasonOf(err), Err: err})
			continue
		}
		if ok {
			f.Time, f.Source = rec.Time, rec.Source
			findings = append(findings, f)
		}
	}
	return findings, errors.Join(errs...)
}

func reasonOf(err error) string {
	switch {
	case errors.Is(err, ErrContract):
		return ReasonContract
	case errors.Is(err, ErrTimeout):
		return ReasonTimeout
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return ReasonCanceled
	default:
		return ReasonRuntime
	}
}

// ErrTimeout is the error of an evaluation that ran past Config.EvalTimeout.
var ErrTimeout = errors.New("evaluation deadline exceeded")

func (d *detection) evaluate(ctx context.Context, input ast.Value, recTime, now time.Time, timeout time.Duration) (trail.Finding, bool, error) {
	if err := ctx.Err(); err != nil {
		return trail.Finding{}, false, err
	}
	// One cancel per evaluation, fired by a timer or by ctx: cheaper than
	// letting OPA start a goroutine to watch ctx on every call, and it gives
	// each record its own deadline.
	cancel := &evalCancel{ctx: ctx}
	var timer *time.Timer
	if timeout > 0 {
		timer = time.AfterFunc(timeout, cancel.Cancel)
	}
	t, err := d.query.eval(ctx, input, now, cancel)
	if timer != nil {
		timer.Stop()
	}
	if err != nil {
		if topdown.IsCancel(err) {
			if err := ctx.Err(); err != nil && !cancel.timedOut.Load() {
				return trail.Finding{}, false, err // interrupted
			}
			return trail.Finding{}, false, fmt.Errorf("%w (%s)", ErrTimeout, timeout)
		}
		return trail.Finding{}, false, err
	}
	if t == nil {
		return trail.Finding{}, false, nil
	}
	obj, ok := t.Value.(ast.Object)
	if !ok {
		return trail.Finding{}, false, fmt.Errorf("%w: finding is %s, want an object", ErrContract, ast.ValueName(t.Value))
	}
	extra := d.extra
	values, err := d.values(obj, d.meta.By, d.byTerms)
	if err != nil {
		return trail.Finding{}, false, err
	}
	hostKeys := 0 // by-fields the host fills, not the policy
	if d.span > 0 {
		values[slices.Index(d.meta.By, trail.TimeField)] = trail.Bucket(recTime, d.span)
		hostKeys = 1
	}
	var extraValues []*string
	if len(extra) > 0 {
		if extraValues, err = d.values(obj, extra, d.extraTerms); err != nil {
			return trail.Finding{}, false, err
		}
	}
	if obj.Len() != len(d.meta.By)-hostKeys+len(extra) {
		var err error
		obj.Foreach(func(kt, _ *ast.Term) {
			k, _ := kt.Value.(ast.String)
			if err == nil && (!slices.Contains(d.meta.By, string(k)) && !slices.Contains(extra, string(k)) || string(k) == trail.TimeField && d.span > 0) {
				err = fmt.Errorf("%w: finding has key %v, which is neither in stats.by nor read by a stats function", ErrContract, kt)
			}
		})
		if err != nil {
			return trail.Finding{}, false, err
		}
	}
	return trail.Finding{Detection: d.meta.ID, Values: values, Extra: extraValues, SuppressedBy: d.suppress.match(values)}, true, nil
}

// evalCancel stops one evaluation when its deadline passes (Cancel, from
// a timer) or when ctx is done (an interrupt): OPA polls Cancelled between
// steps, and ctx.Err is an atomic load.
type evalCancel struct {
	ctx      context.Context
	timedOut atomic.Bool
}

func (c *evalCancel) Cancel()         { c.timedOut.Store(true) }
func (c *evalCancel) Cancelled() bool { return c.timedOut.Load() || c.ctx.Err() != nil }

// values reads the finding's values of keys (terms: keyTerms(keys)),
// checked against the contract (every key present, values strings or null),
// in the order of keys.
func (d *detection) values(obj ast.Object, keys []string, terms []*ast.Term) ([]*string, error) {
	out := make([]*string, len(keys))
	strs := make([]string, len(keys)) // one allocation for the values out points to
	for i, k := range keys {
		if k == trail.TimeField && d.span > 0 {
			continue // the host's: see evaluate
		}
		x := obj.Get(terms[i])
		if x == nil {
			return nil, fmt.Errorf("%w: finding has no key %q (stats.by and the fields stats functions read)", ErrContract, k)
		}
		switch v := x.Value.(type) {
		case ast.Null:
		case ast.String:
			strs[i] = string(v)
			out[i] = &strs[i]
		default:
			return nil, fmt.Errorf("%w: finding key %q is a %s, want a string or null", ErrContract, k, ast.ValueName(v))
		}
	}
	return out, nil
}

// keyTerms are the finding keys as terms, made once: looking a key up in
// the finding with a term made for each record cost an allocation per key.
func keyTerms(keys []string) []*ast.Term {
	out := make([]*ast.Term, len(keys))
	for i, k := range keys {
		out[i] = ast.StringTerm(k)
	}
	return out
}
