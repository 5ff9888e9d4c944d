package live

import (
	"context"
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
	"github.com/trailhunt/trailhunt/loader"
	"github.com/trailhunt/trailhunt/report"
	"github.com/trailhunt/trailhunt/sweep"
	"github.com/trailhunt/trailhunt/trail"
)

// FollowConfig configures Follow.
type FollowConfig struct {
	Dir       string        // the directory that receives CloudTrail files
	StateFile string        // where done files are recorded; "" for none
	Settle    time.Duration // a file is complete once unchanged for this long
	Loader    loader.Config
	Out       io.Writer   // findings, one JSON line each
	Log       io.Writer   // one line per file done, reloads
	OnError   func(error) // read and evaluation errors
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
// policy reloads), and writes its
// unsuppressed findings as JSON lines; then it keeps watching for new files
// until ctx is done. Files recorded in the state file with the same size and
// modification time are not read again.
func Follow(ctx context.Context, cfg FollowConfig, current func() *engine.Set, reloads <-chan engine.Reload) error {
	if cfg.Settle <= 0 {
		cfg.Settle = DefaultSettle
	}
	st, err := loadState(cfg.StateFile)
	if err != nil {
		return err
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("follow %s: %w", cfg.Dir, err)
	}
	defer fsw.Close()

	// seen: candidate files and when they last changed.
	seen := map[string]time.Time{}
	addTree := func(root string) error {
		return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return fmt.Errorf("follow %s: %w", p, err)
			}
			if d.IsDir() {
				return fsw.Add(p)
			}
			if d.Type().IsRegular() && !partial(p) && !sameFile(p, cfg.StateFile) {
				seen[p] = time.Time{} // already there: complete unless it changes
			}
			return nil
		})
	}
	if err := addTree(cfg.Dir); err != nil {
		return err
	}
	fmt.Fprintf(cfg.Log, "follow: watching %s with policy set %s (%d files already done)\n", report.Printable(cfg.Dir), current().Version(), len(st.Files))

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
			if err := followFile(ctx, cfg, current(), st, p); err != nil {
				return err
			}
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
		case ev, ok := <-fsw.Events:
			if !ok {
				return nil
			}
			if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
				delete(seen, ev.Name)
				continue
			}
			info, err := os.Lstat(ev.Name)
			if err != nil {
				continue
			}
			switch {
			case info.IsDir():
				if err := addTree(ev.Name); err != nil && cfg.OnError != nil {
					cfg.OnError(err)
				}
			case info.Mode().IsRegular() && !partial(ev.Name) && !sameFile(ev.Name, cfg.StateFile):
				seen[ev.Name] = time.Now()
			}
		case err, ok := <-fsw.Errors:
			if !ok {
				return nil
			}
			if cfg.OnError != nil {
				cfg.OnError(fmt.Errorf("follow %s: %w", cfg.Dir, err))
			}
		case <-tick.C:
		}
	}
}

// followFile evaluates one complete file, unless the state says it is done.
func followFile(ctx context.Context, cfg FollowConfig, set *engine.Set, st *state, path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return nil // gone before it settled
	}
	key := stateKey(cfg.Dir, path)
	if f, ok := st.Files[key]; ok && f.Size == info.Size() && f.ModTime.Equal(info.ModTime()) {
		return nil
	}
	rc := report.Config{Detections: detectionMap(set), PolicyVersion: set.Version()}
	var werr error
	res := sweep.Run(ctx, sweep.Config{
		Paths:   []string{path},
		Workers: 1,
		OnError: cfg.OnError,
		OnFinding: func(f trail.Finding) {
			if !f.Suppressed() && werr == nil {
				werr = report.WriteFinding(cfg.Out, rc, f)
			}
		},
	}, loader.New(cfg.Loader), set)
	if werr != nil {
		return fmt.Errorf("%w: findings: %w", ErrOutput, werr)
	}
	if res.Interrupted {
		return nil // not done: read again after a restart
	}
	fmt.Fprintf(cfg.Log, "follow: %s: %d records, %d findings, policy set %s\n", report.Printable(path), res.Evaluated+res.Failed, res.Findings, set.Version())
	st.Files[key] = fileState{Size: info.Size(), ModTime: info.ModTime(), Done: time.Now().UTC(), PolicyVersion: set.Version(), Findings: res.Findings, Failed: res.Failed}
	return st.save(cfg.StateFile)
}

// sameFile reports whether a and b name the same path (the state file may
// live inside the followed directory; it is never read as CloudTrail).
func sameFile(a, b string) bool {
	if b == "" {
		return false
	}
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}
