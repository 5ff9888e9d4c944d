package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/trailhunt/trailhunt/internal/s3test"
)

// getObject reads s3://hunt/key from the server.
func getObject(t *testing.T, srv *s3test.Server, key string) []byte {
	t.Helper()
	out, err := s3test.Client(srv.URL).GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("hunt"), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get s3://hunt/%s: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestS3Output: --output and --summary s3://bucket/key write, for run and
// merge, exactly the bytes the same command writes to local files (the
// summary's clock-dependent numbers aside), the format inferred from the
// key's extension as from a file name's, nothing on stdout. The merge reads
// its partials from the prefix it writes its results under, as the
// Kubernetes merge Job does (deploy/kubernetes/merge-job.yaml).
func TestS3Output(t *testing.T) {
	srv, input := s3Hunt(t)
	for i := range 2 {
		r := evaluate(t, "", append(slices.Clone(shardArgs), "--partial", fmt.Sprintf("s3://hunt/partials/shard-%d.thp", i),
			"--shard-count", "2", "--shard-index", fmt.Sprint(i), input)...)
		if r.code != exitOK {
			t.Fatalf("shard %d: exit %d: %s", i, r.code, r.stderr)
		}
	}
	for _, tc := range []struct {
		name  string
		args  []string // before --output, --summary and the inputs
		key   string   // of --output, under results/ (a local file of the same base name)
		ins   []string
		first string // what the rows start with: the format inferred
	}{
		{"run ocsf by extension", shardArgs, "run.ocsf.jsonl", []string{input}, `{"class_uid":2004,`},
		{"run csv by extension", shardArgs, "run.csv", []string{input}, "detection,"},
		{"run table by extension", shardArgs, "run.txt", []string{input}, "aws_createaccesskey — "},
		{"run --format json, no extension", append(slices.Clone(shardArgs), "--format", "json"), "run", []string{fixtures}, "{\n  \"policy_version\": "},
		{"merge ocsf by extension", []string{"merge", "--quiet"}, "partials/result.ocsf.jsonl", []string{"s3://hunt/partials/"}, `{"class_uid":2004,`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			local := filepath.Join(dir, filepath.Base(tc.key))
			localSum := filepath.Join(dir, "summary.json")
			want := evaluate(t, "", slices.Concat(tc.args, []string{"--output", local, "--summary", localSum}, tc.ins)...)
			key, sumKey := "results/"+tc.key, "results/"+tc.key+".summary.json"
			if strings.HasPrefix(tc.key, "partials/") {
				key, sumKey = tc.key, "partials/summary.json"
			}
			got := evaluate(t, "", slices.Concat(tc.args, []string{"--output", "s3://hunt/" + key, "--summary", "s3://hunt/" + sumKey}, tc.ins)...)
			if want.code != exitOK || got.code != exitOK || got.stdout != "" || got.stderr != "" {
				t.Fatalf("local: exit %d, stderr %q; s3: exit %d, stdout %q, stderr %q; want exit 0 and nothing printed",
					want.code, want.stderr, got.code, got.stdout, got.stderr)
			}
			wantRows, err := os.ReadFile(local)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(wantRows), tc.first) {
				t.Fatalf("local rows start %.40q, want %q", wantRows, tc.first)
			}
			if rows := getObject(t, srv, key); string(rows) != string(wantRows) {
				t.Errorf("s3://hunt/%s differs from the local --output:\n%.1500s\nwant:\n%.1500s", key, rows, wantRows)
			}
			sum := volatile.ReplaceAllString(string(getObject(t, srv, sumKey)), "${1}0")
			if wantSum := readSummary(t, localSum); sum != wantSum {
				t.Errorf("s3://hunt/%s differs from the local --summary:\n%s\nwant:\n%s", sumKey, sum, wantSum)
			}
		})
	}
}

// TestS3OutputFaults: an object that cannot be PUT is exit 4 naming it,
// the summary still written where it can be; an s3:// location that names
// no object, a flag that writes local files only, or an object among the
// inputs is refused before anything is read (one line, exit 2).
func TestS3OutputFaults(t *testing.T) {
	srv, input := s3Hunt(t)
	for _, tc := range []struct {
		output, summary string
		want            string // stderr's one line, up to the store's words
		written         string // the object of the two that is written
	}{
		{"s3://no-such-bucket/r.jsonl", "s3://hunt/faults/summary.json",
			"evaluate: write results: s3://no-such-bucket/r.jsonl: PutObject: HTTP 404 NoSuchBucket", "faults/summary.json"},
		{"s3://hunt/faults/r.jsonl", "s3://no-such-bucket/s.json",
			"evaluate: write summary: s3://no-such-bucket/s.json: PutObject: HTTP 404 NoSuchBucket", "faults/r.jsonl"},
	} {
		r := evaluate(t, "", append(slices.Clone(shardArgs), "--output", tc.output, "--summary", tc.summary, input)...)
		if r.code != exitOutput || strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, tc.want) {
			t.Errorf("--output %s --summary %s: exit %d, stderr %q; want exit 4 and %q", tc.output, tc.summary, r.code, r.stderr, tc.want)
		}
		if b := getObject(t, srv, tc.written); len(b) == 0 {
			t.Errorf("s3://hunt/%s: empty, want written beside the failed PUT", tc.written)
		}
	}
	// The AWS configuration is loaded before anything is read.
	r := evaluate(t, "", append(slices.Clone(shardArgs), "--profile", "nosuch", "--output", "s3://hunt/r.jsonl", fixtures)...)
	if want := "evaluate: open output: s3://hunt/r.jsonl: load AWS configuration: "; r.code != exitUsage || strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, want) {
		t.Errorf("--profile nosuch: exit %d, stderr %q; want exit 2 and %q...", r.code, r.stderr, want)
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"--raw to S3", []string{"--raw", "s3://hunt/raw.jsonl", fixtures},
			"evaluate: --raw s3://hunt/raw.jsonl: writes a local file only (s3:// is for --output, --summary and --partial)"},
		{"--state to S3", []string{"follow", "--state", "s3://hunt/state.json", fixtures},
			"evaluate follow: --state s3://hunt/state.json: writes a local file only (s3:// is for --output, --summary and --partial)"},
		{"--output a prefix", []string{"--output", "s3://hunt/results/", fixtures},
			"evaluate: --output s3://hunt/results/: want s3://bucket/key, the object to write"},
		{"--output a bucket", []string{"--output", "s3://hunt", fixtures},
			"evaluate: --output s3://hunt: want s3://bucket/key, the object to write"},
		{"--summary no bucket", []string{"--summary", "s3:///summary.json", fixtures},
			"evaluate: --summary s3:///summary.json: want s3://bucket/key, the object to write"},
		{"--output under the input prefix", []string{"--output", "s3://hunt/fixtures-results.jsonl", "s3://hunt/fixtures"},
			"evaluate: --output s3://hunt/fixtures-results.jsonl is among the inputs s3://hunt/fixtures: refusing to write the results there"},
		{"--summary under the input bucket", []string{"--summary", "s3://hunt/summary.json", "s3://hunt"},
			"evaluate: --summary s3://hunt/summary.json is among the inputs s3://hunt: refusing to write the summary there"},
		{"merge --output a partial it reads", []string{"merge", "--output", "s3://hunt/partials/result.thp", "s3://hunt/partials"},
			"evaluate merge: --output s3://hunt/partials/result.thp is among the inputs s3://hunt/partials: refusing to write the results there"},
		{"merge --output the object it reads", []string{"merge", "--output", "s3://hunt/p/shard-0.thp", "s3://hunt/p/shard-0.thp"},
			"evaluate merge: --output s3://hunt/p/shard-0.thp is among the inputs s3://hunt/p/shard-0.thp: refusing to write the results there"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := evaluate(t, "", tc.args...)
			if r.code != exitUsage || r.stdout != "" || r.stderr != tc.want+"\n" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and %q", r.code, r.stdout, r.stderr, tc.want)
			}
		})
	}
}

// TestS3OutputBesideLocalInputs: an s3:// output is no path on this
// machine, so it is never "inside" a local input directory (the current
// one included), and a merge's rows may go under the prefix of the
// partials it reads.
func TestS3OutputBesideLocalInputs(t *testing.T) {
	for _, args := range [][]string{
		{"--output", "s3://hunt/r.jsonl", "--summary", "s3://hunt/s.json", "."},
		{"--output", "s3://hunt/r.jsonl", "--summary", "s3://hunt/s.json", "s3://other/fixtures/", "s3://hunt/fixtures/"},
		{"merge", "--output", "s3://hunt/partials/result.ocsf.jsonl", "--summary", "s3://hunt/partials/summary.json", "s3://hunt/partials/"},
		{"merge", "--output", "s3://hunt/partials/deeper/x.thp", "s3://hunt/partials/"},
	} {
		if _, err := parseArgs(args, time.Now(), io.Discard); err != nil {
			t.Errorf("%q: %v, want accepted", args, err)
		}
	}
}
