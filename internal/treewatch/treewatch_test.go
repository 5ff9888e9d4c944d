package treewatch

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
)

// start watches root with the poll off (an hour) unless poll is given.
func start(t *testing.T, root string, poll time.Duration) *Watcher {
	t.Helper()
	if poll == 0 {
		poll = time.Hour
	}
	ctx, cancel := context.WithCancel(context.Background())
	w, err := New(ctx, root, Options{Poll: poll})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); w.Wait() })
	return w
}

// next returns the next event that is not a Changed event of a directory
// (those come with every file made in a new folder).
func next(t *testing.T, w *Watcher) Event {
	t.Helper()
	for {
		select {
		case ev := <-w.Events():
			if ev.Kind == Changed {
				if info, err := os.Lstat(ev.Name); err == nil && info.IsDir() {
					continue
				}
			}
			return ev
		case err := <-w.Errors():
			t.Fatalf("watch error: %v", err)
		case <-time.After(10 * time.Second):
			t.Fatal("no event within 10s")
		}
	}
}

// until collects events until one of kind k (for Changed: naming name).
func until(t *testing.T, w *Watcher, k Kind, name string) []Event {
	t.Helper()
	var seen []Event
	for {
		ev := next(t, w)
		seen = append(seen, ev)
		if ev.Kind == k && (k != Changed || ev.Name == name) {
			return seen
		}
	}
}

func write(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestEventsAreNamedUnderTheRootAsGiven(t *testing.T) {
	base := t.TempDir()
	must(t, os.Mkdir(filepath.Join(base, "real"), 0o755))
	must(t, os.Symlink(filepath.Join(base, "real"), filepath.Join(base, "link")))
	w := start(t, filepath.Join(base, "link"), 0)
	write(t, filepath.Join(base, "beside.txt")) // an entry of the parent: not reported
	write(t, filepath.Join(base, "real", "a.json"))
	if ev := next(t, w); ev.Kind != Changed || ev.Name != filepath.Join(base, "link", "a.json") || !ev.Op.Has(fsnotify.Create) {
		t.Errorf("event %+v, want Create of link/a.json", ev)
	}
}

func TestANewFolderReportsWhatIsAlreadyInIt(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "root")
	must(t, os.Mkdir(root, 0o755))
	w := start(t, root, 0)
	// A tree made outside, then moved in whole: its files exist before
	// any watch on its folders.
	for _, f := range []string{"x/1.json", "x/y/2.json", "x/y/z/3.json"} {
		write(t, filepath.Join(base, "staging", f))
	}
	must(t, os.Rename(filepath.Join(base, "staging", "x"), filepath.Join(root, "x")))
	var names []string
	for len(names) < 3 {
		ev := next(t, w)
		if ev.Kind == Changed && ev.Op.Has(fsnotify.Create) {
			rel, _ := filepath.Rel(root, ev.Name)
			names = append(names, rel)
		}
	}
	slices.Sort(names)
	if want := []string{"x/1.json", "x/y/2.json", "x/y/z/3.json"}; !slices.Equal(names, want) {
		t.Errorf("files reported %q, want %q", names, want)
	}
	// And the new folders are watched.
	write(t, filepath.Join(root, "x", "y", "z", "4.json"))
	until(t, w, Changed, filepath.Join(root, "x", "y", "z", "4.json"))
}

func TestTheRootReplaced(t *testing.T) {
	tests := []struct {
		name    string
		replace func(t *testing.T, base, root string)
	}{
		{"removed and made again", func(t *testing.T, base, root string) {
			must(t, os.RemoveAll(root))
			must(t, os.Mkdir(root, 0o755))
		}},
		{"moved away and made again", func(t *testing.T, base, root string) {
			must(t, os.Rename(root, filepath.Join(base, "old")))
			must(t, os.Mkdir(root, 0o755))
		}},
		{"swapped with mv", func(t *testing.T, base, root string) {
			must(t, os.Mkdir(filepath.Join(base, "new"), 0o755))
			must(t, os.Rename(root, filepath.Join(base, "old")))
			must(t, os.Rename(filepath.Join(base, "new"), root))
		}},
		{"replaced by a symlink", func(t *testing.T, base, root string) {
			must(t, os.Mkdir(filepath.Join(base, "other"), 0o755))
			must(t, os.Rename(root, filepath.Join(base, "old")))
			must(t, os.Symlink(filepath.Join(base, "other"), root))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			root := filepath.Join(base, "root")
			must(t, os.MkdirAll(filepath.Join(root, "sub"), 0o755))
			w := start(t, root, 0)
			tt.replace(t, base, root)
			// A Gone may come first, if the root was checked while it
			// was missing.
			until(t, w, Reset, "")
			// The new root is watched, new folders in it too, and the old
			// tree no longer is.
			if _, err := os.Stat(filepath.Join(base, "old", "sub")); err == nil {
				write(t, filepath.Join(base, "old", "sub", "stale.json"))
			}
			write(t, filepath.Join(root, "d", "new.json"))
			for _, ev := range until(t, w, Changed, filepath.Join(root, "d", "new.json")) {
				if ev.Name == filepath.Join(root, "sub", "stale.json") {
					t.Errorf("a change of the moved-away tree was reported: %+v", ev)
				}
			}
		})
	}
}

func TestTheRootGoneThenPolled(t *testing.T) {
	// The parent goes too: only the poll can see the root return.
	base := t.TempDir()
	root := filepath.Join(base, "p", "root")
	must(t, os.MkdirAll(root, 0o755))
	w := start(t, root, 50*time.Millisecond)
	must(t, os.RemoveAll(filepath.Join(base, "p")))
	until(t, w, Gone, "")
	must(t, os.MkdirAll(root, 0o755))
	until(t, w, Reset, "")
	write(t, filepath.Join(root, "a.json"))
	until(t, w, Changed, filepath.Join(root, "a.json"))
}

func TestWalk(t *testing.T) {
	base := t.TempDir()
	write(t, filepath.Join(base, "real", "a.json"))
	write(t, filepath.Join(base, "real", "d", "b.json"))
	write(t, filepath.Join(base, "elsewhere", "c.json"))
	must(t, os.Symlink(filepath.Join(base, "elsewhere"), filepath.Join(base, "real", "inner")))
	must(t, os.Symlink(filepath.Join(base, "real"), filepath.Join(base, "link")))
	var got []string
	err := Walk(filepath.Join(base, "link"), func(p string, d fs.DirEntry) error {
		rel, _ := filepath.Rel(base, p)
		got = append(got, rel)
		return nil
	})
	must(t, err)
	// The root symlink is followed; the one inside is listed, not entered.
	if want := []string{"link", "link/a.json", "link/d", "link/d/b.json", "link/inner"}; !slices.Equal(got, want) {
		t.Errorf("Walk = %q, want %q", got, want)
	}
}

func TestOverflowIsAReset(t *testing.T) {
	// The kernel's queue overflowing is an error on fsnotify's channel; the
	// test sends one there, as fsnotify does.
	root := t.TempDir()
	w := start(t, root, 0)
	w.fsw.Errors <- fsnotify.ErrEventOverflow
	until(t, w, Reset, "")
	write(t, filepath.Join(root, "a.json"))
	until(t, w, Changed, filepath.Join(root, "a.json"))
}
