package loader

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Oversized values are skipped, not held: once a value is over the record
// cap, the rest of it streams by through a skipper that follows only its
// brackets and strings, and reading goes on after it. Such a value is not
// checked past the cap: a fault in its skipped part surfaces, if at all, as
// a fault of what follows it.

// skipper finds the end of a value from any point inside it, a chunk at a
// time: its state carries across chunks.
type skipper struct {
	depth    int // open objects and arrays
	str, esc bool
	nl       bool // a newline was scanned (outside strings)
}

// scan scans w and returns how many of its bytes belong to the value, and
// whether the value ends there.
func (sk *skipper) scan(w []byte) (int, bool) {
	for i := 0; i < len(w); i++ {
		c := w[i]
		if sk.str {
			switch {
			case sk.esc:
				sk.esc = false
			case c == '\\':
				sk.esc = true
			case c == '"':
				sk.str = false
				if sk.depth <= 0 {
					return i + 1, true
				}
			default: // skip ahead to the next quote or backslash
				j := bytes.IndexAny(w[i:], `"\`)
				if j < 0 {
					return len(w), false
				}
				i += j - 1
			}
			continue
		}
		switch c {
		case '\n':
			sk.nl = true
		case '"':
			sk.str = true
		case '{', '[':
			sk.depth++
		case '}', ']':
			if sk.depth--; sk.depth <= 0 {
				return i + 1, true
			}
		}
	}
	return len(w), false
}

// skipRest consumes the rest of a value from br, sk being the state at the
// first unread byte, and notes in l.nl whether it spanned a newline. It
// returns io.ErrUnexpectedEOF when the input ends first, or the read error.
func (l *lexer) skipRest(sk skipper) error {
	defer func() { l.nl = l.nl || sk.nl }()
	for {
		w, err := l.window()
		if err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		if err != nil {
			return err
		}
		n, done := sk.scan(w)
		l.br.Discard(n)
		if done {
			return nil
		}
	}
}

// skipped finishes an object, array or string found over the cap in
// composite: its first n bytes, data[:n], were scanned by s (n = s.pos, or
// the value's end when it ended past the cap). It consumes the value to its
// end and returns ErrRecordTooLarge, after which the next value can be read.
// A syntax error in the bytes read comes first; and when the input ends or
// fails before the value does, reading cannot go on (a sticky
// ErrRecordTooLarge, or the read error).
func (l *lexer) skipped(sp *span, s *splitter, n int, ended bool) error {
	if err := syntaxIn(sp.data[:n]); err != nil {
		return err
	}
	l.nl = l.nl || bytes.IndexByte(sp.data[:n], '\n') >= 0
	sp.take(n)
	if !ended {
		sk := skipper{depth: s.depth, str: s.str}
		if s.str { // an odd run of backslashes at the end escapes the next byte
			k := n
			for k > 0 && sp.data[k-1] == '\\' {
				k--
			}
			sk.esc = (n-k)&1 == 1
		}
		if err := l.skipRest(sk); err != nil {
			return l.cutWhileSkipping(err)
		}
	}
	return fmt.Errorf("%w: over %d bytes", ErrRecordTooLarge, l.max)
}

// cutWhileSkipping is the error of a value over the cap whose end was never
// found: the value was too large (the first fault), and nothing can be read
// after it. A failure of the stream itself is reported as such.
func (l *lexer) cutWhileSkipping(err error) error {
	var se *streamError
	if errors.As(err, &se) {
		return err
	}
	return l.tooLarge(nil)
}

// discardLine consumes br up to and including the next newline, or to the
// end of the input (io.EOF).
func discardLine(br *bufio.Reader) error {
	for {
		_, err := br.ReadSlice('\n')
		if err != bufio.ErrBufferFull {
			return err
		}
	}
}

// oversizedObject goes on after a top-level object (not a Records wrapper)
// that went over the cap while it was read: record i, l.rec holding its
// first bytes. The rest of it is skipped by its brackets. When it is the
// first value and it lies on one line, the file may be JSON lines whose
// first line is over the cap (an object on one line followed by more values
// is JSON lines, as in object): the rest of that line is dropped and the
// file read on as JSON lines, as when such a line comes later. Otherwise the
// values after it are read. Either way a single huge object ends with one
// record_too_large.
func (p *jsonParser) oversizedObject(i int, first bool) bool {
	l := p.l
	l.err = nil
	err := l.skipRest(skipper{depth: 1})
	oneLine := !l.nl && bytes.IndexByte(l.rec, '\n') < 0
	l.stopRecording()
	l.overflow, l.nl = false, false
	index := i
	if first && oneLine {
		index = p.line0
	}
	p.index = i + 1
	tooLarge := fmt.Errorf("%w: over %d bytes", ErrRecordTooLarge, l.max)
	if !p.s.fail(p.u, index, "record_too_large", tooLarge) {
		return p.stop(false)
	}
	switch {
	case err == io.ErrUnexpectedEOF: // cut short: the error above is the first fault
		return p.stop(true)
	case err != nil:
		return p.fail(-1, err)
	case !first || !oneLine:
		return true
	}
	switch err := discardLine(l.br); {
	case err == io.EOF:
		return p.stop(true)
	case err != nil:
		return p.fail(-1, err)
	}
	p.line0++
	return p.stop(p.linesFrom(l.br))
}

// withUnread notes on err, a fault after which the parser cannot find the
// next record, how much of the file or member was left unread (see
// Error.Unread). The bytes are counted by reading them (decompressed, for a
// gzip stream or a zip member); a read error (a damaged stream, the
// decompression cap, an interrupt) stops the count, which is then a lower
// bound.
func (p *jsonParser) withUnread(err error) error {
	n, cerr := io.Copy(io.Discard, p.l.br)
	if n == 0 && cerr == nil {
		return err
	}
	return &unreadError{err: err, n: n, atLeast: cerr != nil}
}

// unreadError carries an error and the bytes left unread after it to
// session.fail, which puts them in the Error it reports.
type unreadError struct {
	err     error
	n       int64
	atLeast bool
}

func (e *unreadError) Error() string { return e.err.Error() }
func (e *unreadError) Unwrap() error { return e.err }
