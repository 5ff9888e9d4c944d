package report

import (
	"fmt"
	"io"
	"strings"
)

// Plan is what `evaluate plan` prints: what a run over the same inputs
// would read, grouped by input, account, region and day (delivery date),
// and what the listing left out. It reads nothing.
type Plan struct {
	Groups  []PlanGroup      `json:"groups"`
	Total   PlanCount        `json:"total"`
	Sources []PlanSource     `json:"s3"`      // one per s3:// input
	Skipped map[string]int64 `json:"skipped"` // local files left out, by reason
	Errors  map[string]int64 `json:"errors"`  // local paths that could not be listed, by reason
}

// PlanCount counts planned files or objects and their bytes (as listed;
// standard input and devices count 0 bytes).
type PlanCount struct {
	Objects int64 `json:"objects"`
	Bytes   int64 `json:"bytes"`
}

// PlanGroup is one input's files or objects of one account, region and day;
// "-" where a path lies off the AWSLogs layout.
type PlanGroup struct {
	Input   string `json:"input"` // s3://bucket, or "local"
	Account string `json:"account"`
	Region  string `json:"region"`
	Day     string `json:"day"`
	PlanCount
}

// PlanSource is the listing of one s3:// input.
type PlanSource struct {
	URL          string           `json:"url"`
	Region       string           `json:"region"`
	Listed       int64            `json:"listed"`
	Planned      int64            `json:"planned"`
	LeftPrefixes map[string]int64 `json:"left_prefixes"`
	LeftObjects  map[string]int64 `json:"left_objects"`
}

// WritePlan renders p as a table (one line per group, then the totals and
// what was left out) or as one indented JSON document.
func WritePlan(w io.Writer, format Format, p Plan) error {
	switch format {
	case FormatJSON:
		if p.Groups == nil {
			p.Groups = []PlanGroup{}
		}
		if p.Sources == nil {
			p.Sources = []PlanSource{}
		}
		for _, m := range []*map[string]int64{&p.Skipped, &p.Errors} {
			if *m == nil {
				*m = map[string]int64{}
			}
		}
		return WriteIndented(w, "plan", p)
	case FormatTable:
		_, err := io.WriteString(w, planTable(p))
		return err
	}
	return fmt.Errorf("plan: format %s is not available: use table or json", format)
}

func planTable(p Plan) string {
	rows := [][]string{{"input", "account", "region", "day", "objects", "bytes"}}
	for _, g := range p.Groups {
		rows = append(rows, []string{sanitize(g.Input), sanitize(g.Account), sanitize(g.Region), g.Day, group(g.Objects), humanBytes(g.Bytes)})
	}
	rows = append(rows, []string{"total", "", "", "", group(p.Total.Objects), humanBytes(p.Total.Bytes)})
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		var line strings.Builder
		for i, c := range r {
			if i >= 4 { // numbers right-aligned
				line.WriteString(strings.Repeat(" ", widths[i]-len([]rune(c))) + c)
			} else {
				line.WriteString(padRight(c, widths[i]))
			}
			if i < len(r)-1 {
				line.WriteString("  ")
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	for _, s := range p.Sources {
		fmt.Fprintf(&b, "%s (%s): %s listed, %s planned", sanitize(s.URL), s.Region, group(s.Listed), group(s.Planned))
		if len(s.LeftPrefixes) > 0 {
			b.WriteString("; prefixes not listed: " + counts(s.LeftPrefixes))
		}
		if len(s.LeftObjects) > 0 {
			b.WriteString("; objects left out: " + counts(s.LeftObjects))
		}
		b.WriteByte('\n')
	}
	if len(p.Skipped) > 0 {
		b.WriteString("local files left out: " + counts(p.Skipped) + "\n")
	}
	if len(p.Errors) > 0 {
		b.WriteString("errors: " + counts(p.Errors) + "\n")
	}
	return b.String()
}
