package loader

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
)

// FuzzRecordsFixtures is FuzzRecords (same properties: no panic, no hang,
// every yield well formed and counted) seeded with real records from
// fixtures/ in every container the loader reads, and with the odd shapes real
// exports have: a UTF-8 byte order mark, CRLF line ends, a UTF-16 file, a
// first line that is not an object, a digest and an unsafe name inside a zip.
func FuzzRecordsFixtures(f *testing.F) {
	for _, seed := range fixtureSeeds(f) {
		f.Add(seed)
	}
	FuzzRecords(f)
}

// fixtureRecords returns the first n records of each fixture file, raw.
func fixtureRecords(f *testing.F, n int) [][]string {
	f.Helper()
	var out [][]string
	for _, name := range []string{"stratus-red-team/records.json", "traildiscover/records.json", "edge/records.json"} {
		b, err := os.ReadFile(filepath.Join("..", "fixtures", name))
		if err != nil {
			f.Fatal(err)
		}
		var doc struct{ Records []json.RawMessage }
		if err := json.Unmarshal(b, &doc); err != nil {
			f.Fatalf("%s: %v", name, err)
		}
		var recs []string
		for _, r := range doc.Records[:min(n, len(doc.Records))] {
			recs = append(recs, string(r))
		}
		out = append(out, recs)
	}
	b, err := os.ReadFile(filepath.Join("..", "fixtures", "otrf", "ec2_proxy_s3_exfiltration.jsonl"))
	if err != nil {
		f.Fatal(err)
	}
	lines := strings.SplitN(string(b), "\n", n+1)
	out = append(out, lines[:min(n, len(lines))])
	return out
}

func fixtureSeeds(f *testing.F) [][]byte {
	f.Helper()
	var seeds [][]byte
	for _, recs := range fixtureRecords(f, 3) {
		wrapped := `{"Records":[` + strings.Join(recs, ",") + `]}`
		array := "[" + strings.Join(recs, ",\n") + "]"
		jsonl := strings.Join(recs, "\n") + "\n"
		seeds = append(seeds,
			[]byte(wrapped),
			[]byte(array),
			[]byte(jsonl),
			[]byte(recs[0]),
			[]byte("\xef\xbb\xbf"+wrapped),
			[]byte(strings.ReplaceAll(jsonl, "\n", "\r\n")),
			gz(f, wrapped),
			gz(f, recs[0]+"\n", strings.Join(recs[1:], "\n")),
			zipBytes(f,
				zipEntry{name: "AWSLogs/1/CloudTrail/us-east-1/2024/07/30/a.json.gz", data: gz(f, wrapped)},
				zipEntry{name: "AWSLogs/1/CloudTrail-Digest/us-east-1/2024/07/30/d.json.gz", data: gz(f, `{"digestStartTime":"2024-07-30T21:00:00Z","logFiles":[]}`)},
				zipEntry{name: "../escape.json", data: []byte(array)},
				zipEntry{name: "b.jsonl", data: []byte(jsonl)}),
			tarBytes(f, tarEntry{name: "a.json", data: []byte(wrapped)}, tarEntry{name: "b.jsonl.gz", data: gz(f, jsonl)}),
			gz(f, string(tarBytes(f, tarEntry{name: "a.json", data: []byte(array)}))),
		)
	}
	hit := fixtureRecords(f, 1)[0][0]
	seeds = append(seeds,
		[]byte("null\n"+hit+"\n"),
		[]byte("42\n"+hit+"\n"),
		[]byte(`{"eventName": x}`+"\n"+hit+"\n"),
		utf16LE("\ufeff"+`{"Records":[`+hit+`]}`),
	)
	return seeds
}

// utf16LE encodes s as UTF-16 little endian, as Windows tools write JSON.
func utf16LE(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}
