package loader

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/trailhunt/trailhunt/trail"
)

// file is an input built by a test: its name under the test's directory,
// its bytes, and whether it counts as found by a directory walk.
type file struct {
	name   string
	data   []byte
	walked bool
}

type loaderCase struct {
	name  string
	files []file
	cfg   Config
}

// runCases writes each case's files to a fresh directory, reads them in
// order and compares the transcript with the case's golden file.
func runCases(t *testing.T, cases []loaderCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var inputs []Input
			for _, f := range tc.files {
				p := write(t, dir, f.name, f.data)
				inputs = append(inputs, Input{Path: p, Size: int64(len(f.data)), Walked: f.walked})
			}
			r := New(tc.cfg)
			out := transcript(t, r, dir, inputs...)
			checkAccounting(t, out, r.Stats())
			golden(t, out)
		})
	}
}

func TestFormats(t *testing.T) {
	lines := "\n" + events(2, "\n") + "\n\n" + event(2) + "\r\n" + event(3) // no final newline
	pretty := "{\n  \"eventName\": \"A\",\n  \"eventTime\": \"2024-07-30T21:53:13Z\"\n}\n{\n  \"eventName\": \"B\"\n}\n"
	runCases(t, []loaderCase{
		{name: "records_wrapper", files: []file{{name: "a.json", data: []byte(wrapper(3))}}},
		{name: "records_wrapper_gzip", files: []file{{name: "a.json.gz", data: gz(t, wrapper(3))}}},
		{name: "records_wrapper_other_keys", files: []file{{name: "a.json", data: []byte(
			`{"version":"1.0","Records":[` + events(2, ",") + `],"trailer":{"Records":"not these"},"n":[1,2]}`)}}},
		{name: "records_wrapper_empty_and_null", files: []file{
			{name: "empty.json", data: []byte(`{"Records":[]}`)},
			{name: "null.json", data: []byte(`{"Records":null}`)}}},
		{name: "records_wrappers_concatenated", files: []file{{name: "a.json", data: []byte(wrapper(2) + "\n" + wrapper(2) + "\n")}}},
		{name: "bare_array", files: []file{{name: "a.json", data: []byte("[\n " + events(3, ",\n ") + "\n]\n")}}},
		{name: "bare_array_gzip", files: []file{{name: "a.json.gz", data: gz(t, "["+events(3, ",")+"]")}}},
		{name: "json_lines", files: []file{{name: "a.jsonl", data: []byte(lines)}}},
		{name: "json_lines_gzip", files: []file{{name: "a.jsonl.gz", data: gz(t, lines)}}},
		{name: "single_object", files: []file{{name: "a.json", data: []byte(event(7) + "\n")}}},
		{name: "single_object_gzip", files: []file{{name: "a.json.gz", data: gz(t, event(7))}}},
		{name: "pretty_objects_concatenated", files: []file{{name: "a.json", data: []byte(pretty)}}},
		{name: "multi_member_gzip", files: []file{
			{name: "lines.gz", data: gz(t, event(0)+"\n", event(1)+"\n")},
			// The member boundary cuts a record in two.
			{name: "split.gz", data: gz(t, `{"Records":[`+event(0)+`,{"eventName":"sp`, `lit"}]}`)}}},
		{name: "byte_order_mark", files: []file{{name: "a.json", data: []byte("\xef\xbb\xbf" + wrapper(1))}}},
		{name: "detected_by_content_not_name", files: []file{
			{name: "plain.json.gz", data: []byte(wrapper(1))},
			{name: "gzipped.json", data: gz(t, wrapper(1))},
			{name: "noext", data: gz(t, event(5))}}},
		{name: "digest_file", files: []file{{name: "digest.json.gz", data: gz(t,
			`{"awsAccountId":"111122223333","digestStartTime":"2024-07-30T20:00:00Z","digestEndTime":"2024-07-30T21:00:00Z",`+
				`"previousDigestSignature":"ab","logFiles":[{"s3Object":"x.json.gz"}]}`)}}},
		{name: "not_cloudtrail_object", files: []file{
			{name: "walked/package.json", data: []byte(`{"name":"x","version":"1.0.0"}`), walked: true},
			{name: "named.json", data: []byte(`{"name":"x","version":"1.0.0"}`)}}},
		{name: "not_json_at_all", files: []file{
			{name: "README.md", data: []byte("# Notes\n\nSee the logs.\n")},
			{name: "scalar.json", data: []byte("42\n")},
			{name: "binary.bin", data: []byte{0, 1, 2, 3, 0xff}}}},
		{name: "tar", files: []file{{name: "logs.tar", data: tarBytes(t,
			tarEntry{name: "AWSLogs/", typeflag: '5'},
			tarEntry{name: "AWSLogs/a.json", data: []byte(wrapper(2))},
			tarEntry{name: "AWSLogs/b.json.gz", data: gz(t, events(2, "\n"))},
			tarEntry{name: "AWSLogs/README.txt", data: []byte("hello")},
		)}}},
		{name: "tar_gzip", files: []file{{name: "logs.tgz", data: gz(t, string(tarBytes(t,
			tarEntry{name: "a.json", data: []byte(wrapper(2))},
			tarEntry{name: "b.json.gz", data: gz(t, "["+events(2, ",")+"]")},
		)))}}},
		{name: "zip_with_gzip_members", files: []file{{name: "logs.zip", data: zipBytes(t,
			zipEntry{name: "AWSLogs/", mode: os.ModeDir | 0o755},
			zipEntry{name: "AWSLogs/1/CloudTrail/us-east-1/2024/07/30/a.json.gz", data: gz(t, wrapper(2)), method: zip.Store},
			zipEntry{name: "AWSLogs/1/CloudTrail/us-east-1/2024/07/30/b.json.gz", data: gz(t, wrapper(1)), method: zip.Deflate},
			zipEntry{name: "export.json", data: []byte("[" + events(2, ",") + "]"), method: zip.Deflate},
			zipEntry{name: "AWSLogs/1/CloudTrail-Digest/us-east-1/2024/07/30/d.json.gz", data: gz(t, `{"digestStartTime":"x"}`)},
			zipEntry{name: "notes.json", data: []byte(`{"todo":"read the logs"}`)},
		)}}},
		{name: "empty_archives", files: []file{
			{name: "empty.zip", data: zipBytes(t)},
			{name: "empty.tar", data: tarBytes(t, tarEntry{name: "placeholder", data: nil})}}},
	})
}

// A gzip stream is read through to its content even when it hides behind
// another format's name; and tar detection needs the magic at offset 257.
func TestSniff(t *testing.T) {
	cases := []struct {
		name  string
		data  string
		want  kind
		lines int
	}{
		{"empty", "", kindEmpty, 0},
		{"white space only", " \n\t\r\n", kindEmpty, 0},
		{"gzip magic", "\x1f\x8bxxxx", kindGzip, 0},
		{"zip", "PK\x03\x04rest", kindZip, 0},
		{"empty zip", "PK\x05\x06rest", kindZip, 0},
		{"tar", strings.Repeat("\x00", 257) + "ustar\x0000", kindTar, 0},
		{"object after blank lines", "\n\n  {", kindJSON, 2},
		{"array after BOM", "\xef\xbb\xbf[", kindJSON, 0},
		{"markdown", "# title", kindOther, 0},
		{"number", "42", kindLines, 0},
		{"null line, then more", "\nnull\n{}", kindLines, 1},
		{"text starting like a literal", "note: not JSON\n", kindOther, 0},
		{"UTF-16 little endian", "\xff\xfe{\x00", kindUTF16, 0},
		{"one gzip byte", "\x1f", kindOther, 0},
		{"CloudWatch Logs export line", "\n2024-07-30T21:53:13.000Z {\"eventName\":\"A\"}\n", kindCWLog, 1},
		{"time stamp and text", "2024-07-30T21:53:13.000Z START RequestId: 1\n", kindOther, 0},
		{"date without a time", "2024-07-30 {}\n", kindOther, 0},
		{"Athena CSV header", `"eventversion","eventtime","eventname"` + "\n", kindCSV, 0},
		{"console CSV header", "Event ID,Event time,User name\n", kindCSV, 0},
		{"CSV of one CloudTrail column", "name,eventName\n", kindOther, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			br := newBufReader(strings.NewReader(tc.data))
			k, lines, err := sniff(br)
			if err != nil || k != tc.want || lines != tc.lines {
				t.Errorf("sniff(%q) = %v, %d, %v; want %v, %d, nil", tc.data, k, lines, err, tc.want, tc.lines)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	cases := []struct {
		name string
		err  *Error
		want string
	}{
		{"record in member", &Error{Source: sourceOf("logs/a.zip", "x/b.json.gz", 12), Reason: "json_syntax", Err: errString("invalid character 'x'")},
			"read logs/a.zip!x/b.json.gz#12: json_syntax: invalid character 'x'"},
		{"whole file", &Error{Source: sourceOf("a.json.gz", "", -1), Reason: "truncated", Err: ErrTruncated},
			"read a.json.gz: truncated: input ends early"},
		{"record in file", &Error{Source: sourceOf("-", "", 0), Reason: "not_object", Err: ErrNotObject},
			"read -#0: not_object: not a JSON object"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() = %q, want %q", got, tc.want)
			}
		})
	}
}

// Scan's records lie in the reader's buffers; Records copies them, so the
// consumer may keep them (spans included, which every layout but a lone
// object sets): later records, here over many buffer refills, must not
// overwrite them.
func TestRecordsAreCopies(t *testing.T) {
	const n = 2000 // about 200 KB: several times bufSize
	dir := t.TempDir()
	for _, data := range []string{wrapper(n), events(n, "\n"), "[" + events(n, ",") + "]"} {
		p := write(t, dir, "a.json", []byte(data))
		var kept []trail.Record
		for rec, err := range New(Config{}).Records(t.Context(), Input{Path: p}) {
			if err != nil {
				t.Fatal(err)
			}
			kept = append(kept, rec)
		}
		if len(kept) != n {
			t.Fatalf("read %d records, want %d", len(kept), n)
		}
		for i, rec := range kept {
			if !bytes.Equal(rec.Raw, []byte(event(i))) {
				t.Fatalf("record %d = %s, want %s", i, rec.Raw, event(i))
			}
			if got, want := string(rec.Lookup("eventName")), fmt.Sprintf(`"E%d"`, i); got != want || rec.Spans == nil {
				t.Fatalf("record %d: eventName = %s through spans %v, want %s", i, got, rec.Spans, want)
			}
		}
	}
}
