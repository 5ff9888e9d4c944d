package live

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// stateDir is a followed directory holding the named (empty) files, and a
// state path beside it.
func stateDir(t *testing.T, names ...string) (dir, path string) {
	t.Helper()
	base := t.TempDir()
	dir = filepath.Join(base, "trail")
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, filepath.Join(base, "state.json")
}

func mustOpenState(t *testing.T, path, dir string) *state {
	t.Helper()
	st, err := openState(path, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func lineCount(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("\n"))
}

func TestStateRoundTrip(t *testing.T) {
	dir, path := stateDir(t, "a/b.json.gz", "c.json")
	st := mustOpenState(t, path, dir)
	mod := time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC)
	if err := st.done("a/b.json.gz", fileState{Size: 10, ModTime: mod, PolicyVersion: "v", Findings: 1, Emitted: []string{"k1"}}); err != nil {
		t.Fatal(err)
	}
	if err := st.done("c.json", fileState{Size: 5, Offset: 5, Lines: 1, Check: "x", Errors: map[string]int64{"json_syntax": 1}, Failed: 1}); err != nil {
		t.Fatal(err)
	}
	if err := st.done("c.json", fileState{Size: 7, Offset: 7, Lines: 2, Check: "y"}); err != nil { // a later entry replaces
		t.Fatal(err)
	}
	if err := st.close(); err != nil {
		t.Fatal(err)
	}
	again := mustOpenState(t, path, dir)
	defer again.close()
	if f := again.files["a/b.json.gz"]; f.Size != 10 || !f.ModTime.Equal(mod) || f.Findings != 1 || len(f.Emitted) != 1 {
		t.Errorf("reloaded a/b.json.gz: %+v", f)
	}
	if f := again.files["c.json"]; f.Size != 7 || f.Offset != 7 || f.Lines != 2 || f.Check != "y" || f.Errors != nil {
		t.Errorf("reloaded c.json: %+v, want the later entry", f)
	}
}

func TestStateFiles(t *testing.T) {
	tests := []struct {
		name    string
		content string
		files   []string // under the followed dir
		want    []string // keys loaded
		err     string   // else this error
		rewrite bool     // the file is rewritten as a clean journal
	}{
		{
			name:    "version 1 is read and rewritten as a journal",
			content: `{"version": 1, "files": {"a.json": {"size": 3, "findings": 1, "failed": 0}}}`,
			files:   []string{"a.json"}, want: []string{"a.json"}, rewrite: true,
		},
		{
			name:    "a last line cut by a crash is dropped",
			content: "{\"version\":2}\n{\"file\":\"a.json\",\"size\":3}\n{\"file\":\"b.json\",\"si",
			files:   []string{"a.json", "b.json"}, want: []string{"a.json"}, rewrite: true,
		},
		{
			name:    "entries of files no longer there are dropped",
			content: "{\"version\":2}\n{\"file\":\"a.json\",\"size\":3}\n{\"file\":\"gone.json\",\"size\":3}\n",
			files:   []string{"a.json"}, want: []string{"a.json"}, rewrite: true,
		},
		{
			name:    "a damaged line before the last is an error",
			content: "{\"version\":2}\n{\"file\":\"a.json\",\"si\n{\"file\":\"b.json\",\"size\":3}\n",
			files:   []string{"a.json", "b.json"}, err: "line 2: not a state entry",
		},
		{
			name:    "a newer version is an error",
			content: "{\"version\":3}\n",
			err:     "version 3, want 2",
		},
		{
			name:    "not a state file",
			content: "{",
			err:     "read state ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, path := stateDir(t, tt.files...)
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			st, err := openState(path, dir, nil)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer st.close()
			var got []string
			for k := range st.files {
				got = append(got, k)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("loaded %q, want %q", got, tt.want)
			}
			b, _ := os.ReadFile(path)
			if clean := strings.HasPrefix(string(b), "{\"version\":2}\n") && lineCount(t, path) == 1+len(tt.want); tt.rewrite && !clean {
				t.Errorf("not rewritten:\n%s", b)
			}
		})
	}
}

func TestStateUnwritableIsFoundAtOpen(t *testing.T) {
	base := t.TempDir()
	if err := os.WriteFile(filepath.Join(base, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{
		"in a directory that does not exist": filepath.Join(base, "missing", "state.json"),
		"under a regular file":               filepath.Join(base, "file", "state.json"),
		"a directory":                        base,
		"a device":                           "/dev/full",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := openState(path, base, nil); err == nil {
				t.Errorf("openState(%s) succeeded", path)
			}
		})
	}
}

// TestStateStaysSmall: one file done again and again (a log that grows)
// costs one line each, and the journal is rewritten before it holds more
// than twice its entries plus minCompact.
func TestStateStaysSmall(t *testing.T) {
	dir, path := stateDir(t, "a.json", "b.json")
	st := mustOpenState(t, path, dir)
	st.every = 0 // commit after every entry
	for i := range 1000 {
		if err := st.done("a.json", fileState{Size: int64(i)}); err != nil {
			t.Fatal(err)
		}
		if n := lineCount(t, path); n > 1+2*len(st.files)+minCompact+1 {
			t.Fatalf("after %d entries the journal has %d lines", i+1, n)
		}
	}
	if err := st.close(); err != nil {
		t.Fatal(err)
	}
	if again := mustOpenState(t, path, dir); again.files["a.json"].Size != 999 {
		t.Errorf("after compactions: %+v", again.files)
	}
}

// TestStateWaitsForFindingsInAFile: when findings go to a regular file,
// entries reach the journal only at a commit, after that file was synced.
func TestStateWaitsForFindingsInAFile(t *testing.T) {
	dir, path := stateDir(t, "a.json")
	out, err := os.Create(filepath.Join(t.TempDir(), "findings.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	st, err := openState(path, dir, out)
	if err != nil {
		t.Fatal(err)
	}
	st.every = time.Hour
	if err := st.done("a.json", fileState{Size: 3}); err != nil {
		t.Fatal(err)
	}
	if n := lineCount(t, path); n != 1 {
		t.Errorf("before the commit the journal has %d lines, want the header only", n)
	}
	if err := st.commit(); err != nil {
		t.Fatal(err)
	}
	if n := lineCount(t, path); n != 2 {
		t.Errorf("after the commit the journal has %d lines, want 2", n)
	}
	st.close()
}

// TestStateKeepsEntriesWhenTheDirectoryIsMissing: a followed directory
// missing at start (unmounted) must not empty the state.
func TestStateKeepsEntriesWhenTheDirectoryIsMissing(t *testing.T) {
	dir, path := stateDir(t, "a.json")
	st := mustOpenState(t, path, dir)
	if err := st.done("a.json", fileState{Size: 3}); err != nil {
		t.Fatal(err)
	}
	st.close()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	again := mustOpenState(t, path, dir)
	defer again.close()
	if _, ok := again.files["a.json"]; !ok {
		t.Error("the entries were dropped while the directory was missing")
	}
}
