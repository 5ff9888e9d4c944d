package loader

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/trailhunt/trailhunt/trail"
)

// lexer reads JSON text from a bufio.Reader a token or a value at a time,
// for the parser in json.go. It works in the reader's buffer: a value that
// fits there is delimited and returned without a copy; a longer one is
// gathered in a buffer of its own. Every value is validated as json.Valid
// validates it; a value that lies whole in the buffer is validated and
// delimited in the same pass (validPrefix), a longer one is delimited first
// (see splitter). Only the value being read is held, at most the record cap
// of it (plus what the reader buffered); white space is skipped as it
// streams by, and is not capped.
//
// When a value cannot be read whole, the error is the first fault in input
// order, worded as encoding/json's Decoder words it: a syntax error in the
// bytes read so far, else the end of the input (io.ErrUnexpectedEOF), a read
// error, or ErrRecordTooLarge once the value is over the cap.
type lexer struct {
	br   *bufio.Reader
	max  int64  // Config.MaxRecordBytes
	long []byte // a value longer than br's buffer; reused
	// spans are the spans of the members of the last value read, when it
	// is an object (see trail.Span).
	spans []trail.Span

	// While recording, every byte consumed is also appended to rec, at most
	// recMax of them: the bytes of a top-level object that may turn out to
	// be a record.
	recording bool
	rec       []byte
	recMax    int64
	// overflow is set when the bytes recorded went over recMax, and nl
	// when a newline was consumed since recording started but is not in
	// rec (it lay past the cap, or in a value skipped): see
	// jsonParser.oversizedObject.
	overflow, nl bool

	err error // sticky: ErrRecordTooLarge, when reading cannot go on
}

// window returns the bytes buffered in br, reading more if there are none.
func (l *lexer) window() ([]byte, error) {
	n := l.br.Buffered()
	if n == 0 {
		if _, err := l.br.Peek(1); err != nil {
			return nil, err
		}
		n = l.br.Buffered()
	}
	w, _ := l.br.Peek(n)
	return w, nil
}

// more returns the window w, the unread bytes of br, followed by more input
// (or by nothing, with the error that stopped it). w must be shorter than
// br's buffer. Reading may move the unread bytes in the buffer: only the
// window returned is valid.
func (l *lexer) more(w []byte) ([]byte, error) {
	_, err := l.br.Peek(len(w) + 1)
	w, _ = l.br.Peek(l.br.Buffered())
	return w, err
}

// peek skips white space and returns the next byte, without consuming it.
// The error is io.EOF at the end of the input.
func (l *lexer) peek() (byte, error) {
	if l.err != nil {
		return 0, l.err
	}
	for {
		w, err := l.window()
		if err != nil {
			return 0, err
		}
		i := 0
		for i < len(w) && isSpace(w[i]) {
			i++
		}
		if err := l.consume(w[:i]); err != nil {
			return 0, err
		}
		if i < len(w) {
			return w[i], nil
		}
	}
}

// next consumes the byte peek returned.
func (l *lexer) next() error {
	w, _ := l.br.Peek(1)
	return l.consume(w)
}

// consume consumes b, the next unread bytes of br, recording them.
func (l *lexer) consume(b []byte) error {
	if l.recording {
		if err := l.record(b); err != nil {
			return err
		}
	}
	l.br.Discard(len(b))
	return nil
}

func (l *lexer) record(b []byte) error {
	if int64(len(l.rec)+len(b)) > l.recMax {
		l.overflow = true
		l.nl = l.nl || bytes.IndexByte(b, '\n') >= 0
		return l.tooLarge(nil)
	}
	l.rec = append(l.rec, b...)
	return nil
}

// startRecording starts recording, at most max bytes.
func (l *lexer) startRecording() {
	l.recording = true
	l.rec = l.rec[:0]
	l.recMax = l.max
	l.overflow, l.nl = false, false
}

func (l *lexer) stopRecording() {
	l.recording = false
	if cap(l.rec) > 1<<20 {
		l.rec = nil // do not hold on to a large buffer
	}
	l.rec = l.rec[:0]
}

// value reads the value that starts at the next byte (peek returned it) and
// returns its bytes, valid until the next call to the lexer. The value is
// checked: what json.Valid would reject is a syntax error, worded as
// encoding/json's Decoder words it. A byte that cannot start a value, such
// as ']', is one too. A value over the cap is skipped to its end (skip.go):
// the error is ErrRecordTooLarge, and the next value can be read unless
// l.err is set.
func (l *lexer) value() ([]byte, error) {
	if l.err != nil {
		return nil, l.err
	}
	limit := l.max
	if l.recording {
		limit = l.recMax - int64(len(l.rec))
	}
	w, err := l.window()
	if err != nil {
		return nil, err
	}
	var v []byte
	switch w[0] {
	case '{', '[', '"':
		if n := validPrefix(w, resetSpans(&l.spans)); n > 0 && int64(n) <= limit {
			// The common case: valid, whole in the buffer, within the cap.
			v = w[:n]
			l.br.Discard(n)
			break
		}
		if v, err = l.composite(w, limit); err == nil {
			spans := resetSpans(&l.spans)
			if len(v) > math.MaxInt32 { // past trail.Span's offsets: not indexed
				l.spans, spans = nil, nil
			}
			if validPrefix(v, spans) != len(v) {
				v, err = nil, syntaxError(v)
			}
		}
	default:
		v, err = l.scalar(w, limit)
	}
	if err == nil && l.recording {
		err = l.record(v)
	}
	return v, err
}

// span is a value being read, from its first byte: the unread bytes of br
// while it fits in br's buffer, then a copy in l.long.
type span struct {
	l       *lexer
	data    []byte
	long    bool
	pending int // in l.long, the last bytes of data still unread in br
}

// grow reads more of the value, at most limit+1 bytes in all.
func (sp *span) grow(limit int64) error {
	l := sp.l
	if !sp.long && len(sp.data) < l.br.Size() {
		var err error
		sp.data, err = l.more(sp.data)
		return err
	}
	if !sp.long {
		l.long = append(l.long[:0], sp.data...)
		sp.long, sp.pending = true, len(sp.data)
	}
	l.br.Discard(sp.pending)
	sp.data, sp.pending = l.long, 0
	w, err := l.window()
	if err != nil {
		return err
	}
	if room := limit + 1 - int64(len(l.long)); int64(len(w)) > room {
		w = w[:room]
	}
	l.long = append(l.long, w...)
	sp.data, sp.pending = l.long, len(w)
	return nil
}

// take consumes the value's first n bytes, which end in the bytes read last,
// and returns them.
func (sp *span) take(n int) []byte {
	if !sp.long {
		sp.l.br.Discard(n)
	} else {
		sp.l.br.Discard(n - (len(sp.data) - sp.pending))
	}
	return sp.data[:n]
}

// tooLarge reports a value over the cap whose first bytes are p, unless p
// holds a syntax error, which came first.
func (l *lexer) tooLarge(p []byte) error {
	if err := syntaxIn(p); err != nil {
		return err
	}
	l.err = fmt.Errorf("%w: over %d bytes", ErrRecordTooLarge, l.max)
	return l.err
}

// cutShort reports a value whose first bytes, p, were cut by err (io.EOF: the
// end of the input), unless p holds a syntax error, which came first.
func cutShort(p []byte, err error) error {
	if se := syntaxIn(p); se != nil {
		return se
	}
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// syntaxIn returns the syntax error encoding/json's Decoder finds in p, a
// value or its first bytes, or nil when there is none.
func syntaxIn(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	err := json.NewDecoder(bytes.NewReader(p)).Decode(new(json.RawMessage))
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return nil
	}
	return err
}

// syntaxError returns the error encoding/json's Decoder reports for p, a
// value (or its first bytes) known to be invalid.
func syntaxError(p []byte) error {
	if err := syntaxIn(p); err != nil {
		return err
	}
	return fmt.Errorf("invalid JSON value %.20q", p) // not expected
}

func isSpace(c byte) bool {
	return c <= ' ' && (c == ' ' || c == '\t' || c == '\r' || c == '\n')
}
