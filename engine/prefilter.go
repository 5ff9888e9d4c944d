package engine

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/trailhunt/trailhunt/trail"
)

// prefilter is a cheap test that a record must pass for a detection's
// finding to be defined at all. It is derived from the compiled policy, never
// written by hand: partial evaluation of the finding rule with input unknown
// yields the residual queries, one of which must hold for a finding; when
// every one of them requires input.<key> == "<constant>", a record whose
// top-level key holds none of those constants cannot produce a finding, and
// is not given to OPA at all. When no such key exists (or partial evaluation
// fails), key is "" and every record is evaluated.
//
// The price: a record ruled out this way is not evaluated, so a runtime
// error the policy would have raised on it is not reported.
type prefilter struct {
	key    string
	values map[string]bool
}

func (p prefilter) String() string {
	if p.key == "" {
		return "none (every record is evaluated)"
	}
	vals := make([]string, 0, len(p.values))
	for v := range p.values {
		vals = append(vals, fmt.Sprintf("%q", v))
	}
	slices.Sort(vals)
	return fmt.Sprintf("input.%s in {%s}", p.key, strings.Join(vals, ", "))
}

// prefilterBudget bounds the partial evaluation that derives a prefilter:
// a policy that does heavy work on constants would otherwise stall loading.
// Past it, there is no prefilter.
const prefilterBudget = 2 * time.Second

// derivePrefilter finds the prefilter of detection id (see prefilter).
func derivePrefilter(ctx context.Context, c *ast.Compiler, id string) prefilter {
	ctx, cancel := context.WithTimeout(ctx, prefilterBudget)
	defer cancel()
	pq, err := rego.New(
		rego.Compiler(c),
		rego.Query(fmt.Sprintf("data.detections.%s.finding", id)),
		rego.Unknowns([]string{"input"}),
	).Partial(ctx)
	if err != nil || len(pq.Queries) == 0 {
		return prefilter{}
	}
	// For every residual query, the constants it requires of top-level
	// input keys.
	required := make([]map[string]string, len(pq.Queries))
	for i, body := range pq.Queries {
		required[i] = map[string]string{}
		for _, expr := range body {
			if k, v, ok := inputEquality(expr); ok {
				required[i][k] = v
			}
		}
	}
	// A key every query constrains; eventName first, as the most selective
	// field of CloudTrail, then in name order for determinism.
	keys := make([]string, 0, len(required[0]))
	for k := range required[0] {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if (a == "eventName") != (b == "eventName") {
			if a == "eventName" {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	for _, k := range keys {
		p := prefilter{key: k, values: map[string]bool{}}
		for _, req := range required {
			v, ok := req[k]
			if !ok {
				p.key = ""
				break
			}
			p.values[v] = true
		}
		if p.key != "" {
			return p
		}
	}
	return prefilter{}
}

// inputEquality matches an expression input.<key> = "<string>" (either
// order, = or ==), not negated and without with-modifiers.
func inputEquality(expr *ast.Expr) (key, value string, ok bool) {
	if expr.Negated || len(expr.With) > 0 || !expr.IsCall() || len(expr.Operands()) != 2 {
		return "", "", false
	}
	if op := expr.Operator(); !op.Equal(ast.Equality.Ref()) && !op.Equal(ast.Equal.Ref()) {
		return "", "", false
	}
	a, b := expr.Operand(0), expr.Operand(1)
	for range 2 {
		if ref, isRef := a.Value.(ast.Ref); isRef && len(ref) == 2 && ref.HasPrefix(ast.InputRootRef) {
			k, kOK := ref[1].Value.(ast.String)
			v, vOK := b.Value.(ast.String)
			if kOK && vOK {
				return string(k), string(v), true
			}
		}
		a, b = b, a
	}
	return "", "", false
}

// router gives a record to the detections whose prefilter admits it. It
// looks each distinct prefilter key up once per record, however many
// detections share it: with the whole pack loaded, a record that no
// detection can match costs one lookup and never reaches OPA.
type router struct {
	keys   []routeKey
	always []int // detections without a prefilter, by index
}

type routeKey struct {
	key    string
	values map[string][]int // constant -> detection indexes, ascending
}

func newRouter(dets []*detection) router {
	var r router
	for i, d := range dets {
		if d.pre.key == "" {
			r.always = append(r.always, i)
			continue
		}
		k := slices.IndexFunc(r.keys, func(k routeKey) bool { return k.key == d.pre.key })
		if k < 0 {
			k = len(r.keys)
			r.keys = append(r.keys, routeKey{key: d.pre.key, values: map[string][]int{}})
		}
		for v := range d.pre.values {
			r.keys[k].values[v] = append(r.keys[k].values[v], i)
		}
	}
	return r
}

// route appends to out the indexes of the detections that may find rec,
// ascending and once each.
func (r *router) route(rec trail.Record, out []int) []int {
	out = append(out, r.always...)
	sources := len(out)
	for _, k := range r.keys {
		v := rec.Lookup(k.key)
		var ds []int
		if len(v) >= 2 && v[0] == '"' && bytes.IndexByte(v, '\\') < 0 {
			ds = k.values[string(v[1:len(v)-1])] // no copy, no unescaping
		} else if s, ok := trail.StringValue(v); ok {
			ds = k.values[s]
		}
		if len(ds) > 0 {
			out = append(out, ds...)
			sources++
		}
	}
	if sources > 1 {
		slices.Sort(out)
		out = slices.Compact(out)
	}
	return out
}
