package s3source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/trailhunt/trailhunt/loader"
)

// IsURL reports whether an input names S3 (s3://...).
func IsURL(s string) bool { return strings.HasPrefix(s, "s3://") }

// ParseURL splits s3://bucket[/prefix] into its bucket and key prefix.
func ParseURL(u string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(u, "s3://")
	if !ok {
		return "", "", fmt.Errorf("%s: not an s3:// URL", u)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("%s: no bucket: want s3://bucket[/prefix]", u)
	}
	return bucket, prefix, nil
}

// Source is one s3://bucket[/prefix] input, listed with its plan: a
// loader.Source whose inputs are the planned objects, in key order.
type Source struct {
	c              *Client
	s3             *s3.Client
	url            string
	bucket, prefix string
	region         string
	plan           loader.Plan
	objects        []loader.Input
	left           Left

	fetched, failed atomic.Int64
}

// Left counts what the listing left out of the plan, by reason
// (loader.SkipDigest, loader.SkipAccount, ...): prefixes not listed, and
// objects listed but not planned.
type Left struct {
	Prefixes map[string]int64
	Objects  map[string]int64
}

// Stats are a Source's counters.
type Stats struct {
	Listed       int64 // objects listed
	Planned      int64 // objects in the plan
	PlannedBytes int64
	Fetched      int64 // planned objects opened and read without a failure
	Failed       int64 // planned objects that could not be fetched (counted by reason by the loader)
	Left         Left
}

// Open resolves the bucket of url (its region, from HeadBucket's answer),
// then lists url's prefix with plan. Every failure is a *BucketError, and
// one with nothing planned (ErrEmpty, ErrNothingPlanned) too: the caller
// reads nothing of it.
func (c *Client) Open(ctx context.Context, url string, plan loader.Plan) (*Source, error) {
	bucket, prefix, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	s := &Source{c: c, url: url, bucket: bucket, prefix: prefix, plan: plan,
		left: Left{Prefixes: map[string]int64{}, Objects: map[string]int64{}}}
	fail := func(err error) (*Source, error) { return nil, &BucketError{URL: url, Err: err} }
	if err := c.credentials(ctx); err != nil {
		return fail(err)
	}
	if err := s.resolve(ctx); err != nil {
		return fail(err)
	}
	if err := s.list(ctx); err != nil {
		return fail(err)
	}
	st := s.Stats()
	switch {
	case st.Listed == 0 && len(st.Left.Prefixes) == 0:
		return fail(ErrEmpty)
	case st.Planned == 0:
		return fail(fmt.Errorf("%w: %d objects listed, none planned (left out: %s)", ErrNothingPlanned, st.Listed, s.leftOut()))
	}
	return s, nil
}

// resolve finds the bucket's region: HeadBucket in the configured region,
// and once more in the region the answer names, if another.
func (s *Source) resolve(ctx context.Context) error {
	region := s.c.aws.Region
	for try := 0; ; try++ {
		cctx, cancel := context.WithTimeout(ctx, s.c.callTimeout())
		out, err := s.c.s3(region).HeadBucket(cctx, &s3.HeadBucketInput{Bucket: aws.String(s.bucket)})
		cancel()
		if err == nil {
			if r := aws.ToString(out.BucketRegion); r != "" && r != region && try == 0 {
				region = r
				continue
			}
			s.region, s.s3 = region, s.c.s3(region)
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if r := bucketRegion(err); r != "" && r != region && try == 0 {
			region = r // 301, or 400 AuthorizationHeaderMalformed, from the wrong region
			continue
		}
		_, described := apiFailure("HeadBucket", err)
		switch status := httpStatus(err); {
		case status == http.StatusNotFound || status == http.StatusForbidden:
			return s.probe(ctx, region, status, described)
		case status == http.StatusMovedPermanently || status == http.StatusBadRequest:
			return wrap(ErrWrongRegion, "the bucket is not in "+region+"; set --region", described)
		}
		return described
	}
}

// probe tells rejected credentials, a missing bucket and a denied one apart
// after a 403 or 404 to HeadBucket, whose answer has no body to say which:
// ListObjectsV2's answer names its error.
func (s *Source) probe(ctx context.Context, region string, status int, head error) error {
	cctx, cancel := context.WithTimeout(ctx, s.c.callTimeout())
	defer cancel()
	_, err := s.c.s3(region).ListObjectsV2(cctx, &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), MaxKeys: aws.Int32(1)})
	var api smithy.APIError
	if err != nil && errors.As(err, &api) {
		_, described := apiFailure("ListObjectsV2", err)
		switch api.ErrorCode() {
		case "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken", "TokenRefreshRequired",
			"XAdminUserNotFound": // versitygw's answer to an unknown access key
			return wrap(ErrBadCredentials, "check the access key, the secret and the session token", described)
		case "NoSuchBucket":
			return fmt.Errorf("%w (%v)", ErrNoSuchBucket, described)
		case "AccessDenied":
			return wrap(ErrAccessDenied, "s3:ListBucket is needed on the bucket", described)
		}
	}
	if status == http.StatusNotFound {
		return fmt.Errorf("%w (%v)", ErrNoSuchBucket, head)
	}
	return wrap(ErrAccessDenied, "s3:ListBucket is needed on the bucket", head)
}

// Region is the bucket's region, as resolved.
func (s *Source) Region() string { return s.region }

// URL is the input as given.
func (s *Source) URL() string { return s.url }

// Stats returns the counters so far.
func (s *Source) Stats() Stats {
	st := Stats{Left: Left{Prefixes: maps.Clone(s.left.Prefixes), Objects: maps.Clone(s.left.Objects)}}
	st.Planned = int64(len(s.objects))
	for _, in := range s.objects {
		st.PlannedBytes += in.Size
	}
	st.Listed = st.Planned
	for _, n := range s.left.Objects {
		st.Listed += n
	}
	st.Fetched, st.Failed = s.fetched.Load(), s.failed.Load()
	return st
}

func (s *Source) leftOut() string {
	var parts []string
	for _, k := range sortedKeys(s.left.Prefixes) {
		parts = append(parts, fmt.Sprintf("%s prefixes %d", k, s.left.Prefixes[k]))
	}
	for _, k := range sortedKeys(s.left.Objects) {
		parts = append(parts, fmt.Sprintf("%s objects %d", k, s.left.Objects[k]))
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

// List yields the planned objects, in key order.
func (s *Source) List(ctx context.Context, _ func(string)) iter.Seq2[loader.Input, error] {
	return func(yield func(loader.Input, error) bool) {
		for _, in := range s.objects {
			if ctx.Err() != nil || !yield(in, nil) {
				return
			}
		}
	}
}

// Open GETs an object and returns its body, which resumes itself where it
// breaks (see body). A failure is a *loader.FetchError.
func (s *Source) Open(ctx context.Context, in loader.Input) (io.ReadCloser, error) {
	key, ok := strings.CutPrefix(in.Path, "s3://"+s.bucket+"/")
	if !ok {
		return nil, fmt.Errorf("%s: not an object of s3://%s", in.Path, s.bucket)
	}
	b := &body{s: s, key: key, size: -1, parent: ctx}
	if err := b.get(); err != nil {
		if ctx.Err() == nil {
			s.failed.Add(1)
		}
		return nil, err
	}
	return b, nil
}

func (s *Source) objectURL(key string) string { return "s3://" + s.bucket + "/" + key }

var errStalled = errors.New("no data")
