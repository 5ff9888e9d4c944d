package integrity

import (
	"cmp"
	"slices"
	"time"
)

// Status is the verdict on one file.
type Status string

const (
	// Valid: a digest whose signature verified vouches for the file (its
	// hash matches), or, for a digest, its signature verified.
	Valid Status = "valid"
	// Modified: the file is not what CloudTrail delivered: a log file whose
	// hash differs from its digest's entry (or whose gzip is damaged), a
	// digest whose signature does not verify, that is damaged, or that was
	// moved from where CloudTrail put it.
	Modified Status = "modified"
	// Missing: a verified digest lists the log file, or the chain names the
	// digest, and it is not in the tree.
	Missing Status = "missing"
	// Unlisted: a log file in the tree that no digest lists.
	Unlisted Status = "unlisted"
	// Unverifiable: nothing can be proven either way: a digest without a
	// signature, without its public key (or with a key not valid at its
	// time), or unreadable; a log file listed only by such digests.
	Unverifiable Status = "unverifiable"
	// NotVerified is what Report.Verdict says of a file verification did
	// not cover (outside the layout, the accounts, regions or window, or an
	// archive member).
	NotVerified Status = "not_verified"
)

// Statuses are the verdicts a verified file can have, in report order.
var Statuses = []Status{Valid, Modified, Missing, Unlisted, Unverifiable}

// File is the verdict on one file.
type File struct {
	// Name is the file as the user and trail.Source.File name it (a
	// local path or s3://bucket/key); for a missing file, the name it
	// would have.
	Name string `json:"file"`
	// Key is its key from AWSLogs/ on.
	Key     string `json:"key"`
	Kind    Kind   `json:"kind"`
	Org     string `json:"org,omitempty"`
	Account string `json:"account"`
	Region  string `json:"region"`
	Status  Status `json:"status"`
	// Reason says why, for every status but valid.
	Reason string `json:"reason,omitempty"`
	// Digest is, for a log file, the key of the digest whose entry decided
	// its verdict ("" when none lists it).
	Digest string `json:"digest,omitempty"`
}

// GapKind is why a chain of digests is broken.
type GapKind string

const (
	// GapMissing: a digest names a previous digest that is not in the tree
	// (it was deleted, or the copy is incomplete).
	GapMissing GapKind = "missing_digest"
	// GapMismatch: the previous digest in the tree is not the one the digest
	// was chained to (its SHA-256 or signature differs from the link).
	GapMismatch GapKind = "link_mismatch"
	// GapRestart: a digest starts a new chain (no previous digest) although
	// older digests of the trail exist: logging or log file validation was
	// off in between, and nothing vouches for that time.
	GapRestart GapKind = "restart"
)

// Gap is a break in one trail's chain of digests: a span of time for which
// no verified digest proves what was delivered.
type Gap struct {
	Org     string  `json:"org,omitempty"`
	Account string  `json:"account"`
	Region  string  `json:"region"`
	Trail   string  `json:"trail"`
	Kind    GapKind `json:"kind"`
	// Digest is the key of the digest whose link is broken; Previous the
	// key it names ("" for a restart).
	Digest   string `json:"digest"`
	Previous string `json:"previous,omitempty"`
	// From and To bound the time no digest vouches for (From is zero when
	// unknown).
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Reason string    `json:"reason"`
}

// Scope is the verdicts of one account and region.
type Scope struct {
	Org     string         `json:"org,omitempty"`
	Account string         `json:"account"`
	Region  string         `json:"region"`
	Digests int            `json:"digests"`
	Logs    int            `json:"log_files"`
	Counts  map[Status]int `json:"counts"`
	Gaps    int            `json:"gaps"`
	// From and To are the span the valid digests cover (zero when none).
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Report is the result of a verification.
type Report struct {
	Roots        []string
	Since, Until time.Time
	Scopes       []Scope // by org, account, region
	Files        []File  // every file verified, by Name
	Gaps         []Gap   // by org, account, region, trail, digest
	// Outside counts the files under the roots that are not in the AWSLogs
	// layout (not CloudTrail deliveries): not verified.
	Outside int
	// ListErrors are the parts of the trees that could not be listed: what
	// they hold is unknown, so the report is not OK.
	ListErrors  []string
	Interrupted bool

	byName map[string]Status
}

// Verdict is the verdict on a file, named as trail.Source.File names it:
// NotVerified for a file verification did not cover. A run marks the
// findings of every file whose verdict is not Valid.
func (r *Report) Verdict(file string) Status {
	if r == nil {
		return NotVerified
	}
	if s, ok := r.byName[file]; ok {
		return s
	}
	return NotVerified
}

// Counts counts the files by verdict.
func (r *Report) Counts() map[Status]int {
	c := map[Status]int{}
	for _, f := range r.Files {
		c[f.Status]++
	}
	return c
}

// OK is true when something was verified and every file and chain link is
// valid: the claim "these logs are what CloudTrail delivered".
func (r *Report) OK() bool {
	if len(r.Files) == 0 || len(r.Gaps) > 0 || len(r.ListErrors) > 0 || r.Interrupted {
		return false
	}
	return !slices.ContainsFunc(r.Files, func(f File) bool { return f.Status != Valid })
}

// Problems are the files whose verdict is not Valid, by Name.
func (r *Report) Problems() []File {
	var out []File
	for _, f := range r.Files {
		if f.Status != Valid {
			out = append(out, f)
		}
	}
	return out
}

// finish sorts the report and derives its scopes and index.
func (r *Report) finish() {
	slices.SortFunc(r.Files, func(a, b File) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortFunc(r.Gaps, func(a, b Gap) int {
		return cmp.Or(cmp.Compare(a.Org, b.Org), cmp.Compare(a.Account, b.Account), cmp.Compare(a.Region, b.Region),
			cmp.Compare(a.Trail, b.Trail), cmp.Compare(a.Digest, b.Digest))
	})
	type id struct{ org, account, region string }
	scopes := map[id]*Scope{}
	scope := func(org, account, region string) *Scope {
		k := id{org, account, region}
		if scopes[k] == nil {
			scopes[k] = &Scope{Org: org, Account: account, Region: region, Counts: map[Status]int{}}
		}
		return scopes[k]
	}
	r.byName = make(map[string]Status, len(r.Files))
	for _, f := range r.Files {
		r.byName[f.Name] = f.Status
		s := scope(f.Org, f.Account, f.Region)
		s.Counts[f.Status]++
		if f.Kind == KindDigest {
			s.Digests++
		} else {
			s.Logs++
		}
	}
	for _, g := range r.Gaps {
		scope(g.Org, g.Account, g.Region).Gaps++
	}
	r.Scopes = r.Scopes[:0]
	for _, s := range scopes {
		r.Scopes = append(r.Scopes, *s)
	}
	slices.SortFunc(r.Scopes, func(a, b Scope) int {
		return cmp.Or(cmp.Compare(a.Org, b.Org), cmp.Compare(a.Account, b.Account), cmp.Compare(a.Region, b.Region))
	})
}

// cover widens a scope's covered span with a valid digest's.
func (r *Report) cover(org, account, region string, from, to time.Time) {
	for i := range r.Scopes {
		s := &r.Scopes[i]
		if s.Org == org && s.Account == account && s.Region == region {
			if s.From.IsZero() || from.Before(s.From) {
				s.From = from
			}
			if to.After(s.To) {
				s.To = to
			}
		}
	}
}
