package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/trailhunt/trailhunt/engine"
	"github.com/trailhunt/trailhunt/report"
)

const listUsage = `Usage: evaluate list [flags]

Prints every loaded detection: id, title, type, ATT&CK, risk score, its
stats functions and where condition, the prefilter derived from its policy,
and its filter entries (owner, expiry, file:line; expired ones flagged).
Reads no logs.

Examples:
  evaluate list
  evaluate list --policies ./my-policies --detection 'aws_*loginprofile'
  evaluate list --filters org-filters.yaml --format json

Flags:
`

// runList is `evaluate list`.
func runList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var policies, format string
	var filters, detections, addPolicies listFlag
	var now time.Time
	fs := flag.NewFlagSet("evaluate list", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&policies, "policies", "", "directory of detections (default: the set embedded in the binary)")
	fs.Var(&addPolicies, "add-policies", "directory of more detection folders, listed beside the --policies or embedded set (repeatable)")
	fs.Var(&filters, "filters", "filter-list file or directory; its entries apply beside each detection's own filters.yaml (repeatable)")
	fs.Var(&detections, "detection", "list only the detections with this id or glob (repeatable)")
	fs.Var(timeFlag{&now}, "now", "judge filter expiry as of this time (default: now)")
	fs.StringVar(&format, "format", "table", "table or json")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fmt.Fprint(stdout, listUsage)
			fs.PrintDefaults()
			return exitOK
		}
		fmt.Fprintf(stderr, "evaluate list: %v (see evaluate list --help)\n", err)
		return exitUsage
	}
	f, err := report.ParseFormat(format)
	if err == nil && f != report.FormatTable && f != report.FormatJSON {
		err = fmt.Errorf("--format %s: list writes table or json", format)
	}
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("list reads no logs: unexpected argument %q", fs.Arg(0))
	}
	if err != nil {
		fmt.Fprintf(stderr, "evaluate list: %v\n", err)
		return exitUsage
	}
	set, err := engine.Load(ctx, engine.Config{PolicyDir: policies, AddPolicyDirs: addPolicies, FilterPaths: filters, Detections: detections, Now: now})
	if err != nil {
		fmt.Fprintf(stderr, "evaluate list: %v\n", report.Printable(err.Error()))
		return exitUsage
	}
	pre := set.Prefilters()
	var out []report.Listed
	for _, d := range set.Detections() {
		l := report.Listed{Detection: d, Prefilter: pre[d.ID]}
		for _, flt := range set.Filters() {
			if flt.Detection == d.ID {
				l.Filters = append(l.Filters, flt)
			}
		}
		out = append(out, l)
	}
	if err := report.WriteList(stdout, f, set.Version(), out); err != nil {
		fmt.Fprintf(stderr, "evaluate list: %v\n", err)
		return exitOutput
	}
	return exitOK
}
