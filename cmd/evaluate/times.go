package main

import (
	"fmt"
	"time"

	"github.com/trailhunt/trailhunt/trail"
)

// timeLayouts are the absolute forms --since, --until and --now accept:
// RFC 3339 (any offset), a date (midnight UTC), and the date-and-time forms
// CloudTrail exports use in eventTime, read as UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	time.DateOnly,
}

// parseTime reads an absolute time, or a duration back from now ("90m",
// "24h", "7d"; s, m, h or d) when now is not zero. The result is UTC.
func parseTime(s string, now time.Time) (time.Time, error) {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if d, err := trail.ParseSpan(s); err == nil && s != "" {
		if now.IsZero() {
			return time.Time{}, fmt.Errorf("%q: a duration is relative to --now, which must be a time", s)
		}
		return now.Add(-d).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time: use RFC 3339 (2024-07-30T21:53:13Z), a date (2024-07-30), "+
		"'2024-07-30 21:53:13' (UTC) or a duration back from now (90m, 24h, 7d)", s)
}
