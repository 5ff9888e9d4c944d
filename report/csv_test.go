package report

import (
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/trailhunt/trailhunt/trail"
)

// readCSV parses CSV output as csv.DictReader would: one map per row, keyed
// by the header.
func readCSV(t *testing.T, out []byte) (header []string, rows []map[string]string) {
	t.Helper()
	records, err := csv.NewReader(strings.NewReader(string(out))).ReadAll()
	if err != nil {
		t.Fatalf("%v in:\n%s", err, out)
	}
	if len(records) == 0 {
		t.Fatal("no header")
	}
	for _, rec := range records[1:] {
		row := make(map[string]string)
		for i, name := range records[0] {
			row[name] = rec[i]
		}
		rows = append(rows, row)
	}
	return records[0], rows
}

func TestCSVIsOneTable(t *testing.T) {
	header, rows := readCSV(t, write(t, Config{Format: FormatCSV, Detections: testDetections}, testRows))
	want := slices.Concat([]string{"detection"}, createAccessKey.By, []string{"count", "firstTime", "lastTime", "additionalEventData.MFAUsed"})
	if !slices.Equal(header, want) {
		t.Errorf("header %v\nwant %v", header, want)
	}
	if len(rows) != len(testRows) {
		t.Fatalf("%d rows, want %d", len(rows), len(testRows))
	}
	// A DictReader user finds every value under its own name.
	login := rows[6]
	for name, want := range map[string]string{
		"detection": consoleLogin.ID, "user_arn": "arn:aws:iam::946986569305:user/christophe", "src": "203.0.113.7",
		"additionalEventData.MFAUsed": "No", "count": "6", "firstTime": "2024-07-30T21:41:00Z",
		"requestParameters.userName": "", "eventID": "",
	} {
		if login[name] != want {
			t.Errorf("consoleLogin row: %s = %q, want %q", name, login[name], want)
		}
	}
	if got := rows[3]["additionalEventData.MFAUsed"]; got != "" {
		t.Errorf("createAccessKey row: additionalEventData.MFAUsed = %q, want empty", got)
	}
}

func TestCSVColumns(t *testing.T) {
	a := trail.Detection{ID: "a", By: []string{"user", "src"}}
	b := trail.Detection{ID: "b", By: []string{"src", "bucket"}, Stats: []trail.Stat{{Func: "count", Name: "n"}, {Func: "dc", Field: "x", Name: "user"}}}
	tests := []struct {
		name string
		dets []trail.Detection
		want string
	}{
		{"none", nil, "detection"},
		{"one", []trail.Detection{a}, "detection,user,src,count,firstTime,lastTime"},
		{"union in order of first appearance", []trail.Detection{a, b}, "detection,user,src,count,firstTime,lastTime,bucket,n"},
		{"the other order", []trail.Detection{b, a}, "detection,src,bucket,n,user,count,firstTime,lastTime"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(csvColumns(tt.dets), ","); got != tt.want {
				t.Errorf("csvColumns = %s, want %s", got, tt.want)
			}
		})
	}
}

// TestCSVCells: null and "" are told apart, control characters are
// escaped as in the table, and no line of a cell can start a formula.
func TestCSVCells(t *testing.T) {
	det := trail.Detection{ID: "d", By: []string{"v"}}
	dets := map[string]trail.Detection{"d": det}
	tests := []struct {
		name string
		v    *string
		want string
	}{
		{"null is an empty cell", nil, ""},
		{"the empty string is two double quotes", str(""), `""`},
		{"a value of two double quotes is escaped", str(`""`), `\x22\x22`},
		{"one double quote is kept", str(`"`), `"`},
		{"plain", str("alice"), "alice"},
		{"newline and ANSI escape as in the table", str("a\n\x1b[31mb"), `a\n\x1b[31mb`},
		{"tab and CR as in the table", str("a\tb\rc"), `a\tb\rc`},
		{"formula", str("=cmd|' /C calc'!A0"), `'=cmd|' /C calc'!A0`},
		{"formula after spaces", str("  =1+1"), `'  =1+1`},
		{"a tab is escaped first, so it starts no formula", str("\t@SUM(1)"), `\t@SUM(1)`},
		{"formula after an escaped newline stays on the line", str("x\n=1"), `x\n=1`},
		{"minus", str("-2"), "'-2"},
		{"inner equals sign", str("a=b"), "a=b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := trail.Row{Detection: "d", Values: []*string{tt.v}, Count: 1}
			_, rows := readCSV(t, write(t, Config{Format: FormatCSV, Detections: dets}, []trail.Row{row}))
			if got := rows[0]["v"]; got != tt.want {
				t.Errorf("cell = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCSVValuesCell(t *testing.T) {
	det := trail.Detection{ID: "d", By: []string{"src"}, Stats: []trail.Stat{{Func: "values", Field: "x", Name: "xs"}}}
	dets := map[string]trail.Detection{"d": det}
	tests := []struct {
		name   string
		values []string
		want   string
	}{
		{"empty list is an empty cell", []string{}, ""},
		{"one value per line", []string{"a", "b"}, "a\nb"},
		{"every line is neutralised", []string{"+1", "a", " -2", "@x"}, "'+1\na\n' -2\n'@x"},
		{"a newline inside a value is escaped", []string{"a\n=b", "c"}, `a\n=b` + "\nc"},
		{"an empty value is two double quotes", []string{"", "a"}, `""` + "\na"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := trail.Row{Detection: "d", Values: []*string{str("1.2.3.4")}, Count: 1, Stats: []trail.StatValue{{Values: tt.values}}}
			_, rows := readCSV(t, write(t, Config{Format: FormatCSV, Detections: dets}, []trail.Row{row}))
			if got := rows[0]["xs"]; got != tt.want {
				t.Errorf("cell = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNeutralise(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"alice", "alice"},
		{"=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"},
		{"+1", "'+1"},
		{"-2", "'-2"},
		{"@SUM(1)", "'@SUM(1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"a=b", "a=b"},
		{" =1", "' =1"},
		{" \t+1", "' \t+1"},
		{"   ", "   "},
		{"'already", "'already"},
		{"a\n=1", "a\n'=1"},
		{"a\r=1", "a\r'=1"},
		{"a\r\n -1", "a\r\n' -1"},
		{"=1\n=2\nx", "'=1\n'=2\nx"},
		{"a\n\n", "a\n\n"},
		{"a\n\tb", "a\n'\tb"},
	}
	for _, tt := range tests {
		if got := neutralise(tt.in); got != tt.want {
			t.Errorf("neutralise(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
