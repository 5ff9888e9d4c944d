package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/trailhunt/trailhunt/internal/goldenfile"
)

const fixtures = "../../fixtures"

// pinned are flags every golden run uses: one worker (so error lines come in
// input order) and a fixed "now" for filter expiry.
var pinned = []string{"--quiet", "--workers", "1", "--now", "2026-11-26T00:00:00Z"}

type result struct {
	code           int
	stdout, stderr string
}

func evaluate(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

func golden(t *testing.T, name string, got string) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", name), []byte(got))
}

// volatile matches the summary fields that depend on the clock.
var volatile = regexp.MustCompile(`("(elapsed_seconds|records_per_second)": )[0-9.e+-]+`)

// summaryFile runs with --summary and returns the summary JSON with the
// clock-dependent numbers zeroed.
func readSummary(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return volatile.ReplaceAllString(string(b), "${1}0")
}

func TestFixturesGolden(t *testing.T) {
	for _, format := range []string{"table", "json", "jsonl", "csv"} {
		t.Run(format, func(t *testing.T) {
			sum := filepath.Join(t.TempDir(), "summary.json")
			args := append(append([]string{}, pinned...), "--format", format, "--summary", sum, fixtures)
			r := evaluate(t, "", args...)
			if r.code != exitOK || r.stderr != "" {
				t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
			}
			golden(t, "fixtures."+format, r.stdout)
			golden(t, "fixtures.summary.json", readSummary(t, sum))
		})
	}
}

func TestWorkerCountDoesNotChangeResults(t *testing.T) {
	var first string
	for _, workers := range []string{"1", "2", "3", "8"} {
		r := evaluate(t, "", "--quiet", "--format", "jsonl", "--now", "2026-11-26T00:00:00Z", "--workers", workers, fixtures)
		if r.code != exitOK {
			t.Fatalf("--workers %s: exit %d: %s", workers, r.code, r.stderr)
		}
		if first == "" {
			first = r.stdout
		} else if r.stdout != first {
			t.Errorf("--workers %s gives other results than --workers 1:\n%s", workers, r.stdout)
		}
	}
}

// TestSharedData sweeps all the real data the team was given: exactly the
// two Stratus Red Team positives, every record counted, nothing failed.
func TestSharedData(t *testing.T) {
	const shared = "../../../shared/data"
	if _, err := os.Stat(shared); err != nil {
		t.Skipf("no shared data beside the repository: %v", err)
	}
	sum := filepath.Join(t.TempDir(), "summary.json")
	r := evaluate(t, "", append(append([]string{}, pinned...), "--format", "jsonl", "--summary", sum, shared)...)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	golden(t, "stratus.jsonl", r.stdout)
	golden(t, "shared.summary.json", readSummary(t, sum))
}
