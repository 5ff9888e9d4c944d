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

	"github.com/trailhunt/trailhunt/trail"
)

// ErrFilter marks an invalid filter list. Its message names the file and
// line; a filter list is never silently widened or narrowed.
var ErrFilter = errors.New("invalid filter list")

// filterEntry is one validated suppression.
type filterEntry struct {
	File    string // the list it comes from, as named on the command line or in the policy tree
	Line    int
	ID      string
	Reason  string
	Owner   string
	Expires string              // YYYY-MM-DD, or "" for never
	Match   map[string][]string // finding field -> patterns (any may match)
}

// expired reports whether the entry's last day (UTC) is over at now: an
// entry with expires 2027-03-31 suppresses until 2027-04-01T00:00:00Z.
func (e filterEntry) expired(now time.Time) bool {
	if e.Expires == "" {
		return false
	}
	day, err := time.Parse(time.DateOnly, e.Expires) // checked when the list was parsed
	return err != nil || !now.Before(day.AddDate(0, 0, 1))
}

var entryKeys = []string{"id", "reason", "owner", "expires", "match"}

// filterLists parses the filter lists: each detection folder's filters.yaml
// and every file given with --filters. All of them apply: a detection's
// list is the union of the entries naming it, whose ids must be unique per
// detection across files. all holds every detection of the policy set;
// lists are returned only for the selected ones. A list naming a detection
// that the set does not have is an error, so a typo never disables a filter
// list.
func filterLists(all, selected []*detection, defaults, overrides []source) (map[string][]filterEntry, error) {
	byID := make(map[string]*detection, len(all))
	for _, d := range all {
		byID[d.meta.ID] = d
	}
	lists := map[string][]filterEntry{}
	seen := map[string]filterEntry{} // "<detection>/<id>" -> first entry
	for i, src := range slices.Concat(defaults, overrides) {
		id, entries, err := parseFilterFile(src, func(id string) (*detection, bool) { d, ok := byID[id]; return d, ok })
		if err != nil {
			return nil, err
		}
		if i < len(defaults) && id != pathBase(src.dir) {
			return nil, fmt.Errorf("%s: %w: detection %q does not match its folder %q", src.name, ErrFilter, id, pathBase(src.dir))
		}
		for _, e := range entries {
			if first, dup := seen[id+"/"+e.ID]; dup {
				return nil, fmt.Errorf("%s:%d: %w: filter id %q for detection %s is already used at %s:%d: ids are unique per detection across all filter lists",
					e.File, e.Line, ErrFilter, e.ID, id, first.File, first.Line)
			}
			seen[id+"/"+e.ID] = e
		}
		if slices.ContainsFunc(selected, func(d *detection) bool { return d.meta.ID == id }) {
			lists[id] = append(lists[id], entries...)
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

// parseFilterFile validates one filter list. lookup returns a loaded
// detection by id.
func parseFilterFile(src source, lookup func(id string) (*detection, bool)) (string, []filterEntry, error) {
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
	d, ok := lookup(det.Value)
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
		e, err := parseEntry(n, d.meta, fail)
		if err != nil {
			return "", nil, err
		}
		e.File, e.Line = src.name, n.Line
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

func parseEntry(n *yaml.Node, meta trail.Detection, fail failFunc) (filterEntry, error) {
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
	mf, err := mapping(m, meta.By, fail)
	if err != nil {
		return e, err
	}
	if len(mf) == 0 {
		return e, fail(m, "filter %q: match is empty: an entry must name at least one field", e.ID)
	}
	e.Match = make(map[string][]string, len(mf))
	for field, v := range mf {
		pats, err := patterns(v, field, slices.Contains(meta.IPFields, field), fail)
		if err != nil {
			return e, err
		}
		e.Match[field] = pats
	}
	return e, nil
}

// patterns reads a match value: one pattern or a non-empty list of them.
// CIDR ranges are patterns only for the detection's IP fields; elsewhere a
// pattern that reads as one is an error, never a silent exact match.
func patterns(v *yaml.Node, field string, isIP bool, fail failFunc) ([]string, error) {
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
		switch {
		case isIP && strings.Contains(p, "/"):
			if strings.Contains(p, "*") {
				return nil, fail(n, "match %s: %q mixes a CIDR and a glob", field, p)
			}
			pre, err := netip.ParsePrefix(p)
			if err != nil {
				return nil, fail(n, "match %s: %q is not a CIDR range: %v", field, p, err)
			}
			if pre.Addr().Is4In6() && pre.Bits() < 96 {
				return nil, fail(n, "match %s: %q is an IPv4-mapped range wider than the IPv4 addresses (/96 or longer, or write it as IPv4)", field, p)
			}
		case !isIP:
			if _, err := netip.ParsePrefix(p); err == nil {
				return nil, fail(n, "match %s: %q is a CIDR range, but %s is not one of the detection's ip_fields (METADATA custom.ip_fields)", field, p, field)
			}
		}
		out = append(out, p)
	}
	return out, nil
}
