package loader

import "bytes"

// composite reads an object, an array or a string, w being the window.
func (l *lexer) composite(w []byte, limit int64) ([]byte, error) {
	sp := span{l: l, data: w}
	var s splitter
	for {
		switch end := s.scan(sp.data, limit); {
		case int64(end) > limit:
			return nil, l.skipped(&sp, &s, end, true)
		case end > 0:
			return sp.take(end), nil
		case end < 0:
			return nil, syntaxError(sp.data[:s.pos])
		}
		if int64(s.pos) > limit {
			return nil, l.skipped(&sp, &s, s.pos, false)
		}
		if err := sp.grow(limit); err != nil {
			return nil, cutShort(sp.data, err)
		}
	}
}

// splitter finds the end of an object, array or string, tracking nesting,
// strings and escapes. Its state carries over as the value grows. It does
// not validate: for valid JSON the end it finds is the value's end; for
// invalid JSON it is at or after the first error.
type splitter struct {
	pos   int // bytes scanned
	depth int // open objects and arrays
	str   bool
}

// maxDepth is encoding/json's limit on nesting: a value nested deeper is
// invalid whatever follows.
const maxDepth = 10000

// scan scans data (the value's bytes, from its first) on from s.pos, but
// not beyond limit+1 bytes, and returns the value's length once it ends
// there, -1 once it is nested deeper than maxDepth, or 0.
func (s *splitter) scan(data []byte, limit int64) int {
	if int64(len(data)) > limit+1 {
		data = data[:limit+1]
	}
	i := s.pos
	for i < len(data) {
		if s.str {
			j := bytes.IndexByte(data[i:], '"')
			if j < 0 {
				i = len(data)
				break
			}
			i += j
			k := i // an odd run of backslashes before it escapes the quote
			for data[k-1] == '\\' {
				k--
			}
			i++
			if (i-1-k)&1 == 1 {
				continue
			}
			s.str = false
			if s.depth == 0 {
				return i
			}
			continue
		}
		switch data[i] {
		case '"':
			s.str = true
		case '{', '[':
			if s.depth++; s.depth > maxDepth {
				s.pos = i + 1
				return -1
			}
		case '}', ']':
			s.depth--
			if s.depth == 0 {
				return i + 1
			}
		}
		i++
	}
	s.pos = i
	return 0
}
