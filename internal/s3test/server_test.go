package s3test

import (
	"context"
	"io"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestVersitygw builds the server (make test runs it first, alone, so that
// the cold build is not charged to another package's tests) and checks a
// round trip.
func TestVersitygw(t *testing.T) {
	s := Start(t)
	s.CreateBucket(t, "trail")
	s.Put(t, "trail", "AWSLogs/1/x.json", []byte(`{"Records":[]}`))
	out, err := Client(s.URL).GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("trail"), Key: aws.String("AWSLogs/1/x.json")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(out.Body)
	if string(b) != `{"Records":[]}` {
		t.Errorf("GET = %q", b)
	}
	log, _ := os.ReadFile(s.AccessLog)
	t.Logf("access log:\n%s", log)
}
