package report

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/clipperhouse/displaywidth"
	"github.com/trailhunt/trailhunt/trail"
)

func TestSanitize(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain ASCII is kept", "aws-cli/2.15.30 Python/3.11.8", "aws-cli/2.15.30 Python/3.11.8"},
		{"non-ASCII letters are kept", "josé.ユーザー zoë", "josé.ユーザー zoë"},
		{"newline, return and tab are escaped", "a\nb\rc\td", `a\nb\rc\td`},
		{"ANSI colour sequence loses its ESC", "\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"other C0 controls and DEL", "\x00\x07\x08\x7f", `\x00\x07\x08\x7f`},
		{"C1 control (8-bit CSI)", "a\u009b31mb", `a\u009b31mb`},
		{"bidi override", "user\u202Egpj.exe", `user\u202egpj.exe`},
		{"zero-width space", "ad\u200bmin", `ad\u200bmin`},
		{"invalid UTF-8 bytes", "ok\xff\xfe", `ok\xff\xfe`},
		{"non-BMP non-printable", "x\U000E0001y", `x\U000e0001y`},
		{"emoji is printable", "key 🔑", "key 🔑"},
		{"backslash is kept as is", `C:\Users\bob`, `C:\Users\bob`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sanitize(tt.in); got != tt.want {
				t.Errorf("sanitize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestWidthAndCut(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		w     int
		width int
		cut   string
		end   string
	}{
		{"fits", "alice", 5, 5, "alice", "alice"},
		{"one too long", "alice!", 5, 6, "alic…", "…ice!"},
		{"multi-byte runes count once", "josé-zoë", 6, 8, "josé-…", "…é-zoë"},
		{"wide runes count twice and are never split", "ユーザー", 5, 8, "ユー…", "…ザー"},
		{"combining mark counts zero", "e\u0301te", 3, 3, "e\u0301te", "e\u0301te"},
		{"an accent stays on its letter", "xxe\u0301te", 4, 5, "xxe\u0301…", "…e\u0301te"},
		{"emoji with a modifier is one cluster of two cells", "ok👍🏽ok", 4, 6, "ok…", "…ok"},
		{"width one leaves the ellipsis", "alice", 1, 5, "…", "…"},
		{"width zero leaves nothing", "alice", 0, 5, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := width(tt.in); got != tt.width {
				t.Errorf("width(%q) = %d, want %d", tt.in, got, tt.width)
			}
			if got := cut(tt.in, tt.w); got != tt.cut {
				t.Errorf("cut(%q, %d) = %q, want %q", tt.in, tt.w, got, tt.cut)
			}
			if got := cutEnd(tt.in, tt.w); got != tt.end {
				t.Errorf("cutEnd(%q, %d) = %q, want %q", tt.in, tt.w, got, tt.end)
			}
		})
	}
}

func TestCutHeaderAndValue(t *testing.T) {
	tests := []struct {
		name string
		f    func(string, int) string
		in   string
		w    int
		want string
	}{
		{"header that fits", cutHeader, "requestParameters.userName", 26, "requestParameters.userName"},
		{"dotted header keeps its last segment", cutHeader, "requestParameters.userName", 12, "…userName"},
		{"dotted header too narrow for its segment", cutHeader, "requestParameters.userName", 6, "userN…"},
		{"plain header keeps its start", cutHeader, "userAgent", 6, "userA…"},
		{"ARN keeps its resource", cutValue, "arn:aws:iam::946986569305:user/christophe", 16, "…user/christophe"},
		{"other values keep their start", cutValue, "aws-cli/2.15.30 Python/3.11.8", 16, "aws-cli/2.15.30…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f(tt.in, tt.w); got != tt.want {
				t.Errorf("cut %q to %d = %q, want %q", tt.in, tt.w, got, tt.want)
			}
		})
	}
}

func TestFit(t *testing.T) {
	tests := []struct {
		name    string
		widths  []int
		compact []int
		budget  int
		want    []int
	}{
		{"fits untouched", []int{10, 20, 30}, []int{10, 20, 30}, 60, []int{10, 20, 30}},
		{"widest shrinks first", []int{10, 20, 40}, []int{10, 20, 40}, 60, []int{10, 20, 30}},
		{"two widest shrink to a common cap", []int{10, 40, 40}, []int{10, 40, 40}, 60, []int{10, 25, 25}},
		{"odd remainder goes to the leftmost", []int{10, 40, 40}, []int{10, 40, 40}, 61, []int{10, 26, 25}},
		{"compact headers go first", []int{26, 20, 40}, []int{12, 20, 40}, 72, []int{12, 20, 40}},
		{"compact then cap", []int{26, 20, 40}, []int{12, 20, 40}, 50, []int{12, 19, 19}},
		{"never below the minimum, even if it overflows", []int{30, 30, 30}, []int{30, 30, 30}, 9, []int{minColumn, minColumn, minColumn}},
		{"narrow columns stay as they are", []int{3, 2, 30}, []int{3, 2, 30}, 4, []int{3, 2, minColumn}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := slices.Clone(tt.widths)
			fit(got, tt.compact, tt.budget)
			if !slices.Equal(got, tt.want) {
				t.Errorf("fit(%v, %v, %d) = %v, want %v", tt.widths, tt.compact, tt.budget, got, tt.want)
			}
		})
	}
}

// tableCases are the row sets the table is checked with: a seed-like hunt,
// hostile values over two detections, and a detection with declared stats.
var tableCases = []struct {
	name string
	dets map[string]trail.Detection
	rows []trail.Row
}{
	{"realistic", testDetections, realisticRows},
	{"rows", testDetections, testRows},
	{"stats", statsDetections, statsRows},
}

// checkWidth fails for any line of out wider than budget terminal cells
// (wide runes count two) or holding a control character.
func checkWidth(t *testing.T, out []byte, budget int) {
	t.Helper()
	for _, l := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		for _, r := range l {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == utf8.RuneError {
				t.Errorf("control character %U in line %q", r, l)
			}
		}
		if w := displaywidth.String(l); w > budget {
			t.Errorf("line of %d cells exceeds %d: %q", w, budget, l)
		}
	}
}

// TestTableWidthsGolden: the seed-like rows and the declared stats at the
// usual terminal widths, exactly, and no line wider than the width.
func TestTableWidthsGolden(t *testing.T) {
	for _, tc := range tableCases {
		if tc.name == "rows" {
			continue // rows.table*.golden, in TestWriteGolden
		}
		for _, w := range []int{60, 80, 100, 120} {
			name := fmt.Sprintf("%s.table%d.golden", tc.name, w)
			t.Run(name, func(t *testing.T) {
				out := write(t, Config{Format: FormatTable, Width: w, Detections: tc.dets}, tc.rows)
				checkWidth(t, out, w)
				golden(t, name, out)
			})
		}
	}
}

// TestTableStaysInBudget checks the promises of the table at every width
// from MinWidth to 240: no line wider than the width, footer included; no
// control character; each row is one line, holding its count, and its
// times when their columns are shown; from 80 cells on, every field the
// risk message names is shown (hoisted or as a column).
func TestTableStaysInBudget(t *testing.T) {
	for _, tc := range tableCases {
		for budget := MinWidth; budget <= 240; budget++ {
			t.Run(fmt.Sprintf("%s at %d", tc.name, budget), func(t *testing.T) {
				out := write(t, Config{Format: FormatTable, Width: budget, Detections: tc.dets}, tc.rows)
				checkWidth(t, out, budget)
				lines := strings.Split(string(out), "\n")
				for _, b := range blocks(tc.dets, tc.rows) {
					checkBlock(t, b, lines, budget)
				}
			})
		}
	}
}

// checkBlock finds block b's column header in lines (the first line after
// its heading that has a stat's name as a word) and checks its rows.
func checkBlock(t *testing.T, b block, lines []string, budget int) {
	t.Helper()
	start := slices.IndexFunc(lines, func(l string) bool { // the id may be cut ("aws_iam…")
		f := strings.Fields(l)
		return len(f) > 0 && !strings.HasPrefix(l, " ") && strings.HasPrefix(b.det.ID, strings.TrimSuffix(f[0], ellipsis))
	})
	if start < 0 {
		t.Fatalf("no heading for %s", b.det.ID)
	}
	stats := b.det.StatsOrDefault()
	h := start + 1
	names := statNames(b.det)
	for h < len(lines) && !slices.ContainsFunc(strings.Fields(lines[h]), func(f string) bool { return slices.Contains(names, f) }) {
		h++
	}
	if h+len(b.rows) >= len(lines) {
		t.Fatalf("%s: no column header naming a stat", b.det.ID)
	}
	header := lines[h]
	for i, r := range b.rows {
		line := lines[h+1+i]
		values, _ := rowStats(b.det, r)
		for j, s := range stats {
			if !slices.Contains(strings.Fields(header), s.Name) {
				continue
			}
			if v := tableStat(s, values[j]); s.Func != "values" && !strings.Contains(line, v) {
				t.Errorf("%s row %d: %s %q not in %q", b.det.ID, i, s.Name, v, line)
			}
		}
	}
	if budget < 80 {
		return
	}
	body := strings.Join(lines[start+1:h], "\n")
	for _, name := range append(slices.Clone(b.det.By), statNames(b.det)...) {
		if !strings.Contains(b.det.Risk.Message, "$"+name+"$") {
			continue
		}
		shown := strings.Contains(body, name+"=") || slices.ContainsFunc(strings.Fields(header), func(f string) bool {
			return f == name || f == compactHeader(name)
		})
		if !shown {
			t.Errorf("%s at %d: %s, named by the risk message, is not shown:\n%s", b.det.ID, budget, name, strings.Join(lines, "\n"))
		}
	}
}

// blocks groups rows by detection, detections in order of first appearance.
func blocks(detections map[string]trail.Detection, rows []trail.Row) []block {
	var out []block
	at := make(map[string]int)
	for _, r := range rows {
		i, ok := at[r.Detection]
		if !ok {
			i = len(out)
			at[r.Detection] = i
			out = append(out, block{det: detections[r.Detection]})
		}
		out[i].rows = append(out[i].rows, r)
	}
	return out
}
