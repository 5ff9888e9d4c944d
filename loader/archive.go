package loader

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/klauspost/compress/flate"
)

// tar reads a tar archive (plain or from a gzip layer) member by member.
// Only regular files are read; see memberSkip for the others.
func (s *session) tar(u unit, br *bufio.Reader) bool {
	tr := tar.NewReader(br)
	seen := false
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil && !errors.Is(err, tar.ErrInsecurePath) {
			var se *streamError
			if errors.As(err, &se) {
				return s.streamFail(u, se)
			}
			reason, e := classifyTar(err)
			return s.fail(u, -1, reason, e)
		}
		seen = true
		switch hdr.Typeflag {
		case tar.TypeDir, tar.TypeXGlobalHeader:
			continue // structure, not content
		}
		regular := hdr.Typeflag == tar.TypeReg || hdr.Typeflag == '\x00'
		if reason := memberSkip(hdr.Name, regular); reason != "" {
			s.skip(reason)
			continue
		}
		s.r.stats.member()
		m := unit{member: hdr.Name, layer: u.layer + 1}
		ok := s.content(m, &tagReader{r: tr, layer: u.layer, classify: classifyTar})
		if !ok {
			return false
		}
	}
	if !seen {
		s.skip("empty")
	}
	return true
}

// zip reads a zip archive member by member, in archive order. Zip needs
// random access: a regular file is read in place; stdin or a pipe is first
// spooled to a temporary file, at most MaxDecompressedBytes of it, removed
// when done.
func (s *session) zip(u unit, br *bufio.Reader) bool {
	f := u.file
	if !isRegular(f) {
		tmp, ok := s.spool(u, br)
		if tmp == nil {
			return ok
		}
		defer os.Remove(tmp.Name())
		defer tmp.Close()
		f = tmp
	}
	fi, err := f.Stat()
	if err != nil {
		return s.fail(u, -1, "read", pathless(err))
	}
	zr, err := zip.NewReader(&countReaderAt{s: s, ra: f}, fi.Size())
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		var se *streamError
		if errors.As(err, &se) {
			return s.streamFail(u, se)
		}
		reason, e := classifyZip(err)
		return s.fail(u, -1, reason, e)
	}
	// The faster inflater, as for gzip (see gunzip).
	zr.RegisterDecompressor(zip.Deflate, flate.NewReader)
	if len(zr.File) == 0 {
		s.skip("empty")
		return true
	}
	for _, zf := range zr.File {
		mode := zf.Mode()
		if mode.IsDir() {
			continue
		}
		if reason := memberSkip(zf.Name, mode.IsRegular()); reason != "" {
			s.skip(reason)
			continue
		}
		s.r.stats.member()
		m := unit{member: zf.Name, layer: u.layer + 1}
		if !s.zipMember(m, zf) {
			return false
		}
	}
	return true
}

func (s *session) zipMember(m unit, zf *zip.File) bool {
	if zf.UncompressedSize64 > uint64(s.r.maxDecomp) {
		return s.fail(m, -1, "decompression_limit",
			fmt.Errorf("%w of %d bytes (member declares %d)", ErrDecompressionLimit, s.r.maxDecomp, zf.UncompressedSize64))
	}
	rc, err := zf.Open()
	if err != nil {
		var se *streamError
		if errors.As(err, &se) {
			return s.streamFail(m, se)
		}
		reason, e := classifyZip(err)
		return s.fail(m, -1, reason, e)
	}
	defer rc.Close()
	return s.content(m, &tagReader{r: rc, layer: m.layer, classify: classifyZip, max: s.r.maxDecomp})
}

// isRegular reports whether f is an open regular file.
func isRegular(f *os.File) bool {
	if f == nil {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode().IsRegular()
}

// spool copies a zip read from a stream (stdin, a pipe) to a temporary file
// so that it can be read at random. On failure it reports the error and
// returns a nil file and whether the enclosing archive may go on.
func (s *session) spool(u unit, br *bufio.Reader) (*os.File, bool) {
	tmp, err := os.CreateTemp("", "trailhunt-*.zip")
	if err != nil {
		return nil, s.fail(u, -1, "zip", fmt.Errorf("spool zip from a stream: %w", err))
	}
	n, err := io.Copy(tmp, io.LimitReader(br, s.r.maxDecomp+1))
	if err == nil && n > s.r.maxDecomp {
		err = &streamError{reason: "decompression_limit",
			err: fmt.Errorf("%w of %d bytes (zip from a stream)", ErrDecompressionLimit, s.r.maxDecomp)}
	}
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, s.readFail(u, -1, err)
	}
	return tmp, true
}

// memberSkip says why an archive member is not read, or "" when it is: a
// name that is absolute or climbs out with "..", anything but a regular
// file (symlinks, hard links, devices, FIFOs), and CloudTrail digest and
// Insights files. Members are never extracted; the checks keep hostile
// archives from pointing the loader anywhere else.
func memberSkip(name string, regular bool) string {
	switch {
	case !safeMemberName(name):
		return "unsafe_path"
	case !regular:
		return "not_regular"
	}
	return pathSkip(name)
}

func safeMemberName(name string) bool {
	n := strings.ReplaceAll(name, `\`, "/")
	if n == "" || strings.HasPrefix(n, "/") || strings.ContainsRune(n, 0) ||
		(len(n) >= 2 && n[1] == ':') { // C:\...
		return false
	}
	for part := range strings.SplitSeq(n, "/") {
		if part == ".." {
			return false
		}
	}
	return true
}

// pathSkip says whether a file lies under a CloudTrail-Digest/ ("digest")
// or CloudTrail-Insight/ ("insight") directory, judging by its path.
func pathSkip(path string) string {
	p := strings.ReplaceAll(path, `\`, "/")
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return ""
	}
	for part := range strings.SplitSeq(p[:i], "/") {
		switch part {
		case "CloudTrail-Digest":
			return "digest"
		case "CloudTrail-Insight":
			return "insight"
		}
	}
	return ""
}
