package aggregate

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/trailhunt/trailhunt/trail"
)

// TestSourcesAreTheFirstInSourceOrder: a row keeps the MaxSources first
// sources in (file, member, index) order, whatever the arrival order and
// however the findings were split over tables and merged.
func TestSourcesAreTheFirstInSourceOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var findings []trail.Finding
	for i := range 40 {
		findings = append(findings, trail.Finding{Detection: "d", Values: []*string{str("u")},
			Source: trail.Source{File: fmt.Sprintf("f%d.json", i%3), Member: map[bool]string{true: "m"}[i%4 == 0], Index: i}})
	}
	want := []trail.Source{{File: "f0.json", Index: 3}, {File: "f0.json", Index: 6}, {File: "f0.json", Index: 9}, {File: "f0.json", Index: 15}, {File: "f0.json", Index: 18}}
	for round := range 20 {
		rng.Shuffle(len(findings), func(i, j int) { findings[i], findings[j] = findings[j], findings[i] })
		parts := []*Table{New(nil), New(nil), New(nil)}
		for i, f := range findings {
			parts[(i+round)%3].Add(f)
		}
		merged := New(nil)
		for _, p := range parts {
			merged.Merge(p)
		}
		rows := merged.Rows()
		if len(rows) != 1 || rows[0].Count != 40 || !reflect.DeepEqual(rows[0].Sources, want) {
			t.Fatalf("round %d: rows %+v, want sources %v", round, rows, want)
		}
	}
}
