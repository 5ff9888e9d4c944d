package loader

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// kind is what the first bytes of a stream say it holds.
type kind int

const (
	kindEmpty kind = iota // nothing, or only white space
	kindGzip              // 1f 8b
	kindZip               // PK\x03\x04 (or PK\x05\x06: an empty zip)
	kindTar               // "ustar" at offset 257
	kindJSON              // '{' or '[' after white space (and a UTF-8 BOM)
	kindLines             // a first line that is a JSON scalar: JSON lines
	kindUTF16             // a UTF-16 byte order mark: an encoding not read
	kindCWLog             // "<time stamp> {": a CloudWatch Logs export (exports_text.go)
	kindCSV               // a CSV header with CloudTrail's columns: not read
	kindOther             // anything else: not CloudTrail
)

// bufSize is the size of the buffer each stream is read through. It also
// sets how far past a syntax error a file is read (Stats.Bytes).
const bufSize = 32 << 10

// Buffers and decompressors are reused across streams: CloudTrail delivers
// many small files, and allocating them for each would cost more than
// reading the file. A pooled bufio.Reader lets go of its reader; a pooled
// gzip.Reader holds on to the bufio.Reader it read from, which holds on to
// nothing.
var (
	bufPool  sync.Pool // *bufio.Reader of bufSize
	gzipPool sync.Pool // *gzip.Reader
)

func getBufReader(r io.Reader) *bufio.Reader {
	br, _ := bufPool.Get().(*bufio.Reader)
	if br == nil {
		// Not bufio.NewReaderSize(r, ...): given a large enough
		// *bufio.Reader it returns r itself, which would reach the pool
		// twice.
		br = bufio.NewReaderSize(nil, bufSize)
	}
	br.Reset(r)
	return br
}

func putBufReader(br *bufio.Reader) {
	br.Reset(nil)
	bufPool.Put(br)
}

// content reads one stream whose format is not known yet: a file, the
// output of a gzip layer, or an archive member. It reports whether the
// enclosing archive may go on with its next member.
func (s *session) content(u unit, r io.Reader) bool {
	leaf := &leafReader{s: s, r: r}
	br := getBufReader(leaf)
	defer putBufReader(br)
	k, line0, err := sniff(br)
	if err != nil {
		return s.readFail(u, -1, err)
	}
	switch k {
	case kindEmpty:
		leaf.isLeaf()
		s.skip("empty")
		return true
	case kindOther:
		leaf.isLeaf()
		if s.walked || u.layer > 0 {
			s.skip("not_cloudtrail") // a README or a CSV beside the logs
			return true
		}
		// A file the user named: saying nothing would hide it.
		return s.fail(u, -1, "not_cloudtrail", ErrNotCloudTrail)
	case kindJSON:
		leaf.isLeaf()
		return s.json(u, br, line0)
	case kindLines:
		leaf.isLeaf()
		p := &jsonParser{s: s, u: u, line0: line0}
		return p.linesFrom(br)
	case kindCWLog:
		leaf.isLeaf()
		return s.logsText(u, br, line0)
	case kindCSV:
		leaf.isLeaf()
		return s.fail(u, -1, "unsupported", csvUnsupported(br))
	case kindUTF16:
		leaf.isLeaf()
		return s.fail(u, -1, "unsupported", fmt.Errorf("UTF-16 text (convert it to UTF-8): %w", ErrUnsupported))
	case kindGzip:
		if u.gz {
			return s.fail(u, -1, "unsupported", fmt.Errorf("gzip inside gzip: %w", ErrUnsupported))
		}
		return s.gunzip(u, br)
	case kindTar:
		if u.layer > 0 {
			return s.fail(u, -1, "unsupported", fmt.Errorf("tar archive inside an archive: %w", ErrUnsupported))
		}
		return s.tar(u, br)
	case kindZip:
		if u.layer > 0 || u.gz {
			return s.fail(u, -1, "unsupported", fmt.Errorf("zip archive inside an archive or gzip: %w", ErrUnsupported))
		}
		return s.zip(u, br)
	}
	panic("unreachable")
}

// gunzip reads a gzip stream (one or more members) and then its content.
// It uses github.com/klauspost/compress's gzip, whose inflater is about 1.5x
// the standard library's (gunzip was a third of a sweep's CPU); its errors
// read as the standard library's do.
func (s *session) gunzip(u unit, br *bufio.Reader) bool {
	zr, _ := gzipPool.Get().(*gzip.Reader)
	if zr == nil {
		zr = new(gzip.Reader)
	}
	defer gzipPool.Put(zr)
	if err := zr.Reset(br); err != nil {
		var se *streamError
		if errors.As(err, &se) {
			return s.streamFail(u, se)
		}
		reason, e := classifyGzip(err)
		return s.fail(u, -1, reason, e)
	}
	inner := u
	inner.gz = true
	return s.content(inner, &tagReader{
		r:        zr,
		layer:    u.layer,
		classify: classifyGzip,
		max:      s.r.maxDecomp,
	})
}

// readFail reports an error from reading a stream at record index (-1 for
// the whole stream), as a stream failure when it is one. It reports whether
// the enclosing archive may go on.
func (s *session) readFail(u unit, index int, err error) bool {
	var se *streamError
	if errors.As(err, &se) {
		return s.streamFail(u, se)
	}
	return s.fail(u, index, "read", err)
}

var bom = []byte("\xef\xbb\xbf")

// sniff looks at the first bytes of br and says what they are. For JSON it
// consumes a UTF-8 byte order mark and the leading white space, and returns
// the number of newlines in it (the 0-based line of the first value).
// firstLineIsJSON reports whether the buffered line ahead (up to 4 KiB) is
// one JSON value.
func firstLineIsJSON(br *bufio.Reader) bool {
	head, _ := br.Peek(4 << 10)
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	return validJSON(bytes.TrimSpace(head))
}

func sniff(br *bufio.Reader) (kind, int, error) {
	head, err := br.Peek(512)
	if len(head) == 0 && err != nil && err != io.EOF {
		return 0, 0, err
	}
	// With some bytes in hand, a read error is left for the parser: it
	// comes again (every reader below is sticky) after the records before
	// it were read.
	switch {
	case len(head) == 0:
		return kindEmpty, 0, nil
	case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b:
		return kindGzip, 0, nil
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return kindZip, 0, nil
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		return kindTar, 0, nil
	}
	if bytes.HasPrefix(head, []byte{0xff, 0xfe}) || bytes.HasPrefix(head, []byte{0xfe, 0xff}) {
		return kindUTF16, 0, nil
	}
	if bytes.HasPrefix(head, bom) {
		br.Discard(len(bom))
	}
	lines := 0
	for {
		c, err := br.ReadByte()
		if err == io.EOF {
			return kindEmpty, 0, nil
		}
		if err != nil {
			return 0, 0, err
		}
		switch c {
		case '\n':
			lines++
			continue
		case ' ', '\t', '\r':
			continue
		case '{', '[':
			br.UnreadByte()
			return kindJSON, lines, nil
		case '"', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 't', 'f', 'n':
			// A file cannot start with a scalar unless it is JSON lines
			// (whose first record is then not an object: an error for
			// that line, not a reason to drop the file). Text that merely
			// starts with such a letter is not JSON on its first line.
			br.UnreadByte()
			if firstLineIsJSON(br) {
				return kindLines, lines, nil
			}
			if logsTextFirstLine(br) {
				return kindCWLog, lines, nil
			}
		default:
			br.UnreadByte()
		}
		if cloudTrailCSV(br) != "" {
			return kindCSV, lines, nil
		}
		return kindOther, 0, nil
	}
}
