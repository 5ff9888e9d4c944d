package live

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/trailhunt/trailhunt/report"
)

// errorLog prints the errors of one unit of work (one file in Follow, one
// evaluation pass in Watch) as the batch run prints its errors: the first
// max of them, one escaped line each, then how many more there were. A
// process that runs for days gets a fresh budget for every unit, so the
// errors of today's files are never hidden by yesterday's. Safe for
// concurrent use (a sweep's workers report errors).
type errorLog struct {
	w     io.Writer
	max   int
	quiet bool // count, print nothing (--quiet)

	mu      sync.Mutex
	shown   int
	dropped int
	muted   bool // the unit was abandoned (a cancelled pass): its errors mean nothing
}

func newErrorLog(w io.Writer, max int, quiet bool) *errorLog {
	return &errorLog{w: w, max: max, quiet: quiet}
}

func (l *errorLog) add(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.muted:
	case l.quiet || l.shown >= l.max:
		l.dropped++
	default:
		l.shown++
		fmt.Fprintf(l.w, "evaluate: %s\n", report.Printable(err.Error())) // names and messages carry attacker-chosen bytes
	}
}

// mute drops every later error.
func (l *errorLog) mute() {
	l.mu.Lock()
	l.muted = true
	l.mu.Unlock()
}

// flush says how many errors of the unit were not shown; of names the unit
// ("in FILE"), or is empty.
func (l *errorLog) flush(of string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.dropped > 0 && !l.quiet && !l.muted {
		fmt.Fprintf(l.w, "evaluate: %d more errors%s not shown (--max-errors %d)\n", l.dropped, of, l.max)
	}
	l.shown, l.dropped = 0, 0
}

// reasons renders error counts by reason, largest first then by name:
// "json_syntax 2, truncated 1".
func reasons(m map[string]int64) string {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(m[b], m[a]), strings.Compare(a, b))
	})
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
		}
	}
	return strings.Join(parts, ", ")
}

// addCounts adds src into dst under prefix+reason.
func addCounts(dst map[string]int64, prefix string, src map[string]int64) {
	for k, v := range src {
		dst[prefix+k] += v
	}
}

// total is the sum of the counts.
func total(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}
