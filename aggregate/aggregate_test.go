package aggregate

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trailhunt/trailhunt/trail"
)

// str returns a pointer to s: a non-null by-value.
func str(s string) *string { return &s }

// at returns the UTC time sec seconds after 2024-07-30T21:00:00Z.
func at(sec int) time.Time {
	return time.Date(2024, 7, 30, 21, 0, sec, 0, time.UTC)
}

func find(det string, t time.Time, values ...*string) trail.Finding {
	return trail.Finding{Detection: det, Values: values, Time: t}
}

func row(det string, count int64, first, last time.Time, values ...*string) trail.Row {
	if values == nil {
		values = []*string{}
	}
	return trail.Row{Detection: det, Values: values, Count: count, First: first, Last: last,
		Stats: []trail.StatValue{{N: count}, {Time: first}, {Time: last}}}
}

// format renders a row on one line for readable failure messages.
func format(r trail.Row) string {
	var b strings.Builder
	b.WriteString(r.Detection)
	for _, v := range r.Values {
		if v == nil {
			b.WriteString(" <null>")
		} else {
			b.WriteString(" " + strconv.Quote(*v))
		}
	}
	tm := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.Format(time.RFC3339)
	}
	fmt.Fprintf(&b, " count=%d first=%s last=%s", r.Count, tm(r.First), tm(r.Last))
	return b.String()
}

func formatRows(rows []trail.Row) string {
	lines := make([]string, len(rows))
	for i, r := range rows {
		lines[i] = format(r)
	}
	return strings.Join(lines, "\n")
}

func assertRows(t *testing.T, got, want []trail.Row) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows differ\ngot:\n%s\nwant:\n%s", formatRows(got), formatRows(want))
	}
}

func tableOf(findings ...trail.Finding) *Table {
	t := New(nil)
	for _, f := range findings {
		t.Add(f)
	}
	return t
}

func TestTableRows(t *testing.T) {
	paris := time.FixedZone("CEST", 2*3600)
	var zero time.Time
	tests := []struct {
		name     string
		findings []trail.Finding
		want     []trail.Row
	}{
		{
			name: "no findings give no rows",
			want: []trail.Row{},
		},
		{
			name:     "one finding is one row with count 1",
			findings: []trail.Finding{find("d", at(5), str("alice"), str("1.2.3.4"))},
			want:     []trail.Row{row("d", 1, at(5), at(5), str("alice"), str("1.2.3.4"))},
		},
		{
			name: "same values count together, first and last are min and max",
			findings: []trail.Finding{
				find("d", at(30), str("alice")),
				find("d", at(10), str("alice")),
				find("d", at(50), str("alice")),
				find("d", at(20), str("alice")),
			},
			want: []trail.Row{row("d", 4, at(10), at(50), str("alice"))},
		},
		{
			name: "split between values is part of the key",
			findings: []trail.Finding{
				find("d", at(1), str("a"), str("bc")),
				find("d", at(2), str("ab"), str("c")),
			},
			want: []trail.Row{
				row("d", 1, at(1), at(1), str("a"), str("bc")),
				row("d", 1, at(2), at(2), str("ab"), str("c")),
			},
		},
		{
			name: "null, empty string and the string null are three groups, null first",
			findings: []trail.Finding{
				find("d", at(1), str("null")),
				find("d", at(2), str("")),
				find("d", at(3), nil),
				find("d", at(4), nil),
			},
			want: []trail.Row{
				row("d", 2, at(3), at(4), nil),
				row("d", 1, at(2), at(2), str("")),
				row("d", 1, at(1), at(1), str("null")),
			},
		},
		{
			name: "null in a later position sorts before strings in that position",
			findings: []trail.Finding{
				find("d", at(1), str("x"), str("b")),
				find("d", at(2), str("x"), nil),
				find("d", at(3), str("x"), str("a")),
			},
			want: []trail.Row{
				row("d", 1, at(2), at(2), str("x"), nil),
				row("d", 1, at(3), at(3), str("x"), str("a")),
				row("d", 1, at(1), at(1), str("x"), str("b")),
			},
		},
		{
			name: "same values under two detections are two groups, sorted by detection",
			findings: []trail.Finding{
				find("zeta", at(1), str("alice")),
				find("alpha", at(2), str("alice")),
				find("zeta", at(3), str("alice")),
			},
			want: []trail.Row{
				row("alpha", 1, at(2), at(2), str("alice")),
				row("zeta", 2, at(1), at(3), str("alice")),
			},
		},
		{
			name: "strings sort byte-wise, not by locale",
			findings: []trail.Finding{
				find("d", zero, str("éclair")),
				find("d", zero, str("Zed")),
				find("d", zero, str("apple")),
				find("d", zero, str("10")),
				find("d", zero, str("9")),
			},
			want: []trail.Row{
				row("d", 1, zero, zero, str("10")),
				row("d", 1, zero, zero, str("9")),
				row("d", 1, zero, zero, str("Zed")),
				row("d", 1, zero, zero, str("apple")),
				row("d", 1, zero, zero, str("éclair")),
			},
		},
		{
			name: "a shorter values list sorts before a longer one it prefixes",
			findings: []trail.Finding{
				find("d", zero, str("a"), str("b")),
				find("d", zero, str("a")),
				find("d", zero),
			},
			want: []trail.Row{
				row("d", 1, zero, zero),
				row("d", 1, zero, zero, str("a")),
				row("d", 1, zero, zero, str("a"), str("b")),
			},
		},
		{
			name: "a group where no record had a time has zero first and last",
			findings: []trail.Finding{
				find("d", zero, str("untimed")),
				find("d", zero, str("untimed")),
			},
			want: []trail.Row{row("d", 2, zero, zero, str("untimed"))},
		},
		{
			name: "a group with some timed records uses only those",
			findings: []trail.Finding{
				find("d", zero, str("mixed")),
				find("d", at(40), str("mixed")),
				find("d", zero, str("mixed")),
				find("d", at(20), str("mixed")),
				find("d", zero, str("mixed")),
			},
			want: []trail.Row{row("d", 5, at(20), at(40), str("mixed"))},
		},
		{
			name: "times in another zone are stored as the same instant in UTC",
			findings: []trail.Finding{
				find("d", at(7).In(paris), str("alice")),
			},
			want: []trail.Row{row("d", 1, at(7), at(7), str("alice"))},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := tableOf(tt.findings...)
			got := tab.Rows()
			assertRows(t, got, tt.want)
			if tab.Len() != len(tt.want) {
				t.Errorf("Len() = %d, want %d", tab.Len(), len(tt.want))
			}
		})
	}
}

func TestKeyIsUnambiguous(t *testing.T) {
	tests := []struct {
		name string
		a, b []*string
	}{
		{"split point between two values", []*string{str("a"), str("bc")}, []*string{str("ab"), str("c")}},
		{"null versus empty string", []*string{nil}, []*string{str("")}},
		{"null versus the string null", []*string{nil}, []*string{str("null")}},
		{"one empty value versus none", []*string{str("")}, []*string{}},
		{"two nulls versus one", []*string{nil, nil}, []*string{nil}},
		{"value that looks like an encoded null", []*string{str("n")}, []*string{nil, nil}},
		{"value containing a length prefix", []*string{str("\x01s\x01a")}, []*string{str(""), str("a")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ka, kb := string(appendKey(nil, "d", tt.a)), string(appendKey(nil, "d", tt.b))
			if ka == kb {
				t.Fatalf("keys collide: %q", ka)
			}
			for _, vs := range [][]*string{tt.a, tt.b} {
				det, got := decodeKey(string(appendKey(nil, "d", vs)))
				if det != "d" || !reflect.DeepEqual(got, vs) {
					t.Errorf("decode(encode(%v)) = %q %v", vs, det, got)
				}
			}
			tab := tableOf(find("d", time.Time{}, tt.a...), find("d", time.Time{}, tt.b...))
			if tab.Len() != 2 {
				t.Errorf("Len() = %d after adding both, want 2 groups", tab.Len())
			}
		})
	}
	if string(appendKey(nil, "ab", []*string{str("c")})) == string(appendKey(nil, "a", []*string{str("bc")})) {
		t.Error("detection id and first value are not separated")
	}
}

func TestAddDoesNotRetainCallerMemory(t *testing.T) {
	v := "alice"
	values := []*string{&v}
	tab := tableOf(trail.Finding{Detection: "d", Values: values, Time: at(1)})
	v = "mallory"
	values[0] = nil
	assertRows(t, tab.Rows(), []trail.Row{row("d", 1, at(1), at(1), str("alice"))})
}

func TestRowsAreDeepCopies(t *testing.T) {
	tab := tableOf(find("d", at(1), str("alice"), nil))
	rows := tab.Rows()
	*rows[0].Values[0] = "mallory"
	rows[0].Values[1] = str("x")
	rows[0].Count = 99
	assertRows(t, tab.Rows(), []trail.Row{row("d", 1, at(1), at(1), str("alice"), nil)})
}

func TestAddToExistingGroupDoesNotAllocate(t *testing.T) {
	tab := tableOf(find("d", at(1), str("alice"), nil, str("1.2.3.4")))
	f := find("d", at(2), str("alice"), nil, str("1.2.3.4"))
	if n := testing.AllocsPerRun(1000, func() { tab.Add(f) }); n != 0 {
		t.Errorf("Add to an existing group: %v allocations, want 0", n)
	}
}

func TestZeroTableIsUsable(t *testing.T) {
	var a, b Table
	if a.Len() != 0 || len(a.Rows()) != 0 {
		t.Fatalf("zero table not empty: %d groups", a.Len())
	}
	a.Merge(&b)
	a.Add(find("d", at(1), str("alice")))
	b.Merge(&a)
	assertRows(t, b.Rows(), []trail.Row{row("d", 1, at(1), at(1), str("alice"))})
}

// heldOf is Tally's count of the groups held back, per detection.
func heldOf(t *testing.T, tab *Table) map[string]int64 {
	t.Helper()
	_, held, err := tab.Tally()
	if err != nil {
		t.Fatal(err)
	}
	return held
}
