package aggregate

import (
	"cmp"
	"slices"

	"github.com/trailhunt/trailhunt/trail"
)

// MaxSources is how many sources a row keeps: the first ones in source
// order (file, member, index), whatever the order findings arrive in, so
// that a row's sources do not depend on the number of workers or on how
// partial tables were merged. Count says how many there are in all.
const MaxSources = 5

// CompareSources orders sources by file, member, then index.
func CompareSources(a, b trail.Source) int {
	return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Member, b.Member), cmp.Compare(a.Index, b.Index))
}

// addSource keeps s if it is among the group's MaxSources first sources.
func (g *group) addSource(s trail.Source) {
	if len(g.sources) == MaxSources && CompareSources(s, g.sources[MaxSources-1]) >= 0 {
		return
	}
	i, found := slices.BinarySearchFunc(g.sources, s, CompareSources)
	if found {
		return // the same record counted twice (a table merged into itself)
	}
	g.sources = slices.Insert(g.sources, i, s)
	if len(g.sources) > MaxSources {
		g.sources = g.sources[:MaxSources]
	}
}
