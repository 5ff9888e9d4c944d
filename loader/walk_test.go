package loader

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// inputsTranscript renders what Inputs yields for paths, then the Stats;
// paths are shown relative to dir.
func inputsTranscript(t *testing.T, r *Reader, dir string, paths ...string) string {
	t.Helper()
	var b strings.Builder
	for in, err := range r.Inputs(paths) {
		if err != nil {
			checkError(t, err)
			fmt.Fprintf(&b, "error %s\n", err)
			continue
		}
		how := "named"
		if in.Walked {
			how = "walked"
		}
		fmt.Fprintf(&b, "input %s %d %s\n", in.Path, in.Size, how)
	}
	st, _ := json.Marshal(r.Stats())
	fmt.Fprintf(&b, "stats %s\n", st)
	return strings.ReplaceAll(b.String(), dir+string(filepath.Separator), "")
}

// awsTree builds a directory in the layout of an `aws s3 sync` of a trail
// bucket, with the things users keep next to it.
func awsTree(t *testing.T) string {
	dir := t.TempDir()
	const acct = "AWSLogs/111122223333/"
	write(t, dir, acct+"CloudTrail/us-east-1/2024/07/30/111122223333_CloudTrail_us-east-1_20240730T2155Z_a1.json.gz", gz(t, wrapper(2)))
	write(t, dir, acct+"CloudTrail/us-east-1/2024/07/31/111122223333_CloudTrail_us-east-1_20240731T0005Z_b2.json.gz", gz(t, wrapper(1)))
	write(t, dir, acct+"CloudTrail/eu-west-1/2024/07/30/111122223333_CloudTrail_eu-west-1_20240730T2200Z_c3.json.gz", gz(t, wrapper(3)))
	write(t, dir, acct+"CloudTrail-Digest/us-east-1/2024/07/30/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20240730T220000Z.json.gz",
		gz(t, `{"digestStartTime":"2024-07-30T21:00:00Z","digestEndTime":"2024-07-30T22:00:00Z","logFiles":[]}`))
	write(t, dir, acct+"CloudTrail-Insight/us-east-1/2024/07/30/111122223333_CloudTrail-Insight_us-east-1_20240730T2200Z_d4.json.gz",
		gz(t, `{"Records":[{"eventType":"AwsCloudTrailInsight","eventTime":"2024-07-30T22:00:00Z"}]}`))
	write(t, dir, "AWSLogs/o-abc123/222233334444/CloudTrail/us-east-1/2024/07/30/222233334444_CloudTrail_us-east-1_20240730T2155Z_e5.json.gz", gz(t, wrapper(1)))
	write(t, dir, "README.md", []byte("# incident 42\n"))
	write(t, dir, "notes/todo.json", []byte(`{"todo":"ask the customer for the org trail"}`))
	write(t, dir, "exports/B.json", []byte("["+event(1)+"]"))
	write(t, dir, "exports/a.json", []byte("["+event(2)+"]"))
	write(t, dir, "exports/a0.json", []byte("["+event(3)+"]"))
	if err := os.MkdirAll(filepath.Join(dir, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "exports", "a.json"), filepath.Join(dir, "link.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "exports"), filepath.Join(dir, "linkdir")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestInputs(t *testing.T) {
	dir := awsTree(t)
	digest := filepath.Join(dir, "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/07/30/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20240730T220000Z.json.gz")
	cases := []struct {
		name  string
		paths []string
	}{
		{"directory_tree", []string{dir}},
		{"named_paths", []string{
			filepath.Join(dir, "missing.json"),
			filepath.Join(dir, "link.json"), // a symlink named explicitly is followed
			filepath.Join(dir, "linkdir"),
			filepath.Join(dir, "fifo"), // named: yielded, Size -1
			digest,
			"-",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			golden(t, inputsTranscript(t, New(Config{}), dir, tc.paths...))
		})
	}
}

// The whole pipeline over a tree: Inputs then Records for each input.
func TestDirectoryTree(t *testing.T) {
	dir := awsTree(t)
	r := New(Config{})
	var inputs []Input
	for in, err := range r.Inputs([]string{dir}) {
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, in)
	}
	out := transcript(t, r, dir, inputs...)
	checkAccounting(t, out, r.Stats())
	golden(t, out)
}

func TestStdin(t *testing.T) {
	cases := []struct {
		name string
		data []byte
	}{
		{"gzip_records", gz(t, wrapper(2))},
		{"json_lines", []byte(events(2, "\n"))},
		{"tar_gzip", gz(t, string(tarBytes(t, tarEntry{name: "a.json", data: []byte(wrapper(2))})))},
		// A zip needs random access: stdin is spooled to a temporary file.
		{"zip", zipBytes(t, zipEntry{name: "a.json.gz", data: gz(t, wrapper(2))}, zipEntry{name: "b.json", data: []byte(event(9))})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := New(Config{Stdin: bytes.NewReader(tc.data)})
			var inputs []Input
			for in, err := range r.Inputs([]string{"-"}) {
				if err != nil {
					t.Fatal(err)
				}
				inputs = append(inputs, in)
			}
			if len(inputs) != 1 || inputs[0] != (Input{Path: "-", Size: -1}) {
				t.Fatalf("Inputs(-) = %v", inputs)
			}
			golden(t, transcript(t, r, "", inputs...))
		})
	}
	t.Run("zip_over_cap", func(t *testing.T) {
		data := zipBytes(t, zipEntry{name: "a.json", data: []byte(wrapper(20))})
		r := New(Config{Stdin: bytes.NewReader(data), MaxDecompressedBytes: 512})
		got := transcript(t, r, "", Input{Path: "-", Size: -1})
		want := "error read -: decompression_limit: decompressed size over limit of 512 bytes (zip from a stream)\n"
		if !strings.HasPrefix(got, want) {
			t.Errorf("got\n%s\nwant prefix\n%s", got, want)
		}
	})
}

func TestPathSkip(t *testing.T) {
	cases := []struct{ path, want string }{
		{"AWSLogs/1/CloudTrail/us-east-1/2024/07/30/x.json.gz", ""},
		{"AWSLogs/1/CloudTrail-Digest/us-east-1/2024/07/30/x.json.gz", "digest"},
		{"/data/AWSLogs/o-1/1/CloudTrail-Insight/us-east-1/x.json.gz", "insight"},
		{"CloudTrail-Digest", ""}, // a file by that name is not under the directory
		{`AWSLogs\1\CloudTrail-Digest\x.json.gz`, "digest"},
		{"CloudTrail-Digests/x.json", ""},
	}
	for _, tc := range cases {
		if got := pathSkip(tc.path); got != tc.want {
			t.Errorf("pathSkip(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

func TestSafeMemberName(t *testing.T) {
	cases := []struct {
		name string
		want bool
	}{
		{"AWSLogs/1/CloudTrail/x.json.gz", true},
		{"a/./b.json", true},
		{"a..b.json", true},
		{"../x.json", false},
		{"a/../../x.json", false},
		{"a/..", false},
		{"/etc/passwd", false},
		{`..\x.json`, false},
		{`C:\x.json`, false},
		{"", false},
		{"a\x00b", false},
	}
	for _, tc := range cases {
		if got := safeMemberName(tc.name); got != tc.want {
			t.Errorf("safeMemberName(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}
