package report

// The "ocsf" format: one OCSF 1.8.0 Detection Finding (class_uid 2004) per
// row, as one compact JSON object per line; nothing when no rows.
// docs/ocsf.md is the mapping table; this file is its implementation, and
// ocsf_test.go validates every object it writes against the class's JSON
// Schema.
//
// Invariants, beside the package's:
//   - every by-value and every stat of the row is in the object: at its
//     OCSF home (ocsfFields, the stats' homes below) or under "unmapped"
//     with its seed name (null by-values too, as null); the row's sources
//     are the evidence's data;
//   - finding_info.uid depends only on the detection id, its by-field names
//     and the row's by-values (findingUID): the same row gets the same uid in
//     every run, whatever the policy version, the workers or the time;
//   - nothing depends on the wall clock: "time" is the row's last event
//     time, 0 when no record of the group had one;
//   - an attribute is written only where the class's schema and its
//     constraints (at_least_one, required) allow it: a by-value whose
//     object would break them goes to "unmapped" instead (demote).

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"math"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/trailhunt/trailhunt/trail"
)

// FormatOCSF is one OCSF 1.8.0 Detection Finding per row and line.
const FormatOCSF Format = "ocsf"

// ocsfVersion is the OCSF schema version the objects follow.
const ocsfVersion = "1.8.0"

// Detection Finding's fixed identity: category Findings (2), class 2004,
// activity Create (1), so type_uid 2004*100+1.
const (
	ocsfClassUID    = 2004
	ocsfCategoryUID = 2
	ocsfActivityID  = 1
	ocsfTypeUID     = ocsfClassUID*100 + ocsfActivityID
)

// ocsfKind says how a field's value becomes OCSF.
type ocsfKind int

const (
	// ocsfString puts the value at Path as it is.
	ocsfString ocsfKind = iota
	// ocsfEndpoint treats Path as a network endpoint: an IP address goes to
	// Path.ip, a DNS name (as CloudTrail writes an AWS service that called
	// on a principal's behalf) to Path.domain, anything else ("AWS
	// Internal", a malformed address) to unmapped.
	ocsfEndpoint
	// ocsfError is CloudTrail's errorCode: the policies write "success" for
	// a call without one, which is no error, so it stays in unmapped.
	ocsfError
	// ocsfResource adds one resources[] entry per value (Path is
	// "resources.<attribute>"), so a values(...) stat maps too.
	ocsfResource
	// ocsfRelated adds one finding_info.related_events[] entry per value.
	ocsfRelated
)

// writeOCSF writes one Detection Finding per row and line.
func writeOCSF(w io.Writer, cfg Config, rows Rows) error {
	var b bytes.Buffer
	return eachRow(rows, func(r trail.Row) error {
		b.Reset()
		f, err := ocsfFinding(cfg, r)
		if err != nil {
			return err
		}
		if err := appendValue(&b, f); err != nil {
			return err
		}
		b.WriteByte('\n')
		_, err = w.Write(b.Bytes())
		return err
	})
}

// placement is one value put at an OCSF path.
type placement struct {
	field string // the by-field or stat it came from
	path  string
	value any
	set   []kv
	kind  ocsfKind
}

// ocsfFinding builds the Detection Finding of one row.
func ocsfFinding(cfg Config, r trail.Row) (*object, error) {
	d := cfg.Detections[r.Detection]
	stats, err := rowStats(d, r)
	if err != nil {
		return nil, err
	}
	placed, unmapped := ocsfPlace(d, r, stats)

	f := &object{}
	sev, sevName := severity(d.Risk.Score)
	f.set("class_uid", ocsfClassUID)
	f.set("class_name", "Detection Finding")
	f.set("category_uid", ocsfCategoryUID)
	f.set("category_name", "Findings")
	f.set("activity_id", ocsfActivityID)
	f.set("activity_name", "Create")
	f.set("type_uid", ocsfTypeUID)
	f.set("type_name", "Detection Finding: Create")
	last := r.Last
	if last.IsZero() {
		last = r.First
	}
	f.set("time", epochMillis(last)) // required: 0 when no record had a time
	f.set("severity_id", sev)
	f.set("severity", sevName)
	f.set("status_id", 1)
	f.set("status", "New")
	if c := d.Risk.Confidence; c > 0 {
		id, name := confidence(c)
		f.set("confidence_id", id)
		f.set("confidence", name)
		f.set("confidence_score", c)
	}
	if d.Risk.Impact > 0 {
		f.set("impact_score", d.Risk.Impact)
	}
	f.set("risk_score", int(math.Round(d.Risk.Score)))
	f.set("is_alert", strings.EqualFold(d.Type, "ttp"))
	f.set("count", r.Count)
	if msg := d.RiskMessage(r.Values, stats); msg != "" {
		f.set("message", msg)
	}
	if !r.First.IsZero() {
		f.set("start_time", epochMillis(r.First))
	}
	if !r.Last.IsZero() {
		f.set("end_time", epochMillis(r.Last))
	}

	f.set("metadata", obj(
		kv{"version", ocsfVersion},
		kv{"product", obj(kv{"name", "trailhunt"}, kv{"vendor_name", "trailhunt"})},
		kv{"profiles", []string{"cloud"}},
	))

	fi := f.at("finding_info")
	fi.set("uid", findingUID(d, r.Values))
	fi.set("title", d.Title)
	if d.Description != "" {
		fi.set("desc", d.Description)
	}
	an := fi.at("analytic")
	an.set("uid", cmpOr(d.UpstreamID, d.ID))
	an.set("name", d.ID)
	an.set("type", "Rule")
	an.set("type_id", 1)
	if d.Type != "" {
		an.set("category", d.Type)
	}
	if cfg.PolicyVersion != "" {
		an.set("version", cfg.PolicyVersion)
	}
	if attacks := ocsfAttacks(d.Attack); len(attacks) > 0 {
		fi.set("attacks", attacks)
	}
	if kc := ocsfKillChain(d.KillChain); len(kc) > 0 {
		fi.set("kill_chain", kc)
	}
	fi.set("data_sources", []string{"AWS CloudTrail"})
	if !r.First.IsZero() {
		fi.set("first_seen_time", epochMillis(r.First))
	}
	if !r.Last.IsZero() {
		fi.set("last_seen_time", epochMillis(r.Last))
	}

	f.at("cloud").set("provider", "AWS")
	var resources, related []any
	evidence := &object{}
	for _, p := range placed {
		switch p.kind {
		case ocsfResource, ocsfRelated:
			e := &object{}
			e.set(p.path[strings.LastIndexByte(p.path, '.')+1:], p.value)
			for _, c := range p.set {
				e.set(c.k, c.v)
			}
			if p.kind == ocsfResource {
				resources = append(resources, e)
			} else {
				related = append(related, e)
			}
			continue
		}
		root, path := f, p.path
		if rest, ok := strings.CutPrefix(path, "evidences."); ok {
			root, path = evidence, rest
		}
		parent, leaf := root.walk(path)
		parent.set(leaf, p.value)
		for _, c := range p.set {
			parent.set(c.k, c.v)
		}
	}
	if len(related) > 0 {
		fi.set("related_events", related)
	}
	if len(resources) > 0 {
		f.set("resources", resources)
	}
	if len(r.Sources) > 0 {
		src := make([]string, len(r.Sources))
		for i, s := range r.Sources {
			src[i] = s.String()
		}
		evidence.set("data", obj(kv{"sources", src}))
	}
	if len(evidence.keys) > 0 {
		evidence.order("actor", "api", "src_endpoint", "http_request", "data")
		if api, ok := evidence.vals["api"].(*object); ok {
			api.order("operation", "service", "request", "response")
		}
		if actor, ok := evidence.vals["actor"].(*object); ok {
			if user, ok := actor.vals["user"].(*object); ok {
				user.order("uid", "name")
			}
		}
		f.set("evidences", []any{evidence})
	}
	if len(unmapped.keys) > 0 {
		f.set("unmapped", unmapped)
	}
	return f, nil
}

// ocsfAttacks renders METADATA mitre_attack as OCSF attacks: a
// sub-technique (T1136.003) is one attack with its parent technique
// (T1136, named when the parent is listed too) and its tactic; a listed
// parent with the same tactic is folded into it rather than repeated.
func ocsfAttacks(ts []trail.Technique) []any {
	name := map[string]string{}
	folded := map[string]bool{} // parent id + tactic
	for _, t := range ts {
		name[t.ID] = t.Technique
		if parent, _, ok := strings.Cut(t.ID, "."); ok {
			folded[parent+"\x00"+t.Tactic] = true
		}
	}
	var out []any
	for _, t := range ts {
		a := &object{}
		parent, _, sub := strings.Cut(t.ID, ".")
		switch {
		case sub:
			a.set("technique", named(parent, name[parent]))
			a.set("sub_technique", named(t.ID, t.Technique))
		case folded[t.ID+"\x00"+t.Tactic]:
			continue
		default:
			a.set("technique", named(t.ID, t.Technique))
		}
		if t.Tactic != "" {
			a.set("tactic", named(tacticIDs[t.Tactic], t.Tactic))
		}
		out = append(out, a)
	}
	return out
}

// named is an OCSF {uid, name} object without its empty members.
func named(uid, name string) *object {
	o := &object{}
	if uid != "" {
		o.set("uid", uid)
	}
	if name != "" {
		o.set("name", name)
	}
	return o
}

// ocsfKillChain renders METADATA kill_chain_phases; a phase OCSF does not
// name is Other (99) with its own name.
func ocsfKillChain(phases []string) []any {
	var out []any
	for _, p := range phases {
		id := slices.IndexFunc(killChainPhases, func(c string) bool { return strings.EqualFold(c, p) })
		if id <= 0 {
			id = 99
		}
		out = append(out, obj(kv{"phase", p}, kv{"phase_id", id}))
	}
	return out
}

// findingUID identifies a row across runs: the hex SHA-256 of the
// detection id, then each by-field name and value, each string written as
// 's', its length as a uvarint and its bytes, a null value as the single
// byte 'n'. The policy version, times, counts and sources are left out, so
// that the same group keeps its uid when the policy is tuned or more
// records arrive.
func findingUID(d trail.Detection, values []*string) string {
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	put := func(s string) {
		h.Write([]byte{'s'})
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
		io.WriteString(h, s)
	}
	put(d.ID)
	for i, name := range d.By {
		put(name)
		if values[i] == nil {
			h.Write([]byte{'n'})
		} else {
			put(*values[i])
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// epochMillis is t in OCSF's timestamp_t: milliseconds since the Unix
// epoch; 0 for the zero time.
func epochMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// isIP reports whether s is an IPv4 or IPv6 address as OCSF's ip_t takes
// it: no zone, no leading zeros in IPv4 ("075.050.255.67" is not one).
func isIP(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Zone() == ""
}

// isDNSName reports whether s is a fully qualified host name: at least two
// dot-separated labels of letters, digits and inner hyphens, at most 63
// bytes each and 253 in all, the last one not all digits.
func isDNSName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	labels := strings.Split(s, ".")
	if len(s) > 253 || len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return strings.ContainsFunc(labels[len(labels)-1], func(r rune) bool { return r < '0' || r > '9' })
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// object is a JSON object that keeps its keys in insertion order, so that
// the output is deterministic and reads in the order the mapping is
// documented.
type object struct {
	keys []string
	vals map[string]any
}

func obj(members ...kv) *object {
	o := &object{}
	for _, m := range members {
		o.set(m.k, m.v)
	}
	return o
}

// set sets key to v; a key set again keeps its place.
func (o *object) set(key string, v any) {
	if o.vals == nil {
		o.vals = map[string]any{}
	}
	if _, ok := o.vals[key]; !ok {
		o.keys = append(o.keys, key)
	}
	o.vals[key] = v
}

// at returns the object under key, creating it.
func (o *object) at(key string) *object {
	if c, ok := o.vals[key].(*object); ok {
		return c
	}
	c := &object{}
	o.set(key, c)
	return c
}

// walk returns the object that holds the last element of a dotted path,
// creating the objects on the way, and that element.
func (o *object) walk(path string) (*object, string) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		o = o.at(p)
	}
	return o, parts[len(parts)-1]
}

// order moves the given keys to the front, in that order.
func (o *object) order(keys ...string) {
	var front []string
	for _, k := range keys {
		if _, ok := o.vals[k]; ok {
			front = append(front, k)
		}
	}
	rest := slices.DeleteFunc(slices.Clone(o.keys), func(k string) bool { return slices.Contains(front, k) })
	o.keys = append(front, rest...)
}

// appendValue appends v as compact JSON: objects in key order, arrays of
// any, and everything else as appendJSON encodes it.
func appendValue(b *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case *object:
		b.WriteByte('{')
		for i, k := range v.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := appendJSON(b, k); err != nil {
				return err
			}
			b.WriteByte(':')
			if err := appendValue(b, v.vals[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
		return nil
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := appendValue(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
		return nil
	}
	return appendJSON(b, v)
}
