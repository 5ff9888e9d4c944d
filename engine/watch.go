package engine

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/trailhunt/trailhunt/internal/treewatch"
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
// current. The directory is watched through internal/treewatch: given as a
// symlink, removed and made again, moved away and replaced (by a copy or a
// symlink), it is watched again and reloaded.
type Watcher struct {
	cfg      Config
	debounce time.Duration
	cur      atomic.Pointer[Set]
	events   chan treewatch.Event // from every watched tree
	errs     chan error
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
// watches its directory (recursively, new subdirectories included, and its
// replacement) and its filter paths. onReload, when set, is called after
// every reload attempt, from the watching goroutine. Watching stops when
// ctx is done; Wait waits for that.
func Watch(ctx context.Context, cfg Config, debounce time.Duration, onReload func(Reload)) (*Watcher, error) {
	return watch(ctx, cfg, debounce, 0, onReload)
}

// watch is Watch with the root's poll interval (0: the default), which
// tests shorten.
func watch(ctx context.Context, cfg Config, debounce, poll time.Duration, onReload func(Reload)) (*Watcher, error) {
	if cfg.PolicyDir == "" {
		return nil, ErrNotWatchable
	}
	if debounce <= 0 {
		debounce = DefaultDebounce
	}
	// Watch before the first load, so that no change between the two is
	// missed.
	tctx, stop := context.WithCancel(ctx)
	// The policy tree (with the filter paths) and every --add-policies tree.
	roots := append([]string{cfg.PolicyDir}, cfg.AddPolicyDirs...)
	var trees []*treewatch.Watcher
	waitAll := func() {
		for _, t := range trees {
			t.Wait()
		}
	}
	for i, root := range roots {
		opts := treewatch.Options{Poll: poll}
		if i == 0 {
			opts.Extra = cfg.FilterPaths
		}
		tree, err := treewatch.New(tctx, root, opts)
		if err != nil {
			stop()
			waitAll()
			return nil, fmt.Errorf("watch policies: %w", err)
		}
		trees = append(trees, tree)
	}
	set, err := Load(ctx, cfg)
	if err != nil {
		stop()
		waitAll()
		return nil, err
	}
	w := &Watcher{cfg: cfg, debounce: debounce, events: make(chan treewatch.Event), errs: make(chan error),
		onReload: onReload, done: make(chan struct{})}
	w.cur.Store(set)
	for _, t := range trees {
		go func() { // fan in: the loop sees one stream of changes
			for {
				select {
				case e := <-t.Events():
					select {
					case w.events <- e:
					case <-tctx.Done():
						return
					}
				case err := <-t.Errors():
					select {
					case w.errs <- err:
					case <-tctx.Done():
						return
					}
				case <-tctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(w.done)
		defer waitAll()
		defer stop()
		w.loop(ctx)
	}()
	return w, nil
}

// Current returns the current set.
func (w *Watcher) Current() *Set { return w.cur.Load() }

// Wait blocks until the watcher has stopped (its context is done).
func (w *Watcher) Wait() { <-w.done }

func (w *Watcher) loop(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	pending, failed := false, false
	var quietSince time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.events:
			// Any change, the root replaced, or gone (the reload then
			// fails and says why; its return reloads again).
			pending = true
			timer.Reset(w.debounce)
		case err := <-w.errs:
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
			case <-w.events:
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

func (w *Watcher) report(r Reload) {
	if w.onReload != nil {
		w.onReload(r)
	}
}
