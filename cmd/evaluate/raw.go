package main

import (
	"bufio"
	varint "encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/trailhunt/trailhunt/aggregate"
	"github.com/trailhunt/trailhunt/report"
	"github.com/trailhunt/trailhunt/trail"
)

// rawFile is --raw: the record behind every finding of a row shown (one
// JSON line each, report.WriteRaw), committed atomically at the end. A
// finding's row is known only once every record is read (a where condition
// may hold its group back), so lines are spooled with their group key to a
// temp file and copied at the end for the groups shown, in the order they
// came. A nil *rawFile writes nothing.
type rawFile struct {
	f     *report.AtomicFile
	spool *os.File
	w     *bufio.Writer
	line  []byte
	err   error
}

func openRaw(path string) (*rawFile, error) {
	if path == "" {
		return nil, nil
	}
	f, err := report.CreateAtomic(path)
	if err != nil {
		return nil, fmt.Errorf("open --raw: %w", err)
	}
	spool, err := os.CreateTemp("", "trailhunt-raw-")
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open --raw spool: %w", err), f.Abort())
	}
	os.Remove(spool.Name()) // unlinked: gone with the process, whatever happens
	return &rawFile{f: f, spool: spool, w: bufio.NewWriterSize(spool, 1<<20)}, nil
}

// write is a sweep.Config.OnFinding: calls come one at a time.
func (r *rawFile) write(f trail.Finding, rec trail.Record) {
	if r == nil || r.err != nil || f.Suppressed() {
		return
	}
	var line bytesWriter
	if r.err = report.WriteRaw(&line, f, rec.Raw); r.err != nil {
		return
	}
	key := aggregate.GroupKey(f.Detection, f.Values)
	r.line = varint.AppendUvarint(r.line[:0], uint64(len(key)))
	r.line = append(r.line, key...)
	r.line = varint.AppendUvarint(r.line, uint64(len(line)))
	r.line = append(r.line, line...)
	_, r.err = r.w.Write(r.line)
}

// close copies the lines of the groups table shows into the file and
// commits it, or removes it after an error.
func (r *rawFile) close(table *aggregate.Table) error {
	if r == nil {
		return nil
	}
	defer r.spool.Close()
	if r.err == nil {
		r.err = r.w.Flush()
	}
	if r.err == nil {
		_, r.err = r.spool.Seek(0, io.SeekStart)
	}
	if r.err == nil {
		r.err = copyShown(bufio.NewReaderSize(r.spool, 1<<20), r.f, table)
	}
	if r.err != nil {
		return errors.Join(r.err, r.f.Abort())
	}
	return r.f.Commit()
}

// copyShown copies the spooled lines whose group table shows.
func copyShown(in *bufio.Reader, out io.Writer, table *aggregate.Table) error {
	held, err := table.HeldKeys()
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	for {
		key, err := spooled(in)
		if err == io.EOF {
			return bw.Flush()
		}
		if err != nil {
			return err
		}
		line, err := spooled(in)
		if err != nil {
			return err
		}
		if !held[string(key)] {
			if _, err := bw.Write(line); err != nil {
				return err
			}
		}
	}
}

func spooled(in *bufio.Reader) ([]byte, error) {
	n, err := varint.ReadUvarint(in)
	if err != nil {
		return nil, err
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(in, b); err != nil {
		return nil, fmt.Errorf("--raw spool: %w", err)
	}
	return b, nil
}

// bytesWriter collects one line.
type bytesWriter []byte

func (b *bytesWriter) Write(p []byte) (int, error) { *b = append(*b, p...); return len(p), nil }
