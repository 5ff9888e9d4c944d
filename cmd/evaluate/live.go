package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/trailhunt/trailhunt/engine"
	"github.com/trailhunt/trailhunt/live"
	"github.com/trailhunt/trailhunt/report"
	"github.com/trailhunt/trailhunt/sweep"
)

// runLive wires --watch and --follow. Both run until interrupted, which is
// their normal end (exit 0).
func runLive(ctx context.Context, cfg config, ecfg engine.Config, stdin io.Reader, stdout, stderr io.Writer) int {
	reloads := make(chan engine.Reload, 16)
	var current func() *engine.Set
	if ecfg.PolicyDir != "" {
		w, err := engine.Watch(ctx, ecfg, 0, func(r engine.Reload) {
			select {
			case reloads <- r:
			case <-ctx.Done():
			}
		})
		if err != nil {
			fmt.Fprintf(stderr, "evaluate: %s\n", report.PrintableLines(err.Error()))
			return exitUsage
		}
		current = w.Current
	} else {
		set, err := engine.Load(ctx, ecfg)
		if err != nil {
			fmt.Fprintf(stderr, "evaluate: %s\n", report.PrintableLines(err.Error()))
			return exitUsage
		}
		current = func() *engine.Set { return set }
	}

	var err error
	if cfg.mode == modeWatch {
		format := cfg.format
		if !cfg.formatSet {
			format = report.FormatTable
		}
		ins, ierr := openInputs(ctx, cfg)
		if ierr != nil {
			return inputsFailed(ctx, "evaluate watch", ierr, stderr)
		}
		err = live.Watch(ctx, live.WatchConfig{
			Sweep: sweep.Config{Sources: ins.sources, OpenAhead: ins.openAhead(cfg),
				Workers: cfg.workers, Since: cfg.since, Until: cfg.until},
			Loader:     loaderConfig(cfg, stdin),
			CacheBytes: cfg.cacheBytes,
			Report:     report.Config{Format: format, Width: cfg.width},
			Out:        stdout,
			Log:        stderr,
			MaxErrors:  cfg.maxErrors,
			Quiet:      cfg.quiet,
		}, current, reloads)
	} else {
		err = live.Follow(ctx, live.FollowConfig{
			Dir:       cfg.paths[0],
			Format:    cfg.format,
			Since:     cfg.since,
			Until:     cfg.until,
			StateFile: cfg.state,
			Settle:    cfg.settle,
			Loader:    loaderConfig(cfg, stdin),
			Out:       stdout,
			Log:       stderr,
			MaxErrors: cfg.maxErrors,
			Quiet:     cfg.quiet,
		}, current, reloads)
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, live.ErrOutput):
		fmt.Fprintf(stderr, "evaluate: %s\n", report.Printable(err.Error()))
		return exitOutput
	default:
		fmt.Fprintf(stderr, "evaluate: %s\n", report.Printable(err.Error()))
		return exitUsage
	}
}
