// Package aggregate computes Splunk-style
//
//	stats count min(_time) as firstTime max(_time) as lastTime by <stats.by>
//	| where <condition>
//
// over findings, outside Rego: stats by ordered fields with the functions a
// detection declares (count, count(f), dc(f), values(f), min/max(_time); the
// seed's three by default) and an optional post-aggregation condition;
// mergeable; no I/O.
//
// Invariants:
//   - a group is keyed by the finding's detection id and its ordered by-values;
//     null (a nil value) is a value of its own, distinct from "" and from the
//     string "null"; the key encoding is unambiguous (length-prefixed strings,
//     a distinct marker for null), so ("a","bc") and ("ab","c") never collide;
//   - Count is the number of findings added to the group; First and Last are
//     the minimum and maximum of the group's non-zero finding times, in UTC,
//     and both are zero when no finding of the group had a time;
//   - memory grows with the number of distinct groups only, never with the
//     number of findings: adding a finding to an existing group allocates
//     nothing, and a new group keeps a private copy of its strings (never a
//     reference into a caller's buffer); with a Spill budget (spill.go),
//     the groups in memory stay within it and the rest lie in sorted runs
//     in the caller's Runs store (sweep.SpillDir: files), read back merged,
//     so that a spilled table reads exactly as the same table in memory;
//     the package itself does no I/O;
//   - merging partial tables gives exactly the table that adding every finding
//     to one table would give, whatever the split and the merge order: a
//     group keeps the distinct values of every field its stats read (so dc
//     is exact, never estimated), and the where condition is applied only
//     when rows are read, after every merge;
//   - Encode writes a table's whole state and Decode reads it back exactly
//     (encode.go): decoded partial tables merge as the tables would, and a
//     truncated, altered or foreign encoding is ErrCorrupt, never a smaller
//     table;
//   - Rows, Scan and Diff give rows in one deterministic order (see Compare)
//     and deep copies that the caller may modify freely.
//
// A Table is not safe for concurrent use: give each worker its own and Merge
// them at the end.
package aggregate

import (
	"io"
	"math"
	"slices"
	"time"

	"github.com/trailhunt/trailhunt/trail"
)

// group holds a group's running aggregates. Its detection and by-values live
// in the map key only, and are decoded from it by Rows.
type group struct {
	count       int64
	first, last time.Time      // zero until the group sees a non-zero time
	extra       []fieldState   // per Finding.Extra field; nil when the findings carry none
	sources     []trail.Source // the first MaxSources, in source order
}

// fieldState is what a group keeps of one extra field: enough for
// count(field), dc(field) and values(field), exactly mergeable. A group's
// one distinct value is kept as it is and the set made at the second: most
// groups of a hunt whose by-fields are narrow (one user, address and hour)
// hold one finding, and three maps for each cost more than the finding.
type fieldState struct {
	nonNull int64
	one     string              // the only distinct value, when has and set is nil
	has     bool                // one is set
	set     map[string]struct{} // the distinct values, once there are two
}

// add records one non-null value and returns the bytes it added (see
// group.bytes).
func (fs *fieldState) add(v string) int64 {
	switch {
	case fs.set != nil:
		if _, ok := fs.set[v]; ok {
			return 0
		}
		fs.set[v] = struct{}{} // a string is immutable: no copy needed
		return int64(valueBytes + len(v))
	case !fs.has:
		fs.one, fs.has = v, true
		return int64(len(v))
	case v != fs.one:
		fs.set = map[string]struct{}{fs.one: {}, v: {}}
		fs.one, fs.has = "", false
		return int64(setBytes + 2*valueBytes + len(v))
	}
	return 0
}

// values returns the distinct values, in no order.
func (fs *fieldState) values() []string {
	if fs.set == nil {
		if fs.has {
			return []string{fs.one}
		}
		return nil
	}
	out := make([]string, 0, len(fs.set))
	for v := range fs.set {
		out = append(out, v)
	}
	return out
}

// The memory a group takes, estimated for the spill budget (measured by
// TestGroupBytesEstimate): the map entry, the group and its key; each
// source kept; each extra field's state, its one value, or its set and each
// value in it.
const (
	groupBytes  = 192
	sourceBytes = 48
	fieldBytes  = 48
	setBytes    = 208
	valueBytes  = 40
)

// bytes estimates the memory g and its key k take.
func (g *group) bytes(k string) int64 {
	n := int64(groupBytes + len(k) + sourceBytes*len(g.sources) + fieldBytes*len(g.extra))
	for _, fs := range g.extra {
		n += int64(len(fs.one))
		if fs.set != nil {
			n += setBytes
		}
		for v := range fs.set {
			n += int64(valueBytes + len(v))
		}
	}
	return n
}

// addExtra folds one finding's extra values into the group and returns the
// bytes it added (see group.bytes).
func (g *group) addExtra(values []*string) (added int64) {
	if len(values) > len(g.extra) {
		added += int64(fieldBytes * (len(values) - len(g.extra)))
		g.extra = append(g.extra, make([]fieldState, len(values)-len(g.extra))...)
	}
	for i, v := range values {
		if v == nil {
			continue
		}
		fs := &g.extra[i]
		fs.nonNull++
		added += fs.add(*v)
	}
	return added
}

// mergeExtra folds another group's extra state into g.
func (g *group) mergeExtra(o *group) {
	if len(o.extra) > len(g.extra) {
		g.extra = append(g.extra, make([]fieldState, len(o.extra)-len(g.extra))...)
	}
	for i := range o.extra {
		ofs, fs := &o.extra[i], &g.extra[i]
		fs.nonNull += ofs.nonNull
		if ofs.set == nil {
			if ofs.has {
				fs.add(ofs.one)
			}
			continue
		}
		if fs.set == nil {
			set := make(map[string]struct{}, len(ofs.set)+1)
			if fs.has {
				set[fs.one] = struct{}{}
			}
			fs.set, fs.one, fs.has = set, "", false
		}
		for v := range ofs.set {
			fs.set[v] = struct{}{}
		}
	}
}

// observe folds one count and time range into the group. A zero first means
// the contribution carried no time.
func (g *group) observe(count int64, first, last time.Time) {
	g.count += count
	if first.IsZero() {
		return
	}
	if g.first.IsZero() || first.Before(g.first) {
		g.first = first
	}
	if g.last.IsZero() || last.After(g.last) {
		g.last = last
	}
}

// Table accumulates findings into groups. The zero value is an empty table.
// A Table is not safe for concurrent use; use one per worker, then Merge.
type Table struct {
	specs  Specs
	groups map[string]*group
	buf    []byte      // scratch key buffer, reused by Add
	size   int64       // the groups' estimated memory (group.bytes)
	spill  *spillState // nil: the table never spills (SetSpill)
}

// New returns an empty table that computes each detection's stats by its
// spec (nil: DefaultStats for every detection).
func New(specs Specs) *Table {
	return &Table{specs: specs, groups: make(map[string]*group)}
}

// Add counts f in the group of (f.Detection, f.Values): count plus one, and
// f.Time, when not zero, widens the group's first/last range. f is not
// retained.
func (t *Table) Add(f trail.Finding) {
	if t.groups == nil {
		t.groups = make(map[string]*group)
	}
	t.buf = appendKey(t.buf[:0], f.Detection, f.Values)
	// The string(t.buf) conversion in a map index does not allocate.
	g := t.groups[string(t.buf)]
	if g == nil {
		g = &group{}
		t.groups[string(t.buf)] = g
		t.size += int64(groupBytes + len(t.buf))
	}
	if len(f.Extra) > 0 {
		t.size += g.addExtra(f.Extra)
	}
	if f.Source.File != "" {
		n := len(g.sources)
		g.addSource(f.Source)
		t.size += int64(sourceBytes * (len(g.sources) - n))
	}
	if f.Time.IsZero() {
		g.observe(1, time.Time{}, time.Time{})
	} else {
		ts := f.Time.UTC()
		g.observe(1, ts, ts)
	}
	if t.overBudget() {
		t.spillMemory()
	}
}

// Merge adds every group of o to t, as if every finding added to o had been
// added to t; merging a nil table is a no-op. o's groups in memory are not
// modified, but o's spilled runs move to t (o no longer holds them); and
// when t spills and o's groups would take t past its budget, they are
// written to a run of t's instead of merged in memory.
func (t *Table) Merge(o *Table) {
	if o == nil {
		return
	}
	if t.groups == nil {
		t.groups = make(map[string]*group)
	}
	if o == t && t.spilled() {
		panic("aggregate: a spilled table merged into itself")
	}
	if o.spilled() && t.spill == nil {
		// t takes o's runs, and never spills more of its own.
		t.spill = &spillState{Spill: Spill{Budget: math.MaxInt64, Runs: o.spill.Runs}}
	}
	if t.spill != nil && o != t {
		t.adopt(o)
		if t.spill.err == nil && t.size+o.size > t.spill.Budget && t.writeRun(o.groups) {
			return
		}
	}
	if o == t {
		// Every key exists already: no insertion while ranging over the map.
		for _, g := range t.groups {
			g.count *= 2
			for i := range g.extra {
				g.extra[i].nonNull *= 2
			}
		}
		return
	}
	for k, og := range o.groups {
		t.mergeGroup(k, og) // keys are immutable strings: sharing is safe
	}
}

// mergeGroup folds og into t's group k, and spills past the budget.
func (t *Table) mergeGroup(k string, og *group) {
	g := t.groups[k]
	if g == nil {
		g = &group{}
		t.groups[k] = g
	} else {
		t.size -= g.bytes(k)
	}
	g.combine(og)
	t.size += g.bytes(k)
	if t.overBudget() {
		t.spillMemory()
	}
}

// MergeEncoded merges the table Encode wrote to r into t group by group, as
// Merge would merge the decoded table, without holding it: t's spill
// budget applies as the groups arrive. An encoding that is not whole is an
// error wrapping ErrCorrupt, and t then holds part of it: discard t.
func (t *Table) MergeEncoded(r io.Reader) error {
	gr, err := newGroupReader(r)
	if err != nil {
		return err
	}
	if t.groups == nil {
		t.groups = make(map[string]*group)
	}
	for {
		k, g, err := gr.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		t.mergeGroup(k, g)
	}
}

// Len returns the number of distinct groups held in memory (all of them
// unless the table spilled).
func (t *Table) Len() int { return len(t.groups) }

// Rows returns one row per group that passes its detection's where
// condition, with its stats computed, sorted by Compare. The rows are
// fresh copies: changing them does not affect the table. It holds every
// row in memory, and is for tables that did not spill: a spilled table is
// read with Scan, whose reading of the runs may fail.
func (t *Table) Rows() []trail.Row {
	if t.spilled() {
		panic("aggregate: Rows of a spilled table: use Scan")
	}
	rows := make([]trail.Row, 0, len(t.groups))
	t.Scan(func(r trail.Row, shown bool) error {
		if shown {
			rows = append(rows, r)
		}
		return nil
	})
	return rows
}

// Scan calls fn with the row of every group, spilled runs included, in
// row order (Compare), and whether the detection's where condition shows
// it; it stops at the first error, from fn or from reading a run.
func (t *Table) Scan(fn func(r trail.Row, shown bool) error) error {
	return t.each(func(k string, g *group) error {
		r, keep := t.row(k, g)
		return fn(r, keep)
	})
}

// Tally counts the rows shown and, per detection, the groups that its
// where condition holds back: aggregated, but not reported.
func (t *Table) Tally() (rows int64, held map[string]int64, err error) {
	held = map[string]int64{}
	err = t.eachUnordered(func(k string, g *group) error {
		det, keep := t.keep(k, g)
		if keep {
			rows++
		} else {
			held[det]++
		}
		return nil
	})
	return rows, held, err
}

// HeldKeys returns the keys (GroupKey) of the groups that their
// detection's where condition holds back. A finding added to the table is
// in a row shown exactly when its group's key is not among them.
func (t *Table) HeldKeys() (map[string]bool, error) {
	held := map[string]bool{}
	err := t.eachUnordered(func(k string, g *group) error {
		if _, keep := t.keep(k, g); !keep {
			held[k] = true
		}
		return nil
	})
	return held, err
}

// keep is row's verdict without building the row when the detection has
// no where condition.
func (t *Table) keep(k string, g *group) (string, bool) {
	det, _ := readStr(k)
	if t.specs.of(det).where == nil {
		return det, true
	}
	r, keep := t.row(k, g)
	return r.Detection, keep
}

func (t *Table) row(k string, g *group) (trail.Row, bool) {
	det, values := decodeKey(k)
	spec := t.specs.of(det)
	r := trail.Row{
		Detection: det,
		Values:    values,
		Count:     g.count,
		First:     g.first,
		Last:      g.last,
		Stats:     spec.values(g, values),
		Sources:   slices.Clone(g.sources),
	}
	return r, spec.keep(r.Stats)
}

// Compare orders rows by their group: by Detection, then by Values element by
// element, where null sorts before any string and strings compare byte-wise;
// when one Values list is a prefix of the other, the shorter sorts first. It
// returns 0 exactly when two rows belong to the same group, whatever their
// counts and times.
func Compare(a, b trail.Row) int {
	if c := compareStrings(a.Detection, b.Detection); c != 0 {
		return c
	}
	for i := range min(len(a.Values), len(b.Values)) {
		av, bv := a.Values[i], b.Values[i]
		switch {
		case av == nil && bv == nil:
			continue
		case av == nil:
			return -1
		case bv == nil:
			return 1
		}
		if c := compareStrings(*av, *bv); c != 0 {
			return c
		}
	}
	return len(a.Values) - len(b.Values)
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cloneRow deep-copies r: a fresh Values slice of fresh pointers, so that
// neither copy can change the other's values.
func cloneRow(r trail.Row) trail.Row {
	c := r
	c.Values = make([]*string, len(r.Values))
	for i, v := range r.Values {
		if v != nil {
			s := *v
			c.Values[i] = &s
		}
	}
	c.Sources = slices.Clone(r.Sources)
	c.Stats = slices.Clone(r.Stats)
	for i := range c.Stats {
		c.Stats[i].Values = slices.Clone(c.Stats[i].Values)
	}
	return c
}

// GroupKey is the key of the group a finding with these by-values falls
// in (for callers that keep findings aside and ask HeldKeys at the end).
func GroupKey(detection string, values []*string) string {
	return string(appendKey(nil, detection, values))
}
