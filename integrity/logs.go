package integrity

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// listing is one digest's entry for a log file.
type listing struct {
	r *digestResult
	e LogEntry
}

// logVerdicts gives every log file in scope its verdict: each file listed
// by a digest in scope or present in the tree.
func (v *verifier) logVerdicts(ctx context.Context, results []*digestResult) {
	listings := map[string][]listing{}
	for _, r := range results {
		if r.d == nil {
			continue
		}
		for _, e := range r.d.LogFiles {
			loc, ok := Locate(keyOf(e.S3Object))
			if !ok || loc.Kind != KindLog || !v.inScope(loc) {
				continue
			}
			id := r.obj.loc.Base + loc.Key
			listings[id] = append(listings[id], listing{r, e})
		}
	}
	ids := make([]string, 0, len(listings)+len(v.logs))
	for id := range listings {
		ids = append(ids, id)
	}
	for id := range v.logs {
		if listings[id] == nil {
			ids = append(ids, id)
		}
	}
	files := make([]File, len(ids))
	v.parallel(len(ids), func(i int) {
		files[i] = v.logVerdict(ctx, ids[i], listings[ids[i]])
	})
	v.rep.Files = append(v.rep.Files, files...)
}

// logVerdict decides one log file. Only a listing in a valid digest can
// make it valid, modified or missing.
func (v *verifier) logVerdict(ctx context.Context, id string, ls []listing) File {
	obj := v.logs[id]
	var f File
	var base string
	if obj != nil {
		l := obj.loc
		f = File{Name: obj.Name, Key: l.Key, Kind: KindLog, Org: l.Org, Account: l.Account, Region: l.Region}
	} else {
		l, _ := Locate(keyOf(ls[0].e.S3Object))
		base = ls[0].r.obj.loc.Base
		f = File{Name: v.nameOf(base, l.Key), Key: l.Key, Kind: KindLog, Org: l.Org, Account: l.Account, Region: l.Region}
	}
	set := func(s Status, digest, format string, a ...any) File {
		f.Status, f.Digest, f.Reason = s, digest, fmt.Sprintf(format, a...)
		return f
	}
	var trusted []listing
	for _, l := range ls {
		if l.r.status == Valid {
			trusted = append(trusted, l)
		}
	}
	switch {
	case len(ls) == 0:
		return set(Unlisted, "", "listed in no digest")
	case obj == nil && v.unlisted(base, f.Key):
		return set(Unverifiable, ls[0].r.obj.loc.Key, "its folder could not be listed")
	case obj == nil && len(trusted) > 0:
		return set(Missing, trusted[0].r.obj.loc.Key, "listed in the digest, not in the tree")
	case obj == nil:
		return set(Unverifiable, ls[0].r.obj.loc.Key, "listed only in a digest that is %s, not in the tree", ls[0].r.status)
	}
	sum, err := hashObject(ctx, v.src, obj.Object)
	if err != nil {
		var re readError
		if errors.As(err, &re) || ctx.Err() != nil {
			return set(Unverifiable, ls[0].r.obj.loc.Key, "cannot be read: %v", err)
		}
		return set(Modified, ls[0].r.obj.loc.Key, "damaged: %v", err)
	}
	for _, l := range trusted {
		if l.matches(sum) {
			return set(Valid, l.r.obj.loc.Key, "")
		}
	}
	if len(trusted) > 0 {
		l := trusted[0]
		if !strings.EqualFold(l.e.HashAlgorithm, HashAlgorithm) {
			return set(Unverifiable, l.r.obj.loc.Key, "the digest hashes it with %q: only %s is known", l.e.HashAlgorithm, HashAlgorithm)
		}
		return set(Modified, l.r.obj.loc.Key, "SHA-256 %s, the digest says %s", sum, l.e.HashValue)
	}
	note := "its SHA-256 differs from that entry too"
	if ls[0].matches(sum) {
		note = "its SHA-256 matches that entry"
	}
	return set(Unverifiable, ls[0].r.obj.loc.Key, "listed only in a digest that is %s (%s)", ls[0].r.status, note)
}

// matches says whether the entry's hash is sum.
func (l listing) matches(sum string) bool {
	return strings.EqualFold(l.e.HashAlgorithm, HashAlgorithm) && strings.EqualFold(l.e.HashValue, sum)
}
