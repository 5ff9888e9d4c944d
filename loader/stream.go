package loader

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// countReader reads a file or stdin: it counts Stats.Bytes, tags read
// errors as streamErrors of layer 0 and stops when the context is done.
type countReader struct {
	s   *session
	r   io.Reader
	err error // sticky
}

func (c *countReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if err := c.s.ctx.Err(); err != nil {
		c.err = &streamError{reason: "canceled", err: err}
		return 0, c.err
	}
	n, err := c.r.Read(p)
	if n > 0 {
		c.s.r.stats.bytes(n)
	}
	if err != nil && err != io.EOF {
		reason, e := classifyRead(err)
		c.err = &streamError{reason: reason, err: e}
		return n, c.err
	}
	return n, err
}

// countReaderAt is countReader for a zip archive, read at random.
type countReaderAt struct {
	s  *session
	ra io.ReaderAt
}

func (c *countReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if err := c.s.ctx.Err(); err != nil {
		return 0, &streamError{reason: "canceled", err: err}
	}
	n, err := c.ra.ReadAt(p, off)
	if n > 0 {
		c.s.r.stats.bytes(n)
	}
	if err != nil && err != io.EOF {
		reason, e := classifyRead(err)
		return n, &streamError{reason: reason, err: e}
	}
	return n, err
}

// tagReader wraps a decompressor or an archive member: it turns the errors
// of its reader into streamErrors of the given layer (errors already tagged
// by a lower reader pass through unchanged) and, when max > 0, fails with
// ErrDecompressionLimit once more than max bytes came out.
type tagReader struct {
	r        io.Reader
	layer    int
	classify func(error) (string, error)
	max      int64 // 0: no cap
	n        int64
	err      error // sticky
}

func (t *tagReader) Read(p []byte) (int, error) {
	if t.err != nil {
		return 0, t.err
	}
	if t.max > 0 && int64(len(p)) > t.max-t.n+1 {
		p = p[:t.max-t.n+1] // one byte past the cap tells "over" from "at"
	}
	n, err := t.r.Read(p)
	t.n += int64(n)
	if t.max > 0 && t.n > t.max {
		n -= int(t.n - t.max)
		t.n = t.max
		t.err = &streamError{
			reason: "decompression_limit",
			err:    fmt.Errorf("%w of %d bytes", ErrDecompressionLimit, t.max),
			layer:  t.layer,
		}
		return n, t.err
	}
	if err != nil && err != io.EOF {
		var se *streamError
		if errors.As(err, &se) {
			t.err = se
		} else {
			reason, e := t.classify(err)
			t.err = &streamError{reason: reason, err: e, layer: t.layer}
		}
		return n, t.err
	}
	return n, err
}

// leafReader counts Stats.Decompressed for the innermost content of a file
// or member. Bytes read before the content's kind is known are held back
// and counted only if the content turns out to be a leaf (JSON, or skipped),
// not a further layer (gzip, tar, zip) whose own content is counted instead.
type leafReader struct {
	s       *session
	r       io.Reader
	pending int
	leaf    bool
}

func (l *leafReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if n > 0 {
		if l.leaf {
			l.s.r.stats.decompressed(n)
		} else {
			l.pending += n
		}
	}
	return n, err
}

// isLeaf marks the content as a leaf and counts what was read so far.
func (l *leafReader) isLeaf() {
	if !l.leaf {
		l.leaf = true
		l.s.r.stats.decompressed(l.pending)
		l.pending = 0
	}
}

// capReader feeds a json.Decoder and enforces Config.MaxRecordBytes:
// json.Decoder buffers a whole value before decoding it, so the bytes read
// but not yet consumed by the decoder (read - dec.InputOffset()) are the
// value in progress; once they are over the cap, Read fails with
// ErrRecordTooLarge. While a top-level object is recorded (its bytes are
// kept, to be yielded as one record if it is not a Records wrapper), the cap
// counts from the object's start instead.
type capReader struct {
	r   io.Reader
	dec *json.Decoder
	max int64
	n   int64 // bytes read
	err error // sticky

	recording bool
	rec       []byte // bytes read since the recorded value's start
	pin       int64  // input offset of the recorded value's start; -1: none
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	start := c.pin
	if start < 0 {
		start = c.dec.InputOffset()
	}
	room := c.max + 1 - (c.n - start)
	if room <= 0 {
		c.err = fmt.Errorf("%w: over %d bytes", ErrRecordTooLarge, c.max)
		return 0, c.err
	}
	if int64(len(p)) > room {
		p = p[:room]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.recording {
		c.rec = append(c.rec, p[:n]...)
	}
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

// startRecording starts keeping the bytes of the value about to be read:
// the caller has just seen (with dec.More) that one starts at the decoder's
// current offset.
func (c *capReader) startRecording() {
	w := bytes.NewBuffer(c.rec[:0])
	io.Copy(w, c.dec.Buffered())
	c.rec = w.Bytes()
	c.recording = true
	c.pin = c.dec.InputOffset()
}

// value returns a copy of the recorded value, which ends at input offset
// end, and lifts the pin: from now on the cap counts unconsumed bytes.
// Recording goes on until stopRecording.
func (c *capReader) value(end int64) []byte {
	v := bytes.Clone(c.rec[:end-c.pin])
	c.pin = -1
	return v
}

func (c *capReader) stopRecording() {
	c.recording = false
	c.pin = -1
	if cap(c.rec) > 1<<20 {
		c.rec = nil // do not hold on to a large buffer
	}
	c.rec = c.rec[:0]
}
