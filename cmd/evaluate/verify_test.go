package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/trailhunt/trailhunt/integrity/integritytest"
	"github.com/trailhunt/trailhunt/internal/s3test"
)

var treeStart = time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC)

// summaryClock matches the summary lines that depend on the clock;
// summaryPolicies the policy set's version (it changes with every edit of a
// detection).
var (
	summaryClock    = regexp.MustCompile(`(?m)^((?:elapsed|records/s) +).*$`)
	summaryPolicies = regexp.MustCompile(`(?m)^(policies +)[0-9a-f]{12}`)
)

// signedTree is a trail's bucket as CloudTrail delivers it, copied with its
// signature sidecars: two accounts, two regions, four hours of digests,
// the Stratus Red Team events in its log files; and a key file for it.
func signedTree(t *testing.T) (*integritytest.Tree, string) {
	t.Helper()
	tr := integritytest.Build(t, integritytest.Spec{
		Bucket: "aws-cloudtrail-logs-111122223333-3f1c2e", Trail: "management-events", HomeRegion: "us-east-1",
		Accounts: []string{"111122223333", "444455556666"}, Regions: []string{"us-east-1", "eu-west-1"},
		Start: treeStart, Hours: 4, FilesPerHour: 2,
		Records: integritytest.Records(t, filepath.Join(fixtures, "stratus-red-team", "records.json")),
	})
	keys := tr.KeyFile(t, "keys.json", false,
		integritytest.KeySpec{Region: "us-east-1", Start: treeStart.AddDate(0, 0, -15), End: treeStart.AddDate(0, 0, 15)},
		integritytest.KeySpec{Region: "eu-west-1", Start: treeStart.AddDate(0, 0, -15), End: treeStart.AddDate(0, 0, 15)})
	return tr, keys
}

// inTree replaces the tree's root and the keys' fingerprints in output.
func inTree(tr *integritytest.Tree, s string) string {
	s = strings.ReplaceAll(s, tr.Root, "$ROOT")
	for fp, placeholder := range tr.Fingerprints() {
		s = strings.ReplaceAll(s, fp, placeholder)
	}
	return s
}

// The log file holding both CreateAccessKey events of the Stratus records.
var createAccessKeyFile = integritytest.Place{Account: "444455556666", Region: "eu-west-1", Hour: 3}

// TestVerifyCommand: `evaluate verify` on an untouched tree and on one an
// attacker worked on; the report is golden, the exit code documented.
func TestVerifyCommand(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		mutate func(t *testing.T, tr *integritytest.Tree)
		noKeys bool
		code   int
		stderr string
	}{
		{name: "untouched", code: exitOK},
		{name: "untouched json", args: []string{"--format", "json"}, code: exitOK},
		{name: "tampered", code: exitIncomplete, mutate: func(t *testing.T, tr *integritytest.Tree) {
			// Hide a CreateAccessKey: edit its log file, delete another,
			// plant one, and delete a digest with its sidecar.
			integritytest.Rewrite(t, tr.Logs[createAccessKeyFile][0], func(b []byte) []byte {
				return bytes.Replace(b, []byte(`"eventName":"CreateAccessKey"`), []byte(`"eventName":"ListAccessKeys"`), 1)
			})
			if err := os.Remove(tr.Logs[integritytest.Place{Account: "111122223333", Region: "us-east-1", Hour: 0}][1]); err != nil {
				t.Fatal(err)
			}
			planted := filepath.Join(filepath.Dir(tr.Logs[createAccessKeyFile][0]), "444455556666_CloudTrail_eu-west-1_20240801T0340Z_c0ffeec0ffeec0ff.json.gz")
			if err := os.WriteFile(planted, integritytest.Gzip(t, []byte(`{"Records":[]}`)), 0o644); err != nil {
				t.Fatal(err)
			}
			d := tr.Digests[integritytest.Place{Account: "111122223333", Region: "eu-west-1", Hour: 1}]
			for _, f := range []string{d, d + ".sig"} {
				if err := os.Remove(f); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{name: "one account and region", args: []string{"--accounts", "444455556666", "--regions", "eu-west-1,us-west-2"}, code: exitOK},
		{name: "window", args: []string{"--since", "2024-08-01T02:00:00Z", "--until", "2024-08-01T03:00:00Z"}, code: exitOK},
		{name: "no keys", args: []string{"--accounts", "111122223333", "--regions", "us-east-1"}, noKeys: true, code: exitIncomplete,
			stderr: "evaluate verify: no --public-keys: no digest can be verified, only hashes and chains checked (save the keys with `aws cloudtrail list-public-keys`, see docs/integrity.md)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, keys := signedTree(t)
			if tt.mutate != nil {
				tt.mutate(t, tr)
			}
			args := []string{"verify", "--workers", "2"}
			if !tt.noKeys {
				args = append(args, "--public-keys", keys)
			}
			r := evaluate(t, "", append(append(args, tt.args...), tr.Root)...)
			if r.code != tt.code || r.stderr != tt.stderr {
				t.Errorf("exit %d, want %d; stderr:\n%s\nwant:\n%s", r.code, tt.code, r.stderr, tt.stderr)
			}
			golden(t, "verify."+strings.ReplaceAll(tt.name, " ", "_"), inTree(tr, r.stdout))
		})
	}
}

// TestVerifyRefusals: what verification cannot honour is refused before
// anything is read: exit 2, one line.
func TestVerifyRefusals(t *testing.T) {
	tr, keys := signedTree(t)
	file := tr.Logs[createAccessKeyFile][0]
	badKeys := filepath.Join(t.TempDir(), "keys.json")
	if err := os.WriteFile(badKeys, []byte(`{"Keys":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	gone := filepath.Join(t.TempDir(), "gone")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"verify"}, "evaluate verify: no ROOT given: name the directories that hold AWSLogs/ (a copy of the trail's bucket), or s3://bucket[/prefix]"},
		{[]string{"verify", "--policies", "policies", tr.Root}, "evaluate verify: --policies: not available with `evaluate verify` (it applies to run, watch, follow, list, merge)"},
		{[]string{"verify", "--verify", tr.Root}, "evaluate verify: --verify: not available with `evaluate verify` (it applies to run)"},
		{[]string{"verify", "--format", "csv", tr.Root}, "evaluate verify: --format csv: `evaluate verify` writes table, json"},
		{[]string{"verify", "--accounts", "1234", tr.Root}, "evaluate verify: --accounts 1234: an AWS account id is 12 digits"},
		{[]string{"verify", "--regions", "us-east-1,", tr.Root}, `evaluate verify: invalid value "us-east-1," for flag -regions: an empty value (see evaluate verify --help)`},
		{[]string{"verify", "--public-keys", badKeys, tr.Root}, "evaluate verify: public keys " + badKeys + ": no PublicKeyList: not the output of aws cloudtrail list-public-keys"},
		{[]string{"verify", "--public-keys", keys, gone}, "evaluate verify: stat " + gone + ": no such file or directory"},
		{[]string{"verify", "--public-keys", keys, file}, "evaluate verify: " + file + ": not a directory: verify reads a tree holding AWSLogs/"},
		{[]string{"--public-keys", keys, tr.Root}, "evaluate: --public-keys: only with --verify (or `evaluate verify`)"},
		{[]string{"follow", "--accounts", "111122223333", tr.Root}, "evaluate follow: --accounts: not available with `evaluate follow` (it applies to run, watch, plan, verify)"},
		{[]string{"--verify", "--public-keys", keys, file}, "evaluate: --verify: " + file + " is not a directory: --verify reads trees holding AWSLogs/ (a copy of the trail's bucket)"},
		{[]string{"--verify", "--public-keys", keys, "-"}, "evaluate: --verify: standard input cannot be verified: name the directories that hold AWSLogs/"},
		{[]string{"--verify", "--public-keys", badKeys, tr.Root}, "evaluate: public keys " + badKeys + ": no PublicKeyList: not the output of aws cloudtrail list-public-keys"},
		{[]string{"watch", "--policies", "policies", "--verify", tr.Root}, "evaluate watch: --verify: not available with `evaluate watch` (it applies to run)"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := evaluate(t, "", tc.args...)
			if r.code != exitUsage || r.stderr != tc.want+"\n" || r.stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and %q", r.code, r.stdout, r.stderr, tc.want)
			}
		})
	}
}

// TestRunVerify: `evaluate run --verify` verifies first, says on stderr
// what did not verify, and counts the findings by the verdict on their
// file in the summary; a failed verification is exit 3, results written.
func TestRunVerify(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(t *testing.T, tr *integritytest.Tree)
		code   int
	}{
		{"untouched", nil, exitOK},
		{"a finding from a modified file", func(t *testing.T, tr *integritytest.Tree) {
			// Another event of the file edited: both CreateAccessKey
			// findings now rest on a file that is not what CloudTrail
			// delivered.
			integritytest.Rewrite(t, tr.Logs[createAccessKeyFile][0], func(b []byte) []byte {
				return bytes.Replace(b, []byte(`"requestID":"`), []byte(`"requestID":"x`), 1)
			})
		}, exitIncomplete},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, keys := signedTree(t)
			if tc.mutate != nil {
				tc.mutate(t, tr)
			}
			sum := filepath.Join(t.TempDir(), "summary.json")
			args := append(append([]string{}, pinned[1:]...), "--verify", "--public-keys", keys, "--format", "jsonl", "--summary", sum, tr.Root)
			r := evaluate(t, "", args...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", r.code, tc.code, r.stderr)
			}
			name := "run_verify." + strings.ReplaceAll(tc.name, " ", "_")
			golden(t, name+".jsonl", inTree(tr, r.stdout))
			golden(t, name+".stderr", inTree(tr, summaryPolicies.ReplaceAllString(summaryClock.ReplaceAllString(r.stderr, "${1}T"), "${1}<policy-version>")))
			golden(t, name+".summary.json", inTree(tr, readSummary(t, sum)))
		})
	}
}

// TestVerifyExitCodes: the codes runVerify documents beyond 0, 2 and 3
// (asserted above): 4 when the report cannot be written, 130 when
// interrupted.
func TestVerifyExitCodes(t *testing.T) {
	tr, keys := signedTree(t)
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"verify", "--public-keys", keys, tr.Root}, strings.NewReader(""), failingWriter{}, &stderr); code != exitOutput ||
		stderr.String() != "evaluate verify: write results: write: no space left on device\n" {
		t.Errorf("stdout full: exit %d, stderr %q", code, stderr.String())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout bytes.Buffer
	if code := run(ctx, []string{"verify", "--public-keys", keys, tr.Root}, strings.NewReader(""), &stdout, &stderr); code != exitInterrupted ||
		!strings.HasSuffix(stdout.String(), "integrity: FAILED: interrupted, nothing to verify: no CloudTrail log or digest file in scope\n") {
		t.Errorf("interrupted: exit %d, stdout %q", code, stdout.String())
	}
}

// failingWriter is a stdout on a full disk.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) {
	return 0, errors.New("write: no space left on device")
}

// TestIntegrityDocShowsARealSession keeps docs/integrity.md honest: the
// session it shows is testdata/verify.tampered (which TestVerifyCommand
// checks against the real output), the tree at /data/trail-bucket.
func TestIntegrityDocShowsARealSession(t *testing.T) {
	doc, err := os.ReadFile("../../docs/integrity.md")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/verify.tampered")
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	start, end := strings.Index(s, "<!-- verify-session"), strings.Index(s, "<!-- end verify-session -->")
	if start < 0 || end < start {
		t.Fatal("docs/integrity.md has no verify-session block")
	}
	const command, exit = "$ evaluate verify --public-keys keys.json /data/trail-bucket\n", "$ echo $?\n3\n```\n"
	block := s[start:end]
	i, j := strings.Index(block, command), strings.Index(block, exit)
	if i < 0 || j < i {
		t.Fatalf("the session does not run %q and end with exit 3", command)
	}
	if got := block[i+len(command) : j]; got != strings.ReplaceAll(string(want), "$ROOT", "/data/trail-bucket") {
		t.Errorf("docs/integrity.md's session differs from testdata/verify.tampered (root /data/trail-bucket):\n%s", got)
	}
}

// TestVerifyS3: `evaluate verify s3://bucket` gives the report of the local
// copy the bucket was uploaded from, the signatures from the objects'
// metadata; `run --verify` over s3:// marks the rows of a modified file;
// local and s3:// roots verify together.
func TestVerifyS3(t *testing.T) {
	tr, keys := signedTree(t)
	integritytest.Rewrite(t, tr.Logs[createAccessKeyFile][0], func(b []byte) []byte {
		return bytes.Replace(b, []byte(`"requestID":"`), []byte(`"requestID":"x`), 1)
	})
	srv := s3test.Start(t)
	srv.CreateBucket(t, tr.Spec.Bucket)
	srv.UploadSigned(t, tr.Spec.Bucket, "", tr.Root)
	s3test.Env(t, srv.URL)
	bucket := "s3://" + tr.Spec.Bucket

	local := evaluate(t, "", "verify", "--workers", "2", "--format", "json", "--public-keys", keys, tr.Root)
	remote := evaluate(t, "", "verify", "--workers", "2", "--format", "json", "--public-keys", keys, bucket)
	if remote.code != exitIncomplete || local.code != exitIncomplete {
		t.Fatalf("exit %d (local %d), want %d; stderr:\n%s", remote.code, local.code, exitIncomplete, remote.stderr)
	}
	if got, want := strings.ReplaceAll(remote.stdout, bucket, "$ROOT"), inTree(tr, local.stdout); got != want {
		t.Errorf("report from S3 differs from the local copy's\n--- S3\n%s--- local\n%s", got, want)
	}
	if !strings.Contains(remote.stdout, `"file": "`+bucket+"/AWSLogs/") || !strings.Contains(remote.stdout, `"status": "modified"`) {
		t.Errorf("want files named %s/AWSLogs/..., one modified:\n%s", bucket, remote.stdout)
	}

	run := evaluate(t, "", append(append([]string{}, pinned[1:]...), "--verify", "--public-keys", keys, "--format", "jsonl", bucket)...)
	if run.code != exitIncomplete || !strings.Contains(run.stdout, `"integrity":"modified"`) || !strings.Contains(run.stdout, bucket+"/AWSLogs/") {
		t.Errorf("run --verify s3://: exit %d, want rows marked modified, from %s/...; stdout:\n%s\nstderr:\n%s", run.code, bucket, run.stdout, run.stderr)
	}

	// Both at once: the two copies are two trees of one trail.
	both := evaluate(t, "", "verify", "--workers", "2", "--format", "json", "--public-keys", keys, tr.Root, bucket)
	if both.code != exitIncomplete || strings.Count(both.stdout, `"status": "modified"`) != 2 {
		t.Errorf("verify ROOT s3://: exit %d, want 2 modified files; stdout:\n%s\nstderr:\n%s", both.code, both.stdout, both.stderr)
	}

	missing := evaluate(t, "", "verify", "--public-keys", keys, "s3://no-such-bucket")
	if missing.code != exitUsage || !strings.HasPrefix(missing.stderr, "evaluate verify: s3://no-such-bucket: bucket does not exist") ||
		strings.Count(missing.stderr, "\n") != 1 {
		t.Errorf("no such bucket: exit %d, stderr %q, want one line and exit 2", missing.code, missing.stderr)
	}
	t.Logf("no such bucket: %s", missing.stderr)
}
