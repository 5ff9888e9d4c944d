package main

import (
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// BenchmarkDistinctRows is issue 13's bounded-memory target: a hunt whose
// every finding is its own row (eventID is a by-field of
// aws_createaccesskey), BENCH_ROWS of them (default 2,000,000), run by the
// binary with the default --max-memory and with --max-memory 0 (every
// group in memory), then as two shards whose partials are merged, each
// process with the default --max-memory. It reports each process's peak
// RSS and wall time and fails unless the three write the same rows, byte
// for byte. Not part of make test:
//
//	go test -run '^$' -bench DistinctRows -benchtime 1x -timeout 30m ./cmd/evaluate
func BenchmarkDistinctRows(b *testing.B) {
	n := 2_000_000
	if s := os.Getenv("BENCH_ROWS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatalf("BENCH_ROWS=%q: %v", s, err)
		}
	}
	bin := evaluateBinary(b)
	dir := b.TempDir()
	archive := filepath.Join(dir, "archive")
	writeDistinctArchive(b, archive, n)
	for b.Loop() {
		var sums [2][32]byte
		for i, mem := range []string{"", "0"} {
			out := filepath.Join(dir, fmt.Sprintf("rows-%d.jsonl", i))
			args := []string{"--quiet", "--detection", "aws_createaccesskey", "--format", "jsonl", "--output", out}
			name := "default --max-memory"
			if mem != "" {
				args = append(args, "--max-memory", mem)
				name = "--max-memory " + mem
			}
			rss, wall := measure(b, bin, dir, append(args, archive)...)
			sums[i] = fileSum(b, out)
			st, err := os.Stat(out)
			if err != nil {
				b.Fatal(err)
			}
			rows := st.Size()
			b.Logf("%s: %d records, peak RSS %d MiB, %.1f s, %d bytes of rows", name, n, rss, wall.Seconds(), rows)
			unit := map[int]string{0: "default", 1: "unbounded"}[i]
			b.ReportMetric(float64(rss), "MiB-RSS-"+unit)
			b.ReportMetric(wall.Seconds(), "s-"+unit)
		}
		if sums[0] != sums[1] {
			b.Fatal("the spilled run's rows differ from the in-memory run's")
		}
		// The same hunt as two shards and a merge, each process with the
		// default --max-memory: the merge streams the partials.
		var parts []string
		for i := range 2 {
			part := filepath.Join(dir, fmt.Sprintf("shard-%d.thp", i))
			rss, wall := measure(b, bin, dir, "--quiet", "--detection", "aws_createaccesskey", "--partial", part,
				"--shard-count", "2", "--shard-index", strconv.Itoa(i), archive)
			b.Logf("shard %d: peak RSS %d MiB, %.1f s", i, rss, wall.Seconds())
			parts = append(parts, part)
		}
		merged := filepath.Join(dir, "merged.jsonl")
		rss, wall := measure(b, bin, dir, append([]string{"merge", "--quiet", "--detection", "aws_createaccesskey", "--format", "jsonl", "--output", merged}, parts...)...)
		b.Logf("merge: peak RSS %d MiB, %.1f s", rss, wall.Seconds())
		b.ReportMetric(float64(rss), "MiB-RSS-merge")
		if got := fileSum(b, merged); got != sums[0] {
			b.Fatal("the merge's rows differ from the single run's")
		}
	}
}

// measure runs the binary with TMPDIR=dir and returns its peak RSS in MiB
// and its wall time.
func measure(b *testing.B, bin, dir string, args ...string) (int64, time.Duration) {
	b.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "TMPDIR="+dir)
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%v: %v\n%s", args, err, out)
	}
	return cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss / 1024, time.Since(start)
}

// fileSum is the SHA-256 of a file.
func fileSum(b *testing.B, path string) [32]byte {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		b.Fatal(err)
	}
	var s [32]byte
	h.Sum(s[:0])
	return s
}

// writeDistinctArchive writes n CreateAccessKey records, each by one user
// for another and with its own eventID, as gzip'd CloudTrail files of
// 10,000 records.
func writeDistinctArchive(b *testing.B, dir string, n int) {
	b.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	const perFile = 10_000
	base := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	for file := 0; file*perFile < n; file++ {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("111122223333_CloudTrail_us-east-1_%05d.json.gz", file)))
		if err != nil {
			b.Fatal(err)
		}
		zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
		io.WriteString(zw, `{"Records":[`)
		for i := file * perFile; i < min(n, (file+1)*perFile); i++ {
			if i > file*perFile {
				io.WriteString(zw, ",")
			}
			fmt.Fprintf(zw, `{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDA%016d","arn":"arn:aws:iam::111122223333:user/admin%d","accountId":"111122223333","userName":"admin%d"},`+
				`"eventTime":"%s","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.%d","userAgent":"aws-cli/2.17.32",`+
				`"requestParameters":{"userName":"svc%d"},"eventID":"%08x-6b1f-4c8e-9a55-%012x","readOnly":false,"eventType":"AwsApiCall","recipientAccountId":"111122223333"}`,
				i%50, i%50, i%50, base.Add(time.Duration(i)*time.Second).Format(time.RFC3339), i%250, i%1000, i, i)
		}
		io.WriteString(zw, "]}")
		if err := zw.Close(); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
