package loader

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"strings"
	"testing"

	"github.com/trailhunt/trailhunt/trail"
)

// realisticEvent returns a CloudTrail event of about 1.6 KB; every 100th is
// a CreateAccessKey.
func realisticEvent(i int) string {
	name, source := "DescribeInstances", "ec2.amazonaws.com"
	if i%100 == 0 {
		name, source = "CreateAccessKey", "iam.amazonaws.com"
	}
	return fmt.Sprintf(`{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLEID:session-%[1]d",`+
		`"arn":"arn:aws:sts::111122223333:assumed-role/ci-deployer/session-%[1]d","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE%06[1]d",`+
		`"sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLEID","arn":"arn:aws:iam::111122223333:role/ci-deployer",`+
		`"accountId":"111122223333","userName":"ci-deployer"},"webIdFederationData":{},"attributes":{"creationDate":"2024-07-30T20:00:00Z","mfaAuthenticated":"false"}}},`+
		`"eventTime":"2024-07-30T21:%02[2]d:%02[3]dZ","eventSource":"%[4]s","eventName":"%[5]s","awsRegion":"us-east-1",`+
		`"sourceIPAddress":"203.0.113.%[6]d","userAgent":"aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.ubuntu.22 prompt/off command/ec2.describe-instances",`+
		`"requestParameters":{"instancesSet":{},"filterSet":{"items":[{"name":"tag:Environment","valueSet":{"items":[{"value":"production"}]}},`+
		`{"name":"instance-state-name","valueSet":{"items":[{"value":"running"}]}}]},"maxResults":100,"userName":"deploy-bot-%[1]d"},`+
		`"responseElements":null,"requestID":"5f0b9c1e-%08[1]d-4c1a-9d8e-0123456789ab","eventID":"a1b2c3d4-%08[1]d-4e5f-8a9b-abcdef012345",`+
		`"readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management",`+
		`"tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"%[4]s"},`+
		`"sessionCredentialFromConsole":"false","additionalEventData":{"note":"padding to make the record the size of a typical CloudTrail event, about one and a half kilobytes long"}}`,
		i, (i/60)%60, i%60, source, name, i%250)
}

// realisticRecords is a {"Records":[...]} file of n realistic events, the
// first numbered first.
func realisticRecords(first, n int) string {
	var raw strings.Builder
	raw.WriteString(`{"Records":[`)
	for i := range n {
		if i > 0 {
			raw.WriteByte(',')
		}
		raw.WriteString(realisticEvent(first + i))
	}
	raw.WriteString(`]}`)
	return raw.String()
}

func BenchmarkRecordsGzip(b *testing.B) {
	const n = 20000
	raw := realisticRecords(0, n)
	p := write(b, b.TempDir(), "111122223333_CloudTrail_us-east-1_20240730T2155Z_bench.json.gz", gzLevel(b, gzip.DefaultCompression, raw))
	b.SetBytes(int64(len(raw)))
	benchReadFile(b, p, n)
	b.ReportMetric(float64(len(raw))/n, "bytes/record")
}

// benchReadFile reads the file at p, which holds n records, once per
// iteration through a new Reader and reports records/s.
func benchReadFile(b *testing.B, p string, n int) {
	b.ReportAllocs()
	total := 0
	for b.Loop() {
		for _, err := range New(Config{}).Records(b.Context(), Input{Path: p}) {
			if err != nil {
				b.Fatal(err)
			}
			total++
		}
	}
	if total%n != 0 {
		b.Fatalf("read %d records, not a multiple of %d", total, n)
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkParse measures the JSON parser alone: a Records wrapper read
// from memory, no decompression.
func BenchmarkParse(b *testing.B) {
	const n = 2000
	raw := realisticRecords(0, n)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	r := New(Config{})
	for b.Loop() {
		total := 0
		s := &session{r: r, ctx: b.Context(), file: "f", yield: func(_ trail.Record, err error) bool {
			if err != nil {
				b.Fatal(err)
			}
			total++
			return true
		}}
		s.json(unit{}, bufio.NewReaderSize(strings.NewReader(raw), bufSize), 0)
		if total != n {
			b.Fatalf("read %d records, want %d", total, n)
		}
	}
}

// BenchmarkRecordsSmallFiles measures the cost of each file: CloudTrail
// delivers many small .json.gz files (one per account, region and five
// minutes).
func BenchmarkRecordsSmallFiles(b *testing.B) {
	const files, n = 200, 10
	dir := b.TempDir()
	var paths []string
	for f := range files {
		gz := gzLevel(b, gzip.DefaultCompression, realisticRecords(f*n, n))
		paths = append(paths, write(b, dir, fmt.Sprintf("f%03d.json.gz", f), gz))
	}
	b.ReportAllocs()
	r := New(Config{})
	for b.Loop() {
		for _, p := range paths {
			for _, err := range r.Records(b.Context(), Input{Path: p}) {
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.ReportMetric(float64(files*n*b.N)/b.Elapsed().Seconds(), "records/s")
}
