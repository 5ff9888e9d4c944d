package engine

import (
	"slices"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// TestProjectionUnion: the union of two projections has the keys of both,
// sorted, once each, with their terms; with a whole record on either side it
// is the whole record.
func TestProjectionUnion(t *testing.T) {
	proj := func(keys ...string) projection { return projection{keys: keys, terms: keyTerms(keys)} }
	for _, tc := range []struct {
		a, b projection
		want []string
	}{
		{proj("eventName", "userIdentity"), proj("errorCode", "eventName", "userAgent"), []string{"errorCode", "eventName", "userAgent", "userIdentity"}},
		{proj("a"), proj("b", "c"), []string{"a", "b", "c"}},
		{proj("b", "c"), proj("a"), []string{"a", "b", "c"}},
		{proj("a", "b"), proj("a", "b"), []string{"a", "b"}},
		{proj("a"), projection{}, nil},
		{projection{}, proj("a"), nil},
	} {
		u := tc.a.union(tc.b)
		if !slices.Equal(u.keys, tc.want) || (u.keys == nil) != (tc.want == nil) {
			t.Errorf("%v ∪ %v = %v, want %v", tc.a.keys, tc.b.keys, u.keys, tc.want)
		}
		if !slices.EqualFunc(u.terms, keyTerms(tc.want), func(a, b *ast.Term) bool { return a.Equal(b) }) {
			t.Errorf("%v ∪ %v: terms %v, want %v", tc.a.keys, tc.b.keys, u.terms, tc.want)
		}
	}
}
