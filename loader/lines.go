package loader

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/trailhunt/trailhunt/trail"
)

// lines reads JSON lines from r through a pooled buffer (see linesFrom).
func (p *jsonParser) lines(r io.Reader) bool {
	br := getBufReader(r)
	defer putBufReader(br)
	return p.linesFrom(br)
}

// linesFrom reads JSON lines: one record per line, blank lines ignored. A
// bad line is reported with its 0-based line number and reading goes on.
// (br is read as it is, never wrapped again: bufio.NewReaderSize would
// return br itself, and the pool would then get it twice.)
func (p *jsonParser) linesFrom(br *bufio.Reader) bool {
	var buf []byte
	var spans []trail.Span
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
		case validPrefix(rec, resetSpans(&spans)) != len(rec):
			ok = p.s.fail(p.u, line, "json_syntax", json.Unmarshal(rec, new(json.RawMessage)))
		case rec[0] != '{':
			if handled, cont := p.stringEvent(line, rec); handled {
				ok = cont
			} else {
				ok = p.s.fail(p.u, line, "not_object", fmt.Errorf("%w: %s", ErrNotObject, rawKind(rec)))
			}
		default:
			ok = p.s.emit(p.u, line, rec, spans, eventTimeAt(rec, spans))
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
