package report

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/clipperhouse/displaywidth"
)

// sanitize makes an attacker-controlled value safe and single-line for a
// terminal: newline, carriage return and tab become \n, \r and \t; other
// control characters (C0, DEL, C1, so ESC of an ANSI sequence too) and
// invalid UTF-8 bytes become \xHH; other non-printable runes (format
// characters such as bidi overrides and zero-width spaces, non-ASCII spaces,
// unassigned and private-use code points) become \uHHHH or \UHHHHHHHH.
// Printable text, including non-ASCII letters, is kept. Backslashes are kept
// as they are: the table is for reading; JSON is the lossless format.
func sanitize(s string) string {
	if isSafe(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x80 && (r < 0x20 || r == 0x7f):
			fmt.Fprintf(&b, `\x%02x`, r)
		case r == ' ' || unicode.IsPrint(r):
			b.WriteRune(r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
		i += size
	}
	return b.String()
}

// isSafe reports whether sanitize would return s unchanged, cheaply for the
// common printable-ASCII case.
func isSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			if c < 0x80 {
				return false
			}
			return isSafeUnicode(s[i:])
		}
	}
	return true
}

func isSafeUnicode(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || !(r == ' ' || unicode.IsPrint(r)) {
			return false // RuneError: invalid UTF-8, or a literal U+FFFD (escaped too)
		}
	}
	return true
}

// width returns the number of terminal cells s takes, as a terminal draws
// it: grapheme clusters of Unicode's East Asian Width W and F classes (CJK,
// Hangul, fullwidth forms, emoji) take two cells, combining marks none,
// the rest one (displaywidth, UAX #11 and TR51). s must be sanitized: no
// control characters.
func width(s string) int { return displaywidth.String(s) }

// ellipsis marks a value cut to fit its column.
const ellipsis = "…"

// cut shortens s to at most w cells, ending it with an ellipsis when
// anything was removed. It cuts between grapheme clusters, never inside one
// (an accent stays on its letter).
func cut(s string, w int) string {
	if width(s) <= w {
		return s
	}
	if w <= 0 {
		return ""
	}
	return displaywidth.TruncateString(s, w, ellipsis)
}

// cutEnd shortens s to at most w cells keeping its end, starting it with
// an ellipsis when anything was removed; it cuts between grapheme clusters.
func cutEnd(s string, w int) string {
	if width(s) <= w {
		return s
	}
	if w <= 0 {
		return ""
	}
	type cluster struct {
		at, width int
	}
	var cs []cluster
	g := displaywidth.StringGraphemes(s)
	at := 0
	for g.Next() {
		cs = append(cs, cluster{at, g.Width()})
		at += len(g.Value())
	}
	used, i := 0, len(cs)
	for i > 0 && used+cs[i-1].width <= w-1 {
		i--
		used += cs[i].width
	}
	if i == len(cs) {
		return ellipsis
	}
	return ellipsis + s[cs[i].at:]
}

// compactHeader is a dotted field path's last segment after an ellipsis
// ("…userName" for requestParameters.userName): the part that names the
// field. Other names are returned as they are.
func compactHeader(name string) string {
	if dot := strings.LastIndexByte(name, '.'); dot >= 0 {
		return ellipsis + name[dot+1:]
	}
	return name
}

// cutHeader cuts a column header to w columns: whole when it fits, else its
// compact form when that fits, else the start of its last segment ("userN…").
func cutHeader(name string, w int) string {
	if width(name) <= w {
		return name
	}
	if c := compactHeader(name); width(c) <= w {
		return c
	}
	if dot := strings.LastIndexByte(name, '.'); dot >= 0 {
		return cut(name[dot+1:], w)
	}
	return cut(name, w)
}

// cutValue cuts a cell value: an ARN keeps its end, the resource
// ("…:user/christophe"), which tells ARNs of one account apart; anything
// else keeps its start.
func cutValue(s string, w int) string {
	if strings.HasPrefix(s, "arn:") {
		return cutEnd(s, w)
	}
	return cut(s, w)
}

// padRight pads s with spaces to w columns.
func padRight(s string, w int) string {
	if n := w - width(s); n > 0 {
		return s + strings.Repeat(" ", n)
	}
	return s
}

// padLeft right-aligns s in w columns.
func padLeft(s string, w int) string {
	if n := w - width(s); n > 0 {
		return strings.Repeat(" ", n) + s
	}
	return s
}
