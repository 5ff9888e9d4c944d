package loader

import (
	"context"
	"errors"
	"io"
	"iter"
	"os"
)

// Source is where inputs come from: local paths and stdin ([Local]), or an
// object store (package loader/s3source). A run lists every source, then
// opens and reads each input it listed; a source only lists and opens, so
// content detection is the same whatever the source.
type Source interface {
	// List yields the source's inputs in a deterministic order. An error
	// concerns one input or a part of the listing, which goes on where it
	// can; the Reader counts it by its Reason when it is an *Error. skip
	// counts a file or object left out on purpose, by reason.
	List(ctx context.Context, skip func(reason string)) iter.Seq2[Input, error]
	// Open opens an input the source listed, for reading from its start.
	// A failure that has a reason of its own (access denied, gone since
	// the listing) is a *FetchError. Reading the body may fail with a
	// *FetchError too.
	Open(ctx context.Context, in Input) (io.ReadCloser, error)
}

// FetchError is a source's failure to open or read an input, with the
// reason it is counted under (Stats.Errors): "access_denied", "no_such_key",
// "kms_access_denied", "short_body", ...
type FetchError struct {
	Reason string
	Err    error
}

func (e *FetchError) Error() string { return e.Err.Error() }
func (e *FetchError) Unwrap() error { return e.Err }

// Local is the source of local paths: files, directories (walked
// recursively in lexical order) and "-" for standard input, as
// [Reader.Inputs] describes. Plan prunes AWSLogs trees found by the walk.
type Local struct {
	Paths []string
	Plan  Plan
}

// List walks the paths; see Reader.Inputs.
func (l Local) List(ctx context.Context, skip func(string)) iter.Seq2[Input, error] {
	return func(yield func(Input, error) bool) {
		w := walker{plan: l.Plan, skip: skip, ctx: ctx}
		for _, p := range l.Paths {
			if ctx.Err() != nil || !w.input(p, yield) {
				return
			}
		}
	}
}

// Open opens a local file ("-" is read by the Reader itself). The inputs
// Local lists have a nil Source, which stands for Local.
func (Local) Open(_ context.Context, in Input) (io.ReadCloser, error) {
	return os.Open(in.Path)
}

// List yields the inputs of every source, in order, and counts the errors
// and skips of the listing in Stats.
func (r *Reader) List(ctx context.Context, sources ...Source) iter.Seq2[Input, error] {
	return func(yield func(Input, error) bool) {
		for _, src := range sources {
			for in, err := range src.List(ctx, r.stats.skip) {
				if err != nil {
					reason := "list"
					var e *Error
					if errors.As(err, &e) {
						reason = e.Reason
					}
					r.stats.fail(reason, false)
				}
				if !yield(in, err) {
					return
				}
			}
		}
	}
}

// opened is an input opened ahead of reading by Reader.Open.
type opened struct {
	rc  io.ReadCloser
	err error
}

// Open opens in ahead of Scan, so that a sweep can open the next inputs
// (GETs under way) while it reads others. Scan then reads the body opened
// here and closes it; an input opened but never scanned must be closed with
// Input.Close. A failure to open is kept and reported by Scan, so that every
// error is yielded and counted in one place. Standard input is not opened.
func (r *Reader) Open(ctx context.Context, in Input) Input {
	if in.opened != nil || in.stdin() {
		return in
	}
	rc, err := in.source().Open(ctx, in)
	in.opened = &opened{rc: rc, err: err}
	return in
}

// Close releases the body of an input opened by Reader.Open and not read.
func (in Input) Close() error {
	if in.opened == nil || in.opened.rc == nil {
		return nil
	}
	rc := in.opened.rc
	in.opened.rc = nil
	return rc.Close()
}

func (in Input) source() Source {
	if in.Source == nil {
		return Local{}
	}
	return in.Source
}

func (in Input) stdin() bool {
	_, local := in.source().(Local)
	return local && in.Path == "-"
}
