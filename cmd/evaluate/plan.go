package main

import (
	"context"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/trailhunt/trailhunt/loader"
	"github.com/trailhunt/trailhunt/loader/s3source"
	"github.com/trailhunt/trailhunt/report"
)

// runPlan is `evaluate plan`: it lists PATHs as a run would, with the same
// AWSLogs plan, and prints what the run would read per input, account,
// region and day. It opens no file and GETs no object. Exit 2 when an
// s3:// input cannot be listed (as a run), 3 when a local path cannot.
func runPlan(ctx context.Context, cfg config, stdout, stderr io.Writer) int {
	format := report.FormatTable
	if cfg.formatSet {
		format = cfg.format
	}
	ins, err := openInputs(ctx, cfg)
	if err != nil {
		return inputsFailed(ctx, "evaluate plan", err, stderr)
	}
	rd := loader.New(loader.Config{})
	var p report.Plan
	index := map[report.PlanGroup]int{}
	errs := 0
	for in, err := range rd.List(ctx, ins.sources...) {
		if err != nil {
			errs++
			fmt.Fprintf(stderr, "evaluate plan: %s\n", report.Printable(err.Error()))
			continue
		}
		key := groupOf(in)
		i, ok := index[key]
		if !ok {
			i = len(p.Groups)
			index[key] = i
			p.Groups = append(p.Groups, key)
		}
		size := max(in.Size, 0)
		p.Groups[i].Objects++
		p.Groups[i].Bytes += size
		p.Total.Objects++
		p.Total.Bytes += size
	}
	for _, s := range ins.s3 {
		st := s.Stats()
		p.Sources = append(p.Sources, report.PlanSource{URL: s.URL(), Region: s.Region(), Listed: st.Listed, Planned: st.Planned,
			LeftPrefixes: st.Left.Prefixes, LeftObjects: st.Left.Objects})
	}
	st := rd.Stats()
	p.Skipped, p.Errors = st.Skipped, st.Errors
	if err := report.WritePlan(stdout, format, p); err != nil {
		fmt.Fprintf(stderr, "evaluate plan: %v\n", err)
		return exitOutput
	}
	switch {
	case ctx.Err() != nil:
		return exitInterrupted
	case errs > 0:
		return exitIncomplete
	}
	return exitOK
}

// groupOf is the group of an input: its bucket (or "local"), and the
// account, region and day of its folder in the AWSLogs layout ("-" for
// what it does not reach).
func groupOf(in loader.Input) report.PlanGroup {
	g := report.PlanGroup{Input: "local", Account: "-", Region: "-", Day: "-"}
	dir := path.Dir(strings.ReplaceAll(in.Path, `\`, "/"))
	if s3source.IsURL(in.Path) {
		bucket, key, _ := s3source.ParseURL(in.Path)
		g.Input, dir = "s3://"+bucket, path.Dir(key)
	}
	l := loader.LayoutOf(dir)
	if l.Account != "" {
		g.Account = l.Account
	}
	if l.Region != "" {
		g.Region = l.Region
	}
	if d := l.Date(); d != "" {
		g.Day = d
	}
	if l.Depth >= 3 && l.Service != "CloudTrail" {
		g.Region = l.Service + " " + g.Region // digest files, when verifying
	}
	return g
}
