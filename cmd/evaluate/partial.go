package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/trailhunt/trailhunt/aggregate"
	"github.com/trailhunt/trailhunt/engine"
	"github.com/trailhunt/trailhunt/loader"
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
	s := summarize(set, l.ls, sweep.Result{Table: aggregate.New(nil)}, 0, 0)
	s.ObjectsListed, s.ObjectsPlanned = l.s3.listed, l.s3.planned
	return s
}

// partialExt names partial results in a directory given to merge.
const partialExt = ".thp"

// writePartial writes the shard's partial result atomically.
func writePartial(cfg config, set *engine.Set, res sweep.Result, sum report.Summary) error {
	f, err := report.CreateAtomic(cfg.partial)
	if err != nil {
		return err
	}
	// No wall time in the file: the same shard over the same inputs writes
	// the same bytes (a re-run replaces it, a copy of it merges as one).
	sum.Elapsed = 0
	m := partial.Meta{PolicyVersion: set.Version(), Detections: sum.Detections, Since: cfg.since, Until: cfg.until,
		Now: cfg.now, Plan: res.Plan, ShardIndex: cfg.shard.Index, ShardCount: cfg.shard.Count, Summary: sum}
	if err := partial.Write(f, m, res.Table); err != nil {
		return errors.Join(err, f.Abort())
	}
	return f.Commit()
}

// shardFile is one partial result read for a merge.
type shardFile struct {
	name  string
	meta  partial.Meta
	table *aggregate.Table
	sum   [32]byte // of the file, to tell a re-run's copy from a conflicting one
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
	files, err := partialFiles(cfg.paths)
	if err != nil {
		fmt.Fprintf(stderr, "evaluate merge: %v\n", err)
		return exitUsage
	}
	var shards []shardFile
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintf(stderr, "evaluate merge: %v\n", err)
			return exitUsage
		}
		m, t, err := partial.Read(bytes.NewReader(b), set.Specs())
		if err != nil {
			fmt.Fprintf(stderr, "evaluate merge: %s: %v\n", report.Printable(name), err)
			return exitUsage
		}
		shards = append(shards, shardFile{name: name, meta: m, table: t, sum: sha(b)})
	}
	if err := sameHunt(shards, set); err != nil {
		fmt.Fprintf(stderr, "evaluate merge: %v\n", err)
		return exitUsage
	}
	count := shards[0].meta.ShardCount
	byIndex := map[int]shardFile{}
	var problems []string
	for _, s := range shards {
		i := s.meta.ShardIndex
		if prev, dup := byIndex[i]; dup {
			if prev.sum != s.sum {
				problems = append(problems, fmt.Sprintf("shard %d: %s and %s differ (a shard run twice on other inputs?); %s is used",
					i, report.Printable(prev.name), report.Printable(s.name), report.Printable(prev.name)))
			}
			continue // the same file twice: a re-run is idempotent
		}
		byIndex[i] = s
	}
	var missing []int
	for i := range count {
		if _, ok := byIndex[i]; !ok {
			missing = append(missing, i)
			problems = append(problems, fmt.Sprintf("shard %d of %d is missing: the rows and summary leave its inputs out", i, count))
		}
	}

	table := aggregate.New(set.Specs())
	var sum report.Summary
	for i := range count {
		s, ok := byIndex[i]
		if !ok {
			continue
		}
		table.Merge(s.table)
		if sum.PolicyVersion == "" {
			sum = s.meta.Summary
		} else {
			sum = sum.Plus(s.meta.Summary)
		}
	}
	for _, p := range problems {
		fmt.Fprintf(stderr, "evaluate merge: %s\n", p)
	}
	if !cfg.formatSet {
		cfg.format = report.FormatJSONL
		if isTerminal(stdout) {
			cfg.format = report.FormatTable
		}
	}
	out, commit, err := openOutput(cfg.output, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "evaluate merge: %v\n", err)
		return exitUsage
	}
	detections := map[string]trail.Detection{}
	for _, d := range set.Detections() {
		detections[d.ID] = d
	}
	rows := table.Rows()
	code := writeRows(out, commit, cfg, detections, set.Version(), rows, stderr)
	sum.Rows, sum.BelowCondition = int64(len(rows)), table.Held()
	sum.Elapsed = max(sum.Elapsed, time.Since(start))
	sum.MissingShards = missing
	if len(problems) > 0 && code == exitOK {
		code = exitIncomplete
	}
	return finishRun(cfg, sum, code, stderr)
}

func sha(b []byte) [32]byte { return sha256.Sum256(b) }

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
