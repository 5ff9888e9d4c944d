package engine

import (
	"context"
	"strings"
	"testing"
)

// TestLoadRejectsBrokenPolicies: everything of the contract that can be
// checked before a record is read is a load error naming the file and line.
func TestLoadRejectsBrokenPolicies(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string // substring of the error
	}{
		{
			name:  "http.send is not available to policies",
			files: map[string]string{"x/x.rego": detectionModule("x", helloFinding, `leak := http.send({"method": "GET", "url": "http://127.0.0.1/"})`)},
			want:  "undefined function http.send",
		},
		{
			name:  "opa.runtime (environment) is not available to policies",
			files: map[string]string{"x/x.rego": detectionModule("x", helloFinding, `env := opa.runtime().env`)},
			want:  "undefined function opa.runtime",
		},
		{
			name:  "net.lookup_ip_addr is not available to policies",
			files: map[string]string{"x/x.rego": detectionModule("x", helloFinding, `ips := net.lookup_ip_addr("example.com")`)},
			want:  "undefined function net.lookup_ip_addr",
		},
		{
			name:  "syntax error names file and line",
			files: map[string]string{"x/x.rego": "package detections.x\n\nfinding := {\n"},
			want:  "x/x.rego:4: rego_parse_error: unexpected eof token",
		},
		{
			name:  "strict mode rejects unused variables",
			files: map[string]string{"x/x.rego": detectionModule("x", helloFinding, "unused if {\n\ty := 1\n}")},
			want:  "assigned var y unused",
		},
		{
			name:  "no METADATA",
			files: map[string]string{"x/x.rego": "package detections.x\n\nfinding := {}\n"},
			want:  "detection contract: detection x needs exactly one package METADATA block, found 0",
		},
		{
			name:  "no stats.by",
			files: map[string]string{"x/x.rego": strings.Replace(detectionModule("x", helloFinding, ""), "#   stats:\n#     by: [name, n]\n", "", 1)},
			want:  "x/x.rego:4: detection contract: detection x: METADATA custom.stats.by: missing or empty: it is the ordered list of finding fields",
		},
		{
			name:  "no title",
			files: map[string]string{"x/x.rego": strings.Replace(detectionModule("x", helloFinding, ""), "# title: x\n", "", 1)},
			want:  "x/x.rego:1: detection contract: detection x: METADATA title: missing: every detection has a title",
		},
		{
			name:  "risk message names a field that is not a by-field",
			files: map[string]string{"x/x.rego": strings.Replace(detectionModule("x", helloFinding, ""), "$name$", "$nope$", 1)},
			want:  "x/x.rego:6: detection contract: detection x: METADATA custom.risk.message: $nope$ is neither a stats.by field nor a stats function's name",
		},
		{
			name:  "risk score not a number",
			files: map[string]string{"x/x.rego": strings.Replace(detectionModule("x", helloFinding, ""), "#   risk:\n", "#   risk:\n#     score: high\n", 1)},
			want:  "x/x.rego:6: detection contract: detection x: METADATA custom.risk.score: high is not a number",
		},
		{
			name:  "risk impact out of range",
			files: map[string]string{"x/x.rego": strings.Replace(detectionModule("x", helloFinding, ""), "#   risk:\n", "#   risk:\n#     impact: 700\n", 1)},
			want:  "x/x.rego:6: detection contract: detection x: METADATA custom.risk.impact: 700 is outside 0..100",
		},
		{
			name:  "unknown custom key",
			files: map[string]string{"x/x.rego": strings.Replace(detectionModule("x", helloFinding, ""), "# custom:\n", "# custom:\n#   mitre_atack: []\n", 1)},
			want:  "x/x.rego:5: detection contract: detection x: METADATA custom.mitre_atack: unknown key",
		},
		{
			name:  "bad ATT&CK id",
			files: map[string]string{"x/x.rego": strings.Replace(detectionModule("x", helloFinding, ""), "# custom:\n", "# custom:\n#   mitre_attack:\n#     - id: 1136\n", 1)},
			want:  `x/x.rego:5: detection contract: detection x: METADATA custom.mitre_attack: entry 0: id "1136" is not an ATT&CK technique id (T1098, T1098.001)`,
		},
		{
			name:  "ATT&CK id not a technique",
			files: map[string]string{"x/x.rego": strings.Replace(detectionModule("x", helloFinding, ""), "# custom:\n", "# custom:\n#   mitre_attack:\n#     - id: TA0003\n", 1)},
			want:  `x/x.rego:5: detection contract: detection x: METADATA custom.mitre_attack: entry 0: id "TA0003" is not an ATT&CK technique id (T1098, T1098.001)`,
		},
		{
			name:  "unknown type",
			files: map[string]string{"x/x.rego": strings.Replace(detectionModule("x", helloFinding, ""), "# custom:\n", "# custom:\n#   type: alert\n", 1)},
			want:  `x/x.rego:5: detection contract: detection x: METADATA custom.type: "alert" is not a detection type (hunting, anomaly, ttp, correlation, baseline)`,
		},
		{
			name:  "unknown stats function",
			files: map[string]string{"x/x.rego": strings.Replace(detectionModule("x", helloFinding, ""), "#     by: [name, n]\n", "#     by: [name, n]\n#     functions: [count, sum(n)]\n", 1)},
			want:  `x/x.rego:9: detection contract: detection x: METADATA custom.stats.functions: invalid stats: "sum(n)": unknown function "sum"`,
		},
		{
			name:  "where names no stat",
			files: map[string]string{"x/x.rego": strings.Replace(detectionModule("x", helloFinding, ""), "#     by: [name, n]\n", "#     by: [name, n]\n#     where: failures > 5\n", 1)},
			want:  `x/x.rego:9: detection contract: detection x: METADATA custom.stats.where: invalid stats: where "failures > 5": "failures" is not a stat of this detection`,
		},
		{
			name:  "unknown stats key",
			files: map[string]string{"x/x.rego": strings.Replace(detectionModule("x", helloFinding, ""), "#     by: [name, n]\n", "#     by: [name, n]\n#     having: count > 5\n", 1)},
			want:  `x/x.rego:9: detection contract: detection x: METADATA custom.stats.having: unknown key (known: by, functions, where, span)`,
		},
		{
			name:  "bad span",
			files: map[string]string{"x/x.rego": strings.Replace(detectionModule("x", helloFinding, ""), "#     by: [name, n]\n", "#     by: [name, n, _time]\n#     span: 1hour\n", 1)},
			want:  `x/x.rego:9: detection contract: detection x: METADATA custom.stats.span: span "1hour": want a positive number of s, m, h or d, as 1h`,
		},
		{
			name:  "span without _time",
			files: map[string]string{"x/x.rego": strings.Replace(detectionModule("x", helloFinding, ""), "#     by: [name, n]\n", "#     by: [name, n]\n#     span: 1h\n", 1)},
			want:  `x/x.rego:9: detection contract: detection x: METADATA custom.stats.span: a span buckets _time, which is not a stats.by field`,
		},
		{
			name:  "_time without span",
			files: map[string]string{"x/x.rego": strings.Replace(detectionModule("x", helloFinding, ""), "#     by: [name, n]\n", "#     by: [name, n, _time]\n", 1)},
			want:  `x/x.rego:8: detection contract: detection x: METADATA custom.stats.by: _time as a by-field needs custom.stats.span (e.g. 1h)`,
		},
		{
			name: "the finding may not set the host's _time",
			files: map[string]string{"x/x.rego": strings.Replace(detectionModule("x", `finding := {"name": input.eventName, "n": null, "_time": "x"} if input.eventName == "Hello"`, ""),
				"#     by: [name, n]\n", "#     by: [name, n, _time]\n#     span: 1h\n", 1)},
			want: `x/x.rego:12: detection contract: detection x: finding key "_time" is the host's: it fills _time from the record's eventTime (stats.span); remove it`,
		},
		{
			name:  "ip field not a by-field",
			files: map[string]string{"x/x.rego": strings.Replace(detectionModule("x", helloFinding, ""), "# custom:\n", "# custom:\n#   ip_fields: [src]\n", 1)},
			want:  `x/x.rego:5: detection contract: detection x: METADATA custom.ip_fields: "src" is not a stats.by field`,
		},
		{
			name:  "finding literal lacks a by-field",
			files: map[string]string{"x/x.rego": detectionModule("x", `finding := {"name": input.eventName} if input.eventName == "Hello"`, "")},
			want:  `x/x.rego:11: detection contract: detection x: finding has no key "n" (stats.by and the fields stats functions read: name, n)`,
		},
		{
			name:  "finding literal has a key outside stats.by",
			files: map[string]string{"x/x.rego": detectionModule("x", `finding := {"name": input.eventName, "n": null, "src": null} if input.eventName == "Hello"`, "")},
			want:  `x/x.rego:11: detection contract: detection x: finding key "src" is not in stats.by nor read by a stats function`,
		},
		{
			name: "finding literal lacks a field a stats function reads",
			files: map[string]string{"x/x.rego": strings.Replace(detectionModule("x", helloFinding, ""), "#     by: [name, n]\n",
				"#     by: [name, n]\n#     functions: [count, dc(eventSource) as services]\n", 1)},
			want: `x/x.rego:12: detection contract: detection x: finding has no key "eventSource" (stats.by and the fields stats functions read: name, n, eventSource)`,
		},
		{
			name:  "finding as a partial set",
			files: map[string]string{"x/x.rego": detectionModule("x", `finding contains input.eventName if input.eventName == "Hello"`, "")},
			want:  `x/x.rego:11: detection contract: detection x: finding must be a complete rule, finding := {...} if {...}`,
		},
		{
			name:  "missing finding",
			files: map[string]string{"x/x.rego": detectionModule("x", `hit if input.eventName == "Hello"`, "")},
			want:  `detection contract: detection x has no rule "finding"`,
		},
		{
			name:  "a detection with its own suppression is refused",
			files: map[string]string{"x/x.rego": detectionModule("x", helloFinding, "suppressed_by contains \"a\" if finding")},
			want:  `x/x.rego:12: detection contract: detection x defines suppressed_by: suppression is the host's for every detection now`,
		},
		{
			name:  "a detection with its own expiry is refused",
			files: map[string]string{"x/x.rego": detectionModule("x", helloFinding, "expired_filters := set()")},
			want:  `x/x.rego:12: detection contract: detection x defines expired_filters`,
		},
		{
			name:  "detection in a folder of another name",
			files: map[string]string{"y/x.rego": detectionModule("x", helloFinding, "")},
			want:  "detection x must live in a folder named x",
		},
		{
			name:  "nested detection package",
			files: map[string]string{"x/x.rego": strings.Replace(detectionModule("x", helloFinding, ""), "package detections.x", "package detections.x.y", 1)},
			want:  "a detection package is data.detections.<id>",
		},
		{
			name:  "no detection at all",
			files: map[string]string{"lib/lib.rego": "package lib\n\nx := 1\n"},
			want:  "no package data.detections.<id>",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeTree(t, tt.files)
			_, err := Load(context.Background(), Config{PolicyDir: dir, Now: fixedNow})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
