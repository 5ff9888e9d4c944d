package sweep

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/trailhunt/trailhunt/loader"
)

// TestAssign: every input in exactly one shard, the same assignment for
// the same list whatever its order on the way in, and shards balanced
// within the largest input.
func TestAssign(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var list []loader.Input
	for i := range 200 {
		list = append(list, loader.Input{Path: fmt.Sprintf("f%03d.json.gz", i), Size: int64(rng.IntN(30_000))})
	}
	for _, n := range []int{1, 2, 3, 7, 250} {
		owner := Assign(list, n)
		bytes := make([]int64, n)
		var largest int64
		for i, s := range owner {
			if s < 0 || s >= n {
				t.Fatalf("n=%d: input %d in shard %d", n, i, s)
			}
			bytes[s] += list[i].Size
			largest = max(largest, list[i].Size)
		}
		if spread := slices.Max(bytes) - slices.Min(bytes); n <= len(list) && spread > largest {
			t.Errorf("n=%d: shards differ by %d bytes, more than the largest input (%d)", n, spread, largest)
		}
		// Shards are disjoint and together are the list.
		var union []string
		for s := range n {
			for _, in := range (Shard{Index: s, Count: n}).Of(list) {
				union = append(union, in.Path)
			}
		}
		slices.Sort(union)
		if len(union) != len(list) || len(slices.Compact(union)) != len(list) {
			t.Errorf("n=%d: shards hold %d inputs, want each of %d once", n, len(union), len(list))
		}
	}
	if !slices.Equal(Assign(list, 3), Assign(slices.Clone(list), 3)) {
		t.Error("the same list assigned twice differently")
	}
	if PlanID(list) == PlanID(list[1:]) || PlanID(list) != PlanID(slices.Clone(list)) {
		t.Error("PlanID does not identify the list")
	}
}
