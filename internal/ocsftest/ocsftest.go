// Package ocsftest validates OCSF Detection Findings in tests (report's and
// cmd/evaluate's) against the OCSF 1.8.0 JSON Schema kept in
// report/testdata, with a JSON Schema 2020-12 validator.
//
// Each finding is checked twice:
//   - against the schema as it is (the class's attributes, types, enums,
//     required members);
//   - against a strict variant built from it, which also holds what that
//     schema leaves out: no attribute the class does not define (the schema
//     allows any, so a misspelt key would pass), the cloud profile's
//     top-level cloud object only when metadata.profiles names the profile
//     (and then required), and every object's at_least_one / just_one
//     constraint (report/testdata/ocsf-1.8.0-profiles-constraints.json).
package ocsftest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The files in report/testdata (see its README.md).
const (
	SchemaFile = "detection_finding-1.8.0.schema.json"
	ExtraFile  = "ocsf-1.8.0-profiles-constraints.json"
)

// Validator checks findings against the schema and its strict variant.
type Validator struct {
	schema, strict *jsonschema.Schema
}

// New compiles the schemas in dir (report/testdata).
func New(dir string) (*Validator, error) {
	load := func(name string) (map[string]any, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		m, ok := doc.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: not a JSON object", name)
		}
		return m, nil
	}
	base, err := load(SchemaFile)
	if err != nil {
		return nil, err
	}
	strict, err := load(SchemaFile) // a second copy to change
	if err != nil {
		return nil, err
	}
	extra, err := load(ExtraFile)
	if err != nil {
		return nil, err
	}
	if err := tighten(strict, extra); err != nil {
		return nil, err
	}
	v := &Validator{}
	for _, s := range []struct {
		doc map[string]any
		dst **jsonschema.Schema
	}{{base, &v.schema}, {strict, &v.strict}} {
		id, _ := s.doc["$id"].(string)
		c := jsonschema.NewCompiler()
		if err := c.AddResource(id, s.doc); err != nil {
			return nil, err
		}
		if *s.dst, err = c.Compile(id); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// tighten turns the schema into its strict variant.
func tighten(s, extra map[string]any) error {
	s["$id"] = s["$id"].(string) + ":strict"
	defs := s["$defs"].(map[string]any)
	props := s["properties"].(map[string]any)
	for name, d := range extra["defs"].(map[string]any) {
		defs[name] = d
	}
	var profile []string
	for name, p := range extra["profile_cloud"].(map[string]any) {
		props[name] = p
		profile = append(profile, name)
	}
	slices.Sort(profile)
	// The cloud profile's attributes only with the profile, and cloud
	// (requirement: required in profiles/cloud.json) then required.
	var without []any
	for _, name := range profile {
		without = append(without, map[string]any{"required": []any{name}})
	}
	s["if"] = map[string]any{
		"required": []any{"metadata"},
		"properties": map[string]any{"metadata": map[string]any{
			"required":   []any{"profiles"},
			"properties": map[string]any{"profiles": map[string]any{"contains": map[string]any{"const": "cloud"}}},
		}},
	}
	s["then"] = map[string]any{"required": []any{"cloud"}}
	s["else"] = map[string]any{"not": map[string]any{"anyOf": without}}

	closeObject(s)
	for _, d := range defs {
		closeObject(d.(map[string]any))
	}
	for name, c := range extra["constraints"].(map[string]any) {
		d, ok := defs[name].(map[string]any)
		if !ok {
			continue // an object this class does not use
		}
		for kind, members := range c.(map[string]any) {
			var alts []any
			for _, m := range members.([]any) {
				alts = append(alts, map[string]any{"required": []any{m}})
			}
			switch kind {
			case "at_least_one":
				d["anyOf"] = alts
			case "just_one":
				d["oneOf"] = alts
			default:
				return fmt.Errorf("%s: constraint %q unknown", name, kind)
			}
		}
	}
	return nil
}

// closeObject forbids members an object schema does not define; schemas
// without properties (the "object" type of unmapped, "data") stay open.
func closeObject(s map[string]any) {
	if p, ok := s["properties"].(map[string]any); ok && len(p) > 0 {
		s["additionalProperties"] = false
	}
}

// Validate checks one finding (one JSON object, as one output line).
func (v *Validator) Validate(line []byte) error {
	if !json.Valid(line) {
		return fmt.Errorf("not JSON: %q", line)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(line))
	if err != nil {
		return err
	}
	if err := v.schema.Validate(inst); err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	if err := v.strict.Validate(inst); err != nil {
		return fmt.Errorf("strict schema (no unknown attributes, profiles, constraints): %w", err)
	}
	return nil
}
