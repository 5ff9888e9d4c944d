package aggregate

import (
	"container/heap"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Spill bounds the memory of a table's groups: past Budget bytes (an
// estimate, see group.bytes), the table writes its groups to a run, in row
// order and in the partial-table encoding, and starts again empty.
// Reading the table (Scan, Encode, HeldKeys) merges the runs and what is
// in memory as it goes: rows come out exactly as without spilling, and
// memory holds one group per run while they are read.
type Spill struct {
	Budget int64 // bytes of groups kept in memory; 0 or less: never spill
	Runs   Runs  // where the runs go; nil: never spill
}

// Runs is where tables keep the runs they spill (sweep.SpillDir keeps them
// as files): the package does no I/O of its own. It must be safe for
// concurrent use: the tables of several workers share one. A table removes
// the runs it no longer needs (merged into others, or at Close); what is
// left of a table that is not closed is the store's to remove.
type Runs interface {
	// Create starts a new run; name identifies it to Open and Remove and
	// in error messages.
	Create() (w io.WriteCloser, name string, err error)
	Open(name string) (io.ReadCloser, error)
	Remove(name string) error
}

// fanIn is how many runs of one level are merged into one run of the
// next: a table holds fewer than fanIn runs per level (a few dozen open
// while it is read, however large), and every group is rewritten once per
// level, log_fanIn of the spills.
const fanIn = 16

// spillState is a table's runs.
type spillState struct {
	Spill
	runs []run
	size int64 // bytes in runs
	err  error // the first failure to spill: the table then stays in memory
}

// run is one sorted sequence of groups, in the store that holds it.
type run struct {
	store Runs
	name  string
	level int // 0: spilled from memory; n+1: fanIn runs of level n merged
	size  int64
}

// SetSpill makes the table spill past s.Budget. Call it on an empty table;
// Close removes the runs.
func (t *Table) SetSpill(s Spill) {
	if s.Budget > 0 && s.Runs != nil {
		t.spill = &spillState{Spill: s}
	}
}

// Spilled returns the number of runs the table holds on disk and their
// size in bytes.
func (t *Table) Spilled() (runs int, bytes int64) {
	if t.spill == nil {
		return 0, 0
	}
	return len(t.spill.runs), t.spill.size
}

// SpillErr is the first failure to write a run: the table then keeps its
// groups in memory, past its budget, and its rows stay right.
func (t *Table) SpillErr() error {
	if t.spill == nil {
		return nil
	}
	return t.spill.err
}

// Close removes the table's runs. The table must not be read afterwards.
func (t *Table) Close() error {
	if t.spill == nil {
		return nil
	}
	var errs []error
	for _, r := range t.spill.runs {
		if err := r.store.Remove(r.name); err != nil {
			errs = append(errs, err)
		}
	}
	t.spill.runs, t.spill.size = nil, 0
	return errors.Join(errs...)
}

func (t *Table) spilled() bool { return t.spill != nil && len(t.spill.runs) > 0 }

// overBudget reports whether the groups in memory should go to disk.
func (t *Table) overBudget() bool {
	return t.spill != nil && t.spill.err == nil && t.size > t.spill.Budget
}

// spillMemory writes t's groups in memory to a run and empties them; after
// a failure (t.spill.err) they stay.
func (t *Table) spillMemory() {
	if t.writeRun(t.groups) {
		t.groups = make(map[string]*group)
		t.size = 0
	}
}

// writeRun writes groups to a run of t's, in row order, and reports
// whether it did. A failure is kept in t.spill.err.
func (t *Table) writeRun(groups map[string]*group) bool {
	s := t.spill
	if s.err != nil || len(groups) == 0 {
		return s.err == nil
	}
	keys := sortedKeys(groups)
	r, err := s.write(0, func(gw *groupWriter) error {
		for _, k := range keys {
			if err := gw.write(k, groups[k]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.err = fmt.Errorf("spill %d groups to disk: %w", len(groups), err)
		return false
	}
	s.add(r)
	t.compact()
	return true
}

func (s *spillState) add(r run) {
	s.runs = append(s.runs, r)
	s.size += r.size
}

// compact merges the runs of any level that has fanIn of them into one run
// of the next level. A failure leaves the runs as they were (a table read
// with more files open) and is kept in t.spill.err.
func (t *Table) compact() {
	s := t.spill
	top := 0
	for _, r := range s.runs {
		top = max(top, r.level)
	}
	for level := 0; level <= top && s.err == nil; level++ {
		var these, others []run
		for _, r := range s.runs {
			if r.level == level {
				these = append(these, r)
			} else {
				others = append(others, r)
			}
		}
		if len(these) < fanIn {
			continue
		}
		top = max(top, level+1)
		merged, err := s.write(level+1, func(gw *groupWriter) error {
			return mergeGroups(nil, nil, these, gw.write)
		})
		if err != nil {
			s.err = fmt.Errorf("merge %d spilled runs: %w", len(these), err)
			return
		}
		s.runs, s.size = others, 0
		for _, r := range others {
			s.size += r.size
		}
		s.add(merged)
		for _, r := range these {
			r.store.Remove(r.name) // merged: a run left behind is the store's to remove
		}
	}
}

// write makes a run of the given level with what fill writes.
func (s *spillState) write(level int, fill func(*groupWriter) error) (run, error) {
	w, name, err := s.Runs.Create()
	if err != nil {
		return run{}, err
	}
	cw := &countingWriter{w: w}
	gw := newGroupWriter(cw)
	err = fill(gw)
	if err == nil {
		err = gw.close()
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		s.Runs.Remove(name)
		return run{}, fmt.Errorf("%s: %w", name, err)
	}
	return run{store: s.Runs, name: name, level: level, size: cw.n}, nil
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// adopt takes over o's runs: t reads and removes them from now on.
func (t *Table) adopt(o *Table) {
	if o.spill == nil {
		return
	}
	for _, r := range o.spill.runs {
		t.spill.add(r)
	}
	o.spill.runs, o.spill.size = nil, 0
	t.compact()
}

// sortedKeys returns the keys of groups in row order.
func sortedKeys(groups map[string]*group) []string {
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareKeys)
	return keys
}

// each calls fn with every group of the table, its runs merged in, in row
// order (compareKeys), each key once with the groups of that key from
// every run combined. The groups passed must not be modified.
func (t *Table) each(fn func(k string, g *group) error) error {
	keys := sortedKeys(t.groups)
	if !t.spilled() {
		for _, k := range keys {
			if err := fn(k, t.groups[k]); err != nil {
				return err
			}
		}
		return nil
	}
	return mergeGroups(keys, t.groups, t.spill.runs, fn)
}

// eachUnordered is each for a caller that needs every group once, in any
// order: a table in memory is not sorted for it.
func (t *Table) eachUnordered(fn func(k string, g *group) error) error {
	if t.spilled() {
		return t.each(fn)
	}
	for k, g := range t.groups {
		if err := fn(k, g); err != nil {
			return err
		}
	}
	return nil
}

// mergeGroups merges the groups in memory (keys sorted) and the runs, as
// each does.
func mergeGroups(keys []string, groups map[string]*group, runs []run, fn func(k string, g *group) error) error {
	mem := 0
	all := []*cursor{{next: func() (string, *group, error) {
		if mem == len(keys) {
			return "", nil, errDone
		}
		k := keys[mem]
		mem++
		return k, groups[k], nil
	}}}
	var closers []io.Closer
	defer func() {
		for _, c := range closers {
			c.Close()
		}
	}()
	for _, r := range runs {
		rc, err := r.store.Open(r.name)
		if err != nil {
			return fmt.Errorf("read spilled run: %w", err)
		}
		closers = append(closers, rc)
		gr, err := newGroupReader(rc)
		if err != nil {
			return fmt.Errorf("read spilled run %s: %w", r.name, err)
		}
		all = append(all, &cursor{name: r.name, next: func() (string, *group, error) {
			k, g, err := gr.next()
			if err == io.EOF {
				return "", nil, errDone
			}
			return k, g, err
		}})
	}
	var h cursors
	for _, c := range all {
		ok, err := c.advance()
		if err != nil {
			return err
		}
		if ok {
			h = append(h, c)
		}
	}
	heap.Init(&h)
	for len(h) > 0 {
		c := h[0]
		k, g := c.key, c.g
		combined := false
		if err := h.step(); err != nil {
			return err
		}
		for len(h) > 0 && h[0].key == k {
			if !combined {
				acc := &group{}
				acc.combine(g)
				g, combined = acc, true
			}
			g.combine(h[0].g)
			if err := h.step(); err != nil {
				return err
			}
		}
		if err := fn(k, g); err != nil {
			return err
		}
	}
	return nil
}

// combine folds o into g, as Merge does.
func (g *group) combine(o *group) {
	g.observe(o.count, o.first, o.last)
	if len(o.extra) > 0 {
		g.mergeExtra(o)
	}
	for _, src := range o.sources {
		g.addSource(src)
	}
}

// errDone ends a cursor.
var errDone = errors.New("done")

// cursor is one sorted source of groups in a merge: the table's memory or
// one run.
type cursor struct {
	name string // a run's; "" for memory
	key  string
	g    *group
	next func() (string, *group, error)
}

// advance moves to the next group; false at the end.
func (c *cursor) advance() (bool, error) {
	k, g, err := c.next()
	if err == errDone {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read spilled run %s: %w", c.name, err)
	}
	c.key, c.g = k, g
	return true, nil
}

// cursors is a heap of cursors by their current key.
type cursors []*cursor

func (h cursors) Len() int           { return len(h) }
func (h cursors) Less(i, j int) bool { return compareKeys(h[i].key, h[j].key) < 0 }
func (h cursors) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *cursors) Push(x any)        { *h = append(*h, x.(*cursor)) }
func (h *cursors) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}

// step advances the smallest cursor, dropping it at its end.
func (h *cursors) step() error {
	ok, err := (*h)[0].advance()
	if err != nil {
		return err
	}
	if ok {
		heap.Fix(h, 0)
	} else {
		heap.Pop(h)
	}
	return nil
}
