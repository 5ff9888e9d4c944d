package main

// Hostile and broken input, end to end through run(): one subtest per row of
// docs/faults.md. Each asserts the exit code, the exact summary counts (read
// back from --summary), the exact error lines on stderr (naming file, archive
// member and record index), the result rows, and the bookkeeping invariant
// records = evaluated + failed + record-level skips on every summary.
//
// Loader-level detail (every byte layout, every Stats field) is in
// loader/faults_test.go; these tests prove what a person running the command
// sees.

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf16"
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

// gzipStored compresses s without compression (stored deflate blocks), so the
// plain text appears verbatim in the output and a cut can be placed exactly.
func gzipStored(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, gzip.NoCompression)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// gzipBest compresses s hard: a small file that decompresses to a lot.
func gzipBest(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

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
var recordSkips = []string{"outside_time_window", "no_time_in_window"}

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

func TestFaultsGzip(t *testing.T) {
	truncated := gzipStored(t, wrap(hit("gz-hit-0"), miss(1), hit("gz-hit-2"), miss(3), hit("gz-hit-4"), miss(5)))
	truncated = cutBefore(t, truncated, `"eventID":"gz-hit-4"`) // in the middle of record 4
	badCRC := gzipStored(t, wrap(hit("crc-hit-0"), miss(1)))
	badCRC[len(badCRC)-8] ^= 0xff

	runFaultCases(t, []faultCase{
		{
			// Records before the cut are evaluated and reported; the file is
			// flagged; the next file is read.
			name: "truncated gzip",
			files: map[string][]byte{
				"a.json.gz": truncated,
				"b.json":    []byte(wrap(hit("after-0"))),
			},
			want: want{
				code:   exitIncomplete,
				counts: "files=2 members=0 records=5 no_time=0 evaluated=5 failed=0 skipped={} errors={truncated:1} findings=3 rows=3",
				errs:   []string{"evaluate: read $DIR/a.json.gz: truncated: gzip: input ends early"},
				rows:   []string{"after-0×1", "gz-hit-0×1", "gz-hit-2×1"},
			},
		},
		{
			name:  "corrupt gzip header",
			files: map[string][]byte{"a.json.gz": []byte("\x1f\x8b\x09\x00garbage")},
			want: want{
				code:   exitIncomplete,
				counts: "files=1 members=0 records=0 no_time=0 evaluated=0 failed=0 skipped={} errors={gzip:1} findings=0 rows=0",
				errs:   []string{"evaluate: read $DIR/a.json.gz: gzip: gzip: invalid header"},
			},
		},
		{
			// Streamed: the records are evaluated before the checksum at the
			// end of the stream turns out wrong; the file is flagged.
			name:  "corrupt gzip checksum",
			files: map[string][]byte{"a.json.gz": badCRC},
			want: want{
				code:   exitIncomplete,
				counts: "files=1 members=0 records=2 no_time=0 evaluated=2 failed=0 skipped={} errors={gzip:1} findings=1 rows=1",
				errs:   []string{"evaluate: read $DIR/a.json.gz: gzip: gzip: invalid checksum"},
				rows:   []string{"crc-hit-0×1"},
			},
		},
		{
			// Formats are detected by content: a .gz name on plain JSON lines
			// is read as JSON lines.
			name:  "gz name that is not gzip",
			files: map[string][]byte{"a.json.gz": []byte(lines(miss(0), hit("plain-hit-1")))},
			want: want{
				code:   exitOK,
				counts: "files=1 members=0 records=2 no_time=0 evaluated=2 failed=0 skipped={} errors={} findings=1 rows=1",
				rows:   []string{"plain-hit-1×1"},
			},
		},
		{
			// Nothing to read is not an error: counted as a skipped file.
			name:  "empty file",
			files: map[string][]byte{"a.json": nil, "blank.jsonl": []byte("\n\n")},
			want: want{
				code:   exitOK,
				counts: "files=2 members=0 records=0 no_time=0 evaluated=0 failed=0 skipped={empty:2} errors={} findings=0 rows=0",
			},
		},
		{
			name:  "empty gzip",
			files: map[string][]byte{"a.json.gz": gzipStored(t, "")},
			want: want{
				code:   exitOK,
				counts: "files=1 members=0 records=0 no_time=0 evaluated=0 failed=0 skipped={empty:1} errors={} findings=0 rows=0",
			},
		},
	})
}

// ---------------------------------------------------------------------------
// Broken JSON and odd records
// ---------------------------------------------------------------------------

func TestFaultsJSON(t *testing.T) {
	const bad = `{"eventName": x}`
	runFaultCases(t, []faultCase{
		{
			// JSON lines: the bad line is an error for its line number (0-based,
			// as the record index) and reading goes on with the next line.
			name: "syntax error mid-file, JSON lines",
			files: map[string][]byte{
				"a.jsonl": []byte(lines(hit("jl-hit-0"), bad, miss(2), hit("jl-hit-3"))),
			},
			want: want{
				code:   exitIncomplete,
				counts: "files=1 members=0 records=4 no_time=0 evaluated=3 failed=1 skipped={} errors={json_syntax:1} findings=2 rows=2",
				errs:   []string{"evaluate: read $DIR/a.jsonl#1: json_syntax: invalid character 'x' looking for beginning of value"},
				rows:   []string{"jl-hit-0×1", "jl-hit-3×1"},
			},
		},
		{
			// Records and array containers cannot be resynchronised: the rest
			// of the file is not read (rec-hit-2 and arr-hit-2 are not seen),
			// and reading goes on with the next file or archive member.
			name: "syntax error mid-file, Records, array and zip member",
			files: map[string][]byte{
				"a.json": []byte(wrap(hit("rec-hit-0"), bad, hit("rec-hit-2"))),
				"b.json": []byte(array(hit("arr-hit-0"), bad, hit("arr-hit-2"))),
				"c.zip": zipped(t,
					member{"bad.json", []byte(wrap(miss(0), bad))},
					member{"good.json", []byte(wrap(hit("zip-hit-0")))}),
				"d.json": []byte(wrap(hit("next-hit-0"))),
			},
			want: want{
				code:   exitIncomplete,
				counts: "files=4 members=2 records=8 no_time=0 evaluated=5 failed=3 skipped={} errors={json_syntax:3} findings=4 rows=4",
				errs: []string{
					"evaluate: read $DIR/a.json#1: json_syntax: invalid character 'x' looking for beginning of value",
					"evaluate: read $DIR/b.json#1: json_syntax: invalid character 'x' looking for beginning of value",
					"evaluate: read $DIR/c.zip!bad.json#1: json_syntax: invalid character 'x' looking for beginning of value",
				},
				rows: []string{"arr-hit-0×1", "next-hit-0×1", "rec-hit-0×1", "zip-hit-0×1"},
			},
		},
		{
			// Valid JSON that is not an object is an error for its index;
			// reading goes on in every container. (A file whose very first
			// value is not an object: see TestFaultsFirstValue.)
			name: "records that are not objects",
			files: map[string][]byte{
				"a.json":  []byte(wrap("null", "42", `"s"`, "[]", hit("obj-hit-4"))),
				"b.jsonl": []byte(lines(hit("obj-hit-l0"), "null", hit("obj-hit-l2"), "true")),
			},
			want: want{
				code:   exitIncomplete,
				counts: "files=2 members=0 records=9 no_time=0 evaluated=3 failed=6 skipped={} errors={not_object:6} findings=3 rows=3",
				errs: []string{
					"evaluate: read $DIR/a.json#0: not_object: not a JSON object: null",
					"evaluate: read $DIR/a.json#1: not_object: not a JSON object: number",
					"evaluate: read $DIR/a.json#2: not_object: not a JSON object: string",
					"evaluate: read $DIR/a.json#3: not_object: not a JSON object: array",
					"evaluate: read $DIR/b.jsonl#1: not_object: not a JSON object: null",
					"evaluate: read $DIR/b.jsonl#3: not_object: not a JSON object: boolean",
				},
				rows: []string{"obj-hit-4×1", "obj-hit-l0×1", "obj-hit-l2×1"},
			},
		},
		{
			// A value of the wrong type reads as missing, never as an error:
			// - eventTime a number: evaluated, counted without time, its row
			//   has null firstTime/lastTime;
			// - userIdentity a string: the caller is unknown, so it is not the
			//   target: reported, with null caller fields (the policy's rule e);
			// - requestParameters.userName a number: no target user, no finding;
			// - eventName a number: not CreateAccessKey, no finding.
			name: "wrong types",
			files: map[string][]byte{"a.jsonl": []byte(lines(
				strings.Replace(hit("wt-time-number"), `"2024-07-30T21:53:13Z"`, `1722376393`, 1),
				strings.Replace(hit("wt-identity-string"), `"userIdentity":{`, `"userIdentity":"root","x":{`, 1),
				strings.Replace(hit("wt-username-number"), `"userName":"bob"`, `"userName":7`, 1),
				strings.Replace(hit("wt-eventname-number"), `"CreateAccessKey"`, `7`, 1),
				`{"eventTime":{"t":1},"userIdentity":[],"requestParameters":"x","eventName":null}`,
			))},
			want: want{
				code:   exitOK,
				counts: "files=1 members=0 records=5 no_time=2 evaluated=5 failed=0 skipped={} errors={} findings=2 rows=2",
				rows:   []string{"wt-identity-string×1", "wt-time-number×1"},
			},
		},
		{
			// With a time window, records without a usable time are skipped and
			// counted by reason, never silently dropped.
			name:  "wrong types with a time window",
			args:  []string{"--since", "2024-07-30", "--until", "2024-07-31"},
			files: map[string][]byte{"a.jsonl": []byte(lines(strings.Replace(hit("wt-time-number"), `"2024-07-30T21:53:13Z"`, `1722376393`, 1), hit("in-window"), strings.Replace(hit("before"), "2024-07-30", "2024-07-29", 1)))},
			want: want{
				code:   exitOK,
				counts: "files=1 members=0 records=3 no_time=1 evaluated=1 failed=0 skipped={no_time_in_window:1 outside_time_window:1} errors={} findings=1 rows=1",
				rows:   []string{"in-window×1"},
			},
		},
		{
			// Invalid UTF-8 inside a string is valid JSON syntax: the record is
			// evaluated, the bad bytes read as U+FFFD, the output stays valid
			// UTF-8. Outside a string it is a syntax error for that line.
			name: "invalid UTF-8",
			files: map[string][]byte{"a.jsonl": []byte(lines(
				strings.Replace(hit("utf8-hit-\xff"), `"bob"`, "\"b\xffo\xfeb\"", 1),
				"{\xff:1}",
				hit("utf8-hit-2"),
			))},
			want: want{
				code:   exitIncomplete,
				counts: "files=1 members=0 records=3 no_time=0 evaluated=2 failed=1 skipped={} errors={json_syntax:1} findings=2 rows=2",
				errs:   []string{"evaluate: read $DIR/a.jsonl#1: json_syntax: invalid character 'ÿ' looking for beginning of object key string"},
				rows:   []string{"utf8-hit-2×1", "utf8-hit-\ufffd×1"},
			},
		},
		{
			// Duplicate keys: the last one counts, for the detections and for
			// the event time alike (a GetObject that becomes a CreateAccessKey
			// is reported, with the later time).
			name: "duplicate keys",
			files: map[string][]byte{"a.json": []byte(wrap(
				strings.Replace(hit("dup-key-hit"), `"eventName":"CreateAccessKey"`, `"eventName":"GetObject","eventTime":"2024-01-01T00:00:00Z","eventName":"CreateAccessKey"`, 1),
				strings.Replace(hit("dup-key-miss"), `"eventName":"CreateAccessKey"`, `"eventName":"CreateAccessKey","eventName":"GetObject"`, 1),
			))},
			want: want{
				code:   exitOK,
				counts: "files=1 members=0 records=2 no_time=0 evaluated=2 failed=0 skipped={} errors={} findings=1 rows=1",
				rows:   []string{"dup-key-hit×1"},
			},
		},
	})
}

// The duplicate-keys row reports the later eventTime of a record that has
// two: the loader's time and the policy's input agree on "last one wins".
func TestFaultsDuplicateKeysTime(t *testing.T) {
	rec := strings.Replace(hit("dup-time"), `"eventTime":"2024-07-30T21:53:13Z"`, `"eventTime":"2024-01-01T00:00:00Z","eventTime":"2024-07-30T21:53:13Z"`, 1)
	dir := writeFiles(t, map[string][]byte{"a.json": []byte(rec)})
	r := evaluateFaults(t, dir, runOpts{}, dir)
	if r.code != exitOK || !strings.Contains(r.stdout, `"firstTime":"2024-07-30T21:53:13","lastTime":"2024-07-30T21:53:13"`) {
		t.Errorf("exit %d, output:\n%s", r.code, r.stdout)
	}
}

// ---------------------------------------------------------------------------
// Size and depth
// ---------------------------------------------------------------------------

func nest(depth int) string { return strings.Repeat("[", depth) + strings.Repeat("]", depth) }

func TestFaultsSizes(t *testing.T) {
	big := strings.Replace(hit("big"), `"awsRegion"`, `"pad":"`+strings.Repeat("x", 5000)+`","awsRegion"`, 1)
	runFaultCases(t, []faultCase{
		{
			// Over --max-record-bytes: an error for that record. JSON lines go
			// on; a Records container ends there and the next file is read.
			name: "huge record",
			args: []string{"--max-record-bytes", "4096"},
			files: map[string][]byte{
				"a.jsonl": []byte(lines(hit("cap-hit-0"), big, hit("cap-hit-2"))),
				"b.json":  []byte(wrap(hit("cap-rec-0"), big, hit("cap-rec-2"))),
				"c.json":  []byte(wrap(hit("cap-next-0"))),
			},
			want: want{
				code:   exitIncomplete,
				counts: "files=3 members=0 records=6 no_time=0 evaluated=4 failed=2 skipped={} errors={record_too_large:2} findings=4 rows=4",
				errs: []string{
					"evaluate: read $DIR/a.jsonl#1: record_too_large: record too large: over 4096 bytes",
					"evaluate: read $DIR/b.json#1: record_too_large: record too large: over 4096 bytes",
				},
				rows: []string{"cap-hit-0×1", "cap-hit-2×1", "cap-next-0×1", "cap-rec-0×1"},
			},
		},
		{
			// Nesting deeper than encoding/json's limit (10000) is a syntax
			// error for that record; nesting below it, even inside a field the
			// policy reads, is evaluated normally.
			name: "deep nesting",
			files: map[string][]byte{
				"a.jsonl": []byte(lines(
					strings.Replace(hit("deep-hit-0"), `"userName":"bob"`, `"userName":"bob","x":`+nest(9000), 1),
					`{"eventName":"CreateAccessKey","a":`+nest(100000)+`}`,
					strings.Replace(hit("deep-hit-2"), `"userIdentity":{`, `"userIdentity":{"x":`+nest(9000)+`,`, 1),
				)),
				"b.json": []byte(nest(100000)),
			},
			want: want{
				code:   exitIncomplete,
				counts: "files=2 members=0 records=4 no_time=0 evaluated=2 failed=2 skipped={} errors={json_syntax:2} findings=2 rows=2",
				errs: []string{
					"evaluate: read $DIR/a.jsonl#1: json_syntax: invalid character '[' exceeded max depth",
					"evaluate: read $DIR/b.json#0: json_syntax: invalid character '[' exceeded max depth",
				},
				rows: []string{"deep-hit-0×1", "deep-hit-2×1"},
			},
		},
		{
			// 1 MiB of whitespace compressed to ~1 KiB, over a 64 KiB cap:
			// reading the file stops at the cap, records before it stand, the
			// file is flagged and the next one is read.
			name: "decompression bomb",
			args: []string{"--max-decompressed-bytes", "65536"},
			files: map[string][]byte{
				"a.json.gz": gzipBest(t, lines(hit("bomb-hit-0"), miss(1))+strings.Repeat(" ", 1<<20)+hit("bomb-hit-late")),
				"b.json":    []byte(wrap(hit("bomb-next-0"))),
			},
			want: want{
				code:   exitIncomplete,
				counts: "files=2 members=0 records=3 no_time=0 evaluated=3 failed=0 skipped={} errors={decompression_limit:1} findings=2 rows=2",
				errs:   []string{"evaluate: read $DIR/a.json.gz: decompression_limit: decompressed size over limit of 65536 bytes"},
				rows:   []string{"bomb-hit-0×1", "bomb-next-0×1"},
			},
		},
	})
}

// A huge array is fine: the record cap bounds one record, not a file. Hits
// at the start, middle and end of 20,000 records are all found.
func TestFaultsHugeArray(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 2000
	}
	recs := make([]string, n)
	for i := range recs {
		recs[i] = miss(i)
	}
	recs[0], recs[n/2], recs[n-1] = hit("huge-first"), hit("huge-middle"), hit("huge-last")
	dir := writeFiles(t, map[string][]byte{"a.json.gz": gzipBest(t, array(recs...))})
	r := evaluateFaults(t, dir, runOpts{}, "--max-record-bytes", "4096", dir)
	r.check(t, want{
		code:   exitOK,
		counts: fmt.Sprintf("files=1 members=0 records=%d no_time=0 evaluated=%d failed=0 skipped={} errors={} findings=3 rows=3", n, n),
		rows:   []string{"huge-first×1", "huge-last×1", "huge-middle×1"},
	})
}

// ---------------------------------------------------------------------------
// Archives and the file system
// ---------------------------------------------------------------------------

type tarMember struct {
	name     string
	typeflag byte
	linkname string
	data     []byte
}

func tarWith(t *testing.T, members ...tarMember) []byte {
	t.Helper()
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	for _, m := range members {
		h := &tar.Header{Name: m.name, Typeflag: m.typeflag, Linkname: m.linkname, Mode: 0o644, Format: tar.FormatPAX,
			ModTime: time.Date(2024, 7, 30, 0, 0, 0, 0, time.UTC)}
		if m.typeflag == tar.TypeReg {
			h.Size = int64(len(m.data))
		}
		if m.typeflag == tar.TypeChar {
			h.Devmajor, h.Devminor = 1, 3
		}
		if err := w.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if m.typeflag == tar.TypeReg {
			w.Write(m.data)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func zipWithSymlink(t *testing.T, members ...member) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, m := range members {
		h := &zip.FileHeader{Name: m.name, Method: zip.Deflate}
		if strings.HasPrefix(m.name, "link") {
			h.SetMode(os.ModeSymlink | 0o777)
		}
		f, err := w.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		f.Write(m.data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestFaultsArchiveMembers(t *testing.T) {
	evil := []byte(wrap(hit("evil")))
	runFaultCases(t, []faultCase{
		{
			// Zip slip and friends: members are never extracted, followed or
			// written. Unsafe names and symlinks are skipped and counted; the
			// safe member is read.
			name: "zip members with dot-dot, absolute paths and symlinks",
			files: map[string][]byte{"a.zip": zipWithSymlink(t,
				member{"../escape.json", evil},
				member{"/abs.json", evil},
				member{"ok/../../escape2.json", evil},
				member{`..\win.json`, evil},
				member{"link.json", []byte("/etc/passwd")},
				member{"good.json", []byte(wrap(hit("zip-good")))},
			)},
			want: want{
				code:   exitOK,
				counts: "files=1 members=1 records=1 no_time=0 evaluated=1 failed=0 skipped={not_regular:1 unsafe_path:4} errors={} findings=1 rows=1",
				rows:   []string{"zip-good×1"},
			},
		},
		{
			name: "tar members with dot-dot, absolute paths, links and devices",
			files: map[string][]byte{"a.tar": tarWith(t,
				tarMember{name: "../escape.json", typeflag: tar.TypeReg, data: evil},
				tarMember{name: "/abs.json", typeflag: tar.TypeReg, data: evil},
				tarMember{name: "link.json", typeflag: tar.TypeSymlink, linkname: "/etc/passwd"},
				tarMember{name: "hard.json", typeflag: tar.TypeLink, linkname: "good.json"},
				tarMember{name: "null", typeflag: tar.TypeChar},
				tarMember{name: "fifo", typeflag: tar.TypeFifo},
				tarMember{name: "good.json", typeflag: tar.TypeReg, data: []byte(wrap(hit("tar-good")))},
			)},
			want: want{
				code:   exitOK,
				counts: "files=1 members=1 records=1 no_time=0 evaluated=1 failed=0 skipped={not_regular:4 unsafe_path:2} errors={} findings=1 rows=1",
				rows:   []string{"tar-good×1"},
			},
		},
	})
	// Nothing was written anywhere by reading those archives.
	for _, p := range []string{"/abs.json", filepath.Join(os.TempDir(), "escape.json"), filepath.Join(os.TempDir(), "escape2.json")} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s exists after reading the archives", p)
		}
	}
}

// Inside a walked directory, symlinks are not followed and FIFOs and device
// files are not opened (a FIFO would block the run): skipped and counted. A
// symlink named on the command line is followed.
func TestFaultsWalkedSpecialFiles(t *testing.T) {
	outside := writeFiles(t, map[string][]byte{"secret.json": []byte(wrap(hit("via-symlink")))})
	dir := writeFiles(t, map[string][]byte{"good.json": []byte(wrap(hit("walk-good")))})
	if err := os.Symlink(filepath.Join(outside, "secret.json"), filepath.Join(dir, "link.json")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.json"), 0o644); err != nil {
		t.Fatal(err)
	}
	notRegular := 1
	if err := syscall.Mknod(filepath.Join(dir, "null.json"), syscall.S_IFCHR|0o644, 1<<8|3); err == nil {
		notRegular++ // a character device like /dev/null; needs CAP_MKNOD
	} else {
		t.Logf("no device file in this test: mknod: %v", err)
	}
	r := evaluateFaults(t, dir, runOpts{}, dir)
	r.check(t, want{
		code:   exitOK,
		counts: fmt.Sprintf("files=1 members=0 records=1 no_time=0 evaluated=1 failed=0 skipped={not_regular:%d symlink:1} errors={} findings=1 rows=1", notRegular),
		rows:   []string{"walk-good×1"},
	})

	named := evaluateFaults(t, dir, runOpts{}, filepath.Join(dir, "link.json"))
	named.check(t, want{
		code:   exitOK,
		counts: "files=1 members=0 records=1 no_time=0 evaluated=1 failed=0 skipped={} errors={} findings=1 rows=1",
		rows:   []string{"via-symlink×1"},
	})
}

// funcReader serves data, then calls at, then returns err (io.EOF for a
// clean end).
type funcReader struct {
	data *strings.Reader
	at   func()
	err  error
}

func (r *funcReader) Read(p []byte) (int, error) {
	if r.data.Len() > 0 {
		return r.data.Read(p)
	}
	if r.at != nil {
		r.at()
		r.at = nil
	}
	return 0, r.err
}

func TestFaultsFileSystem(t *testing.T) {
	t.Run("file vanishes between walk and read", func(t *testing.T) {
		// The input walker stats b.json while the single worker reads
		// stdin; stdin's reader deletes b.json before it ends, so the worker
		// opens a file that was listed but is gone. (Should the walker be
		// slower than that, it finds b.json gone itself: the same error, the
		// same counts: the outcome does not depend on the interleaving.)
		dir := writeFiles(t, map[string][]byte{"b.json": []byte(wrap(hit("vanished")))})
		b := filepath.Join(dir, "b.json")
		stdin := &funcReader{
			data: strings.NewReader(lines(hit("stdin-hit"), miss(1), miss(2), miss(3), miss(4), miss(5), miss(6), miss(7))),
			at: func() {
				time.Sleep(50 * time.Millisecond) // let the walker stat b.json
				if err := os.Remove(b); err != nil {
					t.Error(err)
				}
			},
			err: io.EOF,
		}
		r := evaluateFaults(t, dir, runOpts{stdin: stdin}, "-", b)
		r.check(t, want{
			code:   exitIncomplete,
			counts: "files=1 members=0 records=8 no_time=0 evaluated=8 failed=0 skipped={} errors={open:1} findings=1 rows=1",
			errs:   []string{"evaluate: read $DIR/b.json: open: no such file or directory"},
			rows:   []string{"stdin-hit×1"},
		})
	})
	t.Run("read error mid-file", func(t *testing.T) {
		// An I/O error after two complete lines: they are evaluated, the
		// input is flagged.
		stdin := &funcReader{data: strings.NewReader(lines(hit("before-eio"), miss(1)) + `{"eventName":"Cre`), err: syscall.EIO}
		r := evaluateFaults(t, "", runOpts{stdin: stdin}, "-")
		r.check(t, want{
			code:   exitIncomplete,
			counts: "files=1 members=0 records=2 no_time=0 evaluated=2 failed=0 skipped={} errors={read:1} findings=1 rows=1",
			errs:   []string{"evaluate: read -: read: input/output error"},
			rows:   []string{"before-eio×1"},
		})
	})
	t.Run("unreadable file", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("running as root: chmod 000 does not stop root from reading (see loader TestFaultsFileSystem for the rest)")
		}
		dir := writeFiles(t, map[string][]byte{"a.json": []byte(wrap(hit("locked"))), "b.json": []byte(wrap(hit("open")))})
		if err := os.Chmod(filepath.Join(dir, "a.json"), 0); err != nil {
			t.Fatal(err)
		}
		r := evaluateFaults(t, dir, runOpts{}, dir)
		r.check(t, want{
			code:   exitIncomplete,
			counts: "files=1 members=0 records=1 no_time=0 evaluated=1 failed=0 skipped={} errors={open:1} findings=1 rows=1",
			errs:   []string{"evaluate: read $DIR/a.json: open: permission denied"},
			rows:   []string{"open×1"},
		})
	})
	t.Run("input path does not exist", func(t *testing.T) {
		dir := writeFiles(t, map[string][]byte{"a.json": []byte(wrap(hit("exists")))})
		r := evaluateFaults(t, dir, runOpts{}, filepath.Join(dir, "nope.json"), filepath.Join(dir, "a.json"))
		r.check(t, want{
			code:   exitIncomplete,
			counts: "files=1 members=0 records=1 no_time=0 evaluated=1 failed=0 skipped={} errors={open:1} findings=1 rows=1",
			errs:   []string{"evaluate: read $DIR/nope.json: open: no such file or directory"},
			rows:   []string{"exists×1"},
		})
	})
}

// ---------------------------------------------------------------------------
// Output that cannot be written
// ---------------------------------------------------------------------------

func openDevFull(t *testing.T) *os.File {
	t.Helper()
	f, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestFaultsOutput(t *testing.T) {
	dir := writeFiles(t, map[string][]byte{"a.json": []byte(wrap(hit("out-hit")))})
	const counts = "files=1 members=0 records=1 no_time=0 evaluated=1 failed=0 skipped={} errors={} findings=1 rows=1"
	t.Run("stdout is a full disk", func(t *testing.T) {
		r := evaluateFaults(t, dir, runOpts{stdout: openDevFull(t)}, dir)
		r.check(t, want{
			code:   exitOutput,
			counts: counts,
			errs:   []string{"evaluate: write results: write jsonl: write /dev/full: no space left on device"},
		})
	})
	t.Run("--output on a full disk", func(t *testing.T) {
		openDevFull(t)
		r := evaluateFaults(t, dir, runOpts{}, "--output", "/dev/full", dir)
		r.check(t, want{
			code:   exitOutput,
			counts: counts,
			errs:   []string{"evaluate: write results: write jsonl: write /dev/full: no space left on device"},
		})
	})
	t.Run("--summary on a full disk", func(t *testing.T) {
		openDevFull(t)
		var out, errOut bytes.Buffer
		code := run(context.Background(), append(slices.Clone(faultArgs), "--summary", "/dev/full", dir), strings.NewReader(""), &out, &errOut)
		if code != exitOutput || !strings.Contains(errOut.String(), "evaluate: write summary: write /dev/full: no space left on device\n") {
			t.Errorf("exit %d, stderr:\n%s", code, errOut.String())
		}
		if rows := jsonlRows(t, out.String()); !slices.Equal(rows, []string{"out-hit×1"}) {
			t.Errorf("rows %q", rows)
		}
	})
	t.Run("stderr is a full disk", func(t *testing.T) {
		// The summary cannot be shown: the run fails rather than look clean.
		r := evaluateFaults(t, dir, runOpts{stderr: openDevFull(t)}, dir)
		r.check(t, want{code: exitOutput, counts: counts, rows: []string{"out-hit×1"}})
	})
	t.Run("--output in a directory that does not exist", func(t *testing.T) {
		r := evaluateFaults(t, dir, runOpts{}, "--output", filepath.Join(dir, "no", "out.jsonl"), dir)
		if r.code != exitUsage || len(r.errs) != 1 || !strings.HasPrefix(r.errs[0], "evaluate: open output: report: output $DIR/no/out.jsonl: creating temp file: open $DIR/no/.out.jsonl.") {
			t.Errorf("exit %d, errors %q", r.code, r.errs)
		}
	})
}

// ---------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------

// testDetection is a minimal contract-abiding detection (as engine_test.go's
// detectionModule) with by-fields name and n.
func testDetection(id, finding, extra string) string {
	return `# METADATA
# title: ` + id + `
# description: test detection ` + id + `
# custom:
#   risk:
#     message: saw $name$
#   stats:
#     by: [name, n]
package detections.` + id + `

` + finding + `

suppressed_by contains id if {
	finding
	some entry in data.trailhunt.filters.` + id + `
	id := entry.id
	entry.match.name[_] == finding.name
}

expired_filters contains "never" if false
` + extra
}

// policyDir returns a policy tree holding a copy of the shipped
// aws_createaccesskey and the given extra detections (id -> Rego).
func policyDir(t *testing.T, extra map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "aws_createaccesskey"), os.DirFS("../../policies/aws_createaccesskey")); err != nil {
		t.Fatal(err)
	}
	for id, src := range extra {
		p := filepath.Join(dir, id, id+".rego")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestFaultsPolicies(t *testing.T) {
	t.Run("policy errors at runtime", func(t *testing.T) {
		// boom defines its complete rule twice with different values for
		// records whose eventID starts with "boom": a conflict error at
		// runtime. The record fails (counted, reported with its index), the
		// other detection's finding on the same record still counts, and
		// the other records are evaluated.
		pol := policyDir(t, map[string]string{"boom": testDetection("boom",
			`finding := {"name": "a", "n": null} if startswith(input.eventID, "boom")
finding := {"name": "b", "n": null} if startswith(input.eventID, "boom")`, "")})
		dir := writeFiles(t, map[string][]byte{"a.jsonl": []byte(lines(hit("pol-hit-0"), hit("boom-1"), miss(2), hit("pol-hit-3")))})
		r := evaluateFaults(t, dir, runOpts{}, "--policies", pol, dir)
		// OPA's message spans lines; printed, it is one line (\n escaped).
		conflict := "evaluate: $DIR/a.jsonl#1: detection boom: runtime: " + pol + "/boom/boom.rego:12: eval_conflict_error: " +
			"rule data.detections.boom.finding produced conflicting values:" +
			`\n  {"n": null, "name": "a"} at ` + pol + `/boom/boom.rego:11` +
			`\n  {"n": null, "name": "b"} at ` + pol + `/boom/boom.rego:12`
		r.check(t, want{
			code:   exitIncomplete,
			counts: "files=1 members=0 records=4 no_time=0 evaluated=3 failed=1 skipped={} errors={eval_runtime:1} findings=3 rows=3",
			errs:   []string{conflict},
			rows:   []string{"boom-1×1", "pol-hit-0×1", "pol-hit-3×1"},
		})
	})
	t.Run("policy breaks the finding contract at runtime", func(t *testing.T) {
		pol := policyDir(t, map[string]string{"typed": testDetection("typed",
			`finding := {"name": input.eventID, "n": 1} if input.eventName == "GetObject"`, "")})
		dir := writeFiles(t, map[string][]byte{"a.json": []byte(wrap(hit("typed-hit-0"), miss(1)))})
		r := evaluateFaults(t, dir, runOpts{}, "--policies", pol, dir)
		r.check(t, want{
			code:   exitIncomplete,
			counts: "files=1 members=0 records=2 no_time=0 evaluated=1 failed=1 skipped={} errors={eval_contract:1} findings=1 rows=1",
			errs:   []string{`evaluate: $DIR/a.json#1: detection typed: contract: detection contract: finding key "n" is json.Number, want a string or null`},
			rows:   []string{"typed-hit-0×1"},
		})
	})
	// Policies evaluate attacker-controlled records: nothing may leave the
	// process or read its environment. Such a policy does not load.
	for _, c := range []struct{ name, rule, want string }{
		{"policy calls http.send", `leak := http.send({"method": "GET", "url": "http://127.0.0.1:1/"})`, "undefined function http.send"},
		{"policy reads the environment through opa.runtime", `env := opa.runtime().env`, "undefined function opa.runtime"},
		{"policy resolves DNS", `ips := net.lookup_ip_addr("example.com")`, "undefined function net.lookup_ip_addr"},
	} {
		t.Run(c.name, func(t *testing.T) {
			pol := policyDir(t, map[string]string{"leak": testDetection("leak", `finding := {"name": "x", "n": null} if input.eventName == "x"`, c.rule)})
			dir := writeFiles(t, map[string][]byte{"a.json": []byte(wrap(hit("never")))})
			r := evaluateFaults(t, dir, runOpts{}, "--policies", pol, dir)
			wantErr := "evaluate: compile policies: 1 error occurred: " + pol + "/leak/leak.rego:21: rego_type_error: " + c.want
			if r.code != exitUsage || !slices.Equal(r.errs, []string{wantErr}) || r.stdout != "" {
				t.Errorf("exit %d, errors %q, stdout %q; want exit 2 and %q", r.code, r.errs, r.stdout, wantErr)
			}
		})
	}
}

func TestFaultsSlowPolicy(t *testing.T) {
	// slow does 25 million evaluation steps for records whose eventID
	// starts with "slow": the record runs past --eval-timeout, counts as
	// failed (eval_timeout) and the run goes on with the next record.
	pol := policyDir(t, map[string]string{"slow": testDetection("slow", `finding := {"name": "x", "n": null} if {
	startswith(input.eventID, "slow")
	some i in numbers.range(1, 5000)
	some j in numbers.range(1, 5000)
	i * j == -1
}`, "")})
	dir := writeFiles(t, map[string][]byte{"a.jsonl": []byte(lines(hit("pol-hit-0"), hit("slow-1"), hit("pol-hit-2")))})
	r := evaluateFaults(t, dir, runOpts{}, "--policies", pol, "--eval-timeout", "100ms", dir)
	r.check(t, want{
		code:   exitIncomplete,
		counts: "files=1 members=0 records=3 no_time=0 evaluated=2 failed=1 skipped={} errors={eval_timeout:1} findings=3 rows=3",
		errs:   []string{"evaluate: $DIR/a.jsonl#1: detection slow: timeout: evaluation deadline exceeded (100ms)"},
		rows:   []string{"pol-hit-0×1", "pol-hit-2×1", "slow-1×1"},
	})
}

// ---------------------------------------------------------------------------
// Filter lists
// ---------------------------------------------------------------------------

func TestFaultsFilterLists(t *testing.T) {
	const head = "detection: aws_createaccesskey\nfilters:\n"
	const entry = "  - id: a\n    reason: r\n    owner: o\n"
	for _, c := range []struct{ name, yaml, want string }{
		{"unknown key", head + entry + "    match: {src: 192.0.2.1}\n    expire: 2027-01-01\n",
			`:7: invalid filter list: unknown key "expire" (valid: id, reason, owner, expires, match)`},
		{"typo in a field name", head + entry + "    match: {requestParameters.username: bob}\n",
			`:6: invalid filter list: unknown key "requestParameters.username" (valid: requestParameters.userName, src, eventName, eventSource, aws_account_id, errorCode, userAgent, eventID, awsRegion, userIdentity.principalId, user_arn)`},
		{"bad date", head + entry + "    expires: 2027-02-30\n    match: {src: 192.0.2.1}\n",
			`:6: invalid filter list: filter "a": expires "2027-02-30" is not a date (YYYY-MM-DD)`},
		{"bad CIDR", head + entry + "    match: {src: [10.0.0.0/8, 192.0.2.0/33]}\n",
			`:6: invalid filter list: match src: "192.0.2.0/33" is not a CIDR range: netip.ParsePrefix("192.0.2.0/33"): prefix length out of range`},
		{"empty file", "", ":0: invalid filter list: empty file: want a mapping with detection and filters"},
		{"two YAML documents", head + "  []\n---\n" + head + "  []\n", ":4: invalid filter list: more than one YAML document: a filter list is one document"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := writeFiles(t, map[string][]byte{"mine.yaml": []byte(c.yaml), "a.json": []byte(wrap(hit("never")))})
			path := filepath.Join(dir, "mine.yaml")
			r := evaluateFaults(t, dir, runOpts{}, "--filters", path, filepath.Join(dir, "a.json"))
			wantErr := "evaluate: $DIR/mine.yaml" + c.want
			if r.code != exitUsage || !slices.Equal(r.errs, []string{wantErr}) || r.stdout != "" {
				t.Errorf("exit %d, errors %q, stdout %q; want exit 2 and %q", r.code, r.errs, r.stdout, wantErr)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Interruption
// ---------------------------------------------------------------------------

// Ctrl-C after the first input: the results so far are written and valid,
// line by line (to stdout and, atomically, to --output), the summary says
// interrupted, the invariant holds, the exit code is 130. See also
// TestInterruptedRunExits130WithValidPartialOutput (exit_test.go).
func TestFaultsInterruptedJSONLines(t *testing.T) {
	dir := writeFiles(t, map[string][]byte{"b.json": []byte(wrap(hit("int-never-read")))})
	recs := []string{hit("int-hit-0")}
	for i := 1; i < 40; i++ {
		recs = append(recs, miss(i))
	}
	recs = append(recs, hit("int-hit-40"))
	for _, to := range []string{"stdout", "--output"} {
		t.Run(to, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			stdin := &interruptingReader{data: strings.NewReader(lines(recs...)), cancel: cancel, ctx: ctx}
			args := []string{"-", dir}
			outPath := filepath.Join(t.TempDir(), "out.jsonl")
			if to == "--output" {
				args = append([]string{"--output", outPath}, args...)
			}
			r := evaluateFaults(t, dir, runOpts{ctx: ctx, stdin: stdin}, args...)
			if to == "--output" {
				b, err := os.ReadFile(outPath)
				if err != nil {
					t.Fatal(err)
				}
				r.rows = jsonlRows(t, string(b))
			}
			r.check(t, want{
				code:   exitInterrupted,
				counts: "files=1 members=0 records=41 no_time=0 evaluated=41 failed=0 skipped={} errors={} findings=2 rows=2 interrupted",
				rows:   []string{"int-hit-0×1", "int-hit-40×1"},
			})
		})
	}
}

// ---------------------------------------------------------------------------
// Duplicate deliveries and many errors
// ---------------------------------------------------------------------------

// CloudTrail delivers some events more than once: the same eventID (and the
// same by-values) in two files is one row with count 2, never two rows.
func TestFaultsDuplicateDeliveries(t *testing.T) {
	dir := writeFiles(t, map[string][]byte{
		"AWSLogs/1/CloudTrail/us-east-1/2024/07/30/a.json.gz": gzipped(t, []byte(wrap(miss(0), hit("delivered-twice")))),
		"AWSLogs/1/CloudTrail/us-east-1/2024/07/30/b.json.gz": gzipped(t, []byte(wrap(hit("delivered-twice"), hit("once")))),
	})
	r := evaluateFaults(t, dir, runOpts{}, dir)
	r.check(t, want{
		code:   exitOK,
		counts: "files=2 members=0 records=4 no_time=0 evaluated=4 failed=0 skipped={} errors={} findings=3 rows=2",
		rows:   []string{"delivered-twice×2", "once×1"},
	})
}

// More errors than --max-errors: the first are printed, the rest counted,
// and the summary has them all.
func TestFaultsManyErrors(t *testing.T) {
	recs := []string{hit("many-hit-0")}
	for range 25 {
		recs = append(recs, "{bad")
	}
	dir := writeFiles(t, map[string][]byte{"a.jsonl": []byte(lines(recs...))})
	r := evaluateFaults(t, dir, runOpts{}, "--max-errors", "3", dir)
	r.check(t, want{
		code:   exitIncomplete,
		counts: "files=1 members=0 records=26 no_time=0 evaluated=1 failed=25 skipped={} errors={json_syntax:25} findings=1 rows=1",
		errs: []string{
			"evaluate: read $DIR/a.jsonl#1: json_syntax: invalid character 'b' looking for beginning of object key string",
			"evaluate: read $DIR/a.jsonl#2: json_syntax: invalid character 'b' looking for beginning of object key string",
			"evaluate: read $DIR/a.jsonl#3: json_syntax: invalid character 'b' looking for beginning of object key string",
			"evaluate: 22 more errors not shown (--max-errors 3); the summary counts them all",
		},
		rows: []string{"many-hit-0×1"},
	})
}

// Archive member and file names are attacker-controlled: printed in an error
// line they must not carry terminal escapes or forge extra lines.
func TestFaultsErrorLinesAreEscaped(t *testing.T) {
	dir := writeFiles(t, map[string][]byte{"a.zip": zipped(t,
		member{"evil\x1b[2J\nevaluate: all clear\r.json", []byte("{bad")},
		member{"good.json", []byte(wrap(hit("esc-good")))},
	)})
	r := evaluateFaults(t, dir, runOpts{}, dir)
	r.check(t, want{
		code:   exitIncomplete,
		counts: "files=1 members=2 records=2 no_time=0 evaluated=1 failed=1 skipped={} errors={json_syntax:1} findings=1 rows=1",
		errs:   []string{`evaluate: read $DIR/a.zip!evil\x1b[2J\nevaluate: all clear\r.json#0: json_syntax: invalid character 'b'`},
		rows:   []string{"esc-good×1"},
	})
	if strings.ContainsAny(r.stderr, "\x1b\r") {
		t.Errorf("stderr carries raw control characters: %q", r.stderr)
	}
}

// TestFaultsFirstValue pins what happens when the first value of a file is
// not an object. Formats are detected from the first non-blank byte: only
// '{' and '[' make JSON, so a JSON-lines file whose first line is null, a
// number or garbage is taken for "not CloudTrail" and skipped whole, with
// exit 0, even when named on the command line: its later records, hits
// included, are never read. A broken first object ends the file (flagged,
// exit 3), as the loader cannot tell JSON lines from one big object.
//
// KNOWN BUG (reported to the lead; loader/container.go sniff, loader/json.go
// run): the first three cases lose a finding with only a "not_cloudtrail"
// skip count and exit 0. Once fixed, each should read as JSON lines: an
// error for line 0 (not_object or json_syntax), the hit on line 1 reported,
// records=2 evaluated=1 failed=1, exit 3. Update these expectations then.
func TestFaultsFirstValue(t *testing.T) {
	// A first line that is a JSON scalar makes the file JSON lines: that
	// line is a not_object error, and the records after it are evaluated.
	scalarFirst := func(kind string) want {
		return want{
			code:   exitIncomplete,
			counts: "files=1 members=0 records=2 no_time=0 evaluated=1 failed=1 skipped={} errors={not_object:1} findings=1 rows=1",
			errs:   []string{"evaluate: read $DIR/a.jsonl#0: not_object: not a JSON object: " + kind},
			rows:   []string{"after-first-line×1"},
		}
	}
	for _, c := range []struct {
		name, first string
		want        want
	}{
		{"first line null", "null", scalarFirst("null")},
		{"first line a number", "42", scalarFirst("number")},
		// A file the user named that is not CloudTrail at all is an error,
		// not a skip (inside a directory walk it is skipped and counted).
		{"first line not JSON", "garbage", want{
			code:   exitIncomplete,
			counts: "files=1 members=0 records=0 no_time=0 evaluated=0 failed=0 skipped={} errors={not_cloudtrail:1} findings=0 rows=0",
			errs:   []string{"evaluate: read $DIR/a.jsonl: not_cloudtrail: not CloudTrail: neither JSON, gzip, zip nor tar"},
		}},
		{"first line a broken object", `{"eventName": x}`, want{
			code:   exitIncomplete,
			counts: "files=1 members=0 records=1 no_time=0 evaluated=0 failed=1 skipped={} errors={json_syntax:1} findings=0 rows=0",
			errs:   []string{"evaluate: read $DIR/a.jsonl#0: json_syntax: invalid character 'x' looking for beginning of value"},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := writeFiles(t, map[string][]byte{"a.jsonl": []byte(lines(c.first, hit("after-first-line")))})
			r := evaluateFaults(t, dir, runOpts{}, filepath.Join(dir, "a.jsonl"))
			r.check(t, c.want)
		})
	}
	// A UTF-16 export (Windows PowerShell 5's Out-File default) is not read,
	// and says why.
	t.Run("UTF-16 file", func(t *testing.T) {
		var b []byte
		for _, u := range utf16.Encode([]rune("\ufeff" + wrap(hit("utf16")))) {
			b = append(b, byte(u), byte(u>>8))
		}
		dir := writeFiles(t, map[string][]byte{"a.json": b})
		r := evaluateFaults(t, dir, runOpts{}, filepath.Join(dir, "a.json"))
		r.check(t, want{
			code:   exitIncomplete,
			counts: "files=1 members=0 records=0 no_time=0 evaluated=0 failed=0 skipped={} errors={unsupported:1} findings=0 rows=0",
			errs:   []string{"evaluate: read $DIR/a.json: unsupported: UTF-16 text (convert it to UTF-8): not supported"},
		})
	})
}

// TestFaultsHelperProcess is not a test: TestFaultsOutputFileFailsMidWrite
// runs the test binary again as the evaluate command, under a file-size
// limit that only the child process has.
func TestFaultsHelperProcess(t *testing.T) {
	if os.Getenv("TRAILHUNT_FAULTS_HELPER") != "1" {
		t.Skip("helper process for TestFaultsOutputFileFailsMidWrite")
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	os.Exit(run(context.Background(), args, os.Stdin, os.Stdout, os.Stderr))
}

// --output to a regular file that fails mid-write (here: the child's
// RLIMIT_FSIZE of 8 KiB, under which a write returns EFBIG, as on a full
// disk): exit 4, a clear error, the previous file untouched and no temp file
// left: never a silent partial file.
func TestFaultsOutputFileFailsMidWrite(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip(err)
	}
	recs := make([]string, 40) // 40 rows of ~800 bytes: ~32 KiB of output
	for i := range recs {
		recs[i] = hit(fmt.Sprintf("big-output-%02d", i))
	}
	dir := writeFiles(t, map[string][]byte{"a.json": []byte(wrap(recs...))})
	outDir := t.TempDir()
	out := filepath.Join(outDir, "out.jsonl")
	if err := os.WriteFile(out, []byte("previous\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := filepath.Join(t.TempDir(), "summary.json")
	cmd := exec.Command("sh", append([]string{"-c", `ulimit -f 16 && exec "$@"`, "sh", exe, "-test.run=^TestFaultsHelperProcess$", "--"},
		append(slices.Clone(faultArgs), "--output", out, "--summary", sum, dir)...)...)
	cmd.Env = append(os.Environ(), "TRAILHUNT_FAULTS_HELPER=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitOutput {
		t.Fatalf("exit: %v, want %d; stderr:\n%s", err, exitOutput, stderr.String())
	}
	if !strings.Contains(stderr.String(), "evaluate: write results: write jsonl: write "+outDir+"/.out.jsonl.") ||
		!strings.Contains(stderr.String(), ".tmp: file too large\n") {
		t.Errorf("stderr does not say what failed:\n%s", stderr.String())
	}
	if b, err := os.ReadFile(out); err != nil || string(b) != "previous\n" {
		t.Errorf("output file: %q, %v; want the previous content", b, err)
	}
	if entries, _ := os.ReadDir(outDir); len(entries) != 1 {
		t.Errorf("output directory holds %v, want out.jsonl alone (no temp file)", entries)
	}
	s := decodeSummary(t, sum)
	if got, want := s.counts(), "files=1 members=0 records=40 no_time=0 evaluated=40 failed=0 skipped={} errors={} findings=40 rows=40"; got != want {
		t.Errorf("summary\n got: %s\nwant: %s", got, want)
	}
}
