package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
)

func openDevFull(t *testing.T) *os.File {
	t.Helper()
	f, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestFaultsOutput(t *testing.T) {
	dir := writeFiles(t, map[string][]byte{"a.json": []byte(wrap(hit("out-hit")))})
	const counts = "files=1 members=0 records=1 no_time=0 evaluated=1 failed=0 skipped={} errors={} findings=1 rows=1"
	t.Run("stdout is a full disk", func(t *testing.T) {
		r := evaluateFaults(t, dir, runOpts{stdout: openDevFull(t)}, dir)
		r.check(t, want{
			code:   exitOutput,
			counts: counts,
			errs:   []string{"evaluate: write results: write jsonl: write /dev/full: no space left on device"},
		})
	})
	t.Run("--output on a full disk", func(t *testing.T) {
		openDevFull(t)
		r := evaluateFaults(t, dir, runOpts{}, "--output", "/dev/full", dir)
		r.check(t, want{
			code:   exitOutput,
			counts: counts,
			errs:   []string{"evaluate: write results: write jsonl: write /dev/full: no space left on device"},
		})
	})
	t.Run("--summary on a full disk", func(t *testing.T) {
		openDevFull(t)
		var out, errOut bytes.Buffer
		code := run(context.Background(), append(slices.Clone(faultArgs), "--summary", "/dev/full", dir), strings.NewReader(""), &out, &errOut)
		if code != exitOutput || !strings.Contains(errOut.String(), "evaluate: write summary: write /dev/full: no space left on device\n") {
			t.Errorf("exit %d, stderr:\n%s", code, errOut.String())
		}
		if rows := jsonlRows(t, out.String()); !slices.Equal(rows, []string{"out-hit×1"}) {
			t.Errorf("rows %q", rows)
		}
	})
	t.Run("stderr is a full disk", func(t *testing.T) {
		// The summary cannot be shown: the run fails rather than look clean.
		r := evaluateFaults(t, dir, runOpts{stderr: openDevFull(t)}, dir)
		r.check(t, want{code: exitOutput, counts: counts, rows: []string{"out-hit×1"}})
	})
	t.Run("--output in a directory that does not exist", func(t *testing.T) {
		// (Outside the input directory: inside, it is refused before this;
		// see TestFaultsOutputIsAnInput.)
		outDir := t.TempDir()
		r := evaluateFaults(t, outDir, runOpts{}, "--output", filepath.Join(outDir, "no", "out.jsonl"), dir)
		if r.code != exitUsage || len(r.errs) != 1 || !strings.HasPrefix(r.errs[0], "evaluate: open output: report: output $DIR/no/out.jsonl: creating temp file: open $DIR/no/.out.jsonl.") {
			t.Errorf("exit %d, errors %q", r.code, r.errs)
		}
	})
}

// ---------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------

// testDetection is a minimal contract-abiding detection (as engine_test.go's
// detectionModule) with by-fields name and n.
func testDetection(id, finding, extra string) string {
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

// policyDir returns a policy tree holding a copy of the shipped
// aws_createaccesskey and the given extra detections (id -> Rego).
func policyDir(t *testing.T, extra map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "aws_createaccesskey"), os.DirFS("../../policies/aws_createaccesskey")); err != nil {
		t.Fatal(err)
	}
	for id, src := range extra {
		p := filepath.Join(dir, id, id+".rego")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestFaultsPolicies(t *testing.T) {
	t.Run("policy errors at runtime", func(t *testing.T) {
		// boom defines its complete rule twice with different values for
		// records whose eventID starts with "boom": a conflict error at
		// runtime. The record fails (counted, reported with its index), the
		// other detection's finding on the same record still counts, and
		// the other records are evaluated.
		pol := policyDir(t, map[string]string{"boom": testDetection("boom",
			`finding := {"name": "a", "n": null} if startswith(input.eventID, "boom")
finding := {"name": "b", "n": null} if startswith(input.eventID, "boom")`, "")})
		dir := writeFiles(t, map[string][]byte{"a.jsonl": []byte(lines(hit("pol-hit-0"), hit("boom-1"), miss(2), hit("pol-hit-3")))})
		r := evaluateFaults(t, dir, runOpts{}, "--policies", pol, dir)
		// OPA's message spans lines; printed, it is one line (\n escaped).
		conflict := "evaluate: $DIR/a.jsonl#1: detection boom: runtime: " + pol + "/boom/boom.rego:12: eval_conflict_error: " +
			"rule data.detections.boom.finding produced conflicting values:" +
			`\n  {"n": null, "name": "a"} at ` + pol + `/boom/boom.rego:11` +
			`\n  {"n": null, "name": "b"} at ` + pol + `/boom/boom.rego:12`
		r.check(t, want{
			code:   exitIncomplete,
			counts: "files=1 members=0 records=4 no_time=0 evaluated=3 failed=1 skipped={} errors={eval_runtime:1} findings=3 rows=3",
			errs:   []string{conflict},
			rows:   []string{"boom-1×1", "pol-hit-0×1", "pol-hit-3×1"},
		})
	})
	t.Run("policy breaks the finding contract at runtime", func(t *testing.T) {
		pol := policyDir(t, map[string]string{"typed": testDetection("typed",
			`finding := {"name": input.eventID, "n": 1} if input.eventName == "GetObject"`, "")})
		dir := writeFiles(t, map[string][]byte{"a.json": []byte(wrap(hit("typed-hit-0"), miss(1)))})
		r := evaluateFaults(t, dir, runOpts{}, "--policies", pol, dir)
		r.check(t, want{
			code:   exitIncomplete,
			counts: "files=1 members=0 records=2 no_time=0 evaluated=1 failed=1 skipped={} errors={eval_contract:1} findings=1 rows=1",
			errs:   []string{`evaluate: $DIR/a.json#1: detection typed: contract: detection contract: finding key "n" is a number, want a string or null`},
			rows:   []string{"typed-hit-0×1"},
		})
	})
	// Policies evaluate attacker-controlled records: nothing may leave the
	// process or read its environment. Such a policy does not load.
	for _, c := range []struct{ name, rule, want string }{
		{"policy calls http.send", `leak := http.send({"method": "GET", "url": "http://127.0.0.1:1/"})`, "undefined function http.send"},
		{"policy reads the environment through opa.runtime", `env := opa.runtime().env`, "undefined function opa.runtime"},
		{"policy resolves DNS", `ips := net.lookup_ip_addr("example.com")`, "undefined function net.lookup_ip_addr"},
	} {
		t.Run(c.name, func(t *testing.T) {
			pol := policyDir(t, map[string]string{"leak": testDetection("leak", `finding := {"name": "x", "n": null} if input.eventName == "x"`, c.rule)})
			dir := writeFiles(t, map[string][]byte{"a.json": []byte(wrap(hit("never")))})
			r := evaluateFaults(t, dir, runOpts{}, "--policies", pol, dir)
			wantErr := "evaluate: compile policies: 1 error occurred: " + pol + "/leak/leak.rego:12: rego_type_error: " + c.want
			if r.code != exitUsage || !slices.Equal(r.errs, []string{wantErr}) || r.stdout != "" {
				t.Errorf("exit %d, errors %q, stdout %q; want exit 2 and %q", r.code, r.errs, r.stdout, wantErr)
			}
		})
	}
}

func TestFaultsSlowPolicy(t *testing.T) {
	// slow does 25 million evaluation steps for records whose eventID
	// starts with "slow": the record runs past --eval-timeout, counts as
	// failed (eval_timeout) and the run goes on with the next record.
	pol := policyDir(t, map[string]string{"slow": testDetection("slow", `finding := {"name": "x", "n": null} if {
	startswith(input.eventID, "slow")
	some i in numbers.range(1, 5000)
	some j in numbers.range(1, 5000)
	i * j == -1
}`, "")})
	dir := writeFiles(t, map[string][]byte{"a.jsonl": []byte(lines(hit("pol-hit-0"), hit("slow-1"), hit("pol-hit-2")))})
	r := evaluateFaults(t, dir, runOpts{}, "--policies", pol, "--eval-timeout", "100ms", dir)
	r.check(t, want{
		code:   exitIncomplete,
		counts: "files=1 members=0 records=3 no_time=0 evaluated=2 failed=1 skipped={} errors={eval_timeout:1} findings=3 rows=3",
		errs:   []string{"evaluate: $DIR/a.jsonl#1: detection slow: timeout: evaluation deadline exceeded (100ms)"},
		rows:   []string{"pol-hit-0×1", "pol-hit-2×1", "slow-1×1"},
	})
}

// ---------------------------------------------------------------------------
// Filter lists
// ---------------------------------------------------------------------------

func TestFaultsFilterLists(t *testing.T) {
	const head = "detection: aws_createaccesskey\nfilters:\n"
	const entry = "  - id: a\n    reason: r\n    owner: o\n"
	for _, c := range []struct{ name, yaml, want string }{
		{"unknown key", head + entry + "    match: {src: 192.0.2.1}\n    expire: 2027-01-01\n",
			`:7: invalid filter list: unknown key "expire" (valid: id, reason, owner, expires, match)`},
		{"typo in a field name", head + entry + "    match: {requestParameters.username: bob}\n",
			`:6: invalid filter list: unknown key "requestParameters.username" (valid: requestParameters.userName, src, eventName, eventSource, aws_account_id, errorCode, userAgent, eventID, awsRegion, userIdentity.principalId, user_arn)`},
		{"bad date", head + entry + "    expires: 2027-02-30\n    match: {src: 192.0.2.1}\n",
			`:6: invalid filter list: filter "a": expires "2027-02-30" is not a date (YYYY-MM-DD)`},
		{"bad CIDR", head + entry + "    match: {src: [10.0.0.0/8, 192.0.2.0/33]}\n",
			`:6: invalid filter list: match src: "192.0.2.0/33" is not a CIDR range: netip.ParsePrefix("192.0.2.0/33"): prefix length out of range`},
		{"empty file", "", ":0: invalid filter list: empty file: want a mapping with detection and filters"},
		{"two YAML documents", head + "  []\n---\n" + head + "  []\n", ":4: invalid filter list: more than one YAML document: a filter list is one document"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := writeFiles(t, map[string][]byte{"mine.yaml": []byte(c.yaml), "a.json": []byte(wrap(hit("never")))})
			path := filepath.Join(dir, "mine.yaml")
			r := evaluateFaults(t, dir, runOpts{}, "--filters", path, filepath.Join(dir, "a.json"))
			wantErr := "evaluate: $DIR/mine.yaml" + c.want
			if r.code != exitUsage || !slices.Equal(r.errs, []string{wantErr}) || r.stdout != "" {
				t.Errorf("exit %d, errors %q, stdout %q; want exit 2 and %q", r.code, r.errs, r.stdout, wantErr)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Interruption
// ---------------------------------------------------------------------------

// cancelOnLine passes writes on to w and cancels the run (as Ctrl-C would)
// once a write holds match: an interrupt at a known point of the run.
type cancelOnLine struct {
	w      io.Writer
	match  string
	cancel context.CancelFunc
}

func (c *cancelOnLine) Write(p []byte) (int, error) {
	if strings.Contains(string(p), c.match) {
		c.cancel()
	}
	return c.w.Write(p)
}

// Ctrl-C in the middle of the evaluations (here: as the error of record #39
// is printed): the results finished so far are written and valid, line by
// line (to stdout and, atomically, to --output); the record after it is not
// evaluated but counted as skipped (interrupted); the summary says
// interrupted, the invariant holds, the exit code is 130. With one worker
// the records are evaluated in order, so the cut is exact. See also
// TestInterruptedRunExits130WithValidPartialOutput (exit_test.go) and, with
// a real signal and a slow policy, TestSignalInterruptWithASlowPolicy.
func TestFaultsInterruptedJSONLines(t *testing.T) {
	pol := policyDir(t, map[string]string{"boom": testDetection("boom",
		`finding := {"name": "a", "n": null} if startswith(input.eventID, "boom")
finding := {"name": "b", "n": null} if startswith(input.eventID, "boom")`, "")})
	recs := []string{hit("int-hit-0")}
	for i := 1; i < 39; i++ {
		recs = append(recs, miss(i))
	}
	recs = append(recs, hit("boom-39"), hit("int-hit-40"))
	dir := writeFiles(t, map[string][]byte{"a.jsonl": []byte(lines(recs...))})
	for _, to := range []string{"stdout", "--output"} {
		t.Run(to, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var errOut bytes.Buffer
			stderr := &cancelOnLine{w: &errOut, match: "a.jsonl#39: detection boom", cancel: cancel}
			args := []string{"--policies", pol, dir}
			outPath := filepath.Join(t.TempDir(), "out.jsonl")
			if to == "--output" {
				args = append([]string{"--output", outPath}, args...)
			}
			r := evaluateFaults(t, dir, runOpts{ctx: ctx, stderr: stderr}, args...)
			if to == "--output" {
				b, err := os.ReadFile(outPath)
				if err != nil {
					t.Fatal(err)
				}
				r.rows = jsonlRows(t, string(b))
			}
			if !strings.Contains(errOut.String(), "a.jsonl#39: detection boom: runtime:") {
				t.Errorf("stderr:\n%s", errOut.String())
			}
			r.check(t, want{
				code:   exitInterrupted,
				counts: "files=1 members=0 records=41 no_time=0 evaluated=39 failed=1 skipped={interrupted:1} errors={eval_runtime:1} findings=2 rows=2 interrupted",
				rows:   []string{"boom-39×1", "int-hit-0×1"},
			})
		})
	}
}

// ---------------------------------------------------------------------------
// Duplicate deliveries and many errors
// ---------------------------------------------------------------------------

// CloudTrail delivers some events more than once: the same eventID (and the
// same by-values) in two files is one row with count 2, never two rows.
func TestFaultsDuplicateDeliveries(t *testing.T) {
	dir := writeFiles(t, map[string][]byte{
		"AWSLogs/1/CloudTrail/us-east-1/2024/07/30/a.json.gz": gzipped(t, []byte(wrap(miss(0), hit("delivered-twice")))),
		"AWSLogs/1/CloudTrail/us-east-1/2024/07/30/b.json.gz": gzipped(t, []byte(wrap(hit("delivered-twice"), hit("once")))),
	})
	r := evaluateFaults(t, dir, runOpts{}, dir)
	r.check(t, want{
		code:   exitOK,
		counts: "files=2 members=0 records=4 no_time=0 evaluated=4 failed=0 skipped={} errors={} findings=3 rows=2",
		rows:   []string{"delivered-twice×2", "once×1"},
	})
}

// More errors than --max-errors: the first are printed, the rest counted,
// and the summary has them all.
func TestFaultsManyErrors(t *testing.T) {
	recs := []string{hit("many-hit-0")}
	for range 25 {
		recs = append(recs, "{bad")
	}
	dir := writeFiles(t, map[string][]byte{"a.jsonl": []byte(lines(recs...))})
	r := evaluateFaults(t, dir, runOpts{}, "--max-errors", "3", dir)
	r.check(t, want{
		code:   exitIncomplete,
		counts: "files=1 members=0 records=26 no_time=0 evaluated=1 failed=25 skipped={} errors={json_syntax:25} findings=1 rows=1",
		errs: []string{
			"evaluate: read $DIR/a.jsonl#1: json_syntax: invalid character 'b' looking for beginning of object key string",
			"evaluate: read $DIR/a.jsonl#2: json_syntax: invalid character 'b' looking for beginning of object key string",
			"evaluate: read $DIR/a.jsonl#3: json_syntax: invalid character 'b' looking for beginning of object key string",
			"evaluate: 22 more errors not shown (--max-errors 3); the summary counts them all",
		},
		rows: []string{"many-hit-0×1"},
	})
}

// Archive member and file names are attacker-controlled: printed in an error
// line they must not carry terminal escapes or forge extra lines.
func TestFaultsErrorLinesAreEscaped(t *testing.T) {
	dir := writeFiles(t, map[string][]byte{"a.zip": zipped(t,
		member{"evil\x1b[2J\nevaluate: all clear\r.json", []byte("{bad")},
		member{"good.json", []byte(wrap(hit("esc-good")))},
	)})
	r := evaluateFaults(t, dir, runOpts{}, dir)
	r.check(t, want{
		code:   exitIncomplete,
		counts: "files=1 members=2 records=2 no_time=0 evaluated=1 failed=1 skipped={} errors={json_syntax:1} findings=1 rows=1",
		errs:   []string{`evaluate: read $DIR/a.zip!evil\x1b[2J\nevaluate: all clear\r.json#0: json_syntax: invalid character 'b'; the rest of the member (3 bytes) was not read`},
		rows:   []string{"esc-good×1"},
	})
	if strings.ContainsAny(r.stderr, "\x1b\r") {
		t.Errorf("stderr carries raw control characters: %q", r.stderr)
	}
}

// TestFaultsFirstValue pins what happens when the first value of a file is
// not an object. Formats are detected from the first non-blank byte: only
// '{' and '[' make JSON, so a JSON-lines file whose first line is null, a
// number or garbage is taken for "not CloudTrail" and skipped whole, with
// exit 0, even when named on the command line: its later records, hits
// included, are never read. A broken first object ends the file (flagged,
// exit 3), as the loader cannot tell JSON lines from one big object.
//
// KNOWN BUG (reported to the lead; loader/container.go sniff, loader/json.go
// run): the first three cases lose a finding with only a "not_cloudtrail"
// skip count and exit 0. Once fixed, each should read as JSON lines: an
// error for line 0 (not_object or json_syntax), the hit on line 1 reported,
// records=2 evaluated=1 failed=1, exit 3. Update these expectations then.
func TestFaultsFirstValue(t *testing.T) {
	// A first line that is a JSON scalar makes the file JSON lines: that
	// line is a not_object error, and the records after it are evaluated.
	scalarFirst := func(kind string) want {
		return want{
			code:   exitIncomplete,
			counts: "files=1 members=0 records=2 no_time=0 evaluated=1 failed=1 skipped={} errors={not_object:1} findings=1 rows=1",
			errs:   []string{"evaluate: read $DIR/a.jsonl#0: not_object: not a JSON object: " + kind},
			rows:   []string{"after-first-line×1"},
		}
	}
	for _, c := range []struct {
		name, first string
		want        want
	}{
		{"first line null", "null", scalarFirst("null")},
		{"first line a number", "42", scalarFirst("number")},
		// A file the user named that is not CloudTrail at all is an error,
		// not a skip (inside a directory walk it is skipped and counted).
		{"first line not JSON", "garbage", want{
			code:   exitIncomplete,
			counts: "files=1 members=0 records=0 no_time=0 evaluated=0 failed=0 skipped={} errors={not_cloudtrail:1} findings=0 rows=0",
			errs:   []string{"evaluate: read $DIR/a.jsonl: not_cloudtrail: not CloudTrail: neither JSON, gzip, zip nor tar"},
		}},
		{"first line a broken object", `{"eventName": x}`, want{
			code:   exitIncomplete,
			counts: "files=1 members=0 records=1 no_time=0 evaluated=0 failed=1 skipped={} errors={json_syntax:1} findings=0 rows=0",
			errs:   []string{"evaluate: read $DIR/a.jsonl#0: json_syntax: invalid character 'x' looking for beginning of value; the rest of the file (462 bytes) was not read"},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := writeFiles(t, map[string][]byte{"a.jsonl": []byte(lines(c.first, hit("after-first-line")))})
			r := evaluateFaults(t, dir, runOpts{}, filepath.Join(dir, "a.jsonl"))
			r.check(t, c.want)
		})
	}
	// A UTF-16 export (Windows PowerShell 5's Out-File default) is not read,
	// and says why.
	t.Run("UTF-16 file", func(t *testing.T) {
		var b []byte
		for _, u := range utf16.Encode([]rune("\ufeff" + wrap(hit("utf16")))) {
			b = append(b, byte(u), byte(u>>8))
		}
		dir := writeFiles(t, map[string][]byte{"a.json": b})
		r := evaluateFaults(t, dir, runOpts{}, filepath.Join(dir, "a.json"))
		r.check(t, want{
			code:   exitIncomplete,
			counts: "files=1 members=0 records=0 no_time=0 evaluated=0 failed=0 skipped={} errors={unsupported:1} findings=0 rows=0",
			errs:   []string{"evaluate: read $DIR/a.json: unsupported: UTF-16 text (convert it to UTF-8): not supported"},
		})
	})
}

// TestFaultsHelperProcess is not a test: TestFaultsOutputFileFailsMidWrite
// runs the test binary again as the evaluate command, under a file-size
// limit that only the child process has.
func TestFaultsHelperProcess(t *testing.T) {
	if os.Getenv("TRAILHUNT_FAULTS_HELPER") != "1" {
		t.Skip("helper process for TestFaultsOutputFileFailsMidWrite")
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	os.Exit(run(context.Background(), args, os.Stdin, os.Stdout, os.Stderr))
}

// --output to a regular file that fails mid-write (here: the child's
// RLIMIT_FSIZE of 8 KiB, under which a write returns EFBIG, as on a full
// disk): exit 4, a clear error, the previous file untouched and no temp file
// left: never a silent partial file.
func TestFaultsOutputFileFailsMidWrite(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip(err)
	}
	recs := make([]string, 40) // 40 rows of ~800 bytes: ~32 KiB of output
	for i := range recs {
		recs[i] = hit(fmt.Sprintf("big-output-%02d", i))
	}
	dir := writeFiles(t, map[string][]byte{"a.json": []byte(wrap(recs...))})
	outDir := t.TempDir()
	out := filepath.Join(outDir, "out.jsonl")
	if err := os.WriteFile(out, []byte("previous\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := filepath.Join(t.TempDir(), "summary.json")
	cmd := exec.Command("sh", append([]string{"-c", `ulimit -f 16 && exec "$@"`, "sh", exe, "-test.run=^TestFaultsHelperProcess$", "--"},
		append(slices.Clone(faultArgs), "--output", out, "--summary", sum, dir)...)...)
	cmd.Env = append(os.Environ(), "TRAILHUNT_FAULTS_HELPER=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitOutput {
		t.Fatalf("exit: %v, want %d; stderr:\n%s", err, exitOutput, stderr.String())
	}
	if !strings.Contains(stderr.String(), "evaluate: write results: write jsonl: write "+outDir+"/.out.jsonl.") ||
		!strings.Contains(stderr.String(), ".tmp: file too large\n") {
		t.Errorf("stderr does not say what failed:\n%s", stderr.String())
	}
	if b, err := os.ReadFile(out); err != nil || string(b) != "previous\n" {
		t.Errorf("output file: %q, %v; want the previous content", b, err)
	}
	if entries, _ := os.ReadDir(outDir); len(entries) != 1 {
		t.Errorf("output directory holds %v, want out.jsonl alone (no temp file)", entries)
	}
	s := decodeSummary(t, sum)
	if got, want := s.counts(), "files=1 members=0 records=40 no_time=0 evaluated=40 failed=0 skipped={} errors={} findings=40 rows=40"; got != want {
		t.Errorf("summary\n got: %s\nwant: %s", got, want)
	}
}
