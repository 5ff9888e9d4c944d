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
// yields the residual queries, one of which must hold for a finding. Each
// query's equalities input.<path> == "<constant>" (a top-level key or a path
// into nested objects, input.userIdentity.type) are conditions a record must
// meet for that query. When every query constrains one top-level key, the
// router indexes the detection by that key's constants (key, values); a
// record it routes here must then meet every condition of at least one
// query (queries; nil when the key is each query's only condition). When no
// top-level key is constrained by every query (or partial evaluation
// fails), key is "" and every record is evaluated.
//
// The price: a record ruled out this way is not evaluated, so a runtime
// error the policy would have raised on it is not reported.
type prefilter struct {
	key     string
	values  map[string]bool
	queries [][]condition
}

// condition is input.<path> == value.
type condition struct {
	path  []string
	value string
}

func (c condition) String() string {
	return fmt.Sprintf("input.%s == %q", strings.Join(c.path, "."), c.value)
}

// holds reports whether rec meets the condition: the value at path is the
// string value (escapes decoded), not a copy on the common path.
func (c condition) holds(rec trail.Record) bool {
	v := rec.Lookup(c.path[0])
	for _, seg := range c.path[1:] {
		if v = trail.Member(v, seg); v == nil {
			return false
		}
	}
	return stringIs(v, c.value)
}

// stringIs reports whether the raw JSON value v is the string s.
func stringIs(v []byte, s string) bool {
	if len(v) >= 2 && v[0] == '"' && bytes.IndexByte(v, '\\') < 0 {
		return string(v[1:len(v)-1]) == s
	}
	got, ok := trail.StringValue(v)
	return ok && got == s
}

// admits reports whether a record routed by the key may produce a finding.
func (p prefilter) admits(rec trail.Record) bool {
	if p.queries == nil {
		return true
	}
	for _, q := range p.queries {
		if !slices.ContainsFunc(q, func(c condition) bool { return !c.holds(rec) }) {
			return true
		}
	}
	return false
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
	out := fmt.Sprintf("input.%s in {%s}", p.key, strings.Join(vals, ", "))
	// The other conditions: those of every query, then a note for the rest.
	var common []string
	more := false
	for i, q := range p.queries {
		for _, c := range q {
			if len(c.path) == 1 && c.path[0] == p.key {
				continue
			}
			inAll := !slices.ContainsFunc(p.queries, func(o []condition) bool {
				return !slices.ContainsFunc(o, func(x condition) bool { return slices.Equal(x.path, c.path) && x.value == c.value })
			})
			switch {
			case !inAll:
				more = true
			case i == 0:
				common = append(common, c.String())
			}
		}
	}
	for _, c := range common {
		out += " and " + c
	}
	if more {
		out += " (and more conditions in some branches)"
	}
	return out
}

// prefilterBudget bounds the partial evaluation that derives a prefilter:
// a policy that does heavy work on constants would otherwise stall loading.
// Past it, there is no prefilter (slower, never wrong).
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
	// For every residual query, the conditions it sets on input, each
	// once. A query that wants two values at one path can never hold:
	// partial evaluation leaves such branches in, and they are dropped.
	var queries [][]condition
next:
	for _, body := range pq.Queries {
		var q []condition
		for _, expr := range body {
			c, ok := inputEquality(expr)
			if !ok {
				continue
			}
			i := slices.IndexFunc(q, func(o condition) bool { return slices.Equal(o.path, c.path) })
			switch {
			case i < 0:
				q = append(q, c)
			case q[i].value != c.value:
				continue next
			}
		}
		queries = append(queries, q)
	}
	if len(queries) == 0 {
		return prefilter{}
	}
	// A top-level key every query constrains; eventName first, as the most
	// selective field of CloudTrail, then in name order for determinism.
	var keys []string
	for _, c := range queries[0] {
		if len(c.path) == 1 && !slices.Contains(keys, c.path[0]) {
			keys = append(keys, c.path[0])
		}
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
		extra := false
		for _, q := range queries {
			i := slices.IndexFunc(q, func(c condition) bool { return len(c.path) == 1 && c.path[0] == k })
			if i < 0 { // a branch that does not constrain k
				p.key = ""
				break
			}
			p.values[q[i].value] = true
			extra = extra || len(q) > 1
		}
		if p.key != "" {
			if extra {
				p.queries = queries
			}
			return p
		}
	}
	return prefilter{}
}

// inputEquality matches an expression input.<path> = "<string>" (either
// order, = or ==; every path segment a string), not negated and without
// with-modifiers.
func inputEquality(expr *ast.Expr) (condition, bool) {
	if expr.Negated || len(expr.With) > 0 || !expr.IsCall() || len(expr.Operands()) != 2 {
		return condition{}, false
	}
	if op := expr.Operator(); !op.Equal(ast.Equality.Ref()) && !op.Equal(ast.Equal.Ref()) {
		return condition{}, false
	}
	a, b := expr.Operand(0), expr.Operand(1)
	for range 2 {
		ref, isRef := a.Value.(ast.Ref)
		v, vOK := b.Value.(ast.String)
		if isRef && vOK && len(ref) >= 2 && ref.HasPrefix(ast.InputRootRef) {
			path := make([]string, 0, len(ref)-1)
			for _, t := range ref[1:] {
				s, ok := t.Value.(ast.String)
				if !ok {
					break
				}
				path = append(path, string(s))
			}
			if len(path) == len(ref)-1 {
				return condition{path: path, value: string(v)}, true
			}
		}
		a, b = b, a
	}
	return condition{}, false
}

// router gives a record to the detections whose prefilter admits it. It
// looks each distinct prefilter key up once per record, however many
// detections share it: with the whole pack loaded, a record that no
// detection can match costs one lookup and never reaches OPA.
type router struct {
	keys   []routeKey
	always []int       // detections without a prefilter, by index
	pre    []prefilter // by detection index
}

type routeKey struct {
	key    string
	values map[string][]int // constant -> detection indexes, ascending
}

func newRouter(dets []*detection) router {
	var r router
	for i, d := range dets {
		r.pre = append(r.pre, d.pre)
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
		n := len(out)
		for _, d := range ds {
			if r.pre[d].admits(rec) {
				out = append(out, d)
			}
		}
		if len(out) > n {
			sources++
		}
	}
	if sources > 1 {
		slices.Sort(out)
		out = slices.Compact(out)
	}
	return out
}
