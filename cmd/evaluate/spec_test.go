package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestHelp: each mode's --help goes to stdout, exit 0, with the flags that
// mode honours and no others.
func TestHelp(t *testing.T) {
	for _, mode := range modes {
		for _, args := range [][]string{{mode, "--help"}, {mode, "-h"}} {
			r := evaluate(t, "", args...)
			if r.code != exitOK || r.stderr != "" {
				t.Fatalf("%q: exit %d, stderr %q", args, r.code, r.stderr)
			}
			golden(t, "help."+mode, r.stdout)
		}
	}
	if r := evaluate(t, "", "--help"); r.code != exitOK || !strings.HasPrefix(r.stdout, "Usage: evaluate [run] [flags] PATH...") {
		t.Errorf("evaluate --help: exit %d:\n%s", r.code, r.stdout)
	}
}

// TestRefusals: every refused flag combination and bad value is one line
// naming the flag and why, exit 2, nothing read and nothing written.
func TestRefusals(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(logs, "a.json")
	if err := os.WriteFile(in, []byte(`{"Records":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.csv")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--workers", "-3", in}, "evaluate: --workers -3: want 0 (all CPUs) or more"},
		{[]string{"--max-record-bytes", "-5", in}, "evaluate: --max-record-bytes -5, --max-decompressed-bytes 8589934592: both must be positive"},
		{[]string{"--since", "2024-08-02", "--until", "2024-08-01", in}, "evaluate: --until 2024-08-01T00:00:00Z is not after --since 2024-08-02T00:00:00Z"},
		{[]string{"--since", "yesterday", in}, `evaluate: --since: "yesterday" is not a time: use RFC 3339 (2024-07-30T21:53:13Z), a date (2024-07-30), '2024-07-30 21:53:13' (UTC) or a duration back from now (90m, 24h, 7d)`},
		{[]string{"--now", "7d", in}, `evaluate: --now: "7d": a duration is relative to --now, which must be a time`},
		{[]string{"--format", "xml", in}, `evaluate: --format: unknown output format "xml": valid formats are ` + formatNames(formatsOf[modeRun])},
		{[]string{"--width", "30", in}, "evaluate: --width 30: want at least 40 columns"},
		{[]string{"--width", "100", "--format", "json", in}, "evaluate: --width 100: only the table has a width, not --format json"},
		{[]string{"--eval-timeout", "-1s", in}, "evaluate: --eval-timeout -1s: want 0 (none) or more"},
		{[]string{"--max-errors", "-1", in}, "evaluate: --max-errors -1: want 0 or more"},
		{[]string{"--state", "s.json", in}, "evaluate: --state: not available with `evaluate run` (it applies to follow)"},
		{[]string{"--cache-bytes", "10", in}, "evaluate: --cache-bytes: not available with `evaluate run` (it applies to watch)"},
		{[]string{"--nope", in}, "evaluate: flag provided but not defined: -nope (see evaluate run --help)"},
		{[]string{}, "evaluate: no PATH given: name files, directories, or - for standard input"},
		{[]string{"--output", in, in}, "evaluate: --output " + in + " is the input " + in + ": refusing to replace it with the results"},
		{[]string{"--raw", in, in}, "evaluate: --raw " + in + " is the input " + in + ": refusing to replace it with the raw records"},
		{[]string{"--watch", "--follow", logs}, "evaluate: --watch and --follow are different modes: choose one"},
		{[]string{"watch", logs}, "evaluate watch: watch needs --policies DIR: the embedded policy set cannot change while it runs"},
		{[]string{"watch", "--policies", "policies", "--output", out, logs}, "evaluate watch: --output: not available with `evaluate watch` (it applies to run, merge)"},
		{[]string{"watch", "--policies", "policies", "--summary", out, logs}, "evaluate watch: --summary: not available with `evaluate watch` (it applies to run, merge)"},
		{[]string{"watch", "--policies", "policies", "--fail-on-findings", logs}, "evaluate watch: --fail-on-findings: not available with `evaluate watch` (it applies to run, merge)"},
		{[]string{"watch", "--policies", "policies", "--format", "ocsf", logs}, "evaluate watch: --format ocsf: `evaluate watch` writes table, json, jsonl, csv"},
		{[]string{"watch", "--policies", "policies", "--state", "s", logs}, "evaluate watch: --state: not available with `evaluate watch` (it applies to follow)"},
		{[]string{"follow", "--format", "table", logs}, "evaluate follow: --format table: `evaluate follow` writes jsonl, ocsf"},
		{[]string{"follow", "--summary", out, logs}, "evaluate follow: --summary: not available with `evaluate follow` (it applies to run, merge)"},
		{[]string{"follow", "--fail-on-findings", logs}, "evaluate follow: --fail-on-findings: not available with `evaluate follow` (it applies to run, merge)"},
		{[]string{"follow", "--workers", "2", logs}, "evaluate follow: --workers: not available with `evaluate follow` (it applies to run, watch, verify)"},
		{[]string{"follow", "--width", "80", logs}, "evaluate follow: --width: not available with `evaluate follow` (it applies to run, watch, merge)"},
		{[]string{"follow", "--settle", "0s", logs}, "evaluate follow: --settle 0s: want a positive duration"},
		{[]string{"follow", logs, in}, "evaluate follow: follow takes exactly one DIR: the directory that receives CloudTrail files"},
		{[]string{"--follow", logs, "--since", "2024-08-02", "--until", "2024-08-01"}, "evaluate follow: --until 2024-08-01T00:00:00Z is not after --since 2024-08-02T00:00:00Z"},
		{[]string{"list", "--since", "7d"}, "evaluate list: --since: not available with `evaluate list` (it applies to run, watch, follow, verify, plan)"},
		{[]string{"list", "--format", "csv"}, "evaluate list: --format csv: `evaluate list` writes table, json"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := evaluate(t, "", tc.args...)
			if r.code != exitUsage || r.stderr != tc.want+"\n" || r.stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and %q", r.code, r.stdout, r.stderr, tc.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s was written", out)
			}
		})
	}
}

// TestTimes: --since and --until take every documented form, relative ones
// back from --now.
func TestTimes(t *testing.T) {
	now := time.Date(2024, 8, 10, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ in, want string }{
		{"2024-08-01T13:33:28Z", "2024-08-01T13:33:28Z"},
		{"2024-08-01T15:33:28+02:00", "2024-08-01T13:33:28Z"},
		{"2024-08-01", "2024-08-01T00:00:00Z"},
		{"2024-08-01 13:33:28", "2024-08-01T13:33:28Z"},
		{"2024-08-01T13:33:28", "2024-08-01T13:33:28Z"},
		{"90m", "2024-08-10T10:30:00Z"},
		{"24h", "2024-08-09T12:00:00Z"},
		{"7d", "2024-08-03T12:00:00Z"},
	} {
		got, err := parseTime(tc.in, now)
		if err != nil || got.Format(time.RFC3339) != tc.want {
			t.Errorf("parseTime(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	// End to end: a relative window over the Stratus records, pinned by --now.
	sum := filepath.Join(t.TempDir(), "s.json")
	r := evaluate(t, "", "--quiet", "--detection", "aws_createaccesskey", "--now", "2024-08-01T14:00:00Z", "--since", "2h",
		"--format", "jsonl", "--summary", sum, filepath.Join(fixtures, "stratus-red-team"))
	if r.code != exitOK || strings.Count(r.stdout, "\n") != 1 || !strings.Contains(r.stdout, `"eventID":"94faedcc-0fa4-46e6-9322-022e8e934f04"`) {
		t.Errorf("--since 2h at 14:00 on 2024-08-01: exit %d, rows:\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestOutputFormatFromExtension: --output x.csv without --format writes CSV.
func TestOutputFormatFromExtension(t *testing.T) {
	for ext, head := range map[string]string{".csv": "detection,", ".json": "{\n", ".jsonl": `{"detection":`} {
		out := filepath.Join(t.TempDir(), "rows"+ext)
		r := evaluate(t, "", "--quiet", "--detection", "aws_createaccesskey", "--output", out, filepath.Join(fixtures, "stratus-red-team"))
		b, err := os.ReadFile(out)
		if r.code != exitOK || err != nil || !strings.HasPrefix(string(b), head) {
			t.Errorf("--output rows%s: exit %d, %v, starts %.40q; want %q", ext, r.code, err, b, head)
		}
	}
}

// TestRaw: --raw writes the record behind every finding shown, byte for
// byte, with its detection and source; suppressed findings are left out.
func TestRaw(t *testing.T) {
	raw := filepath.Join(t.TempDir(), "raw.jsonl")
	r := evaluate(t, "", "--quiet", "--workers", "1", "--detection", "aws_createaccesskey", "--raw", raw, "--format", "jsonl", filepath.Join(fixtures, "stratus-red-team"))
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	b, err := os.ReadFile(raw)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "stratus.raw.jsonl", strings.ReplaceAll(string(b), fixtures, "$FIXTURES"))

	// Every detection over fixtures/: as many raw lines per detection as
	// its rows count findings; none for groups a where condition held back.
	out := filepath.Join(t.TempDir(), "rows.jsonl")
	r = evaluate(t, "", "--quiet", "--raw", raw, "--output", out, fixtures)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	want, got := map[string]int{}, map[string]int{}
	rows, _ := os.ReadFile(out)
	for line := range strings.Lines(string(rows)) {
		var row struct {
			Detection string
			Count     int
		}
		json.Unmarshal([]byte(line), &row)
		want[row.Detection] += row.Count
	}
	lines, _ := os.ReadFile(raw)
	for line := range strings.Lines(string(lines)) {
		var l struct{ Detection string }
		json.Unmarshal([]byte(line), &l)
		got[l.Detection]++
	}
	if len(want) < 5 || !reflect.DeepEqual(got, want) {
		t.Errorf("raw lines per detection %v, findings in the rows %v", got, want)
	}
}
