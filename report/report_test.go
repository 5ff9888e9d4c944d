package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/trailhunt/trailhunt/trail"
)

func TestWriteGolden(t *testing.T) {
	oneRow := testRows[3:4]
	tests := []struct {
		name   string
		cfg    Config
		rows   []trail.Row
		golden string
	}{
		{"table at the default width", Config{Format: FormatTable}, testRows, "rows.table.golden"},
		{"table at 80 columns", Config{Format: FormatTable, Width: 80}, testRows, "rows.table80.golden"},
		{"table at 200 columns cuts nothing", Config{Format: FormatTable, Width: 200}, testRows, "rows.table200.golden"},
		{"table of one row hoists every by-field", Config{Format: FormatTable}, oneRow, "one.table.golden"},
		{"json", Config{Format: FormatJSON, PolicyVersion: "v1.2.0+3f9c2ab"}, testRows, "rows.json.golden"},
		{"jsonl", Config{Format: FormatJSONL, PolicyVersion: "v1.2.0+3f9c2ab"}, testRows, "rows.jsonl.golden"},
		{"csv", Config{Format: FormatCSV}, testRows, "rows.csv.golden"},
		{"table without rows", Config{Format: FormatTable}, nil, "empty.table.golden"},
		{"json without rows", Config{Format: FormatJSON, PolicyVersion: "v1"}, nil, "empty.json.golden"},
		{"jsonl without rows", Config{Format: FormatJSONL}, nil, "empty.jsonl.golden"},
		{"csv without rows", Config{Format: FormatCSV}, nil, "empty.csv.golden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Detections = testDetections
			golden(t, tt.golden, write(t, tt.cfg, tt.rows))
		})
	}
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in      string
		want    Format
		wantErr string
	}{
		{"table", FormatTable, ""},
		{"json", FormatJSON, ""},
		{"jsonl", FormatJSONL, ""},
		{"csv", FormatCSV, ""},
		{"ocsf", FormatOCSF, ""},
		{"", "", `unknown output format "": valid formats are table, json, jsonl, csv, ocsf`},
		{"JSON", "", `unknown output format "JSON": valid formats are table, json, jsonl, csv, ocsf`},
		{"ndjson", "", `unknown output format "ndjson": valid formats are table, json, jsonl, csv, ocsf`},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.in), func(t *testing.T) {
			got, err := ParseFormat(tt.in)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if got != tt.want || gotErr != tt.wantErr {
				t.Errorf("ParseFormat(%q) = %q, %q; want %q, %q", tt.in, got, gotErr, tt.want, tt.wantErr)
			}
		})
	}
}

func TestWriteRejectsBadInput(t *testing.T) {
	reserved := trail.Detection{ID: "bad", By: []string{"user", "count"}}
	twice := trail.Detection{ID: "twice", By: []string{"src", "src"}}
	provenance := trail.Detection{ID: "prov", By: []string{"provenance"}}
	dets := map[string]trail.Detection{createAccessKey.ID: createAccessKey, "bad": reserved, "twice": twice, "prov": provenance}
	tests := []struct {
		name    string
		cfg     Config
		rows    []trail.Row
		wantErr string
	}{
		{"unknown format", Config{Format: "xml"}, testRows[:1],
			`report: unknown output format "xml": valid formats are table, json, jsonl, csv, ocsf`},
		{"negative width", Config{Format: FormatTable, Width: -1}, testRows[:1], "report: negative table width -1"},
		{"row of an unknown detection", Config{Format: FormatJSONL}, testRows[5:6],
			`report: row 0: unknown detection "aws_consolelogin_nomfa"`},
		{"row with too few values", Config{Format: FormatCSV},
			[]trail.Row{testRows[0], {Detection: createAccessKey.ID, Values: []*string{str("x")}}},
			`report: row 1: detection "aws_createaccesskey" has 11 by-fields, row has 1 values`},
		{"by-field named like a report column", Config{Format: FormatTable},
			[]trail.Row{{Detection: "bad", Values: []*string{nil, nil}}},
			`report: detection "bad": by-field "count" collides with a report column`},
		{"by-field named like the provenance key", Config{Format: FormatJSONL},
			[]trail.Row{{Detection: "prov", Values: []*string{nil}}},
			`report: detection "prov": by-field "provenance" collides with a report column`},
		{"by-field listed twice", Config{Format: FormatTable},
			[]trail.Row{{Detection: "twice", Values: []*string{nil, nil}}},
			`report: detection "twice": by-field "src" appears twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Detections = dets
			var b bytes.Buffer
			err := Write(&b, tt.cfg, tt.rows)
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("Write error = %v, want %q", err, tt.wantErr)
			}
			if b.Len() != 0 {
				t.Errorf("Write wrote %d bytes before failing: %q", b.Len(), b.String())
			}
		})
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestWriteReportsWriterErrors(t *testing.T) {
	disk := errors.New("no space left on device")
	for _, f := range Formats {
		t.Run(string(f), func(t *testing.T) {
			err := Write(failingWriter{disk}, Config{Format: f, Detections: testDetections}, testRows)
			if !errors.Is(err, disk) {
				t.Fatalf("Write error = %v, want it to wrap %v", err, disk)
			}
			if want := "write " + string(f) + ": no space left on device"; err.Error() != want {
				t.Errorf("Write error = %q, want %q", err, want)
			}
		})
	}
}

// jsonKeys returns the keys of a JSON object in document order.
func jsonKeys(t *testing.T, obj []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(obj))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", obj)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func TestJSONLRowsHaveKeysInOrder(t *testing.T) {
	out := write(t, Config{Format: FormatJSONL, Detections: testDetections, PolicyVersion: "v1"}, testRows)
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(testRows) {
		t.Fatalf("%d lines, want one per row (%d)", len(lines), len(testRows))
	}
	tail := []string{"count", "firstTime", "lastTime", "title", "mitre_attack", "risk_score", "risk_message", "policy_version", "provenance"}
	for i, line := range lines {
		d := testDetections[testRows[i].Detection]
		want := append(append([]string{"detection"}, d.By...), tail...)
		if got := jsonKeys(t, []byte(line)); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("line %d keys:\n%v\nwant:\n%v", i, got, want)
		}
	}
}

func TestJSONRiskMessage(t *testing.T) {
	tests := []struct {
		name string
		row  trail.Row
		want string
	}{
		{"values substituted", testRows[3],
			"User arn:aws:sts::946986569305:assumed-role/OrganizationAccountAccessRole/terraform-ci-session-20240730T215313Z " +
				"is attempting to create access keys for deploy-bot from this IP 198.51.100.23"},
		{"null values render as null", testRows[0],
			"User arn:aws:iam::946986569305:user/christophe is attempting to create access keys for null from this IP null"},
		{"attacker newline survives JSON round trip", cak(str("a\nb"), str("1.2.3.4"), nil, nil, nil, nil, str("arn"), 1, at("2024-01-01T00:00:00Z"), at("2024-01-01T00:00:00Z")),
			"User arn is attempting to create access keys for a\nb from this IP 1.2.3.4"},
		{"second detection", testRows[5],
			"arn:aws:iam::946986569305:user/christophe signed in without MFA from 203.0.113.7 (MFAUsed=null)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := write(t, Config{Format: FormatJSONL, Detections: testDetections}, []trail.Row{tt.row})
			var obj struct {
				RiskMessage string  `json:"risk_message"`
				RiskScore   float64 `json:"risk_score"`
			}
			if err := json.Unmarshal(out, &obj); err != nil {
				t.Fatalf("%v in %s", err, out)
			}
			if obj.RiskMessage != tt.want {
				t.Errorf("risk_message = %q, want %q", obj.RiskMessage, tt.want)
			}
			if want := testDetections[tt.row.Detection].Risk.Score; obj.RiskScore != want {
				t.Errorf("risk_score = %v, want %v", obj.RiskScore, want)
			}
		})
	}
}

func TestJSONDocumentParses(t *testing.T) {
	out := write(t, Config{Format: FormatJSON, Detections: testDetections, PolicyVersion: "v9"}, testRows)
	var doc struct {
		PolicyVersion string           `json:"policy_version"`
		Rows          []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.PolicyVersion != "v9" || len(doc.Rows) != len(testRows) {
		t.Fatalf("policy_version %q, %d rows", doc.PolicyVersion, len(doc.Rows))
	}
	if got := jsonKeys(t, out); strings.Join(got, ",") != "policy_version,rows" {
		t.Errorf("document keys %v", got)
	}
	r := doc.Rows[0]
	for _, k := range []string{"requestParameters.userName", "src", "userAgent", "firstTime", "lastTime"} {
		if v, ok := r[k]; !ok || v != nil {
			t.Errorf("row 0 %s = %v (present %v), want null", k, v, ok)
		}
	}
	if r["count"] != 1.0 || r["eventID"] != "0c4a8f5e-3b1d-4f6a-9e2c-7d8b9a0f1e2d" {
		t.Errorf("row 0 count %v eventID %v", r["count"], r["eventID"])
	}
	if got := fmt.Sprint(doc.Rows[1]["mitre_attack"]); got != "[T1136.003 T1136]" {
		t.Errorf("mitre_attack = %s", got)
	}
	if doc.Rows[1]["firstTime"] != "2024-07-30T21:53:13Z" || doc.Rows[1]["lastTime"] != "2024-07-30T22:01:47Z" {
		t.Errorf("times %v %v", doc.Rows[1]["firstTime"], doc.Rows[1]["lastTime"])
	}
}
