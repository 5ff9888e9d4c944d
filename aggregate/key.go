package aggregate

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Group key encoding. A key is the detection id followed by one token per
// by-value, in order:
//
//	key   = str token*
//	token = 'n'            a null value
//	      | 's' str        a string value
//	str   = uvarint(len) bytes
//
// Every string carries its length, and null has its own marker, so a key
// decodes to exactly one (detection, values) pair: ("a","bc") and ("ab","c"),
// null and "", null and "null" all get different keys.
const (
	tokNull   = 'n'
	tokString = 's'
)

// appendKey appends the key of (detection, values) to dst.
func appendKey(dst []byte, detection string, values []*string) []byte {
	dst = appendStr(dst, detection)
	for _, v := range values {
		if v == nil {
			dst = append(dst, tokNull)
			continue
		}
		dst = append(dst, tokString)
		dst = appendStr(dst, *v)
	}
	return dst
}

func appendStr(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// decodeKey is the inverse of appendKey. It panics on a key appendKey cannot
// produce: keys never come from outside the package.
func decodeKey(k string) (detection string, values []*string) {
	detection, rest := readStr(k)
	values = []*string{} // never nil, even for a detection without by-fields
	for rest != "" {
		tok := rest[0]
		rest = rest[1:]
		switch tok {
		case tokNull:
			values = append(values, nil)
		case tokString:
			var s string
			s, rest = readStr(rest)
			values = append(values, &s)
		default:
			panic(fmt.Sprintf("aggregate: corrupt group key: token %q", tok))
		}
	}
	return detection, values
}

func readStr(k string) (s, rest string) {
	n, w := binary.Uvarint([]byte(k[:min(len(k), binary.MaxVarintLen64)]))
	if w <= 0 || uint64(len(k)-w) < n {
		panic("aggregate: corrupt group key: bad length")
	}
	return k[w : w+int(n)], k[w+int(n):]
}

// compareKeys orders group keys as Compare orders their rows: by
// detection, then value by value (null before any string, strings
// byte-wise), a shorter list first. It is 0 exactly when a == b (a key
// encodes its group one way only). Spilled runs and encoded tables are
// written in this order, so that merging them streams rows in output
// order.
func compareKeys(a, b string) int {
	ad, ar := readStr(a)
	bd, br := readStr(b)
	if c := strings.Compare(ad, bd); c != 0 {
		return c
	}
	for ar != "" && br != "" {
		at, bt := ar[0], br[0]
		ar, br = ar[1:], br[1:]
		switch {
		case at == tokNull && bt == tokNull:
			continue
		case at == tokNull:
			return -1
		case bt == tokNull:
			return 1
		}
		var as, bs string
		as, ar = readStr(ar)
		bs, br = readStr(br)
		if c := strings.Compare(as, bs); c != 0 {
			return c
		}
	}
	switch {
	case ar == "" && br == "":
		return 0
	case ar == "":
		return -1
	}
	return 1
}
