package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/trailhunt/trailhunt/aggregate"
	"github.com/trailhunt/trailhunt/partial"
	"github.com/trailhunt/trailhunt/sweep"
)

// spillEverything makes every run and merge of the test spill its result
// groups to disk a few at a time, under dir.
func spillEverything(t *testing.T, dir string) {
	t.Helper()
	orig := spillOf
	spillOf = func(_ int64, d *sweep.SpillDir) aggregate.Spill {
		d.Parent = dir
		return aggregate.Spill{Budget: 2 << 10, Runs: d}
	}
	t.Cleanup(func() { spillOf = orig })
}

// TestSpilledRunIsTheInMemoryRun: a run whose results spill to disk (many
// runs, merged back in order) writes exactly the rows, raw records,
// partials and summary of the run that holds them in memory, in every
// format, the whole pack (where conditions, values, dc) over every
// fixture; and leaves nothing behind in the spill directory.
func TestSpilledRunIsTheInMemoryRun(t *testing.T) {
	base := []string{"--quiet", "--workers", "2", "--now", "2026-11-26T00:00:00Z"}
	type outputs struct{ stdout, raw, summary, partial string }
	runAll := func(t *testing.T, dir, format string) outputs {
		raw, sum, part := filepath.Join(dir, "raw.jsonl"), filepath.Join(dir, "summary.json"), filepath.Join(dir, "shard.thp")
		r := evaluate(t, "", append(base, "--format", format, "--raw", raw, "--summary", sum, fixtures)...)
		if r.code != exitOK || r.stderr != "" {
			t.Fatalf("run: exit %d: %s", r.code, r.stderr)
		}
		p := evaluate(t, "", append(base, "--partial", part, fixtures)...)
		if p.code != exitOK {
			t.Fatalf("run --partial: exit %d: %s", p.code, p.stderr)
		}
		m := evaluate(t, "", "merge", "--quiet", "--format", format, part)
		if m.code != exitOK || m.stdout != r.stdout {
			t.Fatalf("merge: exit %d: %s\nits rows differ from the run's: %v", m.code, m.stderr, m.stdout != r.stdout)
		}
		b, err := os.ReadFile(raw)
		if err != nil {
			t.Fatal(err)
		}
		pb, err := os.ReadFile(part)
		if err != nil {
			t.Fatal(err)
		}
		pf, err := partial.Open(bytes.NewReader(pb), int64(len(pb)))
		if err != nil {
			t.Fatal(err)
		}
		content, err := contentSum(pf) // the partial's content but the shard's wall time
		if err != nil {
			t.Fatal(err)
		}
		// Two workers write raw lines in the order they evaluate: compared
		// as a set.
		lines := strings.SplitAfter(string(b), "\n")
		slices.Sort(lines)
		return outputs{r.stdout, strings.Join(lines, ""), readSummary(t, sum), fmt.Sprintf("%x", content)}
	}
	for _, format := range []string{"jsonl", "json", "csv", "table", "ocsf"} {
		t.Run(format, func(t *testing.T) {
			want := runAll(t, t.TempDir(), format)
			spillDir := t.TempDir()
			spillEverything(t, spillDir)
			got := runAll(t, t.TempDir(), format)
			for _, c := range []struct{ name, got, want string }{
				{"rows", got.stdout, want.stdout},
				{"--raw", got.raw, want.raw},
				{"--summary", got.summary, want.summary},
				{"--partial", got.partial, want.partial},
			} {
				if c.got != c.want {
					t.Errorf("%s differ after spilling: %d bytes, want %d", c.name, len(c.got), len(c.want))
				}
			}
			if got.stdout == "" || got.raw == "" {
				t.Fatal("no rows: the test proves nothing")
			}
			if left, _ := os.ReadDir(spillDir); len(left) != 0 {
				t.Fatalf("%d entries left in the spill directory", len(left))
			}
		})
	}
}

// TestSpillFailureKeepsResults: results that cannot be spilled (the
// directory is gone) stay in memory: one line says so, the rows are the
// in-memory run's, the exit is 0.
func TestSpillFailureKeepsResults(t *testing.T) {
	args := []string{"--workers", "1", "--now", "2026-11-26T00:00:00Z", "--format", "jsonl", fixtures}
	want := evaluate(t, "", args...)
	gone := filepath.Join(t.TempDir(), "gone")
	spillEverything(t, gone)
	got := evaluate(t, "", args...)
	line := regexp.MustCompile(`(?m)^evaluate: spill \d+ groups to disk: \w+ ` + regexp.QuoteMeta(gone) + `\S*: no such file or directory; the results were kept in memory, past --max-memory 256 MiB$`)
	if got.code != exitOK || got.stdout != want.stdout || !line.MatchString(got.stderr) {
		t.Fatalf("exit %d, rows the same: %v, stderr:\n%s", got.code, got.stdout == want.stdout, got.stderr)
	}
}
