package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stratusRecords returns the Stratus Red Team fixture records (two real
// positives among 310) as raw JSON objects.
func stratusRecords(t *testing.T) []json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, "stratus-red-team", "records.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Records []json.RawMessage }
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Records
}

// gzipped writes each member as a gzip member of its own: multi-member
// gzip when there are several.
func gzipped(t *testing.T, members ...[]byte) []byte {
	t.Helper()
	var out []byte
	for _, m := range members {
		out = append(out, gzipLevel(t, gzip.DefaultCompression, string(m))...)
	}
	return out
}

type member struct {
	name string
	data []byte
}

func zipped(t *testing.T, members ...member) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		w, err := zw.Create(m.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(m.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func tarred(t *testing.T, members ...member) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range members {
		if err := tw.WriteHeader(&tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(m.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestEveryContainerKind feeds the same 310 records in every container the
// loader reads, plain and compressed, and expects the same two findings and
// the same record count from each.
func TestEveryContainerKind(t *testing.T) {
	recs := stratusRecords(t)
	join := func(rs []json.RawMessage, sep string) []byte {
		parts := make([]string, len(rs))
		for i, r := range rs {
			parts[i] = string(r)
		}
		return []byte(strings.Join(parts, sep))
	}
	half := len(recs) / 2
	wrapped := append(append([]byte(`{"Records":[`), join(recs, ",")...), "]}"...)
	array := append(append([]byte("["), join(recs, ",\n")...), ']')
	lines := append(join(recs, "\n"), '\n')
	wrappedHalf := func(rs []json.RawMessage) []byte {
		return append(append([]byte(`{"Records":[`), join(rs, ",")...), "]}"...)
	}

	kinds := []struct {
		name  string
		files map[string][]byte
	}{
		{"Records wrapper", map[string][]byte{"a.json": wrapped}},
		{"bare array", map[string][]byte{"a.json": array}},
		{"JSON lines", map[string][]byte{"a.jsonl": lines}},
		{"single event objects", singleObjects(recs)},
		{"gzip Records wrapper, misleading name", map[string][]byte{"a.json": gzipped(t, wrapped)}},
		{"gzip bare array", map[string][]byte{"a.json.gz": gzipped(t, array)}},
		{"gzip JSON lines, multi-member", map[string][]byte{"a.jsonl.gz": gzipped(t, join(recs[:half], "\n"), append([]byte("\n"), join(recs[half:], "\n")...))}},
		{"AWSLogs tree of gzip files with digest and insight siblings", map[string][]byte{
			"AWSLogs/946986569305/CloudTrail/us-east-1/2024/07/30/946986569305_CloudTrail_us-east-1_20240730T2150Z_a.json.gz": gzipped(t, wrappedHalf(recs[:half])),
			"AWSLogs/946986569305/CloudTrail/us-east-1/2024/07/30/946986569305_CloudTrail_us-east-1_20240730T2155Z_b.json.gz": gzipped(t, wrappedHalf(recs[half:])),
			"AWSLogs/946986569305/CloudTrail-Digest/us-east-1/2024/07/30/946986569305_CloudTrail-Digest_us-east-1_x.json.gz":  gzipped(t, []byte(`{"awsAccountId":"946986569305","digestStartTime":"2024-07-30T21:00:00Z","digestEndTime":"2024-07-30T22:00:00Z","logFiles":[]}`)),
			"AWSLogs/946986569305/CloudTrail-Insight/us-east-1/2024/07/30/i.json.gz":                                          gzipped(t, []byte(`{"Records":[{"eventType":"AwsCloudTrailInsight"}]}`)),
		}},
		{"zip of gzip and plain members", map[string][]byte{"logs.zip": zipped(t,
			member{"AWSLogs/1/CloudTrail/us-east-1/2024/07/30/a.json.gz", gzipped(t, wrappedHalf(recs[:half]))},
			member{"b.jsonl", join(recs[half:], "\n")},
		)}},
		{"tar", map[string][]byte{"logs.tar": tarred(t, member{"a.json", wrappedHalf(recs[:half])}, member{"b.json.gz", gzipped(t, wrappedHalf(recs[half:]))})}},
		{"tar.gz", map[string][]byte{"logs.tgz": gzipped(t, tarred(t, member{"a.json", array}))}},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) { sweepsStratus(t, k.files) })
	}
}

// sweepsStratus sweeps files, which hold the 310 Stratus Red Team records
// in some shape, and checks the findings against the stratus.jsonl golden
// and that the summary counts every record evaluated.
func sweepsStratus(t *testing.T, files map[string][]byte) {
	t.Helper()
	dir := writeFiles(t, files)
	sum := filepath.Join(t.TempDir(), "summary.json")
	r := evaluate(t, "", append(append([]string{}, pinned...), "--format", "jsonl", "--summary", sum, dir)...)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	golden(t, "stratus.jsonl", withoutProvenance(t, r.stdout, dir+string(filepath.Separator)))
	if s := readSummary(t, sum); !strings.Contains(s, `"records": 310,`) || !strings.Contains(s, `"evaluated": 310,`) {
		t.Errorf("summary does not count 310 records evaluated:\n%s", s)
	}
}

func singleObjects(recs []json.RawMessage) map[string][]byte {
	files := map[string][]byte{}
	for i, r := range recs {
		files[fmt.Sprintf("events/%03d.json", i)] = r
	}
	return files
}
