package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trailhunt/trailhunt/aggregate"
	"github.com/trailhunt/trailhunt/engine"
	"github.com/trailhunt/trailhunt/loader"
	"github.com/trailhunt/trailhunt/report"
	"github.com/trailhunt/trailhunt/sweep"
	"github.com/trailhunt/trailhunt/trail"
)

// commandName prefixes error lines: "evaluate" for a run, "evaluate MODE"
// for the other modes.
func commandName(mode string) string {
	if mode == modeRun {
		return "evaluate"
	}
	return "evaluate " + mode
}

// run is the whole command: it maps arguments and streams to an exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	start := time.Now()
	cfg, err := parseArgs(args, start, stdout)
	if errors.Is(err, errHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", commandName(cfg.mode), err)
		return exitUsage
	}
	if !cfg.widthSet {
		cfg.width = terminalWidth(stdout)
	}
	ecfg := engine.Config{
		PolicyDir:     cfg.policies,
		AddPolicyDirs: cfg.addPolicies,
		FilterPaths:   cfg.filters,
		Detections:    cfg.detections,
		Now:           cfg.now,
		NoPrefilter:   cfg.noPrefilter,
		EvalTimeout:   cfg.evalTimeout,
	}
	switch cfg.mode {
	case modeWatch, modeFollow:
		return runLive(ctx, cfg, ecfg, stdin, stdout, stderr)
	case modeList:
		return runList(ctx, cfg, ecfg, stdout, stderr)
	case modePlan:
		return runPlan(ctx, cfg, stdout, stderr)
	case modeVerify:
		return runVerify(ctx, cfg, stdout, stderr)
	case modeMerge:
		return runMerge(ctx, cfg, ecfg, stdout, stderr, start)
	}
	set, err := engine.Load(ctx, ecfg)
	if err != nil {
		fmt.Fprintf(stderr, "evaluate: %s\n", report.PrintableLines(err.Error())) // OPA quotes policy source lines
		return exitUsage
	}
	if cfg.version {
		fmt.Fprintf(stdout, "trailhunt %s\npolicy set %s\n", buildVersion(), set.Version())
		pre := set.Prefilters()
		for _, d := range set.Detections() {
			fmt.Fprintf(stdout, "  %s  %s  prefilter: %s\n", d.ID, d.File, pre[d.ID])
		}
		return exitOK
	}
	if !cfg.formatSet {
		cfg.format = report.FormatJSONL
		if isTerminal(stdout) {
			cfg.format = report.FormatTable
		}
	}

	verification, err := prepareVerify(ctx, cfg)
	var detections map[string]trail.Detection
	if err == nil {
		detections, err = verification.detections(set.Detections())
	}
	if err != nil {
		fmt.Fprintf(stderr, "evaluate: %s\n", report.Printable(err.Error()))
		return exitUsage
	}

	// S3 inputs are resolved and listed before anything is read or
	// written: a bucket that cannot be read is one line and exit 2.
	ins, err := openInputs(ctx, cfg)
	if err != nil {
		return inputsFailed(ctx, "evaluate", err, stderr)
	}

	out, commit, err := openResults(ctx, cfg, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "evaluate: %v\n", err)
		return exitUsage
	}

	raw, err := openRaw(cfg.raw)
	if err != nil {
		commit(errors.New("not written"))
		fmt.Fprintf(stderr, "evaluate: %v\n", err)
		return exitUsage
	}

	defer debug.SetMemoryLimit(limitMemory(cfg.maxMemory))
	spillDir := &sweep.SpillDir{}
	defer spillDir.Close()
	rd := loader.New(loaderConfig(cfg, stdin))
	errs := &errorPrinter{w: stderr, max: cfg.maxErrors, quiet: cfg.quiet}
	verification.verify(ctx, cfg, errs)
	prog := startProgress(ctx, cfg.quiet, stderr, rd, ins, start)
	scfg := sweep.Config{
		Sources:   ins.sources,
		OpenAhead: ins.openAhead(cfg),
		Workers:   cfg.workers,
		Since:     cfg.since,
		Until:     cfg.until,
		OnError:   errs.print,
		OnInputs:  prog.total,
		Spill:     spillOf(cfg.maxMemory, spillDir),
	}
	if raw != nil {
		scfg.OnFinding = raw.write
	}
	scfg.OnFinding = verification.onFinding(scfg.OnFinding)
	var listed listing // what listing counted: each shard lists every input
	scfg.Shard, scfg.OnListed = cfg.shard, func() { listed = takeListing(rd, ins) }
	res := sweep.Run(ctx, scfg, rd, verification.evaluator(set))
	defer res.Table.Close()
	prog.stop()
	errs.flush()
	spillWarning(res.Table, cfg, stderr)

	code := exitOK
	rows, held, err := res.Table.Tally()
	if err != nil {
		fmt.Fprintf(stderr, "evaluate: %v\n", err)
		code = exitOutput
	}
	if cfg.partial == "" {
		code = max(code, writeRows(out, commit, cfg, detections, set.Version(), res.Table, stderr))
	}
	if err := raw.close(res.Table); err != nil {
		fmt.Fprintf(stderr, "evaluate: write --raw: %v\n", err)
		code = exitOutput
	}

	sum := summarize(set, rd.Stats(), res, rows, held, time.Since(start))
	o := ins.objects()
	sum.ObjectsListed, sum.ObjectsPlanned, sum.ObjectsFetched, sum.ObjectsFailed = o.Listed, o.Planned, o.Fetched, o.Failed
	if o.Fetched > 0 && sum.Records == 0 && !sum.Interrupted {
		// A prefix whose objects hold no CloudTrail: said, never 0
		// findings in silence.
		sum.Errors[reasonNoRecords]++
		if !cfg.quiet {
			fmt.Fprintf(stderr, "evaluate: %s: no CloudTrail records in the %d objects read (skipped: %s)\n",
				report.Printable(strings.Join(ins.urls(), ", ")), o.Fetched, report.Printable(fmt.Sprint(sum.Skipped)))
		}
	}
	sum.Integrity = verification.summary()
	if cfg.shard.Index > 0 {
		sum = sum.Minus(listed.summary(set))
	}
	if cfg.partial != "" {
		if err := writePartial(ctx, cfg, set, res, sum); err != nil {
			fmt.Fprintf(stderr, "evaluate: write --partial: %v\n", err)
			code = exitOutput
		}
	}
	return finishRun(cfg, sum, code, stderr)
}

// writeRows writes the rows table shows to out and commits it; exit 4 when
// they could not be written.
func writeRows(out io.Writer, commit func(error) error, cfg config, detections map[string]trail.Detection, version string, table *aggregate.Table, stderr io.Writer) int {
	werr := report.WriteRows(out, report.Config{Format: cfg.format, Width: cfg.width, Detections: detections, PolicyVersion: version}, shownRows(table))
	if err := commit(werr); err != nil {
		fmt.Fprintf(stderr, "evaluate: write results: %v\n", err)
		return exitOutput
	}
	return exitOK
}

// finishRun writes the summary (stderr, --summary) and maps the run to its
// exit code: what a run and a merge end with alike.
func finishRun(cfg config, sum report.Summary, code int, stderr io.Writer) int {
	if !cfg.quiet {
		if err := report.WriteSummary(stderr, sum); err != nil && code == exitOK {
			code = exitOutput
		}
	}
	if cfg.summary != "" {
		if err := writeSummary(cfg, sum); err != nil {
			fmt.Fprintf(stderr, "evaluate: write summary: %v\n", err)
			code = exitOutput
		}
	}
	return exitCode(code, cfg.failOnFindings, sum)
}

func loaderConfig(cfg config, stdin io.Reader) loader.Config {
	return loader.Config{MaxRecordBytes: cfg.maxRecord, MaxDecompressedBytes: cfg.maxDecompress, Stdin: stdin}
}

// exitCode applies the priorities of exit.go.
func exitCode(code int, failOnFindings bool, s report.Summary) int {
	switch {
	case code != exitOK:
		return code
	case s.Interrupted:
		return exitInterrupted
	case s.Failed > 0 || len(s.Errors) > 0 || s.Integrity != nil && !s.Integrity.Verified:
		return exitIncomplete
	case failOnFindings && s.Findings > 0:
		return exitFindings
	}
	return exitOK
}

func summarize(set *engine.Set, ls loader.Stats, res sweep.Result, rows int64, held map[string]int64, elapsed time.Duration) report.Summary {
	skipped := map[string]int64{}
	for _, m := range []map[string]int64{ls.Skipped, res.Skipped} {
		for k, v := range m {
			skipped[k] += v
		}
	}
	errs := map[string]int64{}
	for k, v := range ls.Errors {
		errs[k] += v
	}
	for k, v := range res.Errors {
		errs["eval_"+k] += v
	}
	ids := []string{}
	for _, d := range set.Detections() {
		ids = append(ids, d.ID)
	}
	sources := map[string]string{}
	for _, f := range set.Filters() {
		if k := f.Detection + "/" + f.ID; res.Suppressed[k] > 0 || f.Expired {
			sources[k] = fmt.Sprintf("%s:%d", f.File, f.Line)
		}
	}
	return report.Summary{
		PolicyVersion:  set.Version(),
		Detections:     ids,
		Files:          ls.Files,
		Members:        ls.Members,
		Bytes:          ls.Bytes,
		Decompressed:   ls.Decompressed,
		Records:        ls.Records + ls.FailedRecords,
		NoTime:         ls.NoTime,
		Evaluated:      res.Evaluated,
		Failed:         res.Failed + ls.FailedRecords,
		Skipped:        skipped,
		Errors:         errs,
		Findings:       res.Findings,
		Rows:           rows,
		Suppressed:     res.Suppressed,
		ExpiredFilters: set.ExpiredFilters(),
		FilterSources:  sources,
		BelowCondition: held,
		Elapsed:        elapsed,
		Interrupted:    res.Interrupted,
	}
}

// openOutput returns where results go and a function that finishes it: on
// success the file is committed atomically, on a write error it is aborted.
func openOutput(path string, stdout io.Writer) (io.Writer, func(error) error, error) {
	if path == "" {
		return stdout, func(err error) error { return err }, nil
	}
	f, err := report.CreateAtomic(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open output: %w", err)
	}
	return f, func(err error) error {
		if err != nil {
			return errors.Join(err, f.Abort())
		}
		return f.Commit()
	}, nil
}

func writeSummaryFile(path string, s report.Summary) error {
	f, err := report.CreateAtomic(path)
	if err != nil {
		return err
	}
	if err := report.WriteSummaryJSON(f, s); err != nil {
		return errors.Join(err, f.Abort())
	}
	return f.Commit()
}

// errorPrinter prints the first max errors and counts the rest.
type errorPrinter struct {
	w          io.Writer
	max        int
	quiet      bool
	n, dropped int
}

func (p *errorPrinter) print(err error) {
	if p.quiet || p.n >= p.max {
		p.dropped++
		return
	}
	p.n++
	fmt.Fprintf(p.w, "evaluate: %s\n", report.Printable(err.Error())) // names and messages carry attacker-chosen bytes
}

func (p *errorPrinter) flush() {
	if p.dropped > 0 && !p.quiet {
		fmt.Fprintf(p.w, "evaluate: %d more errors not shown (--max-errors %d); the summary counts them all\n", p.dropped, p.max)
	}
}

// reasonNoRecords counts a run over S3 objects that read no record at all.
const reasonNoRecords = "no_records"

// inputsFailed reports a failure to resolve or list the inputs: exit 2,
// or 130 when it was Ctrl-C that stopped the listing.
func inputsFailed(ctx context.Context, cmd string, err error, stderr io.Writer) int {
	if ctx.Err() != nil {
		fmt.Fprintf(stderr, "%s: interrupted while listing the inputs; nothing was read\n", cmd)
		return exitInterrupted
	}
	fmt.Fprintf(stderr, "%s: %s\n", cmd, report.Printable(err.Error()))
	return exitUsage
}

// progress is the live progress line on stderr, shown when stderr is a
// terminal.
type progress struct {
	files, bytes atomic.Int64 // totals, once the inputs are listed
	done         chan struct{}
	wg           sync.WaitGroup
}

func (p *progress) total(files int, bytes int64) {
	p.files.Store(int64(files))
	p.bytes.Store(bytes)
}

func (p *progress) stop() {
	if p.done != nil {
		close(p.done)
		p.wg.Wait()
	}
}

func startProgress(ctx context.Context, quiet bool, stderr io.Writer, rd *loader.Reader, ins inputs, start time.Time) *progress {
	p := &progress{}
	if quiet || !isTerminal(stderr) {
		return p
	}
	p.done = make(chan struct{})
	p.wg.Go(func() {
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-p.done:
				fmt.Fprint(stderr, "\r\x1b[K")
				return
			case <-ctx.Done():
			case <-tick.C:
			}
			s := rd.Stats()
			o := ins.objects()
			line := report.Progress{
				Files: s.Files, TotalFiles: p.files.Load(),
				Objects: o.Fetched + o.Failed, TotalObjects: o.Planned,
				Bytes: s.Bytes, TotalBytes: p.bytes.Load(),
				Records: s.Records, Elapsed: time.Since(start),
			}
			fmt.Fprintf(stderr, "\r\x1b[K%s", line.Line())
		}
	})
	return p
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return v
}
