package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/trailhunt/trailhunt/internal/s3test"
)

// s3Hunt is a bucket with fixtures/ uploaded under fixtures/, the
// environment set to reach it, and the hunt's S3 input.
func s3Hunt(t *testing.T) (*s3test.Server, string) {
	t.Helper()
	srv := s3test.Start(t)
	srv.CreateBucket(t, "hunt")
	srv.Upload(t, "hunt", "fixtures/", fixtures)
	s3test.Env(t, srv.URL)
	return srv, "s3://hunt/fixtures/"
}

// partialKeys lists the objects under partials/.
func partialKeys(t *testing.T, srv *s3test.Server) []string {
	t.Helper()
	out, err := s3test.Client(srv.URL).ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String("hunt"), Prefix: aws.String("partials/")})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys
}

// process is one run of the built binary.
type process struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	stderr syncBuffer
	done   chan struct{}
	err    error
}

func start(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(evaluateBinary(t), args...), done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.cmd.Process.Kill(); <-p.done })
	return p
}

func (p *process) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(120 * time.Second):
		t.Fatalf("%v still running after 120 s; stderr:\n%s", p.cmd.Args, p.stderr.String())
	}
	return childExit(t, p.err)
}

// TestS3ShardsAsAnIndexedJob runs the hunt as a Kubernetes Indexed Job runs
// it (issue 13, item 6): three processes of the built binary, told their
// index only by $JOB_COMPLETION_INDEX, read fixtures/ from the loopback S3
// server and PUT their partials to s3://hunt/partials/; a merge process
// reads them back from the prefix. Shard 1 is SIGKILLed mid-read (its GETs
// stall at a proxy): it leaves no partial object, the merge without it
// exits 3 naming it, with missing_shards in the summary; re-run, the merge
// gives exactly the rows and summary of one process over the same inputs.
func TestS3ShardsAsAnIndexedJob(t *testing.T) {
	srv, input := s3Hunt(t)
	pinned := append(slices.Clone(shardArgs), "--format", "jsonl")
	dir := t.TempDir()

	oneSum := filepath.Join(dir, "one.json")
	one := start(t, nil, append(slices.Clone(pinned), "--summary", oneSum, input)...)
	if code := one.wait(t); code != exitOK {
		t.Fatalf("one run: exit %d: %s", code, one.stderr.String())
	}
	if one.stdout.Len() == 0 {
		t.Fatal("one run: no rows")
	}

	shard := func(i int, env ...string) *process {
		return start(t, append(env, fmt.Sprintf("JOB_COMPLETION_INDEX=%d", i)), append(slices.Clone(shardArgs),
			"--partial", fmt.Sprintf("s3://hunt/partials/shard-%d.thp", i), "--shard-count", "3", input)...)
	}
	stall := &s3test.Fault{Op: "GET", Kind: s3test.Stall}
	proxy := s3test.NewProxy(t, srv.URL, stall)
	killed := shard(1, "AWS_ENDPOINT_URL_S3="+proxy.URL)
	shards := []*process{shard(0), shard(2)}
	for deadline := time.Now().Add(60 * time.Second); proxy.Hits()[0] == 0; time.Sleep(10 * time.Millisecond) {
		select {
		case <-killed.done:
			t.Fatalf("shard 1 exited before it was killed: %v; stderr:\n%s", killed.err, killed.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("shard 1 made no GET within 60 s")
		}
	}
	if err := killed.cmd.Process.Kill(); err != nil { // SIGKILL: no handler, no cleanup
		t.Fatal(err)
	}
	if code := killed.wait(t); code != -9 {
		t.Fatalf("killed shard: exit %d, want -9 (SIGKILL)", code)
	}
	for i, p := range shards {
		if code := p.wait(t); code != exitOK || p.stdout.Len() != 0 {
			t.Fatalf("shard %d: exit %d, stdout %q, stderr:\n%s", 2*i, code, p.stdout.String(), p.stderr.String())
		}
	}
	if got, want := partialKeys(t, srv), []string{"partials/shard-0.thp", "partials/shard-2.thp"}; !slices.Equal(got, want) {
		t.Fatalf("partials after the kill: %v, want %v (a killed shard writes nothing)", got, want)
	}

	merge := func() (*process, int, string) {
		sum := filepath.Join(t.TempDir(), "merged.json")
		p := start(t, nil, "merge", "--quiet", "--format", "jsonl", "--summary", sum, "s3://hunt/partials/")
		code := p.wait(t)
		return p, code, readSummary(t, sum)
	}
	p, code, sum := merge()
	if code != exitIncomplete || !strings.Contains(p.stderr.String(), "shard 1 of 3 is missing") ||
		!strings.Contains(sum, "\"missing_shards\": [\n    1\n  ]") {
		t.Errorf("merge without shard 1: exit %d, stderr %q, summary:\n%s\nwant exit 3 naming shard 1, missing_shards [1]", code, p.stderr.String(), sum)
	}

	if code := shard(1).wait(t); code != exitOK {
		t.Fatalf("shard 1 re-run: exit %d", code)
	}
	p, code, sum = merge()
	if code != exitOK || p.stderr.String() != "" {
		t.Fatalf("merge: exit %d, stderr:\n%s", code, p.stderr.String())
	}
	if p.stdout.String() != one.stdout.String() {
		t.Errorf("merged rows differ from one run's:\n%.1500s\nwant:\n%.1500s", p.stdout.String(), one.stdout.String())
	}
	if want := readSummary(t, oneSum); sum != want {
		t.Errorf("merged summary differs from one run's:\n%s\nwant:\n%s", sum, want)
	}
}

// TestS3PartialFaults: a partial that cannot be PUT is exit 4 naming the
// object; a merge from a bucket that cannot be listed, or a prefix holding
// no partials, is one line, exit 2. Local and s3:// partials merge together.
func TestS3PartialFaults(t *testing.T) {
	srv, input := s3Hunt(t)
	r := evaluate(t, "", append(slices.Clone(shardArgs), "--partial", "s3://no-such-bucket/p/shard-0.thp", input)...)
	if first, _, _ := strings.Cut(r.stderr, "\n"); r.code != exitOutput ||
		!strings.HasPrefix(first, "evaluate: write --partial: s3://no-such-bucket/p/shard-0.thp: PutObject: HTTP 404 NoSuchBucket") {
		t.Errorf("PUT to a missing bucket: exit %d, stderr %q; want exit 4 naming the object", r.code, r.stderr)
	}

	for url, want := range map[string]string{
		"s3://no-such-bucket/partials/": "evaluate merge: s3://no-such-bucket/partials/: bucket does not exist",
		"s3://hunt/partials/":           "evaluate merge: s3://hunt/partials/: no objects under this prefix",
		"s3://hunt/fixtures/":           "evaluate merge: s3://hunt/fixtures/ holds no partial results (*.thp objects directly under s3://hunt/fixtures/)",
	} {
		r := evaluate(t, "", "merge", "--quiet", url)
		if r.code != exitUsage || !strings.HasPrefix(r.stderr, want) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("merge %s: exit %d, stderr %q; want exit 2 and %q", url, r.code, r.stderr, want)
		}
	}
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong")
	if r := evaluate(t, "", "merge", "--quiet", "s3://hunt/partials/"); r.code != exitUsage || !strings.Contains(r.stderr, "credentials were rejected") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("merge with a wrong secret: exit %d, stderr %q; want exit 2, one line", r.code, r.stderr)
	}
	s3test.Env(t, srv.URL)

	// Shard 0 to S3, shard 1 to a file: named one by one, they merge.
	local := filepath.Join(t.TempDir(), "shard-1.thp")
	for i, out := range []string{"s3://hunt/partials/shard-0.thp", local} {
		r := evaluate(t, "", append(slices.Clone(shardArgs), "--partial", out, "--shard-count", "2", "--shard-index", fmt.Sprint(i), input)...)
		if r.code != exitOK {
			t.Fatalf("shard %d: exit %d: %s", i, r.code, r.stderr)
		}
	}
	want := evaluate(t, "", append(slices.Clone(shardArgs), "--format", "jsonl", input)...)
	got := evaluate(t, "", "merge", "--quiet", "--format", "jsonl", "s3://hunt/partials/shard-0.thp", local)
	if got.code != exitOK || got.stdout != want.stdout {
		t.Errorf("merge of an object and a file: exit %d, stderr %q, same rows as one run: %v", got.code, got.stderr, got.stdout == want.stdout)
	}
}
