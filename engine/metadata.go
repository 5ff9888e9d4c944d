package engine

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/trailhunt/trailhunt/trail"
)

// ErrContract marks a detection that breaks the detection contract (see the
// README): missing METADATA, a malformed stats.by, a missing rule, or a
// finding of the wrong shape.
var ErrContract = errors.New("detection contract")

// The rules every detection package defines.
var contractRules = []string{"finding", "suppressed_by", "expired_filters"}

// detectionsOf finds the detection packages (data.detections.<id>) among the
// compiled modules and reads their package METADATA.
func detectionsOf(c *ast.Compiler, files []source, modules map[string]*ast.Module) ([]*detection, error) {
	type pkg struct {
		files []source
		ann   []*ast.Annotations
	}
	pkgs := map[string]*pkg{}
	for _, src := range files {
		m := modules[src.name]
		path := m.Package.Path
		if len(path) < 2 || path[1].Value.Compare(ast.String("detections")) != 0 {
			continue
		}
		if len(path) != 3 {
			return nil, fmt.Errorf("%s: %w: package %s: a detection package is data.detections.<id>", src.name, ErrContract, path)
		}
		id, ok := path[2].Value.(ast.String)
		if !ok {
			return nil, fmt.Errorf("%s: %w: package %s: bad detection id", src.name, ErrContract, path)
		}
		p := pkgs[string(id)]
		if p == nil {
			p = &pkg{}
			pkgs[string(id)] = p
		}
		p.files = append(p.files, src)
		for _, a := range m.Annotations {
			if a.Scope == "package" {
				p.ann = append(p.ann, a)
			}
		}
	}
	ids := make([]string, 0, len(pkgs))
	for id := range pkgs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if len(ids) == 0 {
		return nil, fmt.Errorf("%w: no package data.detections.<id> in %s", ErrContract, files[0].name)
	}

	dets := make([]*detection, 0, len(ids))
	for _, id := range ids {
		p := pkgs[id]
		file := p.files[0].name
		for _, f := range p.files {
			if f.dir != "." && path.Base(f.dir) != id {
				return nil, fmt.Errorf("%s: %w: detection %s must live in a folder named %s", f.name, ErrContract, id, id)
			}
		}
		if len(p.ann) != 1 {
			return nil, fmt.Errorf("%s: %w: detection %s needs exactly one package METADATA block, found %d", file, ErrContract, id, len(p.ann))
		}
		a := p.ann[0]
		if a.Location != nil {
			file = a.Location.File
		}
		meta, err := metadataOf(id, a)
		if err != nil {
			return nil, fmt.Errorf("%s: %w: detection %s: %w", location(a, file), ErrContract, id, err)
		}
		meta.File = file
		for _, r := range contractRules {
			ref := ast.MustParseRef(fmt.Sprintf("data.detections.%s.%s", id, r))
			if len(c.GetRules(ref)) == 0 {
				return nil, fmt.Errorf("%s: %w: detection %s has no rule %q", file, ErrContract, id, r)
			}
		}
		dets = append(dets, &detection{meta: meta})
	}
	return dets, nil
}

func location(a *ast.Annotations, file string) string {
	if a.Location == nil {
		return file
	}
	return fmt.Sprintf("%s:%d", file, a.Location.Row)
}

// metadataOf reads the contract's fields from a package annotation.
func metadataOf(id string, a *ast.Annotations) (trail.Detection, error) {
	d := trail.Detection{ID: id, Title: a.Title, Description: strings.TrimSpace(a.Description)}
	if d.Title == "" {
		return d, errors.New("METADATA has no title")
	}
	if d.Description == "" {
		return d, errors.New("METADATA has no description")
	}
	for _, r := range a.RelatedResources {
		d.References = append(d.References, r.Ref.String())
	}
	c := custom(a.Custom)
	var err error
	d.UpstreamID = c.str("id")
	d.Type = c.str("type")
	d.Author = c.str("author")
	d.Source = c.str("source")
	if d.KillChain, err = c.strings("kill_chain_phases"); err != nil {
		return d, err
	}
	if d.NIST, err = c.strings("nist"); err != nil {
		return d, err
	}
	if d.CIS, err = c.strings("cis20"); err != nil {
		return d, err
	}
	if d.RequiredFields, err = c.strings("required_fields"); err != nil {
		return d, err
	}
	for i, t := range c.list("mitre_attack") {
		tc := custom(asMap(t))
		tech := trail.Technique{ID: tc.str("id"), Technique: tc.str("technique"), Tactic: tc.str("tactic")}
		if tech.ID == "" {
			return d, fmt.Errorf("METADATA custom.mitre_attack[%d] has no id", i)
		}
		d.Attack = append(d.Attack, tech)
	}
	risk := custom(asMap(c["risk"]))
	d.Risk = trail.Risk{
		Impact:     int(risk.num("impact")),
		Confidence: int(risk.num("confidence")),
		Score:      risk.num("score"),
		Message:    risk.str("message"),
	}
	stats := custom(asMap(c["stats"]))
	if d.By, err = stats.strings("by"); err != nil {
		return d, fmt.Errorf("custom.stats: %w", err)
	}
	if len(d.By) == 0 {
		return d, errors.New("METADATA custom.stats.by is missing or empty: it is the ordered list of finding fields")
	}
	for i, f := range d.By {
		if f == "" || slices.Contains(d.By[:i], f) {
			return d, fmt.Errorf("METADATA custom.stats.by: field %q is empty or repeated", f)
		}
	}
	for _, m := range riskVar.FindAllStringSubmatch(d.Risk.Message, -1) {
		if !slices.Contains(d.By, m[1]) {
			return d, fmt.Errorf("METADATA custom.risk.message uses $%s$, which is not a stats.by field", m[1])
		}
	}
	return d, nil
}

var riskVar = regexp.MustCompile(`\$([A-Za-z0-9_.]+)\$`)

// custom reads loosely typed METADATA values.
type custom map[string]any

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func (c custom) str(k string) string {
	switch v := c[k].(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

func (c custom) num(k string) float64 {
	switch v := c[k].(type) {
	case int:
		return float64(v)
	case int64:
		return float64(v)
	case float64:
		return v
	}
	return 0
}

func (c custom) list(k string) []any {
	l, _ := c[k].([]any)
	return l
}

func (c custom) strings(k string) ([]string, error) {
	v, ok := c[k]
	if !ok || v == nil {
		return nil, nil
	}
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("METADATA custom.%s must be a list of strings", k)
	}
	out := make([]string, 0, len(l))
	for _, e := range l {
		s, ok := e.(string)
		if !ok {
			return nil, fmt.Errorf("METADATA custom.%s must be a list of strings, has %v", k, e)
		}
		out = append(out, s)
	}
	return out, nil
}
