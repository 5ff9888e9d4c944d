// Package partial is the partial result of one shard of a hunt: what
// `evaluate run --partial` writes instead of rows, and `evaluate merge`
// reads back, so that N machines give exactly the rows and summary of one.
//
// The file:
//
//	magic   "trailhunt partial result\n"
//	meta    uvarint length, then a JSON object (Meta): the format version,
//	        the policy set's version and detections, the time window, the
//	        "now" filter expiry was judged at, the plan (every input listed,
//	        before sharding), the shard, and the shard's run summary (every
//	        counter, errors and skips by reason, suppressions per filter
//	        entry, expired entries)
//	table   the shard's aggregation state (aggregate's encoding: groups,
//	        distinct values, first sources, times to the nanosecond)
//	sum     SHA-256 of everything before it
//
// JSON for the meta, so a person or a script can read what a partial is;
// the binary table for millions of groups, exact and compact.
//
// Invariants:
//   - a file is read whole or not at all: a truncated, altered or foreign
//     file is ErrCorrupt, never part of a merge (Open checks the checksum of
//     the whole before anything of the table is used);
//   - a merge holds no partial whole: Open reads it as a stream, and its
//     table is streamed again, group by group, into the merge;
//   - Read gives back exactly the Meta and the table Write was given.
package partial

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/trailhunt/trailhunt/aggregate"
	"github.com/trailhunt/trailhunt/report"
)

const (
	magic = "trailhunt partial result\n"
	// Version is the format version this build writes and reads. 2: the
	// table in row order, each group after a marker (aggregate's encoding
	// version 2), so that a spilled table streams out and tables merge as
	// they are read.
	Version = 2
	maxMeta = 64 << 20
)

// ErrCorrupt marks a file that is not a whole partial result of a version
// this build reads.
var ErrCorrupt = errors.New("not a valid partial result")

// Meta is what a partial result says of itself.
type Meta struct {
	FormatVersion int            `json:"format_version"`
	PolicyVersion string         `json:"policy_version"`
	Detections    []string       `json:"detections"`
	Since         time.Time      `json:"since"` // zero: unbounded
	Until         time.Time      `json:"until"`
	Now           time.Time      `json:"now"` // filter expiry was judged at this time
	Plan          string         `json:"plan"`
	ShardIndex    int            `json:"shard_index"`
	ShardCount    int            `json:"shard_count"`
	Summary       report.Summary `json:"summary"`
}

// Write writes a partial result.
func Write(w io.Writer, m Meta, t *aggregate.Table) error {
	m.FormatVersion = Version
	meta, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("write partial: %w", err)
	}
	h := sha256.New()
	bw := bufio.NewWriter(io.MultiWriter(w, h))
	bw.WriteString(magic)
	bw.Write(binary.AppendUvarint(nil, uint64(len(meta))))
	bw.Write(meta)
	if err := t.Encode(bw); err != nil {
		return fmt.Errorf("write partial: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write partial: %w", err)
	}
	if _, err := w.Write(h.Sum(nil)); err != nil {
		return fmt.Errorf("write partial: %w", err)
	}
	return nil
}

// File is a partial result whose header, checksum and metadata are
// checked, its table left on the reader to stream (Table), so that a
// merge holds no partial whole in memory.
type File struct {
	Meta  Meta
	table *io.SectionReader
}

// Open checks the partial result in r, size bytes: its header, the
// checksum of the whole (one streaming pass) and its metadata. A
// truncated, altered or foreign file is ErrCorrupt. The table is read
// later, from r, by Table: r must not change meanwhile.
func Open(r io.ReaderAt, size int64) (*File, error) {
	if size < int64(len(magic)+sha256.Size) {
		return nil, fmt.Errorf("%w: no partial-result header", ErrCorrupt)
	}
	head := make([]byte, min(size-sha256.Size, int64(len(magic)+binary.MaxVarintLen64)))
	if _, err := r.ReadAt(head, 0); err != nil {
		return nil, fmt.Errorf("read partial: %w", err)
	}
	if string(head[:len(magic)]) != magic {
		return nil, fmt.Errorf("%w: no partial-result header", ErrCorrupt)
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(r, 0, size-sha256.Size)); err != nil {
		return nil, fmt.Errorf("read partial: %w", err)
	}
	sum := make([]byte, sha256.Size)
	if _, err := r.ReadAt(sum, size-sha256.Size); err != nil {
		return nil, fmt.Errorf("read partial: %w", err)
	}
	if !bytes.Equal(h.Sum(nil), sum) {
		return nil, fmt.Errorf("%w: checksum does not match (truncated or altered)", ErrCorrupt)
	}
	n, k := binary.Uvarint(head[len(magic):])
	body := size - sha256.Size - int64(len(magic))
	if k <= 0 || n > maxMeta || uint64(body-int64(k)) < n {
		return nil, fmt.Errorf("%w: bad metadata length", ErrCorrupt)
	}
	metaAt := int64(len(magic) + k)
	meta := make([]byte, n)
	if _, err := r.ReadAt(meta, metaAt); err != nil {
		return nil, fmt.Errorf("read partial: %w", err)
	}
	var m Meta
	dec := json.NewDecoder(bytes.NewReader(meta))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: metadata: %v", ErrCorrupt, err)
	}
	if m.FormatVersion != Version {
		return nil, fmt.Errorf("%w: format version %d (this build reads %d)", ErrCorrupt, m.FormatVersion, Version)
	}
	tableAt := metaAt + int64(n)
	return &File{Meta: m, table: io.NewSectionReader(r, tableAt, size-sha256.Size-tableAt)}, nil
}

// Table reads the table's encoding from its start: exactly the bytes
// aggregate.Table.Encode wrote (aggregate.Decode or Table.MergeEncoded
// read them).
func (f *File) Table() io.Reader {
	return io.NewSectionReader(f.table, 0, f.table.Size())
}

// Read reads a partial result whole; the table's rows are computed with
// specs.
func Read(r io.Reader, specs aggregate.Specs) (Meta, *aggregate.Table, error) {
	all, err := io.ReadAll(r)
	if err != nil {
		return Meta{}, nil, fmt.Errorf("read partial: %w", err)
	}
	f, err := Open(bytes.NewReader(all), int64(len(all)))
	if err != nil {
		return Meta{}, nil, err
	}
	t, err := aggregate.Decode(f.Table(), specs)
	if err != nil {
		return f.Meta, nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return f.Meta, t, nil
}
