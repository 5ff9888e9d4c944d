package loader

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"

	"github.com/trailhunt/trailhunt/trail"
)

// Sentinel errors wrapped by an [Error]'s Err, for callers that branch on
// the kind of fault with [errors.Is].
var (
	// ErrTruncated: the input (a gzip stream, a tar archive, a JSON
	// document) ends before its end.
	ErrTruncated = errors.New("input ends early")
	// ErrRecordTooLarge: one record is over Config.MaxRecordBytes.
	ErrRecordTooLarge = errors.New("record too large")
	// ErrDecompressionLimit: a file or archive member decompresses to more
	// than Config.MaxDecompressedBytes.
	ErrDecompressionLimit = errors.New("decompressed size over limit")
	// ErrNotObject: a record is valid JSON but not an object.
	ErrNotObject = errors.New("not a JSON object")
	// ErrNotArray: the "Records" member of a CloudTrail file is neither an
	// array nor null.
	ErrNotArray = errors.New(`"Records" is not an array`)
	// ErrNotCloudTrail: a file named by the user whose content is not JSON,
	// gzip, zip or tar. (Found by a directory walk, such a file is skipped
	// and counted instead.)
	ErrNotCloudTrail = errors.New("not CloudTrail: neither JSON, gzip, zip nor tar")
	// ErrUnsupported: a layout the loader does not read, such as an archive
	// inside an archive or gzip inside gzip.
	ErrUnsupported = errors.New("not supported")
)

// Error is a fault met while reading inputs. Source names the file, the
// archive member ("" when none) and the 0-based record index, or -1 when the
// error concerns the whole file or member rather than one record.
//
// Reason is a short, stable category suitable for counting and for exit
// codes: "open", "read" (or a source's own, as a *FetchError gives it:
// "access_denied", "no_such_key", ...), "gzip", "truncated", "zip", "tar", "json_syntax",
// "not_object", "not_array", "record_too_large", "decompression_limit",
// "unsupported", "not_cloudtrail", "export_event_invalid", "canceled".
type Error struct {
	Source trail.Source
	Reason string
	Err    error
	// Unread is, for a fault after which the rest of a file or member
	// could not be read (a syntax error in a Records or array container,
	// where the next record cannot be found), the number of bytes left
	// unread (after decompression); UnreadAtLeast is set when a read error
	// stopped the count. Zero otherwise.
	Unread        int64
	UnreadAtLeast bool
}

// Error renders the error as
// "read FILE[!MEMBER][#INDEX]: REASON: MESSAGE"; the index is left out when
// it is -1. With Unread set it ends "; the rest of the file (N bytes) was
// not read" ("member" for an archive member; "at least N" for a bound).
func (e *Error) Error() string {
	loc := e.Source.File
	if e.Source.Member != "" {
		loc += "!" + e.Source.Member
	}
	if e.Source.Index >= 0 {
		loc += "#" + strconv.Itoa(e.Source.Index)
	}
	msg := "<nil>"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	msg = "read " + loc + ": " + e.Reason + ": " + msg
	if e.Unread > 0 {
		what, bound := "file", ""
		if e.Source.Member != "" {
			what = "member"
		}
		if e.UnreadAtLeast {
			bound = "at least "
		}
		unit := " bytes"
		if e.Unread == 1 {
			unit = " byte"
		}
		msg += "; the rest of the " + what + " (" + bound + strconv.FormatInt(e.Unread, 10) + unit + ") was not read"
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// pathless strips an *fs.PathError or *os.LinkError down to its cause: the
// Error's Source already names the path, and errors.Is(err, fs.ErrNotExist)
// still holds for the cause.
func pathless(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// streamError is a failure of the byte stream under a parser (I/O,
// decompression, a cap, cancellation), as opposed to a fault in the bytes
// themselves. It travels up through the decompressors and parsers unchanged,
// so the loader can tell a cut gzip stream from a cut JSON document.
type streamError struct {
	reason string
	err    error
	// layer is the nesting level of the stream that failed: 0 for the
	// file (or stdin), 1 for an archive member. A failure of an outer
	// layer ends the whole file; one of a member ends that member only.
	layer int
}

func (e *streamError) Error() string { return e.err.Error() }
func (e *streamError) Unwrap() error { return e.err }

// Classifiers: each turns an error from one kind of reader into a
// streamError, leaving errors that are already tagged (from a lower layer)
// and io.EOF alone.

func classifyRead(err error) (string, error) {
	var fe *FetchError
	if errors.As(err, &fe) {
		return fe.Reason, fe.Err
	}
	return "read", pathless(err)
}

func classifyGzip(err error) (string, error) {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "truncated", fmt.Errorf("gzip: %w", ErrTruncated)
	}
	// gzip.ErrHeader, gzip.ErrChecksum, flate.CorruptInputError, ...
	return "gzip", err
}

func classifyTar(err error) (string, error) {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "truncated", fmt.Errorf("tar: %w", ErrTruncated)
	}
	return "tar", err // archive/tar: ...
}

func classifyZip(err error) (string, error) {
	return "zip", err // zip: ..., flate: ...
}
