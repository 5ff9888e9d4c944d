package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// reloads collects a Watcher's reports on a channel.
type reloads chan Reload

func (r reloads) next(t *testing.T) Reload {
	t.Helper()
	select {
	case x := <-r:
		return x
	case <-time.After(10 * time.Second):
		t.Fatal("no reload within 10s")
		return Reload{}
	}
}

func watchTree(t *testing.T, files map[string]string, debounce time.Duration) (*Watcher, string, reloads) {
	t.Helper()
	dir := writeTree(t, files)
	ch := make(reloads, 1000)
	ctx, cancel := context.WithCancel(context.Background())
	w, err := Watch(ctx, Config{PolicyDir: dir, Now: fixedNow}, debounce, func(r Reload) { ch <- r })
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); w.Wait() })
	return w, dir, ch
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// replace writes path through a temp file and a rename.
func replace(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".new"
	writeFile(t, tmp, content)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func hello(t *testing.T, set *Set) []string {
	t.Helper()
	fs, err := set.Evaluate(context.Background(), record(`{"eventName":"Hello"}`))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range fs {
		out = append(out, f.Detection+":"+strings.Join(f.SuppressedBy, "+"))
	}
	return out
}

func TestWatchEmbeddedSetIsRefused(t *testing.T) {
	if _, err := Watch(context.Background(), Config{}, 0, nil); !errors.Is(err, ErrNotWatchable) {
		t.Errorf("err = %v, want ErrNotWatchable", err)
	}
}

func TestWatchReloadsOnEdits(t *testing.T) {
	w, dir, ch := watchTree(t, map[string]string{
		"hello/hello.rego":   detectionModule("hello", helloFinding, ""),
		"hello/filters.yaml": "detection: hello\nfilters: []\n",
	}, 0)
	v0 := w.Current().Version()
	if got := hello(t, w.Current()); strings.Join(got, ",") != "hello:" {
		t.Fatalf("before: %v", got)
	}

	t.Run("a filter edit changes the results", func(t *testing.T) {
		writeFile(t, filepath.Join(dir, "hello/filters.yaml"), "detection: hello\nfilters:\n  - {id: quiet, reason: r, owner: o, match: {name: Hello}}\n")
		r := ch.next(t)
		if r.Err != nil || r.Set == nil || r.Previous != v0 || r.Set.Version() == v0 {
			t.Fatalf("reload = %+v", r)
		}
		if got := hello(t, w.Current()); strings.Join(got, ",") != "hello:quiet" {
			t.Errorf("after: %v", got)
		}
	})

	t.Run("a broken edit keeps the last good set and names the file and line", func(t *testing.T) {
		good := w.Current().Version()
		writeFile(t, filepath.Join(dir, "hello/hello.rego"), detectionModule("hello", helloFinding, "broken := {"))
		r := ch.next(t)
		if r.Err == nil || r.Set != nil || !strings.Contains(r.Err.Error(), "hello/hello.rego:") {
			t.Fatalf("reload = %+v", r)
		}
		if w.Current().Version() != good {
			t.Errorf("current version %s, want the last good %s", w.Current().Version(), good)
		}
		writeFile(t, filepath.Join(dir, "hello/hello.rego"), detectionModule("hello", helloFinding, ""))
		r = ch.next(t)
		if r.Err != nil || !r.Recovered {
			t.Errorf("fix: reload = %+v, want recovered", r)
		}
	})

	t.Run("a rename-write (editor save) is seen", func(t *testing.T) {
		tmp := filepath.Join(dir, "hello", ".filters.yaml.swp")
		writeFile(t, tmp, "detection: hello\nfilters: []\n")
		if err := os.Rename(tmp, filepath.Join(dir, "hello/filters.yaml")); err != nil {
			t.Fatal(err)
		}
		r := ch.next(t)
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		if got := hello(t, w.Current()); strings.Join(got, ",") != "hello:" {
			t.Errorf("after rename: %v", got)
		}
	})

	t.Run("a new detection folder is picked up, and deleting it removes the detection", func(t *testing.T) {
		writeFile(t, filepath.Join(dir, "other/other.rego"), detectionModule("other", helloFinding, ""))
		for r := ch.next(t); ; r = ch.next(t) {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			if len(r.Set.Detections()) == 2 {
				break
			}
		}
		if got := hello(t, w.Current()); strings.Join(got, ",") != "hello:,other:" {
			t.Errorf("with other: %v", got)
		}
		if err := os.RemoveAll(filepath.Join(dir, "other")); err != nil {
			t.Fatal(err)
		}
		for r := ch.next(t); ; r = ch.next(t) {
			if r.Err == nil && len(r.Set.Detections()) == 1 {
				break
			}
		}
		if got := hello(t, w.Current()); strings.Join(got, ",") != "hello:" {
			t.Errorf("after delete: %v", got)
		}
	})
}

// markerModule is detection id whose finding carries the version marker m.
func markerModule(id string, m int) string {
	return detectionModule(id, fmt.Sprintf(`finding := {"name": "v%d", "n": null} if input.eventName == "Hello"`, m), "")
}

// TestWatchMultiFileChangeIsOneVersion: two files written together land as
// one reload; no set ever mixes them.
func TestWatchMultiFileChangeIsOneVersion(t *testing.T) {
	w, dir, ch := watchTree(t, map[string]string{
		"a/a.rego": markerModule("a", 0),
		"b/b.rego": markerModule("b", 0),
	}, 0)
	writeFile(t, filepath.Join(dir, "a/a.rego"), markerModule("a", 1))
	writeFile(t, filepath.Join(dir, "b/b.rego"), markerModule("b", 1))
	r := ch.next(t)
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	select {
	case extra := <-ch:
		t.Errorf("a second reload for one change: %+v", extra)
	case <-time.After(3 * DefaultDebounce):
	}
	fs, err := w.Current().Evaluate(context.Background(), record(`{"eventName":"Hello"}`))
	if err != nil || len(fs) != 2 || *fs[0].Values[0] != "v1" || *fs[1].Values[0] != "v1" {
		t.Errorf("findings %v, %v; want both at v1", fs, err)
	}
}

// sharedMarker is a detection whose finding carries the marker of the
// shared package lib, so that one file changes every detection at once.
func sharedMarker(id string) string {
	return detectionModule(id, `finding := {"name": data.lib.marker, "n": null} if input.eventName == "Hello"`, "")
}

func libModule(m int) string { return fmt.Sprintf("package lib\n\nmarker := \"v%d\"\n", m) }

// TestWatchReloadStorm: hundreds of reloads while records are evaluated
// continuously by several goroutines (run under -race). No record is lost or
// evaluated twice, no evaluation sees a mixed set (detection a from one
// version and b from another: both read the marker of one shared file), and
// versions only move forward for each evaluator.
func TestWatchReloadStorm(t *testing.T) {
	const reloadsWanted = 200
	w, dir, ch := watchTree(t, map[string]string{
		"a/a.rego":     sharedMarker("a"),
		"b/b.rego":     sharedMarker("b"),
		"lib/lib.rego": libModule(0),
	}, 2*time.Millisecond)

	stop := make(chan struct{})
	indexes := make(chan int)
	go func() {
		defer close(indexes)
		for i := 0; ; i++ {
			select {
			case indexes <- i:
			case <-stop:
				return
			}
		}
	}()
	var mu sync.Mutex
	seen := map[int]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			last := -1
			for i := range indexes {
				fs, err := w.Current().Evaluate(context.Background(), record(`{"eventName":"Hello"}`))
				if err != nil || len(fs) != 2 {
					t.Errorf("record %d: %v, %v", i, fs, err)
					return
				}
				var m0, m1 int
				fmt.Sscanf(*fs[0].Values[0], "v%d", &m0)
				fmt.Sscanf(*fs[1].Values[0], "v%d", &m1)
				if m0 != m1 {
					t.Errorf("record %d saw a mixed set: a at v%d, b at v%d", i, m0, m1)
				}
				if m0 < last {
					t.Errorf("record %d went back from v%d to v%d", i, last, m0)
				}
				last = m0
				mu.Lock()
				seen[i]++
				mu.Unlock()
				time.Sleep(100 * time.Microsecond) // leave the reloads some CPU
			}
		})
	}

	for m := 1; m <= reloadsWanted; m++ {
		replace(t, filepath.Join(dir, "lib/lib.rego"), libModule(m))
		// Wait for the set that carries this marker.
		for {
			r := ch.next(t)
			if r.Err != nil {
				t.Fatalf("reload %d: %v", m, r.Err)
			}
			fs, _ := r.Set.Evaluate(context.Background(), record(`{"eventName":"Hello"}`))
			if len(fs) == 2 && *fs[0].Values[0] == fmt.Sprintf("v%d", m) {
				break
			}
		}
	}
	close(stop)
	wg.Wait()
	for i := 0; i < len(seen); i++ {
		if seen[i] != 1 {
			t.Fatalf("record %d evaluated %d times", i, seen[i])
		}
	}
	if len(seen) < reloadsWanted {
		t.Errorf("only %d records evaluated during %d reloads", len(seen), reloadsWanted)
	}
}
