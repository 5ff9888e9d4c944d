package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/trailhunt/trailhunt/internal/s3test"
)

// s3Trail is an organisation trail's bucket: the Stratus Red Team records
// (two real CreateAccessKey positives among them) spread over two accounts,
// two regions and three days, a digest and an Insights file per account,
// and one copy of the whole fixtures tree under another prefix.
func s3Trail(t *testing.T) (*s3test.Server, string) {
	t.Helper()
	srv := s3test.Start(t)
	srv.CreateBucket(t, "org-trail")
	recs := stratusRecords(t)
	n := 0
	for _, acct := range []string{"111122223333", "444455556666"} {
		root := "AWSLogs/o-aa11bb22cc/" + acct + "/"
		for _, region := range []string{"us-east-1", "eu-west-1"} {
			for day := 1; day <= 3; day++ {
				lo, hi := n*len(recs)/12, (n+1)*len(recs)/12
				n++
				key := fmt.Sprintf("%sCloudTrail/%s/2024/08/%02d/%s_CloudTrail_%s_202408%02dT1200Z_%02d.json.gz", root, region, day, acct, region, day, n)
				srv.Put(t, "org-trail", key, gzipped(t, []byte(`{"Records":[`+joinRaw(recs[lo:hi])+`]}`)))
			}
		}
		srv.Put(t, "org-trail", root+"CloudTrail-Digest/us-east-1/2024/08/02/"+acct+"_CloudTrail-Digest_us-east-1_org_us-east-1_20240802T130000Z.json.gz",
			gzipped(t, []byte(`{"awsAccountId":"`+acct+`","digestStartTime":"2024-08-02T12:00:00Z","logFiles":[]}`)))
		srv.Put(t, "org-trail", root+"CloudTrail-Insight/us-east-1/2024/08/02/i.json.gz", gzipped(t, []byte(`{"Records":[]}`)))
	}
	srv.Upload(t, "org-trail", "copy/fixtures/", fixtures)
	s3test.Env(t, srv.URL)
	return srv, "s3://org-trail"
}

func joinRaw(recs []json.RawMessage) string {
	parts := make([]string, len(recs))
	for i, r := range recs {
		parts[i] = string(r)
	}
	return strings.Join(parts, ",")
}

// The same rows and counts from a copy of fixtures/ in the bucket as from
// fixtures/ on disk.
func TestS3SameRowsAsLocal(t *testing.T) {
	_, bucket := s3Trail(t)
	args := []string{"--quiet", "--format", "jsonl", "--now", "2026-11-26T00:00:00Z"}
	local := evaluate(t, "", append(args, fixtures)...)
	remote := evaluate(t, "", append(args, bucket+"/copy/fixtures/")...)
	remote.stdout = strings.ReplaceAll(remote.stdout, bucket+"/copy/fixtures/", fixtures+"/") // rows keep their sources
	if remote.code != local.code || remote.stdout != local.stdout || remote.stderr != local.stderr {
		t.Fatalf("S3: exit %d, stderr %q; local: exit %d, stderr %q; same rows: %v", remote.code, remote.stderr, local.code, local.stderr, remote.stdout == local.stdout)
	}
	sl, sr := runSummary(t, append(args, fixtures)...), runSummary(t, append(args, bucket+"/copy/fixtures/")...)
	// Not bytes: a file skipped by its first bytes (the README) counts what
	// its first read returned, all of a small local file, one network read
	// of an object.
	for _, k := range []string{"files", "records", "evaluated", "failed", "findings", "rows", "skipped", "errors"} {
		if string(sl[k]) != string(sr[k]) {
			t.Errorf("%s: local %s, S3 %s", k, sl[k], sr[k])
		}
	}
	if string(sr["objects_planned"]) != string(sl["files"]) || string(sr["objects_fetched"]) != string(sl["files"]) || string(sr["objects_failed"]) != "0" {
		t.Errorf("objects: %s planned, %s fetched, %s failed; want %s, %s, 0", sr["objects_planned"], sr["objects_fetched"], sr["objects_failed"], sl["files"], sl["files"])
	}
}

func runSummary(t *testing.T, args ...string) map[string]json.RawMessage {
	t.Helper()
	path := filepath.Join(t.TempDir(), "summary.json")
	r := evaluate(t, "", append([]string{"--summary", path}, args...)...)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var m map[string]json.RawMessage
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// `evaluate plan` prints what a run would read and GETs nothing; the run
// then GETs exactly the planned objects, and finds what they hold.
func TestS3PlanThenRun(t *testing.T) {
	srv, bucket := s3Trail(t)
	filters := []string{"--accounts", "444455556666", "--regions", "us-east-1,eu-west-1", "--since", "2024-08-02", "--until", "2024-08-03", "--delivery-margin", "1h"}
	for _, format := range []string{"table", "json"} {
		r := evaluate(t, "", append(append([]string{"plan", "--format", format}, filters...), bucket+"/AWSLogs/")...)
		if r.code != exitOK || r.stderr != "" {
			t.Fatalf("plan: exit %d: %s", r.code, r.stderr)
		}
		golden(t, "s3.plan."+format, r.stdout)
	}
	if gets := srv.Gets(t); len(gets) != 0 {
		t.Fatalf("plan fetched objects: %q", gets)
	}

	path := filepath.Join(t.TempDir(), "summary.json")
	r := evaluate(t, "", append(append([]string{"--quiet", "--format", "jsonl", "--summary", path}, filters...), bucket+"/AWSLogs/")...)
	if r.code != exitOK {
		t.Fatalf("run: exit %d: %s", r.code, r.stderr)
	}
	gets := srv.Gets(t)
	want := []string{
		"AWSLogs/o-aa11bb22cc/444455556666/CloudTrail/eu-west-1/2024/08/02/444455556666_CloudTrail_eu-west-1_20240802T1200Z_11.json.gz",
		"AWSLogs/o-aa11bb22cc/444455556666/CloudTrail/us-east-1/2024/08/02/444455556666_CloudTrail_us-east-1_20240802T1200Z_08.json.gz",
	}
	slices.Sort(gets)
	if !slices.Equal(gets, want) {
		t.Errorf("the run fetched\n%q\nwant the plan's\n%q", gets, want)
	}
	b, _ := os.ReadFile(path)
	for _, field := range []string{`"objects_listed": 6`, `"objects_planned": 2`, `"objects_fetched": 2`, `"objects_failed": 0`} {
		if !strings.Contains(string(b), field) {
			t.Errorf("summary lacks %s:\n%s", field, b)
		}
	}
}

// The whole bucket: one organisation trail, several accounts and regions,
// with the digest and Insights prefixes never fetched.
func TestS3OrganisationTrail(t *testing.T) {
	srv, bucket := s3Trail(t)
	r := evaluate(t, "", append(pinned, "--format", "jsonl", bucket+"/AWSLogs/")...)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if n := strings.Count(r.stdout, "\n"); n != 2 {
		t.Errorf("%d rows, want the 2 Stratus positives:\n%s", n, r.stdout)
	}
	gets := srv.Gets(t)
	if len(gets) != 12 {
		t.Errorf("%d GETs, want the 12 log files", len(gets))
	}
	for _, k := range gets {
		if strings.Contains(k, "CloudTrail-Digest") || strings.Contains(k, "CloudTrail-Insight") {
			t.Errorf("fetched %s", k)
		}
	}
}

// Failures of one object: exit 3, the object named, counted by reason;
// every other object read. Mixed with a local path, read too.
func TestS3ObjectFailures(t *testing.T) {
	srv, _ := s3Trail(t)
	const key = "AWSLogs/o-aa11bb22cc/111122223333/CloudTrail/us-east-1/2024/08/01/111122223333_CloudTrail_us-east-1_20240801T1200Z_01.json.gz"
	denied := s3test.Fault{Op: "GET", Key: key, Kind: s3test.KMSDenied}
	slow := s3test.Fault{Op: "GET", Kind: s3test.SlowDown, Times: 3}
	proxy := s3test.NewProxy(t, srv.URL, &denied, &slow)
	path := filepath.Join(t.TempDir(), "summary.json")
	r := evaluate(t, "", "--workers", "1", "--format", "jsonl", "--summary", path, "--endpoint-url", proxy.URL,
		"s3://org-trail/AWSLogs/", filepath.Join(fixtures, "edge"))
	if r.code != exitIncomplete {
		t.Fatalf("exit %d, want 3: %s", r.code, r.stderr)
	}
	wantErr := "evaluate: read s3://org-trail/" + key + ": kms_access_denied: GetObject: HTTP 403 AccessDenied: User: arn:aws:iam::111122223333:user/hunter is not authorized to perform: kms:Decrypt"
	if !strings.HasPrefix(r.stderr, wantErr) || !strings.Contains(r.stderr, " 12 listed, 12 planned, 11 fetched, 1 failed\n") {
		t.Errorf("stderr\n%s\nwant a line starting\n%s\nand the objects counted", r.stderr, wantErr)
	}
	b, _ := os.ReadFile(path)
	for _, field := range []string{`"objects_planned": 12`, `"objects_fetched": 11`, `"objects_failed": 1`, `"kms_access_denied": 1`} {
		if !strings.Contains(string(b), field) {
			t.Errorf("summary lacks %s:\n%s", field, b)
		}
	}
	if hits := proxy.Hits(); hits[1] != 3 {
		t.Errorf("SlowDown answered %d times, want 3 (then retried)", hits[1])
	}
}

// Bad input: one clear line, exit 2, nothing read or written, never a hang.
func TestS3BadInput(t *testing.T) {
	srv, bucket := s3Trail(t)
	srv.CreateBucket(t, "empty")
	out := filepath.Join(t.TempDir(), "out.jsonl")
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string // a regular expression for the one line
	}{
		{"unknown bucket", nil, []string{"s3://no-such-bucket/AWSLogs/"},
			`^evaluate: s3://no-such-bucket/AWSLogs/: bucket does not exist \(ListObjectsV2: HTTP 404 NoSuchBucket: .*\)$`},
		{"bad credentials", map[string]string{"AWS_SECRET_ACCESS_KEY": "wrong"}, []string{bucket},
			`^evaluate: s3://org-trail: the credentials were rejected: check the access key, the secret and the session token \(ListObjectsV2: HTTP 403 SignatureDoesNotMatch: .*\)$`},
		{"no credentials", map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}, []string{bucket},
			`^evaluate: s3://org-trail: no AWS credentials found \(environment, shared config and --profile, SSO, web identity, instance or container role\) \(.*\)$`},
		{"unknown profile", nil, []string{"--profile", "nope", bucket},
			`^evaluate: load AWS configuration: .*nope.*$`},
		{"wrong region", nil, []string{"--region", "eu-west-3", bucket},
			`^evaluate: s3://org-trail: wrong region: the bucket is not in eu-west-3; set --region \(HeadBucket: HTTP 400.*\)$`},
		{"a prefix with no CloudTrail", nil, []string{bucket + "/nothing-here/"},
			`^evaluate: s3://org-trail/nothing-here/: no objects under this prefix$`},
		{"an empty bucket", nil, []string{"s3://empty"}, `^evaluate: s3://empty: no objects under this prefix$`},
		{"only digests", nil, []string{bucket + "/AWSLogs/o-aa11bb22cc/111122223333/CloudTrail-Digest/"},
			`^evaluate: s3://org-trail/AWSLogs/o-aa11bb22cc/111122223333/CloudTrail-Digest/: no CloudTrail log files in the plan: 1 objects listed, none planned \(left out: digest objects 1\)$`},
		{"a window with nothing delivered", nil, []string{"--since", "2025-01-01", bucket + "/AWSLogs/"},
			`^evaluate: s3://org-trail/AWSLogs/: no CloudTrail log files in the plan: 0 objects listed, none planned \(left out: digest prefixes 2, insight prefixes 2, outside_time prefixes 4\)$`},
		{"no bucket", nil, []string{"s3:///x"}, `^evaluate: s3:///x: no bucket: want s3://bucket\[/prefix\]$`},
		{"follow refuses S3", nil, []string{"follow", bucket}, `^evaluate follow: follow reads local directories, not s3://org-trail: use run \(or watch, plan\) for s3:// inputs$`},
		{"a bad account id", nil, []string{"--accounts", "prod", bucket}, `^evaluate: --accounts prod: an AWS account id is 12 digits$`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			for _, mode := range []string{"run", "plan"} {
				args := append([]string{mode, "--s3-attempts", "2"}, tc.args...)
				switch {
				case tc.args[0] == "follow" && mode == "plan":
					continue
				case tc.args[0] == "follow":
					args = tc.args
				case mode == "run":
					args = append([]string{"--output", out}, args[1:]...)
				}
				r := evaluate(t, "", args...)
				want := tc.want
				if mode == "plan" {
					want = strings.Replace(want, "^evaluate:", "^evaluate plan:", 1)
				}
				if r.code != exitUsage || !regexp.MustCompile(want).MatchString(strings.TrimSuffix(r.stderr, "\n")) || strings.Count(r.stderr, "\n") != 1 {
					t.Errorf("%q: exit %d, stderr\n%s\nwant exit 2 and one line matching\n%s", args, r.code, r.stderr, want)
				}
				if _, err := os.Stat(out); err == nil {
					t.Errorf("%s was written", out)
				}
			}
		})
	}
	if gets := srv.Gets(t); len(gets) != 0 {
		t.Errorf("fetched %q", gets)
	}
}

// Objects that are not CloudTrail: read (content decides), then said in one
// line and exit 3, never 0 findings in silence.
func TestS3NoCloudTrail(t *testing.T) {
	_, bucket := s3Trail(t)
	r := evaluate(t, "", "--format", "jsonl", bucket+"/copy/fixtures/READ")
	want := "evaluate: s3://org-trail/copy/fixtures/READ: no CloudTrail records in the 1 objects read (skipped: map[not_cloudtrail:1])\n"
	if r.code != exitIncomplete || !strings.HasPrefix(r.stderr, want) || !strings.Contains(r.stderr, "no_records: 1") {
		t.Errorf("exit %d, stderr\n%s\nwant exit 3 and first\n%s", r.code, r.stderr, want)
	}
}
