package loader

import (
	"bytes"
	"math"
	"strconv"
	"strings"
)

// CloudTrail Lake: aws cloudtrail get-query-results prints
// {"QueryStatus": ..., "QueryStatistics": {...}, "QueryResultRows": [[{"col":
// "value"}, ...], ...], "NextToken": ...}: each row an array of one-member
// objects, one per selected column, every value a string. The event data
// store's own columns are lower-cased, flattened renderings of the event
// (requestparameters is a map of strings, useridentity a struct), from which
// the event cannot be rebuilt; a row holds a whole event only when a query
// put the event's JSON in a column of its own.

// lakeCells calls f with the key (a JSON string, quotes included) and the
// value of each member of each object in row, a valid JSON array, in order,
// until f returns false.
func (x *exporter) lakeCells(row []byte, f func(key, val []byte) bool) {
	if len(row) > math.MaxInt32 { // past trail.Span's offsets
		return
	}
	i := skipWS(row, 1)
	for i < len(row) && row[i] != ']' {
		n := validPrefix(row[i:], resetSpans(&x.cols))
		if n <= 0 { // not expected: row is valid
			return
		}
		if cell := row[i : i+n]; cell[0] == '{' {
			for _, sp := range x.cols {
				if !f(cell[sp.Key:sp.KeyEnd], cell[sp.Value:sp.End]) {
					return
				}
			}
		}
		i = skipWS(row, i+n)
		if i < len(row) && row[i] == ',' {
			i = skipWS(row, i+1)
		}
	}
}

// lakeEventColumn returns the name of the column of row that holds a whole
// event: the first whose value is a JSON object with a CloudTrail key, as a
// string; else the only column, when its string value starts like a JSON
// object (an event that is broken: an error for its row, not a reason to
// drop the file).
func (x *exporter) lakeEventColumn(row []byte) (string, bool) {
	var name string
	var found bool
	var cols int
	var only []byte // the value of the first column
	x.lakeCells(row, func(key, val []byte) bool {
		if cols++; cols == 1 {
			only = val
		}
		if val[0] != '"' {
			return true
		}
		if ev, ok := x.decode(val); ok && ev[0] == '{' && hasEventKey(ev, x.spans) {
			name, found = keyName(key), true
			return false
		}
		return true
	})
	if found {
		return name, true
	}
	if cols == 1 && only[0] == '"' {
		x.decode(only)
		if startsObject(x.buf) {
			x.lakeCells(row, func(key, _ []byte) bool { name = keyName(key); return false })
			return name, true
		}
	}
	return "", false
}

// lakeColumn returns the value of the column named name in row (the last
// one, when the name occurs more than once), or nil.
func (x *exporter) lakeColumn(row []byte, name string) []byte {
	var found []byte
	x.lakeCells(row, func(key, val []byte) bool {
		if keyEquals(key, name) {
			found = val
		}
		return true
	})
	return found
}

// lakeColumns names the columns of row, the first row of a Lake result, for
// an error: "columns eventid, eventname".
func lakeColumns(row []byte) string {
	if row[0] != '[' {
		return "rows that are JSON " + rawKind(row) + "s, not arrays"
	}
	var x exporter
	var names []string
	more := false
	x.lakeCells(row, func(key, _ []byte) bool {
		if len(names) == 8 {
			more = true
			return false
		}
		names = append(names, strconv.Quote(keyName(key)))
		return true
	})
	if len(names) == 0 {
		return "rows without columns"
	}
	s := "columns " + strings.Join(names, ", ")
	if more {
		s += ", ..."
	}
	return s
}

// keyEquals reports whether k, a valid JSON string with its quotes, is name.
func keyEquals(k []byte, name string) bool {
	if bytes.IndexByte(k, '\\') < 0 {
		return string(k[1:len(k)-1]) == name
	}
	return keyName(k) == name
}
