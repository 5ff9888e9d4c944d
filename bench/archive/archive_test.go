package archive

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a/x.json.gz", "a/y.json", "a/notes.txt", "b/z.json.gz.tmp"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	paths, walkErr := Files([]string{dir, filepath.Join(dir, "missing")})
	var got []string
	for p := range paths {
		got = append(got, strings.TrimPrefix(p, dir+"/"))
	}
	if want := []string{"a/x.json.gz", "a/y.json"}; !slices.Equal(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
	if err := walkErr(); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("walk error = %v, want the missing root", err)
	}
}
