package loader

import (
	"context"
	"errors"
	"io"
	"iter"
	"os"
	"time"

	"github.com/trailhunt/trailhunt/trail"
)

// Default caps, used when the Config field is 0.
const (
	DefaultMaxRecordBytes       = 16 << 20 // 16 MiB
	DefaultMaxDecompressedBytes = 8 << 30  // 8 GiB
)

// Config configures a Reader. The zero value is ready to use.
type Config struct {
	// MaxRecordBytes caps the size of one record; 0 means
	// DefaultMaxRecordBytes.
	MaxRecordBytes int64
	// MaxDecompressedBytes caps the output of each gzip stream (a whole
	// .json.gz or .tar.gz file, or a gzip'd member) and of each zip member,
	// and the size of a zip read from stdin; 0 means
	// DefaultMaxDecompressedBytes.
	MaxDecompressedBytes int64
	// Stdin is read for the path "-"; nil means os.Stdin.
	Stdin io.Reader
}

// Reader reads CloudTrail records from files, directories and stdin, and
// counts what it read. It is safe for concurrent use.
type Reader struct {
	maxRecord int64
	maxDecomp int64
	stdin     io.Reader
	stats     counters
}

// New returns a Reader for cfg.
func New(cfg Config) *Reader {
	r := &Reader{
		maxRecord: cfg.MaxRecordBytes,
		maxDecomp: cfg.MaxDecompressedBytes,
		stdin:     cfg.Stdin,
	}
	if r.maxRecord <= 0 {
		r.maxRecord = DefaultMaxRecordBytes
	}
	if r.maxDecomp <= 0 {
		r.maxDecomp = DefaultMaxDecompressedBytes
	}
	if r.stdin == nil {
		r.stdin = os.Stdin
	}
	return r
}

// Stats returns a consistent snapshot of the counters. It is safe to call
// while other goroutines read.
func (r *Reader) Stats() Stats { return r.stats.snapshot() }

// Input is one file or object to read, as a Source lists it.
type Input struct {
	// Path is the file's path, "-" for standard input, or the URL of an
	// object ("s3://bucket/key"): the File of its records' Source.
	Path string
	// Size is the file's size when Inputs saw it; -1 for stdin and other
	// inputs that are not regular files (a FIFO named on the command line).
	Size int64
	// Walked reports that the file was found by walking a directory
	// rather than named by the user. A JSON object in a walked file that
	// is plainly not CloudTrail (no Records, no eventName, eventVersion or
	// eventTime, no digest keys) is skipped as "not_cloudtrail"; named
	// explicitly, it is yielded as a record. Objects found by listing a
	// prefix are walked.
	Walked bool
	// Source opens the input; nil for a local path or "-" (Local).
	Source Source
	// ETag is an object's entity tag when its source knows it ("" for
	// local files).
	ETag string

	opened *opened // set by Reader.Open
}

// Records streams the CloudTrail records of one input, in input order. Each
// record is yielded with a nil error; each fault is yielded as an *Error with
// a zero Record, and reading goes on where the format allows it (see the
// package documentation). It is safe to call concurrently for different
// inputs. It stops promptly when ctx is done, after yielding one "canceled"
// error, and as soon as the consumer stops the iteration. Each record is the
// consumer's to keep (see Scan).
func (r *Reader) Records(ctx context.Context, in Input) iter.Seq2[trail.Record, error] {
	return func(yield func(trail.Record, error) bool) {
		for rec, err := range r.Scan(ctx, in) {
			if err == nil {
				rec = rec.Clone()
			}
			if !yield(rec, err) {
				return
			}
		}
	}
}

// Scan is Records without the copies: a record's Raw and Spans are only
// valid until the loop body returns (they lie in the reader's buffers, as
// bufio.Scanner's Bytes does), and a consumer that keeps a record must keep
// rec.Clone(). It is the hot path of a sweep, which copies the records it
// hands to other goroutines into batches of its own.
func (r *Reader) Scan(ctx context.Context, in Input) iter.Seq2[trail.Record, error] {
	return func(yield func(trail.Record, error) bool) {
		s := &session{r: r, ctx: ctx, yield: yield, file: in.Path, walked: in.Walked}
		s.readFile(in)
	}
}

// session is the state of one Records iteration.
type session struct {
	r      *Reader
	ctx    context.Context
	yield  func(trail.Record, error) bool
	file   string
	walked bool
	// done is set once the consumer stopped the iteration or the context
	// was canceled: nothing more is read or yielded.
	done bool
}

// unit is one stream whose content is being read: the file itself or an
// archive member.
type unit struct {
	member string // archive member name; "" for the file itself
	layer  int    // 0 for the file, 1 for an archive member
	gz     bool   // the stream is the output of a gzip layer
	file   *os.File
}

func (s *session) readFile(in Input) {
	var src io.Reader
	var f *os.File
	if in.stdin() {
		src = s.r.stdin
	} else {
		o := in.opened
		if o == nil {
			o = &opened{}
			o.rc, o.err = in.source().Open(s.ctx, in)
		}
		if o.err != nil && s.ctx.Err() != nil {
			s.cancel(unit{}) // the open failed because the run was stopped
			return
		}
		if o.err != nil {
			reason, err := "open", pathless(o.err)
			var fe *FetchError
			if errors.As(o.err, &fe) {
				reason, err = fe.Reason, fe.Err
			}
			s.fail(unit{}, -1, reason, err)
			return
		}
		defer o.rc.Close()
		src = o.rc
		f, _ = o.rc.(*os.File) // a local file: zip reads it at random
	}
	s.r.stats.file()
	s.content(unit{file: f}, &countReader{s: s, r: src})
}

// emit yields one record, raw, whose top-level members are at spans (nil:
// not indexed) and whose eventTime is t. raw and spans need only stay valid
// until the yield returns. It reports false when reading must stop.
func (s *session) emit(u unit, index int, raw []byte, spans []trail.Span, t time.Time) bool {
	if s.done {
		return false
	}
	select {
	case <-s.ctx.Done():
		s.cancel(u)
		return false
	default:
	}
	s.r.stats.record(t.IsZero())
	rec := trail.Record{
		Source: trail.Source{File: s.file, Member: u.member, Index: index},
		Raw:    raw,
		Time:   t,
		Spans:  spans,
	}
	if !s.yield(rec, nil) {
		s.done = true
	}
	return !s.done
}

// fail yields an *Error and counts it; an error with index >= 0 is a failed
// record. It reports false when reading must stop.
func (s *session) fail(u unit, index int, reason string, err error) bool {
	if s.done {
		return false
	}
	s.r.stats.fail(reason, index >= 0)
	e := &Error{
		Source: trail.Source{File: s.file, Member: u.member, Index: index},
		Reason: reason,
		Err:    err,
	}
	if ue, ok := err.(*unreadError); ok {
		e.Err, e.Unread, e.UnreadAtLeast = ue.err, ue.n, ue.atLeast
	}
	if !s.yield(trail.Record{}, e) {
		s.done = true
	}
	return !s.done
}

// streamFail reports a failed stream under unit u. It reports whether the
// enclosing archive may go on with its next member: yes when the failure
// was the member's own (its gzip layer, its zip decompression), no when the
// archive stream itself failed or reading was canceled.
func (s *session) streamFail(u unit, se *streamError) bool {
	if se.reason == "canceled" {
		s.cancel(u)
		return false
	}
	ok := s.fail(u, -1, se.reason, se.err)
	return ok && se.layer >= u.layer
}

// cancel reports the context's error once and stops the session.
func (s *session) cancel(u unit) {
	if s.done {
		return
	}
	s.r.stats.fail("canceled", false)
	s.yield(trail.Record{}, &Error{
		Source: trail.Source{File: s.file, Member: u.member, Index: -1},
		Reason: "canceled",
		Err:    s.ctx.Err(),
	})
	s.done = true
}

func (s *session) skip(reason string) {
	s.r.stats.skip(reason)
}
