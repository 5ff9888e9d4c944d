package loader

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/trailhunt/trailhunt/trail"
)

// CloudWatch Logs' export to S3 (create-export-task) writes gzip'd text
// files, one log event per line: the event's time (RFC 3339, UTC, in
// milliseconds: 2024-07-30T21:53:13.000Z), a space, then the message, which
// for a CloudTrail log group is the event's JSON on one line.

// maxStampLen bounds the time stamp and the space before a line's JSON
// (RFC 3339 with nanoseconds and an offset is 35 bytes).
const maxStampLen = 40

// stampedLine splits line into its time stamp and the rest after the one
// space that follows it, and reports whether it starts with a time stamp.
func stampedLine(line []byte) (rest []byte, ok bool) {
	i := bytes.IndexByte(line, ' ')
	if i < 0 || !isStamp(line[:i]) {
		return nil, false
	}
	return line[i+1:], true
}

// isStamp reports whether b is an RFC 3339 time stamp:
// YYYY-MM-DDTHH:MM:SS, an optional fraction, then Z or an offset. The
// shape is checked, not the calendar: the stamp is not the event's time
// (the event has its own eventTime), only the mark of the format.
func isStamp(b []byte) bool {
	const shape = "dddd-dd-ddTdd:dd:dd"
	if len(b) < len(shape)+1 {
		return false
	}
	for i := range len(shape) {
		if c := b[i]; shape[i] == 'd' && (c < '0' || c > '9') || shape[i] != 'd' && c != shape[i] && !(i == 10 && c == 't') {
			return false
		}
	}
	b = b[len(shape):]
	if b[0] == '.' {
		n := digitsEnd(b, 1)
		if n == 1 {
			return false
		}
		b = b[n:]
	}
	switch {
	case len(b) == 1 && (b[0] == 'Z' || b[0] == 'z'):
		return true
	case len(b) == 6 && (b[0] == '+' || b[0] == '-') && b[3] == ':':
		return digitsEnd(b, 1) == 3 && digitsEnd(b, 4) == 6
	}
	return false
}

// logsTextFirstLine reports whether the line ahead in br (up to 4 KiB) is a
// CloudWatch Logs export line holding a JSON object: a time stamp, a space,
// then '{'.
func logsTextFirstLine(br *bufio.Reader) bool {
	head, _ := br.Peek(4 << 10)
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	rest, ok := stampedLine(head)
	return ok && len(rest) > 0 && rest[0] == '{'
}

// logsText reads a CloudWatch Logs export: one event per line after its
// time stamp, line0 being the 0-based line of the first. A line's index is
// its 0-based line number, as in JSON lines, and a bad line is an error for
// that line. The first event read decides whether the log group is
// CloudTrail: when it has no CloudTrail key (eventVersion, eventName,
// eventTime), the file is "not_cloudtrail" (skipped when walked or in an
// archive) and not read further.
func (s *session) logsText(u unit, br *bufio.Reader, line0 int) bool {
	var buf []byte
	var spans []trail.Span
	max := s.r.maxRecord
	checked := false
	for line := line0; ; line++ {
		var tooLarge bool
		var err error
		buf, tooLarge, err = readLine(br, buf[:0], max+maxStampLen)
		if err != nil && err != io.EOF {
			return s.readFail(u, -1, err) // the line was cut by the failure: dropped
		}
		text := bytes.TrimRight(buf, " \t\r\n")
		ok := true
		if rest, stamped := stampedLine(text); tooLarge || int64(len(rest)) > max {
			ok = s.fail(u, line, "record_too_large", fmt.Errorf("%w: over %d bytes", ErrRecordTooLarge, max))
		} else if len(bytes.TrimLeft(text, " \t")) == 0 {
			// a blank line
		} else if !stamped {
			ok = s.fail(u, line, "export_event_invalid", fmt.Errorf("%w: the line is not a time stamp, a space and an event", ErrExportEvent))
		} else if validPrefix(rest, resetSpans(&spans)) != len(rest) || len(rest) == 0 {
			ok = s.fail(u, line, "json_syntax", json.Unmarshal(rest, new(json.RawMessage)))
		} else if rest[0] != '{' {
			ok = s.fail(u, line, "not_object", fmt.Errorf("%w: %s", ErrNotObject, rawKind(rest)))
		} else {
			if !checked {
				checked = true
				if !hasEventKey(rest, spans) {
					return s.notCloudTrail(u, "CloudWatch Logs export (create-export-task)")
				}
			}
			ok = s.emit(u, line, rest, spans, eventTimeAt(rest, spans))
		}
		if !ok {
			return false
		}
		if err == io.EOF {
			return true
		}
	}
}

// notCloudTrail skips content that is plainly not CloudTrail when it was
// found by a directory walk or inside an archive, and reports it as an error
// in a file the user named. It reports whether the enclosing archive may go
// on.
func (s *session) notCloudTrail(u unit, what string) bool {
	if s.walked || u.layer > 0 {
		s.skip("not_cloudtrail")
		return true
	}
	return s.fail(u, -1, "not_cloudtrail", fmt.Errorf("%s: %w", what, ErrNotCloudTrailEvents))
}

// CSV: CloudTrail as a table (an Athena query's results, a CloudTrail Lake
// query saved to S3, the console's event history downloaded as CSV) has no
// event JSON in it to evaluate. Its header is recognised so that such a file
// is reported as unsupported rather than skipped as not CloudTrail.

// csvEventColumns are the normalised column names (lower case, without
// spaces, '_' and '-') of which a header must have two to be CloudTrail's.
var csvEventColumns = map[string]bool{"eventid": true, "eventtime": true, "eventname": true, "eventsource": true}

// cloudTrailCSV returns the CloudTrail columns of the header line ahead in br
// (up to 4 KiB), quoted and comma-separated, when it is a CSV header with at
// least two of eventID, eventTime, eventName and eventSource (in any case,
// quoted or not, with spaces, '_' or '-' inside); else "".
func cloudTrailCSV(br *bufio.Reader) string {
	head, _ := br.Peek(4 << 10)
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	if bytes.IndexByte(head, ',') < 0 {
		return ""
	}
	var found []string
	for f := range strings.SplitSeq(string(head), ",") {
		f = strings.Trim(strings.TrimSpace(f), `"`)
		norm := strings.ToLower(strings.NewReplacer(" ", "", "_", "", "-", "").Replace(f))
		if csvEventColumns[norm] {
			found = append(found, strconv.Quote(f))
		}
	}
	if len(found) < 2 {
		return ""
	}
	return strings.Join(found, ", ")
}

// csvUnsupported is the error for the CloudTrail CSV ahead in br.
func csvUnsupported(br *bufio.Reader) error {
	return fmt.Errorf("CSV with CloudTrail's columns (%s; trailhunt reads the events as JSON): %w", cloudTrailCSV(br), ErrUnsupported)
}
