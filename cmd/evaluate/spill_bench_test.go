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
// group in memory). It reports each run's peak RSS and wall time and fails
// unless both write the same rows, byte for byte. Not part of make test:
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
			cmd := exec.Command(bin, append(args, archive)...)
			cmd.Env = append(os.Environ(), "TMPDIR="+dir)
			start := time.Now()
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("%s: %v\n%s", name, err, out)
			}
			wall := time.Since(start)
			rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss / 1024 // KiB on Linux
			f, err := os.Open(out)
			if err != nil {
				b.Fatal(err)
			}
			h := sha256.New()
			rows, _ := io.Copy(h, f)
			f.Close()
			h.Sum(sums[i][:0])
			b.Logf("%s: %d records, peak RSS %d MiB, %.1f s, %d bytes of rows", name, n, rss, wall.Seconds(), rows)
			unit := map[int]string{0: "default", 1: "unbounded"}[i]
			b.ReportMetric(float64(rss), "MiB-RSS-"+unit)
			b.ReportMetric(wall.Seconds(), "s-"+unit)
		}
		if sums[0] != sums[1] {
			b.Fatal("the spilled run's rows differ from the in-memory run's")
		}
	}
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
