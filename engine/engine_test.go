package engine

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trailhunt/trailhunt/internal/goldenfile"
	"github.com/trailhunt/trailhunt/trail"
)

// detectionModule returns a minimal contract-abiding detection whose finding
// is defined when cond holds, with by-fields "name" and "n".
func detectionModule(id, finding, extra string) string {
	return `# METADATA
# title: ` + id + `
# description: test detection ` + id + `
# custom:
#   risk:
#     message: saw $name$
#   stats:
#     by: [name, n]
package detections.` + id + `

` + finding + `
` + extra
}

const helloFinding = `finding := {"name": input.eventName, "n": null} if input.eventName == "Hello"`

// writeTree writes files (path -> content) under a new temp dir.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func record(raw string) trail.Record {
	return trail.Record{Source: trail.Source{File: "f.json", Index: 7}, Raw: []byte(raw)}
}

var fixedNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// TestSpanBucketsTheEventTime: with _time in stats.by and a span, the host
// fills _time with the start of the record's span (null without a time).
func TestSpanBucketsTheEventTime(t *testing.T) {
	dir := writeTree(t, map[string]string{"x/x.rego": strings.Replace(detectionModule("x", helloFinding, ""),
		"#     by: [name, n]\n", "#     by: [name, _time, n]\n#     span: 15m\n", 1)})
	set, err := Load(context.Background(), Config{PolicyDir: dir, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		time time.Time
		want string
	}{
		{time.Date(2024, 8, 18, 9, 44, 59, 999, time.UTC), "2024-08-18T09:30:00Z"},
		{time.Date(2024, 8, 18, 9, 45, 0, 0, time.UTC), "2024-08-18T09:45:00Z"},
		{time.Time{}, "null"},
	} {
		rec := record(`{"eventName":"Hello"}`)
		rec.Time = tc.time
		fs, err := set.Evaluate(context.Background(), rec)
		if err != nil || len(fs) != 1 {
			t.Fatalf("Evaluate = %+v, %v", fs, err)
		}
		got := "null"
		if v := fs[0].Values[1]; v != nil {
			got = *v
		}
		if got != tc.want {
			t.Errorf("_time for %v = %s, want %s", tc.time, got, tc.want)
		}
	}
}

func TestEvaluateIsolatesFailingDetection(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"hello/hello.rego": detectionModule("hello", helloFinding, ""),
		// Two definitions of a complete rule with different values: a
		// runtime conflict error for every record.
		"boom/boom.rego": detectionModule("boom", `finding := {"name": "a", "n": null} if input.eventName
finding := {"name": "b", "n": null} if input.eventName`, ""),
		"typed/typed.rego": detectionModule("typed", `finding := {"name": "x", "n": 1} if input.eventName == "Hello"`, ""),
	})
	set, err := Load(context.Background(), Config{PolicyDir: dir, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	findings, err := set.Evaluate(context.Background(), record(`{"eventName":"Hello"}`))
	if len(findings) != 1 || findings[0].Detection != "hello" || *findings[0].Values[0] != "Hello" || findings[0].Values[1] != nil {
		t.Errorf("findings = %+v, want hello's one finding", findings)
	}
	var got []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ee *EvalError
		if !errors.As(e, &ee) {
			t.Fatalf("error %v is not an *EvalError", e)
		}
		got = append(got, ee.Detection+" "+ee.Reason)
	}
	want := []string{"boom runtime", "typed contract"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("errors = %v, want %v (full: %v)", got, want, err)
	}
	if !strings.Contains(err.Error(), "f.json#7: detection typed: contract: detection contract: finding key \"n\" is a number, want a string or null") {
		t.Errorf("error text = %v", err)
	}
}

func TestEvaluateRejectsNonObjectInput(t *testing.T) {
	set, err := Load(context.Background(), Config{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	// Admitted by the prefilter (eventName, eventSource), then unreadable as input.
	_, err = set.Evaluate(context.Background(), record(`{"eventName":"CreateAccessKey","eventSource":"iam.amazonaws.com","x":tru}`))
	var ee *EvalError
	if !errors.As(err, &ee) || ee.Reason != ReasonInput {
		t.Fatalf("err = %v, want an input EvalError", err)
	}
}

func TestEvaluateConcurrently(t *testing.T) {
	set, err := Load(context.Background(), Config{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	raw := `{"eventName":"CreateAccessKey","eventSource":"iam.amazonaws.com","requestParameters":{"userName":"bob"},
		"userIdentity":{"type":"IAMUser","userName":"alice","arn":"arn:aws:iam::1:user/alice","accountId":"1","principalId":"P"},
		"sourceIPAddress":"192.0.2.1","userAgent":"aws-cli","eventID":"e1","awsRegion":"us-east-1"}`
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				f, err := set.Evaluate(context.Background(), record(raw))
				if err != nil || len(f) != 1 {
					t.Errorf("Evaluate = %v, %v", f, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestDetectionSelection(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"hello/hello.rego": detectionModule("hello", helloFinding, ""),
		"other/other.rego": detectionModule("other", helloFinding, ""),
	})
	set, err := Load(context.Background(), Config{PolicyDir: dir, Detections: []string{"other"}, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if d := set.Detections(); len(d) != 1 || d[0].ID != "other" {
		t.Errorf("Detections() = %+v, want only other", d)
	}
	for _, tc := range []struct {
		only []string
		want string
	}{
		{[]string{"*"}, "hello,other"},
		{[]string{"h*"}, "hello"},
		{[]string{"*e*", "hello"}, "hello,other"},
		{[]string{"other", "hel*o"}, "hello,other"},
	} {
		set, err := Load(context.Background(), Config{PolicyDir: dir, Detections: tc.only, Now: fixedNow})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, d := range set.Detections() {
			ids = append(ids, d.ID)
		}
		if got := strings.Join(ids, ","); got != tc.want {
			t.Errorf("Detections %q selects %s, want %s", tc.only, got, tc.want)
		}
	}
	_, err = Load(context.Background(), Config{PolicyDir: dir, Detections: []string{"hello", "x*"}, Now: fixedNow})
	if !errors.Is(err, ErrUnknownDetection) || !strings.Contains(err.Error(), `"x*" (have: hello, other)`) {
		t.Errorf("err = %v, want ErrUnknownDetection listing the ids", err)
	}
}

func TestVersionIsAContentHash(t *testing.T) {
	files := map[string]string{"hello/hello.rego": detectionModule("hello", helloFinding, "")}
	a, err := Load(context.Background(), Config{PolicyDir: writeTree(t, files), Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Load(context.Background(), Config{PolicyDir: writeTree(t, files), Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if a.Version() != b.Version() || len(a.Version()) != 12 {
		t.Errorf("same files, versions %q and %q", a.Version(), b.Version())
	}
	files["hello/filters.yaml"] = "detection: hello\nfilters: []\n"
	c, err := Load(context.Background(), Config{PolicyDir: writeTree(t, files), Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if c.Version() == a.Version() {
		t.Errorf("adding a filter list did not change the version %q", a.Version())
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", name), got)
}

// TestEmbeddedDetections pins the metadata the host reads from the default
// detections' METADATA blocks, and the record fields their policies see.
// TestEmbeddedDetections pins each embedded detection's METADATA as the
// engine reads it, one golden file per detection (testdata/embedded/<id>.json),
// so that adding a detection changes no existing golden. A detection without
// one is still loaded and checked here; -update writes its golden.
func TestEmbeddedDetections(t *testing.T) {
	set, err := Load(context.Background(), Config{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range set.Detections() {
		t.Run(d.ID, func(t *testing.T) {
			if d.Title == "" || len(d.By) == 0 || len(d.Stats) == 0 {
				t.Fatalf("incomplete metadata: %+v", d)
			}
			path := filepath.Join("embedded", d.ID+".json")
			if _, err := os.Stat(filepath.Join("testdata", path)); err != nil && !goldenfile.Updating() {
				t.Logf("no testdata/%s: run go test ./engine -update to pin this detection's metadata", path)
				return
			}
			got, err := json.MarshalIndent(d, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, path, append(got, '\n'))
		})
	}
}

func TestPrefilterIsDerivedFromThePolicy(t *testing.T) {
	tests := []struct {
		name, finding, want string
	}{
		{"one required constant", helloFinding, `input.eventName in {"Hello"}`},
		{"constants from every rule body", `finding := {"name": input.eventName, "n": null} if input.eventName == "A"
finding := {"name": input.eventName, "n": null} if {
	"B" == input.eventName
	input.eventSource == "x"
}`, `input.eventName in {"A", "B"} (and more conditions in some branches)`},
		{"eventName preferred over other keys", `finding := {"name": "x", "n": null} if {
	input.awsRegion == "eu-west-1"
	input.eventName == "A"
}`, `input.eventName in {"A"} and input.awsRegion == "eu-west-1"`},
		{"branches that cannot hold are dropped", `finding := {"name": "x", "n": null} if {
	input.eventName == "A"
	either
}

either if input.eventName == "A"

either if input.eventName == "B"`, `input.eventName in {"A"}`},
		{"another key when eventName is not required", `finding := {"name": "x", "n": null} if input.awsRegion == "eu-west-1"`, `input.awsRegion in {"eu-west-1"}`},
		{"no key common to every body", `finding := {"name": "x", "n": null} if input.eventName == "A"
finding := {"name": "x", "n": null} if input.awsRegion == "eu-west-1"`, "none (every record is evaluated)"},
		{"negation gives nothing", `finding := {"name": "x", "n": null} if not input.eventName == "A"`, "none (every record is evaluated)"},
		{"nested keys are no index", `finding := {"name": "x", "n": null} if input.userIdentity.type == "Root"`, "none (every record is evaluated)"},
		{"nested keys are conditions", `finding := {"name": "x", "n": null} if {
	input.eventName == "A"
	input.userIdentity.type == "Root"
	input.userIdentity.sessionContext.attributes.mfaAuthenticated == "false"
}`, `input.eventName in {"A"} and input.userIdentity.type == "Root" and input.userIdentity.sessionContext.attributes.mfaAuthenticated == "false"`},
		{"a computed path segment ends the condition", `finding := {"name": "x", "n": null} if {
	input.eventName == "A"
	some k
	input.userIdentity[k] == "Root"
}`, `input.eventName in {"A"}`},
		{"dynamic input", `finding := {"name": "x", "n": null} if {
	some k
	input[k] == "A"
}`, "none (every record is evaluated)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeTree(t, map[string]string{"x/x.rego": detectionModule("x", tt.finding, "")})
			set, err := Load(context.Background(), Config{PolicyDir: dir, Now: fixedNow})
			if err != nil {
				t.Fatal(err)
			}
			if got := set.Prefilters()["x"]; got != tt.want {
				t.Errorf("prefilter = %s, want %s", got, tt.want)
			}
		})
	}
	set, err := Load(context.Background(), Config{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := set.Prefilters()["aws_createaccesskey"], `input.eventName in {"CreateAccessKey"} and input.eventSource == "iam.amazonaws.com" (and more conditions in some branches)`; got != want {
		t.Errorf("embedded prefilter = %s, want %s", got, want)
	}
	set, err = Load(context.Background(), Config{Now: fixedNow, NoPrefilter: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := set.Prefilters()["aws_createaccesskey"]; got != "none (every record is evaluated)" {
		t.Errorf("NoPrefilter gives %s", got)
	}
}

func TestEvalTimeoutFailsTheRecordNotTheRun(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"hello/hello.rego": detectionModule("hello", helloFinding, ""),
		// 25 million evaluation steps: far past the deadline.
		"slow/slow.rego": detectionModule("slow", `finding := {"name": "slow", "n": null} if {
	input.eventName == "Hello"
	some i in numbers.range(1, 5000)
	some j in numbers.range(1, 5000)
	i * j == -1
}`, ""),
	})
	set, err := Load(context.Background(), Config{PolicyDir: dir, Now: fixedNow, EvalTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	findings, err := set.Evaluate(context.Background(), record(`{"eventName":"Hello"}`))
	if len(findings) != 1 || findings[0].Detection != "hello" {
		t.Errorf("findings = %+v, want hello's", findings)
	}
	var ee *EvalError
	if !errors.As(err, &ee) || ee.Detection != "slow" || ee.Reason != ReasonTimeout || !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want a timeout of detection slow", err)
	}
	if want := "f.json#7: detection slow: timeout: evaluation deadline exceeded (50ms)"; err.Error() != want {
		t.Errorf("error %q, want %q", err.Error(), want)
	}
	// Deriving its prefilter would have run the loop at load time: it was
	// given up, so loading did not hang.
	if got := set.Prefilters()["slow"]; got != "none (every record is evaluated)" {
		t.Errorf("slow prefilter = %s", got)
	}
}

func TestProjectionDecodesOnlyReferencedKeys(t *testing.T) {
	dir := writeTree(t, map[string]string{"x/x.rego": detectionModule("x",
		`finding := {"name": input.userIdentity.userName, "n": null} if input.eventName == "Hello"`, "")})
	set, err := Load(context.Background(), Config{PolicyDir: dir, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(set.Fields("x"), ","); got != "eventName,userIdentity" {
		t.Errorf("Fields() = %s, want eventName,userIdentity", got)
	}
	// Evaluation over the projected input still sees nested values.
	fs, err := set.Evaluate(context.Background(), record(`{"eventName":"Hello","userIdentity":{"userName":"ann"},"other":[1,2,{"x":1}]}`))
	if err != nil || len(fs) != 1 || *fs[0].Values[0] != "ann" {
		t.Errorf("Evaluate = %+v, %v", fs, err)
	}
	// The seed reads input as a whole (object.get(input, ...)): it sees
	// whole records; the AccessDenied detection beside it only its keys
	// (not eventTime: its _time is the host's, from the record's Time).
	set, err = Load(context.Background(), Config{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if f := set.Fields("aws_createaccesskey"); f != nil {
		t.Errorf("the seed's Fields = %v, want nil (whole records)", f)
	}
	if got, want := strings.Join(set.Fields("aws_iam_accessdenied_discovery_events"), ","),
		"errorCode,eventID,eventName,eventSource,sourceIPAddress,userAgent,userIdentity"; got != want {
		t.Errorf("AccessDenied's Fields = %s, want %s", got, want)
	}
	// A detection that reads another's rules sees whole records.
	dir = writeTree(t, map[string]string{
		"x/x.rego": detectionModule("x", `finding := {"name": input.eventName, "n": null} if input.eventName == "Hello"`, ""),
		"y/y.rego": detectionModule("y", `finding := {"name": data.detections.x.finding.name, "n": null} if input.eventName == "Hello"`, ""),
	})
	if set, err = Load(context.Background(), Config{PolicyDir: dir, Now: fixedNow}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(set.Fields("x"), ","); got != "eventName" || set.Fields("y") != nil {
		t.Errorf("Fields x = %s, y = %v; want eventName and nil", got, set.Fields("y"))
	}
}
