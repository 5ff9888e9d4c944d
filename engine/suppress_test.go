package engine

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// The by-fields of the suppression tests, in finding order.
var supBy = []string{"requestParameters.userName", "src", "user_arn", "userAgent", "errorCode"}

// supBase is a finding's values: bob, from 198.51.100.23, by alice.
func supBase(overrides map[string]*string) []*string {
	vals := map[string]*string{
		"requestParameters.userName": ptr("bob"),
		"src":                        ptr("198.51.100.23"),
		"user_arn":                   ptr("arn:aws:iam::111122223333:user/alice"),
		"userAgent":                  ptr("aws-cli/2.15.0 Python/3.11"),
		"errorCode":                  ptr("success"),
	}
	for k, v := range overrides {
		vals[k] = v
	}
	out := make([]*string, len(supBy))
	for i, f := range supBy {
		out[i] = vals[f]
	}
	return out
}

func ptr(s string) *string { return &s }

func entry(id string, match map[string][]string) filterEntry {
	return filterEntry{ID: id, Reason: "unit test", Owner: "secops@example.com", Match: match}
}

// scanMatch is the reference: every entry checked in turn, globs through
// regexp, CIDR ranges through package net. newSuppressor must agree.
func scanMatch(entries []filterEntry, by, ipFields []string, values []*string) []string {
	var ids []string
	for _, e := range entries {
		ok := len(e.Match) > 0
		for field, pats := range e.Match {
			i := slices.Index(by, field)
			if i < 0 || values[i] == nil || !slices.ContainsFunc(pats, func(p string) bool {
				return scanPattern(p, *values[i], slices.Contains(ipFields, field))
			}) {
				ok = false
			}
		}
		if ok {
			ids = append(ids, e.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

func scanPattern(p, v string, isIP bool) bool {
	if isIP && strings.Contains(p, "/") {
		_, n, err := net.ParseCIDR(p)
		ip := net.ParseIP(v)
		return err == nil && ip != nil && !strings.Contains(v, "%") && n.Contains(ip)
	}
	parts := strings.Split(p, "*")
	for i := range parts {
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	return regexp.MustCompile(`^(?s:` + strings.Join(parts, ".*") + `)$`).MatchString(v)
}

func TestSuppress(t *testing.T) {
	user := func(p ...string) map[string][]string { return map[string][]string{"requestParameters.userName": p} }
	field := func(f string, p ...string) map[string][]string { return map[string][]string{f: p} }
	odd := `rotator/1.0 [build?42] {a,b} c:\tmp`
	for _, tc := range []struct {
		name    string
		entries []filterEntry
		values  map[string]*string
		want    []string
	}{
		{"empty list", nil, nil, nil},
		{"exact target", []filterEntry{entry("f", user("bob"))}, nil, []string{"f"}},
		{"exact arn", []filterEntry{entry("f", field("user_arn", "arn:aws:iam::111122223333:user/alice"))}, nil, []string{"f"}},
		{"other target", []filterEntry{entry("f", user("carol"))}, nil, nil},
		{"case-sensitive", []filterEntry{entry("f", user("Bob"))}, nil, nil},
		{"not a substring", []filterEntry{entry("f", user("bo"))}, nil, nil},
		{"not a prefix", []filterEntry{entry("f", user("bobby"))}, nil, nil},
		{"glob in arn", []filterEntry{entry("f", field("user_arn", "arn:aws:iam::*:user/ali*"))}, nil, []string{"f"}},
		{"star alone", []filterEntry{entry("f", field("user_arn", "*"))}, nil, []string{"f"}},
		{"star spans / and :", []filterEntry{entry("f", field("user_arn", "arn:aws:iam::111122223333:*"))}, nil, []string{"f"}},
		{"star spans . and space", []filterEntry{entry("f", field("userAgent", "aws-cli/*"))}, nil, []string{"f"}},
		{"star inside", []filterEntry{entry("f", user("b*b"))}, nil, []string{"f"}},
		{"star matches nothing", []filterEntry{entry("f", user("bob*"))}, nil, []string{"f"}},
		{"two stars", []filterEntry{entry("f", user("**"))}, nil, []string{"f"}},
		{"glob miss", []filterEntry{entry("f", field("user_arn", "arn:aws:iam::*:user/bob*"))}, nil, nil},
		{"glob inner miss", []filterEntry{entry("f", user("*x*"))}, nil, nil},
		{"glob overlapping parts", []filterEntry{entry("f", user("bo*ob"))}, nil, nil},
		{"literal characters", []filterEntry{entry("f", field("userAgent", odd))}, map[string]*string{"userAgent": &odd}, []string{"f"}},
		{"literal characters with star", []filterEntry{entry("f", field("userAgent", `rotator/* [build?42] {a,b} c:\*`))}, map[string]*string{"userAgent": &odd}, []string{"f"}},
		{"? is literal", []filterEntry{entry("f", field("userAgent", "rotator/* ?build?42? *"))}, map[string]*string{"userAgent": &odd}, nil},
		{"[ is literal", []filterEntry{entry("f", field("userAgent", "rotator/* [b]uild*"))}, map[string]*string{"userAgent": &odd}, nil},
		{"{ is literal", []filterEntry{entry("f", field("userAgent", "{rotator,x}/*"))}, map[string]*string{"userAgent": &odd}, nil},
		{"backslash is literal", []filterEntry{entry("f", field("userAgent", `*\t*`))}, map[string]*string{"userAgent": &odd}, []string{"f"}},
		{"any pattern of a list", []filterEntry{entry("f", user("carol", "bob"))}, nil, []string{"f"}},
		{"any glob of a list", []filterEntry{entry("f", user("carol", "b*"))}, nil, []string{"f"}},
		{"no pattern of a list", []filterEntry{entry("f", user("carol", "dave"))}, nil, nil},
		{"cidr v4", []filterEntry{entry("f", field("src", "198.51.100.0/24"))}, nil, []string{"f"}},
		{"cidr /32", []filterEntry{entry("f", field("src", "198.51.100.23/32"))}, nil, []string{"f"}},
		{"cidr /0", []filterEntry{entry("f", field("src", "0.0.0.0/0"))}, nil, []string{"f"}},
		{"cidr unmasked", []filterEntry{entry("f", field("src", "198.51.100.99/24"))}, nil, []string{"f"}},
		{"cidr list", []filterEntry{entry("f", field("src", "10.0.0.0/8", "198.51.0.0/16"))}, nil, []string{"f"}},
		{"cidr miss", []filterEntry{entry("f", field("src", "198.51.101.0/24"))}, nil, nil},
		{"cidr /32 miss", []filterEntry{entry("f", field("src", "198.51.100.24/32"))}, nil, nil},
		{"cidr other family", []filterEntry{entry("f", field("src", "2001:db8::/32"))}, nil, nil},
		{"cidr v6", []filterEntry{entry("f", field("src", "2001:db8::/32"))}, map[string]*string{"src": ptr("2001:db8:4f2a::17")}, []string{"f"}},
		{"cidr v6 /48", []filterEntry{entry("f", field("src", "2001:db8:4f2a::/48"))}, map[string]*string{"src": ptr("2001:db8:4f2a::17")}, []string{"f"}},
		{"cidr v6 /0", []filterEntry{entry("f", field("src", "::/0"))}, map[string]*string{"src": ptr("2001:db8:4f2a::17")}, []string{"f"}},
		{"cidr v6 miss", []filterEntry{entry("f", field("src", "2001:db9::/32"))}, map[string]*string{"src": ptr("2001:db8:4f2a::17")}, nil},
		{"cidr v4 on v6", []filterEntry{entry("f", field("src", "0.0.0.0/0"))}, map[string]*string{"src": ptr("2001:db8:4f2a::17")}, nil},
		{"v4-mapped v6 is its v4", []filterEntry{entry("f", field("src", "198.51.100.0/24"))}, map[string]*string{"src": ptr("::ffff:198.51.100.23")}, []string{"f"}},
		{"v4-mapped range is its v4 range", []filterEntry{entry("f", field("src", "::ffff:198.51.100.0/120"))}, nil, []string{"f"}},
		{"v4-mapped range miss", []filterEntry{entry("f", field("src", "::ffff:198.51.101.0/120"))}, nil, nil},
		{"exact ip", []filterEntry{entry("f", field("src", "198.51.100.23"))}, nil, []string{"f"}},
		{"glob ip", []filterEntry{entry("f", field("src", "198.51.100.*"))}, nil, []string{"f"}},
		{"exact ip is a string", []filterEntry{entry("f", field("src", "198.051.100.23"))}, nil, nil},
		{"cidr never matches AWS Internal", []filterEntry{entry("f", field("src", "0.0.0.0/0", "::/0"))}, map[string]*string{"src": ptr("AWS Internal")}, nil},
		{"exact AWS Internal", []filterEntry{entry("f", field("src", "AWS Internal"))}, map[string]*string{"src": ptr("AWS Internal")}, []string{"f"}},
		{"glob AWS Internal", []filterEntry{entry("f", field("src", "AWS *"))}, map[string]*string{"src": ptr("AWS Internal")}, []string{"f"}},
		{"cidr never matches leading zeros", []filterEntry{entry("f", field("src", "0.0.0.0/0", "75.50.255.67/32"))}, map[string]*string{"src": ptr("075.050.255.67")}, nil},
		{"exact leading zeros", []filterEntry{entry("f", field("src", "075.050.255.67"))}, map[string]*string{"src": ptr("075.050.255.67")}, []string{"f"}},
		{"cidr never matches a service", []filterEntry{entry("f", field("src", "0.0.0.0/0"))}, map[string]*string{"src": ptr("cloudformation.amazonaws.com")}, nil},
		{"cidr never matches a zone", []filterEntry{entry("f", field("src", "::/0"))}, map[string]*string{"src": ptr("fe80::1%eth0")}, nil},
		{"a prefix value is a string", []filterEntry{entry("f", field("src", "0.0.0.0/0"))}, map[string]*string{"src": ptr("10.0.0.0/8")}, nil},
		{"null matches no star", []filterEntry{entry("f", field("userAgent", "*"))}, map[string]*string{"userAgent": nil}, nil},
		{"null fails the entry", []filterEntry{entry("f", map[string][]string{"userAgent": {"*"}, "requestParameters.userName": {"bob"}})}, map[string]*string{"userAgent": nil}, nil},
		{"null src", []filterEntry{entry("f", field("src", "0.0.0.0/0", "*"))}, map[string]*string{"src": nil}, nil},
		{"all conditions hold", []filterEntry{entry("f", map[string][]string{"requestParameters.userName": {"bob"}, "src": {"198.51.100.0/24"}, "user_arn": {"arn:aws:iam::111122223333:user/*"}})}, nil, []string{"f"}},
		{"one condition fails", []filterEntry{entry("f", map[string][]string{"requestParameters.userName": {"bob"}, "src": {"203.0.113.0/24"}, "user_arn": {"arn:aws:iam::111122223333:user/*"}})}, nil, nil},
		{"several entries", []filterEntry{
			entry("by-target", user("bob")),
			entry("by-network", field("src", "198.51.100.0/24")),
			entry("other-target", user("carol")),
			entry("by-caller", field("user_arn", "*:user/alice")),
		}, nil, []string{"by-caller", "by-network", "by-target"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			values := supBase(tc.values)
			ip := []string{"src"}
			if got := newSuppressor(tc.entries, supBy, ip).match(values); !slices.Equal(got, tc.want) {
				t.Errorf("match = %q, want %q", got, tc.want)
			}
			if got := scanMatch(tc.entries, supBy, ip, values); !slices.Equal(got, tc.want) {
				t.Errorf("reference scan = %q, want %q (the test's reference is wrong)", got, tc.want)
			}
		})
	}
}

// TestSuppressIndexAgreesWithScan: random lists of exact, glob and CIDR
// patterns against random values; the index finds exactly what a scan of
// every entry finds.
func TestSuppressIndexAgreesWithScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"a", "ab", "abc", "b", "ba", "bob", "", "x"}
	ips := []string{"10.0.0.1", "10.1.2.3", "192.0.2.9", "2001:db8::1", "2001:db9::5", "AWS Internal", "010.0.0.1"}
	cidrs := []string{"10.0.0.0/8", "10.0.0.0/16", "10.1.0.0/16", "0.0.0.0/0", "192.0.2.0/24", "2001:db8::/32", "::/0", "10.0.0.1/32"}
	pattern := func() string {
		switch rng.IntN(4) {
		case 0:
			return words[rng.IntN(len(words))] + "*" + words[rng.IntN(len(words))]
		case 1:
			return "*" + words[rng.IntN(len(words))]
		default:
			return words[rng.IntN(len(words))] + words[rng.IntN(len(words))]
		}
	}
	by := []string{"user", "src"}
	for round := range 200 {
		var entries []filterEntry
		for i := range 1 + rng.IntN(30) {
			m := map[string][]string{}
			if rng.IntN(3) > 0 {
				for range 1 + rng.IntN(3) {
					m["user"] = append(m["user"], pattern())
				}
			}
			if rng.IntN(2) == 0 || len(m) == 0 {
				for range 1 + rng.IntN(3) {
					if rng.IntN(2) == 0 {
						m["src"] = append(m["src"], cidrs[rng.IntN(len(cidrs))])
					} else {
						m["src"] = append(m["src"], ips[rng.IntN(len(ips))])
					}
				}
			}
			entries = append(entries, entry(fmt.Sprint("e", i), m))
		}
		sup := newSuppressor(entries, by, []string{"src"})
		for range 50 {
			values := []*string{ptr(words[rng.IntN(len(words))] + words[rng.IntN(len(words))]), ptr(ips[rng.IntN(len(ips))])}
			if rng.IntN(8) == 0 {
				values[rng.IntN(2)] = nil
			}
			if got, want := sup.match(values), scanMatch(entries, by, []string{"src"}, values); !slices.Equal(got, want) {
				t.Fatalf("round %d: values %v: index %q, scan %q; entries %+v", round, values, got, want, entries)
			}
		}
	}
}

func TestFilterExpiry(t *testing.T) {
	e := filterEntry{Expires: "2027-03-31"}
	for _, tc := range []struct {
		now  string
		want bool
	}{
		{"2027-03-31T00:00:00Z", false},
		{"2027-03-31T23:59:59.999999999Z", false},
		{"2027-04-01T00:00:00Z", true},
		{"2030-01-01T00:00:00Z", true},
		{"2027-04-01T01:00:00+02:00", false}, // 2027-03-31T23:00Z
	} {
		now, _ := time.Parse(time.RFC3339Nano, tc.now)
		if got := e.expired(now); got != tc.want {
			t.Errorf("expired at %s = %v, want %v", tc.now, got, tc.want)
		}
	}
	if (filterEntry{}).expired(time.Now()) {
		t.Error("an entry without expires expired")
	}
}

// TestEdgeFilters runs the shipped detection over the synthetic edge cases
// (fixtures/edge) with testdata/edge_filters.yaml at 2024-10-01T08:00:00Z:
// exactly these records are suppressed, by exactly these entries.
func TestEdgeFilters(t *testing.T) {
	set, err := Load(t.Context(), Config{
		Detections:  []string{"aws_createaccesskey"},
		FilterPaths: []string{"testdata/edge_filters.yaml"},
		Now:         time.Date(2024, 10, 1, 8, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := set.ExpiredFilters(); !slices.Equal(got, []string{"aws_createaccesskey/expired-yesterday"}) {
		t.Errorf("ExpiredFilters = %q", got)
	}
	raw, err := os.ReadFile("../fixtures/edge/records.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Records []json.RawMessage }
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	suppressed := map[string][]string{}
	visible := 0
	for _, r := range doc.Records {
		fs, err := set.Evaluate(t.Context(), record(string(r)))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if f.Suppressed() {
				suppressed[*f.Values[slices.Index(set.Detections()[0].By, "eventID")]] = f.SuppressedBy
			} else {
				visible++
			}
		}
	}
	want := map[string][]string{
		"edge-a-hit-iamuser-for-other-user": {"cidr-v4-office-alice"},
		"edge-e-hit-assumedrole":            {"cidr-v6-vpn", "exact-user-arn"},
		"edge-f-hit-glob-literal-chars":     {"glob-useragent-literals"},
		"edge-e-hit-jackson-for-jack":       {"list-targets"},
		"edge-e-hit-dot-name-not-regex":     {"list-targets"},
		"edge-f-hit-src-aws-internal":       {"exact-and-glob-non-ip"},
		"edge-f-hit-src-leading-zeros":      {"exact-and-glob-non-ip"},
		"edge-f-hit-unexpired-filter":       {"expires-today"},
	}
	if !reflect.DeepEqual(suppressed, want) {
		t.Errorf("suppressed = %v\nwant %v", suppressed, want)
	}
	if visible != 14 {
		t.Errorf("%d visible findings, want 14", visible)
	}
}
