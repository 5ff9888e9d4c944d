package trail

import (
	"errors"
	"time"
)

// ErrNoTime is returned by ParseEventTime for a value that is not a usable
// CloudTrail event time.
var ErrNoTime = errors.New("not a usable event time")

var eventTimeLayouts = []string{
	time.RFC3339Nano,                // 2024-07-30T21:53:13Z, fractions, offsets
	"2006-01-02 15:04:05.999999999", // Splunk / Athena exports, UTC
	"2006-01-02T15:04:05.999999999", // no zone: UTC
}

// ParseEventTime parses a CloudTrail eventTime: RFC 3339 (with optional
// fraction and any offset) or "YYYY-MM-DD HH:MM:SS[.fraction]" read as UTC.
// The result is in UTC.
func ParseEventTime(s string) (time.Time, error) {
	for _, layout := range eventTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, ErrNoTime
}
