package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/trailhunt/trailhunt/engine"
	"github.com/trailhunt/trailhunt/internal/treewatch"
	"github.com/trailhunt/trailhunt/loader"
	"github.com/trailhunt/trailhunt/report"
)

// FollowConfig configures Follow.
type FollowConfig struct {
	Dir       string        // the directory that receives CloudTrail files
	StateFile string        // where done files are recorded; "" for none
	Settle    time.Duration // a file is complete once unchanged for this long
	Loader    loader.Config
	Out       io.Writer     // findings, one JSON line each
	Format    report.Format // FormatJSONL (or ""), or FormatOCSF
	Log       io.Writer     // one line per file done, reloads, errors
	MaxErrors int           // error lines printed per file; all are counted in its line
	Quiet     bool          // no error lines (the per-file lines still count them)
	// Since and Until bound event time as in a batch run (sweep.Config):
	// records outside are skipped and counted in the file's line.
	Since, Until time.Time

	poll time.Duration // how often the root is checked without an event; 0: treewatch.DefaultPoll
}

// DefaultSettle is how long a file must stay unchanged before it is read.
const DefaultSettle = 2 * time.Second

// partial reports whether name looks like a file still being written by a
// downloader or an editor: hidden files and the usual temporary suffixes.
func partial(name string) bool {
	base := filepath.Base(name)
	if strings.HasPrefix(base, ".") || strings.HasSuffix(base, "~") {
		return true
	}
	for _, s := range []string{".tmp", ".part", ".partial", ".crdownload", ".swp", ".download"} {
		if strings.HasSuffix(base, s) {
			return true
		}
	}
	return false
}

// Follow evaluates every complete file under cfg.Dir once, with the
// current set at the time the file is read (reloads, when not nil, reports
// policy reloads), and writes its unsuppressed findings as JSON lines; then
// it keeps watching for new files until ctx is done. Files recorded in the
// state file with the same size and modification time are not read again;
// a file of JSON lines that grew is read from where it was read to; any
// other change is read again whole, its findings written before marked as
// repeats. A state file that cannot be written is an error before anything
// is read.
func Follow(ctx context.Context, cfg FollowConfig, current func() *engine.Set, reloads <-chan engine.Reload) (err error) {
	if cfg.Settle <= 0 {
		cfg.Settle = DefaultSettle
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	tree, err := treewatch.New(ctx, cfg.Dir, treewatch.Options{Poll: cfg.poll})
	if err != nil {
		return fmt.Errorf("follow %s: %w", cfg.Dir, err)
	}
	defer func() { stop(); tree.Wait() }()
	// The state after the directory: its entries of files no longer there
	// are dropped, which a directory missing at start must not cause.
	st, err := openState(cfg.StateFile, cfg.Dir, cfg.Out)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := st.close(); cerr != nil && err == nil {
			err = cerr
			if !errors.Is(err, ErrOutput) {
				err = fmt.Errorf("%w: %w", ErrOutput, cerr)
			}
		}
	}()
	fl := &follower{cfg: cfg, st: st, errs: newErrorLog(cfg.Log, cfg.MaxErrors, cfg.Quiet)}

	// seen: candidate files and when they last changed.
	seen := map[string]time.Time{}
	candidate := func(p string, changed time.Time) {
		if !partial(p) && !sameFile(p, cfg.StateFile) {
			seen[p] = changed
		}
	}
	// listTree makes every regular file under the root a candidate.
	listTree := func(changed time.Time) error {
		return treewatch.Walk(cfg.Dir, func(p string, d fs.DirEntry) error {
			if d.Type().IsRegular() {
				candidate(p, changed)
			}
			return nil
		})
	}
	// Files already there are complete unless they change.
	if err := listTree(time.Time{}); err != nil {
		return fmt.Errorf("follow %s: %w", cfg.Dir, err)
	}
	fmt.Fprintf(cfg.Log, "follow: watching %s with policy set %s (%d files already done)\n", report.Printable(cfg.Dir), current().Version(), len(st.files))

	tick := time.NewTicker(max(cfg.Settle/4, 10*time.Millisecond))
	defer tick.Stop()
	for {
		// Process every settled candidate, oldest name first.
		now := time.Now()
		var ready []string
		for p, changed := range seen {
			if now.Sub(changed) >= cfg.Settle {
				ready = append(ready, p)
			}
		}
		slices.Sort(ready)
		for _, p := range ready {
			if ctx.Err() != nil {
				return nil
			}
			delete(seen, p)
			if err := fl.file(ctx, current(), p); err != nil {
				return err
			}
		}
		if err := st.commitIfDue(); err != nil {
			return err
		}

		select {
		case <-ctx.Done():
			return nil
		case r := <-reloads:
			if r.Err != nil {
				fmt.Fprintf(cfg.Log, "follow: reload failed; still using policy set %s:\n%s\n", r.Previous, indent(r.Err.Error()))
			} else {
				fmt.Fprintf(cfg.Log, "follow: policy set %s -> %s\n", r.Previous, r.Set.Version())
			}
		case ev := <-tree.Events():
			switch ev.Kind {
			case treewatch.Gone:
				clear(seen)
				fmt.Fprintf(cfg.Log, "follow: %s is gone; waiting for it to come back\n", report.Printable(cfg.Dir))
			case treewatch.Reset:
				// A new root (made again, swapped with mv, a symlink
				// pointed elsewhere), or events were lost: what is in it
				// is read once settled, unless the state has it done.
				fmt.Fprintf(cfg.Log, "follow: %s was replaced, made again or lost events; listing it again\n", report.Printable(cfg.Dir))
				clear(seen)
				if err := listTree(time.Now()); err != nil {
					fl.watchError(err)
				}
			case treewatch.Changed:
				if ev.Op.Has(fsnotify.Remove) || ev.Op.Has(fsnotify.Rename) {
					delete(seen, ev.Name)
					continue
				}
				if info, err := os.Lstat(ev.Name); err == nil && info.Mode().IsRegular() {
					candidate(ev.Name, time.Now())
				}
			}
		case err := <-tree.Errors():
			fl.watchError(err)
		case <-tick.C:
		}
	}
}

// watchError reports an error of the directory watch (a folder that cannot
// be watched or listed).
func (fl *follower) watchError(err error) {
	fl.errs.add(fmt.Errorf("follow %s: %w", fl.cfg.Dir, err))
	fl.errs.flush("")
}

// sameFile reports whether a and b are the same file, whatever their names
// (the state file may live inside the followed directory, reached through
// a symlink; it is never read as CloudTrail).
func sameFile(a, b string) bool {
	if b == "" {
		return false
	}
	if aa, err1 := filepath.Abs(a); err1 == nil {
		if bb, err2 := filepath.Abs(b); err2 == nil && aa == bb {
			return true
		}
	}
	ia, err1 := os.Stat(a)
	ib, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(ia, ib)
}
