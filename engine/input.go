package engine

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/trailhunt/trailhunt/trail"
)

// projection is the part of a record a detection can see. When every
// reference to input in the detection's modules (and in every module outside
// data.detections, which it may call) starts with a constant key
// (input.eventName, input.userIdentity.type, ...), only those top-level keys
// are decoded into the policy input: the others cannot change its result.
// When it refers to input as a whole or with a computed key, or to another
// detection's rules, keys is nil and the whole record is decoded.
type projection struct {
	keys  []string    // sorted; nil means the whole record
	terms []*ast.Term // keys as terms (keyTerms), made once
}

var detectionsRoot = ast.MustParseRef("data.detections")

// projectionOf collects the top-level input keys detection id can see.
func projectionOf(c *ast.Compiler, id string) projection {
	keys := map[string]bool{}
	whole := false
	for _, m := range c.Modules {
		own := len(m.Package.Path) == 3 && m.Package.Path[2].Value.Compare(ast.String(id)) == 0
		if !own && m.Package.Path.HasPrefix(detectionsRoot) {
			continue // another detection's module
		}
		ast.WalkRefs(m, func(r ast.Ref) bool {
			if r.HasPrefix(detectionsRoot) && (len(r) < 3 || r[2].Value.Compare(ast.String(id)) != 0) {
				whole = true // it reads another detection's rules, which read input their way
				return false
			}
			if !r.HasPrefix(ast.InputRootRef) {
				return false
			}
			if len(r) < 2 {
				whole = true
				return false
			}
			k, ok := r[1].Value.(ast.String)
			if !ok {
				whole = true
				return false
			}
			keys[string(k)] = true
			return false
		})
	}
	if whole {
		return projection{}
	}
	sorted := slices.Sorted(maps.Keys(keys))
	return projection{keys: sorted, terms: keyTerms(sorted)}
}

// union is the projection that serves both p and o: one decoding of a
// record for every detection that gets it.
func (p projection) union(o projection) projection {
	if p.keys == nil || o.keys == nil {
		return projection{}
	}
	var u projection
	for i, j := 0, 0; i < len(p.keys) || j < len(o.keys); {
		switch {
		case j == len(o.keys) || i < len(p.keys) && p.keys[i] < o.keys[j]:
			u.keys, u.terms = append(u.keys, p.keys[i]), append(u.terms, p.terms[i])
			i++
		case i == len(p.keys) || o.keys[j] < p.keys[i]:
			u.keys, u.terms = append(u.keys, o.keys[j]), append(u.terms, o.terms[j])
			j++
		default: // in both
			u.keys, u.terms = append(u.keys, p.keys[i]), append(u.terms, p.terms[i])
			i, j = i+1, j+1
		}
	}
	if u.keys == nil {
		u.keys = []string{} // both empty: no key, not the whole record
	}
	return u
}

// Fields returns the top-level record keys detection id can see, or nil
// when it sees whole records (or is not loaded).
func (s *Set) Fields(id string) []string {
	for _, d := range s.detections {
		if d.meta.ID == id {
			return slices.Clone(d.input.keys)
		}
	}
	return nil
}

// value turns a record's JSON object into policy input: the whole record,
// or only the projected keys (found through the record's spans when it has
// them).
func (p projection) value(rec trail.Record) (ast.Value, error) {
	if p.keys == nil {
		v, err := valueOf(rec.Raw)
		if err != nil {
			return nil, fmt.Errorf("decode record: %w", err)
		}
		if _, ok := v.(ast.Object); !ok {
			return nil, fmt.Errorf("decode record: %w", errNotObject)
		}
		return v, nil
	}
	if len(rec.Raw) == 0 || rec.Raw[0] != '{' {
		return nil, fmt.Errorf("decode record: %w", errNotObject)
	}
	obj := ast.NewObjectWithCapacity(len(p.keys))
	for i, k := range p.keys {
		raw := rec.Lookup(k)
		if raw == nil {
			continue
		}
		v, err := valueOf(raw)
		if err != nil {
			return nil, fmt.Errorf("decode record key %q: %w", k, err)
		}
		obj.Insert(p.terms[i], ast.NewTerm(v))
	}
	return obj, nil
}

var errNotObject = errors.New("not a JSON object")
