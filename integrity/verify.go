package integrity

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config says what to verify.
type Config struct {
	// Keys are the public keys (LoadKeys); with none, every digest is
	// unverifiable.
	Keys *Keys
	// Accounts and Regions, when not empty, restrict verification to these
	// accounts and regions; nothing else is opened.
	Accounts, Regions []string
	// Since and Until bound event time, as a run's --since and --until do;
	// zero is unbounded. Verification covers the files that can hold events
	// of the window: log files delivered from Since to DeliveryMargin after
	// Until, and the digests that list them.
	Since, Until time.Time
	// Workers read and hash at most this many files at once; 0: one per CPU.
	Workers int
}

// DeliveryMargin is how long after an event its log file may be delivered
// (files are named by delivery time; CloudTrail delivers within about 5
// minutes on average, without a guarantee). Log files delivered up to this
// long after Until are verified.
const DeliveryMargin = time.Hour

// digestPeriod is how much time one digest covers.
const digestPeriod = time.Hour

// object is a listed object and its place in the layout.
type object struct {
	Object
	loc Location
}

func (o *object) id() string { return o.loc.Base + o.loc.Key }

// digestResult is what reading one digest found.
type digestResult struct {
	obj       *object
	d         *Digest // nil when it could not be read or parsed
	sum       string  // hex SHA-256 of its decompressed content, "" when unreadable
	signature string  // from its metadata, "" when none
	moved     bool    // it says it was delivered elsewhere: not in this chain
	status    Status
	reason    string
}

// verifier holds one verification's state.
type verifier struct {
	cfg     Config
	src     Source
	rep     *Report
	logs    map[string]*object // in scope, by base+key
	digests []*object          // in scope
	present map[string]bool    // every located digest, by base+key (in scope or not)
	buckets map[string]string  // base -> bucket, to name missing files
	unknown []string           // the paths of the folders that could not be listed
}

// Verify verifies the AWSLogs trees under roots. Per-file failures are
// verdicts; the error is a *RootError when a root cannot be listed, or the
// context's error when it was cancelled (the report then holds what was
// done, marked Interrupted).
func Verify(ctx context.Context, src Source, roots []string, cfg Config) (*Report, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	v := &verifier{cfg: cfg, src: src, rep: &Report{Roots: roots, Since: cfg.Since, Until: cfg.Until},
		logs: map[string]*object{}, present: map[string]bool{}, buckets: map[string]string{}}
	for _, root := range roots {
		if err := v.list(ctx, root); err != nil {
			return nil, err
		}
	}
	results := v.readDigests(ctx)
	v.chains(results)
	v.logVerdicts(ctx, results)
	v.rep.Interrupted = ctx.Err() != nil
	v.rep.finish()
	for _, r := range results {
		if r.status == Valid && !r.obj.loc.Backfill { // a backfill digest says nothing of the chain's span
			l := r.obj.loc
			v.rep.cover(l.Org, l.Account, l.Region, r.d.Start, r.d.End)
		}
	}
	return v.rep, ctx.Err()
}

// list sorts the objects under root into log files and digests in scope.
func (v *verifier) list(ctx context.Context, root string) error {
	for o, err := range v.src.List(ctx, root) {
		if err != nil {
			var re *RootError
			switch {
			case errors.As(err, &re):
				return re
			case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
				return nil // Verify reports the interruption
			}
			v.rep.ListErrors = append(v.rep.ListErrors, err.Error())
			if le := (*ListError)(nil); errors.As(err, &le) {
				v.unknown = append(v.unknown, strings.TrimSuffix(le.Path, "/")+"/")
			}
			continue
		}
		loc, ok := Locate(o.Path)
		if !ok {
			if !strings.Contains(o.Path, "/CloudTrail-Digest/") && !strings.Contains(o.Path, "/CloudTrail-Insight/") {
				v.rep.Outside++
			}
			continue
		}
		obj := &object{Object: o, loc: loc}
		if loc.Kind == KindDigest {
			if v.present[obj.id()] {
				continue // a root named twice, or inside another
			}
			v.present[obj.id()] = true
		}
		if o.Bucket != "" {
			v.buckets[loc.Base] = o.Bucket
		}
		if !v.inScope(loc) {
			continue
		}
		if loc.Kind == KindDigest {
			v.digests = append(v.digests, obj)
		} else {
			v.logs[obj.id()] = obj
		}
	}
	return nil
}

// inScope says whether a located object is verified: its account and
// region are selected, and its time (from its name) can concern the window.
func (v *verifier) inScope(loc Location) bool {
	if len(v.cfg.Accounts) > 0 && !slices.Contains(v.cfg.Accounts, loc.Account) ||
		len(v.cfg.Regions) > 0 && !slices.Contains(v.cfg.Regions, loc.Region) {
		return false
	}
	since, until := v.cfg.Since, v.cfg.Until
	t := loc.Time
	if t.IsZero() {
		return loc.Kind == KindLog // a log file of another name: in the tree, read by a run
	}
	if loc.Kind == KindLog {
		return (since.IsZero() || !t.Before(since.Truncate(time.Minute))) &&
			(until.IsZero() || t.Before(until.Add(DeliveryMargin)))
	}
	// A digest lists the files delivered in the hour before its end time.
	return (since.IsZero() || !t.Before(since)) &&
		(until.IsZero() || loc.Backfill || t.Before(until.Add(DeliveryMargin+2*digestPeriod)))
}

// parallel runs fn(0..n-1) on the configured workers. fn sees a cancelled
// context itself, and says so in its result.
func (v *verifier) parallel(n int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(v.cfg.Workers, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}

// readDigests reads and checks every digest in scope.
func (v *verifier) readDigests(ctx context.Context) []*digestResult {
	results := make([]*digestResult, len(v.digests))
	v.parallel(len(v.digests), func(i int) {
		results[i] = v.readDigest(ctx, v.digests[i])
	})
	for _, r := range results {
		l := r.obj.loc
		v.rep.Files = append(v.rep.Files, File{Name: r.obj.Name, Key: l.Key, Kind: KindDigest, Org: l.Org,
			Account: l.Account, Region: l.Region, Status: r.status, Reason: r.reason})
	}
	return results
}

// readDigest reads one digest and checks its place, signature and key.
func (v *verifier) readDigest(ctx context.Context, o *object) *digestResult {
	r := &digestResult{obj: o}
	fail := func(s Status, format string, a ...any) *digestResult {
		r.status, r.reason = s, fmt.Sprintf(format, a...)
		return r
	}
	var buf bytes.Buffer
	if err := inflate(ctx, v.src, o.Object, &buf, MaxDigestBytes); err != nil {
		var re readError
		if errors.As(err, &re) || ctx.Err() != nil {
			return fail(Unverifiable, "cannot be read: %v", err)
		}
		return fail(Modified, "damaged: %v", err)
	}
	sum := sha256.Sum256(buf.Bytes())
	r.sum = hex.EncodeToString(sum[:])
	d, err := ParseDigest(buf.Bytes())
	if err != nil {
		return fail(Modified, "damaged: %v", err)
	}
	r.d = d
	md, err := v.src.Metadata(ctx, o.Object)
	if err == nil {
		r.signature = md["signature"]
	}
	if keyOf(d.S3Object) != o.loc.Key || o.Bucket != "" && d.S3Bucket != o.Bucket {
		r.moved = true
		return fail(Modified, "moved: it says it was delivered to s3://%s/%s", d.S3Bucket, d.S3Object)
	}
	if err != nil {
		return fail(Unverifiable, "%v", err)
	}
	if d.SignatureAlgorithm != SignatureAlgorithm || md["signature-algorithm"] != "" && md["signature-algorithm"] != SignatureAlgorithm {
		return fail(Unverifiable, "signature algorithm %q: only %s is known", firstOf(md["signature-algorithm"], d.SignatureAlgorithm), SignatureAlgorithm)
	}
	key, err := v.cfg.Keys.For(d.PublicKeyFingerprint, d.End)
	if err != nil {
		return fail(Unverifiable, "%v", err)
	}
	switch err := VerifySignature(key.Public, d.SigningString(buf.Bytes()), r.signature); {
	case errors.Is(err, ErrSignatureEncoding):
		return fail(Unverifiable, "%v", err)
	case err != nil:
		return fail(Modified, "%v with key %s: the digest or its signature changed after CloudTrail signed it", err, key.Fingerprint)
	}
	r.status = Valid
	return r
}

// firstOf returns the first non-empty string.
func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// unlisted says whether a file that is not in the listing lies in a part
// of the tree that could not be listed: whether it is there is unknown.
func (v *verifier) unlisted(base, key string) bool {
	return slices.ContainsFunc(v.unknown, func(prefix string) bool { return strings.HasPrefix(base+key, prefix) })
}

// nameOf names a file that is not in the tree, as its source would.
func (v *verifier) nameOf(base, key string) string {
	if b := v.buckets[base]; b != "" {
		return "s3://" + b + "/" + base + key
	}
	return filepath.FromSlash(base + key)
}
