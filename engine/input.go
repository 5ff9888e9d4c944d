package engine

import (
	"errors"
	"fmt"
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/trailhunt/trailhunt/trail"
)

// projection is the part of a record the policies can see. When every
// reference to input in the compiled policies starts with a constant key
// (input.eventName, input.userIdentity.type, ...), only those top-level keys
// are decoded into the policy input: the others cannot change any result.
// When some policy refers to input as a whole or with a computed key, keys
// is nil and the whole record is decoded.
type projection struct {
	keys []string // sorted; nil means the whole record
}

// projectionOf collects the top-level input keys the compiled policies use.
func projectionOf(c *ast.Compiler) projection {
	keys := map[string]bool{}
	whole := false
	for _, m := range c.Modules {
		ast.WalkRefs(m, func(r ast.Ref) bool {
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
	p := projection{keys: make([]string, 0, len(keys))}
	for k := range keys {
		p.keys = append(p.keys, k)
	}
	slices.Sort(p.keys)
	return p
}

// Fields returns the top-level record keys the policies can see, or nil when
// they see whole records.
func (s *Set) Fields() []string { return slices.Clone(s.input.keys) }

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
	for _, k := range p.keys {
		raw := rec.Lookup(k)
		if raw == nil {
			continue
		}
		v, err := valueOf(raw)
		if err != nil {
			return nil, fmt.Errorf("decode record key %q: %w", k, err)
		}
		obj.Insert(ast.StringTerm(k), ast.NewTerm(v))
	}
	return obj, nil
}

var errNotObject = errors.New("not a JSON object")
