package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

var fullSummary = Summary{
	PolicyVersion:  "v1.2.0+3f9c2ab",
	Detections:     []string{"aws_consolelogin_nomfa", "aws_createaccesskey"},
	Files:          1532,
	Members:        12,
	ObjectsListed:  1610,
	ObjectsPlanned: 1530,
	ObjectsFetched: 1527,
	ObjectsFailed:  3,
	Bytes:          734_003_200,
	Decompressed:   5_368_709_120,
	Records:        4_200_000,
	NoTime:         3,
	Evaluated:      4_199_990,
	Failed:         4,
	Skipped:        map[string]int64{"digest_file": 48, "insight_file": 2, "zip_member_unsafe_path": 1},
	Errors:         map[string]int64{"json_syntax": 3, "gzip_truncated": 1},
	Findings:       27,
	Rows:           9,
	Suppressed:     map[string]int64{"aws_createaccesskey/ci-deployer-rotation": 112, "aws_createaccesskey/break-glass": 1},
	ExpiredFilters: []string{"aws_createaccesskey/old-vendor", "aws_consolelogin_nomfa/legacy-sso"},
	FilterSources: map[string]string{
		"aws_createaccesskey/old-vendor":           "policies/aws_createaccesskey/filters.yaml:40",
		"aws_createaccesskey/ci-deployer-rotation": "org-filters.yaml:7",
		"aws_consolelogin_nomfa/legacy-sso":        "team.yaml:3",
	},
	BelowCondition: map[string]int64{"aws_iam_accessdenied_discovery_events": 12},
	Integrity: &Integrity{Files: map[string]int64{"valid": 1520, "modified": 1, "missing": 2, "unlisted": 1, "unverifiable": 8}, Gaps: 1,
		Findings: map[string]int64{"valid": 25, "modified": 1, "not_verified": 1}},
	Elapsed:     84*time.Second + 312*time.Millisecond + 456*time.Microsecond,
	Interrupted: true,
}

func TestSummaryGolden(t *testing.T) {
	tests := []struct {
		name    string
		s       Summary
		text    string
		jsonDoc string
	}{
		{"every field set", fullSummary, "summary.txt.golden", "summary.json.golden"},
		{"zero summary omits empty maps", Summary{}, "summary_zero.txt.golden", "summary_zero.json.golden"},
		{"small clean run", Summary{PolicyVersion: "dev", Detections: []string{"aws_createaccesskey"}, Files: 1,
			Bytes: 1536, Decompressed: 9000, Records: 120, Evaluated: 120, Findings: 1, Rows: 1,
			Elapsed: 40 * time.Millisecond}, "summary_small.txt.golden", "summary_small.json.golden"},
		{"small verified run", Summary{PolicyVersion: "dev", Detections: []string{"aws_createaccesskey"}, Files: 2,
			Bytes: 3072, Decompressed: 18000, Records: 240, Evaluated: 240, Findings: 2, Rows: 2, Elapsed: 40 * time.Millisecond,
			Integrity: &Integrity{Verified: true, Files: map[string]int64{"valid": 3}, Findings: map[string]int64{"valid": 2}}},
			"summary_verified.txt.golden", "summary_verified.json.golden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var text, doc bytes.Buffer
			if err := WriteSummary(&text, tt.s); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.text, text.Bytes())
			if err := WriteSummaryJSON(&doc, tt.s); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.jsonDoc, doc.Bytes())
			if !strings.HasPrefix(lastLine(text.String()), "records/s") {
				t.Errorf("summary does not end with records/s: %q", lastLine(text.String()))
			}
		})
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestSummaryJSONFields(t *testing.T) {
	var doc bytes.Buffer
	if err := WriteSummaryJSON(&doc, fullSummary); err != nil {
		t.Fatal(err)
	}
	want := []string{"policy_version", "detections", "files", "members", "bytes", "decompressed", "objects_listed", "objects_planned", "objects_fetched", "objects_failed", "records", "no_time",
		"evaluated", "failed", "skipped", "errors", "findings", "rows", "suppressed", "expired_filters", "filter_sources", "below_condition", "integrity",
		"missing_shards", "elapsed_seconds", "interrupted", "records_per_second"}
	if got := jsonKeys(t, doc.Bytes()); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("keys:\n%v\nwant:\n%v", got, want)
	}
	var v struct {
		Elapsed float64 `json:"elapsed_seconds"`
		RPS     float64 `json:"records_per_second"`
	}
	if err := json.Unmarshal(doc.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	if v.Elapsed != 84.312456 {
		t.Errorf("elapsed_seconds = %v, want 84.312456", v.Elapsed)
	}
	if math.Abs(v.RPS-4_200_000/84.312456) > 1e-6 {
		t.Errorf("records_per_second = %v", v.RPS)
	}
	viaMarshal, err := json.Marshal(fullSummary)
	if err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, doc.Bytes()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(viaMarshal, compact.Bytes()) {
		t.Errorf("json.Marshal and WriteSummaryJSON disagree:\n%s\n%s", viaMarshal, compact.Bytes())
	}
}

func TestRecordsPerSecond(t *testing.T) {
	tests := []struct {
		name string
		s    Summary
		want float64
	}{
		{"no elapsed time", Summary{Records: 100}, 0},
		{"negative elapsed time", Summary{Records: 100, Elapsed: -time.Second}, 0},
		{"no records", Summary{Elapsed: time.Second}, 0},
		{"records over seconds", Summary{Records: 150_000, Elapsed: 2 * time.Second}, 75_000},
		{"sub-second run", Summary{Records: 50, Elapsed: 250 * time.Millisecond}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.RecordsPerSecond(); got != tt.want {
				t.Errorf("RecordsPerSecond() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSummaryHelpers(t *testing.T) {
	groups := map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1234: "-1,234"}
	for n, want := range groups {
		if got := group(n); got != want {
			t.Errorf("group(%d) = %q, want %q", n, got, want)
		}
	}
	sizes := map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 5 << 30: "5.0 GiB"}
	for n, want := range sizes {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestSummaryWriteErrors(t *testing.T) {
	disk := errors.New("no space left on device")
	if err := WriteSummary(failingWriter{disk}, fullSummary); !errors.Is(err, disk) {
		t.Errorf("WriteSummary error = %v", err)
	}
	if err := WriteSummaryJSON(failingWriter{disk}, fullSummary); !errors.Is(err, disk) {
		t.Errorf("WriteSummaryJSON error = %v", err)
	}
}
