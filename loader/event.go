package loader

import (
	"time"

	"github.com/trailhunt/trailhunt/trail"
)

// eventTime returns the record's top-level eventTime, parsed with
// trail.ParseEventTime, or the zero time when it is missing, not a string
// or not a usable time. raw is one valid JSON object. When the key occurs
// more than once the last one counts, as with encoding/json. Unlike
// encoding/json's struct decoding the key matches exactly ("EventTime" is
// another key).
func eventTime(raw []byte) time.Time {
	s, ok := trail.StringMember(raw, "eventTime")
	if !ok {
		return time.Time{}
	}
	t, err := trail.ParseEventTime(s)
	if err != nil {
		return time.Time{}
	}
	return t
}
