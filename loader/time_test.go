package loader

import (
	"testing"
	"time"
)

func TestEventTime(t *testing.T) {
	cases := []struct {
		name   string
		record string
		want   string // RFC 3339 in UTC; "" for no usable time
	}{
		{"rfc3339_z", `{"eventTime":"2024-07-30T21:53:13Z"}`, "2024-07-30T21:53:13Z"},
		{"rfc3339_fraction", `{"eventTime":"2024-07-30T21:53:13.123456789Z"}`, "2024-07-30T21:53:13.123456789Z"},
		{"rfc3339_plus_offset", `{"eventTime":"2024-07-30T21:53:13+02:00"}`, "2024-07-30T19:53:13Z"},
		{"rfc3339_minus_offset_fraction", `{"eventTime":"2024-07-30T21:53:13.5-05:30"}`, "2024-07-31T03:23:13.5Z"},
		{"space_separated_utc", `{"eventTime":"2024-07-30 21:53:13"}`, "2024-07-30T21:53:13Z"},
		{"space_separated_fraction", `{"eventTime":"2024-07-30 21:53:13.250"}`, "2024-07-30T21:53:13.25Z"},
		{"no_zone", `{"eventTime":"2024-07-30T21:53:13"}`, "2024-07-30T21:53:13Z"},
		{"escaped_value", `{"eventTime":"2024-07-30T21:53:13\u005a"}`, "2024-07-30T21:53:13Z"},
		{"escaped_key", `{"event\u0054ime":"2024-07-30T21:53:13Z"}`, "2024-07-30T21:53:13Z"},
		{"after_nested_values", `{"a":{"eventTime":"1999-01-01T00:00:00Z","b":[1,"}",{"c":"\"]"}]},"eventTime":"2024-07-30T21:53:13Z","z":null}`, "2024-07-30T21:53:13Z"},
		{"last_duplicate_wins", `{"eventTime":"2024-07-30T21:53:13Z","eventTime":"2025-01-01T00:00:00Z"}`, "2025-01-01T00:00:00Z"},
		{"missing", `{"eventName":"CreateAccessKey"}`, ""},
		{"only_nested", `{"userIdentity":{"eventTime":"2024-07-30T21:53:13Z"}}`, ""},
		{"number", `{"eventTime":1722376393}`, ""},
		{"null", `{"eventTime":null}`, ""},
		{"object", `{"eventTime":{"s":"2024-07-30T21:53:13Z"}}`, ""},
		{"garbage", `{"eventTime":"yesterday at noon"}`, ""},
		{"empty_string", `{"eventTime":""}`, ""},
		{"other_case_key", `{"EventTime":"2024-07-30T21:53:13Z"}`, ""},
		{"console_date", `{"eventTime":"Jul 30, 2024 9:53:13 PM"}`, ""},
		{"logstash_timestamp_only", `{"@timestamp":"2020-09-14T01:19:40.000Z","@version":"1"}`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := write(t, dir, "a.json", []byte("["+tc.record+"]"))
			r := New(Config{})
			var got []string
			for rec, err := range r.Records(t.Context(), Input{Path: p}) {
				if err != nil {
					t.Fatal(err)
				}
				if rec.Time.IsZero() {
					got = append(got, "")
				} else {
					if rec.Time.Location() != time.UTC {
						t.Errorf("Time %v not in UTC", rec.Time)
					}
					got = append(got, rec.Time.Format(time.RFC3339Nano))
				}
			}
			if len(got) != 1 || got[0] != tc.want {
				t.Fatalf("times = %q, want [%q]", got, tc.want)
			}
			wantNoTime := int64(0)
			if tc.want == "" {
				wantNoTime = 1
			}
			if st := r.Stats(); st.Records != 1 || st.NoTime != wantNoTime {
				t.Errorf("Stats Records=%d NoTime=%d, want 1 and %d", st.Records, st.NoTime, wantNoTime)
			}
		})
	}
}
