package loader

import (
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
		if cerr := c.s.ctx.Err(); cerr != nil {
			// A remote body fails when the run is stopped under it.
			c.err = &streamError{reason: "canceled", err: cerr}
			return n, c.err
		}
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
