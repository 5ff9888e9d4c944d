package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"runtime/debug"

	"github.com/dustin/go-humanize"

	"github.com/trailhunt/trailhunt/aggregate"
	"github.com/trailhunt/trailhunt/report"
	"github.com/trailhunt/trailhunt/sweep"
	"github.com/trailhunt/trailhunt/trail"
)

// defaultMaxMemory fits a small pod (a 512 MiB limit) with room to spare.
const defaultMaxMemory = "256MiB"

// minMaxMemory is the smallest bound taken: below it the engine alone
// would not fit.
const minMaxMemory = 64 << 20

// parseMemory reads --max-memory: a size with an optional unit (B, KB,
// KiB, MB, MiB, GB, GiB, ...; Kubernetes' Mi and Gi too), or 0 for none.
func parseMemory(s string) (int64, error) {
	if s == "0" {
		return 0, nil
	}
	n, err := humanize.ParseBytes(s + suffixB(s))
	switch {
	case err != nil:
		return 0, fmt.Errorf("%q: want a size such as 512MiB or 2GiB, or 0 for no bound", s)
	case n < minMaxMemory:
		return 0, fmt.Errorf("%s: want at least 64MiB (or 0 for no bound)", s)
	case n > math.MaxInt64:
		return 0, fmt.Errorf("%s: too large", s)
	}
	return int64(n), nil
}

// suffixB completes Kubernetes' quantities ("512Mi") to what humanize
// reads ("512MiB").
func suffixB(s string) string {
	if n := len(s); n > 1 && s[n-1] == 'i' {
		return "B"
	}
	return ""
}

// spillOf is the aggregation's share of --max-memory: half of it, the
// rest for the engine, the readers' buffers and the Go runtime's headroom;
// the runs go to dir. A variable so that the tests make small results
// spill without bounding the test process's memory.
var spillOf = func(maxMemory int64, dir *sweep.SpillDir) aggregate.Spill {
	return aggregate.Spill{Budget: maxMemory / 2, Runs: dir}
}

// limitMemory sets the Go runtime's soft memory limit to --max-memory, so
// that the collector works harder as the process nears it, unless a lower
// limit is set already (GOMEMLIMIT). It returns the previous limit.
func limitMemory(maxMemory int64) int64 {
	prev := debug.SetMemoryLimit(-1)
	if maxMemory > 0 && maxMemory < prev {
		debug.SetMemoryLimit(maxMemory)
	}
	return prev
}

// shownRows is the rows table shows, read back from its spilled runs as
// they are written.
func shownRows(table *aggregate.Table) report.Rows {
	return func(yield func(trail.Row, error) bool) {
		err := table.Scan(func(r trail.Row, shown bool) error {
			if shown && !yield(r, nil) {
				return errStopRows
			}
			return nil
		})
		if err != nil && err != errStopRows {
			yield(trail.Row{}, err)
		}
	}
}

// errStopRows ends a Scan whose rows are no longer wanted.
var errStopRows = errors.New("stop reading rows")

// spillWarning says when the results could not be spilled to disk: they
// stay right, held in memory past --max-memory.
func spillWarning(t *aggregate.Table, cfg config, stderr io.Writer) {
	if err := t.SpillErr(); err != nil {
		fmt.Fprintf(stderr, "evaluate: %s; the results were kept in memory, past --max-memory %s\n",
			report.Printable(err.Error()), humanize.IBytes(uint64(cfg.maxMemory)))
	}
}
