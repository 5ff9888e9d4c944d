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
	From, To         string           // policy set versions: the one shown last, and the new one
	Base             string           // the version whose results the changes are against, when not From
	Reload, Evaluate time.Duration    // time to reload the set, and to re-evaluate
	Records          int64            // records re-evaluated
	Failed           int64            // records that could not be read or evaluated
	Errors           map[string]int64 // errors by reason
	// Incomplete: the new set failed on some records, whose findings are
	// unknown. Only the findings it added are shown (a removal could be a
	// record that failed), and the results of From stay the baseline.
	Incomplete bool
	Delta      aggregate.Delta
	Suppressed []SuppressionChange
	Detections map[string]trail.Detection // of the new set
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

// Write renders the change for a person: a header line with the versions,
// timings and failures, then one line per row added (+), removed (-) or
// changed (~), then the filter entries whose suppression counts moved. An
// incomplete change says so and shows only the rows added.
func (c Change) Write(w io.Writer) error {
	var b strings.Builder
	base := c.From
	against := ""
	if c.Base != "" && c.Base != c.From {
		base = c.Base
		against = fmt.Sprintf(" (changes against policy set %s, the last complete results)", c.Base)
	}
	fmt.Fprintf(&b, "policy set %s -> %s: reloaded in %s, %d records re-evaluated in %s%s%s\n",
		c.From, c.To, c.Reload.Round(time.Millisecond), c.Records, c.Evaluate.Round(time.Millisecond), failedNote(c.Failed, c.Errors), against)
	if c.Incomplete {
		fmt.Fprintf(&b, "  findings lost or changed are not shown: policy set %s failed on records whose findings are unknown; changes stay shown against policy set %s\n", c.To, base)
		for _, r := range c.Delta.Added {
			fmt.Fprintf(&b, "  + %s\n", report.Printable(c.describe(r)))
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
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
