package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trailhunt/trailhunt/internal/ocsftest"
)

// followArgs are the flags of every --follow run here.
func followArgs(in, state string, more ...string) []string {
	args := []string{"--follow", in, "--settle", "50ms", "--now", "2026-11-26T00:00:00Z"}
	if state != "" {
		args = append(args, "--state", state)
	}
	return append(args, more...)
}

// stateEntries reads a state journal: the last entry of each file.
func stateEntries(t *testing.T, path string) map[string]map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var e map[string]any
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("state line %q: %v", sc.Text(), err)
		}
		if f, ok := e["file"].(string); ok {
			out[f] = e
		}
	}
	return out
}

// findingLines decodes the JSON lines of stdout as "eventID source
// [repeat]".
func findingLines(t *testing.T, out, dir string) []string {
	t.Helper()
	var got []string
	for l := range strings.Lines(out) {
		var f struct {
			EventID string `json:"eventID"`
			Source  string `json:"source"`
			Repeat  bool   `json:"repeat"`
		}
		if err := json.Unmarshal([]byte(l), &f); err != nil {
			t.Fatalf("finding %q: %v", l, err)
		}
		s := f.EventID + " " + strings.TrimPrefix(f.Source, dir+"/")
		if f.Repeat {
			s += " repeat"
		}
		got = append(got, s)
	}
	return got
}

// TestLiveFollowCountsReaderErrors: a file's line and its state entry
// count the records the reader could not read, with every error by
// reason; each file has its own --max-errors budget, and says how many of
// its errors were not shown.
func TestLiveFollowCountsReaderErrors(t *testing.T) {
	in, state := t.TempDir(), filepath.Join(t.TempDir(), "state.json")
	damaged := lines(hit("d-0"), `{"eventName": "CreateAccessKey",`, `{not json`, `[1,`, hit("d-4"))
	cut := wrap(hit("c-0"), hit("c-1"))
	cut = cut[:len(cut)-60] // inside the second record
	for name, content := range map[string]string{"a-damaged.jsonl": damaged, "b-cut.json": cut} {
		if err := os.WriteFile(filepath.Join(in, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, stderr, stop := background(t, followArgs(in, state, "--max-errors", "2")...)
	waitFor(t, stderr, "b-cut.json: ")
	if code := stop(); code != exitOK {
		t.Errorf("exit %d, want 0", code)
	}
	for _, want := range []string{
		"follow: " + in + "/a-damaged.jsonl: 5 records, 2 findings, 3 failed, errors: json_syntax 3; policy set " + embeddedVersion(t) + "\n",
		"evaluate: 1 more errors in " + in + "/a-damaged.jsonl not shown (--max-errors 2)\n",
		"follow: " + in + "/b-cut.json: 2 records, 1 findings, 1 failed, errors: truncated 1; policy set " + embeddedVersion(t) + "\n",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	if n := countLines(stderr.String(), "evaluate: read "+in+"/a-damaged.jsonl#"); n != 2 {
		t.Errorf("%d error lines for a-damaged.jsonl, want its budget of 2:\n%s", n, stderr.String())
	}
	if n := countLines(stderr.String(), "evaluate: read "+in+"/b-cut.json#"); n != 1 {
		t.Errorf("%d error lines for b-cut.json, want 1 (a budget of its own):\n%s", n, stderr.String())
	}
	st := stateEntries(t, state)
	for file, want := range map[string]string{"a-damaged.jsonl": "failed=3 errors=map[json_syntax:3]", "b-cut.json": "failed=1 errors=map[truncated:1]"} {
		if got := "failed=" + jsonNum(st[file]["failed"]) + " errors=" + fmtMap(st[file]["errors"]); got != want {
			t.Errorf("state of %s: %s, want %s", file, got, want)
		}
	}
}

func jsonNum(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func fmtMap(v any) string {
	m, _ := v.(map[string]any)
	var parts []string
	for k, x := range m {
		parts = append(parts, k+":"+jsonNum(x))
	}
	return "map[" + strings.Join(parts, " ") + "]"
}

// TestLiveFollowUnwritableStateIsFoundAtStart: a --state that cannot be
// written stops the run before anything is read or emitted.
func TestLiveFollowUnwritableStateIsFoundAtStart(t *testing.T) {
	in := t.TempDir()
	writeLog(t, filepath.Join(in, "a.json"), "a-1")
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, state := range map[string]string{
		"in a directory that does not exist": filepath.Join(t.TempDir(), "missing", "state.json"),
		"under a regular file":               filepath.Join(file, "state.json"),
	} {
		t.Run(name, func(t *testing.T) {
			r := evaluate(t, "", followArgs(in, state)...)
			if r.code != exitUsage || r.stdout != "" || !strings.Contains(r.stderr, "evaluate: state "+state+": ") {
				t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant exit 2 naming the state file, nothing emitted", r.code, r.stdout, r.stderr)
			}
		})
	}
}

// TestLiveFollowChangedFiles: a file of JSON lines that grows is read from
// where it was read to, also after a restart; a file changed otherwise
// (gzip'd again, rewritten) is read again whole, and the findings written
// before are marked "repeat": true.
func TestLiveFollowChangedFiles(t *testing.T) {
	in, state := t.TempDir(), filepath.Join(t.TempDir(), "state.json")
	write := func(name string, b []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(in, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	appendTo := func(name, s string) {
		t.Helper()
		f, err := os.OpenFile(filepath.Join(in, name), os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteString(s); err != nil {
			t.Fatal(err)
		}
	}
	gz := func(s string) []byte {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write([]byte(s))
		w.Close()
		return b.Bytes()
	}
	write("grows.jsonl", []byte(lines(hit("g-0"), miss(1))))
	write("again.json.gz", gz(wrap(hit("z-0"))))
	write("rewritten.jsonl", []byte(lines(hit("r-0"), hit("r-1"))))

	stdout, stderr, stop := background(t, followArgs(in, state)...)
	waitFor(t, stderr, "rewritten.jsonl: 2 records")
	appendTo("grows.jsonl", lines(hit("g-2")))
	waitFor(t, stderr, "grows.jsonl (grew; read from byte ")
	write("again.json.gz", gz(wrap(hit("z-0"), hit("z-1"))))
	waitFor(t, stderr, "again.json.gz (changed; read again): 2 records, 2 findings (1 repeated)")
	write("rewritten.jsonl", []byte(lines(hit("r-9"), hit("r-0"), hit("r-1"))))
	waitFor(t, stderr, "rewritten.jsonl (changed; read again): 3 records, 3 findings (2 repeated)")
	if code := stop(); code != exitOK {
		t.Errorf("exit %d, want 0", code)
	}
	want := []string{
		"z-0 again.json.gz#0", "g-0 grows.jsonl#0", "r-0 rewritten.jsonl#0", "r-1 rewritten.jsonl#1",
		"g-2 grows.jsonl#2",
		"z-0 again.json.gz#0 repeat", "z-1 again.json.gz#1",
		"r-9 rewritten.jsonl#0", "r-0 rewritten.jsonl#1 repeat", "r-1 rewritten.jsonl#2 repeat",
	}
	if got := findingLines(t, stdout.String(), in); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings\n got: %q\nwant: %q", got, want)
	}

	// After a restart, a growth is still read from where it was read to.
	stdout2, stderr2, stop2 := background(t, followArgs(in, state)...)
	waitFor(t, stderr2, "(3 files already done)")
	appendTo("grows.jsonl", "\n"+lines(hit("g-4")))
	waitFor(t, stderr2, "grows.jsonl (grew; read from byte ")
	stop2()
	if got := findingLines(t, stdout2.String(), in); strings.Join(got, ",") != "g-4 grows.jsonl#4" {
		t.Errorf("after a restart, findings %q, want only g-4 at line 4", got)
	}
}

// TestLiveFollowNeverReadsItsState: a state file inside the followed
// directory, named through another path than the directory (a symlink),
// is still never read as CloudTrail (it would feed itself: each file done
// changes it).
func TestLiveFollowNeverReadsItsState(t *testing.T) {
	base := t.TempDir()
	real := filepath.Join(base, "real")
	if err := os.Mkdir(real, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, filepath.Join(base, "link")); err != nil {
		t.Fatal(err)
	}
	writeLog(t, filepath.Join(real, "a.json"), "a-1")
	_, stderr, stop := background(t, followArgs(filepath.Join(base, "link"), filepath.Join(real, "state.json"))...)
	waitFor(t, stderr, "a.json: 1 records")
	writeLog(t, filepath.Join(real, "b.json"), "b-1")
	waitFor(t, stderr, "b.json: 1 records")
	stop()
	if strings.Contains(stderr.String(), "state.json:") {
		t.Errorf("the state file was read:\n%s", stderr.String())
	}
}

// TestLiveFollowStatsAndOCSF: follow writes each finding of a detection
// with declared stats as a row of one (its stats and _time bucket, no where
// threshold: a stream has no groups), and --format ocsf writes valid OCSF
// Detection Findings; --since applies.
func TestLiveFollowStatsAndOCSF(t *testing.T) {
	v, err := ocsftest.New("../../report/testdata")
	if err != nil {
		t.Fatal(err)
	}
	denied := func(id, at string) string {
		return `{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/recon","accountId":"111122223333","userName":"recon"},` +
			`"eventTime":"` + at + `","eventSource":"iam.amazonaws.com","eventName":"ListRoles","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.7",` +
			`"userAgent":"aws-cli/2.17.32","errorCode":"AccessDenied","eventID":"` + id + `","recipientAccountId":"111122223333"}`
	}
	for _, format := range []string{"jsonl", "ocsf"} {
		t.Run(format, func(t *testing.T) {
			in := t.TempDir()
			stdout, stderr, stop := background(t, followArgs(in, "", "--format", format, "--since", "2024-09-10",
				"--detection", "aws_iam_accessdenied_discovery_events")...)
			waitFor(t, stderr, "follow: watching")
			replaceFile(t, filepath.Join(in, "a.json"), wrap(denied("old-1", "2024-09-09T23:59:59Z"), denied("d-1", "2024-09-10T10:15:00Z")))
			waitFor(t, stderr, "a.json: ")
			if code := stop(); code != exitOK {
				t.Fatalf("exit %d:\n%s", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), "a.json: 2 records, 1 findings, 0 failed, 1 outside --since/--until") {
				t.Errorf("the file's line does not count the record outside the window:\n%s", stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			if len(lines) != 1 {
				t.Fatalf("%d lines, want 1:\n%s", len(lines), stdout.String())
			}
			switch format {
			case "jsonl":
				for _, want := range []string{`"_time":"2024-09-10T10:00:00Z"`, `"count":1,"failures":1`, `"methods":1`, `"source":"` + filepath.Join(in, "a.json") + `#1"`} {
					if !strings.Contains(lines[0], want) {
						t.Errorf("finding lacks %s:\n%s", want, lines[0])
					}
				}
			case "ocsf":
				if err := v.Validate([]byte(lines[0])); err != nil {
					t.Errorf("not a valid OCSF Detection Finding: %v\n%s", err, lines[0])
				}
			}
		})
	}
}
