package main

import (
	"bufio"
	"errors"
	"fmt"

	"github.com/trailhunt/trailhunt/report"
	"github.com/trailhunt/trailhunt/trail"
)

// rawFile is --raw: the record behind every finding shown, written as the
// findings come (one JSON line each, report.WriteRaw) into a file that is
// committed atomically at the end. A nil *rawFile writes nothing.
type rawFile struct {
	f   *report.AtomicFile
	w   *bufio.Writer
	err error
}

func openRaw(path string) (*rawFile, error) {
	if path == "" {
		return nil, nil
	}
	f, err := report.CreateAtomic(path)
	if err != nil {
		return nil, fmt.Errorf("open --raw: %w", err)
	}
	return &rawFile{f: f, w: bufio.NewWriterSize(f, 1<<20)}, nil
}

// write is a sweep.Config.OnFinding: calls come one at a time.
func (r *rawFile) write(f trail.Finding, rec trail.Record) {
	if r == nil || r.err != nil || f.Suppressed() {
		return
	}
	r.err = report.WriteRaw(r.w, f, rec.Raw)
}

// close commits the file, or removes it after a write error.
func (r *rawFile) close() error {
	if r == nil {
		return nil
	}
	if r.err == nil {
		r.err = r.w.Flush()
	}
	if r.err != nil {
		return errors.Join(r.err, r.f.Abort())
	}
	return r.f.Commit()
}
