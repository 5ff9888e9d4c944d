package trail

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// Member returns the raw value of the last top-level member named key in
// the JSON object raw, or nil. It scans raw once without allocating and
// without recursion (nesting depth does not matter); raw must be valid
// JSON, but invalid input only yields nil or a wrong slice, never a panic.
func Member(raw []byte, key string) []byte {
	var found []byte
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return nil
	}
	i++
	for {
		i = skipSpace(raw, i)
		if i >= len(raw) || raw[i] != '"' {
			return found // '}' or invalid
		}
		k0 := i
		i = skipString(raw, i)
		k := raw[k0:i]
		i = skipSpace(raw, i)
		if i >= len(raw) || raw[i] != ':' {
			return found
		}
		i = skipSpace(raw, i+1)
		v0 := i
		i = skipValue(raw, i)
		if keyIs(k, key) {
			found = raw[v0:i]
		}
		i = skipSpace(raw, i)
		if i >= len(raw) || raw[i] != ',' {
			return found
		}
		i++
	}
}

// keyIs reports whether the JSON string k (with its quotes) is key. An
// escape is longer than the character it stands for: a key of the same
// length as key is key only when the bytes are equal, a shorter one never
// is, and a longer one only through an escape (escapedKeyIs): most keys are
// told apart by their length alone.
func keyIs(k []byte, key string) bool {
	switch {
	case len(k) == len(key)+2:
		return string(k[1:len(k)-1]) == key
	case len(k) < len(key)+2:
		return false
	}
	return escapedKeyIs(k, key)
}

// escapedKeyIs is keyIs for a key longer than key: it matches only with an
// escape, and only when its first byte is key's or starts an escape (or a
// multi-byte character).
func escapedKeyIs(k []byte, key string) bool {
	switch {
	case key != "" && k[1] != key[0] && k[1] != '\\' && k[1] < utf8.RuneSelf:
		return false
	case bytes.IndexByte(k, '\\') < 0:
		return false
	}
	var s string
	return json.Unmarshal(k, &s) == nil && s == key
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString returns the index after the string that starts at b[i] ('"').
func skipString(b []byte, i int) int {
	j := i + 1
	for {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return len(b)
		}
		j += k
		// The quote is escaped when an odd number of backslashes precede it.
		n := 0
		for p := j - 1; p > i && b[p] == '\\'; p-- {
			n++
		}
		j++
		if n%2 == 0 {
			return j
		}
	}
}

// skipValue returns the index after the value that starts at b[i].
func skipValue(b []byte, i int) int {
	depth := 0
	for i < len(b) {
		switch c := b[i]; c {
		case '"':
			i = skipString(b, i)
			if depth == 0 {
				return i
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 { // ends the scalar before it
				return i
			}
			depth--
			if depth == 0 {
				return i + 1
			}
		case ',', ' ', '\t', '\r', '\n':
			if depth == 0 {
				return i
			}
		}
		i++
	}
	return i
}

// StringMember returns the last top-level member named key of the JSON
// object raw when it is a JSON string, unescaped.
func StringMember(raw []byte, key string) (string, bool) {
	return StringValue(Member(raw, key))
}

// StringValue returns the raw JSON value v unescaped when it is a string.
func StringValue(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' {
		return "", false
	}
	if bytes.IndexByte(v, '\\') < 0 {
		return string(v[1 : len(v)-1]), true
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return "", false
	}
	return s, true
}

// Span locates one top-level member of a JSON object: its key, quotes
// included, is raw[Key:KeyEnd] and its value raw[Value:End]. A record's
// Spans list its members in order (see Record.Spans).
type Span struct {
	Key, KeyEnd, Value, End int32
}

// MemberAt is Member for raw indexed by spans, the spans of all its
// top-level members in order: it looks only at the keys, not at the bytes
// between them. With spans nil it is Member.
func MemberAt(raw []byte, spans []Span, key string) []byte {
	if spans == nil {
		return Member(raw, key)
	}
	for i := len(spans) - 1; i >= 0; i-- { // the last one counts
		sp := &spans[i]
		if keyIs(raw[sp.Key:sp.KeyEnd], key) {
			return raw[sp.Value:sp.End]
		}
	}
	return nil
}

// Lookup returns the raw value of the record's last top-level member named
// key, or nil; it uses r.Spans when they are set.
func (r Record) Lookup(key string) []byte { return MemberAt(r.Raw, r.Spans, key) }

// LookupString is Lookup for a member whose value is a JSON string: it
// returns it unescaped.
func (r Record) LookupString(key string) (string, bool) { return StringValue(r.Lookup(key)) }
