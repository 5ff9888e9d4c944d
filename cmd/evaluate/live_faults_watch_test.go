package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// hits is a JSON-lines file of n records aws_createaccesskey reports,
// eventIDs ev-0 .. ev-(n-1).
func hits(t *testing.T, n int) string {
	t.Helper()
	var recs []string
	for i := range n {
		recs = append(recs, hit(fmt.Sprintf("ev-%d", i)))
	}
	dir := writeFiles(t, map[string][]byte{"hits.jsonl": []byte(lines(recs...))})
	return filepath.Join(dir, "hits.jsonl")
}

// setDetection writes detection id's Rego (by rename, as editors save).
func setDetection(t *testing.T, pol, id, finding string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(pol, id), 0o755); err != nil {
		t.Fatal(err)
	}
	replaceFile(t, filepath.Join(pol, id, id+".rego"), testDetection(id, finding, ""))
}

// waitForCount polls buf until n of its lines contain sub.
func waitForCount(t *testing.T, buf *syncBuffer, sub string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for countLines(buf.String(), sub) < n {
		if time.Now().After(deadline) {
			t.Fatalf("never saw %d lines with %q; got:\n%s", n, sub, buf.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// countLines counts the lines of s that contain sub.
func countLines(s, sub string) int {
	n := 0
	for l := range strings.Lines(s) {
		if strings.Contains(l, sub) {
			n++
		}
	}
	return n
}

const (
	boomGood = `finding := {"name": input.eventID, "n": null} if input.eventName == "CreateAccessKey"`
	// boomBad fails on every record it evaluates: two values for one
	// complete rule.
	boomBad = `finding := {"name": "a", "n": null} if input.eventName == "CreateAccessKey"
finding := {"name": "b", "n": null} if input.eventName == "CreateAccessKey"`
)

// TestLiveWatchReportsFailuresNotRemovals: a reload whose policy fails on
// every record says so, with counts and its first errors (a budget per
// reload, the rest counted), and never shows the findings it could not
// compute as removed; the next good reload is compared with the last
// complete results.
func TestLiveWatchReportsFailuresNotRemovals(t *testing.T) {
	pol := policyDir(t, nil)
	setDetection(t, pol, "boom", boomGood)
	stdout, stderr, stop := background(t, "--watch", "--policies", pol, "--now", "2026-11-26T00:00:00Z",
		"--format", "jsonl", "--max-errors", "5", hits(t, 30))
	waitFor(t, stderr, "watching for policy and filter changes")

	for round := 1; round <= 2; round++ {
		setDetection(t, pol, "boom", boomBad)
		waitForCount(t, stdout, "30 failed (errors: eval_runtime 30)", round)
		waitForCount(t, stderr, "evaluate: 25 more errors not shown (--max-errors 5)", round)
		setDetection(t, pol, "boom", boomGood)
		waitForCount(t, stdout, "no change in findings", round)
	}
	stop()
	if n := countLines(stdout.String(), "  - boom:"); n > 0 {
		t.Errorf("%d findings shown as removed by a failed evaluation:\n%s", n, stdout.String())
	}
	if n := countLines(stderr.String(), "detection boom: runtime:"); n != 10 {
		t.Errorf("%d error lines for boom, want 5 per failed reload (10):\n%s", n, stderr.String())
	}
	if !strings.Contains(stdout.String(), "findings lost or changed are not shown") {
		t.Errorf("the failed reload does not say its findings are not compared:\n%s", stdout.String())
	}
}

// slowFinding runs past any --eval-timeout on every CreateAccessKey
// record (millions of steps; the loop depends on the input, so deriving
// the prefilter does not run it).
const slowFinding = `finding := {"name": "x", "n": null} if {
	input.eventName == "CreateAccessKey"
	some i in numbers.range(1, count(input.eventID) * 1000)
	some j in numbers.range(1, 5000)
	i * j == -1
}`

// TestLiveWatchCancelsStaleWork: a save while a slow re-evaluation runs
// cancels it; the newer set is evaluated at once, and the stale one never
// prints a result.
func TestLiveWatchCancelsStaleWork(t *testing.T) {
	pol := policyDir(t, nil)
	setDetection(t, pol, "slow", `finding := {"name": "v1", "n": null} if input.eventID == "ev-0"`)
	// 40 records past a 200ms deadline each, one worker: at least 8s.
	stdout, stderr, stop := background(t, "--watch", "--policies", pol, "--now", "2026-11-26T00:00:00Z",
		"--format", "jsonl", "--workers", "1", "--eval-timeout", "200ms", hits(t, 40))
	waitFor(t, stderr, "watching for policy and filter changes")
	setDetection(t, pol, "slow", slowFinding)
	waitFor(t, stderr, "evaluation deadline exceeded (200ms)") // the slow pass runs
	saved := time.Now()
	setDetection(t, pol, "slow", `finding := {"name": "v3", "n": null} if input.eventID == "ev-0"`)
	waitFor(t, stdout, "+ slow: saw v3")
	took := time.Since(saved)
	waitFor(t, stderr, "cancelled after")
	stop()
	if n := countLines(stdout.String(), "policy set "); n != 1 {
		t.Errorf("%d changes shown, want only the newest set's:\n%s", n, stdout.String())
	}
	if took > 5*time.Second {
		t.Errorf("the newer set's changes came %s after its save; the stale pass alone takes 8s", took)
	}
}
