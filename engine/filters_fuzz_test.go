package engine

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trailhunt/trailhunt/trail"
	"time"
)

// fuzzBy is the stats.by list of aws_createaccesskey, the one detection the
// fuzzed filter lists may name.
var fuzzBy = []string{"requestParameters.userName", "src", "eventName", "eventSource", "aws_account_id",
	"errorCode", "userAgent", "eventID", "awsRegion", "userIdentity.principalId", "user_arn"}

// FuzzParseFilterFile feeds arbitrary bytes to the filter-list parser: no
// panic, no hang; an error always wraps ErrFilter and starts with the file
// name; a list that parses is valid by every rule of docs/detections.md (never a
// silently widened or narrowed filter).
func FuzzParseFilterFile(f *testing.F) {
	shipped, err := filepath.Glob("../policies/*/filters.yaml")
	if err != nil || len(shipped) == 0 {
		f.Fatalf("no shipped filter lists: %v", err)
	}
	for _, p := range shipped {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	const head = "detection: aws_createaccesskey\nfilters:\n"
	for _, s := range []string{
		// valid
		head + "  []\n",
		head + `  - id: ci-deployer-rotation
    reason: Terraform CI rotates the deploy user's keys nightly
    owner: secops@example.com
    expires: 2027-03-31
    match:
      user_arn: "arn:aws:sts::123456789012:assumed-role/ci-*"
      requestParameters.userName: [deploy-bot, "svc-*"]
      src: [10.0.0.0/8, 192.0.2.10, "2001:db8::/32"]
`,
		head + "  - {id: a, reason: r, owner: o, match: {aws_account_id: 946986569305}}\n  - {id: b, reason: r, owner: o, match: {src: '*'}}\n",
		// invalid
		"",
		"# only a comment\n",
		head + "  []\n---\n" + head + "  []\n",
		"detection: aws_createaccesskey\nfilter: []\n",
		head + "  - {id: a, reason: r, owner: o, match: {userName: bob}}\n",
		head + "  - {id: a, reason: r, owner: o, expires: 2027-13-01, match: {src: 1.2.3.4}}\n",
		head + "  - {id: a, reason: r, owner: o, match: {src: 10.0.0.0/33}}\n",
		head + "  - {id: a, reason: r, owner: o, match: {src: \"10.*/8\"}}\n",
		head + "  - {id: a, reason: r, owner: o, match: {src: [[a]]}}\n",
		head + "  - {id: a, reason: r, owner: o, match: {}}\n  - {id: a}\n",
		head + "  - &e {id: a, reason: r, owner: o, match: {src: x}}\n  - *e\n",
		"a: &a [*a, *a]\n",
		"detection: &d aws_createaccesskey\nfilters: [{id: *d, reason: *d, owner: *d, match: {src: *d}}]\n",
		"!!binary detection: x\n",
		"? [a, b]\n: c\n",
		"detection: aws_createaccesskey\nfilters: !!map {}\n",
		"--- |\n  text\n",
		"\xef\xbb\xbfdetection: aws_createaccesskey\nfilters: []\n",
		"detection: aws_createaccesskey\r\nfilters:\r\n  - {id: a, reason: r, owner: o, match: {src: ~}}\r\n",
		head + "  - {id: a\n",
	} {
		f.Add([]byte(s))
	}
	byFields := func(id string) (*detection, bool) {
		if id == "aws_createaccesskey" {
			return &detection{meta: trail.Detection{ID: id, By: fuzzBy, IPFields: []string{"src"}}}, true
		}
		return nil, false
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		defer func() {
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("slow input: %v", d)
			}
		}()
		const name = "fuzz/filters.yaml"
		id, entries, err := parseFilterFile(source{name: name, content: data}, byFields)
		if err != nil {
			if !errors.Is(err, ErrFilter) {
				t.Fatalf("error does not wrap ErrFilter: %v", err)
			}
			if !strings.HasPrefix(err.Error(), name+":") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if id != "aws_createaccesskey" {
			t.Fatalf("parsed a list for detection %q", id)
		}
		ids := map[string]bool{}
		for _, e := range entries {
			if strings.TrimSpace(e.ID) == "" || strings.TrimSpace(e.Reason) == "" || strings.TrimSpace(e.Owner) == "" {
				t.Fatalf("entry with an empty id, reason or owner: %+v", e)
			}
			if ids[e.ID] {
				t.Fatalf("duplicate id %q accepted", e.ID)
			}
			ids[e.ID] = true
			if e.Expires != "" {
				if _, err := time.Parse(time.DateOnly, e.Expires); err != nil {
					t.Fatalf("entry %q: bad expires %q accepted", e.ID, e.Expires)
				}
			}
			if len(e.Match) == 0 {
				t.Fatalf("entry %q with an empty match accepted", e.ID)
			}
			for field, pats := range e.Match {
				if !slices.Contains(fuzzBy, field) {
					t.Fatalf("entry %q: unknown field %q accepted", e.ID, field)
				}
				if len(pats) == 0 {
					t.Fatalf("entry %q: field %q with no pattern accepted", e.ID, field)
				}
				for _, p := range pats {
					if strings.TrimSpace(p) == "" {
						t.Fatalf("entry %q: empty pattern for %q accepted", e.ID, field)
					}
				}
			}
		}
		// Every accepted list compiles (CIDRs parse) and matches like a
		// scan of its entries.
		sup := newSuppressor(entries, fuzzBy, []string{"src"})
		values := make([]*string, len(fuzzBy))
		for i := range values {
			v := "198.51.100.7"
			values[i] = &v
		}
		if got, want := sup.match(values), scanMatch(entries, fuzzBy, []string{"src"}, values); !slices.Equal(got, want) {
			t.Fatalf("indexed match %q, scan %q", got, want)
		}
	})
}
