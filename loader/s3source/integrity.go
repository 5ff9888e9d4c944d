package s3source

import (
	"context"
	"fmt"
	"io"
	"iter"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/trailhunt/trailhunt/integrity"
	"github.com/trailhunt/trailhunt/loader"
)

// Integrity is an integrity.Source over S3: roots are s3://bucket[/prefix],
// listed with the AWSLogs planner (CloudTrail and CloudTrail-Digest
// folders), objects are read with the streamed, resumed GETs of a run, and
// a digest's signature is its object's user metadata (HeadObject).
//
// Objects are named s3://bucket/key, as the loader names an S3 input and so
// as trail.Source.File names the records read from it: a run's --verify
// finds each record's verdict by that name.
//
// The listing prunes only what integrity.Verify would leave out of scope
// anyway: other accounts and regions, and days before Since (less the
// planner's start margin). It does not prune by Until: a backfill digest is
// in scope whenever it was delivered.
type Integrity struct {
	Client            *Client
	Accounts, Regions []string
	Since             time.Time

	mu      sync.Mutex
	buckets map[string]*Source // the first root listed in each bucket
}

var _ integrity.Source = (*Integrity)(nil)

// List lists root. A root that cannot be listed (no such bucket, no
// credentials, nothing under it) is an *integrity.RootError.
func (v *Integrity) List(ctx context.Context, root string) iter.Seq2[integrity.Object, error] {
	return func(yield func(integrity.Object, error) bool) {
		plan := loader.Plan{Accounts: v.Accounts, Regions: v.Regions, Since: v.Since, Digests: true}
		s, err := v.Client.Open(ctx, root, plan)
		if err != nil {
			if ctx.Err() != nil {
				yield(integrity.Object{}, ctx.Err())
				return
			}
			if be, ok := err.(*BucketError); ok {
				err = be.Err // the RootError names the root
			}
			yield(integrity.Object{}, &integrity.RootError{Root: root, Err: err})
			return
		}
		v.mu.Lock()
		if v.buckets == nil {
			v.buckets = map[string]*Source{}
		}
		if v.buckets[s.bucket] == nil {
			v.buckets[s.bucket] = s
		}
		v.mu.Unlock()
		for _, in := range s.objects {
			key := strings.TrimPrefix(in.Path, "s3://"+s.bucket+"/")
			if ctx.Err() != nil {
				yield(integrity.Object{}, ctx.Err())
				return
			}
			if !yield(integrity.Object{Name: in.Path, Bucket: s.bucket, Path: key, Size: in.Size}, nil) {
				return
			}
		}
	}
}

// source is the listed Source of an object's bucket.
func (v *Integrity) source(o integrity.Object) (*Source, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if s := v.buckets[o.Bucket]; s != nil {
		return s, nil
	}
	return nil, fmt.Errorf("%s: not an object of a listed bucket", o.Name)
}

// Open GETs the object, as a run reads it: streamed, resumed where it
// breaks. A failure is a *loader.FetchError naming its reason.
func (v *Integrity) Open(ctx context.Context, o integrity.Object) (io.ReadCloser, error) {
	s, err := v.source(o)
	if err != nil {
		return nil, err
	}
	return s.Open(ctx, loader.Input{Path: o.Name, Size: o.Size})
}

// Metadata returns the object's user metadata (HeadObject), keys in lower
// case: for a digest, "signature" and "signature-algorithm". No signature
// is an error wrapping integrity.ErrNoSignature.
func (v *Integrity) Metadata(ctx context.Context, o integrity.Object) (map[string]string, error) {
	s, err := v.source(o)
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, s.c.callTimeout())
	defer cancel()
	out, err := s.s3.HeadObject(cctx, &s3.HeadObjectInput{Bucket: aws.String(o.Bucket), Key: aws.String(o.Path)})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		_, described := apiFailure("HeadObject", err)
		return nil, described
	}
	md := make(map[string]string, len(out.Metadata))
	for k, val := range out.Metadata {
		md[strings.ToLower(k)] = val
	}
	if md["signature"] == "" {
		return nil, fmt.Errorf("%w: the object has no x-amz-meta-signature", integrity.ErrNoSignature)
	}
	return md, nil
}
