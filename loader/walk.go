package loader

import (
	"context"
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
// errors are counted in Stats. It is List of a [Local] source with the zero
// Plan.
func (r *Reader) Inputs(paths []string) iter.Seq2[Input, error] {
	return r.List(context.Background(), Local{Paths: paths})
}

// walker walks local paths for a Local source. Below an AWSLogs directory it
// enters only the directories its plan keeps (an account, region or day
// left out is never listed) and yields only the files it keeps; a file in a
// kept day folder left out by its delivery time is skipped as
// "outside_plan". Digest and Insights folders are still walked, so that
// their files are counted as skipped as before.
type walker struct {
	plan Plan
	skip func(string)
	ctx  context.Context
}

// input handles one path named by the user.
func (w *walker) input(path string, yield func(Input, error) bool) bool {
	if path == "-" {
		return yield(Input{Path: "-", Size: -1}, nil)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return walkFail(path, "open", err, yield)
	}
	if fi.IsDir() {
		if w.keepDir(path) {
			return w.walk(path, yield)
		}
		return true
	}
	if reason := pathSkip(path); reason != "" {
		w.skip(reason)
		return true
	}
	if w.plan.Filtered() && w.plan.File(path) != InPlan {
		w.skip("outside_plan") // a file named: left out only by a filter the user set
		return true
	}
	size := fi.Size()
	if !fi.Mode().IsRegular() {
		size = -1
	}
	return yield(Input{Path: path, Size: size}, nil)
}

// keepDir reports whether the walk enters dir: digest and Insights folders
// are entered (their files are counted as skipped), the rest as the plan
// says.
func (w *walker) keepDir(dir string) bool {
	switch w.plan.Dir(dir) {
	case InPlan, SkipDigest, SkipInsight:
		return true
	}
	return false
}

// walk yields the files under dir, depth first, in lexical order.
func (w *walker) walk(dir string, yield func(Input, error) bool) bool {
	if w.ctx.Err() != nil {
		return false
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		reason := "read"
		var pe *fs.PathError
		if errors.As(err, &pe) && pe.Op == "open" {
			reason = "open"
		}
		// os.ReadDir returns what it could read before the error.
		if !walkFail(dir, reason, err, yield) {
			return false
		}
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		t := e.Type()
		if t.IsDir() {
			if w.keepDir(path) && !w.walk(path, yield) {
				return false
			}
			continue
		}
		if reason := pathSkip(path); reason != "" {
			w.skip(reason)
			continue
		}
		switch {
		case t&fs.ModeSymlink != 0:
			w.skip("symlink")
		case !t.IsRegular():
			w.skip("not_regular")
		case w.plan.File(path) != InPlan:
			w.skip("outside_plan")
		default:
			fi, err := e.Info()
			if err != nil { // gone since the listing
				if !walkFail(path, "open", err, yield) {
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

// walkFail yields an *Error for path; Reader.List counts it.
func walkFail(path, reason string, err error, yield func(Input, error) bool) bool {
	return yield(Input{Path: path, Size: -1}, &Error{
		Source: trail.Source{File: path, Index: -1},
		Reason: reason,
		Err:    pathless(err),
	})
}
