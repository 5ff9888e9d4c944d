package sweep

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestSpillDir: runs created from several goroutines are files of their
// own in one trailhunt-spill-* directory under Parent, read back as
// written; Remove removes one; Close removes the directory with what is
// left; a Parent that does not exist is an error naming it.
func TestSpillDir(t *testing.T) {
	parent := t.TempDir()
	d := &SpillDir{Parent: parent}
	const n = 20
	names := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			w, name, err := d.Create()
			if err != nil {
				t.Error(err)
				return
			}
			fmt.Fprintf(w, "run %d", i)
			if err := w.Close(); err != nil {
				t.Error(err)
			}
			names[i] = name
		})
	}
	wg.Wait()
	dirs, _ := filepath.Glob(filepath.Join(parent, "trailhunt-spill-*"))
	if len(dirs) != 1 {
		t.Fatalf("directories %v, want one", dirs)
	}
	seen := map[string]bool{}
	for i, name := range names {
		if seen[name] || filepath.Dir(name) != dirs[0] {
			t.Fatalf("run %d: %q (a name twice, or outside %s)", i, name, dirs[0])
		}
		seen[name] = true
		r, err := d.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		if string(b) != fmt.Sprintf("run %d", i) {
			t.Fatalf("run %d reads %q", i, b)
		}
	}
	if err := d.Remove(names[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(names[0]); !os.IsNotExist(err) {
		t.Fatalf("removed run: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(parent); len(left) != 0 {
		t.Fatalf("Close left %d entries", len(left))
	}
	if err := d.Close(); err != nil {
		t.Fatalf("a second Close: %v", err)
	}

	gone := filepath.Join(parent, "gone")
	if _, _, err := (&SpillDir{Parent: gone}).Create(); err == nil || !strings.Contains(err.Error(), gone) {
		t.Fatalf("Create under a missing parent: %v", err)
	}
}
