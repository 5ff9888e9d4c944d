package sweep

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/trailhunt/trailhunt/aggregate"
)

// SpillDir keeps the runs that result tables spill (aggregate.Runs) as
// files in a directory of its own, trailhunt-spill-*, made under Parent
// (the system's temporary directory when empty, $TMPDIR) at the first run.
// It is safe for concurrent use; Close removes the directory with whatever
// is left in it. A process killed outright leaves the directory behind.
type SpillDir struct {
	Parent string

	mu  sync.Mutex
	dir string
	n   int
}

var _ aggregate.Runs = (*SpillDir)(nil)

// Create makes the next run file; its name is its path.
func (d *SpillDir) Create() (io.WriteCloser, string, error) {
	d.mu.Lock()
	if d.dir == "" {
		dir, err := os.MkdirTemp(d.Parent, "trailhunt-spill-")
		if err != nil {
			d.mu.Unlock()
			return nil, "", err
		}
		d.dir = dir
	}
	path := filepath.Join(d.dir, fmt.Sprintf("run-%06d", d.n))
	d.n++
	d.mu.Unlock()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, "", err
	}
	return f, path, nil
}

// Open opens the run file name.
func (d *SpillDir) Open(name string) (io.ReadCloser, error) { return os.Open(name) }

// Remove removes the run file name.
func (d *SpillDir) Remove(name string) error { return os.Remove(name) }

// Close removes the directory and the runs left in it.
func (d *SpillDir) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dir == "" {
		return nil
	}
	err := os.RemoveAll(d.dir)
	d.dir = ""
	if err != nil {
		return fmt.Errorf("remove spilled runs: %w", err)
	}
	return nil
}
