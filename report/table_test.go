package report

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

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

// TestTableStaysInBudget checks the promises of the table over many widths:
// one row is one line, no control character reaches the output, count and
// the times are never cut, and no line is wider than the budget once the
// budget leaves every by-field column its minimum width (below that, lines
// overflow rather than lose every value).
func TestTableStaysInBudget(t *testing.T) {
	tests := []struct {
		name     string
		rows     []trail.Row
		fitsFrom int // narrowest budget the table fits in
	}{
		{"hostile rows", testRows, 91},
		{"realistic rows", realisticRows, 73},
	}
	for _, tt := range tests {
		for budget := 40; budget <= 240; budget++ {
			t.Run(fmt.Sprintf("%s at %d", tt.name, budget), func(t *testing.T) {
				out := string(write(t, Config{Format: FormatTable, Width: budget, Detections: testDetections}, tt.rows))
				lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
				for _, l := range lines {
					for _, r := range l {
						if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == utf8.RuneError {
							t.Errorf("control character %U in line %q", r, l)
						}
					}
					if w := width(l); w > budget && budget >= tt.fitsFrom {
						t.Errorf("line of %d columns exceeds %d: %q", w, budget, l)
					}
				}
				// Each row is the one line holding its count and times.
				for _, r := range tt.rows {
					tail := fmt.Sprintf(" %d  %s  %s", r.Count, ctime(r.First), ctime(r.Last))
					tail = strings.TrimRight(tail, " ")
					n := 0
					for _, l := range lines {
						if strings.HasSuffix(l, tail) && strings.Contains(l, "  "+strings.TrimPrefix(tail, " ")) {
							n++
						}
					}
					if n == 0 {
						t.Errorf("no line ends with %q", tail)
					}
				}
			})
		}
	}
}
