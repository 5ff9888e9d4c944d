package main

import (
	"fmt"
	"strings"
)

const refPrefix = "#/components/schemas/"

// Standalone returns the file name kubeconform looks for and the standalone
// strict schema of definition def among defs (an OpenAPI v3 spec's
// components.schemas).
func Standalone(defs map[string]any, def string) (string, map[string]any, error) {
	d, ok := defs[def].(map[string]any)
	if !ok {
		return "", nil, fmt.Errorf("no definition %s", def)
	}
	gvks, _ := d["x-kubernetes-group-version-kind"].([]any)
	if len(gvks) != 1 {
		return "", nil, fmt.Errorf("%s: want one x-kubernetes-group-version-kind, have %d", def, len(gvks))
	}
	gvk, _ := gvks[0].(map[string]any)
	group, _ := gvk["group"].(string)
	version, _ := gvk["version"].(string)
	kindName, _ := gvk["kind"].(string)
	apiVersion, name := version, strings.ToLower(kindName)+"-"+version+".json"
	if group != "" {
		apiVersion = group + "/" + version
		name = strings.ToLower(kindName) + "-" + strings.ToLower(strings.Split(group, ".")[0]) + "-" + version + ".json"
	}
	s, err := inline(defs, d, map[string]bool{def: true})
	if err != nil {
		return "", nil, fmt.Errorf("%s: %v", def, err)
	}
	schema := s.(map[string]any)
	props := schema["properties"].(map[string]any)
	props["apiVersion"] = map[string]any{"type": "string", "enum": []any{apiVersion}}
	props["kind"] = map[string]any{"type": "string", "enum": []any{kindName}}
	schema["required"] = []any{"apiVersion", "kind"}
	schema["$schema"] = "http://json-schema.org/draft-04/schema#"
	return name, schema, nil
}

// inline copies v with every $ref replaced by its definition (a cycle is an
// error: no shipped kind has one), descriptions and x-kubernetes-*
// extensions dropped, and additionalProperties: false added to every object
// with properties that does not declare its own.
func inline(defs map[string]any, v any, seen map[string]bool) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		if ref, ok := v["$ref"].(string); ok {
			name := strings.TrimPrefix(ref, refPrefix)
			d, ok := defs[name]
			if !ok || name == ref {
				return nil, fmt.Errorf("unresolved $ref %s", ref)
			}
			if seen[name] {
				return nil, fmt.Errorf("cycle through %s", name)
			}
			seen[name] = true
			defer delete(seen, name)
			return inline(defs, d, seen)
		}
		out := map[string]any{}
		for k, e := range v {
			if k == "description" || strings.HasPrefix(k, "x-kubernetes-") {
				continue
			}
			if k == "format" && e == "int-or-string" {
				continue // the oneOf beside it says it; not a format a validator knows
			}
			var err error
			if k == "properties" {
				// Keys here are field names, not keywords: a field may be
				// called "description" or "format".
				props := map[string]any{}
				for name, p := range e.(map[string]any) {
					if props[name], err = inline(defs, p, seen); err != nil {
						return nil, err
					}
				}
				out[k] = props
				continue
			}
			if out[k], err = inline(defs, e, seen); err != nil {
				return nil, err
			}
		}
		if _, ok := out["properties"]; ok {
			if _, ok := out["additionalProperties"]; !ok {
				out["additionalProperties"] = false
			}
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			var err error
			if out[i], err = inline(defs, e, seen); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return v, nil
}
