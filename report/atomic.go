package report

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// AtomicFile is an output file that appears complete or not at all. Create
// it with CreateAtomic, write to it, then Commit, or Abort on failure; a
// deferred Abort after Commit is a no-op. It is not safe for concurrent use.
type AtomicFile struct {
	path   string   // the destination, symlinks resolved
	tmp    string   // temp file beside path; "" when writing directly
	f      *os.File // open until Commit or Abort
	err    error    // first write error, reported again by Commit
	closed bool
}

// CreateAtomic returns a writer for path: data goes to a temp file in the
// same directory, and Commit fsyncs, closes and renames it over path; Abort
// (or a failed Commit) removes the temp file, leaving any previous file
// untouched. If path exists and is not a regular file (e.g. /dev/full,
// /dev/stdout, a FIFO) it writes to it directly and Commit reports any
// write/close error. Never a silent partial file.
//
// Details: a path under /dev/ or /proc/ is always written directly (so that
// /dev/stdout redirected to a file appends to the shell's file instead of
// replacing it); a symlink to a regular file is followed, and the file it
// points to is replaced; a directory is an error. The temp file is named
// ".<name>.<random>.tmp", created with mode 0666 minus the umask, or with the
// mode of the file it replaces.
func CreateAtomic(path string) (*AtomicFile, error) {
	info, err := os.Stat(path)
	switch {
	case err == nil && info.IsDir():
		return nil, fmt.Errorf("report: output %s: is a directory", path)
	case err == nil && (!info.Mode().IsRegular() || isSpecialPath(path)):
		flag := os.O_WRONLY
		if info.Mode().IsRegular() {
			// /dev/stdout or /proc/self/fd/1 onto a file: reopening starts at
			// offset 0, so append to honour both ">" and ">>".
			flag |= os.O_APPEND
		}
		f, err := os.OpenFile(path, flag, 0)
		if err != nil {
			return nil, fmt.Errorf("report: output: %w", err)
		}
		return &AtomicFile{path: path, f: f}, nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("report: output: %w", err)
	}

	dest, mode := path, fs.FileMode(0o666)
	if err == nil { // an existing regular file, maybe through symlinks
		if dest, err = filepath.EvalSymlinks(path); err != nil {
			return nil, fmt.Errorf("report: output: %w", err)
		}
		mode = info.Mode().Perm()
	}
	dir, base := filepath.Split(dest)
	if dir == "" {
		dir = "."
	}
	for range 10 {
		var rnd [8]byte
		_, _ = rand.Read(rnd[:]) // never fails (crypto/rand)
		tmp := filepath.Join(dir, "."+base+"."+hex.EncodeToString(rnd[:])+".tmp")
		f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("report: output %s: creating temp file: %w", path, err)
		}
		if info != nil {
			// Keep the replaced file's mode; OpenFile applied the umask.
			if err := f.Chmod(mode); err != nil {
				f.Close()
				os.Remove(tmp)
				return nil, fmt.Errorf("report: output %s: %w", path, err)
			}
		}
		pending.add(tmp)
		return &AtomicFile{path: dest, tmp: tmp, f: f}, nil
	}
	return nil, fmt.Errorf("report: output %s: could not pick a free temp file name", path)
}

// pending are the temp files of AtomicFiles neither committed nor aborted,
// for RemoveTempFiles.
var pending = tempFiles{m: map[string]struct{}{}}

type tempFiles struct {
	mu sync.Mutex
	m  map[string]struct{}
}

func (t *tempFiles) add(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.m[name] = struct{}{}
}

func (t *tempFiles) remove(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.m, name)
}

// RemoveTempFiles removes the temp file of every AtomicFile neither
// committed nor aborted yet, leaving their destinations as they were. It is
// for a process about to exit at once (a second Ctrl-C), and is safe to
// call while other goroutines write: their later writes and commits fail.
func RemoveTempFiles() {
	pending.mu.Lock()
	defer pending.mu.Unlock()
	for name := range pending.m {
		os.Remove(name)
		delete(pending.m, name)
	}
}

// isSpecialPath reports paths that name a process's file descriptors or
// devices, which must be written in place even when they resolve to a
// regular file.
func isSpecialPath(path string) bool {
	abs, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	return strings.HasPrefix(abs, "/dev/") || strings.HasPrefix(abs, "/proc/")
}

// Write writes p. After a failed write every later Write and Commit fail
// with the same error.
func (f *AtomicFile) Write(p []byte) (int, error) {
	if f.closed {
		return 0, fmt.Errorf("report: output %s: %w", f.path, os.ErrClosed)
	}
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.f.Write(p)
	if err != nil {
		f.err = err
		return n, f.err
	}
	return n, nil
}

// Commit makes the written data the content of path. In atomic mode it
// syncs and closes the temp file, renames it over path and syncs the
// directory; on any failure, including an earlier failed Write, it removes
// the temp file and path keeps its previous content. When writing directly
// it closes the file and reports any write or close error. Commit after
// Commit or Abort is an error.
func (f *AtomicFile) Commit() error {
	if f.closed {
		return fmt.Errorf("report: output %s: %w", f.path, os.ErrClosed)
	}
	f.closed = true
	if f.tmp == "" {
		cerr := f.f.Close()
		if f.err != nil {
			return f.err
		}
		if cerr != nil {
			return fmt.Errorf("report: closing output: %w", cerr)
		}
		return nil
	}

	err := f.err
	if err == nil {
		if serr := f.f.Sync(); serr != nil {
			err = fmt.Errorf("report: output %s: sync: %w", f.path, serr)
		}
	}
	if cerr := f.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("report: output %s: close: %w", f.path, cerr)
	}
	if err == nil {
		if rerr := os.Rename(f.tmp, f.path); rerr != nil {
			err = fmt.Errorf("report: output %s: %w", f.path, rerr)
		}
	}
	defer pending.remove(f.tmp)
	if err != nil {
		os.Remove(f.tmp)
		return err
	}
	syncDir(filepath.Dir(f.path))
	return nil
}

// syncDir makes a rename durable, where the platform allows it; a failure
// here cannot be acted on (the new file is already in place), so it is
// ignored.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}

// Abort discards the output: it closes and removes the temp file, leaving
// path as it was. When writing directly, what was written stays written; Abort
// only closes the file. Abort after Commit or Abort does nothing and returns
// nil, so it can be deferred.
func (f *AtomicFile) Abort() error {
	if f.closed {
		return nil
	}
	f.closed = true
	cerr := f.f.Close()
	if f.tmp == "" {
		if cerr != nil {
			return fmt.Errorf("report: closing output: %w", cerr)
		}
		return nil
	}
	defer pending.remove(f.tmp)
	if err := os.Remove(f.tmp); err != nil {
		return fmt.Errorf("report: output %s: removing temp file: %w", f.path, err)
	}
	return nil
}
