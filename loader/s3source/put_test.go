package s3source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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

// TestPutMultipart: an object larger than PartSize goes up in parts,
// reads back whole, and leaves no upload in progress; a bucket that does
// not exist fails at the first request, named, in one line.
func TestPutMultipart(t *testing.T) {
	srv, _ := serve(t, trail{"x": []byte("x")})
	cfg := testConfig
	cfg.PartSize = MinPartSize
	c, err := NewClient(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 2*MinPartSize+7) // three parts, the last of 7 bytes
	for i := range data {
		data[i] = byte(i * 7)
	}
	if err := c.Put(context.Background(), "s3://trail/results/rows.jsonl", bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	s3c := s3test.Client(srv.URL)
	out, err := s3c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("trail"), Key: aws.String("results/rows.jsonl")})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(out.Body)
	if !bytes.Equal(got, data) {
		t.Errorf("object holds %d bytes, want the %d written", len(got), len(data))
	}
	ups, err := s3c.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String("trail")})
	if err != nil || len(ups.Uploads) != 0 {
		t.Errorf("uploads in progress: %v (%v)", ups, err)
	}

	err = c.Put(context.Background(), "s3://no-such-bucket/p.thp", bytes.NewReader(data), int64(len(data)))
	if !strings.HasPrefix(fmt.Sprint(err), "s3://no-such-bucket/p.thp: CreateMultipartUpload: HTTP 404") || strings.Contains(fmt.Sprint(err), "\n") {
		t.Errorf("multipart put to a missing bucket: %v", err)
	}
}

// TestPutMultipartAborted: a part that cannot be uploaded fails the Put,
// named, and the upload is aborted: no parts are left behind.
func TestPutMultipartAborted(t *testing.T) {
	srv, _ := serve(t, trail{"x": []byte("x")})
	proxy := s3test.NewProxy(t, srv.URL, &s3test.Fault{Op: "PUT", Kind: s3test.AccessDenied})
	t.Setenv("AWS_ENDPOINT_URL_S3", proxy.URL)
	cfg := testConfig
	cfg.PartSize = MinPartSize
	c, err := NewClient(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, MinPartSize+1)
	err = c.Put(context.Background(), "s3://trail/results/rows.jsonl", bytes.NewReader(data), int64(len(data)))
	if !strings.HasPrefix(fmt.Sprint(err), "s3://trail/results/rows.jsonl: UploadPart: HTTP 403 AccessDenied") {
		t.Fatalf("err = %v", err)
	}
	ups, err := s3test.Client(srv.URL).ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String("trail")})
	if err != nil || len(ups.Uploads) != 0 {
		t.Fatalf("uploads left: %d (%v)", len(ups.Uploads), err)
	}
}
