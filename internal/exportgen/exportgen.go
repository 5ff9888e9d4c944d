// Package exportgen wraps CloudTrail records in the shapes AWS tools export
// them in, for tests: the same events in, the same findings out. Each
// function takes records (each one JSON object) and returns the bytes a
// tool would print or write, with the other fields filled in from the
// record as the tool fills them:
//
//   - LookupEvents: aws cloudtrail lookup-events (--output json), each event
//     a JSON string in CloudTrailEvent;
//   - FilterLogEvents and GetLogEvents: aws logs filter-log-events and
//     get-log-events over a CloudTrail log group, each event a JSON string
//     in message;
//   - LogsExport: a CloudWatch Logs export to S3 (create-export-task), one
//     "<time stamp> <event>" line each, before gzip;
//   - LakeResults: aws cloudtrail get-query-results, each row holding the
//     event's JSON in the column eventJson;
//   - CloudTrailEventStrings: lookup-events --query 'Events[].CloudTrailEvent';
//   - Subscription: a CloudWatch Logs subscription's delivery through Data
//     Firehose to S3, before gzip.
//
// JSON strings are written as the AWS CLI writes them (Python's json.dumps:
// non-ASCII characters as \u escapes, surrogate pairs included), indented
// by four spaces. Records passed as strings come back, decoded, byte for
// byte; LogsExport and Subscription write each record compacted onto one
// line, as CloudTrail writes events to CloudWatch Logs.
package exportgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// fallbackTime stands for the time of a record without a usable eventTime.
var fallbackTime = time.Date(2024, 7, 30, 21, 53, 13, 0, time.UTC)

// info is what the tools copy out of an event.
type info struct {
	ID, Name, Source, User, Region, Account string
	Time                                    time.Time
}

func infoOf(rec []byte) info {
	var ev struct {
		EventID, EventName, EventSource, EventTime, AWSRegion, RecipientAccountID any
		UserIdentity                                                              struct{ UserName any }
	}
	json.Unmarshal(rec, &ev) // fields of the wrong type stay empty
	str := func(v any) string { s, _ := v.(string); return s }
	in := info{ID: str(ev.EventID), Name: str(ev.EventName), Source: str(ev.EventSource), User: str(ev.UserIdentity.UserName),
		Region: str(ev.AWSRegion), Account: str(ev.RecipientAccountID), Time: fallbackTime}
	if t, err := time.Parse(time.RFC3339Nano, str(ev.EventTime)); err == nil {
		in.Time = t.UTC()
	}
	if in.Account == "" {
		in.Account = "111122223333"
	}
	if in.Region == "" {
		in.Region = "us-east-1"
	}
	return in
}

// Quote returns s as a JSON string the way the AWS CLI prints it.
func Quote(s []byte) string {
	var b strings.Builder
	b.WriteByte('"')
	for len(s) > 0 {
		r, n := utf8.DecodeRune(s)
		s = s[n:]
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || r >= 0x7f && r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		case r >= 0x10000:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func str(s string) string { return Quote([]byte(s)) }

// page writes {"<key>": [entries...], <tail>} indented as the CLI does.
func page(key string, entries []string, tail string) []byte {
	var b bytes.Buffer
	b.WriteString("{\n    " + str(key) + ": [")
	for i, e := range entries {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n        " + e)
	}
	if len(entries) > 0 {
		b.WriteString("\n    ")
	}
	b.WriteString("]" + tail + "\n}\n")
	return b.Bytes()
}

// LookupEvents returns the lookup-events output holding recs.
func LookupEvents(recs [][]byte) []byte {
	entries := make([]string, len(recs))
	for i, rec := range recs {
		in := infoOf(rec)
		entries[i] = "{\n            \"EventId\": " + str(in.ID) +
			",\n            \"EventName\": " + str(in.Name) +
			",\n            \"ReadOnly\": \"false\"" +
			",\n            \"EventTime\": " + str(in.Time.Format("2006-01-02T15:04:05-07:00")) +
			",\n            \"EventSource\": " + str(in.Source) +
			",\n            \"Username\": " + str(in.User) +
			",\n            \"Resources\": []" +
			",\n            \"CloudTrailEvent\": " + Quote(rec) +
			"\n        }"
	}
	return page("Events", entries, ",\n    \"NextToken\": \"kbOt5LlZe++mErCebpy2TgaMgmDvF1kYGFcH64JSjIbZFjsuvrSqg66b5YGssKutDYIyII4lrP4IDbeQdiObkp9YAlju3oXd12juy3CIZW8=\"")
}

func logStream(in info) string { return in.Account + "_CloudTrail_" + in.Region }

// FilterLogEvents returns the filter-log-events output holding recs, each
// its own log event.
func FilterLogEvents(recs [][]byte) []byte {
	entries := make([]string, len(recs))
	streams := map[string]bool{}
	var order []string
	for i, rec := range recs {
		in := infoOf(rec)
		ms := in.Time.UnixMilli()
		entries[i] = fmt.Sprintf("{\n            \"logStreamName\": %s,\n            \"timestamp\": %d,\n            \"message\": %s,"+
			"\n            \"ingestionTime\": %d,\n            \"eventId\": \"%056d\"\n        }",
			str(logStream(in)), ms, Quote(rec), ms+2731, i)
		if s := logStream(in); !streams[s] {
			streams[s] = true
			order = append(order, s)
		}
	}
	var tail strings.Builder
	tail.WriteString(",\n    \"searchedLogStreams\": [")
	for i, s := range order {
		if i > 0 {
			tail.WriteByte(',')
		}
		tail.WriteString("\n        {\n            \"logStreamName\": " + str(s) + ",\n            \"searchedCompletely\": true\n        }")
	}
	tail.WriteString("\n    ]")
	return page("events", entries, tail.String())
}

// GetLogEvents returns the get-log-events output holding recs.
func GetLogEvents(recs [][]byte) []byte {
	entries := make([]string, len(recs))
	for i, rec := range recs {
		in := infoOf(rec)
		ms := in.Time.UnixMilli()
		entries[i] = fmt.Sprintf("{\n            \"timestamp\": %d,\n            \"message\": %s,\n            \"ingestionTime\": %d\n        }",
			ms, Quote(rec), ms+2731)
	}
	return page("events", entries, ",\n    \"nextForwardToken\": \"f/38506123012345678901234567890123456789012345678901234567\""+
		",\n    \"nextBackwardToken\": \"b/38506123012345678901234567890123456789012345678901234567\"")
}

// LogsExport returns a CloudWatch Logs export file's text holding recs.
func LogsExport(recs [][]byte) []byte {
	var b bytes.Buffer
	for _, rec := range recs {
		b.WriteString(infoOf(rec).Time.Format("2006-01-02T15:04:05.000Z"))
		b.WriteByte(' ')
		if err := json.Compact(&b, rec); err != nil {
			b.Write(rec) // not JSON: written as it is
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// LakeResults returns the get-query-results output of a query selecting each
// event's id and JSON, holding recs.
func LakeResults(recs [][]byte) []byte {
	entries := make([]string, len(recs))
	for i, rec := range recs {
		entries[i] = "[\n            {\n                \"eventID\": " + str(infoOf(rec).ID) + "\n            },\n" +
			"            {\n                \"eventJson\": " + Quote(rec) + "\n            }\n        ]"
	}
	head := fmt.Sprintf("{\n    \"QueryStatus\": \"FINISHED\",\n    \"QueryStatistics\": {\n        \"ResultsCount\": %d,"+
		"\n        \"TotalResultsCount\": %d,\n        \"BytesScanned\": %d\n    },\n", len(recs), len(recs), 1024*len(recs))
	b := page("QueryResultRows", entries, "")
	return append([]byte(head), b[2:]...) // after page's "{\n"
}

// CloudTrailEventStrings returns the output of
// aws cloudtrail lookup-events --query 'Events[].CloudTrailEvent': an array
// of the events as JSON strings.
func CloudTrailEventStrings(recs [][]byte) []byte {
	entries := make([]string, len(recs))
	for i, rec := range recs {
		entries[i] = "    " + Quote(rec)
	}
	if len(entries) == 0 {
		return []byte("[]\n")
	}
	return []byte("[\n" + strings.Join(entries, ",\n") + "\n]\n")
}

// Subscription returns what a CloudWatch Logs subscription delivers through
// Data Firehose to S3, before gzip: the control message CloudWatch Logs
// sends first, then one DATA_MESSAGE object per batch of perMessage
// events, the objects one after the other without separators.
func Subscription(recs [][]byte, perMessage int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],` +
		`"logEvents":[{"id":"","timestamp":1722376393000,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}`)
	for start := 0; start < len(recs); start += perMessage {
		batch := recs[start:min(start+perMessage, len(recs))]
		in := infoOf(batch[0])
		fmt.Fprintf(&b, `{"messageType":"DATA_MESSAGE","owner":%s,"logGroup":"aws-cloudtrail-logs-%s","logStream":%s,"subscriptionFilters":["to-firehose"],"logEvents":[`,
			str(in.Account), in.Account, str(logStream(in)))
		for i, rec := range batch {
			if i > 0 {
				b.WriteByte(',')
			}
			var c bytes.Buffer
			if err := json.Compact(&c, rec); err != nil {
				c.Reset()
				c.Write(rec)
			}
			fmt.Fprintf(&b, `{"id":"%056d","timestamp":%d,"message":%s}`, start+i, infoOf(rec).Time.UnixMilli(), Quote(c.Bytes()))
		}
		b.WriteString("]}")
	}
	return b.Bytes()
}
