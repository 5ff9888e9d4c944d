package aggregate

import (
	"slices"

	"github.com/trailhunt/trailhunt/trail"
)

// Delta is the difference between two result sets, for re-running a
// search and showing what moved ("--watch").
type Delta struct {
	Added   []trail.Row // groups only in the new rows
	Removed []trail.Row // groups only in the old rows
	Changed []Change    // groups in both whose count, first or last time differ
}

// Change is one group present on both sides with different aggregates.
type Change struct {
	Old, New trail.Row
}

// Empty reports whether the delta has nothing to show.
func (d Delta) Empty() bool {
	return len(d.Added) == 0 && len(d.Removed) == 0 && len(d.Changed) == 0
}

// Diff compares two result sets, matching rows by group (Detection and
// Values, as Compare). Rows present on one side only are Added or Removed; a
// row present on both sides is Changed when its Count differs or its First or
// Last time is a different instant. Each list is sorted by Compare (Changed by
// its New row) and holds deep copies. Every input is expected to hold each
// group once, as Table.Rows does; if a group repeats, its last row counts.
func Diff(oldRows, newRows []trail.Row) Delta {
	index := func(rows []trail.Row) map[string]trail.Row {
		m := make(map[string]trail.Row, len(rows))
		var buf []byte
		for _, r := range rows {
			buf = appendKey(buf[:0], r.Detection, r.Values)
			m[string(buf)] = r
		}
		return m
	}
	before, after := index(oldRows), index(newRows)

	var d Delta
	for k, n := range after {
		o, ok := before[k]
		switch {
		case !ok:
			d.Added = append(d.Added, cloneRow(n))
		case o.Count != n.Count || !o.First.Equal(n.First) || !o.Last.Equal(n.Last) || !sameStats(o.Stats, n.Stats):
			d.Changed = append(d.Changed, Change{Old: cloneRow(o), New: cloneRow(n)})
		}
	}
	for k, o := range before {
		if _, ok := after[k]; !ok {
			d.Removed = append(d.Removed, cloneRow(o))
		}
	}
	slices.SortFunc(d.Added, Compare)
	slices.SortFunc(d.Removed, Compare)
	slices.SortFunc(d.Changed, func(a, b Change) int { return Compare(a.New, b.New) })
	return d
}

// sameStats reports whether two rows' stats are equal (times as instants).
func sameStats(a, b []trail.StatValue) bool {
	return slices.EqualFunc(a, b, func(x, y trail.StatValue) bool {
		return x.N == y.N && x.Time.Equal(y.Time) && slices.Equal(x.Values, y.Values)
	})
}
