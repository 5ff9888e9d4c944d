package s3source

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Put writes the size bytes of body to the object url (s3://bucket/key):
// the object appears whole or not at all, which is what makes a shard's
// partial result atomic on S3 (evaluate run --partial s3://...). Up to
// Config.PartSize bytes go in one PutObject; more in a multipart upload
// of parts of that size (so up to 10,000 parts: 640 GB at the default
// 64 MiB), which S3 makes visible only when it is complete and which is
// aborted on failure.
//
// It lives here although the package otherwise reads: this Client is the
// project's only S3 client, and a write must use the same credential
// chain, region, endpoint (path style), timeouts and retries as the reads
// the same flags configure. The SDK retries each request (the body is read
// at offsets, so it can be sent again) up to Config.Attempts times; body
// may be a file, so that a large result is not held in memory.
//
// The bucket's region is not looked up first (HeadBucket needs
// s3:ListBucket, which a writer need not have): an answer naming another
// region is followed once. A failure is one line naming the object.
func (c *Client) Put(ctx context.Context, url string, body io.ReaderAt, size int64) error {
	bucket, key, err := ParseURL(url)
	if err != nil {
		return err
	}
	if key == "" || strings.HasSuffix(key, "/") {
		return fmt.Errorf("%s: want s3://bucket/key, the object to write", url)
	}
	fail := func(err error) error { return &BucketError{URL: url, Err: err} }
	if err := c.credentials(ctx); err != nil {
		return fail(err)
	}
	region := c.aws.Region
	for try := 0; ; try++ {
		var err *opError
		if size <= c.partSize() {
			err = c.putObject(ctx, c.s3(region), bucket, key, body, size)
		} else {
			err = c.putParts(ctx, c.s3(region), bucket, key, body, size)
		}
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if r := bucketRegion(err.err); r != "" && r != region && try == 0 {
			region = r
			continue
		}
		_, described := apiFailure(err.op, err.err)
		return fail(described)
	}
}

// DefaultPartSize is Config.PartSize when it is 0; MinPartSize is S3's
// smallest part but the last.
const (
	DefaultPartSize = 64 << 20
	MinPartSize     = 5 << 20
)

func (c *Client) partSize() int64 {
	if c.cfg.PartSize <= 0 {
		return DefaultPartSize
	}
	return max(c.cfg.PartSize, MinPartSize)
}

// opError is a failed request and the operation it was.
type opError struct {
	op  string
	err error
}

func (c *Client) putObject(ctx context.Context, cl *s3.Client, bucket, key string, body io.ReaderAt, size int64) *opError {
	cctx, cancel := context.WithTimeout(ctx, c.callTimeout())
	defer cancel()
	_, err := cl.PutObject(cctx, &s3.PutObjectInput{
		Bucket:        aws.String(bucket),
		Key:           aws.String(key),
		Body:          io.NewSectionReader(body, 0, size),
		ContentLength: aws.Int64(size),
		ContentType:   aws.String("application/octet-stream"),
	})
	if err != nil {
		return &opError{"PutObject", err}
	}
	return nil
}

// putParts uploads body in parts of c.partSize(), one at a time, and
// completes the upload; on failure it aborts it, so that no parts are left
// to be billed.
func (c *Client) putParts(ctx context.Context, cl *s3.Client, bucket, key string, body io.ReaderAt, size int64) *opError {
	call := func(op string, f func(context.Context) error) *opError {
		cctx, cancel := context.WithTimeout(ctx, c.callTimeout())
		defer cancel()
		if err := f(cctx); err != nil {
			return &opError{op, err}
		}
		return nil
	}
	var id *string
	if err := call("CreateMultipartUpload", func(ctx context.Context) error {
		out, err := cl.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
			Bucket: aws.String(bucket), Key: aws.String(key), ContentType: aws.String("application/octet-stream"),
			ChecksumAlgorithm: types.ChecksumAlgorithmCrc32, // as the SDK sums each part: S3 checks them all
		})
		if err == nil {
			id = out.UploadId
		}
		return err
	}); err != nil {
		return err
	}
	abort := func(err *opError) *opError {
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.callTimeout())
		defer cancel()
		cl.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: id})
		return err
	}
	part := c.partSize()
	var parts []types.CompletedPart
	for n, off := int32(1), int64(0); off < size; n, off = n+1, off+part {
		length := min(part, size-off)
		if err := call("UploadPart", func(ctx context.Context) error {
			out, err := cl.UploadPart(ctx, &s3.UploadPartInput{
				Bucket: aws.String(bucket), Key: aws.String(key), UploadId: id, PartNumber: aws.Int32(n),
				Body: io.NewSectionReader(body, off, length), ContentLength: aws.Int64(length),
				ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
			})
			if err == nil {
				parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(n), ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32})
			}
			return err
		}); err != nil {
			return abort(err)
		}
	}
	if err := call("CompleteMultipartUpload", func(ctx context.Context) error {
		_, err := cl.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
			Bucket: aws.String(bucket), Key: aws.String(key), UploadId: id,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
		})
		return err
	}); err != nil {
		return abort(err)
	}
	return nil
}
