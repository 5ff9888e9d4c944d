package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/trailhunt/trailhunt/loader/s3source"
)

// refuseWritingOverInputs returns an error when a file the run writes
// (--output, --summary, --raw) is one of the inputs, or lies inside an input
// directory: the first would replace a CloudTrail file with the results, the
// second would write results among the logs being read. Files are compared
// by identity (os.SameFile, after symlinks), so another spelling of the path,
// a symlink or a hard link is caught too. Inputs that cannot be read are
// left to the run to report.
func refuseWritingOverInputs(cfg config) error {
	for _, out := range []struct{ flag, path, what string }{
		{"--output", cfg.output, "the results"},
		{"--summary", cfg.summary, "the summary"},
		{"--raw", cfg.raw, "the raw records"},
	} {
		if out.path == "" || s3source.IsURL(out.path) {
			continue // an s3:// output: checkS3Outputs
		}
		target, _ := os.Stat(out.path) // nil when it does not exist yet
		dirs := containingDirs(out.path)
		if cfg.mode == modeMerge && !strings.HasSuffix(out.path, partialExt) {
			dirs = nil // merge reads only the *.thp of a directory: its results may sit beside them
		}
		for _, in := range cfg.paths {
			if in == "-" {
				continue
			}
			info, err := os.Stat(in)
			if err != nil {
				continue
			}
			if target != nil && os.SameFile(target, info) {
				return fmt.Errorf("%s %s is the input %s: refusing to replace it with %s", out.flag, out.path, in, out.what)
			}
			if !info.IsDir() {
				continue
			}
			for _, d := range dirs {
				if os.SameFile(d, info) {
					return fmt.Errorf("%s %s is inside the input directory %s: refusing to write %s among the inputs", out.flag, out.path, in, out.what)
				}
			}
		}
	}
	return nil
}

// containingDirs are the directories that hold path, innermost first, with
// symlinks resolved: from its nearest existing ancestor up to the root.
func containingDirs(path string) []os.FileInfo {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil
	}
	dir := filepath.Dir(abs)
	for {
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			dir = real
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil
		}
		dir = parent
	}
	var out []os.FileInfo
	for {
		if info, err := os.Stat(dir); err == nil {
			out = append(out, info)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return out
		}
		dir = parent
	}
}
