package aggregate

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/trailhunt/trailhunt/trail"
)

// ErrStats marks a stats function or condition that cannot be computed.
var ErrStats = errors.New("invalid stats")

var (
	statRE   = regexp.MustCompile(`^\s*([A-Za-z_]+)\s*(?:\(\s*([A-Za-z0-9_.]+)\s*\))?\s*(?:\s[Aa][Ss]\s+([A-Za-z_][A-Za-z0-9_]*))?\s*$`)
	statFunc = map[string]string{ // Splunk's name -> ours
		"count": "count", "c": "count",
		"dc": "dc", "distinct_count": "dc",
		"values": "values",
		"min":    "min", "earliest": "min",
		"max": "max", "latest": "max",
	}
)

// ParseStat reads one stats function as Splunk writes it: count,
// count(field), dc(field) (or distinct_count), values(field), min(_time) and
// max(_time) (or earliest/latest), each optionally followed by "as name".
// Without "as", the name is the call as written with our function name,
// e.g. "dc(eventName)".
func ParseStat(s string) (trail.Stat, error) {
	m := statRE.FindStringSubmatch(s)
	if m == nil {
		return trail.Stat{}, fmt.Errorf("%w: %q: want FUNC, FUNC(field) or either followed by \"as name\"", ErrStats, s)
	}
	fn, ok := statFunc[strings.ToLower(m[1])]
	if !ok {
		return trail.Stat{}, fmt.Errorf("%w: %q: unknown function %q (known: count, count(f), dc(f), values(f), min(_time), max(_time))", ErrStats, s, m[1])
	}
	st := trail.Stat{Func: fn, Field: m[2], Name: m[3]}
	switch {
	case fn == "dc" || fn == "values":
		if st.Field == "" {
			return st, fmt.Errorf("%w: %q: %s needs a field, as in %s(eventName)", ErrStats, s, fn, fn)
		}
		if st.Field == trail.TimeField {
			return st, fmt.Errorf("%w: %q: %s of _time is not supported", ErrStats, s, fn)
		}
	case fn == "min" || fn == "max":
		if st.Field != trail.TimeField {
			return st, fmt.Errorf("%w: %q: %s works on _time only (the event time)", ErrStats, s, fn)
		}
	case fn == "count" && st.Field == trail.TimeField:
		return st, fmt.Errorf("%w: %q: count(_time) is not supported: use count", ErrStats, s)
	}
	if st.Name == "" {
		st.Name = fn
		if st.Field != "" {
			st.Name += "(" + st.Field + ")"
		}
	}
	return st, nil
}

// Numeric reports whether a stat's value is a number (and so may appear in
// a where condition).
func Numeric(s trail.Stat) bool { return s.Func == "count" || s.Func == "dc" }

// Spec is how a detection's findings aggregate: its stats functions and its
// post-aggregation condition, checked.
type Spec struct {
	stats []trail.Stat
	by    []string
	extra []string
	where cond // nil keeps every row
}

// NewSpec checks d's Stats and Where against its By fields. Empty Stats
// means trail.DefaultStats.
func NewSpec(d trail.Detection) (*Spec, error) {
	s := &Spec{stats: d.Stats, by: d.By, extra: d.Extra()}
	if len(s.stats) == 0 {
		s.stats = trail.DefaultStats
	}
	numeric := map[string]bool{}
	for i, st := range s.stats {
		if slices.ContainsFunc(s.stats[:i], func(o trail.Stat) bool { return o.Name == st.Name }) {
			return nil, fmt.Errorf("%w: the name %q is given twice", ErrStats, st.Name)
		}
		if slices.Contains(d.By, st.Name) {
			return nil, fmt.Errorf("%w: %q names a stat like a by-field", ErrStats, st.String())
		}
		numeric[st.Name] = Numeric(st)
	}
	if strings.TrimSpace(d.Where) != "" {
		w, err := parseWhere(d.Where, numeric)
		if err != nil {
			return nil, err
		}
		s.where = w
	}
	return s, nil
}

// Stats returns the spec's functions in output order.
func (s *Spec) Stats() []trail.Stat { return s.stats }

// Specs maps detection ids to their specs. A detection without an entry
// aggregates with trail.DefaultStats and keeps every row.
type Specs map[string]*Spec

var defaultSpec = &Spec{stats: trail.DefaultStats}

func (ss Specs) of(id string) *Spec {
	if s := ss[id]; s != nil {
		return s
	}
	return defaultSpec
}

// values computes the row's stats from its group.
func (s *Spec) values(g *group, by []*string) []trail.StatValue {
	out := make([]trail.StatValue, len(s.stats))
	for i, st := range s.stats {
		switch st.Func {
		case "count":
			if st.Field == "" {
				out[i].N = g.count
			} else {
				out[i].N = s.fieldCount(g, by, st.Field)
			}
		case "dc":
			out[i].N = int64(len(s.fieldValues(g, by, st.Field)))
		case "values":
			out[i].Values = s.fieldValues(g, by, st.Field)
		case "min":
			out[i].Time = g.first
		case "max":
			out[i].Time = g.last
		}
	}
	return out
}

// fieldCount is count(field): the findings whose field was not null.
func (s *Spec) fieldCount(g *group, by []*string, field string) int64 {
	if i := slices.Index(s.by, field); i >= 0 {
		if i < len(by) && by[i] != nil {
			return g.count
		}
		return 0
	}
	if i := slices.Index(s.extra, field); i >= 0 && i < len(g.extra) {
		return g.extra[i].nonNull
	}
	return 0
}

// fieldValues is values(field): the distinct non-null values, sorted.
func (s *Spec) fieldValues(g *group, by []*string, field string) []string {
	if i := slices.Index(s.by, field); i >= 0 {
		if i < len(by) && by[i] != nil {
			return []string{*by[i]}
		}
		return []string{}
	}
	out := []string{}
	if i := slices.Index(s.extra, field); i >= 0 && i < len(g.extra) {
		out = append(out, g.extra[i].values()...)
	}
	slices.Sort(out)
	return out
}

// keep reports whether a row passes the spec's where condition.
func (s *Spec) keep(stats []trail.StatValue) bool {
	if s.where == nil {
		return true
	}
	return s.where.eval(func(name string) int64 {
		i := slices.IndexFunc(s.stats, func(st trail.Stat) bool { return st.Name == name })
		return stats[i].N
	})
}

// FindingRow is the row of one finding alone: its stats computed as for a
// group of one, its source kept. The where condition is not applied: a
// stream of findings, as follow writes it, has no groups to hold back.
func (ss Specs) FindingRow(f trail.Finding) trail.Row {
	t := New(ss)
	t.Add(f)
	for k, g := range t.groups {
		r, _ := t.row(k, g)
		return r
	}
	return trail.Row{}
}
