package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExitCodes asserts every exit code of docs/usage.md's table.
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	stratus := filepath.Join(fixtures, "stratus-red-team")
	traildiscover := filepath.Join(fixtures, "traildiscover")
	badFilters := write("bad.yaml", "detection: aws_createaccesskey\nfilters:\n  - id: x\n")
	suppressAll := write("all.yaml", `detection: aws_createaccesskey
filters:
  - id: stratus
    reason: detonations
    owner: test
    match: {user_arn: "arn:aws:iam::*:user/christophe"}
`)
	brokenLine := write("broken.jsonl", "{\"eventName\":\"x\"}\n{not json\n")

	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string // substring
	}{
		{"no path", []string{}, exitUsage, "evaluate: no PATH given"},
		{"unknown flag", []string{"--nope", stratus}, exitUsage, "flag provided but not defined: -nope"},
		{"bad format", []string{"--format", "xml", stratus}, exitUsage, `unknown output format "xml"`},
		{"bad time", []string{"--since", "yesterday", stratus}, exitUsage, `"yesterday" is not a time`},
		{"until before since", []string{"--since", "2024-02-01", "--until", "2024-01-01", stratus}, exitUsage, "is not after --since"},
		{"missing policy dir", []string{"--policies", filepath.Join(dir, "nope"), stratus}, exitUsage, "evaluate: read policies"},
		{"unknown detection", []string{"--detection", "nope", stratus}, exitUsage, `unknown detection "nope"`},
		{"invalid filter list", []string{"--filters", badFilters, stratus}, exitUsage, badFilters + `:3: invalid filter list: filter "x" has no reason`},
		{"no findings", []string{"--quiet", traildiscover}, exitOK, ""},
		{"findings without --fail-on-findings", []string{"--quiet", stratus}, exitOK, ""},
		{"findings with --fail-on-findings", []string{"--quiet", "--fail-on-findings", stratus}, exitFindings, ""},
		{"all findings suppressed", []string{"--quiet", "--fail-on-findings", "--detection", "aws_createaccesskey", "--filters", suppressAll, stratus}, exitOK, ""},
		{"an input path does not exist", []string{"--fail-on-findings", stratus, filepath.Join(dir, "gone.json")}, exitIncomplete, "gone.json"},
		{"a record is not JSON", []string{brokenLine}, exitIncomplete, "broken.jsonl"},
		{"output to a full disk", []string{"--quiet", "--output", "/dev/full", stratus}, exitOutput, "no space left on device"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := evaluate(t, "", tt.args...)
			if r.code != tt.wantCode || !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("exit %d, want %d; stderr:\n%s\nwant it to contain %q", r.code, tt.wantCode, r.stderr, tt.wantStderr)
			}
		})
	}
}

// interruptingReader serves data, then interrupts the run (as Ctrl-C would)
// and, once the run has seen the interrupt, ends.
type interruptingReader struct {
	data   *strings.Reader
	cancel context.CancelFunc
	ctx    context.Context
}

func (r *interruptingReader) Read(p []byte) (int, error) {
	if r.data.Len() > 0 {
		return r.data.Read(p)
	}
	r.cancel()
	<-r.ctx.Done()
	return 0, io.EOF
}

func TestInterruptedRunExits130WithValidPartialOutput(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(fixtures, "stratus-red-team", "records.json"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdin := &interruptingReader{data: strings.NewReader(string(b)), cancel: cancel, ctx: ctx}
	sum := filepath.Join(t.TempDir(), "summary.json")
	var out, errOut strings.Builder
	code := run(ctx, append(append([]string{}, pinned...), "--format", "jsonl", "--summary", sum, "-"), stdin, &out, &errOut)
	if code != exitInterrupted {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitInterrupted, errOut.String())
	}
	// The interrupt came as the input ended, before its records were
	// evaluated: they are counted as skipped, and the output (empty here)
	// is valid. TestFaultsInterruptedJSONLines interrupts mid-evaluation.
	jsonlRows(t, out.String())
	s := decodeSummary(t, sum)
	if !s.Interrupted || s.Records != 310 || s.Skipped["interrupted"] != 310 {
		t.Errorf("summary %s: want interrupted, 310 records skipped as interrupted", s.counts())
	}
}

func TestVersion(t *testing.T) {
	r := evaluate(t, "", "--version")
	if r.code != exitOK || !strings.HasPrefix(r.stdout, "trailhunt ") || !strings.Contains(r.stdout, "\n  aws_createaccesskey  policies/aws_createaccesskey/aws_createaccesskey.rego  prefilter: input.eventName in {\"CreateAccessKey\"} and input.eventSource == \"iam.amazonaws.com\" (and more conditions in some branches)\n") {
		t.Errorf("exit %d, stdout %q", r.code, r.stdout)
	}
}

func TestStdin(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(fixtures, "stratus-red-team", "records.json"))
	if err != nil {
		t.Fatal(err)
	}
	r := evaluate(t, string(b), append(append([]string{}, pinned...), "--format", "jsonl", "-")...)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	golden(t, "stratus.jsonl", withoutProvenance(t, r.stdout, "-#"))
}
