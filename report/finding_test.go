package report

import (
	"bytes"
	"testing"

	"github.com/trailhunt/trailhunt/trail"
)

// TestWriteFindingGolden: a finding is a jsonl row of count 1 whose
// provenance is its one source, then "source" and, for a finding written
// before, "repeat".
func TestWriteFindingGolden(t *testing.T) {
	t0 := at("2024-07-30T21:41:00Z")
	f := trail.Row{Detection: consoleLogin.ID, Values: testRows[6].Values, Count: 1, First: t0, Last: t0,
		Sources: []trail.Source{{File: "in/logs.zip", Member: "AWSLogs/1/x.json", Index: 7}}}
	cfg := Config{Detections: testDetections, PolicyVersion: "v1"}
	var out bytes.Buffer
	for _, repeat := range []bool{false, true} {
		if err := WriteFinding(&out, cfg, f, repeat); err != nil {
			t.Fatal(err)
		}
	}
	golden(t, "finding.jsonl.golden", out.Bytes())
}

func TestPrintableLines(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"one plain line", "parse policy: x.rego:3: unexpected eof", "parse policy: x.rego:3: unexpected eof"},
		{"line breaks and indentation are kept", "2 errors occurred:\nx.rego:3: bad\n\tfoo := {\n\t       ^", "2 errors occurred:\nx.rego:3: bad\n\tfoo := {\n\t       ^"},
		{"control bytes in a quoted line are escaped", "x.rego:3: bad\n\tfoo := {\r\x1b[2Kall clear", "x.rego:3: bad\n\tfoo := {\\r\\x1b[2Kall clear"},
		{"a tab inside a line is escaped", "a\tb\n  c\td", `a\tb` + "\n  " + `c\td`},
		{"invalid UTF-8", "\xff\n\xfe", `\xff` + "\n" + `\xfe`},
		{"empty lines stay empty", "a\n\nb\n", "a\n\nb\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PrintableLines(tt.in); got != tt.want {
				t.Errorf("PrintableLines(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
