package live

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/trailhunt/trailhunt/aggregate"
	"github.com/trailhunt/trailhunt/report"
	"github.com/trailhunt/trailhunt/trail"
)

// Change is what one policy reload changed in the results.
type Change struct {
	From, To         string        // policy set versions
	Reload, Evaluate time.Duration // time to reload the set, and to re-evaluate
	Records          int64         // records re-evaluated
	Delta            aggregate.Delta
	Suppressed       []SuppressionChange
	Detections       map[string]trail.Detection // of the new set
}

// SuppressionChange is a filter entry whose suppression count changed.
type SuppressionChange struct {
	Entry    string // "<detection>/<id>"
	Old, New int64
}

func suppressionChanges(old, new map[string]int64) []SuppressionChange {
	var out []SuppressionChange
	for k, v := range new {
		if old[k] != v {
			out = append(out, SuppressionChange{k, old[k], v})
		}
	}
	for k, v := range old {
		if _, ok := new[k]; !ok {
			out = append(out, SuppressionChange{k, v, 0})
		}
	}
	slices.SortFunc(out, func(a, b SuppressionChange) int { return strings.Compare(a.Entry, b.Entry) })
	return out
}

// Write renders the change for a person: a header line with the versions
// and timings, then one line per row added (+), removed (-) or changed (~),
// then the filter entries whose suppression counts moved.
func (c Change) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "policy set %s -> %s: reloaded in %s, %d records re-evaluated in %s\n",
		c.From, c.To, c.Reload.Round(time.Millisecond), c.Records, c.Evaluate.Round(time.Millisecond))
	if c.Delta.Empty() && len(c.Suppressed) == 0 {
		b.WriteString("  no change in findings\n")
	}
	for _, r := range c.Delta.Added {
		fmt.Fprintf(&b, "  + %s\n", report.Printable(c.describe(r)))
	}
	for _, r := range c.Delta.Removed {
		fmt.Fprintf(&b, "  - %s\n", report.Printable(c.describe(r)))
	}
	for _, ch := range c.Delta.Changed {
		fmt.Fprintf(&b, "  ~ %s (was count %d, %s .. %s)\n", report.Printable(c.describe(ch.New)), ch.Old.Count, ctime(ch.Old.First), ctime(ch.Old.Last))
	}
	for _, s := range c.Suppressed {
		fmt.Fprintf(&b, "  suppressed by %s: %d -> %d\n", report.Printable(s.Entry), s.Old, s.New)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// describe renders a row on one line: the detection, its rendered risk
// message (or, without one, every by-field), the eventID when it is a
// by-field (the pivot back to the raw record), and the stats.
func (c Change) describe(r trail.Row) string {
	d := c.Detections[r.Detection]
	var parts []string
	if d.Risk.Message != "" {
		parts = append(parts, d.RiskMessage(r.Values, r.Stats))
	}
	for i, v := range r.Values {
		if i >= len(d.By) || (d.Risk.Message != "" && d.By[i] != "eventID") {
			continue
		}
		s := "null"
		if v != nil {
			s = *v
		}
		parts = append(parts, d.By[i]+"="+s)
	}
	return fmt.Sprintf("%s: %s (count %d, %s .. %s)", r.Detection, strings.Join(parts, " "), r.Count, ctime(r.First), ctime(r.Last))
}

func ctime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02T15:04:05")
}
