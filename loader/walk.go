package loader

import (
	"errors"
	"io/fs"
	"iter"
	"os"
	"path/filepath"

	"github.com/trailhunt/trailhunt/trail"
)

// Inputs walks the given paths: files, directories (recursively, in lexical
// order, so the walk is deterministic) and "-" for stdin. It yields one Input
// per regular file, in order. A path that does not exist, or a directory
// that cannot be read, is yielded as an *Error (Index -1, reason "open" or
// "read") and the walk goes on.
//
// Inside directories, symlinks are not followed (skipped as "symlink") and
// device files, sockets and FIFOs are skipped ("not_regular"); a path named
// explicitly is followed if it is a symlink and yielded, with Size -1, if
// it is not a regular file (e.g. a FIFO from process substitution). Files
// under a CloudTrail-Digest/ directory are skipped as "digest", under
// CloudTrail-Insight/ as "insight", whether walked or named. Skips and
// errors are counted in Stats.
func (r *Reader) Inputs(paths []string) iter.Seq2[Input, error] {
	return func(yield func(Input, error) bool) {
		for _, p := range paths {
			if !r.input(p, yield) {
				return
			}
		}
	}
}

// input handles one path named by the user.
func (r *Reader) input(path string, yield func(Input, error) bool) bool {
	if path == "-" {
		return yield(Input{Path: "-", Size: -1}, nil)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return r.walkFail(path, "open", err, yield)
	}
	if fi.IsDir() {
		return r.walk(path, yield)
	}
	if reason := pathSkip(path); reason != "" {
		r.stats.skip(reason)
		return true
	}
	size := fi.Size()
	if !fi.Mode().IsRegular() {
		size = -1
	}
	return yield(Input{Path: path, Size: size}, nil)
}

// walk yields the files under dir, depth first, in lexical order.
func (r *Reader) walk(dir string, yield func(Input, error) bool) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		reason := "read"
		var pe *fs.PathError
		if errors.As(err, &pe) && pe.Op == "open" {
			reason = "open"
		}
		// os.ReadDir returns what it could read before the error.
		if !r.walkFail(dir, reason, err, yield) {
			return false
		}
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		t := e.Type()
		if t.IsDir() {
			if !r.walk(path, yield) {
				return false
			}
			continue
		}
		if reason := pathSkip(path); reason != "" {
			r.stats.skip(reason)
			continue
		}
		switch {
		case t&fs.ModeSymlink != 0:
			r.stats.skip("symlink")
		case !t.IsRegular():
			r.stats.skip("not_regular")
		default:
			fi, err := e.Info()
			if err != nil { // gone since the listing
				if !r.walkFail(path, "open", err, yield) {
					return false
				}
				continue
			}
			if !yield(Input{Path: path, Size: fi.Size(), Walked: true}, nil) {
				return false
			}
		}
	}
	return true
}

func (r *Reader) walkFail(path, reason string, err error, yield func(Input, error) bool) bool {
	r.stats.fail(reason, false)
	return yield(Input{Path: path, Size: -1}, &Error{
		Source: trail.Source{File: path, Index: -1},
		Reason: reason,
		Err:    pathless(err),
	})
}
