package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestFaultsOutputIsAnInput: --output or --summary naming one of the inputs
// (by any path: relative, through a symlink or a hard link) would replace
// the CloudTrail file with the results; one inside an input directory would
// write results among the logs being read. Both are refused before anything
// is read: exit 2, one line naming the flag and the file, the input intact.
func TestFaultsOutputIsAnInput(t *testing.T) {
	content := []byte(wrap(hit("clobber-hit")))
	for _, c := range []struct {
		name string
		// setup returns the flag's value and the inputs, given a directory
		// holding logs/a.json.
		setup   func(t *testing.T, dir string) (target string, inputs []string)
		flag    string
		wantErr string // $DIR is dir
	}{
		{
			name: "--output is an input file",
			flag: "--output",
			setup: func(_ *testing.T, dir string) (string, []string) {
				return dir + "/logs/a.json", []string{dir + "/logs/a.json"}
			},
			wantErr: "evaluate: --output $DIR/logs/a.json is the input $DIR/logs/a.json: refusing to replace it with the results",
		},
		{
			name: "--output is an input file by another path",
			flag: "--output",
			setup: func(_ *testing.T, dir string) (string, []string) {
				return dir + "/logs/../logs/./a.json", []string{dir + "/logs/a.json"}
			},
			wantErr: "evaluate: --output $DIR/logs/../logs/./a.json is the input $DIR/logs/a.json: refusing to replace it with the results",
		},
		{
			name: "--output is a symlink to an input file",
			flag: "--output",
			setup: func(t *testing.T, dir string) (string, []string) {
				symlink(t, dir+"/logs/a.json", dir+"/link.json")
				return dir + "/link.json", []string{dir + "/logs/a.json"}
			},
			wantErr: "evaluate: --output $DIR/link.json is the input $DIR/logs/a.json: refusing to replace it with the results",
		},
		{
			name: "--output is a hard link to an input file",
			flag: "--output",
			setup: func(t *testing.T, dir string) (string, []string) {
				if err := os.Link(dir+"/logs/a.json", dir+"/hard.json"); err != nil {
					t.Fatal(err)
				}
				return dir + "/hard.json", []string{dir + "/logs/a.json"}
			},
			wantErr: "evaluate: --output $DIR/hard.json is the input $DIR/logs/a.json: refusing to replace it with the results",
		},
		{
			name: "--output inside an input directory",
			flag: "--output",
			setup: func(_ *testing.T, dir string) (string, []string) {
				return dir + "/logs/sub/new.json", []string{dir + "/logs"}
			},
			wantErr: "evaluate: --output $DIR/logs/sub/new.json is inside the input directory $DIR/logs: refusing to write the results among the inputs",
		},
		{
			name: "--output inside an input directory reached through a symlink",
			flag: "--output",
			setup: func(t *testing.T, dir string) (string, []string) {
				symlink(t, dir+"/logs", dir+"/via")
				return dir + "/via/new.json", []string{dir + "/logs"}
			},
			wantErr: "evaluate: --output $DIR/via/new.json is inside the input directory $DIR/logs: refusing to write the results among the inputs",
		},
		{
			name: "--summary is an input file",
			flag: "--summary",
			setup: func(_ *testing.T, dir string) (string, []string) {
				return dir + "/logs/a.json", []string{dir + "/logs/a.json"}
			},
			wantErr: "evaluate: --summary $DIR/logs/a.json is the input $DIR/logs/a.json: refusing to replace it with the summary",
		},
		{
			name: "--summary inside an input directory",
			flag: "--summary",
			setup: func(_ *testing.T, dir string) (string, []string) {
				return dir + "/logs/summary.json", []string{"-", dir}
			},
			wantErr: "evaluate: --summary $DIR/logs/summary.json is inside the input directory $DIR: refusing to write the summary among the inputs",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := writeFiles(t, map[string][]byte{"logs/a.json": content})
			target, inputs := c.setup(t, dir)
			r := evaluateFaults(t, dir, runOpts{}, append([]string{c.flag, target}, inputs...)...)
			if r.code != exitUsage || !slices.Equal(r.errs, []string{c.wantErr}) || r.stdout != "" {
				t.Errorf("exit %d, errors %q, stdout %q; want exit 2 and %q", r.code, r.errs, r.stdout, c.wantErr)
			}
			if got, err := os.ReadFile(filepath.Join(dir, "logs", "a.json")); err != nil || string(got) != string(content) {
				t.Errorf("the input was changed: %q, %v", got, err)
			}
			if entries, _ := os.ReadDir(filepath.Join(dir, "logs")); len(entries) != 1 {
				t.Errorf("the input directory holds %d entries, want only a.json", len(entries))
			}
		})
	}
	t.Run("--output beside the inputs is fine", func(t *testing.T) {
		dir := writeFiles(t, map[string][]byte{"logs/a.json": content})
		r := evaluateFaults(t, dir, runOpts{}, "--output", dir+"/out.jsonl", dir+"/logs")
		if r.code != exitOK {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		out, err := os.ReadFile(dir + "/out.jsonl")
		if rows := jsonlRows(t, string(out)); err != nil || !slices.Equal(rows, []string{"clobber-hit×1"}) {
			t.Errorf("rows %q, %v", rows, err)
		}
	})
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}
