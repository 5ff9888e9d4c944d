package engine

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// marker is the version marker of detection "a" in set, "" when it has no
// finding for the Hello record.
func marker(t *testing.T, set *Set) string {
	t.Helper()
	fs, err := set.Evaluate(context.Background(), record(`{"eventName":"Hello"}`))
	if err != nil || len(fs) != 1 {
		return ""
	}
	return *fs[0].Values[0]
}

// untilMarker waits for a reload that makes m the current marker, and
// returns the reloads seen on the way.
func untilMarker(t *testing.T, w *Watcher, ch reloads, m string) []Reload {
	t.Helper()
	var seen []Reload
	for marker(t, w.Current()) != m {
		seen = append(seen, ch.next(t))
	}
	return seen
}

// policyTree writes detection "a" with marker m under dir.
func policyTree(t *testing.T, dir string, m int) {
	t.Helper()
	writeFile(t, filepath.Join(dir, "a", "a.rego"), markerModule("a", m))
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// retarget points link at target atomically, as ln -sfn does.
func retarget(t *testing.T, target, link string) {
	t.Helper()
	tmp := link + ".new"
	symlink(t, target, tmp)
	if err := os.Rename(tmp, link); err != nil {
		t.Fatal(err)
	}
}

func mustRun(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestWatchFollowsTheRoot: --policies keeps being watched when the
// directory is given as a symlink, removed and made again, moved away and
// replaced by a copy, replaced by a symlink, or its symlink pointed
// elsewhere. In each case the last step is an edit of the new tree, which
// must be reloaded. The root's poll is off (an hour): the events of its
// parent must do.
func TestWatchFollowsTheRoot(t *testing.T) {
	tests := []struct {
		name   string
		root   func(t *testing.T, base string) string // makes the tree at v1, returns --policies
		change func(t *testing.T, base, root string)  // replaces the root (the tree at v2)
		edit   string                                 // the directory edited at the end (v3)
	}{
		{
			name: "given as a symlink",
			root: func(t *testing.T, base string) string {
				policyTree(t, filepath.Join(base, "real"), 1)
				symlink(t, filepath.Join(base, "real"), filepath.Join(base, "policies"))
				return filepath.Join(base, "policies")
			},
			change: func(t *testing.T, base, root string) { policyTree(t, filepath.Join(base, "real"), 2) },
			edit:   "real",
		},
		{
			name: "removed and made again",
			root: func(t *testing.T, base string) string {
				policyTree(t, filepath.Join(base, "policies"), 1)
				return filepath.Join(base, "policies")
			},
			change: func(t *testing.T, base, root string) {
				mustRun(t, os.RemoveAll(root))
				time.Sleep(3 * DefaultDebounce) // the reload in between fails
				policyTree(t, root, 2)
			},
			edit: "policies",
		},
		{
			name: "moved away and replaced by a copy",
			root: func(t *testing.T, base string) string {
				policyTree(t, filepath.Join(base, "policies"), 1)
				return filepath.Join(base, "policies")
			},
			change: func(t *testing.T, base, root string) {
				mustRun(t, os.Rename(root, filepath.Join(base, "old")))
				mustRun(t, os.CopyFS(root, os.DirFS(filepath.Join(base, "old"))))
				policyTree(t, root, 2)
				// An edit of the moved-away tree is not an edit of the policies.
				policyTree(t, filepath.Join(base, "old"), 9)
			},
			edit: "policies",
		},
		{
			name: "replaced by a symlink",
			root: func(t *testing.T, base string) string {
				policyTree(t, filepath.Join(base, "policies"), 1)
				return filepath.Join(base, "policies")
			},
			change: func(t *testing.T, base, root string) {
				policyTree(t, filepath.Join(base, "other"), 2)
				mustRun(t, os.Rename(root, filepath.Join(base, "old")))
				symlink(t, filepath.Join(base, "other"), root)
			},
			edit: "other",
		},
		{
			name: "its symlink pointed elsewhere",
			root: func(t *testing.T, base string) string {
				policyTree(t, filepath.Join(base, "r1"), 1)
				policyTree(t, filepath.Join(base, "r2"), 2)
				symlink(t, filepath.Join(base, "r1"), filepath.Join(base, "policies"))
				return filepath.Join(base, "policies")
			},
			change: func(t *testing.T, base, root string) { retarget(t, filepath.Join(base, "r2"), root) },
			edit:   "r2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			root := tt.root(t, base)
			ch := make(reloads, 1000)
			ctx, cancel := context.WithCancel(context.Background())
			w, err := watch(ctx, Config{PolicyDir: root, Now: fixedNow}, 0, time.Hour, func(r Reload) { ch <- r })
			if err != nil {
				cancel()
				t.Fatal(err)
			}
			t.Cleanup(func() { cancel(); w.Wait() })
			if m := marker(t, w.Current()); m != "v1" {
				t.Fatalf("at start: marker %q, want v1", m)
			}
			tt.change(t, base, root)
			untilMarker(t, w, ch, "v2")
			policyTree(t, filepath.Join(base, tt.edit), 3)
			untilMarker(t, w, ch, "v3")
			// Nothing more comes, and what came last is the edit: no
			// stale watch on an old tree reloads it.
			select {
			case r := <-ch:
				if r.Err != nil || marker(t, r.Set) != "v3" {
					t.Errorf("after the edit: reload %+v, marker %q", r, marker(t, w.Current()))
				}
			case <-time.After(3 * DefaultDebounce):
			}
		})
	}
}

// TestWatchRootGoneAndBack: while --policies is gone, the reload fails and
// says why; the last good set stays; its return is a recovery.
func TestWatchRootGoneAndBack(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "policies")
	policyTree(t, root, 1)
	ch := make(reloads, 1000)
	ctx, cancel := context.WithCancel(context.Background())
	w, err := watch(ctx, Config{PolicyDir: root, Now: fixedNow}, 0, time.Hour, func(r Reload) { ch <- r })
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); w.Wait() })
	mustRun(t, os.RemoveAll(root))
	r := ch.next(t)
	if r.Err == nil || r.Set != nil {
		t.Fatalf("with the directory gone: reload %+v, want an error", r)
	}
	if m := marker(t, w.Current()); m != "v1" {
		t.Errorf("with the directory gone: marker %q, want the last good v1", m)
	}
	policyTree(t, root, 2)
	var recovered bool
	for _, r := range untilMarker(t, w, ch, "v2") {
		recovered = recovered || r.Recovered
	}
	if !recovered {
		t.Error("the directory's return was not reported as a recovery")
	}
}

// TestWatchRootPoll: a symlink higher up the path (a deploy's "current")
// changes no entry of the root's parents; the poll sees it.
func TestWatchRootPoll(t *testing.T) {
	base := t.TempDir()
	for i, rel := range []string{"r1", "r2"} {
		policyTree(t, filepath.Join(base, rel, "policies"), i+1)
	}
	symlink(t, filepath.Join(base, "r1"), filepath.Join(base, "current"))
	ch := make(reloads, 1000)
	ctx, cancel := context.WithCancel(context.Background())
	w, err := watch(ctx, Config{PolicyDir: filepath.Join(base, "current", "policies"), Now: fixedNow}, 0, 50*time.Millisecond, func(r Reload) { ch <- r })
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); w.Wait() })
	retarget(t, filepath.Join(base, "r2"), filepath.Join(base, "current"))
	untilMarker(t, w, ch, "v2")
	writeFile(t, filepath.Join(base, "r2", "policies", "a", "a.rego"), markerModule("a", 3))
	untilMarker(t, w, ch, "v3")
}
