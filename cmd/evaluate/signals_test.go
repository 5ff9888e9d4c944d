package main

// Signals and closed pipes, end to end: the command built as a binary and
// run as a child process, as a shell runs it, because what is under test
// (signal dispositions, SIGPIPE, os.Exit) lives in main and the runtime.

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var binary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary.dir != "" {
		os.RemoveAll(binary.dir)
	}
	os.Exit(code)
}

// evaluateBinary builds the command once for the tests of this file.
func evaluateBinary(t testing.TB) string {
	t.Helper()
	binary.once.Do(func() {
		if binary.dir, binary.err = os.MkdirTemp("", "trailhunt-evaluate-"); binary.err != nil {
			return
		}
		binary.path = filepath.Join(binary.dir, "evaluate")
		out, err := exec.Command("go", "build", "-o", binary.path, ".").CombinedOutput()
		if err != nil {
			binary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

// exitCode is the child's exit status, or -signal when a signal killed it.
func childExit(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case !errors.As(err, &ee):
		t.Fatalf("wait: %v", err)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return -int(ws.Signal())
	}
	return ee.ExitCode()
}

// waitForFile waits until a file whose name has the prefix appears in dir.
func waitForFile(t *testing.T, dir, prefix string, exited <-chan struct{}) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), prefix) {
				return
			}
		}
		select {
		case <-exited:
			t.Fatalf("the command exited before %s%s* appeared", dir, prefix)
		default:
		}
	}
	t.Fatalf("%s%s* never appeared", dir, prefix)
}

// slowDetection runs every record to its --eval-timeout.
var slowDetection = testDetection("slow", `finding := {"name": "x", "n": null} if {
	some i in numbers.range(1, 100000)
	some j in numbers.range(1, 100000)
	i * j == -1
}`, "")

// TestSignalInterruptWithASlowPolicy: 5,000 records, each taking its
// 200 ms --eval-timeout. Ctrl-C stops the evaluations under way: the command
// exits 130 within a second (asserted here under 5 s, for a loaded
// machine), with the results finished so far committed to --output, the
// summary saying interrupted and counting every record read, and no temp
// file left.
func TestSignalInterruptWithASlowPolicy(t *testing.T) {
	exe := evaluateBinary(t)
	pol := policyDir(t, map[string]string{"slow": slowDetection})
	recs := make([]string, 5000)
	for i := range recs {
		recs[i] = hit(fmt.Sprintf("slow-%04d", i))
	}
	in := writeFiles(t, map[string][]byte{"a.jsonl": []byte(lines(recs...))})
	outDir := t.TempDir()
	out, sum := filepath.Join(outDir, "out.jsonl"), filepath.Join(t.TempDir(), "summary.json")
	cmd := exec.Command(exe, append(slices.Clone(faultArgs), "--workers", "2", "--policies", pol,
		"--eval-timeout", "200ms", "--output", out, "--summary", sum, in)...)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	// Interrupt once a record has been finished (its timeout in slow is
	// printed as it happens), so that there are results to write.
	for deadline := time.Now().Add(60 * time.Second); !strings.Contains(stderr.String(), "timeout: evaluation deadline exceeded"); time.Sleep(20 * time.Millisecond) {
		select {
		case <-exited:
			t.Fatalf("exited before it was interrupted; stderr:\n%s", stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no record finished within 60 s; stderr:\n%s", stderr.String())
		}
	}
	sent := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-exited
		t.Fatalf("still running 60 s after Ctrl-C; stderr:\n%s", stderr.String())
	}
	took := time.Since(sent)
	t.Logf("exited %v after Ctrl-C (target: under 1 s)", took)
	if code := childExit(t, waitErr); code != exitInterrupted {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitInterrupted, stderr.String())
	}
	if took > 5*time.Second {
		t.Errorf("exit took %v after Ctrl-C, want well under 5 s", took)
	}
	if entries, _ := os.ReadDir(outDir); len(entries) != 1 || entries[0].Name() != "out.jsonl" {
		t.Errorf("output directory holds %v, want out.jsonl alone (no temp file)", entries)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	rows := jsonlRows(t, string(b))
	s := decodeSummary(t, sum) // asserts records = evaluated + failed + skipped
	t.Logf("%d rows; summary %s", len(rows), s.counts())
	// Reading stopped too: not every record was read. Each record finished
	// timed out in slow (failed) and was reported by aws_createaccesskey:
	// one row each.
	if !s.Interrupted || s.Records == 0 || s.Records > 5000 || s.Skipped["interrupted"] == 0 || s.Rows == 0 ||
		int64(len(rows)) != s.Rows || s.Rows != s.Failed {
		t.Errorf("summary %s: want interrupted, some records skipped as interrupted, one row per finished record", s.counts())
	}
	if !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("stderr does not say interrupted:\n%s", stderr.String())
	}
}

// TestSignalSecondInterruptExitsAtOnce: a run that cannot stop after Ctrl-C
// (here it waits on a standard input that never ends) exits at once on a
// second Ctrl-C, with 130, and leaves neither the output nor its temp file.
func TestSignalSecondInterruptExitsAtOnce(t *testing.T) {
	exe := evaluateBinary(t)
	outDir := t.TempDir()
	cmd := exec.Command(exe, append(slices.Clone(faultArgs), "--output", filepath.Join(outDir, "out.jsonl"), "-")...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	if _, err := stdin.Write([]byte(lines(hit("stuck-0"), hit("stuck-1")))); err != nil {
		t.Fatal(err)
	}
	waitForFile(t, outDir, ".out.jsonl.", exited)
	// Let it take the two records and block reading the next: a Ctrl-C
	// between two reads stops it at once, which is right but tests nothing.
	time.Sleep(500 * time.Millisecond)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
		t.Fatalf("exited on the first Ctrl-C (%v) while its input was still open: the second proves nothing; stderr:\n%s", waitErr, stderr.String())
	case <-time.After(300 * time.Millisecond):
	}
	sent := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-exited
		t.Fatalf("a second Ctrl-C was swallowed: still running 30 s later; stderr:\n%s", stderr.String())
	}
	t.Logf("exited %v after the second Ctrl-C", time.Since(sent))
	if code := childExit(t, waitErr); code != exitInterrupted {
		t.Errorf("exit %d, want %d; stderr:\n%s", code, exitInterrupted, stderr.String())
	}
	if entries, _ := os.ReadDir(outDir); len(entries) != 0 {
		t.Errorf("output directory holds %v, want nothing (no temp file, no partial output)", entries)
	}
	if !strings.Contains(stderr.String(), "evaluate: interrupted again") {
		t.Errorf("stderr does not say why it stopped:\n%s", stderr.String())
	}
}

// TestSignalClosedStdout: results piped into a reader that has gone (| head)
// cannot be written: exit 4 with the error and the summary on stderr, never a
// silent death by SIGPIPE (exit 141), in a batch run and in --follow.
func TestSignalClosedStdout(t *testing.T) {
	exe := evaluateBinary(t)
	in := writeFiles(t, map[string][]byte{"a.json": []byte(wrap(hit("pipe-hit-0"), hit("pipe-hit-1")))})
	for _, c := range []struct {
		name    string
		args    []string
		wantErr string   // a line of stderr
		also    []string // substrings of stderr
	}{
		{"batch", append(slices.Clone(faultArgs), in), "evaluate: write results: write jsonl: write /dev/stdout: broken pipe",
			[]string{"records    2 read: 2 evaluated, 0 failed", "findings   2 shown in 2 rows"}},
		{"follow", []string{"--follow", in, "--settle", "10ms"}, "evaluate: write output: findings: ", []string{"broken pipe"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			r.Close() // the reader is gone before anything is written
			cmd := exec.Command(exe, c.args...)
			cmd.Stdout = w
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			w.Close()
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			var err2 error
			select {
			case err2 = <-done:
			case <-time.After(60 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Fatalf("still running 60 s later; stderr:\n%s", stderr.String())
			}
			if code := childExit(t, err2); code != exitOutput {
				t.Fatalf("exit %d, want %d (a negative code is the signal that killed it); stderr:\n%s", code, exitOutput, stderr.String())
			}
			if !strings.Contains(stderr.String(), c.wantErr) {
				t.Errorf("stderr lacks %q:\n%s", c.wantErr, stderr.String())
			}
			for _, s := range c.also {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr.String())
				}
			}
		})
	}
}
