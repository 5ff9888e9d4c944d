package engine

import (
	"maps"
	"net/netip"
	"slices"
	"strings"
)

// suppressor applies one detection's active filter entries to its findings.
// It is built once per load and read concurrently.
//
// Matching is indexed, never a scan of the list: every entry is filed under
// one of its match fields (its anchor), by the kind of its patterns there:
// exact strings in a map, globs by their literal prefix (the text before the
// first `*`), CIDR ranges by their masked prefix. A finding looks up each of
// its values once per kind (once per distinct prefix length or CIDR bit
// length in use) and checks only the entries it finds there, plus the few
// whose patterns cannot be indexed (a field of only `*...` globs). So the
// cost per finding grows with the number of matching entries, not with the
// length of the list.
type suppressor struct {
	entries []compiledEntry
	fields  []fieldIndex // by by-field position; nil maps when no entry anchors there
	always  []int32      // entries no index can find: checked for every finding
}

type compiledEntry struct {
	id     string
	fields []fieldMatch
}

// fieldMatch is one match field of an entry: any pattern may match.
type fieldMatch struct {
	pos   int // the by-field's position in the finding's values
	exact []string
	globs []string
	cidrs []netip.Prefix
}

type fieldIndex struct {
	exact      map[string][]int32
	prefix     map[string][]int32
	prefixLens []int // distinct literal-prefix lengths, ascending
	cidr       map[netip.Prefix][]int32
	cidrBits   []int // distinct (family, bits) as bits+1000 for IPv6
}

// newSuppressor compiles the active (not expired) entries of a list. by is
// the detection's by-fields; ipFields those that take CIDR patterns.
func newSuppressor(entries []filterEntry, by, ipFields []string) *suppressor {
	s := &suppressor{fields: make([]fieldIndex, len(by))}
	for _, e := range entries {
		ce := compiledEntry{id: e.ID}
		for _, name := range slices.Sorted(maps.Keys(e.Match)) {
			fm := fieldMatch{pos: slices.Index(by, name)}
			isIP := slices.Contains(ipFields, name)
			for _, p := range e.Match[name] {
				switch {
				case isIP && strings.Contains(p, "/"):
					fm.cidrs = append(fm.cidrs, unmapPrefix(netip.MustParsePrefix(p))) // checked when the list was parsed
				case strings.Contains(p, "*"):
					fm.globs = append(fm.globs, p)
				default:
					fm.exact = append(fm.exact, p)
				}
			}
			ce.fields = append(ce.fields, fm)
		}
		s.add(ce)
	}
	return s
}

// anchorCost ranks how well a field indexes an entry: exact strings are
// best, then globs with a literal prefix and CIDR ranges; -1 means it
// cannot be indexed.
func anchorCost(fm fieldMatch) int {
	cost := 0
	for _, g := range fm.globs {
		if strings.IndexByte(g, '*') == 0 {
			return -1
		}
		cost = max(cost, 1)
	}
	if len(fm.cidrs) > 0 {
		cost = max(cost, 2)
	}
	return cost
}

func (s *suppressor) add(ce compiledEntry) {
	n := int32(len(s.entries))
	s.entries = append(s.entries, ce)
	best, bestCost := -1, 99
	for i, fm := range ce.fields {
		if c := anchorCost(fm); c >= 0 && c < bestCost {
			best, bestCost = i, c
		}
	}
	if best < 0 {
		s.always = append(s.always, n)
		return
	}
	fm := ce.fields[best]
	ix := &s.fields[fm.pos]
	for _, p := range fm.exact {
		if ix.exact == nil {
			ix.exact = map[string][]int32{}
		}
		ix.exact[p] = appendOnce(ix.exact[p], n)
	}
	for _, g := range fm.globs {
		lit := g[:strings.IndexByte(g, '*')]
		if ix.prefix == nil {
			ix.prefix = map[string][]int32{}
		}
		ix.prefix[lit] = appendOnce(ix.prefix[lit], n)
		if !slices.Contains(ix.prefixLens, len(lit)) {
			ix.prefixLens = append(ix.prefixLens, len(lit))
			slices.Sort(ix.prefixLens)
		}
	}
	for _, c := range fm.cidrs {
		if ix.cidr == nil {
			ix.cidr = map[netip.Prefix][]int32{}
		}
		ix.cidr[c] = appendOnce(ix.cidr[c], n)
		if k := bitsKey(c.Addr(), c.Bits()); !slices.Contains(ix.cidrBits, k) {
			ix.cidrBits = append(ix.cidrBits, k)
		}
	}
}

func appendOnce(l []int32, n int32) []int32 {
	if len(l) > 0 && l[len(l)-1] == n {
		return l
	}
	return append(l, n)
}

func bitsKey(a netip.Addr, bits int) int {
	if a.Is6() {
		return 1000 + bits
	}
	return bits
}

// match returns the ids of the entries that suppress a finding with these
// by-values, sorted; nil when none does.
func (s *suppressor) match(values []*string) []string {
	if s == nil || len(s.entries) == 0 {
		return nil
	}
	var cand []int32
	for pos, ix := range s.fields {
		if pos >= len(values) || values[pos] == nil {
			continue
		}
		v := *values[pos]
		cand = append(cand, ix.exact[v]...)
		for _, l := range ix.prefixLens {
			if l > len(v) {
				break
			}
			cand = append(cand, ix.prefix[v[:l]]...)
		}
		if len(ix.cidrBits) > 0 {
			if addr, ok := ipOf(v); ok {
				for _, k := range ix.cidrBits {
					if (k >= 1000) != addr.Is6() {
						continue
					}
					if p, err := addr.Prefix(k % 1000); err == nil {
						cand = append(cand, ix.cidr[p]...)
					}
				}
			}
		}
	}
	cand = append(cand, s.always...)
	if len(cand) == 0 {
		return nil
	}
	slices.Sort(cand)
	cand = slices.Compact(cand)
	var ids []string
	for _, n := range cand {
		if e := &s.entries[n]; e.matches(values) {
			ids = append(ids, e.id)
		}
	}
	slices.Sort(ids)
	return ids
}

func (e *compiledEntry) matches(values []*string) bool {
	for _, fm := range e.fields {
		if fm.pos >= len(values) || values[fm.pos] == nil || !fm.matches(*values[fm.pos]) {
			return false
		}
	}
	return true
}

func (fm fieldMatch) matches(v string) bool {
	if slices.Contains(fm.exact, v) {
		return true
	}
	for _, g := range fm.globs {
		if globMatch(g, v) {
			return true
		}
	}
	if len(fm.cidrs) > 0 {
		if addr, ok := ipOf(v); ok {
			for _, c := range fm.cidrs {
				if c.Contains(addr) {
					return true
				}
			}
		}
	}
	return false
}

// unmapPrefix is a CIDR range as values are matched: an IPv4-mapped IPv6
// range (::ffff:203.0.113.0/120) is its IPv4 range (203.0.113.0/24), since
// an IPv4-mapped address is matched as its IPv4 address. The list parser
// refuses a mapped range shorter than /96.
func unmapPrefix(p netip.Prefix) netip.Prefix {
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(a.Unmap(), p.Bits()-96).Masked()
	}
	return p.Masked()
}

// ipOf parses a plain IP address: no zone, no leading zeros (CloudTrail's
// "AWS Internal" and service names are not addresses); an IPv4-mapped IPv6
// address is its IPv4 address.
func ipOf(v string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(v)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// globMatch matches v against a pattern in which only `*` is special: any
// run of characters, including none.
func globMatch(pattern, v string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == v
	}
	first, last := parts[0], parts[len(parts)-1]
	if len(v) < len(first)+len(last) || !strings.HasPrefix(v, first) || !strings.HasSuffix(v, last) {
		return false
	}
	v = v[len(first) : len(v)-len(last)]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(v, p)
		if i < 0 {
			return false
		}
		v = v[i+len(p):]
	}
	return true
}
