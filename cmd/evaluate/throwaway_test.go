package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestThrowawayDetectionCLI: a detection written only to the contract
// (METADATA, finding, filters.yaml; engine/testdata/throwaway), added to a
// copy of policies/ or given with --add-policies beside the embedded set,
// works end to end: run, list, --filters and --watch.
// engine's TestThrowawayDetection runs the Rego checks on the same tree.
func TestThrowawayDetectionCLI(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "policies")
	if err := os.CopyFS(dir, os.DirFS("../../policies")); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(dir, "throwaway"), os.DirFS("../../engine/testdata/throwaway")); err != nil {
		t.Fatal(err)
	}
	input := filepath.Join(fixtures, "traildiscover")
	base := []string{"--quiet", "--now", "2026-11-26T00:00:00Z", "--policies", dir}

	r := evaluate(t, "", append(base, "--format", "jsonl", input)...)
	if r.code != exitOK || r.stderr != "" {
		t.Fatalf("run: exit %d: %s", r.code, r.stderr)
	}
	rows := strings.Count(r.stdout, `{"detection":"throwaway",`)
	if rows == 0 || !strings.Contains(r.stdout, `"calls":`) || !strings.Contains(r.stdout, `"names":["`) {
		t.Fatalf("run: no throwaway rows with their stats:\n%s", r.stdout)
	}

	r = evaluate(t, "", "list", "--policies", dir, "--detection", "throw*")
	for _, want := range []string{"throwaway — Throwaway IAM enumeration", "where      calls >= 1",
		`prefilter  input.eventSource in {"iam.amazonaws.com"}`, "filters    none"} {
		if r.code != exitOK || !strings.Contains(r.stdout, want) {
			t.Errorf("list: exit %d, lacks %q:\n%s%s", r.code, want, r.stdout, r.stderr)
		}
	}

	org := filepath.Join(t.TempDir(), "org.yaml")
	if err := os.WriteFile(org, []byte("detection: throwaway\nfilters:\n  - id: everyone\n    reason: test\n    owner: t\n    match: {user_arn: \"*\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := filepath.Join(t.TempDir(), "summary.json")
	r = evaluate(t, "", append(base, "--detection", "throwaway", "--filters", org, "--summary", sum, "--format", "jsonl", input)...)
	if r.code != exitOK || strings.Contains(r.stdout, `"detection":"throwaway"`) {
		t.Fatalf("--filters: exit %d, rows left:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if s := readSummary(t, sum); !strings.Contains(s, `"throwaway/everyone": `) || !strings.Contains(s, `"throwaway/everyone": "`+org+`:3"`) {
		t.Errorf("--filters: summary does not name the suppressing entry and its file:\n%s", s)
	}

	// Beside the set without copying it: --add-policies, here with --watch
	// on a copy of policies/ and edits in the added tree.
	own := t.TempDir()
	if err := os.CopyFS(filepath.Join(own, "throwaway"), os.DirFS("../../engine/testdata/throwaway")); err != nil {
		t.Fatal(err)
	}
	r = evaluate(t, "", "--quiet", "--now", "2026-11-26T00:00:00Z", "--add-policies", own, "--format", "jsonl", input)
	if r.code != exitOK || strings.Count(r.stdout, `{"detection":"throwaway",`) != rows || !strings.Contains(r.stdout, `{"detection":"aws_setdefaultpolicyversion",`) {
		t.Fatalf("--add-policies: exit %d, want the throwaway's %d rows beside the embedded set's:\n%s%s", r.code, rows, r.stdout, r.stderr)
	}
	r = evaluate(t, "", "--quiet", "--policies", dir, "--add-policies", own, input)
	if want := "evaluate: detection contract: detection folder throwaway is in both " + filepath.Join(dir, "throwaway") + " and " + filepath.Join(own, "throwaway"); r.code != exitUsage || !strings.HasPrefix(r.stderr, want) {
		t.Errorf("the same id twice: exit %d, stderr %q; want exit 2 and %q", r.code, r.stderr, want)
	}
	if err := os.RemoveAll(filepath.Join(dir, "throwaway")); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, stop := background(t, "--watch", "--policies", dir, "--add-policies", own, "--now", "2026-11-26T00:00:00Z", "--detection", "throwaway",
		"--workers", "1", "--format", "jsonl", input)
	waitFor(t, stderr, "watching for policy and filter changes")
	replaceFile(t, filepath.Join(own, "throwaway", "filters.yaml"),
		"detection: throwaway\nfilters:\n  - id: everyone\n    reason: test\n    owner: t\n    match: {user_arn: \"*\"}\n")
	waitFor(t, stdout, "suppressed by throwaway/everyone: 0 -> ")
	if code := stop(); code != exitOK {
		t.Errorf("watch: exit %d", code)
	}
}
