package live

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/trailhunt/trailhunt/report"
)

// state is the --follow state file: the files already evaluated. A file is
// done again only if it changes (size or modification time). It is a
// journal of JSON lines, a header then one entry per file done, a later
// entry for the same file replacing an earlier one:
//
//	{"version":2}
//	{"file":"AWSLogs/1/CloudTrail/us-east-1/2024/07/30/x.json.gz","size":1234,"mod_time":"...","done":"...","policy_version":"6d442f068930","records":310,"findings":1,"failed":0}
//
// Keys are paths relative to the followed directory, so the directory can
// move. Each file done costs one appended line, written (one write(2))
// right after its findings; the journal is fsynced at most every
// commitEvery and on close, and rewritten (atomically, only the live
// entries) when it holds more than twice as many lines as files, so its
// cost per file is O(1). When the findings go to a regular file, entries
// are held in memory and written only after that file was fsynced: a state
// on disk never names a file whose findings might not be. Version 1 state
// files (one JSON object, rewritten after every file) are read and
// rewritten as version 2.
type state struct {
	path  string
	files map[string]fileState

	f       *os.File // the journal, for appending; nil without a path
	lines   int      // entries in the journal on disk, the header aside
	dirty   bool     // written since the last fsync
	out     *os.File // findings, fsynced before held entries are written; nil: entries are written at once
	held    []byte   // entries waiting for out's fsync
	synced  time.Time
	every   time.Duration
	compact int // rewrite past this many lines beyond twice the live entries
}

type fileState struct {
	Size          int64            `json:"size"`
	ModTime       time.Time        `json:"mod_time"`
	Done          time.Time        `json:"done"`
	PolicyVersion string           `json:"policy_version"`
	Records       int64            `json:"records"`
	Findings      int64            `json:"findings"`
	Failed        int64            `json:"failed"`           // records that could not be read or evaluated
	Errors        map[string]int64 `json:"errors,omitempty"` // every error, by reason (file-level ones too)
	// Offset is where a file of JSON lines was read to (the end of a
	// line); a file that grows is read from there. 0: not a file that can
	// grow that way (gzip, a file cut mid-line).
	Offset int64 `json:"offset,omitempty"`
	// Lines is the number of lines before Offset (0: not counted yet), the
	// index of the first line read from Offset.
	Lines int64 `json:"lines,omitempty"`
	// Check is a hash of the first and last 4 KiB before Offset: the part
	// read must still be there for the file to be read from Offset.
	Check string `json:"check,omitempty"`
	// Emitted are the keys of the findings written for this file; one
	// written again (the file read again whole) is marked a repeat.
	Emitted []string `json:"emitted,omitempty"`
}

// entry is one journal line.
type entry struct {
	File string `json:"file"`
	fileState
}

const (
	stateVersion = 2
	commitEvery  = time.Second
	minCompact   = 64
)

var stateHeader = []byte(`{"version":2}` + "\n")

// openState reads the state file at path (none yet is fine), drops the
// entries of files no longer under dir (when dir is there at all), and
// opens it for appending. Every
// way the file cannot be written is found here, before anything is read:
// the file itself, and its directory (compaction replaces the file). out,
// when it is a regular file, is fsynced before entries are written.
func openState(path, dir string, out io.Writer) (*state, error) {
	st := &state{path: path, files: map[string]fileState{}, every: commitEvery, compact: minCompact}
	if path == "" {
		return st, nil
	}
	if info, err := os.Stat(path); err == nil && !info.Mode().IsRegular() {
		return nil, fmt.Errorf("state %s: not a regular file", path) // /dev/full would be read for ever
	}
	rewrite, err := st.read()
	if err != nil {
		return nil, err
	}
	if info, err := os.Stat(dir); err == nil && info.IsDir() {
		for k := range st.files {
			if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(k))); errors.Is(err, fs.ErrNotExist) {
				delete(st.files, k)
				rewrite = true
			}
		}
	}
	if f, ok := out.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode().IsRegular() {
			st.out = f
		}
	}
	// Every way the state cannot be written shows now: the file (opened
	// for appending), then its directory (a compaction replaces the file).
	if err := st.reopen(); err != nil {
		return nil, err
	}
	probe, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		st.f.Close()
		return nil, fmt.Errorf("state %s: its directory must be writable (the file is compacted by replacing it): %w", path, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	if rewrite || st.lines > 2*len(st.files)+st.compact {
		if err := st.rewrite(); err != nil {
			st.f.Close()
			return nil, err
		}
	}
	st.synced = time.Now()
	return st, nil
}

// read loads the file; rewrite is true when it must be rewritten (a
// version 1 file, a torn last line, no file yet).
func (st *state) read() (rewrite bool, err error) {
	b, err := os.ReadFile(st.path)
	if errors.Is(err, fs.ErrNotExist) || err == nil && len(b) == 0 {
		return true, nil
	}
	if err != nil {
		return false, stateError(st.path, err)
	}
	first, rest, _ := bytes.Cut(b, []byte("\n"))
	var head struct {
		Version int                  `json:"version"`
		Files   map[string]fileState `json:"files"`
	}
	if json.Unmarshal(first, &head) != nil || head.Version == 1 {
		// Not a journal: a version 1 file is one (indented) object.
		if err := json.Unmarshal(b, &head); err != nil {
			return false, fmt.Errorf("read state %s: %w", st.path, err)
		}
		if head.Version != 1 {
			return false, fmt.Errorf("read state %s: version %d, want %d", st.path, head.Version, stateVersion)
		}
		for k, v := range head.Files {
			st.files[k] = v
		}
		return true, nil
	}
	if head.Version != stateVersion {
		return false, fmt.Errorf("read state %s: version %d, want %d", st.path, head.Version, stateVersion)
	}
	lines := bytes.Split(rest, []byte("\n"))
	// A file that does not end with a line end was cut mid-write by a
	// crash: rewrite it, or the next entry would be glued to the cut one.
	last := len(lines) - 1
	rewrite = len(lines[last]) > 0
	if !rewrite {
		lines = lines[:last]
	}
	for i, l := range lines {
		var e entry
		if err := json.Unmarshal(l, &e); err != nil || e.File == "" {
			if i == len(lines)-1 {
				return true, nil // the cut line: that file is read again
			}
			return false, fmt.Errorf("read state %s: line %d: not a state entry", st.path, i+2)
		}
		st.files[e.File] = e.fileState
		st.lines++
	}
	return rewrite, nil
}

// get returns the state of the file at key.
func (st *state) get(key string) (fileState, bool) {
	f, ok := st.files[key]
	return f, ok
}

// done records a file done. Its findings must have been written.
func (st *state) done(key string, fs fileState) error {
	st.files[key] = fs
	if st.path == "" {
		return nil
	}
	b, err := json.Marshal(entry{File: key, fileState: fs})
	if err != nil {
		return fmt.Errorf("%w: state %s: %w", ErrOutput, st.path, err)
	}
	b = append(b, '\n')
	if st.out != nil {
		st.held = append(st.held, b...)
	} else if err := st.write(b); err != nil {
		return err
	}
	return st.commitIfDue()
}

func (st *state) write(b []byte) error {
	if _, err := st.f.Write(b); err != nil {
		return fmt.Errorf("%w: state %s: %w", ErrOutput, st.path, err)
	}
	st.lines += bytes.Count(b, []byte("\n"))
	st.dirty = true
	return nil
}

// commitIfDue commits when the last commit is commitEvery old.
func (st *state) commitIfDue() error {
	if time.Since(st.synced) < st.every {
		return nil
	}
	return st.commit()
}

// commit makes every entry durable: the findings first (when they go to a
// regular file), then the entries held for them, then the journal; and
// rewrites the journal when it holds too many dead lines.
func (st *state) commit() error {
	st.synced = time.Now()
	if st.path == "" || !st.dirty && len(st.held) == 0 {
		return nil
	}
	if len(st.held) > 0 {
		if err := st.out.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
			return fmt.Errorf("%w: sync findings: %w", ErrOutput, err)
		}
		if err := st.write(st.held); err != nil {
			return err
		}
		st.held = st.held[:0]
	}
	if err := st.f.Sync(); err != nil {
		return fmt.Errorf("%w: state %s: %w", ErrOutput, st.path, err)
	}
	st.dirty = false
	if st.lines > 2*len(st.files)+st.compact {
		if err := st.rewrite(); err != nil {
			return fmt.Errorf("%w: %w", ErrOutput, err)
		}
	}
	return nil
}

// close commits and closes the journal.
func (st *state) close() error {
	if st.f == nil {
		return nil
	}
	err := st.commit()
	return errors.Join(err, st.f.Close())
}

// rewrite replaces the journal with its live entries, atomically.
func (st *state) rewrite() error {
	f, err := report.CreateAtomic(st.path)
	if err != nil {
		return fmt.Errorf("rewrite state %s: %w", st.path, err)
	}
	w := bufio.NewWriter(f)
	w.Write(stateHeader)
	enc := json.NewEncoder(w)
	for _, k := range slices.Sorted(maps.Keys(st.files)) {
		if err := enc.Encode(entry{File: k, fileState: st.files[k]}); err != nil {
			return errors.Join(fmt.Errorf("rewrite state %s: %w", st.path, err), f.Abort())
		}
	}
	if err := w.Flush(); err != nil {
		return errors.Join(fmt.Errorf("rewrite state %s: %w", st.path, err), f.Abort())
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("rewrite state %s: %w", st.path, err)
	}
	st.lines, st.dirty = len(st.files), false
	return st.reopen()
}

// reopen opens the journal on disk for appending (after a rewrite, the
// old handle names the replaced file).
func (st *state) reopen() error {
	if st.f != nil {
		st.f.Close()
	}
	f, err := os.OpenFile(st.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return stateError(st.path, err)
	}
	st.f = f
	return nil
}

// stateError names the state file once: "state PATH: open: not a
// directory".
func stateError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == path {
		return fmt.Errorf("state %s: %s: %w", path, pe.Op, pe.Err)
	}
	return fmt.Errorf("state %s: %w", path, err)
}

func stateKey(dir, path string) string {
	if rel, err := filepath.Rel(dir, path); err == nil {
		return filepath.ToSlash(rel)
	}
	return path
}
