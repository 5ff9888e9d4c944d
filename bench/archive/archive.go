// Package archive lists the files of a generated benchmark archive for the
// baseline contenders (floor, naive), which read it the simple way: every
// .json and .json.gz file under the roots, walked once.
package archive

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
)

// Files walks roots and sends every .json or .json.gz file on the returned
// channel, which is closed when the walk ends. The error function reports
// walk errors; call it once the channel is drained.
func Files(roots []string) (<-chan string, func() error) {
	paths := make(chan string)
	var walkErr error
	go func() {
		defer close(paths)
		for _, root := range roots {
			walkErr = errors.Join(walkErr, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if !d.IsDir() && (strings.HasSuffix(p, ".json.gz") || strings.HasSuffix(p, ".json")) {
					paths <- p
				}
				return nil
			}))
		}
	}()
	return paths, func() error { return walkErr }
}
