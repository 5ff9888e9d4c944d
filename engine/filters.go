package engine

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// ErrFilter marks an invalid filter list. Its message names the file and
// line; a filter list is never silently widened or narrowed.
var ErrFilter = errors.New("invalid filter list")

// filterEntry is one validated suppression.
type filterEntry struct {
	ID      string
	Reason  string
	Owner   string
	Expires string              // YYYY-MM-DD, or "" for never
	Match   map[string][]string // finding field -> patterns (any may match)
}

var entryKeys = []string{"id", "reason", "owner", "expires", "match"}

// filterLists parses the filter lists: each detection folder's filters.yaml,
// then the override files, each of which replaces the default list of the
// detection it names. all holds every detection of the policy set; lists are
// returned only for the selected ones. A list naming a detection that the
// set does not have is an error, so a typo never disables a filter list.
func filterLists(all, selected []*detection, defaults, overrides []source) (map[string][]filterEntry, error) {
	byID := make(map[string]*detection, len(all))
	for _, d := range all {
		byID[d.meta.ID] = d
	}
	isSelected := func(id string) bool {
		return slices.ContainsFunc(selected, func(d *detection) bool { return d.meta.ID == id })
	}
	byFields := func(id string) ([]string, bool) {
		d, ok := byID[id]
		if !ok {
			return nil, false
		}
		return d.meta.By, true
	}
	lists := map[string][]filterEntry{}
	seen := map[string]string{} // detection -> override file
	for i, src := range slices.Concat(defaults, overrides) {
		isOverride := i >= len(defaults)
		id, entries, err := parseFilterFile(src, byFields)
		if err != nil {
			return nil, err
		}
		if !isOverride && id != pathBase(src.dir) {
			return nil, fmt.Errorf("%s: %w: detection %q does not match its folder %q", src.name, ErrFilter, id, pathBase(src.dir))
		}
		if isOverride {
			if prev, dup := seen[id]; dup {
				return nil, fmt.Errorf("%s: %w: a second filter list for detection %s (first: %s)", src.name, ErrFilter, id, prev)
			}
			seen[id] = src.name
		}
		if isSelected(id) {
			lists[id] = entries
		}
	}
	return lists, nil
}

func pathBase(dir string) string {
	if i := strings.LastIndexByte(dir, '/'); i >= 0 {
		return dir[i+1:]
	}
	return dir
}

// parseFilterFile validates one filter list. byFields returns the by-fields
// of a loaded detection.
func parseFilterFile(src source, byFields func(id string) ([]string, bool)) (string, []filterEntry, error) {
	fail := func(n *yaml.Node, format string, args ...any) error {
		line := 0
		if n != nil {
			line = n.Line
		}
		return fmt.Errorf("%s:%d: %w: %s", src.name, line, ErrFilter, fmt.Sprintf(format, args...))
	}
	dec := yaml.NewDecoder(bytes.NewReader(src.content))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return "", nil, fail(nil, "empty file: want a mapping with detection and filters")
		}
		return "", nil, fmt.Errorf("%s: %w: %w", src.name, ErrFilter, err)
	}
	var second yaml.Node
	if err := dec.Decode(&second); !errors.Is(err, io.EOF) {
		return "", nil, fail(&second, "more than one YAML document: a filter list is one document")
	}
	root := doc.Content[0]
	fields, err := mapping(root, []string{"detection", "filters"}, fail)
	if err != nil {
		return "", nil, err
	}
	det := fields["detection"]
	if det == nil || det.Kind != yaml.ScalarNode || det.Value == "" {
		return "", nil, fail(root, "missing detection: the id of the detection this list belongs to")
	}
	by, ok := byFields(det.Value)
	if !ok {
		return "", nil, fail(det, "unknown detection %q", det.Value)
	}
	list := fields["filters"]
	if list == nil {
		return "", nil, fail(root, "missing filters: use `filters: []` for an empty list")
	}
	if list.Kind != yaml.SequenceNode {
		return "", nil, fail(list, "filters must be a list of entries")
	}
	var entries []filterEntry
	ids := map[string]int{}
	for _, n := range list.Content {
		e, err := parseEntry(n, by, fail)
		if err != nil {
			return "", nil, err
		}
		if line, dup := ids[e.ID]; dup {
			return "", nil, fail(n, "duplicate filter id %q (first at line %d)", e.ID, line)
		}
		ids[e.ID] = n.Line
		entries = append(entries, e)
	}
	return det.Value, entries, nil
}

type failFunc func(n *yaml.Node, format string, args ...any) error

// mapping checks that n is a mapping with only the allowed keys and returns
// its values by key.
func mapping(n *yaml.Node, allowed []string, fail failFunc) (map[string]*yaml.Node, error) {
	if n.Kind != yaml.MappingNode {
		return nil, fail(n, "want a mapping with keys %s", strings.Join(allowed, ", "))
	}
	out := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(allowed, k.Value) {
			return nil, fail(k, "unknown key %q (valid: %s)", k.Value, strings.Join(allowed, ", "))
		}
		if _, dup := out[k.Value]; dup {
			return nil, fail(k, "key %q given twice", k.Value)
		}
		out[k.Value] = v
	}
	return out, nil
}

// text returns a non-empty scalar's literal text (so an account id written
// as a bare number keeps its exact digits).
func text(n *yaml.Node, what string, fail failFunc) (string, error) {
	if n == nil {
		return "", fail(nil, "missing %s", what)
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" || strings.TrimSpace(n.Value) == "" {
		return "", fail(n, "%s must be a non-empty string", what)
	}
	return n.Value, nil
}

func parseEntry(n *yaml.Node, by []string, fail failFunc) (filterEntry, error) {
	var e filterEntry
	f, err := mapping(n, entryKeys, fail)
	if err != nil {
		return e, err
	}
	if f["id"] == nil {
		return e, fail(n, "filter entry has no id")
	}
	if e.ID, err = text(f["id"], "id", fail); err != nil {
		return e, err
	}
	for _, k := range []struct {
		key string
		dst *string
	}{{"reason", &e.Reason}, {"owner", &e.Owner}} {
		if f[k.key] == nil {
			return e, fail(n, "filter %q has no %s", e.ID, k.key)
		}
		if *k.dst, err = text(f[k.key], k.key, fail); err != nil {
			return e, err
		}
	}
	if x := f["expires"]; x != nil {
		if e.Expires, err = text(x, "expires", fail); err != nil {
			return e, err
		}
		if _, err := time.Parse(time.DateOnly, e.Expires); err != nil {
			return e, fail(x, "filter %q: expires %q is not a date (YYYY-MM-DD)", e.ID, e.Expires)
		}
	}
	m := f["match"]
	if m == nil {
		return e, fail(n, "filter %q has no match: an entry must name at least one field", e.ID)
	}
	mf, err := mapping(m, by, fail)
	if err != nil {
		return e, err
	}
	if len(mf) == 0 {
		return e, fail(m, "filter %q: match is empty: an entry must name at least one field", e.ID)
	}
	e.Match = make(map[string][]string, len(mf))
	for field, v := range mf {
		pats, err := patterns(v, field, fail)
		if err != nil {
			return e, err
		}
		e.Match[field] = pats
	}
	return e, nil
}

// patterns reads a match value: one pattern or a non-empty list of them.
func patterns(v *yaml.Node, field string, fail failFunc) ([]string, error) {
	nodes := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		if len(v.Content) == 0 {
			return nil, fail(v, "match %s: empty list", field)
		}
		nodes = v.Content
	}
	out := make([]string, 0, len(nodes))
	for _, n := range nodes {
		p, err := text(n, "match "+field+" pattern", fail)
		if err != nil {
			return nil, err
		}
		if field == "src" && strings.Contains(p, "/") {
			if strings.Contains(p, "*") {
				return nil, fail(n, "match src: %q mixes a CIDR and a glob", p)
			}
			if _, err := netip.ParsePrefix(p); err != nil {
				return nil, fail(n, "match src: %q is not a CIDR range: %v", p, err)
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// filterDocument is a filter list as the policy sees it at
// data.trailhunt.filters.<id>.
func filterDocument(entries []filterEntry) []any {
	out := make([]any, 0, len(entries))
	for _, e := range entries {
		match := make(map[string]any, len(e.Match))
		for k, pats := range e.Match {
			l := make([]any, len(pats))
			for i, p := range pats {
				l[i] = p
			}
			match[k] = l
		}
		doc := map[string]any{"id": e.ID, "reason": e.Reason, "owner": e.Owner, "match": match}
		if e.Expires != "" {
			doc["expires"] = e.Expires
		}
		out = append(out, doc)
	}
	return out
}
