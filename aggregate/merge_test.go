package aggregate

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/trailhunt/trailhunt/trail"
)

// randomFindings draws n findings from small domains so that groups repeat:
// three detections with different by-lists, nulls, empty strings, the
// string "null", values that collide if concatenated, and about one record in
// four without a time.
func randomFindings(rng *rand.Rand, n int) []trail.Finding {
	domain := []*string{nil, str(""), str("null"), str("a"), str("ab"), str("b"), str("bc"), str("c")}
	detections := []struct {
		id    string
		width int
	}{{"aws_createaccesskey", 3}, {"aws_consolelogin", 2}, {"empty_by", 0}}
	out := make([]trail.Finding, n)
	for i := range out {
		d := detections[rng.IntN(len(detections))]
		values := make([]*string, d.width)
		for j := range values {
			values[j] = domain[rng.IntN(len(domain))]
		}
		var ts time.Time
		if rng.IntN(4) != 0 {
			ts = at(rng.IntN(100_000))
		}
		out[i] = trail.Finding{Detection: d.id, Values: values, Time: ts}
	}
	return out
}

func TestMergeEqualsSingleTable(t *testing.T) {
	rng := rand.New(rand.NewPCG(20240730, 1))
	for round := range 50 {
		findings := randomFindings(rng, 1+rng.IntN(400))
		want := tableOf(findings...).Rows()

		parts := make([]*Table, 1+rng.IntN(8))
		for i := range parts {
			parts[i] = New(nil)
		}
		for _, f := range findings {
			parts[rng.IntN(len(parts))].Add(f)
		}
		rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })

		// Fold left into a fresh table.
		folded := New(nil)
		for _, p := range parts {
			folded.Merge(p)
		}
		assertRows(t, folded.Rows(), want)

		// Pairwise tree merge, reusing the partial tables as accumulators.
		for len(parts) > 1 {
			var next []*Table
			for i := 0; i+1 < len(parts); i += 2 {
				parts[i].Merge(parts[i+1])
				next = append(next, parts[i])
			}
			if len(parts)%2 == 1 {
				next = append(next, parts[len(parts)-1])
			}
			parts = next
		}
		assertRows(t, parts[0].Rows(), want)
		if t.Failed() {
			t.Fatalf("round %d: merged tables differ from the single table", round)
		}
	}
}

func TestMerge(t *testing.T) {
	f1 := find("d", at(10), str("alice"))
	f2 := find("d", at(30), str("alice"))
	f3 := find("d", time.Time{}, str("bob"))
	tests := []struct {
		name  string
		dst   []trail.Finding
		src   *Table
		want  []trail.Row
		wantN int
	}{
		{
			name: "empty into empty stays empty",
			src:  New(nil),
			want: []trail.Row{},
		},
		{
			name: "empty into full changes nothing",
			dst:  []trail.Finding{f1, f3},
			src:  New(nil),
			want: []trail.Row{row("d", 1, at(10), at(10), str("alice")), row("d", 1, time.Time{}, time.Time{}, str("bob"))},
		},
		{
			name: "nil into full changes nothing",
			dst:  []trail.Finding{f1},
			src:  nil,
			want: []trail.Row{row("d", 1, at(10), at(10), str("alice"))},
		},
		{
			name: "full into empty copies every group",
			src:  tableOf(f1, f2, f3),
			want: []trail.Row{row("d", 2, at(10), at(30), str("alice")), row("d", 1, time.Time{}, time.Time{}, str("bob"))},
		},
		{
			name: "untimed group merged with timed group takes the timed range",
			dst:  []trail.Finding{find("d", time.Time{}, str("alice"))},
			src:  tableOf(f2),
			want: []trail.Row{row("d", 2, at(30), at(30), str("alice"))},
		},
		{
			name: "timed group merged with untimed group keeps its range",
			dst:  []trail.Finding{f1, f2},
			src:  tableOf(find("d", time.Time{}, str("alice"))),
			want: []trail.Row{row("d", 3, at(10), at(30), str("alice"))},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before []trail.Row
			if tt.src != nil {
				before = tt.src.Rows()
			}
			dst := tableOf(tt.dst...)
			dst.Merge(tt.src)
			assertRows(t, dst.Rows(), tt.want)
			if tt.src != nil {
				assertRows(t, tt.src.Rows(), before) // the source is unchanged
			}
		})
	}
}

func TestMergeIntoItselfDoublesCounts(t *testing.T) {
	tab := tableOf(find("d", at(10), str("alice")), find("d", at(20), str("alice")))
	tab.Merge(tab)
	assertRows(t, tab.Rows(), []trail.Row{row("d", 4, at(10), at(20), str("alice"))})
}

func TestMergedTableIsIndependentOfSource(t *testing.T) {
	src := tableOf(find("d", at(10), str("alice")))
	dst := New(nil)
	dst.Merge(src)
	src.Add(find("d", at(5), str("alice")))
	dst.Add(find("d", at(50), str("alice")))
	assertRows(t, src.Rows(), []trail.Row{row("d", 2, at(5), at(10), str("alice"))})
	assertRows(t, dst.Rows(), []trail.Row{row("d", 2, at(10), at(50), str("alice"))})
}

func BenchmarkAdd(b *testing.B) {
	// ~1.6 KB records reduce to 11 by-values; most findings hit an existing
	// group (same user, same key, re-delivered), one in 100 opens a new one.
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 10_000
	findings := make([]trail.Finding, n)
	for i := range findings {
		values := []*string{
			str("christophe"), str("203.0.113.7"), str("CreateAccessKey"), str("iam.amazonaws.com"),
			str("946986569305"), str("success"),
			str("aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1016-aws exe/x86_64.ubuntu.22 prompt/off command/iam.create-access-key"),
			str(fmt.Sprintf("b3f4d9a2-5f57-4a2c-9c1e-%012d", rng.IntN(n/100))),
			str("us-east-1"), str("AIDA5BMRSXKJ2EXAMPLE"), str("arn:aws:iam::946986569305:user/christophe"),
		}
		findings[i] = trail.Finding{Detection: "aws_createaccesskey", Values: values, Time: at(rng.IntN(86400))}
	}
	tab := New(nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		tab.Add(findings[i%n])
	}
}

// TestMergeExtraEqualsSingleTable: extra fields (dc, values, count) merge to
// the single table's rows whether each side holds no value, one or several,
// the same or different ones.
func TestMergeExtraEqualsSingleTable(t *testing.T) {
	d := trail.Detection{ID: "d", By: []string{"user"},
		Stats: stats(t, "count", "dc(eventName) as methods", "values(eventName) as names", "count(ua) as uas")}
	spec, err := NewSpec(d)
	if err != nil {
		t.Fatal(err)
	}
	specs := Specs{"d": spec}
	rng := rand.New(rand.NewPCG(20261129, 1))
	vals := []*string{nil, str(""), str("a"), str("b"), str("c")}
	for round := range 200 {
		findings := make([]trail.Finding, 1+rng.IntN(12))
		for i := range findings {
			findings[i] = trail.Finding{Detection: "d", Values: []*string{vals[1+rng.IntN(2)]},
				Extra: []*string{vals[rng.IntN(len(vals))], vals[rng.IntN(len(vals))]}}
		}
		single := New(specs)
		parts := []*Table{New(specs), New(specs), New(specs)}
		for _, f := range findings {
			single.Add(f)
			parts[rng.IntN(len(parts))].Add(f)
		}
		merged := parts[rng.IntN(len(parts))]
		for _, p := range parts {
			if p != merged {
				merged.Merge(p)
			}
		}
		assertRows(t, merged.Rows(), single.Rows())
		if t.Failed() {
			t.Fatalf("round %d: merged rows differ from the single table's", round)
		}
	}
}
