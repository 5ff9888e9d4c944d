package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"slices"
	"strings"

	"github.com/trailhunt/trailhunt/engine"
	"github.com/trailhunt/trailhunt/integrity"
	"github.com/trailhunt/trailhunt/loader/s3source"
	"github.com/trailhunt/trailhunt/report"
	"github.com/trailhunt/trailhunt/sweep"
	"github.com/trailhunt/trailhunt/trail"
)

// verifyConfig is the log integrity part of the run specification: the
// flags of the "Log integrity" block in flags.go.
type verifyConfig struct {
	enabled           bool // run --verify
	publicKeys        listFlag
	accounts, regions csvFlag
}

// csvFlag is a repeatable flag of comma-separated values.
type csvFlag []string

func (l *csvFlag) String() string { return strings.Join(*l, ",") }
func (l *csvFlag) Set(s string) error {
	for v := range strings.SplitSeq(s, ",") {
		if v = strings.TrimSpace(v); v == "" {
			return errors.New("an empty value")
		}
		*l = append(*l, v)
	}
	return nil
}

// check refuses what cannot be honoured, before anything is read.
func (v verifyConfig) check(mode string) error {
	if mode == modeRun && !v.enabled && len(v.publicKeys) > 0 {
		return errors.New("--public-keys: only with --verify (or `evaluate verify`)")
	}
	for _, a := range v.accounts {
		if len(a) != 12 || strings.Trim(a, "0123456789") != "" {
			return fmt.Errorf("--accounts %s: not an AWS account id (12 digits)", a)
		}
	}
	return nil
}

// integrityConfig is the verification a run specification asks for.
func integrityConfig(cfg config, keys *integrity.Keys) integrity.Config {
	return integrity.Config{Keys: keys, Accounts: cfg.verify.accounts, Regions: cfg.verify.regions,
		Since: cfg.since, Until: cfg.until, Workers: cfg.workers}
}

// roots is the integrity.Source of a verification's roots: local trees
// (integrity.Dir) and s3:// inputs (s3source.Integrity), mixed freely. A
// root and each object it lists go to the one source that lists it: an
// S3 object has its bucket, a local one none.
type roots struct {
	dir integrity.Dir
	s3  *s3source.Integrity // nil when no root is s3://
}

// verifySource makes the source of cfg's roots. With s3:// roots it loads
// the AWS configuration (no call to AWS yet).
func verifySource(ctx context.Context, cfg config) (integrity.Source, error) {
	r := roots{}
	if !slices.ContainsFunc(cfg.paths, s3source.IsURL) {
		return r.dir, nil
	}
	client, err := s3source.NewClient(ctx, cfg.s3.s3Config())
	if err != nil {
		return nil, err
	}
	r.s3 = &s3source.Integrity{Client: client, Accounts: cfg.verify.accounts, Regions: cfg.verify.regions, Since: cfg.since}
	return r, nil
}

func (r roots) List(ctx context.Context, root string) iter.Seq2[integrity.Object, error] {
	if s3source.IsURL(root) {
		return r.s3.List(ctx, root)
	}
	return r.dir.List(ctx, root)
}

func (r roots) Open(ctx context.Context, o integrity.Object) (io.ReadCloser, error) {
	if o.Bucket != "" {
		return r.s3.Open(ctx, o)
	}
	return r.dir.Open(ctx, o)
}

func (r roots) Metadata(ctx context.Context, o integrity.Object) (map[string]string, error) {
	if o.Bucket != "" {
		return r.s3.Metadata(ctx, o)
	}
	return r.dir.Metadata(ctx, o)
}

// runVerify is `evaluate verify ROOT...`: CloudTrail log file integrity
// validation over AWSLogs trees, local copies or s3://bucket[/prefix]. The report goes to stdout. Exit 0
// when every file in scope verified and every chain is unbroken; 3 when
// anything is modified, missing, unlisted, unverifiable or a gap, or when
// nothing was there to verify; 2 before reading (bad key file, a ROOT that
// is not a directory, a bucket that cannot be listed); 4 when the report cannot be written; 130 when
// interrupted (the report so far is written, marked).
func runVerify(ctx context.Context, cfg config, stdout, stderr io.Writer) int {
	keys, err := integrity.LoadKeys(cfg.verify.publicKeys)
	if err != nil {
		fmt.Fprintf(stderr, "evaluate verify: %s\n", report.Printable(err.Error()))
		return exitUsage
	}
	if keys.Len() == 0 {
		fmt.Fprintln(stderr, "evaluate verify: no --public-keys: no digest can be verified, only hashes and chains checked "+
			"(save the keys with `aws cloudtrail list-public-keys`, see docs/integrity.md)")
	}
	src, err := verifySource(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "evaluate verify: %s\n", report.Printable(err.Error()))
		return exitUsage
	}
	rep, err := integrity.Verify(ctx, src, cfg.paths, integrityConfig(cfg, keys))
	if re := (*integrity.RootError)(nil); errors.As(err, &re) {
		msg := re.Err.Error()
		if s3source.IsURL(re.Root) {
			msg = re.Root + ": " + msg // an S3 error does not name its bucket
		}
		fmt.Fprintf(stderr, "evaluate verify: %s\n", report.Printable(msg))
		return exitUsage
	}
	write := integrity.WriteTable
	if cfg.format == report.FormatJSON {
		write = integrity.WriteJSON
	}
	if err := write(stdout, rep); err != nil {
		fmt.Fprintf(stderr, "evaluate verify: write results: %v\n", err)
		return exitOutput
	}
	switch {
	case rep.Interrupted:
		return exitInterrupted
	case !rep.OK():
		return exitIncomplete
	}
	return exitOK
}

// runVerification is --verify on a run: the inputs are verified before they
// are evaluated, and the findings counted by the verdict on their file.
type runVerification struct {
	keys     *integrity.Keys
	src      integrity.Source
	rep      *integrity.Report
	findings map[string]int64
}

// prepareVerify checks what --verify needs before anything is written: the
// key files, and that every local PATH is a directory (a tree holding
// AWSLogs/); s3:// PATHs are checked when the run lists them. It returns
// nil when the run does not verify.
func prepareVerify(ctx context.Context, cfg config) (*runVerification, error) {
	if !cfg.verify.enabled {
		return nil, nil
	}
	for _, p := range cfg.paths {
		if p == "-" {
			return nil, errors.New("--verify: standard input cannot be verified: name the directories that hold AWSLogs/")
		}
		if s3source.IsURL(p) {
			continue
		}
		if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("--verify: %s is not a directory: --verify reads trees holding AWSLogs/ (a copy of the trail's bucket)", p)
		}
	}
	keys, err := integrity.LoadKeys(cfg.verify.publicKeys)
	if err != nil {
		return nil, err
	}
	src, err := verifySource(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &runVerification{keys: keys, src: src, findings: map[string]int64{}}, nil
}

// verify verifies the run's inputs and prints each file that did not verify,
// and each chain gap, as an error line (within --max-errors).
func (rv *runVerification) verify(ctx context.Context, cfg config, errs *errorPrinter) {
	if rv == nil {
		return
	}
	if rv.keys.Len() == 0 {
		errs.print(errors.New("integrity: no --public-keys: no digest can be verified"))
	}
	rep, err := integrity.Verify(ctx, rv.src, cfg.paths, integrityConfig(cfg, rv.keys))
	if err != nil && rep == nil {
		// The paths were checked: a root gone since, say. Nothing verified.
		errs.print(fmt.Errorf("integrity: %w", err))
		rep = &integrity.Report{}
	}
	rv.rep = rep
	for _, f := range rep.Problems() {
		errs.print(fmt.Errorf("integrity: %s %s %s: %s", f.Status, f.Kind, f.Name, f.Reason))
	}
	for _, g := range rep.Gaps {
		errs.print(fmt.Errorf("integrity: chain gap (%s) at %s: %s", g.Kind, g.Digest, g.Reason))
	}
	for _, e := range rep.ListErrors {
		errs.print(fmt.Errorf("integrity: not listed: %s", e))
	}
}

// Verdict is the integrity verdict on an input file, named as
// trail.Source.File names it ("valid", "modified", "missing", "unlisted",
// "unverifiable", "not_verified"); "" when the run does not verify. Every
// output format marks the findings of files whose verdict is not "valid".
func (rv *runVerification) Verdict(file string) string {
	if rv == nil {
		return ""
	}
	return string(rv.rep.Verdict(file))
}

// onFinding wraps a sweep's OnFinding to count the findings shown by the
// verdict on their file.
func (rv *runVerification) onFinding(next func(trail.Finding, trail.Record)) func(trail.Finding, trail.Record) {
	if rv == nil {
		return next
	}
	return func(f trail.Finding, rec trail.Record) {
		if next != nil {
			next(f, rec)
		}
		if !f.Suppressed() {
			rv.findings[rv.Verdict(rec.Source.File)]++
		}
	}
}

// summary is the run summary's integrity section; nil when the run did not
// verify.
func (rv *runVerification) summary() *report.Integrity {
	if rv == nil {
		return nil
	}
	in := &report.Integrity{Verified: rv.rep.OK(), Files: map[string]int64{}, Gaps: int64(len(rv.rep.Gaps)), Findings: rv.findings}
	for s, n := range rv.rep.Counts() {
		in.Files[string(s)] = int64(n)
	}
	return in
}

// integrityField is the by-field --verify adds to every detection: the
// verdict on the file each finding's record came from, so that every
// output format marks findings from files that did not verify (a row's
// records all share its verdict).
const integrityField = "integrity"

// markedEvaluator is the run's evaluator under --verify: the set's
// findings, each with its file's verdict as the last by-value.
type markedEvaluator struct {
	*engine.Set
	rv *runVerification
}

func (m markedEvaluator) Evaluate(ctx context.Context, rec trail.Record) ([]trail.Finding, error) {
	fs, err := m.Set.Evaluate(ctx, rec)
	for i := range fs {
		v := m.rv.Verdict(rec.Source.File)
		fs[i].Values = append(fs[i].Values, &v)
	}
	return fs, err
}

// evaluator is what the run sweeps with: the set itself, or the set with
// the verdict marks under --verify.
func (rv *runVerification) evaluator(set *engine.Set) sweep.Evaluator {
	if rv == nil {
		return set
	}
	return markedEvaluator{Set: set, rv: rv}
}

// detections adds the integrity by-field to each detection under --verify.
func (rv *runVerification) detections(ds []trail.Detection) (map[string]trail.Detection, error) {
	out := make(map[string]trail.Detection, len(ds))
	for _, d := range ds {
		if rv != nil {
			if slices.Contains(d.By, integrityField) {
				return nil, fmt.Errorf("--verify: detection %s has a by-field named %q, the column --verify adds", d.ID, integrityField)
			}
			d.By = append(slices.Clone(d.By), integrityField)
		}
		out[d.ID] = d
	}
	return out, nil
}
