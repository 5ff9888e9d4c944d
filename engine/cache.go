package engine

import (
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// ruleCache is OPA's cache of rule values during one evaluation
// (topdown.VirtualCache), answering as OPA's own does (TestRuleCacheAgreesWithOPA),
// in flat slices reused across evaluations. OPA's builds a trie of hash maps,
// a node per path segment, for the dozen rule values an evaluation caches: 30
// of the 280 allocations of a record the AccessDenied detection reports
// (BenchmarkEvaluateMatched), each evaluation's garbage.
type ruleCache struct {
	frames  []int // where each frame's entries start; the last is the active one
	entries []cacheEntry
	refs    []*ast.Term      // the entries' refs, copied here: OPA may reuse a ref's array
	index   map[uint64][]int // ref hash -> entries, for a frame past indexFrom entries
	indexed int              // the frame the index covers, or -1
}

type cacheEntry struct {
	ref       ast.Ref
	hash      uint64
	value     *ast.Term
	undefined bool
}

// indexFrom is the number of entries in a frame past which lookups go
// through a hash index instead of a scan.
const indexFrom = 32

var _ topdown.VirtualCache = (*ruleCache)(nil)

var ruleCaches = sync.Pool{New: func() any { return &ruleCache{indexed: -1} }}

// newRuleCache returns an empty cache with one frame, as OPA's.
func newRuleCache() *ruleCache {
	c := ruleCaches.Get().(*ruleCache)
	c.Push()
	return c
}

// release empties c and returns it to the pool: no value of an evaluation
// outlives it.
func (c *ruleCache) release() {
	clear(c.entries[:cap(c.entries)])
	clear(c.refs[:cap(c.refs)])
	c.entries, c.frames, c.refs = c.entries[:0], c.frames[:0], c.refs[:0]
	c.index, c.indexed = nil, -1
	ruleCaches.Put(c)
}

func (c *ruleCache) Push() { c.frames = append(c.frames, len(c.entries)) }

func (c *ruleCache) Pop() {
	f := len(c.frames) - 1
	start := c.frames[f]
	clear(c.entries[start:])
	c.entries, c.frames = c.entries[:start], c.frames[:f]
	if c.indexed == f {
		c.index, c.indexed = nil, -1
	}
}

// find returns the active frame's entry for ref, or -1.
func (c *ruleCache) find(ref ast.Ref, h uint64) int {
	f := len(c.frames) - 1
	if c.indexed == f {
		for _, i := range c.index[h] {
			if c.entries[i].ref.Equal(ref) {
				return i
			}
		}
		return -1
	}
	for i := c.frames[f]; i < len(c.entries); i++ {
		if e := &c.entries[i]; e.hash == h && e.ref.Equal(ref) {
			return i
		}
	}
	return -1
}

// Get returns ref's cached value, or nil and whether ref is known to be
// undefined.
func (c *ruleCache) Get(ref ast.Ref) (*ast.Term, bool) {
	i := c.find(ref, uint64(ref.Hash()))
	if i < 0 {
		return nil, false
	}
	e := &c.entries[i]
	if e.undefined {
		return nil, true
	}
	return e.value, false
}

// Put caches ref's value; nil marks ref undefined. As in OPA's cache, a ref
// once marked undefined stays so.
func (c *ruleCache) Put(ref ast.Ref, value *ast.Term) {
	h := uint64(ref.Hash())
	i := c.find(ref, h)
	if i < 0 {
		i = len(c.entries)
		start := len(c.refs)
		c.refs = append(c.refs, ref...)
		c.entries = append(c.entries, cacheEntry{ref: c.refs[start:len(c.refs):len(c.refs)], hash: h})
		f := len(c.frames) - 1
		switch {
		case c.indexed == f:
			c.index[h] = append(c.index[h], i)
		case i-c.frames[f] >= indexFrom:
			c.index, c.indexed = map[uint64][]int{}, f
			for j := c.frames[f]; j <= i; j++ {
				c.index[c.entries[j].hash] = append(c.index[c.entries[j].hash], j)
			}
		}
	}
	if value != nil {
		c.entries[i].value = value
	} else {
		c.entries[i].undefined = true
	}
}

// Keys returns the refs of the active frame that have a value.
func (c *ruleCache) Keys() []ast.Ref {
	var out []ast.Ref
	for _, e := range c.entries[c.frames[len(c.frames)-1]:] {
		if e.value != nil {
			out = append(out, e.ref)
		}
	}
	return out
}
