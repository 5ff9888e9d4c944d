package report

import (
	"bytes"
	"encoding/json"
	"io"
	"time"

	"github.com/trailhunt/trailhunt/trail"
)

// writeJSON writes one indented document:
//
//	{
//	  "policy_version": "...",
//	  "rows": [ {row}, ... ]
//	}
//
// rows is always an array, [] when there are none.
func writeJSON(w io.Writer, cfg Config, rows Rows) error {
	ew := &errWriter{w: w}
	var obj, ind bytes.Buffer
	ew.WriteString("{\n  \"policy_version\": ")
	if err := appendJSON(&obj, cfg.PolicyVersion); err != nil {
		return err
	}
	ew.Write(obj.Bytes())
	ew.WriteString(",\n  \"rows\": [")
	n := 0
	err := eachRow(rows, func(r trail.Row) error {
		obj.Reset()
		if err := appendRowJSON(&obj, cfg, r); err != nil {
			return err
		}
		ind.Reset()
		if err := json.Indent(&ind, obj.Bytes(), "    ", "  "); err != nil {
			return err
		}
		if n > 0 {
			ew.WriteString(",")
		}
		n++
		ew.WriteString("\n    ")
		ew.Write(ind.Bytes())
		return ew.err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		ew.WriteString("]\n}\n")
	} else {
		ew.WriteString("\n  ]\n}\n")
	}
	return ew.err
}

// writeJSONL writes one compact row object per line.
func writeJSONL(w io.Writer, cfg Config, rows Rows) error {
	var obj bytes.Buffer
	return eachRow(rows, func(r trail.Row) error {
		obj.Reset()
		if err := appendRowJSON(&obj, cfg, r); err != nil {
			return err
		}
		obj.WriteByte('\n')
		_, err := w.Write(obj.Bytes())
		return err
	})
}

// appendRowJSON appends r as one compact JSON object whose keys are, in this
// order: detection, the by-fields, the stats (count, firstTime, lastTime by
// default), title, mitre_attack, risk_score, risk_message, policy_version,
// provenance.
func appendRowJSON(b *bytes.Buffer, cfg Config, r trail.Row) error {
	d := cfg.Detections[r.Detection]
	b.WriteByte('{')
	field := func(key string, v any) error {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		if err := appendJSON(b, key); err != nil {
			return err
		}
		b.WriteByte(':')
		return appendJSON(b, v)
	}
	if err := field("detection", r.Detection); err != nil {
		return err
	}
	for i, name := range d.By {
		if err := field(name, r.Values[i]); err != nil { // nil *string is null
			return err
		}
	}
	stats, err := rowStats(d, r)
	if err != nil {
		return err
	}
	for i, s := range d.StatsOrDefault() {
		if err := field(s.Name, statJSON(s, stats[i])); err != nil {
			return err
		}
	}
	fields := []struct {
		key string
		v   any
	}{
		{"title", d.Title},
		{"mitre_attack", d.AttackIDs()},
		{"risk_score", d.Risk.Score},
		{"risk_message", d.RiskMessage(r.Values, stats)},
		{"policy_version", cfg.PolicyVersion},
		{"provenance", rowProvenance(r)},
	}
	for _, f := range fields {
		if err := field(f.key, f.v); err != nil {
			return err
		}
	}
	b.WriteByte('}')
	return nil
}

// provenance is where a row's records came from: how many records the row
// counts in all, and the first few of them in source order, each as
// file[!member]#index (trail.Source.String), the pivot from a row back to
// its raw events. Its keys are written in this order.
type provenance struct {
	Count int64    `json:"count"`
	First []string `json:"first"` // never null: [] when the row kept none
}

func rowProvenance(r trail.Row) provenance {
	p := provenance{Count: r.Count, First: make([]string, len(r.Sources))}
	for i, s := range r.Sources {
		p.First[i] = s.String()
	}
	return p
}

// jsonTime is t as a dataTime string, or nil (null) for the zero time.
func jsonTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return dataTime(t)
}

// appendJSON appends the JSON encoding of v without HTML escaping (so that
// "ATT&CK" stays readable) and without a trailing newline. Control
// characters, invalid UTF-8 and U+2028/U+2029 are still escaped.
func appendJSON(b *bytes.Buffer, v any) error {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1) // Encode's newline
	return nil
}
