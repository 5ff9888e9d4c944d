package loader

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
)

// kind is what the first bytes of a stream say it holds.
type kind int

const (
	kindEmpty kind = iota // nothing, or only white space
	kindGzip              // 1f 8b
	kindZip               // PK\x03\x04 (or PK\x05\x06: an empty zip)
	kindTar               // "ustar" at offset 257
	kindJSON              // '{' or '[' after white space (and a UTF-8 BOM)
	kindOther             // anything else: not CloudTrail
)

const bufSize = 32 << 10

// content reads one stream whose format is not known yet: a file, the
// output of a gzip layer, or an archive member. It reports whether the
// enclosing archive may go on with its next member.
func (s *session) content(u unit, r io.Reader) bool {
	leaf := &leafReader{s: s, r: r}
	br := bufio.NewReaderSize(leaf, bufSize)
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
		s.skip("not_cloudtrail")
		return true
	case kindJSON:
		leaf.isLeaf()
		return s.json(u, br, line0)
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
func (s *session) gunzip(u unit, br *bufio.Reader) bool {
	zr, err := gzip.NewReader(br)
	if err != nil {
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
		}
		return kindOther, 0, nil
	}
}
