package s3source

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/trailhunt/trailhunt/internal/s3test"
)

// Put writes the object whole, through the same client (endpoint, keys)
// the reads use; a bucket that does not exist is one line naming the
// object, and a key that names no object is refused before any request.
func TestPut(t *testing.T) {
	srv, _ := serve(t, trail{"x": []byte("x")})
	c, err := NewClient(context.Background(), testConfig)
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("partial\x00"), 1<<16)
	if err := c.Put(context.Background(), "s3://trail/partials/shard-0.thp", bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	out, err := s3test.Client(srv.URL).GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("trail"), Key: aws.String("partials/shard-0.thp")})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(out.Body)
	if !bytes.Equal(got, data) {
		t.Errorf("object holds %d bytes, want the %d written", len(got), len(data))
	}

	err = c.Put(context.Background(), "s3://no-such-bucket/p.thp", bytes.NewReader(data), int64(len(data)))
	var be *BucketError
	if !errors.As(err, &be) || !strings.HasPrefix(err.Error(), "s3://no-such-bucket/p.thp: PutObject: HTTP 404") || strings.Contains(err.Error(), "\n") {
		t.Errorf("put to a missing bucket: %v", err)
	}
	if err := c.Put(context.Background(), "s3://trail/partials/", bytes.NewReader(data), int64(len(data))); err == nil {
		t.Error("put to a prefix: no error")
	}
}
