package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/trailhunt/trailhunt/report"
)

// config is the command line, parsed and checked.
type config struct {
	paths          []string
	policies       string
	addPolicies    []string
	filters        []string
	format         report.Format
	formatSet      bool
	output         string
	summary        string
	detections     []string
	since, until   time.Time
	now            time.Time
	workers        int
	width          int
	quiet          bool
	version        bool
	failOnFindings bool
	noPrefilter    bool
	watch          bool
	follow         string
	state          string
	cacheBytes     int64
	settle         time.Duration
	evalTimeout    time.Duration
	maxErrors      int
	maxRecord      int64
	maxDecompress  int64
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// timeFlag accepts RFC 3339 or a date (YYYY-MM-DD, midnight UTC).
type timeFlag struct{ t *time.Time }

func (f timeFlag) String() string {
	if f.t == nil || f.t.IsZero() {
		return ""
	}
	return f.t.Format(time.RFC3339)
}

func (f timeFlag) Set(s string) error {
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			*f.t = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("%q is not a time: use RFC 3339 (2024-07-30T21:53:13Z) or a date (2024-07-30)", s)
}

const usageText = `Usage: evaluate [flags] PATH...

Runs trailhunt's detections over CloudTrail logs. PATH is a file, a directory
(read recursively), or - for standard input. Files may be {"Records":[...]}
objects, JSON arrays, JSON lines or single events, plain or gzip'd, or zip and
tar(.gz) archives of those; the format is detected from the content.

Flags:
`

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	var filters, detections, addPolicies listFlag
	var format string
	fs := flag.NewFlagSet("evaluate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usageText)
		fs.PrintDefaults()
	}
	fs.StringVar(&c.policies, "policies", "", "directory of detections (default: the set embedded in the binary)")
	fs.Var(&addPolicies, "add-policies", "directory of more detection folders, run beside the --policies or embedded set (repeatable)")
	fs.Var(&filters, "filters", "filter-list file or directory; its entries apply beside each detection's own filters.yaml (repeatable)")
	fs.StringVar(&format, "format", "", "output format: table, json, jsonl, csv or ocsf (default: table on a terminal, else jsonl)")
	fs.StringVar(&c.output, "output", "", "write results to this file, atomically (default: standard output)")
	fs.StringVar(&c.summary, "summary", "", "also write the run summary as JSON to this file")
	fs.Var(&detections, "detection", "run only the detections with this id or glob, e.g. 'aws_*loginprofile' (repeatable)")
	fs.Var(timeFlag{&c.since}, "since", "only events at or after this time (RFC 3339 or YYYY-MM-DD)")
	fs.Var(timeFlag{&c.until}, "until", "only events before this time (RFC 3339 or YYYY-MM-DD)")
	fs.Var(timeFlag{&c.now}, "now", "judge filter expiry as of this time (default: now)")
	fs.IntVar(&c.width, "width", report.DefaultWidth, "table width in columns; columns that do not fit are listed, not shown")
	fs.IntVar(&c.workers, "workers", 0, "parallel workers (default: number of CPUs)")
	fs.BoolVar(&c.quiet, "quiet", false, "no progress line, no per-error lines, no summary on stderr")
	fs.BoolVar(&c.version, "version", false, "print the version and the policy-set version, then exit")
	fs.BoolVar(&c.failOnFindings, "fail-on-findings", false, "exit 1 when there is at least one finding")
	fs.BoolVar(&c.watch, "watch", false, "tuning loop: evaluate, then re-evaluate and print what changed after every policy or filter edit (needs --policies)")
	fs.StringVar(&c.follow, "follow", "", "evaluate each new file arriving in this directory once, printing findings as JSON lines")
	fs.StringVar(&c.state, "state", "", "with --follow: state file recording the files done, so a restart resumes")
	fs.Int64Var(&c.cacheBytes, "cache-bytes", 1<<30, "with --watch: memory budget for the records kept between re-evaluations")
	fs.DurationVar(&c.settle, "settle", 2*time.Second, "with --follow: a file is complete once unchanged this long")
	fs.DurationVar(&c.evalTimeout, "eval-timeout", time.Second, "deadline for one record in one detection; a record past it is counted as timed out (0: none)")
	fs.BoolVar(&c.noPrefilter, "no-prefilter", false, "give every record to OPA, even those the policies' derived prefilter rules out (slower)")
	fs.IntVar(&c.maxErrors, "max-errors", 20, "print at most this many error lines on stderr (all are counted)")
	fs.Int64Var(&c.maxRecord, "max-record-bytes", 16<<20, "largest record accepted, in bytes")
	fs.Int64Var(&c.maxDecompress, "max-decompressed-bytes", 8<<30, "largest decompressed size of one file or archive member")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	c.filters, c.detections, c.addPolicies, c.paths = filters, detections, addPolicies, fs.Args()
	if format != "" {
		f, err := report.ParseFormat(format)
		if err != nil {
			return c, err
		}
		c.format, c.formatSet = f, true
	}
	switch {
	case c.version:
		return c, nil
	case c.watch && c.follow != "":
		return c, errors.New("--watch and --follow are different modes: choose one")
	case c.watch && c.policies == "":
		return c, errors.New("--watch needs --policies DIR: the embedded policy set cannot change while it runs")
	case (c.watch || c.follow != "") && c.output != "":
		return c, errors.New("--output is for batch runs; --watch and --follow write to standard output")
	case c.follow != "" && len(c.paths) > 0:
		return c, errors.New("--follow DIR takes no other PATH")
	case c.follow == "" && c.state != "":
		return c, errors.New("--state goes with --follow")
	case c.follow != "":
		return c, nil
	case len(c.paths) == 0:
		return c, errors.New("no PATH given: name files, directories, or - for standard input")
	case c.width < 40:
		return c, fmt.Errorf("--width %d: want at least 40 columns", c.width)
	case c.workers < 0:
		return c, fmt.Errorf("--workers %d: want 0 (all CPUs) or more", c.workers)
	case !c.since.IsZero() && !c.until.IsZero() && !c.until.After(c.since):
		return c, fmt.Errorf("--until %s is not after --since %s", c.until.Format(time.RFC3339), c.since.Format(time.RFC3339))
	case c.maxRecord <= 0 || c.maxDecompress <= 0:
		return c, errors.New("--max-record-bytes and --max-decompressed-bytes must be positive")
	}
	return c, nil
}
