package loader

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/trailhunt/trailhunt/internal/exportgen"
	"github.com/trailhunt/trailhunt/trail"
)

// recs returns event(0..n-1) as records for exportgen.
func recs(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = []byte(event(i))
	}
	return out
}

func bs(parts ...string) [][]byte {
	out := make([][]byte, len(parts))
	for i, p := range parts {
		out[i] = []byte(p)
	}
	return out
}

// TestExports reads each export shape holding the same events: each must
// come out as the same records, Raw byte for byte, with the entry's index.
func TestExports(t *testing.T) {
	unicode := `{"eventVersion":"1.08","eventTime":"2024-07-30T21:53:13Z","eventName":"Ünïcode ☃ 𝄞","q":"\"\\/\b\f\n\r\t\u0001","raw":"é"}`
	runCases(t, []loaderCase{
		{name: "lookup_events", files: []file{{name: "lookup.json", data: exportgen.LookupEvents(recs(3))}}},
		{name: "lookup_events_gzip_pages", files: []file{{name: "lookup.json.gz", data: gz(t,
			string(exportgen.LookupEvents(recs(2))), string(exportgen.LookupEvents(recs(3))))}}},
		{name: "lookup_events_escapes", files: []file{{name: "lookup.json", data: exportgen.LookupEvents(bs(unicode))}}},
		{name: "filter_log_events", files: []file{{name: "filter.json", data: exportgen.FilterLogEvents(recs(3))}}},
		{name: "get_log_events", files: []file{{name: "get.json", data: exportgen.GetLogEvents(recs(3))}}},
		{name: "logs_export", files: []file{
			{name: "000000.gz", data: gz(t, string(exportgen.LogsExport(recs(3))))},
			{name: "crlf_blank_lines", data: []byte("\r\n" + strings.ReplaceAll(string(exportgen.LogsExport(recs(2))), "\n", "\r\n\r\n"))},
			{name: "offset_stamps", data: []byte("2024-07-30T23:53:13+02:00 " + event(0) + "\n2024-07-30t21:53:13.123456789Z " + event(1))}}},
		{name: "lake_results", files: []file{{name: "lake.json", data: exportgen.LakeResults(recs(3))}}},
		{name: "lake_results_only_column", files: []file{{name: "lake.json", data: []byte(
			`{"QueryResultRows":[[{"json_format":` + exportgen.Quote([]byte(event(0))) + `}],[{"json_format":` + exportgen.Quote([]byte(event(1))) + `}]]}`)}}},
		{name: "exports_in_archives", files: []file{
			{name: "a.zip", data: zipBytes(t,
				zipEntry{name: "lookup.json", data: exportgen.LookupEvents(recs(1))},
				zipEntry{name: "exportedlogs/CloudTrail/stream/000000.gz", data: gz(t, string(exportgen.LogsExport(recs(1))))},
				zipEntry{name: "aws-logs-write-test", data: []byte("Permission Check Successful")})},
			{name: "b.tgz", data: gz(t, string(tarBytes(t, tarEntry{name: "filter.json", data: exportgen.FilterLogEvents(recs(2))})))}}},
		{name: "subscription_through_firehose", files: []file{{name: "firehose-1-2024-07-30-21-53-13-x", data: gz(t, string(exportgen.Subscription(recs(5), 2)))}}},
		{name: "cloudtrail_event_strings", files: []file{
			{name: "query.json", data: exportgen.CloudTrailEventStrings(recs(2))},
			{name: "jq.jsonl", data: []byte(exportgen.Quote([]byte(event(0))) + "\n" + exportgen.Quote([]byte(event(1))) + "\n")},
			{name: "not_events.json", data: []byte(`["text", "{\"eventName\": x}", "[1]", ` + exportgen.Quote([]byte(event(3))) + `]`)}}},
		{name: "keys_in_any_order", files: []file{{name: "a.json", data: []byte(
			`{"nextForwardToken":"f/1","events":[{"message":` + exportgen.Quote([]byte(event(0))) + `,"timestamp":1}],"nextBackwardToken":"b/1",` +
				`"events":[{"message":` + exportgen.Quote([]byte(event(1))) + `}]}`)}}},
		{name: "empty_exports", files: []file{
			{name: "lookup.json", data: exportgen.LookupEvents(nil)},
			{name: "get.json", data: exportgen.GetLogEvents(nil)},
			{name: "lake.json", data: []byte(`{"QueryStatus":"RUNNING","QueryResultRows":[]}`)}}},
		{name: "ordinary_json_with_export_keys", files: []file{
			{name: "walked/app.json", data: []byte(`{"events":[{"name":"launch"},{"name":"land"}],"Events":[1,2]}`), walked: true},
			{name: "named.json", data: []byte(`{"events":[{"name":"launch"},{"name":"land"}],"Events":[1,2]}`)},
			{name: "events_not_array.json", data: []byte(`{"Events":{"CloudTrailEvent":"x"},"eventName":"E"}`)},
			{name: "event_with_events_key.json", data: []byte(`{"eventName":"E","events":[{"message":"m"}]}`)}}},
	})
}

// TestExportFaults: bad entries are errors for their index and reading goes
// on; shapes that are CloudTrail exports without the events are
// "unsupported"; exports of other logs are "not_cloudtrail".
func TestExportFaults(t *testing.T) {
	q := func(s string) string { return exportgen.Quote([]byte(s)) }
	lookup := func(entries ...string) []byte { return []byte(`{"Events":[` + strings.Join(entries, ",") + `]}`) }
	ct := func(v string) string { return `{"EventId":"x","CloudTrailEvent":` + v + `}` }
	big := `{"eventName":"Big","pad":"` + strings.Repeat("x", 5000) + `"}`
	full := exportgen.LookupEvents(recs(4))
	runCases(t, []loaderCase{
		{name: "bad_cloudtrail_event", files: []file{{name: "lookup.json", data: lookup(
			ct(q(event(0))),
			ct(`{"eventName":"an object, not a string"}`),
			ct(q(`{"eventName": x}`)),
			ct(q(`{"eventName":"cut`)),
			ct(q(`["an array"]`)),
			ct(q(``)),
			ct(`null`),
			`{"EventId":"no CloudTrailEvent"}`,
			`"not an object"`,
			ct(q(" \n"+event(9)+"\n ")),
		)}}},
		{name: "truncated_export", files: []file{
			{name: "mid_entry.json", data: full[:len(full)*2/3]},
			{name: "mid_event.json.gz", data: cut(gz(t, string(full)), 1500)}}},
		{name: "export_syntax_errors", files: []file{
			{name: "missing_comma.json", data: lookup(ct(q(event(0))) + ct(q(event(1))))},
			{name: "brace.json", data: []byte(`{"Events":[` + ct(q(event(0))) + `}`)},
			{name: "after.json", data: append(lookup(ct(q(event(0)))), " x"...)}}},
		{name: "export_entry_too_large", cfg: Config{MaxRecordBytes: 4096}, files: []file{
			{name: "lookup.json", data: lookup(ct(q(event(0))), ct(q(big)), ct(q(event(2))))},
			{name: "first_entry.json", data: lookup(ct(q(big)), ct(q(event(1))))}}},
		{name: "unsupported_exports", files: []file{
			{name: "lookup_query.json", data: []byte(`{"Events":[{"EventId":"1","EventName":"CreateAccessKey","EventTime":"2024-07-30T21:53:13Z"}]}`)},
			{name: "logs_no_message.json", data: []byte(`{"events":[{"logStreamName":"s","timestamp":1,"ingestionTime":2}]}`), walked: true},
			{name: "lake_columns.json", data: []byte(`{"QueryStatus":"FINISHED","QueryResultRows":[[{"eventid":"1"},{"eventname":"CreateAccessKey"},{"useridentity":"{type=IAMUser, username=alice}"}]]}`)},
			{name: "lake_select_star.json", data: []byte(`{"QueryResultRows":[[{"eventversion":"1.08"},{"useridentity":"{type=IAMUser}"},{"eventtime":"2024-07-30 21:53:13.000"},{"eventsource":"iam.amazonaws.com"},` +
				`{"eventname":"CreateAccessKey"},{"awsregion":"us-east-1"},{"sourceipaddress":"203.0.113.10"},{"useragent":"aws-cli/2"},{"errorcode":null},{"requestparameters":"{userName=bob}"}]]}`)},
			{name: "lake_rows_not_arrays.json", data: []byte(`{"QueryResultRows":[{"eventJson":"{}"}]}`)},
			{name: "athena.csv", data: []byte("\"eventversion\",\"useridentity\",\"eventtime\",\"eventsource\",\"eventname\",\"awsregion\"\n\"1.08\",\"{type=IAMUser}\",\"2024-07-30T21:53:13Z\",\"iam.amazonaws.com\",\"CreateAccessKey\",\"us-east-1\"\n"), walked: true},
			{name: "event_history.csv", data: []byte("Event ID,Event time,User name,Event name,Resources\n1,2024-07-30,alice,CreateAccessKey,\n")},
			{name: "lake_result_1.csv.gz", data: gz(t, "eventID,eventName\n1,CreateAccessKey\n")}}},
		{name: "not_cloudtrail_exports", files: []file{
			{name: "walked/lambda.json", walked: true, data: exportgen.FilterLogEvents(bs(`{"level":"info","msg":"started"}`))},
			{name: "lambda.json", data: exportgen.FilterLogEvents(bs(`{"level":"info","msg":"started"}`))},
			{name: "text_messages.json", data: []byte(`{"events":[{"timestamp":1,"message":"START RequestId: 1"},{"timestamp":2,"message":` + q(event(1)) + `}]}`)},
			{name: "walked/000000.gz", walked: true, data: gz(t, `2024-07-30T21:53:13.000Z {"level":"info"}`+"\n"+`2024-07-30T21:53:14.000Z `+event(1)+"\n")},
			{name: "000001", data: []byte(`2024-07-30T21:53:13.000Z {"level":"info"}` + "\n")},
			{name: "text_logs", data: []byte("2024-07-30T21:53:13.000Z START RequestId: 1\n"), walked: true},
			{name: "plain.csv", data: []byte("name,eventName\nx,y\n"), walked: true}}},
		{name: "logs_messages_broken", files: []file{{name: "filter.json", data: []byte(`{"events":[` +
			`{"message":` + q(`{"eventName": x}`) + `},{"message":` + q(event(1)) + `},{"message":"plain text"},{"message":7},{"timestamp":5},{"message":` + q(event(5)) + `}]}`)}}},
		{name: "logs_export_bad_lines", cfg: Config{MaxRecordBytes: 4096}, files: []file{{name: "000000", data: []byte(
			"2024-07-30T21:53:13.000Z " + event(0) + "\n" +
				"no time stamp " + event(1) + "\n" +
				"2024-07-30T21:53:13.000Z {\"eventName\": x}\n" +
				"2024-07-30T21:53:13.000Z [1]\n" +
				"2024-07-30T21:53:13.000Z " + big + "\n" +
				"2024-07-30T21:53:13.000Z\n" +
				"2024-07-30T21:53:13.000Z " + event(6) + "\n")}}},
		{name: "lake_rows_broken", files: []file{{name: "lake.json", data: []byte(`{"QueryResultRows":[` +
			`[{"eventID":"0"},{"eventJson":` + q(event(0)) + `}],` +
			`[{"eventID":"1"}],` +
			`[{"eventID":"2"},{"eventJson":` + q(`{"eventName": x}`) + `}],` +
			`{"eventJson":"x"},` +
			`[{"eventJson":` + q(event(4)) + `},{"eventJson":` + q(event(40)) + `}],` +
			`[{"eventID":"5","eventJson":` + q(event(5)) + `}]]}`)}}},
		{name: "ordinary_objects_over_the_cap", cfg: Config{MaxRecordBytes: 4096}, files: []file{
			{name: "later_element.json", data: []byte(`{"events":[{"name":"x"},` + big + `],"b":1}` + "\n" + event(1) + "\n")},
			{name: "first_element.json", data: []byte(`{"events":[` + big + `]}` + "\n" + event(1) + "\n")},
			{name: "one_line_then_lines.json", data: []byte(`{"events":[{"name":"x"},` + big + `]}` + "\n" + event(1) + "\n")},
			{name: "white_space.json", data: []byte(`{"events":[{"name":"x"}` + strings.Repeat(" ", 5000) + `]}` + "\n" + event(1) + "\n")}}},
		{name: "lake_only_column_broken", files: []file{{name: "lake.json", data: []byte(
			`{"QueryResultRows":[[{"j":` + q(`{"eventName": x}`) + `}],[{"j":` + q(event(1)) + `}]]}`)}}},
	})
}

// TestExportSamples reads the samples written from AWS documentation
// (testdata/exports/README.md says where each comes from).
func TestExportSamples(t *testing.T) {
	dir := filepath.Join("testdata", "exports")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var inputs []Input
	for _, e := range ents {
		if e.Name() != "README.md" {
			inputs = append(inputs, Input{Path: filepath.Join(dir, e.Name())})
		}
	}
	r := New(Config{})
	out := transcript(t, r, dir, inputs...)
	checkAccounting(t, out, r.Stats())
	golden(t, out)
}

// TestExportsRoundTrip wraps every record of the real fixtures in each
// export shape: each comes out byte for byte as it went in (compacted onto
// one line for the CloudWatch Logs export), at its entry's index, with the
// spans of its members.
func TestExportsRoundTrip(t *testing.T) {
	var in [][]byte
	for _, name := range []string{"stratus-red-team/records.json", "traildiscover/records.json", "edge/records.json"} {
		b, err := os.ReadFile(filepath.Join("..", "fixtures", name))
		if err != nil {
			t.Fatal(err)
		}
		var doc struct{ Records []json.RawMessage }
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		for _, r := range doc.Records {
			in = append(in, r)
		}
	}
	compact := make([][]byte, len(in))
	for i, r := range in {
		var b bytes.Buffer
		if err := json.Compact(&b, r); err != nil {
			t.Fatal(err)
		}
		compact[i] = b.Bytes()
	}
	shapes := []struct {
		name string
		data []byte
		want [][]byte
	}{
		{"lookup-events", exportgen.LookupEvents(in), in},
		{"filter-log-events", exportgen.FilterLogEvents(in), in},
		{"get-log-events", exportgen.GetLogEvents(in), in},
		{"get-query-results", exportgen.LakeResults(in), in},
		{"CloudWatch Logs export", gz(t, string(exportgen.LogsExport(in))), compact},
	}
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			p := write(t, t.TempDir(), "export", sh.data)
			r := New(Config{})
			n := 0
			for rec, err := range r.Records(t.Context(), Input{Path: p}) {
				if err != nil {
					t.Fatal(err)
				}
				if rec.Source.Index != n || !bytes.Equal(rec.Raw, sh.want[n]) {
					t.Fatalf("record %d: %s = %q, want %q", n, rec.Source, abbrev(rec.Raw), abbrev(sh.want[n]))
				}
				if rec.Spans == nil {
					t.Fatalf("%s: no spans", rec.Source)
				}
				for _, key := range []string{"eventName", "eventTime", "userIdentity", "requestParameters"} {
					if got, want := rec.Lookup(key), trail.Member(rec.Raw, key); !bytes.Equal(got, want) {
						t.Fatalf("%s: %s through spans = %q, want %q", rec.Source, key, got, want)
					}
				}
				n++
			}
			if n != len(sh.want) || r.Stats().Records != int64(n) {
				t.Fatalf("read %d records (Stats %d), want %d", n, r.Stats().Records, len(sh.want))
			}
		})
	}
}

// FuzzUnquote checks appendUnquoted against encoding/json on every valid
// JSON string of valid UTF-8 (on invalid UTF-8 the two differ on purpose:
// appendUnquoted passes it through).
func FuzzUnquote(f *testing.F) {
	for _, s := range []string{`""`, `"a"`, `"\"\\\/\b\f\n\r\t"`, `"\u00e9\u2603"`, `"\ud834\udd1e"`, `"\ud834"`, `"\udd1e\ud834x"`,
		`"\ud834\u0041"`, `"\ud834\ud834\udd1e"`, exportgen.Quote([]byte(event(1)))} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, s []byte) {
		s = bytes.Trim(s, " \t\r\n")
		if !validJSON(s) || s[0] != '"' || !utf8.Valid(s) {
			return
		}
		var want string
		if err := json.Unmarshal(s, &want); err != nil {
			t.Fatal(err)
		}
		if got := appendUnquoted(nil, s); string(got) != want {
			t.Fatalf("appendUnquoted(%s) = %q, want %q", s, got, want)
		}
	})
}

// FuzzExports is FuzzRecords (no panic, no hang, every yield well formed
// and counted) seeded with every export shape, whole, gzip'd and broken.
func FuzzExports(f *testing.F) {
	q := func(s string) string { return exportgen.Quote([]byte(s)) }
	for _, seed := range [][]byte{
		exportgen.LookupEvents(recs(2)),
		exportgen.FilterLogEvents(recs(2)),
		exportgen.GetLogEvents(recs(2)),
		exportgen.LakeResults(recs(2)),
		exportgen.LogsExport(recs(2)),
		gz(f, string(exportgen.LogsExport(recs(2)))),
		exportgen.Subscription(recs(3), 2),
		exportgen.CloudTrailEventStrings(recs(2)),
		[]byte(`{"Events":[{"CloudTrailEvent":` + q(`{"eventName": x}`) + `},{"EventId":"1"},{"CloudTrailEvent":7}],"Events":[]}`),
		[]byte(`{"events":[{"message":"plain"}]}{"events":[{"timestamp":1}]}`),
		[]byte(`{"QueryResultRows":[[{"a":"1"}],[{"j":` + q(event(1)) + `}],{}]}`),
		[]byte(`{"QueryResultRows":[[{"j":` + q(`{"x":1`) + `}]]}`),
		[]byte(`{"events":[{"name":1},[2,3]],"n":1}` + "\n" + event(1)),
		[]byte("2024-07-30T21:53:13.000Z " + event(0) + "\nx\n2024-07-30T21:53:13Z {\n"),
		[]byte("\"eventTime\",\"eventName\"\n1,2\n"),
	} {
		f.Add(seed)
	}
	FuzzRecords(f)
}
