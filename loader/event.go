package loader

import (
	"time"

	"github.com/trailhunt/trailhunt/trail"
)

// eventTimeAt returns the record's top-level eventTime, parsed with
// trail.ParseEventTime, or the zero time when it is missing, not a string
// or not a usable time. raw is one valid JSON object, whose members are at
// spans (nil: not indexed). When the key occurs more than once the last one
// counts, as with encoding/json. Unlike encoding/json's struct decoding the
// key matches exactly ("EventTime" is another key).
func eventTimeAt(raw []byte, spans []trail.Span) time.Time {
	s, ok := trail.Record{Raw: raw, Spans: spans}.LookupString("eventTime")
	if !ok {
		return time.Time{}
	}
	t, err := trail.ParseEventTime(s)
	if err != nil {
		return time.Time{}
	}
	return t
}
