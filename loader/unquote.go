package loader

import (
	"bytes"
	"unicode/utf16"
	"unicode/utf8"
)

// appendUnquoted appends the text of s, a valid JSON string with its quotes,
// to dst, and returns the extended buffer. Escapes are decoded as
// encoding/json decodes them (a surrogate that is not half of a valid pair
// becomes U+FFFD); every other byte is copied as it is, invalid UTF-8
// included (encoding/json would turn it into U+FFFD: the loader passes it
// through, as it does inside any record). Exported events arrive as JSON
// strings (lookup-events' CloudTrailEvent, a CloudWatch Logs message): this
// turns one back into the event's own JSON text, without a string per event.
func appendUnquoted(dst, s []byte) []byte {
	s = s[1 : len(s)-1]
	for {
		i := bytes.IndexByte(s, '\\')
		if i < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:i]...)
		s = s[i:] // s[0] is the backslash; valid JSON has an escape after it
		switch c := s[1]; c {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(s[2:6])
			s = s[6:]
			if utf16.IsSurrogate(r) {
				if len(s) >= 6 && s[0] == '\\' && s[1] == 'u' {
					if pair := utf16.DecodeRune(r, hex4(s[2:6])); pair != utf8.RuneError {
						dst = utf8.AppendRune(dst, pair)
						s = s[6:]
						continue
					}
				}
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default: // '"', '\\', '/'
			dst = append(dst, c)
		}
		s = s[2:]
	}
}

// hex4 decodes four hexadecimal digits (validated by the caller), or returns
// -1 when they are not.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}
