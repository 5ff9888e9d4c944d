package loader

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// jsonParser reads the JSON text of one file or member: a sequence of
// top-level values, each a {"Records":[...]} object, a bare array of
// records or a single record; or, when the first value is a one-line
// object without Records and more follows, JSON lines.
//
// The lexer splits the text into values and each record is validated with
// one validJSON call (what json.Valid accepts, faster). The parser accepts
// what encoding/json's Decoder (Token, More and Decode, as the loader used
// them) accepts and stops where it would, with the same error messages; but
// the record cap is exact, and applies to values, not to the white space
// between them.
type jsonParser struct {
	s     *session
	u     unit
	l     *lexer
	line0 int // 0-based line of the first value
	index int // index of the next record
	// ok is what the parser reports to the enclosing archive once a
	// method returned false: whether it may go on with its next member.
	ok bool
	// export reads the entries of exports (exports.go); nil until one is
	// met.
	export *exporter
}

func (s *session) json(u unit, br *bufio.Reader, line0 int) bool {
	p := &jsonParser{s: s, u: u, l: &lexer{br: br, max: s.r.maxRecord}, line0: line0}
	if !p.run() {
		return p.ok
	}
	return true
}

func (p *jsonParser) run() bool {
	l := p.l
	for first := true; ; first = false {
		c, err := l.peek()
		if err == io.EOF {
			return true
		}
		if err != nil {
			return p.fail(-1, err)
		}
		switch c {
		case '[':
			l.next()
			if !p.array() {
				return false
			}
		case '{':
			l.startRecording()
			if err := l.next(); err != nil {
				return p.fail(p.index, err)
			}
			if !p.object(first) {
				return false
			}
		case ']', '}':
			return p.fail(-1, tokenError(c, ctxValue))
		default: // a scalar after the first value
			v, err := p.token()
			if err != nil {
				return p.fail(-1, err)
			}
			i := p.index
			p.index++
			if !p.s.fail(p.u, i, "not_object", fmt.Errorf("%w: %s", ErrNotObject, rawKind(v))) {
				return p.stop(false)
			}
		}
	}
}

// stop ends the parse, telling the enclosing archive ok.
func (p *jsonParser) stop(ok bool) bool {
	p.ok = ok
	return false
}

// fail reports err for record index (-1 for the whole file or member), and
// ends the parse: after a syntax error the next record cannot be found, so
// the error says how much of the input was left unread.
func (p *jsonParser) fail(index int, err error) bool {
	var se *streamError
	switch {
	case errors.As(err, &se):
		return p.stop(p.s.streamFail(p.u, se))
	case errors.Is(err, ErrRecordTooLarge):
		return p.stop(p.s.fail(p.u, index, "record_too_large", p.withUnread(err)))
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return p.stop(p.s.fail(p.u, index, "truncated", fmt.Errorf("JSON: %w", ErrTruncated)))
	}
	return p.stop(p.s.fail(p.u, index, "json_syntax", p.withUnread(err)))
}

// array reads the elements of an array whose '[' was read, one record each.
func (p *jsonParser) array() bool {
	l := p.l
	c, err := l.peek()
	if err != nil {
		return p.fail(-1, err)
	}
	switch c {
	case ']':
		l.next()
		return true
	case '}':
		return p.fail(-1, tokenError(c, ctxValue))
	}
	for {
		i := p.index
		p.index++
		if !p.element(i) {
			return false
		}
		c, err := l.peek()
		if err != nil {
			return p.fail(-1, err)
		}
		switch c {
		case ']':
			l.next()
			return true
		case '}':
			return p.fail(-1, tokenError(c, ctxElem))
		case ',':
		default:
			return p.fail(p.index, errComma)
		}
		l.next()
		if _, err := l.peek(); err != nil {
			return p.fail(p.index, err)
		}
	}
}

// element reads array element i: a record when it is an object.
func (p *jsonParser) element(i int) bool {
	v, err := p.l.value()
	if err != nil {
		if errors.Is(err, ErrRecordTooLarge) && p.l.err == nil { // skipped to its end
			return p.s.fail(p.u, i, "record_too_large", err) || p.stop(false)
		}
		return p.fail(i, err)
	}
	if v[0] != '{' {
		if handled, ok := p.stringEvent(i, v); handled {
			return ok || p.stop(false)
		}
		if !p.s.fail(p.u, i, "not_object", fmt.Errorf("%w: %s", ErrNotObject, rawKind(v))) {
			return p.stop(false)
		}
		return true
	}
	spans := p.l.spans
	if !p.s.emit(p.u, i, v, spans, eventTimeAt(v, spans)) {
		return p.stop(false)
	}
	return true
}

// object reads a top-level object whose '{' was read, recording its bytes:
// a Records wrapper is streamed, and so is an export's array (exports.go);
// any other object is one record, unless it is the only value, when it may
// be a digest, an empty export, or not CloudTrail at all.
func (p *jsonParser) object(first bool) bool {
	l := p.l
	var wrapper, eventKey, digestKey, emptyExport bool
	// export is the export the object is, once one of its arrays said so.
	export := exportNone
	at := func() int { // whom an error concerns
		if wrapper {
			return -1
		}
		return p.index
	}
	fail := func(err error) bool {
		if !wrapper && errors.Is(err, ErrRecordTooLarge) && (l.overflow || l.err == nil) {
			return p.oversizedObject(p.index, first)
		}
		return p.fail(at(), err)
	}
	c, err := l.peek()
	for ctx := ""; err == nil && (c != '}' || ctx != ""); ctx = ctxKey {
		if c != '"' {
			return fail(tokenError(c, ctx))
		}
		var k []byte
		if k, err = l.value(); err != nil {
			return fail(err)
		}
		key := keyName(k)
		records := key == "Records"
		if records && !wrapper {
			l.stopRecording()
			wrapper = true
		}
		kind := exportKindOf(key)
		if kind != export && (export != exportNone || wrapper || eventKey || digestKey) {
			kind = exportNone // the object is something else already
		}
		if c, err = l.peek(); err != nil {
			return fail(err)
		}
		switch {
		case c == ':':
		case records:
			return p.fail(-1, tokenError(c, ctxColon))
		default:
			return fail(errColon)
		}
		if err := l.next(); err != nil {
			return fail(err)
		}
		if records {
			if !p.records() {
				return false
			}
		} else if kind != exportNone {
			switch st, err := p.exportValue(kind, export == kind); st {
			case exportFailed:
				return fail(err)
			case exportStopped:
				return false
			case exportRead:
				wrapper, export = true, kind
			case exportEmpty:
				emptyExport = true
			}
		} else {
			eventKey = eventKey || eventKeys[key]
			digestKey = digestKey || digestKeys[key]
			if _, err := l.peek(); err != nil {
				return fail(err)
			}
			if _, err := l.value(); err != nil {
				return fail(err)
			}
		}
		if c, err = l.peek(); err != nil || c == '}' {
			break
		}
		if c != ',' {
			return fail(tokenError(c, ctxPair))
		}
		if err = l.next(); err == nil {
			c, err = l.peek()
		}
	}
	if err == nil {
		err = l.next() // '}'
	}
	if err != nil {
		return fail(err)
	}
	if wrapper {
		return true
	}
	if emptyExport && !eventKey {
		l.stopRecording()
		p.s.skip("empty")
		return true
	}
	raw := bytes.Clone(l.rec)
	i := p.index
	p.index++
	if !first {
		l.stopRecording()
		return p.emit(i, raw)
	}
	l.recMax = int64(len(l.rec)) + l.max // and the white space after it
	c, err = l.peek()
	switch {
	case err != nil || c == ']' || c == '}':
		// The only value: a single event, a digest, or something else.
		l.stopRecording()
		switch {
		case eventKey:
		case digestKey:
			p.s.skip("digest")
			return true
		case p.s.walked || p.u.layer > 0:
			p.s.skip("not_cloudtrail")
			return true
		}
	case bytes.IndexByte(raw, '\n') < 0:
		// A one-line object and more after it: JSON lines. Read again
		// from the start, line by line.
		return p.stop(p.lines(io.MultiReader(bytes.NewReader(l.rec), l.br)))
	default:
		l.stopRecording()
	}
	return p.emit(i, raw)
}

func (p *jsonParser) emit(i int, raw []byte) bool {
	if !p.s.emit(p.u, i, raw, nil, eventTimeAt(raw, nil)) {
		return p.stop(false)
	}
	return true
}

// records reads the value of a "Records" key.
func (p *jsonParser) records() bool {
	l := p.l
	c, err := l.peek()
	if err != nil {
		return p.fail(-1, err)
	}
	switch c {
	case '[':
		l.next()
		return p.array()
	case '{':
	case ']', '}', ',', ':':
		return p.fail(-1, tokenError(c, ctxValue))
	default:
		v, err := p.token()
		if err != nil {
			return p.fail(-1, err)
		}
		if string(v) == "null" {
			return true
		}
	}
	return p.stop(p.s.fail(p.u, -1, "not_array", ErrNotArray))
}

// token reads a string, number or literal as Decoder.Token does: a number
// must fit a float64.
func (p *jsonParser) token() ([]byte, error) {
	v, err := p.l.value()
	switch {
	case err != nil:
		return nil, err
	case v[0] == '-' || '0' <= v[0] && v[0] <= '9':
		if err := json.Unmarshal(v, new(any)); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// keyName returns the object key k (a valid JSON string) unquoted.
func keyName(k []byte) string {
	if bytes.IndexByte(k, '\\') < 0 {
		return string(k[1 : len(k)-1])
	}
	var s string
	json.Unmarshal(k, &s)
	return s
}

// Syntax errors the parser finds between values, worded as encoding/json's
// Decoder words them.
var (
	errComma = errors.New("expected comma after array element")
	errColon = errors.New("expected colon after object key")
)

// Contexts of tokenError, after the offending byte.
const (
	ctxValue = " looking for beginning of value"
	ctxElem  = " after array element"
	ctxKey   = " looking for beginning of object key string"
	ctxColon = " after object key"
	ctxPair  = " after object key:value pair"
)

func tokenError(c byte, context string) error {
	return errors.New("invalid character " + quoteChar(c) + context)
}

// quoteChar formats c as encoding/json's error messages do.
func quoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	return "'" + s[1:len(s)-1] + "'"
}
