package sweep

import (
	"bytes"
	"slices"
	"sync"

	"github.com/trailhunt/trailhunt/trail"
)

// A batch is a run of records from one input, copied out of the reader's
// buffers (loader.Reader.Scan) into memory the batch owns, so that any
// worker can evaluate them while the reader goes on. Batches are recycled:
// their memory is reused, never held by a record after the batch returns to
// the pool.
type batch struct {
	recs  []trail.Record
	raw   []byte       // the records' Raw, back to back; its capacity is fixed
	spans []trail.Span // the records' Spans, back to back; likewise
}

// Batch limits: a batch is handed on once it holds batchRecords records or
// its buffers are full. A record larger than batchBytes goes into an empty
// batch, with memory of its own.
const (
	batchRecords = 512
	batchBytes   = 1 << 20
	batchSpans   = 32 * batchRecords
)

var batches = sync.Pool{New: func() any {
	return &batch{
		recs:  make([]trail.Record, 0, batchRecords),
		raw:   make([]byte, 0, batchBytes),
		spans: make([]trail.Span, 0, batchSpans),
	}
}}

func newBatch() *batch { return batches.Get().(*batch) }

// free returns b to the pool; b must not be used after.
func (b *batch) free() {
	clear(b.recs) // drop the Source strings
	b.recs, b.raw, b.spans = b.recs[:0], b.raw[:0], b.spans[:0]
	batches.Put(b)
}

// add copies rec into b. It reports false, copying nothing, when b is full
// and rec must go into the next batch; an empty batch takes any record.
func (b *batch) add(rec trail.Record) bool {
	fits := len(b.recs) < cap(b.recs) &&
		len(b.raw)+len(rec.Raw) <= cap(b.raw) &&
		len(b.spans)+len(rec.Spans) <= cap(b.spans)
	switch {
	case fits:
		rec.Raw = appendOwned(&b.raw, rec.Raw)
		if rec.Spans != nil {
			rec.Spans = appendOwned(&b.spans, rec.Spans)
		}
	case len(b.recs) > 0:
		return false
	default: // larger than a whole batch
		rec.Raw, rec.Spans = bytes.Clone(rec.Raw), slices.Clone(rec.Spans)
	}
	b.recs = append(b.recs, rec)
	return true
}

// appendOwned appends s to *buf, which has room for it, and returns the
// copy, capped so that appending to it cannot reach into what follows.
func appendOwned[T any](buf *[]T, s []T) []T {
	off := len(*buf)
	*buf = append(*buf, s...)
	return (*buf)[off:len(*buf):len(*buf)]
}
