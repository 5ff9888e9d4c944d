package live

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/trailhunt/trailhunt/report"
)

// state is the --follow state file: the files already evaluated. A file is
// done again only if it changes (size or modification time).
//
//	{
//	  "version": 1,
//	  "files": {
//	    "AWSLogs/1/CloudTrail/us-east-1/2024/07/30/x.json.gz": {
//	      "size": 1234, "mod_time": "...", "done": "...",
//	      "policy_version": "204fabf11754", "findings": 1, "failed": 0
//	    }
//	  }
//	}
//
// Keys are paths relative to the followed directory, so the directory can
// move. The file is replaced atomically after each file is done.
type state struct {
	Version int                  `json:"version"`
	Files   map[string]fileState `json:"files"`
}

type fileState struct {
	Size          int64     `json:"size"`
	ModTime       time.Time `json:"mod_time"`
	Done          time.Time `json:"done"`
	PolicyVersion string    `json:"policy_version"`
	Findings      int64     `json:"findings"`
	Failed        int64     `json:"failed"`
}

const stateVersion = 1

func loadState(path string) (*state, error) {
	st := &state{Version: stateVersion, Files: map[string]fileState{}}
	if path == "" {
		return st, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("read state %s: %w", path, err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("read state %s: version %d, want %d", path, st.Version, stateVersion)
	}
	if st.Files == nil {
		st.Files = map[string]fileState{}
	}
	return st, nil
}

func (st *state) save(path string) error {
	if path == "" {
		return nil
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	f, err := report.CreateAtomic(path)
	if err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		return errors.Join(fmt.Errorf("write state: %w", err), f.Abort())
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	return nil
}

func stateKey(dir, path string) string {
	if rel, err := filepath.Rel(dir, path); err == nil {
		return filepath.ToSlash(rel)
	}
	return path
}
