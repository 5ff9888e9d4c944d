package main

// Exports (aws cloudtrail lookup-events, CloudWatch Logs, CloudTrail Lake),
// end to end: the same events in every export shape give the same rows as
// the records they were made from; faults give exact error lines and exit
// codes. loader/exports_test.go pins the reader's output byte for byte.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trailhunt/trailhunt/internal/exportgen"
)

// allFixtureRecords returns every record of fixtures/ (each records.json,
// and the OTRF JSON lines), raw.
func allFixtureRecords(t *testing.T) [][]byte {
	t.Helper()
	var out [][]byte
	files, err := filepath.Glob(filepath.Join(fixtures, "*", "records.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct{ Records []json.RawMessage }
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, r := range doc.Records {
			out = append(out, r)
		}
	}
	b, err := os.ReadFile(filepath.Join(fixtures, "otrf", "ec2_proxy_s3_exfiltration.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
			out = append(out, bytes.Clone(line))
		}
	}
	return out
}

// exportShapes wraps recs in every export shape trailhunt reads, as files
// of a directory.
func exportShapes(t *testing.T, recs [][]byte) map[string]map[string][]byte {
	t.Helper()
	half := len(recs) / 2
	return map[string]map[string][]byte{
		"lookup-events":               {"lookup.json": exportgen.LookupEvents(recs)},
		"lookup-events pages, gzip'd": {"lookup.json.gz": gzipped(t, exportgen.LookupEvents(recs[:half]), exportgen.LookupEvents(recs[half:]))},
		"filter-log-events":           {"filter.json": exportgen.FilterLogEvents(recs)},
		"get-log-events, zipped":      {"logs.zip": zipped(t, member{"a.json", exportgen.GetLogEvents(recs[:half])}, member{"b.json", exportgen.GetLogEvents(recs[half:])})},
		"CloudWatch Logs export to S3": {
			"exportedlogs/aws-logs-write-test":                                         []byte("Permission Check Successful"),
			"exportedlogs/0a1b/CloudTrail/111122223333_CloudTrail_us-east-1/000000.gz": gzipped(t, exportgen.LogsExport(recs[:half])),
			"exportedlogs/0a1b/CloudTrail/111122223333_CloudTrail_us-east-1/000001.gz": gzipped(t, exportgen.LogsExport(recs[half:])),
		},
		"CloudTrail Lake get-query-results":                {"lake.json": exportgen.LakeResults(recs)},
		"lookup-events --query 'Events[].CloudTrailEvent'": {"events.json": exportgen.CloudTrailEventStrings(recs)},
		"CloudWatch Logs subscription through Firehose":    {"firehose/2024/07/30/21/stream-1-2024-07-30-21-53-13-x": gzipped(t, exportgen.Subscription(recs, 50))},
	}
}

// allDetections runs every embedded detection, one worker, fixed now.
var allDetections = []string{"--quiet", "--workers", "1", "--now", "2026-11-26T00:00:00Z", "--format", "jsonl"}

// TestExportsSameRowsAsRecords is the strongest test of the exports: every
// record of fixtures/, wrapped in each export shape, gives exactly the rows
// (every detection, every field) and the record counts that fixtures/ gives.
func TestExportsSameRowsAsRecords(t *testing.T) {
	recs := allFixtureRecords(t)
	sum := filepath.Join(t.TempDir(), "summary.json")
	base := evaluate(t, "", append(slices.Clone(allDetections), "--summary", sum, fixtures)...)
	if base.code != exitOK || base.stdout == "" {
		t.Fatalf("fixtures: exit %d, %d bytes out: %s", base.code, len(base.stdout), base.stderr)
	}
	baseSum := decodeSummary(t, sum)
	if baseSum.Records != int64(len(recs)) {
		t.Fatalf("fixtures/ holds %d records, the test read %d", baseSum.Records, len(recs))
	}
	for name, files := range exportShapes(t, recs) {
		t.Run(name, func(t *testing.T) {
			dir := writeFiles(t, files)
			sum := filepath.Join(t.TempDir(), "summary.json")
			r := evaluate(t, "", append(slices.Clone(allDetections), "--summary", sum, dir)...)
			if r.code != exitOK {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			// The same rows; their provenance names the export, not fixtures/.
			if got, want := withoutProvenance(t, r.stdout, dir), provenance.ReplaceAllString(base.stdout, ""); got != want {
				t.Errorf("rows differ from fixtures/'s:\n got: %.2000s\nwant: %.2000s", got, want)
			}
			s := decodeSummary(t, sum)
			if s.Records != baseSum.Records || s.Evaluated != baseSum.Evaluated || s.NoTime != baseSum.NoTime ||
				s.Findings != baseSum.Findings || s.Rows != baseSum.Rows || len(s.Errors) != 0 {
				t.Errorf("summary %s, fixtures/ gave %s", s.counts(), baseSum.counts())
			}
		})
	}
}

// TestEveryExportShape: the Stratus Red Team records in each export shape
// give the seed detection's two real positives (the golden of
// TestEveryContainerKind).
func TestEveryExportShape(t *testing.T) {
	var recs [][]byte
	for _, r := range stratusRecords(t) {
		recs = append(recs, r)
	}
	for name, files := range exportShapes(t, recs) {
		t.Run(name, func(t *testing.T) { sweepsStratus(t, files) })
	}
}

func TestFaultsExports(t *testing.T) {
	q := func(s string) string { return exportgen.Quote([]byte(s)) }
	entry := func(ev string) string { return `{"EventId":"x","CloudTrailEvent":` + ev + `}` }
	lookup := func(entries ...string) []byte { return []byte(`{"Events":[` + strings.Join(entries, ",") + `]}`) }
	runFaultCases(t, []faultCase{
		{
			// One bad CloudTrailEvent is an error for its entry; the
			// entries around it are evaluated.
			name: "a CloudTrailEvent that is not a JSON object string",
			files: map[string][]byte{"lookup.json": lookup(
				entry(q(hit("lookup-hit-0"))), entry(q(`{"eventName": x}`)), entry(`{"eventName":"CreateAccessKey"}`), entry(q(miss(3))), entry(q(hit("lookup-hit-4"))))},
			want: want{
				code:   exitIncomplete,
				counts: "files=1 members=0 records=5 no_time=0 evaluated=3 failed=2 skipped={} errors={export_event_invalid:2} findings=2 rows=2",
				errs: []string{
					"evaluate: read $DIR/lookup.json#1: export_event_invalid: invalid exported event: CloudTrailEvent: invalid character 'x' looking for beginning of value",
					"evaluate: read $DIR/lookup.json#2: export_event_invalid: invalid exported event: CloudTrailEvent is a JSON object, not a string",
				},
				rows: []string{"lookup-hit-0×1", "lookup-hit-4×1"},
			},
		},
		{
			// A cut download: the entries before the cut are evaluated.
			name:  "truncated lookup-events output",
			files: map[string][]byte{"lookup.json": cutBefore(t, exportgen.LookupEvents([][]byte{[]byte(hit("cut-hit-0")), []byte(hit("cut-hit-1"))}), `cut-hit-1`)},
			want: want{
				code:   exitIncomplete,
				counts: "files=1 members=0 records=2 no_time=0 evaluated=1 failed=1 skipped={} errors={truncated:1} findings=1 rows=1",
				errs:   []string{"evaluate: read $DIR/lookup.json#1: truncated: JSON: input ends early"},
				rows:   []string{"cut-hit-0×1"},
			},
		},
		{
			// CloudTrail in shapes without the events: one error line each,
			// naming what was recognised, never 0 findings silently; even
			// when found by walking a directory.
			name: "CloudTrail exports trailhunt does not read",
			files: map[string][]byte{
				"a-lookup-query.json": []byte(`{"Events":[{"EventId":"1","EventName":"CreateAccessKey","EventTime":"2024-07-30T21:53:13Z"}]}`),
				"b-lake-columns.json": []byte(`{"QueryStatus":"FINISHED","QueryResultRows":[[{"eventid":"1"},{"eventname":"CreateAccessKey"}]]}`),
				"c-athena.csv":        []byte("\"eventversion\",\"useridentity\",\"eventtime\",\"eventsource\",\"eventname\"\n\"1.08\",\"{}\",\"2024-07-30T21:53:13Z\",\"iam.amazonaws.com\",\"CreateAccessKey\"\n"),
				"d.json":              []byte(wrap(hit("beside-hit-0"))),
			},
			want: want{
				code:   exitIncomplete,
				counts: "files=4 members=0 records=1 no_time=0 evaluated=1 failed=0 skipped={} errors={unsupported:3} findings=1 rows=1",
				errs: []string{
					"evaluate: read $DIR/a-lookup-query.json: unsupported: aws cloudtrail lookup-events output without CloudTrailEvent (its entries have EventId, EventName, EventTime; save the output of lookup-events without --query): not supported",
					`evaluate: read $DIR/b-lake-columns.json: unsupported: CloudTrail Lake query results without whole events (columns "eventid", "eventname"; trailhunt reads rows with a column holding each event as a JSON object): not supported`,
					`evaluate: read $DIR/c-athena.csv: unsupported: CSV with CloudTrail's columns ("eventtime", "eventsource", "eventname"; trailhunt reads the events as JSON): not supported`,
				},
				rows: []string{"beside-hit-0×1"},
			},
		},
		{
			// Exports of other log groups, and ordinary JSON with an
			// "events" key, found by walking: skipped and counted.
			name: "exports that are not CloudTrail, in a directory",
			files: map[string][]byte{
				"lambda.json":          exportgen.FilterLogEvents([][]byte{[]byte(`{"level":"info","msg":"started"}`)}),
				"exportedlogs/000000":  []byte("2024-07-30T21:53:13.000Z START RequestId: 1\n"),
				"exportedlogs/000001":  []byte(`2024-07-30T21:53:13.000Z {"level":"info"}` + "\n"),
				"app.json":             []byte(`{"events":[{"name":"launch"}]}`),
				"empty-lookup.json":    exportgen.LookupEvents(nil),
				"trail/a.json":         []byte(wrap(hit("walk-hit-0"))),
				"trail/notes.csv":      []byte("name,eventName\nx,y\n"),
				"trail/get-log-events": exportgen.GetLogEvents([][]byte{[]byte(hit("walk-hit-1"))}),
			},
			want: want{
				code:   exitOK,
				counts: "files=8 members=0 records=2 no_time=0 evaluated=2 failed=0 skipped={empty:1 not_cloudtrail:5} errors={} findings=2 rows=2",
				rows:   []string{"walk-hit-0×1", "walk-hit-1×1"},
			},
		},
	})
}

// An export of another log group named on the command line is an error:
// the user asked for it, and it holds no CloudTrail.
func TestFaultsExportNamedNotCloudTrail(t *testing.T) {
	dir := writeFiles(t, map[string][]byte{"lambda.json": exportgen.FilterLogEvents([][]byte{[]byte(`{"level":"info","msg":"started"}`)})})
	r := evaluateFaults(t, dir, runOpts{}, filepath.Join(dir, "lambda.json"))
	r.check(t, want{
		code:   exitIncomplete,
		counts: "files=1 members=0 records=0 no_time=0 evaluated=0 failed=0 skipped={} errors={not_cloudtrail:1} findings=0 rows=0",
		errs:   []string{"evaluate: read $DIR/lambda.json: not_cloudtrail: CloudWatch Logs output (filter-log-events, get-log-events or a subscription): the events in it are not CloudTrail events"},
	})
}
