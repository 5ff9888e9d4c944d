package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/trailhunt/trailhunt/internal/ocsftest"
	"github.com/trailhunt/trailhunt/trail"
)

// ocsfValidator compiles the OCSF schema copied into testdata.
func ocsfValidator(t *testing.T) *ocsftest.Validator {
	t.Helper()
	v, err := ocsftest.New("testdata")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// ocsfLines writes rows as OCSF and returns one parsed object and its line
// per row.
func ocsfLines(t *testing.T, dets map[string]trail.Detection, rows []trail.Row) ([]map[string]any, []string) {
	t.Helper()
	out := write(t, Config{Format: FormatOCSF, Detections: dets, PolicyVersion: "v1.2.0+3f9c2ab"}, rows)
	if len(rows) == 0 {
		if len(out) != 0 {
			t.Fatalf("no rows wrote %q", out)
		}
		return nil, nil
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(rows) || !bytes.HasSuffix(out, []byte("\n")) {
		t.Fatalf("%d lines, want one per row (%d), each ending in a newline", len(lines), len(rows))
	}
	objs := make([]map[string]any, len(lines))
	for i, l := range lines {
		if err := json.Unmarshal([]byte(l), &objs[i]); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
	}
	return objs, lines
}

// edgeDetection has by-fields and stats that exercise every kind of
// mapping and every fallback: fields the table does not know, two fields
// with one home, a principal id without a user, a user agent without any
// other evidence, values() stats that map (resources, related events) and
// one that does not, and metadata with a sub-technique whose parent is not
// listed, a tactic OCSF does not know and a kill-chain phase it does not.
var edgeDetection = trail.Detection{
	ID: "edge_all_kinds", Title: "Edge: all kinds", Type: "TTP", UpstreamID: "",
	Attack: []trail.Technique{
		{ID: "T1562.008", Technique: "Disable or Modify Cloud Logs", Tactic: "Defense Evasion"},
		{ID: "T1078", Technique: "Valid Accounts", Tactic: "Initial Access"},
		{ID: "T1078", Technique: "Valid Accounts", Tactic: "Made-up Tactic"},
	},
	KillChain: []string{"actions on objectives", "Lateral Pivot"},
	Risk:      trail.Risk{Score: 89.5, Confidence: 39, Message: "$userIdentity.principalId$ from $src$ ($hosts$)"},
	By: []string{"src", "sourceIPAddress", "userIdentity.principalId", "userAgent", "eventSource", "errorCode",
		"awsRegion", "region", "custom.field", "requestParameters.roleName", "eventName"},
	Stats: []trail.Stat{
		{Func: "count", Name: "count"},
		{Func: "values", Field: "requestParameters.policyArn", Name: "policies"},
		{Func: "values", Field: "eventID", Name: "eventIDs"},
		{Func: "values", Field: "sourceIPAddress", Name: "hosts"},
		{Func: "dc", Field: "eventName", Name: "calls"},
		{Func: "min", Field: trail.TimeField, Name: "firstTime"},
		{Func: "max", Field: trail.TimeField, Name: "lastTime"},
	},
}

var edgeRows = []trail.Row{
	{Detection: edgeDetection.ID,
		Values: []*string{str("AWS Internal"), str("cloudformation.amazonaws.com"), str("AIDAEXAMPLE"), str("aws-cli/2"),
			str("iam.amazonaws.com"), str("AccessDenied"), str("us-east-1"), str("eu-west-1"), str("x"), str("Admin"), nil},
		Count: 3, First: at("2024-07-30T21:00:00Z"), Last: at("2024-07-30T21:40:00Z"),
		Stats: []trail.StatValue{{N: 3}, {Values: []string{"arn:aws:iam::aws:policy/AdministratorAccess"}},
			{Values: []string{"e1", "e2"}}, {Values: []string{"198.51.100.1", "AWS Internal"}}, {N: 2},
			{Time: at("2024-07-30T21:00:00Z")}, {Time: at("2024-07-30T21:40:00Z")}},
		Sources: []trail.Source{{File: "a.json.gz", Index: 3}, {File: "b.zip", Member: "x/y.json", Index: 0}}},
	// No sources, only a user agent for the evidence: no evidence at all,
	// the user agent and the principal id in unmapped.
	{Detection: edgeDetection.ID,
		Values: []*string{str("075.050.255.67"), str("fe80::1%eth0"), str("AIDAEXAMPLE"), str(""), nil, str("success"),
			nil, nil, nil, nil, nil},
		Count: 1, Stats: []trail.StatValue{{N: 1}, {}, {}, {}, {N: 0}, {}, {}}},
	// An IPv6 source and an IPv4 one: the second has no home left. A
	// complete api call with an error.
	{Detection: edgeDetection.ID,
		Values: []*string{str("2001:db8::1"), str("192.0.2.1"), nil, nil, str("iam.amazonaws.com"), str("AccessDenied"),
			nil, nil, nil, nil, str("ListUsers")},
		Count: 1, First: at("2024-07-30T21:00:00Z"), Last: at("2024-07-30T21:00:00Z"),
		Stats: []trail.StatValue{{N: 1}, {}, {}, {}, {N: 0}, {Time: at("2024-07-30T21:00:00Z")}, {Time: at("2024-07-30T21:00:00Z")}}},
}

// ocsfCases are all the report's test rows with their detections.
var ocsfCases = []struct {
	name string
	dets map[string]trail.Detection
	rows []trail.Row
}{
	{"testRows", testDetections, testRows},
	{"realisticRows", testDetections, realisticRows},
	{"statsRows", map[string]trail.Detection{accessDenied.ID: accessDenied}, statsRows},
	{"edgeRows", map[string]trail.Detection{edgeDetection.ID: edgeDetection}, edgeRows},
}

func TestOCSFRowsValidateAgainstTheSchema(t *testing.T) {
	v := ocsfValidator(t)
	for _, tc := range ocsfCases {
		t.Run(tc.name, func(t *testing.T) {
			_, lines := ocsfLines(t, tc.dets, tc.rows)
			for i, l := range lines {
				if err := v.Validate([]byte(l)); err != nil {
					t.Errorf("row %d: %v\n%s", i, err, l)
				}
			}
		})
	}
}

func TestOCSFGolden(t *testing.T) {
	for _, tc := range ocsfCases {
		t.Run(tc.name, func(t *testing.T) {
			golden(t, "ocsf."+tc.name+".golden",
				write(t, Config{Format: FormatOCSF, Detections: tc.dets, PolicyVersion: "v1.2.0+3f9c2ab"}, tc.rows))
		})
	}
	if out := write(t, Config{Format: FormatOCSF, Detections: testDetections}, nil); len(out) != 0 {
		t.Errorf("no rows wrote %q, want nothing", out)
	}
}

// The validator must refuse what the schema alone lets through; otherwise
// the tests above would pass whatever the writer wrote.
func TestOCSFValidatorIsStrict(t *testing.T) {
	v := ocsfValidator(t)
	_, lines := ocsfLines(t, testDetections, realisticRows[:1])
	good := lines[0]
	if err := v.Validate([]byte(good)); err != nil {
		t.Fatalf("the good finding fails: %v", err)
	}
	for _, tc := range []struct{ name, old, new string }{
		{"class_uid", `"class_uid":2004`, `"class_uid":2003`},
		{"type_uid", `"type_uid":200401`, `"type_uid":200404`},
		{"severity_id", `"severity_id":3`, `"severity_id":7`},
		{"time in seconds as a string", `"time":1722376682000`, `"time":"1722376682"`},
		{"misspelt attribute", `"finding_info":{`, `"findings_info":{"uid":"x"},"finding_info":{`},
		{"misspelt nested attribute", `"operation":`, `"operations":"x","operation":`},
		{"cloud without its profile", `"profiles":["cloud"]`, `"profiles":[]`},
		{"user with only uid_alt", `"user":{"uid":"arn:aws:iam::946986569305:user/christophe",`, `"user":{`},
		{"resource without name or uid", `{"name":"admin-backup",`, `{`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(good, tc.old) {
				t.Fatalf("%q not in %s", tc.old, good)
			}
			bad := strings.Replace(good, tc.old, tc.new, 1)
			if err := v.Validate([]byte(bad)); err == nil {
				t.Errorf("accepted %s", bad)
			}
		})
	}
}

// Every by-value and every stat of a row is somewhere in its finding: at
// its mapped home, or in unmapped under its name.
func TestOCSFKeepsEveryValue(t *testing.T) {
	for _, tc := range ocsfCases {
		t.Run(tc.name, func(t *testing.T) {
			objs, lines := ocsfLines(t, tc.dets, tc.rows)
			for i, r := range tc.rows {
				d := tc.dets[r.Detection]
				o := objs[i]
				unmapped, _ := o["unmapped"].(map[string]any)
				leaves := stringLeaves(o, "message", "unmapped")
				for j, name := range d.By {
					uv, inUnmapped := unmapped[name]
					switch {
					case r.Values[j] == nil:
						if !inUnmapped || uv != nil {
							t.Errorf("row %d: null %s is not null in unmapped: %s", i, name, lines[i])
						}
					case inUnmapped:
						if uv != *r.Values[j] {
							t.Errorf("row %d: unmapped %s = %v, want %q", i, name, uv, *r.Values[j])
						}
					case !slices.Contains(leaves, *r.Values[j]):
						t.Errorf("row %d: %s = %q is nowhere: %s", i, name, *r.Values[j], lines[i])
					default:
						if _, ok := ocsfFields[name]; !ok {
							t.Errorf("row %d: %s has no OCSF home but is not in unmapped", i, name)
						}
					}
				}
				stats, err := rowStats(d, r)
				if err != nil {
					t.Fatal(err)
				}
				for j, s := range d.StatsOrDefault() {
					if _, ok := unmapped[s.Name]; ok {
						continue
					}
					switch {
					case s.Func == "count" && s.Field == "":
						if o["count"] != float64(stats[j].N) {
							t.Errorf("row %d: count %v, want %d", i, o["count"], stats[j].N)
						}
					case s.Field == trail.TimeField:
						fi := o["finding_info"].(map[string]any)
						key := map[string]string{"min": "first_seen_time", "max": "last_seen_time"}[s.Func]
						if got, want := fi[key], stats[j].Time; want.IsZero() != (got == nil) ||
							!want.IsZero() && got != float64(want.UnixMilli()) {
							t.Errorf("row %d: %s = %v, want %v", i, key, got, want)
						}
					case s.Func == "values":
						for _, val := range stats[j].Values {
							if !slices.Contains(leaves, val) {
								t.Errorf("row %d: %s value %q is nowhere: %s", i, s.Name, val, lines[i])
							}
						}
					default:
						t.Errorf("row %d: stat %s is neither mapped nor in unmapped: %s", i, s.Name, lines[i])
					}
				}
				if len(r.Sources) > 0 {
					ev := o["evidences"].([]any)[0].(map[string]any)
					got := ev["data"].(map[string]any)["sources"]
					var want []any
					for _, s := range r.Sources {
						want = append(want, s.String())
					}
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Errorf("row %d: sources %v, want %v", i, got, want)
					}
				}
			}
		})
	}
}

// stringLeaves returns every string in v, skipping the given top-level keys.
func stringLeaves(v map[string]any, skip ...string) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			out = append(out, v)
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				walk(v[k])
			}
		}
	}
	for k, e := range v {
		if !slices.Contains(skip, k) {
			walk(e)
		}
	}
	return out
}

// path returns the value at a dotted path ("evidences.0.api.operation"); a
// member whose name has dots (unmapped.userIdentity.arn) is found whole.
func path(v any, p string) any {
	keys := strings.Split(p, ".")
	for i, k := range keys {
		switch c := v.(type) {
		case map[string]any:
			if whole, ok := c[strings.Join(keys[i:], ".")]; ok {
				return whole
			}
			v = c[k]
		case []any:
			var i int
			if _, err := fmt.Sscan(k, &i); err != nil || i >= len(c) {
				return nil
			}
			v = c[i]
		default:
			return nil
		}
	}
	return v
}

func TestOCSFMapping(t *testing.T) {
	cak, _ := ocsfLines(t, testDetections, testRows)
	edge, _ := ocsfLines(t, map[string]trail.Detection{edgeDetection.ID: edgeDetection}, edgeRows)
	stats, _ := ocsfLines(t, map[string]trail.Detection{accessDenied.ID: accessDenied}, statsRows)
	for _, tc := range []struct {
		name string
		obj  map[string]any
		path string
		want any
	}{
		{"time is the last event time in ms", cak[1], "time", 1722376907000.0},
		{"time without event times", cak[0], "time", 0.0},
		{"no first_seen_time without times", cak[0], "finding_info.first_seen_time", nil},
		{"first_seen_time", cak[1], "finding_info.first_seen_time", 1722376393000.0},
		{"severity of 63", cak[1], "severity_id", 3.0},
		{"confidence of 90", cak[1], "confidence_id", 3.0},
		{"hunting is no alert", cak[1], "is_alert", false},
		{"analytic uid falls back to the id", cak[1], "finding_info.analytic.uid", "aws_createaccesskey"},
		{"policy version", cak[1], "finding_info.analytic.version", "v1.2.0+3f9c2ab"},
		{"account", cak[1], "cloud.account.uid", "946986569305"},
		{"region", cak[1], "cloud.region", "us-east-1"},
		{"actor", cak[1], "evidences.0.actor.user.uid", "arn:aws:iam::946986569305:user/christophe"},
		{"principal id", cak[1], "evidences.0.actor.user.uid_alt", "AIDA5BMRSXKJ2EXAMPLE"},
		{"src that is no address", cak[1], "unmapped.src", "-2"},
		{"IPv6 src", cak[4], "evidences.0.src_endpoint.ip", "2001:db8:85a3::8a2e:370:7334"},
		{"operation", cak[1], "evidences.0.api.operation", "CreateAccessKey"},
		{"service", cak[1], "evidences.0.api.service.name", "iam.amazonaws.com"},
		{"errorCode success", cak[1], "unmapped.errorCode", "success"},
		{"user agent", cak[1], "evidences.0.http_request.user_agent", "@SUM(1)"},
		{"event id", cak[1], "finding_info.related_events.0.uid", "5b2e9c1d-8a7f-4e3b-b6d5-c4a3f2e1d0b9"},
		{"target", cak[1], "resources.0.name", "+1"},
		{"target type", cak[1], "resources.0.type", "AWS::IAM::User"},
		{"target role", cak[1], "resources.0.role_id", 1.0},
		{"unknown by-field", cak[6], "unmapped.additionalEventData.MFAUsed", "No"},
		{"message", cak[3], "message", "User arn:aws:sts::946986569305:assumed-role/OrganizationAccountAccessRole/terraform-ci-session-20240730T215313Z is attempting to create access keys for deploy-bot from this IP 198.51.100.23"},
		{"sub-technique", cak[1], "finding_info.attacks.0.sub_technique.uid", "T1136.003"},
		{"its listed parent", cak[1], "finding_info.attacks.0.technique.name", "Create Account"},
		{"the parent folded in", cak[1], "finding_info.attacks.1", nil},
		{"tactic", cak[1], "finding_info.attacks.0.tactic.uid", "TA0003"},

		{"severity of 89.5 rounds to Critical", edge[0], "severity_id", 5.0},
		{"confidence of 39", edge[0], "confidence_id", 1.0},
		{"ttp is an alert", edge[0], "is_alert", true},
		{"AWS Internal", edge[0], "unmapped.src", "AWS Internal"},
		{"a service as the source", edge[0], "evidences.0.src_endpoint.domain", "cloudformation.amazonaws.com"},
		{"error code without an operation", edge[0], "unmapped.errorCode", "AccessDenied"},
		{"error code", edge[2], "evidences.0.api.response.error", "AccessDenied"},
		{"operation with its error", edge[2], "evidences.0.api.operation", "ListUsers"},
		{"api without operation", edge[0], "unmapped.eventSource", "iam.amazonaws.com"},
		{"principal id without user", edge[0], "unmapped.userIdentity.principalId", "AIDAEXAMPLE"},
		{"user agent with the sources", edge[0], "evidences.0.http_request.user_agent", "aws-cli/2"},
		{"the first region", edge[0], "cloud.region", "us-east-1"},
		{"the second region", edge[0], "unmapped.region", "eu-west-1"},
		{"role target", edge[0], "resources.0.type", "AWS::IAM::Role"},
		{"policies from a values stat", edge[0], "resources.1.uid", "arn:aws:iam::aws:policy/AdministratorAccess"},
		{"event ids from a values stat", edge[0], "finding_info.related_events.1.uid", "e2"},
		{"values of an endpoint field", edge[0], "unmapped.hosts.1", "AWS Internal"},
		{"dc", edge[0], "unmapped.calls", 2.0},
		{"sub-technique of an unlisted parent", edge[0], "finding_info.attacks.0.technique", map[string]any{"uid": "T1562"}},
		{"unknown tactic", edge[0], "finding_info.attacks.2.tactic", map[string]any{"name": "Made-up Tactic"}},
		{"kill chain", edge[0], "finding_info.kill_chain.0.phase_id", 7.0},
		{"unknown phase", edge[0], "finding_info.kill_chain.1.phase_id", 99.0},
		{"analytic category", edge[0], "finding_info.analytic.category", "TTP"},
		{"source with leading zeros", edge[1], "unmapped.src", "075.050.255.67"},
		{"address with a zone", edge[1], "unmapped.sourceIPAddress", "fe80::1%eth0"},
		{"empty user agent, no evidence", edge[1], "unmapped.userAgent", ""},
		{"no evidence", edge[1], "evidences", nil},
		{"second address", edge[2], "unmapped.sourceIPAddress", "192.0.2.1"},

		{"bare count stat", stats[0], "count", 7.0},
		{"severity of 10", stats[0], "severity_id", 2.0},
		{"no confidence", stats[0], "confidence_id", nil},
		{"values stat without a home", stats[0], "unmapped.eventNames.2", "=ListUsers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := path(tc.obj, tc.path)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("%s = %#v, want %#v", tc.path, got, tc.want)
			}
		})
	}
}

func TestOCSFSeverityBands(t *testing.T) {
	for _, tc := range []struct {
		score float64
		want  int
	}{
		{0, 1}, {0.4, 1}, {0.5, 2}, {1, 2}, {39, 2}, {39.49, 2}, {39.5, 3}, {40, 3}, {69, 3}, {70, 4}, {89, 4}, {90, 5}, {100, 5},
	} {
		if got, _ := severity(tc.score); got != tc.want {
			t.Errorf("severity(%v) = %d, want %d", tc.score, got, tc.want)
		}
	}
	for c, want := range map[int]int{1: 1, 39: 1, 40: 2, 69: 2, 70: 3, 100: 3} {
		if got, _ := confidence(c); got != want {
			t.Errorf("confidence(%d) = %d, want %d", c, got, want)
		}
	}
}

// finding_info.uid is the row's identity: the same for the same detection
// and by-values whatever else changes, and different for any other row.
func TestOCSFFindingUID(t *testing.T) {
	uid := func(o map[string]any) string { return path(o, "finding_info.uid").(string) }
	objs, _ := ocsfLines(t, testDetections, testRows)
	seen := map[string]int{}
	for i, o := range objs {
		u := uid(o)
		if len(u) != 64 || strings.Trim(u, "0123456789abcdef") != "" {
			t.Errorf("row %d: uid %q is not 64 hex digits", i, u)
		}
		if j, ok := seen[u]; ok {
			t.Errorf("rows %d and %d share uid %s", j, i, u)
		}
		seen[u] = i
	}

	// The same row with another count, times, sources and policy version.
	r := testRows[1]
	r.Count, r.First, r.Last = 99, at("2025-01-01T00:00:00Z"), at("2025-01-02T00:00:00Z")
	r.Sources = []trail.Source{{File: "other.json", Index: 7}}
	var b bytes.Buffer
	if err := Write(&b, Config{Format: FormatOCSF, Detections: testDetections, PolicyVersion: "tuned"}, []trail.Row{r}); err != nil {
		t.Fatal(err)
	}
	var o map[string]any
	if err := json.Unmarshal(b.Bytes(), &o); err != nil {
		t.Fatal(err)
	}
	if uid(o) != uid(objs[1]) {
		t.Errorf("uid changed with count, times, sources or policy version: %s, was %s", uid(o), uid(objs[1]))
	}

	// Null, "", "null" and a value moved to the next field are different rows.
	d := trail.Detection{ID: "d", By: []string{"a", "b"}}
	uids := map[string]string{}
	for name, vals := range map[string][]*string{
		"null,null": {nil, nil}, `"",null`: {str(""), nil}, `null,""`: {nil, str("")}, `"null",null`: {str("null"), nil},
		`"ab",""`: {str("ab"), str("")}, `"a","b"`: {str("a"), str("b")}, `"","ab"`: {str(""), str("ab")},
	} {
		u := findingUID(d, vals)
		if other, ok := uids[u]; ok {
			t.Errorf("%s and %s share uid %s", name, other, u)
		}
		uids[u] = name
	}
	if findingUID(d, []*string{str("a"), nil}) == findingUID(trail.Detection{ID: "e", By: d.By}, []*string{str("a"), nil}) {
		t.Error("two detections give one row the same uid")
	}
	// The documented encoding, so that others can compute it.
	if got, want := findingUID(d, []*string{str("x"), nil}), sha256Hex("s\x01ds\x01as\x01xs\x01bn"); got != want {
		t.Errorf("findingUID = %s, want %s (the documented encoding)", got, want)
	}
}

// The copy in testdata is the shared schema, when the shared directory is
// beside the repository (the tests never need it).
func TestOCSFSchemaIsTheSharedOne(t *testing.T) {
	shared, err := os.ReadFile("../../shared/ocsf/" + ocsftest.SchemaFile)
	if err != nil {
		t.Skipf("no shared OCSF schema beside the repository: %v", err)
	}
	copied, err := os.ReadFile("testdata/" + ocsftest.SchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(shared, copied) {
		t.Error("testdata's OCSF schema differs from the shared one: copy it again and update testdata/README.md")
	}
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// docs/ocsf.md's by-field table is ocsfFields: every entry is documented
// with its OCSF attribute (and its resource type).
func TestOCSFFieldTableIsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/ocsf.md")
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, l := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(l, "| `") {
			rows = append(rows, l)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(ocsfFields)) {
		m := ocsfFields[name]
		i := slices.IndexFunc(rows, func(r string) bool {
			first, _, _ := strings.Cut(strings.TrimPrefix(r, "| "), " |")
			return slices.Contains(strings.Split(first, ", "), "`"+name+"`")
		})
		if i < 0 {
			t.Errorf("docs/ocsf.md has no table row for by-field %s", name)
			continue
		}
		attr := strings.Replace(m.Path, "evidences.", "evidences[0].", 1)
		var want []string
		switch m.Kind {
		case ocsfEndpoint:
			want = []string{"`" + attr + ".ip`", "`" + attr + ".domain`"}
		case ocsfRelated:
			want = []string{"`finding_info.related_events[].uid`"}
		case ocsfResource:
			want = []string{"`resources[]`", "`" + strings.TrimPrefix(m.Path, "resources.") + "`"}
			for _, c := range m.Set {
				if c.k == "type" {
					want = append(want, "`"+c.v.(string)+"`")
				}
			}
		default:
			want = []string{"`" + attr + "`"}
		}
		for _, w := range want {
			if !strings.Contains(rows[i], w) {
				t.Errorf("docs/ocsf.md: the row of %s does not say %s:\n%s", name, w, rows[i])
			}
		}
	}
}
