package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/trailhunt/trailhunt/internal/ocsftest"
)

// ocsfRun evaluates with --format ocsf and returns the output lines.
func ocsfRun(t *testing.T, args ...string) []string {
	t.Helper()
	r := evaluate(t, "", append([]string{"--quiet", "--format", "ocsf", "--now", "2026-11-26T00:00:00Z"}, args...)...)
	if r.code != exitOK || r.stderr != "" {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if r.stdout == "" {
		return nil
	}
	if !strings.HasSuffix(r.stdout, "\n") {
		t.Fatalf("output does not end in a newline: %q", r.stdout)
	}
	return strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
}

// findingUIDs returns each line's finding_info.uid.
func findingUIDs(t *testing.T, lines []string) []string {
	t.Helper()
	uids := make([]string, len(lines))
	for i, l := range lines {
		var f struct {
			FindingInfo struct {
				UID string `json:"uid"`
			} `json:"finding_info"`
		}
		if err := json.Unmarshal([]byte(l), &f); err != nil || f.FindingInfo.UID == "" {
			t.Fatalf("line %d: no finding_info.uid (%v): %s", i, err, l)
		}
		uids[i] = f.FindingInfo.UID
	}
	return uids
}

// Every finding of every detection over the fixtures (and over the shared
// data, when it is beside the repository) is a valid OCSF 1.8.0 Detection
// Finding, one per row of the jsonl output.
func TestOCSFFindingsValidate(t *testing.T) {
	v, err := ocsftest.New("../../report/testdata")
	if err != nil {
		t.Fatal(err)
	}
	inputs := []string{fixtures}
	if _, err := os.Stat("../../../shared/data"); err == nil {
		inputs = append(inputs, "../../../shared/data")
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			lines := ocsfRun(t, in)
			rows := evaluate(t, "", "--quiet", "--format", "jsonl", "--now", "2026-11-26T00:00:00Z", in)
			if want := strings.Count(rows.stdout, "\n"); len(lines) != want || want == 0 {
				t.Fatalf("%d findings, want one per row (%d)", len(lines), want)
			}
			for i, l := range lines {
				if err := v.Validate([]byte(l)); err != nil {
					t.Errorf("finding %d: %v\n%s", i, err, l)
				}
			}
		})
	}
}

// analyticVersion is the policy-set hash where OCSF carries it.
var analyticVersion = regexp.MustCompile(`("analytic":\{[^{}]*"version":")[0-9a-f]{12}"`)

// The seed's findings over the fixtures, exactly.
func TestOCSFFixturesGolden(t *testing.T) {
	r := evaluate(t, "", append(append([]string{}, pinned...), "--format", "ocsf", fixtures)...)
	if r.code != exitOK || r.stderr != "" {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if !analyticVersion.MatchString(r.stdout) {
		t.Fatalf("no policy version in finding_info.analytic:\n%s", r.stdout)
	}
	golden(t, "fixtures.ocsf", analyticVersion.ReplaceAllString(r.stdout, `${1}<policy-version>"`))
}

// finding_info.uid identifies a row: the same in every run, with any
// number of workers and under a tuned policy, and different for every row.
func TestOCSFFindingUIDIsStable(t *testing.T) {
	first := ocsfRun(t, "--workers", "1", fixtures)
	uids := findingUIDs(t, first)
	if len(slices.Compact(slices.Sorted(slices.Values(uids)))) != len(uids) {
		t.Errorf("two rows share a finding_info.uid: %v", uids)
	}
	for _, workers := range []string{"1", "2"} {
		if again := ocsfRun(t, "--workers", workers, fixtures); !slices.Equal(again, first) {
			t.Errorf("--workers %s: output differs from the first --workers 1 run", workers)
		}
	}

	// The seed with another risk score: another policy version and
	// severity, the same rows and uids.
	dir := filepath.Join(t.TempDir(), "aws_createaccesskey")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"aws_createaccesskey.rego", "filters.yaml"} {
		b, err := os.ReadFile(filepath.Join("../../policies/aws_createaccesskey", name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "aws_createaccesskey.rego" {
			tuned := strings.Replace(string(b), "#     score: 63\n", "#     score: 91\n", 1)
			if tuned == string(b) {
				t.Fatal("the seed's risk score is no longer 63: update this test")
			}
			b = []byte(tuned)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	seed := ocsfRun(t, "--detection", "aws_createaccesskey", fixtures)
	tuned := ocsfRun(t, "--policies", filepath.Dir(dir), fixtures)
	if !slices.Equal(findingUIDs(t, tuned), findingUIDs(t, seed)) {
		t.Errorf("tuning the risk score changed finding_info.uid")
	}
	if len(tuned) == 0 || !strings.Contains(tuned[0], `"severity_id":5`) || tuned[0] == seed[0] {
		t.Errorf("the tuned policy's findings are not the tuned ones:\n%s", tuned[0])
	}
}
