package sweep

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/trailhunt/trailhunt/loader"
)

// Shard is one of Count parts of a hunt. Every machine lists the same
// inputs (the same plan) and assigns them the same way (Assign), so the
// shards are disjoint, every input is in exactly one, and shard Index
// reads only its own.
type Shard struct {
	Index, Count int
}

// Of returns the inputs of list that are this shard's, in list order.
func (s Shard) Of(list []loader.Input) []loader.Input {
	owner := Assign(list, s.Count)
	var out []loader.Input
	for i, in := range list {
		if owner[i] == s.Index {
			out = append(out, in)
		}
	}
	return out
}

// Assign gives each input a shard in [0, count), balanced by bytes and
// deterministic: inputs are taken largest first (by path on equal sizes)
// and each goes to the shard with the fewest bytes so far (the lowest index
// on a tie). No shard has more than the largest input above the lightest
// one. The result is aligned with list.
func Assign(list []loader.Input, count int) []int {
	order := make([]int, len(list))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(list[b].Size, list[a].Size), cmp.Compare(list[a].Path, list[b].Path))
	})
	load := make([]int64, count)
	owner := make([]int, len(list))
	for _, i := range order {
		best := 0
		for s := 1; s < count; s++ {
			if load[s] < load[best] {
				best = s
			}
		}
		owner[i] = best
		load[best] += max(list[i].Size, 0)
	}
	return owner
}

// PlanID identifies a list of inputs: the hex SHA-256 of their paths and
// sizes, in order. Partial results of different plans do not merge.
func PlanID(list []loader.Input) string {
	h := sha256.New()
	for _, in := range list {
		fmt.Fprintf(h, "%s\x00%d\x00", in.Path, in.Size)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
