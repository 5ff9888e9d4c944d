package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/trailhunt/trailhunt/engine"
	"github.com/trailhunt/trailhunt/internal/goldenfile"
)

const fixtures = "../../fixtures"

// pinned are flags every golden run uses: one worker (so error lines come in
// input order) and a fixed "now" for filter expiry.
// pinned runs the seed detection alone at a fixed "now": its goldens do not
// change when a detection is added to policies/ (each detection has its
// own, see TestDetectionGoldens).
var pinned = []string{"--quiet", "--workers", "1", "--now", "2026-11-26T00:00:00Z", "--detection", "aws_createaccesskey"}

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
	goldenfile.Check(t, filepath.Join("testdata", name), []byte(policyVersion.ReplaceAllString(got, "${1}<policy-version>")))
}

// embeddedVersion is the version of the policy set embedded in the binary.
func embeddedVersion(t *testing.T) string {
	t.Helper()
	set, err := engine.Load(t.Context(), engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return set.Version()
}

// policyVersion matches the policy set's content hash in JSON output: it
// changes with every edit of any detection, so goldens hold a placeholder.
var policyVersion = regexp.MustCompile(`("policy_version": ?"|policy set |-> )[0-9a-f]{12}`)

// provenance matches a row's provenance in JSON lines output: it names the
// files and archive members the row's records were read from, so tests that
// read the same records through other paths or containers and share one
// golden (stratus.jsonl) compare rows without it, and check it on its own.
var provenance = regexp.MustCompile(`,"provenance":\{"count":[0-9]+,"first":\[[^\]]*\]\}`)

// withoutProvenance returns JSON lines output with every row's provenance
// left out, after checking that each row has one whose first source starts
// with prefix.
func withoutProvenance(t *testing.T, jsonl, prefix string) string {
	t.Helper()
	for _, line := range strings.SplitAfter(jsonl, "\n") {
		if line != "" && !strings.Contains(line, `,"first":["`+prefix) {
			t.Errorf("row without provenance from %s: %s", prefix, line)
		}
	}
	return provenance.ReplaceAllString(jsonl, "")
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
	golden(t, "stratus.jsonl", withoutProvenance(t, r.stdout, shared+"/"))
	golden(t, "shared.summary.json", readSummary(t, sum))
}

func TestList(t *testing.T) {
	filters := filepath.Join(t.TempDir(), "org.yaml")
	if err := os.WriteFile(filters, []byte(`detection: aws_createaccesskey
filters:
  - id: ci-rotation
    reason: CI rotates the deploy user's keys
    owner: platform@example.com
    expires: 2027-03-31
    match:
      user_arn: "arn:aws:sts::111122223333:assumed-role/ci-*"
      src: [10.0.0.0/8]
  - id: old-vendor
    reason: vendor offboarded
    owner: secops@example.com
    expires: 2026-01-31
    match: {requestParameters.userName: vendor-bot}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"table", "json"} {
		r := evaluate(t, "", "list", "--detection", "aws_createaccesskey", "--now", "2026-11-26T00:00:00Z", "--filters", filters, "--format", format)
		if r.code != exitOK || r.stderr != "" {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		got := strings.ReplaceAll(r.stdout, filters, "$DIR/org.yaml")
		got = regexp.MustCompile(`policy set [0-9a-f]{12}`).ReplaceAllString(got, "policy set <policy-version>")
		golden(t, "list."+format, got)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"list", "--format", "csv"}, "evaluate list: --format csv: `evaluate list` writes table, json\n"},
		{[]string{"list", "fixtures/"}, "evaluate list: list reads no logs: unexpected argument \"fixtures/\"\n"},
		{[]string{"list", "--bogus"}, "evaluate list: flag provided but not defined: -bogus (see evaluate list --help)\n"},
		{[]string{"list", "--detection", "nope*"}, "evaluate list: unknown detection \"nope*\" (have: "},
	} {
		r := evaluate(t, "", tc.args...)
		if r.code != exitUsage || !strings.HasPrefix(r.stderr, tc.want) || r.stdout != "" {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

// TestDetectionGoldens runs each embedded detection alone over fixtures/
// and keeps its rows in testdata/detections/<id>.jsonl: thresholds just
// under and over, distinct counts and value lists, exactly. A detection
// without a golden still runs here, cleanly; -update writes its golden.
func TestDetectionGoldens(t *testing.T) {
	set, err := engine.Load(t.Context(), engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range set.Detections() {
		t.Run(d.ID, func(t *testing.T) {
			r := evaluate(t, "", "--quiet", "--workers", "2", "--now", "2026-11-26T00:00:00Z", "--detection", d.ID, "--format", "jsonl", fixtures)
			if r.code != exitOK || r.stderr != "" {
				t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
			}
			path := filepath.Join("detections", d.ID+".jsonl")
			if _, err := os.Stat(filepath.Join("testdata", path)); err != nil && !goldenfile.Updating() {
				t.Logf("no testdata/%s: run go test ./cmd/evaluate -update to pin this detection's rows", path)
				return
			}
			golden(t, path, r.stdout)
		})
	}
}
