package main

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestFixtures runs the baseline over the project's fixtures: it must find
// exactly the findings fixtures/README.md lists (before filters): the two
// Stratus Red Team keys and the 22 "-hit-" edge cases, nothing in
// TrailDiscover.
func TestFixtures(t *testing.T) {
	dets, err := prepare(t.Context(), "../../policies")
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(dets); !slices.Contains(got, "aws_createaccesskey") {
		t.Fatalf("detections %v", got)
	}
	// Only the seed: other detections' findings depend on the pack, which
	// grows (each has its own goldens in cmd/evaluate).
	dets = slices.DeleteFunc(dets, func(d detection) bool { return d.id != "aws_createaccesskey" })
	for _, workers := range []int{1, 3} {
		var out bytes.Buffer
		s, err := run(t.Context(), dets, []string{"../../fixtures/stratus-red-team", "../../fixtures/traildiscover", "../../fixtures/edge"}, workers, &out)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for line := range strings.Lines(out.String()) {
			var f map[string]any
			if err := json.Unmarshal([]byte(line), &f); err != nil {
				t.Fatal(err)
			}
			if f["detection"] == "aws_createaccesskey" {
				got = append(got, f["eventID"].(string))
			}
		}
		slices.Sort(got)
		var hits []string
		for _, id := range got {
			if strings.HasPrefix(id, "edge-") && !strings.Contains(id, "-hit-") {
				t.Errorf("finding for %s", id)
			}
			if strings.Contains(id, "-hit-") {
				hits = append(hits, id)
			}
		}
		want := []string{"94faedcc-0fa4-46e6-9322-022e8e934f04", "c64c4ded-ef03-4e5c-81eb-153b118d72f2"}
		if len(hits) != 22 || !slices.Equal(slices.DeleteFunc(got, func(id string) bool { return strings.HasPrefix(id, "edge-") }), want) {
			t.Errorf("workers %d: findings %v", workers, got)
		}
		if s.Files != 3 || s.Records != 310+563+35 || s.Findings != 24 {
			t.Errorf("workers %d: %+v", workers, s)
		}
	}
}
