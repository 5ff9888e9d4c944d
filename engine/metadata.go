package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/trailhunt/trailhunt/aggregate"
	"github.com/trailhunt/trailhunt/trail"
)

// ErrContract marks a detection that breaks the detection contract (see
// docs/detections.md): missing or ill-typed METADATA, a finding of the
// wrong shape, or a rule the host owns.
var ErrContract = errors.New("detection contract")

// customKeys are the keys METADATA custom may hold; any other is an error,
// so that a typo (mitre_atack) is never silently ignored.
var customKeys = []string{
	"id", "type", "author", "source", "version", "date", "status",
	"mitre_attack", "kill_chain_phases", "nist", "cis20", "risk",
	"required_fields", "known_false_positives", "how_to_implement", "data_source",
	"ip_fields", "stats",
}

var (
	riskVar   = regexp.MustCompile(`\$([A-Za-z0-9_.]+)\$`)
	attackID  = regexp.MustCompile(`^T[0-9]{4}(\.[0-9]{3})?$`)
	reserved  = []string{"detection", "title", "mitre_attack", "risk_score", "risk_message", "policy_version"}
	typeNames = []string{"hunting", "anomaly", "ttp", "correlation", "baseline"}
)

// metaReader reads one detection's package METADATA and reports the file
// and line of what is wrong.
type metaReader struct {
	id    string
	file  string
	row   int      // line of the "# METADATA" comment
	lines []string // the file's lines
}

// fail names the line of the METADATA key at path (dotted, e.g.
// "custom.risk.score"), or the block's first line when it is not found.
func (m *metaReader) fail(path, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %w: detection %s: METADATA %s: %s", m.file, m.line(path), ErrContract, m.id, path, fmt.Sprintf(format, args...))
}

func (m *metaReader) line(path string) int {
	row := m.row
	for seg := range strings.SplitSeq(path, ".") {
		found := false
		for i := row; i < len(m.lines) && i >= 1; i++ {
			t := strings.TrimSpace(m.lines[i-1])
			if !strings.HasPrefix(t, "#") {
				break
			}
			t = strings.TrimLeft(strings.TrimPrefix(t, "#"), " -")
			if strings.HasPrefix(t, seg+":") {
				row, found = i, true
				break
			}
		}
		if !found {
			break
		}
	}
	return row
}

// metadataOf reads and checks the contract's fields from a package
// annotation.
func metadataOf(id string, a *ast.Annotations, content []byte) (trail.Detection, error) {
	m := &metaReader{id: id, file: a.Location.File, row: a.Location.Row, lines: strings.Split(string(content), "\n")}
	d := trail.Detection{ID: id, Title: a.Title, Description: strings.TrimSpace(a.Description), File: m.file}
	if d.Title == "" {
		return d, m.fail("title", "missing: every detection has a title")
	}
	if d.Description == "" {
		return d, m.fail("description", "missing: say what the detection finds and why it matters")
	}
	for _, r := range a.RelatedResources {
		d.References = append(d.References, r.Ref.String())
	}
	c := a.Custom
	for k := range c {
		if !slices.Contains(customKeys, k) {
			return d, m.fail("custom."+k, "unknown key (known: %s)", strings.Join(customKeys, ", "))
		}
	}
	var err error
	for _, f := range []struct {
		key string
		dst *string
	}{{"id", &d.UpstreamID}, {"type", &d.Type}, {"author", &d.Author}, {"source", &d.Source}} {
		if *f.dst, err = m.str(c, "custom."+f.key); err != nil {
			return d, err
		}
	}
	if d.Type != "" && !slices.Contains(typeNames, strings.ToLower(d.Type)) {
		return d, m.fail("custom.type", "%q is not a detection type (%s)", d.Type, strings.Join(typeNames, ", "))
	}
	for _, f := range []struct {
		key string
		dst *[]string
	}{{"kill_chain_phases", &d.KillChain}, {"nist", &d.NIST}, {"cis20", &d.CIS}, {"required_fields", &d.RequiredFields}} {
		if *f.dst, err = m.strs(c, "custom."+f.key); err != nil {
			return d, err
		}
	}
	if d.Attack, err = m.attack(c); err != nil {
		return d, err
	}
	stats, err := m.object(c, "custom.stats")
	if err != nil {
		return d, err
	}
	for k := range stats {
		if !slices.Contains([]string{"by", "functions", "where", "span"}, k) {
			return d, m.fail("custom.stats."+k, "unknown key (known: by, functions, where, span)")
		}
	}
	if d.By, err = m.strs(stats, "custom.stats.by"); err != nil {
		return d, err
	}
	if len(d.By) == 0 {
		return d, m.fail("custom.stats.by", "missing or empty: it is the ordered list of finding fields")
	}
	for i, f := range d.By {
		if f == "" || slices.Contains(d.By[:i], f) || slices.Contains(reserved, f) {
			return d, m.fail("custom.stats.by", "field %q is empty, repeated or a report column (%s)", f, strings.Join(reserved, ", "))
		}
	}
	if d.Stats, d.Where, err = m.stats(stats, d); err != nil {
		return d, err
	}
	if d.Span, err = m.str(stats, "custom.stats.span"); err != nil {
		return d, err
	}
	switch span, err := trail.ParseSpan(d.Span); {
	case err != nil:
		return d, m.fail("custom.stats.span", "%v", err)
	case span > 0 && !slices.Contains(d.By, trail.TimeField):
		return d, m.fail("custom.stats.span", "a span buckets _time, which is not a stats.by field")
	case span == 0 && slices.Contains(d.By, trail.TimeField):
		return d, m.fail("custom.stats.by", "_time as a by-field needs custom.stats.span (e.g. 1h), as SPL's bucket _time span=1h")
	}
	if d.Risk, err = m.risk(c, append(slices.Clone(d.By), statNames(d.Stats)...)); err != nil {
		return d, err
	}
	if d.IPFields, err = m.strs(c, "custom.ip_fields"); err != nil {
		return d, err
	}
	if _, given := c["ip_fields"]; !given && slices.Contains(d.By, "src") {
		d.IPFields = []string{"src"}
	}
	for _, f := range d.IPFields {
		if !slices.Contains(d.By, f) {
			return d, m.fail("custom.ip_fields", "%q is not a stats.by field", f)
		}
	}
	return d, nil
}

// stats reads custom.stats.functions and custom.stats.where.
func (m *metaReader) stats(stats map[string]any, d trail.Detection) ([]trail.Stat, string, error) {
	fns, err := m.strs(stats, "custom.stats.functions")
	if err != nil {
		return nil, "", err
	}
	out := slices.Clone(trail.DefaultStats)
	if _, given := stats["functions"]; given {
		if len(fns) == 0 {
			return nil, "", m.fail("custom.stats.functions", "empty: leave it out for the default (count, min(_time) as firstTime, max(_time) as lastTime)")
		}
		out = nil
		for _, f := range fns {
			st, err := aggregate.ParseStat(f)
			if err != nil {
				return nil, "", m.fail("custom.stats.functions", "%v", err)
			}
			if slices.Contains(reserved, st.Name) {
				return nil, "", m.fail("custom.stats.functions", "%q: %q is a report column", f, st.Name)
			}
			out = append(out, st)
		}
	}
	where, err := m.str(stats, "custom.stats.where")
	if err != nil {
		return nil, "", err
	}
	d.Stats, d.Where = out, where
	if _, err := aggregate.NewSpec(d); err != nil {
		path := "custom.stats.functions"
		if where != "" && strings.Contains(err.Error(), "where") {
			path = "custom.stats.where"
		}
		return nil, "", m.fail(path, "%v", err)
	}
	return out, where, nil
}

func (m *metaReader) risk(c map[string]any, by []string) (trail.Risk, error) {
	var r trail.Risk
	obj, err := m.object(c, "custom.risk")
	if err != nil || obj == nil {
		return r, err
	}
	for k := range obj {
		if !slices.Contains([]string{"impact", "confidence", "score", "message"}, k) {
			return r, m.fail("custom.risk."+k, "unknown key (known: impact, confidence, score, message)")
		}
	}
	for _, f := range []struct {
		key     string
		integer bool
		dst     *float64
	}{{"impact", true, nil}, {"confidence", true, nil}, {"score", false, &r.Score}} {
		v, ok := obj[f.key]
		if !ok {
			continue
		}
		n, isNum := number(v)
		path := "custom.risk." + f.key
		switch {
		case !isNum:
			return r, m.fail(path, "%v is not a number", v)
		case n < 0 || n > 100:
			return r, m.fail(path, "%v is outside 0..100", v)
		case f.integer && n != math.Trunc(n):
			return r, m.fail(path, "%v is not an integer", v)
		}
		switch f.key {
		case "impact":
			r.Impact = int(n)
		case "confidence":
			r.Confidence = int(n)
		default:
			r.Score = n
		}
	}
	if r.Message, err = m.str(obj, "custom.risk.message"); err != nil {
		return r, err
	}
	for _, v := range riskVar.FindAllStringSubmatch(r.Message, -1) {
		if !slices.Contains(by, v[1]) {
			return r, m.fail("custom.risk.message", "$%s$ is neither a stats.by field nor a stats function's name", v[1])
		}
	}
	return r, nil
}

func (m *metaReader) attack(c map[string]any) ([]trail.Technique, error) {
	v, ok := c["mitre_attack"]
	if !ok {
		return nil, nil
	}
	l, ok := v.([]any)
	if !ok {
		return nil, m.fail("custom.mitre_attack", "want a list of {id, technique, tactic}")
	}
	var out []trail.Technique
	for i, e := range l {
		obj, ok := e.(map[string]any)
		if !ok {
			return nil, m.fail("custom.mitre_attack", "entry %d is not an object {id, technique, tactic}", i)
		}
		var t trail.Technique
		var err error
		for _, f := range []struct {
			key string
			dst *string
		}{{"id", &t.ID}, {"technique", &t.Technique}, {"tactic", &t.Tactic}} {
			if *f.dst, err = m.str(obj, "custom.mitre_attack."+f.key); err != nil {
				return nil, err
			}
		}
		if !attackID.MatchString(t.ID) {
			return nil, m.fail("custom.mitre_attack", "entry %d: id %q is not an ATT&CK technique id (T1098, T1098.001)", i, t.ID)
		}
		out = append(out, t)
	}
	return out, nil
}

// str reads an optional string; numbers are accepted as their text (an
// upstream version: 3).
func (m *metaReader) str(c map[string]any, path string) (string, error) {
	switch v := c[lastSeg(path)].(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case float64, int, int64, json.Number:
		return fmt.Sprint(v), nil
	default:
		return "", m.fail(path, "want a string, have %v", v)
	}
}

func (m *metaReader) strs(c map[string]any, path string) ([]string, error) {
	v, ok := c[lastSeg(path)]
	if !ok || v == nil {
		return nil, nil
	}
	l, ok := v.([]any)
	if !ok {
		return nil, m.fail(path, "want a list of strings")
	}
	out := make([]string, 0, len(l))
	for _, e := range l {
		s, ok := e.(string)
		if !ok {
			return nil, m.fail(path, "want a list of strings, has %v", e)
		}
		out = append(out, s)
	}
	return out, nil
}

func (m *metaReader) object(c map[string]any, path string) (map[string]any, error) {
	v, ok := c[lastSeg(path)]
	if !ok || v == nil {
		return nil, nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, m.fail(path, "want a mapping")
	}
	return obj, nil
}

func number(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	}
	return 0, false
}

func statNames(stats []trail.Stat) []string {
	out := make([]string, len(stats))
	for i, s := range stats {
		out[i] = s.Name
	}
	return out
}

func lastSeg(path string) string { return path[strings.LastIndexByte(path, '.')+1:] }
