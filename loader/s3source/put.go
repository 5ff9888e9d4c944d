package s3source

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Put writes the size bytes of body to the object url (s3://bucket/key)
// with one PutObject (so at most 5 GB, S3's limit for one PUT):
// the object appears whole or not at all, which is what makes a shard's
// partial result atomic on S3 (evaluate run --partial s3://...).
//
// It lives here although the package otherwise reads: this Client is the
// project's only S3 client, and a write must use the same credential
// chain, region, endpoint (path style), timeouts and retries as the reads
// the same flags configure. The SDK retries the PUT (the body is read
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
		cctx, cancel := context.WithTimeout(ctx, c.callTimeout())
		_, err := c.s3(region).PutObject(cctx, &s3.PutObjectInput{
			Bucket:        aws.String(bucket),
			Key:           aws.String(key),
			Body:          io.NewSectionReader(body, 0, size),
			ContentLength: aws.Int64(size),
			ContentType:   aws.String("application/octet-stream"),
		})
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if r := bucketRegion(err); r != "" && r != region && try == 0 {
			region = r
			continue
		}
		_, described := apiFailure("PutObject", err)
		return fail(described)
	}
}
