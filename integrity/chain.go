package integrity

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// chains checks every trail's chain of digests, oldest to newest: each
// digest's previousDigest* link against the digest it names.
//
// A chain in the tree has a first digest whose previous one is absent:
// that is where the copy (or, with Since, the window) starts, not a gap.
// Past it, a previous digest that is absent, or present but not the one
// linked, or a digest that starts the chain again, is a gap: a span that no
// digest vouches for. Backfill digests, and digests that say they were
// delivered elsewhere, are not in the chain.
func (v *verifier) chains(results []*digestResult) {
	byID := map[string]*digestResult{}
	chains := map[chainID][]*digestResult{}
	for _, r := range results {
		byID[r.obj.id()] = r
		if !r.obj.loc.Backfill && !r.moved {
			c := r.obj.loc.chain()
			chains[c] = append(chains[c], r)
		}
	}
	missing := map[string]bool{}
	for id, chain := range chains {
		slices.SortFunc(chain, func(a, b *digestResult) int {
			return cmp.Or(a.obj.loc.Time.Compare(b.obj.loc.Time), cmp.Compare(a.obj.loc.Key, b.obj.loc.Key))
		})
		for i, r := range chain {
			if r.d == nil {
				continue // unreadable: its verdict says so, and its successor's link
			}
			var older *digestResult
			if i > 0 {
				older = chain[i-1]
			}
			g := Gap{Org: id.org, Account: id.account, Region: id.region, Trail: id.trail, Digest: r.obj.loc.Key, To: r.d.Start}
			if older != nil {
				g.From = older.end()
			}
			if r.d.PreviousS3Object == nil {
				if older != nil {
					g.Kind = GapRestart
					g.Reason = fmt.Sprintf("the chain starts again: no digest vouches for what was delivered from %s to %s "+
						"(logging or log file validation was off, or digests were removed)", stamp(g.From), stamp(g.To))
					v.rep.Gaps = append(v.rep.Gaps, g)
				}
				continue
			}
			g.Previous = keyOf(*r.d.PreviousS3Object)
			prevID := id.base + g.Previous
			switch prev := byID[prevID]; {
			case prev != nil:
				if why := link(r.d, prev); why != "" {
					g.Kind = GapMismatch
					if prev.d != nil {
						g.From, g.To = prev.d.Start, prev.d.End
					}
					g.Reason = "the previous digest in the tree is not the one this digest was chained to: " + why
					v.rep.Gaps = append(v.rep.Gaps, g)
				}
			case v.present[prevID]:
				// Before the window: not verified.
			default:
				prevLoc, _ := Locate(g.Previous)
				if older == nil && (v.cfg.Since.IsZero() || prevLoc.Time.Before(v.cfg.Since)) {
					continue // the chain starts here in the tree (or the window)
				}
				if v.unlisted(id.base, g.Previous) {
					continue // whether it is there is unknown: the folder's error says so
				}
				if older == nil {
					g.From = v.cfg.Since
				}
				g.Kind = GapMissing
				g.Reason = fmt.Sprintf("the previous digest it names is not in the tree: nothing vouches for what was delivered from %s to %s",
					stamp(g.From), stamp(g.To))
				v.rep.Gaps = append(v.rep.Gaps, g)
				if !missing[prevID] {
					missing[prevID] = true
					v.rep.Files = append(v.rep.Files, File{Name: v.nameOf(id.base, g.Previous), Key: g.Previous, Kind: KindDigest,
						Org: id.org, Account: id.account, Region: id.region, Status: Missing,
						Reason: "named as the previous digest by " + r.obj.loc.Key + ", not in the tree"})
				}
			}
		}
	}
}

// link says why prev is not the digest d was chained to ("" when it is):
// previousDigestHashValue is the SHA-256 of the previous digest's
// decompressed content, previousDigestSignature its signature.
func link(d *Digest, prev *digestResult) string {
	var why []string
	switch {
	case prev.sum == "":
		why = append(why, "it cannot be read")
	case d.PreviousHashAlgorithm != nil && !strings.EqualFold(*d.PreviousHashAlgorithm, HashAlgorithm):
		why = append(why, fmt.Sprintf("previousDigestHashAlgorithm %q is not %s", *d.PreviousHashAlgorithm, HashAlgorithm))
	case d.PreviousHashValue == nil || !strings.EqualFold(*d.PreviousHashValue, prev.sum):
		why = append(why, "its SHA-256 differs from previousDigestHashValue")
	}
	if prev.signature != "" && (d.PreviousSignature == nil || !strings.EqualFold(*d.PreviousSignature, prev.signature)) {
		why = append(why, "its signature differs from previousDigestSignature")
	}
	return strings.Join(why, "; ")
}

// end is when a digest's span ends: its digestEndTime, or the time in its
// name when it could not be read.
func (r *digestResult) end() time.Time {
	if r.d != nil {
		return r.d.End
	}
	return r.obj.loc.Time
}

// stamp renders a time in reports: RFC 3339 UTC, "?" when unknown.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "?"
	}
	return t.UTC().Format(time.RFC3339)
}
