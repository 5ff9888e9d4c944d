package main

// Hostile and broken input, end to end through run(): one subtest per row of
// the fault catalogue (docs/faults.md) (faults_input_test.go: what is read;
// faults_sizes_test.go: size and depth; faults_run_test.go: output,
// policies, filters, interrupts; faults_sandbox_test.go: what policies may
// reach; faults_clobber_test.go: outputs naming inputs; signals_test.go:
// signals and closed pipes, through the built binary; this file: the shared
// helpers). Each asserts the exit code, the exact summary counts (read
// back from --summary), the exact error lines on stderr (naming file, archive
// member and record index), the result rows, and the bookkeeping invariant
// records = evaluated + failed + record-level skips on every summary.
//
// Loader-level detail (every byte layout, every Stats field) is in
// loader/faults_test.go; these tests prove what a person running the command
// sees.

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// ---------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------

// hit is a CloudTrail record that aws_createaccesskey reports: alice creates
// an access key for bob. Its eventID is id.
func hit(id string) string {
	return `{"eventVersion":"1.08","eventTime":"2024-07-30T21:53:13Z","eventSource":"iam.amazonaws.com",` +
		`"eventName":"CreateAccessKey","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.10","userAgent":"aws-cli/2",` +
		`"requestParameters":{"userName":"bob"},"userIdentity":{"type":"IAMUser","userName":"alice",` +
		`"arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","principalId":"AIDAALICE"},` +
		`"eventID":"` + id + `","recipientAccountId":"111122223333"}`
}

// miss is a CloudTrail record no detection reports.
func miss(i int) string {
	return fmt.Sprintf(`{"eventVersion":"1.08","eventTime":"2024-07-30T21:54:%02dZ","eventSource":"s3.amazonaws.com","eventName":"GetObject","eventID":"miss-%d"}`, i%60, i)
}

func wrap(recs ...string) string  { return `{"Records":[` + strings.Join(recs, ",") + `]}` }
func array(recs ...string) string { return `[` + strings.Join(recs, ",\n") + `]` }
func lines(recs ...string) string { return strings.Join(recs, "\n") + "\n" }

// gzipLevel compresses s at a gzip level: gzip.NoCompression puts the
// plain text verbatim in the output (so a cut can be placed exactly),
// gzip.BestCompression makes a small file that decompresses to a lot.
func gzipLevel(t *testing.T, level int, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, level)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gzipStored(t *testing.T, s string) []byte { return gzipLevel(t, gzip.NoCompression, s) }
func gzipBest(t *testing.T, s string) []byte   { return gzipLevel(t, gzip.BestCompression, s) }

// cutBefore returns b up to (not including) the first occurrence of marker.
func cutBefore(t *testing.T, b []byte, marker string) []byte {
	t.Helper()
	i := bytes.Index(b, []byte(marker))
	if i < 0 {
		t.Fatalf("marker %q not in the data", marker)
	}
	return b[:i:i]
}

// ---------------------------------------------------------------------------
// Running the command and reading what it did
// ---------------------------------------------------------------------------

// summary is the --summary JSON, the fields these tests assert.
type summary struct {
	Files          int64            `json:"files"`
	Members        int64            `json:"members"`
	Records        int64            `json:"records"`
	NoTime         int64            `json:"no_time"`
	Evaluated      int64            `json:"evaluated"`
	Failed         int64            `json:"failed"`
	Skipped        map[string]int64 `json:"skipped"`
	Errors         map[string]int64 `json:"errors"`
	Findings       int64            `json:"findings"`
	Rows           int64            `json:"rows"`
	Suppressed     map[string]int64 `json:"suppressed"`
	ExpiredFilters []string         `json:"expired_filters"`
	Interrupted    bool             `json:"interrupted"`
}

// recordSkips are the skip reasons that concern records; the others
// (digest, empty, unsafe_path, ...) concern files and archive members, which
// are not records.
var recordSkips = []string{"outside_time_window", "no_time_in_window", "interrupted"}

// decodeSummary reads a --summary file and asserts the bookkeeping
// invariant: every record read was evaluated, failed, or skipped by a
// record-level reason.
func decodeSummary(t *testing.T, path string) summary {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s summary
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("summary %s: %v\n%s", path, err, b)
	}
	checkInvariant(t, s)
	return s
}

func checkInvariant(t *testing.T, s summary) {
	t.Helper()
	accounted := s.Evaluated + s.Failed
	for _, r := range recordSkips {
		accounted += s.Skipped[r]
	}
	if s.Records != accounted {
		t.Errorf("invariant broken: records %d != evaluated %d + failed %d + skipped %v", s.Records, s.Evaluated, s.Failed, s.Skipped)
	}
	if s.Findings < s.Rows {
		t.Errorf("findings %d < rows %d", s.Findings, s.Rows)
	}
}

// counts renders the summary counts compactly for comparison, maps sorted.
func (s summary) counts() string {
	m := func(x map[string]int64) string {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(x)) {
			parts = append(parts, fmt.Sprintf("%s:%d", k, x[k]))
		}
		return "{" + strings.Join(parts, " ") + "}"
	}
	out := fmt.Sprintf("files=%d members=%d records=%d no_time=%d evaluated=%d failed=%d skipped=%s errors=%s findings=%d rows=%d",
		s.Files, s.Members, s.Records, s.NoTime, s.Evaluated, s.Failed, m(s.Skipped), m(s.Errors), s.Findings, s.Rows)
	if s.Interrupted {
		out += " interrupted"
	}
	return out
}

// outcome is what one run of the command did.
type outcome struct {
	code   int
	sum    summary
	errs   []string // "evaluate: ..." lines of stderr, the temp dir written $DIR
	rows   []string // "eventID×count" of each jsonl row, in output order
	stdout string
	stderr string
}

// runOpts configures one run of the command.
type runOpts struct {
	ctx    context.Context // default: background
	stdin  io.Reader       // default: empty
	stdout io.Writer       // default: a buffer, decoded into rows
	stderr io.Writer       // default: a buffer, split into errs
}

// faultArgs are the flags every run here uses: one worker (error lines in
// input order), a fixed "now", JSON lines (so rows can be decoded), and error
// lines on stderr (no --quiet).
var faultArgs = []string{"--workers", "1", "--now", "2026-11-26T00:00:00Z", "--format", "jsonl"}

// evaluateFaults runs the command on args with --summary, and returns what
// it did with dir replaced by $DIR in error lines.
func evaluateFaults(t *testing.T, dir string, o runOpts, args ...string) outcome {
	t.Helper()
	if o.ctx == nil {
		o.ctx = context.Background()
	}
	if o.stdin == nil {
		o.stdin = strings.NewReader("")
	}
	var out, errOut bytes.Buffer
	if o.stdout == nil {
		o.stdout = &out
	}
	if o.stderr == nil {
		o.stderr = &errOut
	}
	sumPath := filepath.Join(t.TempDir(), "summary.json")
	all := append(append(append([]string{}, faultArgs...), "--summary", sumPath), args...)
	r := outcome{code: run(o.ctx, all, o.stdin, o.stdout, o.stderr), stdout: out.String(), stderr: errOut.String()}
	if _, err := os.Stat(sumPath); err == nil {
		r.sum = decodeSummary(t, sumPath)
	} else if r.code != exitUsage {
		t.Errorf("no summary written (exit %d): %v", r.code, err)
	}
	for l := range strings.Lines(r.stderr) {
		if strings.HasPrefix(l, "evaluate: ") {
			if dir != "" {
				l = strings.ReplaceAll(l, dir, "$DIR")
			}
			r.errs = append(r.errs, strings.TrimSuffix(l, "\n"))
		}
	}
	r.rows = jsonlRows(t, r.stdout)
	return r
}

// jsonlRows checks that every line of out is one JSON object with the row
// keys, and returns "eventID×count" for each.
func jsonlRows(t *testing.T, out string) []string {
	t.Helper()
	var rows []string
	for l := range strings.Lines(out) {
		var row map[string]any
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Errorf("output line is not JSON: %v\n%s", err, l)
			continue
		}
		for _, k := range []string{"detection", "count", "firstTime", "lastTime", "eventID", "title", "risk_score"} {
			if _, ok := row[k]; !ok {
				t.Errorf("output row has no %q: %s", k, l)
			}
		}
		rows = append(rows, fmt.Sprintf("%v×%v", row["eventID"], row["count"]))
	}
	return rows
}

// want is the expected outcome of one fault.
type want struct {
	code   int
	counts string   // summary.counts()
	errs   []string // exact error lines, in order
	rows   []string // "eventID×count", in output order
}

func (r outcome) check(t *testing.T, w want) {
	t.Helper()
	if r.code != w.code {
		t.Errorf("exit %d, want %d; stderr:\n%s", r.code, w.code, r.stderr)
	}
	if got := r.sum.counts(); w.counts != "" && got != w.counts {
		t.Errorf("summary\n got: %s\nwant: %s", got, w.counts)
	}
	if !slices.Equal(r.errs, w.errs) {
		t.Errorf("error lines\n got: %q\nwant: %q", r.errs, w.errs)
	}
	if !slices.Equal(r.rows, w.rows) {
		t.Errorf("rows\n got: %q\nwant: %q", r.rows, w.rows)
	}
}

// writeFiles writes name -> content under a new temp dir and returns it.
func writeFiles(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// faultCase is a fault given as files in a directory, swept as a whole.
type faultCase struct {
	name  string
	files map[string][]byte
	args  []string // flags before the directory
	want  want
}

func runFaultCases(t *testing.T, cases []faultCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeFiles(t, c.files)
			r := evaluateFaults(t, dir, runOpts{}, append(slices.Clone(c.args), dir)...)
			r.check(t, c.want)
		})
	}
}

// ---------------------------------------------------------------------------
// Compressed input
// ---------------------------------------------------------------------------
