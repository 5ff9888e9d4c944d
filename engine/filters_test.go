package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loadWithFilters loads the embedded defaults with one filter-list override.
func loadWithFilters(t *testing.T, yaml string) (*Set, string, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mine.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	set, err := Load(context.Background(), Config{FilterPaths: []string{path}, Now: fixedNow})
	return set, path, err
}

func TestFilterListErrors(t *testing.T) {
	const head = "detection: aws_createaccesskey\nfilters:\n"
	tests := []struct {
		name, yaml, want string // want: the error after "<file>:"
	}{
		{"empty file", "", "0: invalid filter list: empty file: want a mapping with detection and filters"},
		{"comments only", "# nothing\n", "0: invalid filter list: empty file: want a mapping with detection and filters"},
		{"two documents", head + "  []\n---\n" + head + "  []\n", "4: invalid filter list: more than one YAML document: a filter list is one document"},
		{"unknown top-level key", "detection: aws_createaccesskey\nfilter: []\n", `2: invalid filter list: unknown key "filter" (valid: detection, filters)`},
		{"missing detection", "filters: []\n", "1: invalid filter list: missing detection: the id of the detection this list belongs to"},
		{"unknown detection", "detection: aws_createaccesskeys\nfilters: []\n", `1: invalid filter list: unknown detection "aws_createaccesskeys"`},
		{"missing filters", "detection: aws_createaccesskey\n", "1: invalid filter list: missing filters: use `filters: []` for an empty list"},
		{"filters not a list", head + "  id: x\n", "3: invalid filter list: filters must be a list of entries"},
		{"unknown entry key", head + "  - id: a\n    reason: r\n    owner: o\n    match: {src: 1.2.3.4}\n    expire: 2027-01-01\n",
			`7: invalid filter list: unknown key "expire" (valid: id, reason, owner, expires, match)`},
		{"missing id", head + "  - reason: r\n    owner: o\n    match: {src: 1.2.3.4}\n", "3: invalid filter list: filter entry has no id"},
		{"missing reason", head + "  - id: a\n    owner: o\n    match: {src: 1.2.3.4}\n", `3: invalid filter list: filter "a" has no reason`},
		{"empty reason", head + "  - id: a\n    reason: \"\"\n    owner: o\n    match: {src: 1.2.3.4}\n", "4: invalid filter list: reason must be a non-empty string"},
		{"missing owner", head + "  - id: a\n    reason: r\n    match: {src: 1.2.3.4}\n", `3: invalid filter list: filter "a" has no owner`},
		{"duplicate id", head + "  - {id: a, reason: r, owner: o, match: {src: 1.2.3.4}}\n  - {id: a, reason: r, owner: o, match: {src: 1.2.3.5}}\n",
			`4: invalid filter list: duplicate filter id "a" (first at line 3)`},
		{"bad date", head + "  - {id: a, reason: r, owner: o, expires: 2027-13-01, match: {src: 1.2.3.4}}\n", `3: invalid filter list: filter "a": expires "2027-13-01" is not a date (YYYY-MM-DD)`},
		{"date with time", head + "  - {id: a, reason: r, owner: o, expires: \"2027-01-01T00:00:00Z\", match: {src: 1.2.3.4}}\n", `3: invalid filter list: filter "a": expires "2027-01-01T00:00:00Z" is not a date (YYYY-MM-DD)`},
		{"no match", head + "  - {id: a, reason: r, owner: o}\n", `3: invalid filter list: filter "a" has no match: an entry must name at least one field`},
		{"empty match", head + "  - {id: a, reason: r, owner: o, match: {}}\n", `3: invalid filter list: filter "a": match is empty: an entry must name at least one field`},
		{"typo in a field name", head + "  - {id: a, reason: r, owner: o, match: {userName: bob}}\n",
			`3: invalid filter list: unknown key "userName" (valid: requestParameters.userName, src, eventName, eventSource, aws_account_id, errorCode, userAgent, eventID, awsRegion, userIdentity.principalId, user_arn)`},
		{"mapped CIDR wider than IPv4", head + "  - {id: a, reason: r, owner: o, match: {src: \"::ffff:0.0.0.0/64\"}}\n", `3: invalid filter list: match src: "::ffff:0.0.0.0/64" is an IPv4-mapped range wider than the IPv4 addresses (/96 or longer, or write it as IPv4)`},
		{"bad CIDR", head + "  - {id: a, reason: r, owner: o, match: {src: 10.0.0.0/33}}\n", `3: invalid filter list: match src: "10.0.0.0/33" is not a CIDR range: netip.ParsePrefix("10.0.0.0/33"): prefix length out of range`},
		{"CIDR mixed with a glob", head + "  - {id: a, reason: r, owner: o, match: {src: \"10.*/8\"}}\n", `3: invalid filter list: match src: "10.*/8" mixes a CIDR and a glob`},
		{"empty pattern list", head + "  - {id: a, reason: r, owner: o, match: {src: []}}\n", "3: invalid filter list: match src: empty list"},
		{"null pattern", head + "  - {id: a, reason: r, owner: o, match: {src: ~}}\n", "3: invalid filter list: match src pattern must be a non-empty string"},
		{"nested list pattern", head + "  - {id: a, reason: r, owner: o, match: {src: [[a]]}}\n", "3: invalid filter list: match src pattern must be a non-empty string"},
		{"yaml syntax error", head + "  - {id: a\n", "invalid filter list: yaml: line 2: did not find expected ',' or '}'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, path, err := loadWithFilters(t, tt.yaml)
			if !errors.Is(err, ErrFilter) {
				t.Fatalf("err = %v, want ErrFilter", err)
			}
			got := strings.TrimPrefix(strings.TrimPrefix(err.Error(), path+": "), path+":")
			if got != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

func TestFilterListSuppressesAndExpires(t *testing.T) {
	set, _, err := loadWithFilters(t, `detection: aws_createaccesskey
filters:
  - id: backdoor-user
    reason: the Stratus detonation account
    owner: secops
    match:
      requestParameters.userName: "stratus-red-team-*"
      aws_account_id: 946986569305   # a bare number keeps its digits
  - id: old
    reason: expired yesterday
    owner: secops
    expires: 2026-11-25
    match: {src: ["0.0.0.0/0", "::/0"]}
  - id: today
    reason: still valid today
    owner: secops
    expires: 2026-11-26
    match: {src: 211.9.016.253}
`)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(set.ExpiredFilters(), ","); got != "aws_createaccesskey/old" {
		t.Errorf("ExpiredFilters() = %q, want aws_createaccesskey/old", got)
	}
	raw := `{"eventName":"CreateAccessKey","eventSource":"iam.amazonaws.com","recipientAccountId":"946986569305",
		"requestParameters":{"userName":"stratus-red-team-backdoor-u-user"},"sourceIPAddress":"211.9.016.253",
		"userIdentity":{"type":"IAMUser","userName":"christophe","accountId":"946986569305"}}`
	findings, err := set.Evaluate(context.Background(), record(raw))
	if err != nil || len(findings) != 1 {
		t.Fatalf("Evaluate = %+v, %v", findings, err)
	}
	if got := strings.Join(findings[0].SuppressedBy, ","); got != "backdoor-user,today" {
		t.Errorf("SuppressedBy = %q, want backdoor-user,today", got)
	}
}

func TestDefaultFilterListIsEmpty(t *testing.T) {
	set, err := Load(context.Background(), Config{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if e := set.ExpiredFilters(); len(e) != 0 {
		t.Errorf("ExpiredFilters() = %v", e)
	}
	for _, d := range set.detections {
		if n := len(d.filters); n != 0 {
			t.Errorf("%s: shipped filter list has %d entries, want none (examples stay commented out)", d.meta.ID, n)
		}
	}
}
