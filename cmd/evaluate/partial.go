package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/trailhunt/trailhunt/aggregate"
	"github.com/trailhunt/trailhunt/engine"
	"github.com/trailhunt/trailhunt/loader"
	"github.com/trailhunt/trailhunt/loader/s3source"
	"github.com/trailhunt/trailhunt/partial"
	"github.com/trailhunt/trailhunt/report"
	"github.com/trailhunt/trailhunt/sweep"
	"github.com/trailhunt/trailhunt/trail"
)

// listing is what a run had counted once its inputs were listed: every
// shard lists every input, so these counts belong to shard 0 alone.
type listing struct {
	ls loader.Stats
	s3 struct{ listed, planned int64 }
}

func takeListing(rd *loader.Reader, ins inputs) listing {
	l := listing{ls: rd.Stats()}
	o := ins.objects()
	l.s3.listed, l.s3.planned = o.Listed, o.Planned
	return l
}

// summary is the listing's counts as a summary, to take out of a shard's.
func (l listing) summary(set *engine.Set) report.Summary {
	s := summarize(set, l.ls, sweep.Result{Table: aggregate.New(nil)}, 0, nil, 0)
	s.ObjectsListed, s.ObjectsPlanned = l.s3.listed, l.s3.planned
	return s
}

// partialExt names partial results in a directory given to merge.
const partialExt = ".thp"

// writePartial writes the shard's partial result atomically: to a file
// through a temporary file and a rename, or to s3://bucket/key with one
// PutObject of a spooled copy (an object appears whole or not at all; a
// shard killed before it leaves none).
func writePartial(ctx context.Context, cfg config, set *engine.Set, res sweep.Result, sum report.Summary) error {
	m := partial.Meta{PolicyVersion: set.Version(), Detections: sum.Detections, Since: cfg.since, Until: cfg.until,
		Now: cfg.now, Plan: res.Plan, ShardIndex: cfg.shard.Index, ShardCount: cfg.shard.Count, Summary: sum}
	if s3source.IsURL(cfg.partial) {
		sp, err := newSpool()
		if err != nil {
			return err
		}
		defer sp.Close()
		if err := partial.Write(sp, m, res.Table); err != nil {
			return err
		}
		// An interrupted run still writes its partial (marked so in its
		// summary), as it would to a file: the PUT outlives the signal.
		client, err := s3Writer(ctx, cfg, cfg.partial)
		if err != nil {
			return err
		}
		return sp.put(ctx, client, cfg.partial)
	}
	f, err := report.CreateAtomic(cfg.partial)
	if err != nil {
		return err
	}
	if err := partial.Write(f, m, res.Table); err != nil {
		return errors.Join(err, f.Abort())
	}
	return f.Commit()
}

// shardFile is one partial result read for a merge.
type shardFile struct {
	name string
	meta partial.Meta
	sum  [32]byte // of its content but wall time: a re-run's copy from a conflicting one
}

// runMerge is `evaluate merge`: the partial results of a hunt's shards
// merged into exactly the rows and summary one run over the same inputs
// gives. Partials of another policy set, window or plan are refused (exit
// 2); a missing or conflicting shard is an error naming its index (exit 3,
// the merge of what there is written, the summary marked incomplete).
func runMerge(ctx context.Context, cfg config, ecfg engine.Config, stdout, stderr io.Writer, start time.Time) int {
	set, err := engine.Load(ctx, ecfg)
	if err != nil {
		fmt.Fprintf(stderr, "evaluate merge: %s\n", report.PrintableLines(err.Error()))
		return exitUsage
	}
	files, err := partialSources(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "evaluate merge: %s\n", report.PrintableLines(err.Error()))
		return exitUsage
	}
	// Each partial is merged as it is read (the table spills past
	// --max-memory), once its hunt is found the same as the first's.
	spillDir := &sweep.SpillDir{}
	defer spillDir.Close()
	table := aggregate.New(set.Specs())
	table.SetSpill(spillOf(cfg.maxMemory, spillDir))
	defer table.Close()
	defer debug.SetMemoryLimit(limitMemory(cfg.maxMemory))
	var first shardFile
	byIndex := map[int]shardFile{}
	var problems []string
	for n, f := range files {
		err := mergePartial(ctx, f, table, func(s shardFile) (bool, error) {
			if n == 0 {
				first = s
			}
			if err := sameHunt([]shardFile{first, s}, set); err != nil {
				return false, err
			}
			i := s.meta.ShardIndex
			if prev, dup := byIndex[i]; dup {
				if prev.sum != s.sum {
					problems = append(problems, fmt.Sprintf("shard %d: %s and %s differ (a shard run twice on other inputs?); %s is used",
						i, report.Printable(prev.name), report.Printable(s.name), report.Printable(prev.name)))
				}
				return false, nil // the same file twice: a re-run is idempotent
			}
			byIndex[i] = s
			return true, nil
		})
		if err != nil {
			fmt.Fprintf(stderr, "evaluate merge: %s\n", report.PrintableLines(err.Error()))
			return exitUsage
		}
	}
	count := first.meta.ShardCount
	var missing []int
	for i := range count {
		if _, ok := byIndex[i]; !ok {
			missing = append(missing, i)
			problems = append(problems, fmt.Sprintf("shard %d of %d is missing: the rows and summary leave its inputs out", i, count))
		}
	}
	var sum report.Summary
	for i := range count {
		s, ok := byIndex[i]
		if !ok {
			continue
		}
		if sum.PolicyVersion == "" {
			sum = s.meta.Summary
		} else {
			sum = sum.Plus(s.meta.Summary)
		}
	}
	spillWarning(table, cfg, stderr)
	for _, p := range problems {
		fmt.Fprintf(stderr, "evaluate merge: %s\n", p)
	}
	if !cfg.formatSet {
		cfg.format = report.FormatJSONL
		if isTerminal(stdout) {
			cfg.format = report.FormatTable
		}
	}
	out, commit, err := openResults(ctx, cfg, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "evaluate merge: %v\n", err)
		return exitUsage
	}
	detections := map[string]trail.Detection{}
	for _, d := range set.Detections() {
		detections[d.ID] = d
	}
	code := exitOK
	rows, held, err := table.Tally()
	if err != nil {
		fmt.Fprintf(stderr, "evaluate merge: %v\n", err)
		code = exitOutput
	}
	code = max(code, writeRows(out, commit, cfg, detections, set.Version(), table, stderr))
	sum.Rows, sum.BelowCondition = rows, held
	// Elapsed is the slowest shard's: the hunt's wall time when the shards
	// ran side by side, and records/s its throughput.
	sum.MissingShards = missing
	if len(problems) > 0 && code == exitOK {
		code = exitIncomplete
	}
	return finishRun(cfg, sum, code, stderr)
}

// mergePartial opens the partial f, checks it whole, asks take whether
// to merge it (an error from take is the merge's), and if so streams its
// table into table. It holds none of it in memory but a group at a time.
func mergePartial(ctx context.Context, f partialSource, table *aggregate.Table, take func(shardFile) (bool, error)) error {
	b, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	st, err := b.Stat()
	if err != nil {
		return err
	}
	name := report.Printable(f.name)
	pf, err := partial.Open(b, st.Size())
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	sum, err := contentSum(pf)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if ok, err := take(shardFile{name: f.name, meta: pf.Meta, sum: sum}); err != nil || !ok {
		return err
	}
	if err := table.MergeEncoded(pf.Table()); err != nil {
		return fmt.Errorf("%s: %w: %w", name, partial.ErrCorrupt, err)
	}
	return nil
}

// contentSum identifies a partial's results: its meta but the shard's wall
// time, and its table. A shard run again gives the same sum.
func contentSum(f *partial.File) ([32]byte, error) {
	h := sha256.New()
	m := f.Meta
	m.Summary.Elapsed = 0
	json.NewEncoder(h).Encode(m)
	var s [32]byte
	if _, err := io.Copy(h, f.Table()); err != nil {
		return s, err
	}
	h.Sum(s[:0])
	return s, nil
}

// partialSource is one partial result to read for a merge: a local file
// or an S3 object.
type partialSource struct {
	name string
	open func(context.Context) (partialBytes, error)
}

// partialBytes is a partial's bytes where they can be read twice (its
// checksum, then its table), never whole in memory: the local file, or an
// S3 object spooled to a temporary file.
type partialBytes interface {
	io.ReaderAt
	io.Closer
	Stat() (os.FileInfo, error)
}

// partialSources expands the merge's arguments, local and s3:// alike (one
// hunt's partials may be gathered from both): files and objects as given,
// directories and prefixes to the *.thp files or objects directly in them,
// all in name order.
func partialSources(ctx context.Context, cfg config) ([]partialSource, error) {
	var out []partialSource
	var client *s3source.Client
	for _, p := range cfg.paths {
		if !s3source.IsURL(p) {
			names, err := partialFiles([]string{p})
			if err != nil {
				return nil, err
			}
			for _, name := range names {
				out = append(out, partialSource{name, func(context.Context) (partialBytes, error) { return os.Open(name) }})
			}
			continue
		}
		if client == nil {
			var err error
			if client, err = s3source.NewClient(ctx, cfg.s3.s3Config()); err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
		}
		found, err := s3Partials(ctx, client, p)
		if err != nil {
			return nil, err
		}
		out = append(out, found...)
	}
	slices.SortStableFunc(out, func(a, b partialSource) int { return strings.Compare(a.name, b.name) })
	return slices.CompactFunc(out, func(a, b partialSource) bool { return a.name == b.name }), nil
}

// s3Partials lists url with the S3 source (credentials, region, retries,
// its typed errors) and its planner off: the object url names, if it
// exists, else the *.thp objects directly under url as a folder. Each is
// read with the source's GET, which resumes a broken body.
func s3Partials(ctx context.Context, c *s3source.Client, url string) ([]partialSource, error) {
	src, err := c.Open(ctx, url, loader.Plan{})
	if err != nil {
		return nil, err
	}
	bucket, key, _ := s3source.ParseURL(url)
	dir := key
	if dir != "" && !strings.HasSuffix(dir, "/") {
		dir += "/"
	}
	var exact, found []loader.Input
	for in, err := range src.List(ctx, nil) {
		if err != nil {
			return nil, err
		}
		k := strings.TrimPrefix(in.Path, "s3://"+bucket+"/")
		if k == key {
			exact = append(exact, in)
		}
		if rest, ok := strings.CutPrefix(k, dir); ok && !strings.Contains(rest, "/") && strings.HasSuffix(rest, partialExt) {
			found = append(found, in)
		}
	}
	if len(exact) > 0 {
		found = exact
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("%s holds no partial results (*%s objects directly under s3://%s/%s)", url, partialExt, bucket, dir)
	}
	var out []partialSource
	for _, in := range found {
		out = append(out, partialSource{in.Path, func(ctx context.Context) (partialBytes, error) {
			rc, err := src.Open(ctx, in)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", in.Path, err)
			}
			defer rc.Close()
			sp, err := newSpool()
			if err != nil {
				return nil, err
			}
			if _, err := io.Copy(sp, rc); err != nil {
				sp.Close()
				return nil, fmt.Errorf("%s: %w", in.Path, err)
			}
			return sp.f, nil
		}})
	}
	return out, nil
}

// partialFiles expands the merge's arguments: files as given, directories
// to their *.thp files, in name order.
func partialFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			out = append(out, p)
			continue
		}
		found, err := filepath.Glob(filepath.Join(p, "*"+partialExt))
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%s holds no partial results (*%s files)", p, partialExt)
		}
		out = append(out, found...)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// sameHunt checks that every partial is of one hunt: this policy set, its
// detections, one window, one "now", one plan, one shard count.
func sameHunt(shards []shardFile, set *engine.Set) error {
	first := shards[0].meta
	var ids []string
	for _, d := range set.Detections() {
		ids = append(ids, d.ID)
	}
	for _, s := range shards {
		m := s.meta
		name := report.Printable(s.name)
		switch {
		case m.PolicyVersion != set.Version():
			return fmt.Errorf("%s is of policy set %s, this one is %s: merge with the policies and filters the shards ran (--policies, --add-policies, --filters)", name, m.PolicyVersion, set.Version())
		case !slices.Equal(m.Detections, ids):
			return fmt.Errorf("%s ran detections %s, this merge has %s: give merge the shards' --detection", name, strings.Join(m.Detections, ","), strings.Join(ids, ","))
		case !m.Since.Equal(first.Since) || !m.Until.Equal(first.Until):
			return fmt.Errorf("%s has another time window than %s", name, report.Printable(shards[0].name))
		case !m.Now.UTC().Truncate(24 * time.Hour).Equal(first.Now.UTC().Truncate(24 * time.Hour)):
			// Filter entries expire by the day (UTC): shards started on one
			// day judged them alike.
			return fmt.Errorf("%s judged filter expiry on %s, %s on %s: run the shards of one hunt with one --now", name,
				m.Now.UTC().Format(time.DateOnly), report.Printable(shards[0].name), first.Now.UTC().Format(time.DateOnly))
		case m.Plan != first.Plan:
			return fmt.Errorf("%s listed other inputs (plan %s) than %s (plan %s)", name, m.Plan, report.Printable(shards[0].name), first.Plan)
		case m.ShardCount != first.ShardCount:
			return fmt.Errorf("%s is one of %d shards, %s one of %d", name, m.ShardCount, report.Printable(shards[0].name), first.ShardCount)
		case m.ShardIndex < 0 || m.ShardIndex >= m.ShardCount:
			return fmt.Errorf("%s: shard index %d of %d", name, m.ShardIndex, m.ShardCount)
		}
	}
	return nil
}
