package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Reload is the outcome of one attempt to reload a watched policy set.
type Reload struct {
	// Set is the new current set; nil when the reload failed and the
	// previous set stays current.
	Set *Set
	// Previous is the version that was current before this reload.
	Previous string
	// Err says why the reload failed (it names the file and line).
	Err error
	// Recovered is true for the first successful reload after a failure.
	Recovered bool
	// Took is the time from the end of the burst of changes to the swap.
	Took time.Duration
}

// Watcher holds the current policy set of a policy directory and its filter
// lists, and replaces it when they change. The swap is atomic: an
// evaluation that has a Set finishes with it; Current returns the new one
// from the moment it is complete. A set that fails to load never becomes
// current.
type Watcher struct {
	cfg      Config
	debounce time.Duration
	cur      atomic.Pointer[Set]
	fsw      *fsnotify.Watcher
	onReload func(Reload)
	done     chan struct{}
}

// DefaultDebounce is how long a burst of file changes must be quiet before
// the set is reloaded: editors write a temp file and rename it, and a git
// checkout touches many files; the reload must see all of a change.
const DefaultDebounce = 150 * time.Millisecond

// ErrNotWatchable is returned by Watch for the embedded default set, which
// cannot change while the program runs.
var ErrNotWatchable = errors.New("the embedded policy set cannot be watched: use --policies DIR")

// Watch loads the set described by cfg (cfg.PolicyDir is required) and
// watches its directory (recursively, new subdirectories included) and its
// filter paths. onReload, when set, is called after every reload attempt,
// from the watching goroutine. Watching stops when ctx is done; Wait waits
// for that.
func Watch(ctx context.Context, cfg Config, debounce time.Duration, onReload func(Reload)) (*Watcher, error) {
	if cfg.PolicyDir == "" {
		return nil, ErrNotWatchable
	}
	if debounce <= 0 {
		debounce = DefaultDebounce
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch policies: %w", err)
	}
	w := &Watcher{cfg: cfg, debounce: debounce, fsw: fsw, onReload: onReload, done: make(chan struct{})}
	// Watch before the first load, so that no change between the two is
	// missed.
	if err := w.addTree(cfg.PolicyDir); err != nil {
		fsw.Close()
		return nil, err
	}
	for _, p := range cfg.FilterPaths {
		dir := p
		if info, err := os.Stat(p); err == nil && !info.IsDir() {
			dir = filepath.Dir(p) // editors replace files by rename: watch the folder
		}
		if err := fsw.Add(dir); err != nil {
			fsw.Close()
			return nil, fmt.Errorf("watch filters %s: %w", dir, err)
		}
	}
	set, err := Load(ctx, cfg)
	if err != nil {
		fsw.Close()
		return nil, err
	}
	w.cur.Store(set)
	go w.loop(ctx)
	return w, nil
}

// Current returns the current set.
func (w *Watcher) Current() *Set { return w.cur.Load() }

// Wait blocks until the watcher has stopped (its context is done).
func (w *Watcher) Wait() { <-w.done }

func (w *Watcher) addTree(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("watch policies %s: %w", p, err)
		}
		if d.IsDir() {
			if err := w.fsw.Add(p); err != nil {
				return fmt.Errorf("watch policies %s: %w", p, err)
			}
		}
		return nil
	})
}

func (w *Watcher) loop(ctx context.Context) {
	defer close(w.done)
	defer w.fsw.Close()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	pending, failed := false, false
	var quietSince time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			w.event(ev)
			pending = true
			timer.Reset(w.debounce)
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			w.report(Reload{Previous: w.Current().Version(), Err: fmt.Errorf("watch policies: %w", err)})
		case <-timer.C:
			if !pending {
				continue
			}
			pending = false
			quietSince = time.Now()
			prev := w.Current()
			set, err := Load(ctx, w.cfg)
			// A change that went on while the set was being read is not
			// over: drop what was read and wait for quiet again, so that a
			// burst is never seen half done.
			select {
			case ev, ok := <-w.fsw.Events:
				if !ok {
					return
				}
				w.event(ev)
				pending = true
				timer.Reset(w.debounce)
				continue
			default:
			}
			r := Reload{Previous: prev.Version(), Took: time.Since(quietSince)}
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				r.Err = err
				failed = true
			} else {
				w.cur.Store(set)
				r.Set, r.Recovered = set, failed
				failed = false
			}
			w.report(r)
		}
	}
}

// event handles one file-system event: a new folder (a new detection) is
// watched, with what is already in it, before the reload.
func (w *Watcher) event(ev fsnotify.Event) {
	if ev.Has(fsnotify.Create) {
		if info, err := os.Stat(ev.Name); err == nil && info.IsDir() {
			_ = w.addTree(ev.Name)
		}
	}
}

func (w *Watcher) report(r Reload) {
	if w.onReload != nil {
		w.onReload(r)
	}
}
