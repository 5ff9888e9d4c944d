package main

import (
	"encoding/json"
	"slices"
	"strconv"
)

// kv is one member of an ordered JSON object.
type kv struct {
	k string
	v any
}

// obj is a JSON object whose members are written in the given order.
type obj []kv

// raw is JSON text written as is.
type raw []byte

// appendValue appends v as compact JSON: maps with sorted keys, obj in
// order, no HTML escaping (CloudTrail writes <, > and & as they are). When
// digits is not nil, the offsets in b of the decimal digits inside string
// values (not keys, not numbers, not escapes, not date-like strings) are
// appended to it: the generator rewrites those digits per record.
func appendValue(b []byte, v any, digits *[]int) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, v)
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case json.Number:
		return append(b, v...)
	case string:
		return appendString(b, v, digits)
	case raw:
		return append(b, v...)
	case obj:
		b = append(b, '{')
		for i, m := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, m.k, nil)
			b = append(b, ':')
			b = appendValue(b, m.v, digits)
		}
		return append(b, '}')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k, nil)
			b = append(b, ':')
			b = appendValue(b, v[k], digits)
		}
		return append(b, '}')
	case []any:
		b = append(b, '[')
		for i, x := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, x, digits)
		}
		return append(b, ']')
	default:
		panic("appendValue: unsupported type")
	}
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string (s is valid UTF-8: it comes from
// decoded JSON or from the generator itself).
func appendString(b []byte, s string, digits *[]int) []byte {
	if dateLike(s) {
		digits = nil
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		default:
			if digits != nil && c >= '0' && c <= '9' {
				*digits = append(*digits, len(b))
			}
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// dateLike reports strings whose digits must stay as they are to remain
// plausible: dates and times (2024-07-30..., Jul 30, 2024 9:53:13 PM).
func dateLike(s string) bool {
	if len(s) >= 10 && s[4] == '-' && s[7] == '-' {
		return true
	}
	return len(s) >= 8 && (s[len(s)-3:] == " PM" || s[len(s)-3:] == " AM")
}
