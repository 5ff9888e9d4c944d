package loader

import (
	"bytes"
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

// topEventTime is eventTime for raw, a valid JSON object whose nested
// objects and arrays the splitter found at spans (see splitter). Its
// top-level keys lie in the gaps between those. When the gaps hold no
// backslash, no key there is escaped and every quote there opens or closes
// a string, so the last "eventTime" followed by a colon is the key
// eventTime finds, and a plain search does. Otherwise it falls back to
// eventTime.
func topEventTime(raw []byte, spans []int) time.Time {
	const key = `"eventTime"`
	val := -1 // offset after the colon of the last top-level eventTime
	for k, lo := 0, 0; k <= len(spans); k += 2 {
		hi := len(raw)
		if k < len(spans) {
			hi = spans[k]
		}
		gap := raw[lo:hi]
		if bytes.IndexByte(gap, '\\') >= 0 {
			return eventTime(raw)
		}
		// Look for the rare 'T' rather than the quote that starts the key.
		const t = len(`"event`)
		for i := t; i < len(gap); i++ {
			j := bytes.IndexByte(gap[i:], 'T')
			if j < 0 {
				break
			}
			i += j
			if i+len(key)-t > len(gap) || string(gap[i-t:i-t+len(key)]) != key {
				continue
			}
			// A key when a colon follows; a string value otherwise.
			if c := skipSpace(gap, i-t+len(key)); c < len(gap) && gap[c] == ':' {
				val = lo + c + 1
			}
		}
		if k < len(spans) {
			lo = spans[k+1]
		}
	}
	if val < 0 {
		return time.Time{}
	}
	i := skipSpace(raw, val)
	if i == len(raw) || raw[i] != '"' {
		return time.Time{}
	}
	j := bytes.IndexByte(raw[i+1:], '"') // the string has no escapes
	t, err := trail.ParseEventTime(string(raw[i+1 : i+1+j]))
	if err != nil {
		return time.Time{}
	}
	return t
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}
