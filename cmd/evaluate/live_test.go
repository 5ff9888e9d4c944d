package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a writer goroutine and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// background runs the command until stop is called; stop returns its exit
// code.
func background(t *testing.T, args ...string) (stdout, stderr *syncBuffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	code := make(chan int, 1)
	go func() { code <- run(ctx, args, strings.NewReader(""), stdout, stderr) }()
	var once sync.Once
	var c int
	stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case c = <-code:
			case <-time.After(10 * time.Second):
				t.Fatal("the command did not stop within 10s of the interrupt")
			}
		})
		return c
	}
	t.Cleanup(func() { stop() })
	return stdout, stderr, stop
}

// waitFor polls buf until it contains want.
func waitFor(t *testing.T, buf *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(buf.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("never saw %q; got:\n%s", want, buf.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// copyPolicies copies the repository's policies/ (Rego and filter lists) to
// a temp dir, for a test to edit.
func copyPolicies(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "policies")
	err := filepath.WalkDir("../../policies", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("../../policies", p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if filepath.Ext(p) == ".go" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// replaceFile writes a file the way editors do: a temp file, then a rename.
func replaceFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

var timings = regexp.MustCompile(`reloaded in [0-9.]+[µnm]?s, (\d+) records re-evaluated in [0-9.]+[µnm]?s`)

const stratusFilter = `detection: aws_createaccesskey
filters:
  - id: stratus-detonations
    reason: Stratus Red Team detonation account, expected activity
    owner: secops@example.com
    expires: 2027-03-31
    match:
      aws_account_id: "946986569305"
      userAgent: "stratus-red-team_*"
`

// TestWatchTuningSession is the tuning session (README, docs/live.md): add a filter
// entry, see the finding go; break the policy, keep the last good set; fix
// it, recover; Ctrl-C ends with exit 0.
func TestWatchTuningSession(t *testing.T) {
	dir := copyPolicies(t)
	stdout, stderr, stop := background(t, "--watch", "--policies", dir, "--now", "2026-11-26T00:00:00Z", "--detection", "aws_createaccesskey",
		"--workers", "1", "--format", "table", filepath.Join(fixtures, "stratus-red-team"))
	waitFor(t, stderr, "watching for policy and filter changes")

	replaceFile(t, filepath.Join(dir, "aws_createaccesskey", "filters.yaml"), stratusFilter)
	waitFor(t, stdout, "suppressed by aws_createaccesskey/stratus-detonations: 0 -> 1")

	rego := filepath.Join(dir, "aws_createaccesskey", "aws_createaccesskey.rego")
	good, err := os.ReadFile(rego)
	if err != nil {
		t.Fatal(err)
	}
	replaceFile(t, rego, string(good)+"\nbroken := {\n")
	waitFor(t, stderr, "reload failed; still using policy set")
	waitFor(t, stderr, "aws_createaccesskey.rego:")
	waitFor(t, stderr, ": rego_parse_error: unexpected eof token")

	replaceFile(t, rego, strings.Replace(string(good), `succeeded if input.errorCode == "success"`, `succeeded if input.errorCode in {"success", "NoSuchEntity"}`, 1))
	waitFor(t, stderr, "recovered: policy set")
	waitFor(t, stdout, "no change in findings")

	if code := stop(); code != exitOK {
		t.Errorf("exit %d after Ctrl-C, want 0", code)
	}
	golden(t, "watch.out", timings.ReplaceAllString(stdout.String(), "reloaded in T, $1 records re-evaluated in T"))
}

func TestFollowResumesFromItsState(t *testing.T) {
	in := t.TempDir()
	state := filepath.Join(t.TempDir(), "state.json")
	args := []string{"--follow", in, "--state", state, "--settle", "50ms", "--now", "2026-11-26T00:00:00Z", "--detection", "aws_createaccesskey"}
	stratus, err := os.ReadFile(filepath.Join(fixtures, "stratus-red-team", "records.json"))
	if err != nil {
		t.Fatal(err)
	}
	// One file before the start, one arriving while it runs (by rename, as
	// aws s3 sync does), in a new date folder.
	if err := os.WriteFile(filepath.Join(in, "early.json"), stratus, 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, stop := background(t, args...)
	waitFor(t, stderr, "early.json: 310 records, 2 findings")
	day := filepath.Join(in, "AWSLogs", "1", "CloudTrail", "us-east-1", "2024", "08", "01")
	if err := os.MkdirAll(day, 0o755); err != nil {
		t.Fatal(err)
	}
	one := `{"eventName":"CreateAccessKey","eventSource":"iam.amazonaws.com","eventID":"late-1","eventTime":"2024-08-01T00:00:00Z",` +
		`"requestParameters":{"userName":"bob"},"userIdentity":{"type":"IAMUser","userName":"alice","arn":"arn:aws:iam::1:user/alice"},"sourceIPAddress":"192.0.2.1"}`
	replaceFile(t, filepath.Join(day, "late.json"), one)
	waitFor(t, stderr, "late.json: 1 records, 1 findings")
	if code := stop(); code != exitOK {
		t.Errorf("exit %d, want 0", code)
	}
	if n := strings.Count(stdout.String(), "\n"); n != 3 {
		t.Fatalf("%d findings emitted, want 3:\n%s", n, stdout.String())
	}
	for _, want := range []string{`"source":"` + filepath.Join(in, "early.json") + `#`, `"eventID":"late-1"`, `"policy_version":"` + embeddedVersion(t) + `"`} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("findings lack %s:\n%s", want, stdout.String())
		}
	}

	// A restart re-emits nothing for files already done, and goes on with
	// new ones.
	stdout2, stderr2, stop2 := background(t, args...)
	waitFor(t, stderr2, "(2 files already done)")
	replaceFile(t, filepath.Join(day, "later.json"), strings.Replace(one, "late-1", "later-1", 1))
	waitFor(t, stderr2, "later.json: 1 records, 1 findings")
	if code := stop2(); code != exitOK {
		t.Errorf("restart: exit %d, want 0", code)
	}
	if got := stdout2.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, `"eventID":"later-1"`) {
		t.Errorf("after restart, findings:\n%s\nwant only later-1", got)
	}
}

// TestWatchWithoutRoomReReads: when the records do not fit the cache, watch
// says so and re-reads the inputs on every change, with the same results.
func TestWatchWithoutRoomReReads(t *testing.T) {
	dir := copyPolicies(t)
	stdout, stderr, stop := background(t, "--watch", "--policies", dir, "--cache-bytes", "1000",
		"--now", "2026-11-26T00:00:00Z", "--format", "jsonl", filepath.Join(fixtures, "stratus-red-team"))
	waitFor(t, stderr, "the inputs do not fit in the record cache (--cache-bytes 1000): every change re-reads them")
	replaceFile(t, filepath.Join(dir, "aws_createaccesskey", "filters.yaml"), stratusFilter)
	waitFor(t, stdout, "310 records re-evaluated")
	waitFor(t, stdout, "suppressed by aws_createaccesskey/stratus-detonations: 0 -> 1")
	if code := stop(); code != exitOK {
		t.Errorf("exit %d", code)
	}
}

// TestWatchOverS3 is the tuning session over an S3 bucket: watch reads the
// objects once, then re-evaluates them from its cache on a filter edit,
// as it does for local files.
func TestWatchOverS3(t *testing.T) {
	_, bucket := s3Trail(t)
	dir := copyPolicies(t)
	stdout, stderr, stop := background(t, "watch", "--policies", dir, "--now", "2026-11-26T00:00:00Z", "--detection", "aws_createaccesskey",
		"--workers", "1", "--format", "table", "--width", "120", bucket+"/AWSLogs/")
	waitFor(t, stderr, "watching for policy and filter changes")
	waitFor(t, stdout, "aws_createaccesskey — AWS CreateAccessKey (2 rows)")

	replaceFile(t, filepath.Join(dir, "aws_createaccesskey", "filters.yaml"), stratusFilter)
	waitFor(t, stdout, "suppressed by aws_createaccesskey/stratus-detonations: 0 -> 1")
	if code := stop(); code != exitOK {
		t.Errorf("exit %d after Ctrl-C, want 0; stderr:\n%s", code, stderr.String())
	}
	if strings.Contains(stderr.String(), "error") {
		t.Errorf("errors on stderr:\n%s", stderr.String())
	}
}
