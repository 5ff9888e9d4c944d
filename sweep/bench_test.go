package sweep

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/trailhunt/trailhunt/engine"
	"github.com/trailhunt/trailhunt/loader"
)

// writeArchive writes files gzip'd {"Records":[...]} files of perFile
// records each, cycling through the real fixture records (TrailDiscover,
// Stratus: ~1.6 KB on average) and making every 100th a CreateAccessKey for
// another user. It returns the total number of records.
func writeArchive(tb testing.TB, dir string, files, perFile int) int {
	tb.Helper()
	var templates []json.RawMessage
	for _, name := range []string{"traildiscover", "stratus-red-team"} {
		b, err := os.ReadFile(filepath.Join("..", "fixtures", name, "records.json"))
		if err != nil {
			tb.Fatal(err)
		}
		var doc struct{ Records []json.RawMessage }
		if err := json.Unmarshal(b, &doc); err != nil {
			tb.Fatal(err)
		}
		for _, r := range doc.Records {
			// Only the generated positives may be CreateAccessKey calls, so
			// that the expected findings are known.
			if !bytes.Contains(r, []byte(`"CreateAccessKey"`)) {
				templates = append(templates, r)
			}
		}
	}
	positive := `{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAKYRO1QIPZ5M62HCS","arn":"arn:aws:iam::946986569305:user/christophe","accountId":"946986569305","accessKeyId":"AKIA30BEZSJBVKOFKZW0","userName":"christophe"},"eventTime":"2024-07-30T21:53:13Z","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.%d","userAgent":"aws-cli/2.15.30","requestParameters":{"userName":"backdoor-%d"},"responseElements":{"accessKey":{"accessKeyId":"AKIAL80DWDVKKM0UXEER","status":"Active","userName":"backdoor","createDate":"Jul 30, 2024 9:53:13 PM"}},"requestID":"1af58177-d743-4c94-ac1d-014721ed9b94","eventID":"ev-%d","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"946986569305","eventCategory":"Management"}`
	n := 0
	for f := range files {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write([]byte(`{"Records":[`))
		for i := range perFile {
			if i > 0 {
				zw.Write([]byte(","))
			}
			if n%100 == 0 {
				fmt.Fprintf(zw, positive, n%250, n, n)
			} else {
				zw.Write(templates[n%len(templates)])
			}
			n++
		}
		zw.Write([]byte("]}"))
		zw.Close()
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%04d.json.gz", f)), buf.Bytes(), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return n
}

// BenchmarkSweep measures the whole pipeline (read, gunzip, split, decode,
// evaluate, aggregate) with one worker per CPU, and reports records/s and
// records/s per core.
func BenchmarkSweep(b *testing.B) {
	dir := b.TempDir()
	n := writeArchive(b, dir, 8, 2500)
	set, err := engine.Load(context.Background(), engine.Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		res := Run(context.Background(), Config{Paths: []string{dir}}, loader.New(loader.Config{}), set)
		if res.Evaluated != int64(n) || res.Findings != int64(n/100) {
			b.Fatalf("evaluated %d findings %d, want %d and %d", res.Evaluated, res.Findings, n, n/100)
		}
	}
	perSec := float64(n) * float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(perSec, "records/s")
	b.ReportMetric(perSec/float64(runtime.GOMAXPROCS(0)), "records/s/core")
}
