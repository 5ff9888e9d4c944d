package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trailhunt/trailhunt/internal/s3test"
)

// The S3 benchmarks (docs/performance.md, section S3). Not run by make test:
//
//	go test -run '^$' -bench 'S3' -benchtime 3x ./cmd/evaluate
//	BENCH_S3_RECORDS=100000 go test -run '^$' -bench 'S3Read' -benchtime 3x ./cmd/evaluate

// benchArchive is a bench/gen archive of CloudTrail-sized objects (60 to 110
// records, ~25 KB gzip'd), cached in .cache/bench/.
func benchArchive(b *testing.B, records int) string {
	b.Helper()
	root, _ := filepath.Abs("../..")
	dir := filepath.Join(root, ".cache", "bench", fmt.Sprintf("s3-archive-%d", records))
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err == nil {
		return dir
	}
	os.MkdirAll(filepath.Dir(dir), 0o755)
	cmd := exec.Command("go", "run", "./bench/gen", "-records", strconv.Itoa(records), "-seed", "1",
		"-min-per-file", "60", "-max-per-file", "110", "-out", dir)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("bench/gen: %v\n%s", err, out)
	}
	return dir
}

// place puts every file under src into the server's directory as objects of
// bucket (versitygw's posix backend keeps an object as the file at its
// key): the same objects as PUTs would make, without 10,000 requests.
func place(b *testing.B, srv *s3test.Server, bucket, src string) (objects int, bytes int64) {
	b.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		dst := filepath.Join(srv.Dir, bucket, rel)
		os.MkdirAll(filepath.Dir(dst), 0o755)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		objects++
		bytes += int64(len(data))
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		b.Fatal(err)
	}
	return objects, bytes
}

// BenchmarkS3Read: records/s of a whole run over the archive read from S3
// on loopback, and over the same archive on local disk, at the same
// workers, interleaved; s3/local is the target's ratio (>= 80%). The server
// runs on the same cores as trailhunt.
func BenchmarkS3Read(b *testing.B) {
	records := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("BENCH_S3_RECORDS")); err == nil && v > 0 {
		records = v
	}
	workers := os.Getenv("BENCH_S3_WORKERS")
	if workers == "" {
		workers = "2"
	}
	archive := benchArchive(b, records)
	srv := s3test.Start(b)
	srv.CreateBucket(b, "bench")
	objects, size := place(b, srv, "bench", filepath.Join(archive, "AWSLogs"))
	env(b, srv.URL)
	b.Logf("%d records in %d objects, %.1f KB gzip'd on average", records, objects, float64(size)/float64(objects)/1000)

	runOnce := func(input string) float64 {
		sum := filepath.Join(b.TempDir(), "summary.json")
		start := time.Now()
		code := run(context.Background(), []string{"--quiet", "--format", "jsonl", "--workers", workers, "--summary", sum, input},
			strings.NewReader(""), io.Discard, io.Discard)
		elapsed := time.Since(start)
		if code != exitOK {
			b.Fatalf("%s: exit %d", input, code)
		}
		var s struct{ Records int64 }
		data, _ := os.ReadFile(sum)
		json.Unmarshal(data, &s)
		if s.Records != int64(records) {
			b.Fatalf("%s: %d records read, want %d", input, s.Records, records)
		}
		return float64(records) / elapsed.Seconds()
	}
	var local, remote float64
	b.ResetTimer()
	for range b.N {
		local = max(local, runOnce(filepath.Join(archive, "AWSLogs")))
		remote = max(remote, runOnce("s3://bench/"))
	}
	b.ReportMetric(local, "local-rec/s")
	b.ReportMetric(remote, "s3-rec/s")
	b.ReportMetric(100*remote/local, "s3/local-%")
}

// BenchmarkS3Plan: `evaluate plan` over a bucket of 100,000 log files (10
// accounts x 4 regions x 50 days x 50 deliveries, plus a digest a day per
// account and region), pruned to 2 accounts, 1 region and 3 days, and
// unpruned. Target: under 5 s pruned.
func BenchmarkS3Plan(b *testing.B) {
	srv := s3test.Start(b)
	srv.CreateBucket(b, "plan")
	day0 := time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)
	keys := 0
	for a := range 10 {
		acct := fmt.Sprintf("1111%08d", a)
		for _, region := range []string{"us-east-1", "us-west-2", "eu-west-1", "ap-south-1"} {
			for d := range 50 {
				day := day0.AddDate(0, 0, d)
				dir := filepath.Join(srv.Dir, "plan", "AWSLogs", "o-aa11bb22cc", acct, "CloudTrail", region, day.Format("2006/01/02"))
				os.MkdirAll(dir, 0o755)
				for f := range 50 {
					t := day.Add(time.Duration(f) * 29 * time.Minute)
					name := fmt.Sprintf("%s_CloudTrail_%s_%s_%04d.json.gz", acct, region, t.Format("20060102T1504Z"), f)
					if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
						b.Fatal(err)
					}
					keys++
				}
				digest := filepath.Join(srv.Dir, "plan", "AWSLogs", "o-aa11bb22cc", acct, "CloudTrail-Digest", region, day.Format("2006/01/02"))
				os.MkdirAll(digest, 0o755)
				os.WriteFile(filepath.Join(digest, acct+"_CloudTrail-Digest_"+region+"_org_"+region+"_"+day.Format("20060102T150405Z")+".json.gz"), []byte("x"), 0o644)
			}
		}
	}
	env(b, srv.URL)
	b.Logf("%d log files", keys)
	cases := []struct {
		name    string
		args    []string
		planned string
	}{
		{"pruned", []string{"--accounts", "111100000003,111100000007", "--regions", "eu-west-1", "--since", "2024-08-01", "--until", "2024-08-04"}, `"objects": 404`},
		{"unpruned", nil, `"objects": 100000`},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			for range b.N {
				var out strings.Builder
				code := run(context.Background(), append(append([]string{"plan", "--format", "json"}, tc.args...), "s3://plan"), strings.NewReader(""), &out, io.Discard)
				if code != exitOK || !strings.Contains(out.String(), tc.planned) {
					b.Fatalf("exit %d, want %s:\n%.2000s", code, tc.planned, out.String())
				}
			}
		})
	}
}

// env is s3test.Env for a benchmark.
func env(b *testing.B, url string) { s3test.Env(b, url) }
