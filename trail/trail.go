// Package trail holds the few types that travel along trailhunt's data path:
// a CloudTrail record with its provenance, the metadata of a detection, and a
// finding. It is the leaf of the import graph: it imports only the standard
// library, and every other trailhunt package may import it.
//
// Invariants:
//   - a Record's Raw is exactly one syntactically valid JSON object, as read;
//     nothing downstream mutates it;
//   - a Record's Spans are nil (not indexed) or locate every top-level member
//     of Raw, in order: a lookup through them finds what Member finds;
//   - a Finding's Values are aligned with its Detection's By fields: same
//     length, same order; a nil element is a null (the record lacked it);
//   - Time values are UTC, or zero when the record had no usable eventTime.
package trail

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Source says where a record came from, precisely enough for a person to
// find it again: the file (or "-" for standard input), the member inside a
// zip or tar archive when there is one, and the record's 0-based index within
// that file or member.
type Source struct {
	File   string `json:"file"`
	Member string `json:"member,omitempty"`
	Index  int    `json:"index"`
}

// String renders the source as file[!member]#index, e.g.
// "logs.zip!AWSLogs/1/CloudTrail/x.json.gz#3".
func (s Source) String() string {
	var b strings.Builder
	b.WriteString(s.File)
	if s.Member != "" {
		b.WriteByte('!')
		b.WriteString(s.Member)
	}
	b.WriteByte('#')
	b.WriteString(strconv.Itoa(s.Index))
	return b.String()
}

// Record is one CloudTrail event as read from an input.
type Record struct {
	Source Source
	// Raw is the record's JSON object, exactly as it appeared in the input.
	Raw []byte
	// Time is the parsed eventTime in UTC; zero when the record had none or
	// it was not a usable time (see ParseEventTime).
	Time time.Time
	// Spans, when not nil, locate every top-level member of Raw, in order
	// (the loader finds them as it validates the record): Lookup then reads
	// only the keys. Nil means not indexed, never "no members".
	Spans []Span
}

// Clone returns a copy of r that shares no memory with it.
func (r Record) Clone() Record {
	r.Raw = bytes.Clone(r.Raw)
	r.Spans = slices.Clone(r.Spans)
	return r
}

// Finding is one record that matched one detection, before aggregation.
type Finding struct {
	// Detection is the id of the detection that produced the finding.
	Detection string
	// Values are the finding's by-field values, aligned with the
	// detection's By list; nil is null.
	Values []*string
	// Extra are the values of the detection's Extra fields (those its stats
	// functions read besides the by-fields), aligned with Extra(); nil is
	// null.
	Extra []*string
	// Time is the record's event time (zero when unknown).
	Time time.Time
	// Source is where the record came from.
	Source Source
	// SuppressedBy lists the ids of the filter entries that suppress this
	// finding, sorted; empty when the finding is shown.
	SuppressedBy []string
}

// Suppressed reports whether a filter entry hides the finding.
func (f Finding) Suppressed() bool { return len(f.SuppressedBy) > 0 }
