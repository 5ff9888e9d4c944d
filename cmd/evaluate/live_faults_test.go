package main

// Faults of the live modes, end to end through run(): one test per row of
// the "Watch and follow" section of the fault catalogue (docs/faults.md). Each runs the command in
// the background on real temp dirs watched by real fsnotify, drives it by
// changing files, and asserts what a person sees on stdout and stderr.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rawControl returns the first line of s holding a control byte other than
// the newline that ends it and the tabs that indent it, or "".
func rawControl(s string) string {
	for l := range strings.Lines(s) {
		body := strings.TrimLeft(strings.TrimSuffix(l, "\n"), "\t ")
		for i := 0; i < len(body); i++ {
			if c := body[i]; c < 0x20 || c == 0x7f {
				return l
			}
		}
	}
	return ""
}

// startsLine reports whether some line of s starts with prefix.
func startsLine(s, prefix string) bool {
	for l := range strings.Lines(s) {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

func TestLiveFollowEscapesFileNames(t *testing.T) {
	in := t.TempDir()
	// ESC, a cursor move and a newline: unescaped, the log line would end
	// early and a second line would say the run is clean.
	name := "evil\x1b[1A\x1b[2K\rfollow: all clear\n.json"
	if err := os.WriteFile(filepath.Join(in, name), []byte(hit("esc-1")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, stop := background(t, "--follow", in, "--settle", "50ms", "--now", "2026-11-26T00:00:00Z")
	waitFor(t, stderr, `evil\x1b[1A\x1b[2K\rfollow: all clear\n.json: 1 records`)
	if code := stop(); code != exitOK {
		t.Errorf("exit %d, want 0", code)
	}
	if l := rawControl(stderr.String()); l != "" {
		t.Errorf("a raw control byte reached stderr: %q", l)
	}
	if startsLine(stderr.String(), "follow: all clear") || startsLine(stderr.String(), ".json") {
		t.Errorf("a file name forged a line:\n%s", stderr.String())
	}
}

// hostileRego is a policy file that does not parse, whose bad line holds a
// carriage return and escape sequences: OPA echoes the line in its error
// (after the carriage return).
const hostileRego = "package detections.hostile\n\nx := {\r\x1b[2Kevaluate: all clear\x1b[8m\n"

func TestLivePolicyErrorsAreEscaped(t *testing.T) {
	t.Run("at start", func(t *testing.T) {
		dir := copyPolicies(t)
		if err := os.WriteFile(filepath.Join(dir, "aws_createaccesskey", "hostile.rego"), []byte(hostileRego), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, mode := range [][]string{{"--watch", filepath.Join(fixtures, "edge")}, {"--follow", t.TempDir()}, {"(batch)", filepath.Join(fixtures, "edge")}} {
			if mode[0] == "(batch)" {
				mode = mode[1:]
			}
			r := evaluate(t, "", append([]string{"--policies", dir}, mode...)...)
			if r.code != exitUsage {
				t.Errorf("%s: exit %d, want 2", mode, r.code)
			}
			if !strings.Contains(r.stderr, `rego_parse_error`) || !strings.Contains(r.stderr, `\x1b[2Kevaluate: all clear\x1b[8m`) {
				t.Errorf("%s: the error does not show the escaped line:\n%s", mode, r.stderr)
			}
			if l := rawControl(r.stderr); l != "" {
				t.Errorf("%s: a raw control byte reached stderr: %q", mode, l)
			}
		}
	})
	t.Run("on reload", func(t *testing.T) {
		dir := copyPolicies(t)
		_, stderr, stop := background(t, "--watch", "--policies", dir, "--now", "2026-11-26T00:00:00Z",
			"--format", "jsonl", filepath.Join(fixtures, "stratus-red-team"))
		waitFor(t, stderr, "watching for policy and filter changes")
		replaceFile(t, filepath.Join(dir, "aws_createaccesskey", "hostile.rego"), hostileRego)
		waitFor(t, stderr, "reload failed; still using policy set")
		waitFor(t, stderr, `\x1b[2Kevaluate: all clear\x1b[8m`)
		stop()
		if l := rawControl(stderr.String()); l != "" {
			t.Errorf("a raw control byte reached stderr: %q", l)
		}
		if startsLine(stderr.String(), "evaluate: all clear") {
			t.Errorf("a policy line forged a line:\n%s", stderr.String())
		}
	})
}

// TestLiveFollowRootReplaced: --follow keeps seeing new files when its
// directory is given as a symlink, deleted and made again, swapped with mv,
// or replaced by a symlink; files already in a new directory are read too.
func TestLiveFollowRootReplaced(t *testing.T) {
	mkdir := func(t *testing.T, p string) {
		t.Helper()
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	mv := func(t *testing.T, from, to string) {
		t.Helper()
		if err := os.Rename(from, to); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		root    func(t *testing.T, base string) string            // makes --follow DIR
		replace func(t *testing.T, base, root string) (in string) // replaces it; returns where new files go
		waiting bool                                              // the new directory holds waiting.json
	}{
		{
			name: "given as a symlink",
			root: func(t *testing.T, base string) string {
				mkdir(t, filepath.Join(base, "real"))
				if err := os.Symlink(filepath.Join(base, "real"), filepath.Join(base, "trail")); err != nil {
					t.Fatal(err)
				}
				return filepath.Join(base, "trail")
			},
			replace: func(t *testing.T, base, root string) string { return root },
		},
		{
			name: "deleted and made again",
			root: func(t *testing.T, base string) string {
				mkdir(t, filepath.Join(base, "trail"))
				return filepath.Join(base, "trail")
			},
			replace: func(t *testing.T, base, root string) string {
				if err := os.RemoveAll(root); err != nil {
					t.Fatal(err)
				}
				mkdir(t, root)
				return root
			},
		},
		{
			name: "swapped with mv",
			root: func(t *testing.T, base string) string {
				mkdir(t, filepath.Join(base, "trail"))
				return filepath.Join(base, "trail")
			},
			replace: func(t *testing.T, base, root string) string {
				mkdir(t, filepath.Join(base, "next"))
				writeLog(t, filepath.Join(base, "next", "waiting.json"), "waiting-1")
				mv(t, root, filepath.Join(base, "old"))
				mv(t, filepath.Join(base, "next"), root)
				return root
			},
			waiting: true,
		},
		{
			name: "replaced by a symlink",
			root: func(t *testing.T, base string) string {
				mkdir(t, filepath.Join(base, "trail"))
				return filepath.Join(base, "trail")
			},
			replace: func(t *testing.T, base, root string) string {
				mkdir(t, filepath.Join(base, "other"))
				mv(t, root, filepath.Join(base, "old"))
				if err := os.Symlink(filepath.Join(base, "other"), root); err != nil {
					t.Fatal(err)
				}
				return root
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			root := tt.root(t, base)
			writeLog(t, filepath.Join(root, "first.json"), "first-1")
			stdout, stderr, stop := background(t, "--follow", root, "--settle", "50ms", "--now", "2026-11-26T00:00:00Z")
			waitFor(t, stderr, "first.json: 1 records")
			in := tt.replace(t, base, root)
			day := filepath.Join(in, "2024", "08", "01")
			mkdir(t, day)
			writeLog(t, filepath.Join(day, "late.json"), "late-1")
			waitFor(t, stderr, filepath.Join(root, "2024", "08", "01", "late.json")+": 1 records")
			if tt.waiting {
				waitFor(t, stderr, filepath.Join(root, "waiting.json")+": 1 records")
			}
			if code := stop(); code != exitOK {
				t.Errorf("exit %d, want 0", code)
			}
			for _, id := range []string{"first-1", "late-1"} {
				if !strings.Contains(stdout.String(), `"eventID":"`+id+`"`) {
					t.Errorf("no finding for %s:\n%s", id, stdout.String())
				}
			}
		})
	}
}

// writeLog writes a JSON-lines file of one record, reported by
// aws_createaccesskey with eventID id, by rename (as aws s3 sync does).
func writeLog(t *testing.T, path, id string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	replaceFile(t, path, hit(id)+"\n")
}
