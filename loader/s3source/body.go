package s3source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/trailhunt/trailhunt/loader"
)

// body is an object's content as the loader reads it: the body of a GET,
// resumed where it breaks (a reset, a stall of Config.Timeout, an end
// before its Content-Length) with a ranged GET that must match the first
// GET's ETag, up to Config.Attempts GETs in all. The SDK retries each GET
// itself (throttling, 5xx, connection errors); a GET that still fails ends
// the object. A body is read by one goroutine at a time.
type body struct {
	s      *Source
	key    string
	parent context.Context // the run's: its end is not a failure to resume
	etag   string
	size   int64 // Content-Length of the whole object; -1 until known
	off    int64 // bytes delivered
	gets   int   // GETs made (the SDK's retries of one GET aside)

	ctx     context.Context // the current GET's: cancelled to cut a stalled body
	cancel  context.CancelCauseFunc
	rc      io.ReadCloser // the current GET's body; nil after the end or a failure
	pending error         // a break to act on at the next Read, after its bytes were handed over
	final   error         // what every Read returns once the object failed
	failed  bool
	closed  bool
}

// get starts a GET at b.off. On failure it returns a *loader.FetchError.
func (b *body) get() error {
	b.gets++
	in := &s3.GetObjectInput{Bucket: aws.String(b.s.bucket), Key: aws.String(b.key)}
	if b.off > 0 {
		in.Range = aws.String(fmt.Sprintf("bytes=%d-", b.off))
		if b.etag != "" { // some S3-compatible stores send none
			in.IfMatch = aws.String(b.etag)
		}
	}
	// Until the headers arrive the transport's ResponseHeaderTimeout
	// bounds each attempt; read's watchdog bounds each read of the body.
	ctx, cancel := context.WithCancelCause(b.parent)
	out, err := b.s.s3.GetObject(ctx, in)
	if err != nil {
		cancel(nil)
		reason, described := apiFailure("GetObject", err)
		return &loader.FetchError{Reason: reason, Err: described}
	}
	if b.off == 0 {
		b.etag = aws.ToString(out.ETag)
		b.size = aws.ToInt64(out.ContentLength)
	}
	b.ctx, b.cancel, b.rc = ctx, cancel, out.Body
	return nil
}

func (b *body) Read(p []byte) (int, error) {
	for {
		if b.pending != nil {
			cause := b.pending
			b.pending = nil
			if err := b.resume(cause); err != nil {
				return 0, err
			}
		}
		if b.rc == nil {
			if b.final != nil {
				return 0, b.final
			}
			return 0, io.EOF
		}
		n, err := b.read(p)
		b.off += int64(n)
		if err == io.EOF && b.size >= 0 && b.off < b.size {
			err = io.ErrUnexpectedEOF
		}
		switch {
		case err == nil:
			return n, nil
		case err == io.EOF:
			b.release()
			return n, io.EOF
		}
		b.pending = err
		if n > 0 {
			return n, nil
		}
	}
}

// read reads from the current GET's body with the stall watchdog armed.
func (b *body) read(p []byte) (int, error) {
	cancel := b.cancel
	t := time.AfterFunc(b.s.c.cfg.Timeout, func() { cancel(errStalled) })
	n, err := b.rc.Read(p)
	t.Stop()
	if err != nil && err != io.EOF && errors.Is(context.Cause(b.ctx), errStalled) {
		err = fmt.Errorf("%w for %s", errStalled, b.s.c.cfg.Timeout)
	}
	return n, err
}

// resume replaces a broken body by a ranged GET from b.off, after a backoff,
// or returns the *loader.FetchError that ends the object.
func (b *body) resume(cause error) error {
	b.release()
	if err := b.parent.Err(); err != nil {
		return err // the run was stopped: the loader reports that
	}
	if b.gets >= b.s.c.cfg.Attempts {
		reason := ReasonConnection
		if errors.Is(cause, io.ErrUnexpectedEOF) {
			reason = ReasonShortBody
		}
		return b.fail(&loader.FetchError{Reason: reason,
			Err: fmt.Errorf("body broke at byte %d of %d on each of %d GETs: %w", b.off, b.size, b.gets, cause)})
	}
	select {
	case <-time.After(backoff(b.s.c.cfg.Backoff).delay(b.gets)):
	case <-b.parent.Done():
		return b.parent.Err()
	}
	if err := b.get(); err != nil {
		var fe *loader.FetchError
		errors.As(err, &fe)
		fe.Err = fmt.Errorf("resuming at byte %d: %w", b.off, fe.Err)
		return b.fail(fe)
	}
	return nil
}

func (b *body) release() {
	if b.rc != nil {
		b.rc.Close()
		b.cancel(nil)
		b.rc = nil
	}
}

func (b *body) fail(fe *loader.FetchError) error {
	if !b.failed {
		b.failed = true
		b.s.failed.Add(1)
	}
	b.final = fe
	return fe
}

// Close ends the GET. An object closed without a failure counts as fetched,
// unless the run was stopped.
func (b *body) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	b.release()
	if !b.failed && b.parent.Err() == nil {
		b.s.fetched.Add(1)
	}
	return nil
}
