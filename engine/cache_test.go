package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// TestRuleCacheAgreesWithOPA runs random Push, Pop, Put and Get sequences on
// ruleCache and on OPA's own cache, small frames and frames past indexFrom,
// and wants the same answers.
func TestRuleCacheAgreesWithOPA(t *testing.T) {
	refs := make([]ast.Ref, 80)
	for i := range refs {
		refs[i] = ast.MustParseRef(fmt.Sprintf("data.detections.d%d.r%d", i%3, i))
	}
	refs = append(refs, ast.MustParseRef("data.detections.d0"), ast.MustParseRef(`data.detections.d0.r0["k"]`))
	indexed := 0 // steps at which a frame was indexed
	for seed := range uint64(50) {
		rng := rand.New(rand.NewPCG(seed, 1))
		mine, theirs := newRuleCache(), topdown.NewVirtualCache()
		depth := 1
		for step := range 2000 {
			if mine.indexed >= 0 {
				indexed++
			}
			ref := refs[rng.IntN(len(refs))]
			switch op := rng.IntN(20); {
			case op == 0:
				mine.Push()
				theirs.Push()
				depth++
			case op == 1 && depth > 1:
				mine.Pop()
				theirs.Pop()
				depth--
			case op < 8:
				var v *ast.Term
				if rng.IntN(4) > 0 {
					v = ast.IntNumberTerm(step)
				}
				// A copy, overwritten afterwards: OPA reuses the arrays of
				// the refs it caches.
				key := slices.Clone(ref)
				mine.Put(key, v)
				theirs.Put(key, v)
				key[len(key)-1] = ast.StringTerm("overwritten")
			default:
				gotV, gotU := mine.Get(ref)
				wantV, wantU := theirs.Get(ref)
				if gotU != wantU || (gotV == nil) != (wantV == nil) || gotV != nil && !gotV.Equal(wantV) {
					t.Fatalf("seed %d step %d: Get(%v) = %v, %v; OPA's cache: %v, %v", seed, step, ref, gotV, gotU, wantV, wantU)
				}
			}
		}
		got, want := mine.Keys(), theirs.Keys()
		sortRefs := func(rs []ast.Ref) { slices.SortFunc(rs, func(a, b ast.Ref) int { return a.Compare(b) }) }
		sortRefs(got)
		sortRefs(want)
		if !slices.EqualFunc(got, want, func(a, b ast.Ref) bool { return a.Equal(b) }) {
			t.Fatalf("seed %d: Keys() = %v, OPA's cache: %v", seed, got, want)
		}
		mine.release()
	}
	if indexed == 0 {
		t.Fatal("no frame grew past indexFrom: the index was not tested")
	}
}

// TestRuleCacheReleaseEmpties: a cache from the pool holds nothing of its
// previous evaluation.
func TestRuleCacheReleaseEmpties(t *testing.T) {
	c := newRuleCache()
	for i := range indexFrom + 5 {
		c.Put(ast.MustParseRef(fmt.Sprintf("data.x.r%d", i)), ast.BooleanTerm(true))
	}
	c.release()
	c = newRuleCache()
	defer c.release()
	if v, undefined := c.Get(ast.MustParseRef("data.x.r1")); v != nil || undefined || len(c.Keys()) != 0 || c.index != nil {
		t.Fatalf("after release: Get = %v, %v; Keys = %v; index %v", v, undefined, c.Keys(), c.index)
	}
}
