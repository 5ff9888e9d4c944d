package loader

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// jsonParser reads the JSON text of one file or member: a sequence of
// top-level values, each a {"Records":[...]} object, a bare array of
// records or a single record; or, when the first value is a one-line
// object without Records and more follows, JSON lines.
type jsonParser struct {
	s     *session
	u     unit
	br    *bufio.Reader
	cr    *capReader
	dec   *json.Decoder
	line0 int // 0-based line of the first value
	index int // index of the next record
	skip  json.RawMessage
	// ok is what the parser reports to the enclosing archive once a
	// method returned false: whether it may go on with its next member.
	ok bool
}

func (s *session) json(u unit, br *bufio.Reader, line0 int) bool {
	cr := &capReader{r: br, max: s.r.maxRecord, pin: -1}
	dec := json.NewDecoder(cr)
	cr.dec = dec
	p := &jsonParser{s: s, u: u, br: br, cr: cr, dec: dec, line0: line0}
	if !p.run() {
		return p.ok
	}
	return true
}

func (p *jsonParser) run() bool {
	for first := true; p.dec.More(); first = false {
		p.cr.startRecording()
		tok, err := p.dec.Token()
		if err != nil {
			return p.fail(-1, err)
		}
		switch tok {
		case json.Delim('['):
			p.cr.stopRecording()
			if !p.array() {
				return false
			}
		case json.Delim('{'):
			if !p.object(first) {
				return false
			}
		default: // a scalar after the first value
			p.cr.stopRecording()
			i := p.index
			p.index++
			if !p.s.fail(p.u, i, "not_object", fmt.Errorf("%w: %s", ErrNotObject, tokenKind(tok))) {
				return p.stop(false)
			}
		}
	}
	tok, err := p.dec.Token()
	switch {
	case err == io.EOF:
		return true
	case err == nil: // not expected: More said no value follows
		err = fmt.Errorf("unexpected %v after top-level value", tok)
	}
	return p.fail(-1, err)
}

// stop ends the parse, telling the enclosing archive ok.
func (p *jsonParser) stop(ok bool) bool {
	p.ok = ok
	return false
}

// fail reports err from the decoder, for record index (-1 for the whole
// file or member), and ends the parse: after a syntax error the decoder
// cannot find the next record.
func (p *jsonParser) fail(index int, err error) bool {
	var se *streamError
	switch {
	case errors.As(err, &se):
		return p.stop(p.s.streamFail(p.u, se))
	case errors.Is(err, ErrRecordTooLarge):
		return p.stop(p.s.fail(p.u, index, "record_too_large", err))
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return p.stop(p.s.fail(p.u, index, "truncated", fmt.Errorf("JSON: %w", ErrTruncated)))
	}
	return p.stop(p.s.fail(p.u, index, "json_syntax", err))
}

// array reads the elements of an array whose '[' was read, one record each.
func (p *jsonParser) array() bool {
	for p.dec.More() {
		i := p.index
		p.index++
		var raw json.RawMessage // a fresh copy: the consumer may keep it
		if err := p.dec.Decode(&raw); err != nil {
			return p.fail(i, err)
		}
		if raw[0] != '{' {
			if !p.s.fail(p.u, i, "not_object", fmt.Errorf("%w: %s", ErrNotObject, rawKind(raw))) {
				return p.stop(false)
			}
			continue
		}
		if !p.s.emit(p.u, i, raw) {
			return p.stop(false)
		}
	}
	if _, err := p.dec.Token(); err != nil {
		return p.fail(-1, err)
	}
	return true
}

// object reads a top-level object whose '{' was read, recording its bytes:
// a Records wrapper is streamed; any other object is one record, unless it
// is the only value, when it may be a digest or not CloudTrail at all.
func (p *jsonParser) object(first bool) bool {
	var wrapper, eventKey, digestKey bool
	at := func() int { // whom an error concerns
		if wrapper {
			return -1
		}
		return p.index
	}
	for p.dec.More() {
		tok, err := p.dec.Token()
		if err != nil {
			return p.fail(at(), err)
		}
		key, _ := tok.(string)
		if key == "Records" {
			if !wrapper {
				p.cr.stopRecording()
				wrapper = true
			}
			if !p.records() {
				return false
			}
			continue
		}
		eventKey = eventKey || eventKeys[key]
		digestKey = digestKey || digestKeys[key]
		if err := p.dec.Decode(&p.skip); err != nil {
			return p.fail(at(), err)
		}
	}
	if _, err := p.dec.Token(); err != nil {
		return p.fail(at(), err)
	}
	if wrapper {
		return true
	}
	raw := p.cr.value(p.dec.InputOffset())
	i := p.index
	p.index++
	if first && !p.dec.More() {
		// The only value: a single event, a digest, or something else.
		p.cr.stopRecording()
		switch {
		case eventKey:
		case digestKey:
			p.s.skip("digest")
			return true
		case p.s.walked || p.u.layer > 0:
			p.s.skip("not_cloudtrail")
			return true
		}
	} else if first && bytes.IndexByte(raw, '\n') < 0 {
		// A one-line object and more after it: JSON lines. Read again
		// from the start, line by line.
		r := io.MultiReader(bytes.NewReader(p.cr.rec), p.br)
		p.cr.recording = false
		return p.stop(p.lines(r))
	} else {
		p.cr.stopRecording()
	}
	if !p.s.emit(p.u, i, raw) {
		return p.stop(false)
	}
	return true
}

// records reads the value of a "Records" key.
func (p *jsonParser) records() bool {
	tok, err := p.dec.Token()
	if err != nil {
		return p.fail(-1, err)
	}
	switch tok {
	case json.Delim('['):
		return p.array()
	case nil: // "Records": null
		return true
	}
	return p.stop(p.s.fail(p.u, -1, "not_array", ErrNotArray))
}

// lines reads JSON lines: one record per line, blank lines ignored. A bad
// line is reported with its 0-based line number and reading goes on.
func (p *jsonParser) lines(r io.Reader) bool {
	br := bufio.NewReaderSize(r, bufSize)
	var buf []byte
	for line := p.line0; ; line++ {
		var tooLarge bool
		var err error
		buf, tooLarge, err = readLine(br, buf[:0], p.s.r.maxRecord)
		if err != nil && err != io.EOF {
			// The line was cut by the failure: drop it.
			return p.s.readFail(p.u, -1, err)
		}
		rec := bytes.Trim(buf, " \t\r\n")
		ok := true
		switch {
		case tooLarge || int64(len(rec)) > p.s.r.maxRecord:
			ok = p.s.fail(p.u, line, "record_too_large",
				fmt.Errorf("%w: over %d bytes", ErrRecordTooLarge, p.s.r.maxRecord))
		case len(rec) == 0:
		case !json.Valid(rec):
			ok = p.s.fail(p.u, line, "json_syntax", json.Unmarshal(rec, new(json.RawMessage)))
		case rec[0] != '{':
			ok = p.s.fail(p.u, line, "not_object", fmt.Errorf("%w: %s", ErrNotObject, rawKind(rec)))
		default:
			ok = p.s.emit(p.u, line, bytes.Clone(rec))
		}
		if !ok {
			return false
		}
		if err == io.EOF {
			return true
		}
	}
}

// readLine appends the next line (with its newline) to buf. A line longer
// than max (plus room for "\r\n") is not kept: tooLarge is set and the rest
// of the line is read and dropped.
func readLine(br *bufio.Reader, buf []byte, max int64) (_ []byte, tooLarge bool, _ error) {
	for {
		frag, err := br.ReadSlice('\n')
		if !tooLarge {
			if int64(len(buf)+len(frag)) > max+2 {
				tooLarge = true
				buf = buf[:0]
			} else {
				buf = append(buf, frag...)
			}
		}
		if err != bufio.ErrBufferFull {
			return buf, tooLarge, err
		}
	}
}

var eventKeys = map[string]bool{"eventName": true, "eventVersion": true, "eventTime": true}

var digestKeys = map[string]bool{
	"digestStartTime":             true,
	"digestEndTime":               true,
	"digestS3Bucket":              true,
	"digestS3Object":              true,
	"digestPublicKeyFingerprint":  true,
	"digestSignatureAlgorithm":    true,
	"previousDigestS3Bucket":      true,
	"previousDigestS3Object":      true,
	"previousDigestHashValue":     true,
	"previousDigestHashAlgorithm": true,
	"previousDigestSignature":     true,
	"logFiles":                    true,
}

// rawKind names the JSON type of a valid value.
func rawKind(raw []byte) string {
	switch raw[0] {
	case 'n':
		return "null"
	case 't', 'f':
		return "boolean"
	case '"':
		return "string"
	case '[':
		return "array"
	case '{':
		return "object"
	}
	return "number"
}

// tokenKind names the JSON type of a scalar token.
func tokenKind(tok json.Token) string {
	switch tok.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	}
	return "number"
}
