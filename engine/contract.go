package engine

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/trailhunt/trailhunt/trail"
)

// hostRules are rules a detection may not define: suppression and expiry
// are the host's, for every detection alike (docs/detections.md). A
// detection that still carries them was written for the old contract; it
// is refused rather than having its rules silently ignored.
var hostRules = []string{"suppressed_by", "expired_filters"}

// detectionsOf finds the detection packages (data.detections.<id>) among the
// compiled modules, reads their package METADATA and checks what of the
// contract can be checked before any record is seen.
func detectionsOf(c *ast.Compiler, files []source, modules map[string]*ast.Module) ([]*detection, error) {
	type pkg struct {
		files []source
		ann   []*ast.Annotations
	}
	pkgs := map[string]*pkg{}
	content := map[string][]byte{}
	for _, src := range files {
		content[src.name] = src.content
		m := modules[src.name]
		path := m.Package.Path
		if len(path) < 2 || path[1].Value.Compare(ast.String("detections")) != 0 {
			continue
		}
		if len(path) != 3 {
			return nil, fmt.Errorf("%s:%d: %w: package %s: a detection package is data.detections.<id>", src.name, m.Package.Location.Row, ErrContract, path)
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
		meta, err := metadataOf(id, a, content[a.Location.File])
		if err != nil {
			return nil, err
		}
		var parsed []*ast.Module
		for _, f := range p.files {
			parsed = append(parsed, modules[f.name])
		}
		span, _ := trail.ParseSpan(meta.Span) // checked with the METADATA
		keys := slices.Clone(meta.By)
		if span > 0 {
			keys = slices.DeleteFunc(keys, func(k string) bool { return k == trail.TimeField }) // the host's
		}
		if err := checkRules(c, parsed, meta.File, id, append(keys, meta.Extra()...)); err != nil {
			return nil, err
		}
		extra := meta.Extra()
		dets = append(dets, &detection{meta: meta, extra: extra, byTerms: keyTerms(meta.By), extraTerms: keyTerms(extra), span: span})
	}
	return dets, nil
}

// checkRules checks a detection's rules: finding is defined, as a complete
// rule (not a set, object or function), with exactly the keys the METADATA
// implies wherever its value is a literal object; the host's rules are
// absent. The literal check reads the parsed modules: the compiler rewrites
// a head's references into variables.
func checkRules(c *ast.Compiler, parsed []*ast.Module, file, id string, keys []string) error {
	for _, r := range hostRules {
		for _, rule := range c.GetRules(ast.MustParseRef(fmt.Sprintf("data.detections.%s.%s", id, r))) {
			return fmt.Errorf("%s: %w: detection %s defines %s: suppression is the host's for every detection now; "+
				"delete the rule and its helpers, and keep the entries in filters.yaml (docs/detections.md)", where(rule.Location, file), ErrContract, id, r)
		}
	}
	if len(c.GetRules(ast.MustParseRef(fmt.Sprintf("data.detections.%s.finding", id)))) == 0 {
		return fmt.Errorf("%s: %w: detection %s has no rule \"finding\"", file, ErrContract, id)
	}
	var rules []*ast.Rule
	for _, m := range parsed {
		for _, r := range m.Rules {
			if ref := r.Head.Ref(); len(ref) > 0 && ref[0].Value.Compare(ast.Var("finding")) == 0 {
				for ; r != nil; r = r.Else { // finding := {...} if {...} else := {...}
					rules = append(rules, r)
				}
			}
		}
	}
	for _, rule := range rules {
		loc := where(rule.Location, file)
		if len(rule.Head.Args) > 0 || rule.Head.RuleKind() != ast.SingleValue || len(rule.Head.Ref()) != 1 {
			return fmt.Errorf("%s: %w: detection %s: finding must be a complete rule, finding := {...} if {...}", loc, ErrContract, id)
		}
		obj, ok := rule.Head.Value.Value.(ast.Object)
		if !ok {
			continue // computed: checked on every finding at run time
		}
		var have []string
		literal := true
		obj.Foreach(func(k, _ *ast.Term) {
			s, ok := k.Value.(ast.String)
			if !ok {
				literal = false
				return
			}
			have = append(have, string(s))
		})
		if !literal {
			continue
		}
		for _, k := range keys {
			if !slices.Contains(have, k) {
				return fmt.Errorf("%s: %w: detection %s: finding has no key %q (stats.by and the fields stats functions read: %s)", loc, ErrContract, id, k, strings.Join(keys, ", "))
			}
		}
		for _, k := range have {
			if k == trail.TimeField && !slices.Contains(keys, k) {
				return fmt.Errorf("%s: %w: detection %s: finding key %q is the host's: it fills _time from the record's eventTime (stats.span); remove it", loc, ErrContract, id, k)
			}
			if !slices.Contains(keys, k) {
				return fmt.Errorf("%s: %w: detection %s: finding key %q is not in stats.by nor read by a stats function", loc, ErrContract, id, k)
			}
		}
	}
	return nil
}

func where(loc *ast.Location, file string) string {
	if loc == nil {
		return file
	}
	return fmt.Sprintf("%s:%d", loc.File, loc.Row)
}
