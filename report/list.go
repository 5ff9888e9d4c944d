package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/trailhunt/trailhunt/trail"
)

// Listed is one loaded detection as `evaluate list` shows it: its
// metadata, the prefilter derived from its policy, and its filter entries.
type Listed struct {
	trail.Detection
	Prefilter string         `json:"prefilter"`
	Filters   []trail.Filter `json:"filters"`
}

// WriteList renders the loaded detections: FormatJSON as one indented
// array, FormatTable as one block per detection. Other formats are refused.
func WriteList(w io.Writer, format Format, policyVersion string, dets []Listed) error {
	switch format {
	case FormatJSON:
		for i := range dets {
			if dets[i].Filters == nil {
				dets[i].Filters = []trail.Filter{}
			}
		}
		doc := struct {
			PolicyVersion string   `json:"policy_version"`
			Detections    []Listed `json:"detections"`
		}{policyVersion, dets}
		return WriteIndented(w, "list", doc)
	case FormatTable:
		var b strings.Builder
		fmt.Fprintf(&b, "policy set %s: %s\n", policyVersion, plural(int64(len(dets)), "detection"))
		for _, d := range dets {
			writeListed(&b, d)
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	return fmt.Errorf("list: format %s is not available: use table or json", format)
}

func writeListed(b *strings.Builder, d Listed) {
	line := func(label, text string) {
		fmt.Fprintf(b, "  %-10s %s\n", label, sanitize(text))
	}
	fmt.Fprintf(b, "\n%s — %s\n", sanitize(d.ID), sanitize(d.Title))
	line("file", d.File)
	kind := d.Type
	if kind == "" {
		kind = "-"
	}
	line("type", fmt.Sprintf("%s   risk score %g", kind, d.Risk.Score))
	var attack []string
	for _, t := range d.Attack {
		attack = append(attack, strings.TrimSpace(t.ID+" "+t.Technique))
	}
	if len(attack) == 0 {
		attack = []string{"-"}
	}
	line("ATT&CK", strings.Join(attack, ", "))
	var stats []string
	for _, s := range d.StatsOrDefault() {
		stats = append(stats, s.String())
	}
	line("stats", strings.Join(stats, ", ")+" by "+strings.Join(d.By, ", "))
	if d.Where != "" {
		line("where", d.Where)
	}
	if len(d.IPFields) > 0 {
		line("ip fields", strings.Join(d.IPFields, ", "))
	}
	line("prefilter", d.Prefilter)
	if len(d.Filters) == 0 {
		line("filters", "none")
		return
	}
	for i, f := range d.Filters {
		label := ""
		if i == 0 {
			label = "filters"
		}
		text := fmt.Sprintf("%s  owner %s  expires %s  (%s:%d)", f.ID, f.Owner, orNever(f.Expires), f.File, f.Line)
		if f.Expired {
			text += "  EXPIRED: suppresses nothing"
		}
		line(label, text)
		var match []string
		for _, k := range slices.Sorted(maps.Keys(f.Match)) {
			match = append(match, k+"="+strings.Join(f.Match[k], "|"))
		}
		line("", "  match "+strings.Join(match, " ")+"  reason: "+f.Reason)
	}
}

func orNever(s string) string {
	if s == "" {
		return "never"
	}
	return s
}

// WriteIndented writes v as one JSON document indented by two spaces,
// without HTML escaping (ATT&CK and S3 keys stay readable): list, plan and
// integrity reports.
func WriteIndented(w io.Writer, what string, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write %s: %w", what, err)
	}
	_, err := w.Write(b.Bytes())
	return err
}
