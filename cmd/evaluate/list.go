package main

import (
	"context"
	"fmt"
	"io"

	"github.com/trailhunt/trailhunt/engine"
	"github.com/trailhunt/trailhunt/report"
)

// runList is `evaluate list`: the set cfg loads, and nothing read.
func runList(ctx context.Context, cfg config, ecfg engine.Config, stdout, stderr io.Writer) int {
	f := report.FormatTable
	if cfg.formatSet {
		f = cfg.format
	}
	set, err := engine.Load(ctx, ecfg)
	if err != nil {
		fmt.Fprintf(stderr, "evaluate list: %s\n", report.PrintableLines(err.Error()))
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
