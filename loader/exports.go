package loader

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/trailhunt/trailhunt/trail"
)

// Exports: the JSON that AWS tools print when they hand out CloudTrail events
// other than as delivered to S3. Each is a top-level object with one array
// whose entries carry one event each, as a JSON string:
//
//   - "Events": aws cloudtrail lookup-events; each entry's "CloudTrailEvent"
//     is the event;
//   - "events": aws logs filter-log-events and get-log-events; each entry's
//     "message" is the event (a CloudTrail-to-CloudWatch Logs group holds one
//     event per message);
//   - "logEvents": the same, as a CloudWatch Logs subscription delivers it
//     (through Data Firehose to S3: {"messageType": "DATA_MESSAGE", ...,
//     "logEvents": [...]} objects one after the other); an object whose
//     message is "CWL CONTROL MESSAGE: ..." holds no events and is skipped;
//   - "QueryResultRows": aws cloudtrail get-query-results (CloudTrail Lake);
//     each row is an array of one-member objects, one per column, and a row
//     holds a whole event when one column's value is the event as JSON.
//
// Such an object is read like a Records wrapper: the array is streamed, an
// entry at a time, and each entry's event, decoded, is one record (validated
// and indexed like any other) whose index is the entry's position in the
// array (continuing across consecutive top-level values). What the object
// is, is decided by the array's first entry; see exporter.decide.

// exportKind is the export a top-level key announces.
type exportKind uint8

const (
	exportNone   exportKind = iota
	exportLookup            // "Events"
	exportLogs              // "events"
	exportLake              // "QueryResultRows"
)

func exportKindOf(key string) exportKind {
	switch key {
	case "Events":
		return exportLookup
	case "events", "logEvents":
		return exportLogs
	case "QueryResultRows":
		return exportLake
	}
	return exportNone
}

// exportState is what exportValue made of the value of an export key.
type exportState uint8

const (
	exportNot     exportState = iota // not an export: the value was read as any other (recorded)
	exportRead                       // an export: its entries were read
	exportEmpty                      // an empty array: an export with no events, if the object is not an event
	exportFailed                     // the value could not be read: the error is the object's
	exportStopped                    // reading stopped (p.ok says whether the archive may go on)
)

// exportVerdict is what the first entry of an export's array says.
type exportVerdict uint8

const (
	verdictNot           exportVerdict = iota // not this export at all: an ordinary object
	verdictRead                               // entries with events: read them
	verdictUnsupported                        // the export, without the events: "unsupported"
	verdictNotCloudTrail                      // the export, of events that are not CloudTrail
	verdictControl                            // a CloudWatch Logs subscription's control message: no events
)

// controlMessage starts the message of a CloudWatch Logs subscription's
// control message (sent to check the destination), which holds no events.
var controlMessage = []byte("CWL CONTROL MESSAGE")

// ErrExportEvent: an entry of an export (lookup-events, CloudWatch Logs,
// CloudTrail Lake) whose event cannot be read: missing, not a string, not a
// JSON object.
var ErrExportEvent = errors.New("invalid exported event")

// ErrNotCloudTrailEvents: an export (CloudWatch Logs) whose events are not
// CloudTrail events, in a file named by the user. (Found by a directory walk
// or in an archive, such a file is skipped as "not_cloudtrail" instead.)
var ErrNotCloudTrailEvents = errors.New("the events in it are not CloudTrail events")

// Keys that say an entry belongs to an export even when its event is not in
// it (the output was cut down with --query, or the query selected columns).
var (
	lookupEntryKeys = []string{"EventId", "EventName", "EventTime", "EventSource", "Username", "Resources", "AccessKeyId", "ReadOnly"}
	logsEntryKeys   = []string{"logStreamName", "timestamp", "ingestionTime", "eventId"}
)

// exporter reads the entries of one export.
type exporter struct {
	kind exportKind
	// field is the member of an entry (lookup-events, CloudWatch Logs) or
	// the column of a row (CloudTrail Lake) that holds the event.
	field string
	buf   []byte       // the event being read, decoded; reused
	spans []trail.Span // its members
	cols  []trail.Span // the members of a Lake row's column, reused
}

// exportValue reads the value of the key of an export of this kind, from its
// first byte. When decided, an earlier array of the object was an export of
// this kind: this one is read the same way, without deciding again.
// Otherwise, while the object is still recorded (it may turn out to be one
// record), the array's first entry decides what the object is.
func (p *jsonParser) exportValue(kind exportKind, decided bool) (exportState, error) {
	l := p.l
	c, err := l.peek()
	if err != nil {
		return exportFailed, err
	}
	if c != '[' { // not the shape of an export: a value like any other
		if _, err := l.value(); err != nil {
			return exportFailed, err
		}
		return exportNot, nil
	}
	if err := l.next(); err != nil {
		return exportFailed, err
	}
	if c, err = l.peek(); err != nil {
		return exportFailed, p.outOfArray(err)
	}
	if c == ']' {
		if err := l.next(); err != nil {
			return exportFailed, p.outOfArray(err)
		}
		if decided {
			return exportRead, nil
		}
		return exportEmpty, nil
	}
	if decided {
		return p.exportEntries(p.export, nil, nil), nil
	}
	v, err := l.value()
	if err != nil {
		return exportFailed, p.outOfArray(err)
	}
	var spans []trail.Span
	if v[0] == '{' {
		spans = l.spans
	}
	if p.export == nil {
		p.export = new(exporter)
	}
	x := p.export
	x.kind, x.field = kind, ""
	verdict, what := x.decide(v, spans)
	if verdict == verdictNot {
		return p.restOfArray()
	}
	l.stopRecording()
	switch verdict {
	case verdictControl: // the object holds no events: its array is skipped
		if err := l.skipRest(skipper{depth: 1}); err != nil {
			p.fail(-1, err)
			return exportStopped, nil
		}
		return exportRead, nil
	case verdictUnsupported:
		p.stop(p.s.fail(p.u, -1, "unsupported", fmt.Errorf("%s: %w", what, ErrUnsupported)))
		return exportStopped, nil
	case verdictNotCloudTrail:
		p.stop(p.s.notCloudTrail(p.u, what))
		return exportStopped, nil
	}
	return p.exportEntries(x, v, spans), nil
}

// stringEvent reads v, a valid JSON string met where a record belongs (an
// element of an array, a line of JSON lines), as an event when it holds a
// JSON object: `aws cloudtrail lookup-events --query
// 'Events[].CloudTrailEvent'` prints the events so, and `jq
// '.Events[].CloudTrailEvent'` one a line. It reports whether v was such an
// event, and then whether reading may go on. Any other string is left to
// the caller (a "not_object" error).
func (p *jsonParser) stringEvent(i int, v []byte) (handled, ok bool) {
	if v[0] != '"' {
		return false, true
	}
	if p.export == nil {
		p.export = new(exporter)
	}
	x := p.export
	ev, valid := x.decode(v)
	if !valid || ev[0] != '{' {
		return false, true
	}
	return true, p.s.emit(p.u, i, ev, x.spans, eventTimeAt(ev, x.spans))
}

// exportEntries reads the entries of an export's array, whose '[' was read,
// starting with v (the first entry, read already, spans its members; or nil),
// up to its ']'. It returns exportRead, or exportStopped when reading
// stopped.
func (p *jsonParser) exportEntries(x *exporter, v []byte, spans []trail.Span) exportState {
	l := p.l
	for {
		i := p.index
		p.index++
		if v == nil {
			var err error
			switch v, err = l.value(); {
			case err == nil:
				spans = nil
				if v[0] == '{' {
					spans = l.spans
				}
			case errors.Is(err, ErrRecordTooLarge) && l.err == nil: // skipped to its end
				if !p.s.fail(p.u, i, "record_too_large", err) {
					return p.exportStop(false)
				}
			default:
				p.fail(i, err)
				return exportStopped
			}
		}
		if v != nil && !x.entry(p, i, v, spans) {
			return p.exportStop(false)
		}
		v = nil
		c, err := l.peek()
		if err != nil {
			p.fail(-1, err)
			return exportStopped
		}
		switch c {
		case ']':
			l.next()
			return exportRead
		case '}':
			p.fail(-1, tokenError(c, ctxElem))
			return exportStopped
		case ',':
		default:
			p.fail(p.index, errComma)
			return exportStopped
		}
		l.next()
		if _, err := l.peek(); err != nil {
			p.fail(p.index, err)
			return exportStopped
		}
	}
}

func (p *jsonParser) exportStop(ok bool) exportState {
	p.stop(ok)
	return exportStopped
}

// restOfArray reads the rest of an array whose first element was read, when
// the object holding it is not an export: as any value of an object that may
// be one record is read (recorded, each element checked), up to its ']'.
func (p *jsonParser) restOfArray() (exportState, error) {
	l := p.l
	for {
		c, err := l.peek()
		if err != nil {
			return exportFailed, p.outOfArray(err)
		}
		switch c {
		case ']':
			if err := l.next(); err != nil {
				return exportFailed, p.outOfArray(err)
			}
			return exportNot, nil
		case ',':
			if err := l.next(); err != nil {
				return exportFailed, p.outOfArray(err)
			}
			if _, err := l.peek(); err != nil {
				return exportFailed, p.outOfArray(err)
			}
			if _, err := l.value(); err != nil {
				return exportFailed, p.outOfArray(err)
			}
		default:
			return exportFailed, tokenError(c, ctxElem)
		}
	}
}

// outOfArray prepares err, met inside the array of a recorded object, for
// the object's error handling, which works at the object's own level: an
// object over the record cap is skipped by its brackets from there
// (oversizedObject), so the rest of the array is skipped first.
func (p *jsonParser) outOfArray(err error) error {
	l := p.l
	if !errors.Is(err, ErrRecordTooLarge) || !(l.overflow || l.err == nil) {
		return err
	}
	l.err = nil
	if serr := l.skipRest(skipper{depth: 1}); serr != nil && serr != io.ErrUnexpectedEOF {
		return serr
	}
	return err
}

// decide says what an export's array is from its first entry, v (spans: its
// members, when it is an object), and for a verdict other than verdictRead
// and verdictNot, what was recognised, for the error. It sets x.field.
//
//   - lookup-events: an entry with CloudTrailEvent is read; one with other
//     keys of lookup-events' Event (EventId, EventName, ...) but no
//     CloudTrailEvent is unsupported (the output was cut down with --query);
//     anything else is not an export.
//   - CloudWatch Logs: an entry with a string "message" is read when the
//     message is a JSON object with a CloudTrail key (eventVersion,
//     eventName, eventTime) or not valid JSON (an event that is broken, an
//     error for its entry); a message that is other JSON or text is a log
//     group that is not CloudTrail (not_cloudtrail); an entry with other
//     keys of CloudWatch Logs' events (timestamp, logStreamName, ...) and
//     no message is unsupported; anything else is not an export.
//   - CloudTrail Lake: a row with a column whose value is a CloudTrail event
//     (a JSON object with a CloudTrail key, as a string), or whose only
//     column holds a JSON object string, is read; any other row is
//     unsupported (the query selected columns, not whole events):
//     "QueryResultRows" names nothing but CloudTrail Lake.
func (x *exporter) decide(v []byte, spans []trail.Span) (exportVerdict, string) {
	switch x.kind {
	case exportLookup:
		if v[0] != '{' {
			return verdictNot, ""
		}
		if trail.MemberAt(v, spans, "CloudTrailEvent") != nil {
			x.field = "CloudTrailEvent"
			return verdictRead, ""
		}
		if keys := presentKeys(v, spans, lookupEntryKeys); keys != "" {
			return verdictUnsupported, "aws cloudtrail lookup-events output without CloudTrailEvent (its entries have " + keys +
				"; save the output of lookup-events without --query)"
		}
	case exportLogs:
		if v[0] != '{' {
			return verdictNot, ""
		}
		msg := trail.MemberAt(v, spans, "message")
		if msg == nil {
			if keys := presentKeys(v, spans, logsEntryKeys); keys != "" {
				return verdictUnsupported, "CloudWatch Logs events without a message (they have " + keys + ")"
			}
			return verdictNot, ""
		}
		if msg[0] != '"' {
			return verdictNot, ""
		}
		x.field = "message"
		ev, ok := x.decode(msg)
		switch {
		case bytes.HasPrefix(x.buf, controlMessage):
			return verdictControl, ""
		case ok && ev[0] == '{' && hasEventKey(ev, x.spans), !ok && startsObject(x.buf):
			return verdictRead, ""
		}
		return verdictNotCloudTrail, "CloudWatch Logs output (filter-log-events, get-log-events or a subscription)"
	case exportLake:
		if v[0] == '[' {
			if col, ok := x.lakeEventColumn(v); ok {
				x.field = col
				return verdictRead, ""
			}
		}
		return verdictUnsupported, "CloudTrail Lake query results without whole events (" + lakeColumns(v) +
			"; trailhunt reads rows with a column holding each event as a JSON object)"
	}
	return verdictNot, ""
}

// entry reads entry i of the export, v (spans: its members when it is an
// object), and yields its event or an error. It reports false when reading
// must stop.
func (x *exporter) entry(p *jsonParser, i int, v []byte, spans []trail.Span) bool {
	var raw []byte
	what := x.field
	switch {
	case x.kind == exportLake:
		if v[0] != '[' {
			return p.s.fail(p.u, i, "export_event_invalid", fmt.Errorf("%w: the row is a JSON %s, not an array", ErrExportEvent, rawKind(v)))
		}
		raw = x.lakeColumn(v, x.field)
		what = "column " + strconv.Quote(x.field)
	case v[0] != '{':
		return p.s.fail(p.u, i, "not_object", fmt.Errorf("%w: %s", ErrNotObject, rawKind(v)))
	default:
		raw = trail.MemberAt(v, spans, x.field)
	}
	switch {
	case raw == nil:
		return p.s.fail(p.u, i, "export_event_invalid", fmt.Errorf("%w: no %s", ErrExportEvent, what))
	case raw[0] != '"':
		return p.s.fail(p.u, i, "export_event_invalid", fmt.Errorf("%w: %s is a JSON %s, not a string", ErrExportEvent, what, rawKind(raw)))
	}
	ev, ok := x.decode(raw)
	if !ok {
		return p.s.fail(p.u, i, "export_event_invalid", fmt.Errorf("%w: %s: %s", ErrExportEvent, what, eventSyntax(x.buf)))
	}
	if ev[0] != '{' {
		return p.s.fail(p.u, i, "export_event_invalid", fmt.Errorf("%w: %s holds a JSON %s, not an object", ErrExportEvent, what, rawKind(ev)))
	}
	return p.s.emit(p.u, i, ev, x.spans, eventTimeAt(ev, x.spans))
}

// decode decodes s, a JSON string holding an event, into x.buf, and returns
// the JSON value in it (white space around it trimmed) with its members in
// x.spans when it is an object, and whether it is one valid JSON value.
func (x *exporter) decode(s []byte) ([]byte, bool) {
	x.buf = appendUnquoted(x.buf[:0], s)
	ev := x.buf[skipWS(x.buf, 0):]
	for len(ev) > 0 && isSpace(ev[len(ev)-1]) {
		ev = ev[:len(ev)-1]
	}
	spans := resetSpans(&x.spans)
	if len(ev) > math.MaxInt32 { // past trail.Span's offsets: not indexed
		x.spans, spans = nil, nil
	}
	if len(ev) == 0 || validPrefix(ev, spans) != len(ev) {
		return nil, false
	}
	if ev[0] != '{' {
		x.spans = nil
	}
	return ev, true
}

// eventSyntax says what is wrong with b, text that is not one JSON value.
func eventSyntax(b []byte) string {
	if len(skipSpaceBytes(b)) == 0 {
		return "empty"
	}
	if err := json.Unmarshal(b, new(json.RawMessage)); err != nil {
		return err.Error()
	}
	return "not JSON" // not expected: b was found invalid
}

func skipSpaceBytes(b []byte) []byte { return b[skipWS(b, 0):] }

// startsObject reports whether b, after white space, starts like a JSON
// object.
func startsObject(b []byte) bool {
	b = skipSpaceBytes(b)
	return len(b) > 0 && b[0] == '{'
}

// hasEventKey reports whether the JSON object ev (members at spans) has a
// top-level key only a CloudTrail event has.
func hasEventKey(ev []byte, spans []trail.Span) bool {
	for key := range eventKeys {
		if trail.MemberAt(ev, spans, key) != nil {
			return true
		}
	}
	return false
}

// presentKeys lists which of keys the object v has, comma-separated.
func presentKeys(v []byte, spans []trail.Span, keys []string) string {
	var found []string
	for _, k := range keys {
		if trail.MemberAt(v, spans, k) != nil {
			found = append(found, k)
		}
	}
	return strings.Join(found, ", ")
}
