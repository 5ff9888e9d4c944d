// Package treewatch watches a directory tree with fsnotify, and keeps
// watching it when its root is replaced: removed and made again, moved away
// and replaced by a copy or by a symlink, or given as a symlink that is
// pointed elsewhere. A plain recursive fsnotify watch goes deaf in each of
// these cases (its watches stay on the old directories, or die with them);
// --watch and --follow run for days over trees that deployments and sync
// tools replace.
//
// Invariants:
//   - every directory of the tree is watched before its entries are listed,
//     so an entry made after New returned is always reported, as an event
//     or by a listing (possibly both);
//   - names are reported under the root as given (root/sub/file), also
//     when the root is a symlink, which is followed; symlinks inside the
//     tree are not;
//   - the root's parent directories are watched for its name, and its
//     identity (the device and inode it resolves to) is checked on every
//     such event and every Options.Poll: when it changed, or the root's own
//     watch died, the whole tree is watched again from scratch (a new
//     fsnotify watcher, so no stale watch is left on an old directory) and
//     a Reset event is sent; when the root is gone, a Gone event is sent
//     once and its return is watched for;
//   - a kernel event queue overflow (events lost) is a Reset too: nothing
//     lost is then silently missed.
package treewatch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Kind says what an Event reports.
type Kind int

const (
	// Changed: an entry of the tree (or of an Extra directory) changed; Op
	// says how, Name which.
	Changed Kind = iota
	// Reset: the root was replaced, came back, or events were lost. Every
	// entry under it may be new; the tree is watched again.
	Reset
	// Gone: the root no longer exists. Its return is a Reset.
	Gone
)

// Event is one change seen by a Watcher.
type Event struct {
	Kind Kind
	Name string      // for Changed: the entry, under the root as given
	Op   fsnotify.Op // for Changed
}

// Options configures New.
type Options struct {
	// Extra are more directories to watch, not recursively and without
	// root tracking (the folders of --filters files). A file is watched
	// through its folder: editors replace files by rename.
	Extra []string
	// Poll is how often the root's identity is checked besides the events
	// of its parents (a symlink higher up the path can change without any);
	// 0 means DefaultPoll.
	Poll time.Duration
}

// DefaultPoll is how often the root is checked without an event.
const DefaultPoll = time.Second

// Watcher watches one tree. Its events come on Events, its errors on
// Errors, until the context given to New is done.
type Watcher struct {
	root    string // cleaned
	extra   []string
	events  chan Event
	errors  chan error
	done    chan struct{}
	fsw     *fsnotify.Watcher
	id      identity // of the root when last watched
	real    string   // the root with symlinks resolved, when last watched
	dead    bool     // the root's own watch was removed or moved
	gone    bool     // the root did not exist at the last check
	pollFor time.Duration
}

// identity is what a root directory is, whatever its name.
type identity struct{ dev, ino uint64 }

func identify(path string) (identity, string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return identity{}, "", err
	}
	if !info.IsDir() {
		return identity{}, "", fmt.Errorf("%s: not a directory", path)
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return identity{}, "", err
	}
	var id identity
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		id = identity{uint64(st.Dev), uint64(st.Ino)}
	}
	return id, real, nil
}

// New watches the tree at root (a directory, or a symlink to one) and the
// Extra directories, until ctx is done. The tree is watched when New
// returns.
func New(ctx context.Context, root string, opt Options) (*Watcher, error) {
	w := &Watcher{
		root:    filepath.Clean(root),
		events:  make(chan Event),
		errors:  make(chan error),
		done:    make(chan struct{}),
		pollFor: opt.Poll,
	}
	if w.pollFor <= 0 {
		w.pollFor = DefaultPoll
	}
	for _, p := range opt.Extra {
		if info, err := os.Stat(p); err == nil && !info.IsDir() {
			p = filepath.Dir(p)
		}
		w.extra = append(w.extra, filepath.Clean(p))
	}
	fsw, id, real, err := w.watchAll()
	if err != nil {
		return nil, err
	}
	if real == "" {
		fsw.Close()
		_, _, err := identify(w.root)
		return nil, fmt.Errorf("watch %s: %w", root, err)
	}
	w.fsw, w.id, w.real = fsw, id, real
	go w.loop(ctx)
	return w, nil
}

// Events returns the channel of changes.
func (w *Watcher) Events() <-chan Event { return w.events }

// Errors returns the channel of watch errors (a directory that cannot be
// watched, the inotify watch limit).
func (w *Watcher) Errors() <-chan error { return w.errors }

// Wait blocks until the Watcher has stopped (its context is done).
func (w *Watcher) Wait() { <-w.done }

// watchAll makes a new fsnotify watcher on the root's parent, the extra
// directories and, when the root exists, its target's parent and the whole
// tree. The parent is watched before the root is looked at, so a root that
// comes or goes after that is an event; real is "" when there is no root.
func (w *Watcher) watchAll() (_ *fsnotify.Watcher, _ identity, real string, _ error) {
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, identity{}, "", fmt.Errorf("watch %s: %w", w.root, err)
	}
	parent := filepath.Dir(w.root)
	if parent != w.root {
		_ = fsw.Add(parent) // gone too: the poll still sees the root return
	}
	for _, p := range w.extra {
		if err := fsw.Add(p); err != nil {
			fsw.Close()
			return nil, identity{}, "", fmt.Errorf("watch %s: %w", p, err)
		}
	}
	id, real, err := identify(w.root)
	if err != nil {
		return fsw, identity{}, "", nil
	}
	if p := filepath.Dir(real); p != real && p != parent {
		_ = fsw.Add(p) // the parent of a symlink's target
	}
	if err := w.addTree(fsw, w.root, nil); err != nil {
		fsw.Close()
		return nil, identity{}, "", err
	}
	return fsw, id, real, nil
}

// addTree watches dir and every directory under it, each before listing
// it, and calls found (when not nil) for every entry below dir.
func (w *Watcher) addTree(fsw *fsnotify.Watcher, dir string, found func(string)) error {
	return Walk(dir, func(p string, d fs.DirEntry) error {
		if d.IsDir() {
			if err := fsw.Add(p); err != nil {
				return fmt.Errorf("watch %s: %w", p, err)
			}
		}
		if found != nil && p != dir {
			found(p)
		}
		return nil
	})
}

// Walk calls fn for dir and every entry under it, in lexical order, with
// names under dir as given; a symlink at dir is followed, symlinks under it
// are not. An entry that vanishes while it is listed is left out.
func Walk(dir string, fn func(path string, d fs.DirEntry) error) error {
	dir = filepath.Clean(dir)
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fmt.Errorf("walk %s: %w", dir, err)
	}
	return filepath.WalkDir(real, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p != real && errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return fmt.Errorf("walk %s: %w", p, err)
		}
		if p != real {
			rel, _ := filepath.Rel(real, p)
			p = filepath.Join(dir, rel)
		} else {
			p = dir
		}
		return fn(p, d)
	})
}

func (w *Watcher) loop(ctx context.Context) {
	defer close(w.done)
	defer func() { w.fsw.Close() }()
	tick := time.NewTicker(w.pollFor)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			if !w.event(ctx, ev) {
				return
			}
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				w.dead = true // events were lost: watch and list everything again
				if !w.check(ctx) {
					return
				}
				continue
			}
			if !w.sendErr(ctx, fmt.Errorf("watch %s: %w", w.root, err)) {
				return
			}
		case <-tick.C:
			if !w.check(ctx) {
				return
			}
		}
	}
}

// event handles one fsnotify event; it reports false when ctx is done.
func (w *Watcher) event(ctx context.Context, ev fsnotify.Event) bool {
	name := filepath.Clean(ev.Name)
	if name == w.root || (w.real != "" && name == w.real) {
		// The root itself, seen from its parent or by its own watch.
		if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
			w.dead = true
		}
		return w.check(ctx)
	}
	if !w.inTree(name) && !w.inExtra(name) {
		return true // another entry of a parent directory
	}
	if !w.send(ctx, Event{Kind: Changed, Name: name, Op: ev.Op}) {
		return false
	}
	if !ev.Has(fsnotify.Create) || !w.inTree(name) {
		return true
	}
	if info, err := os.Lstat(name); err != nil || !info.IsDir() {
		return true
	}
	// A new directory: watch it and what is already in it (mkdir -p a/b/c
	// and mv of a whole folder make entries before the watch exists).
	var found []string
	err := w.addTree(w.fsw, name, func(p string) { found = append(found, p) })
	if err != nil && !w.sendErr(ctx, err) {
		return false
	}
	for _, p := range found {
		if !w.send(ctx, Event{Kind: Changed, Name: p, Op: fsnotify.Create}) {
			return false
		}
	}
	return true
}

func (w *Watcher) inTree(name string) bool {
	return strings.HasPrefix(name, w.root+string(filepath.Separator)) || w.root == "." && !filepath.IsAbs(name) && !strings.HasPrefix(name, "..")
}

func (w *Watcher) inExtra(name string) bool {
	dir := filepath.Dir(name)
	for _, e := range w.extra {
		if dir == e {
			return true
		}
	}
	return false
}

// check compares the root with what is watched and, when it changed,
// watches it again and says so. It reports false when ctx is done.
func (w *Watcher) check(ctx context.Context) bool {
	id, real, err := identify(w.root)
	switch {
	case err != nil && w.gone:
		return true // still gone
	case err == nil && !w.gone && !w.dead && id == w.id && real == w.real:
		return true // the same root
	}
	// Watch again from scratch: the watches of an old tree would report a
	// moved-away tree under the root's name.
	fsw, id, real, err := w.watchAll()
	if err != nil {
		return w.sendErr(ctx, err)
	}
	w.swap(fsw, id, real)
	w.dead = false
	if real == "" {
		if w.gone {
			return true
		}
		w.gone = true
		return w.send(ctx, Event{Kind: Gone})
	}
	w.gone = false
	return w.send(ctx, Event{Kind: Reset})
}

func (w *Watcher) swap(fsw *fsnotify.Watcher, id identity, real string) {
	old := w.fsw
	w.fsw, w.id, w.real = fsw, id, real
	old.Close()
}

func (w *Watcher) send(ctx context.Context, ev Event) bool {
	select {
	case w.events <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

func (w *Watcher) sendErr(ctx context.Context, err error) bool {
	select {
	case w.errors <- err:
		return true
	case <-ctx.Done():
		return false
	}
}
