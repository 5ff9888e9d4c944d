package loader

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/trailhunt/trailhunt/trail"
)

// splitSizes are the bufio sizes the splitter is tested with: 16 is
// bufio's smallest, so that nearly every value crosses a buffer boundary
// and most outgrow the buffer.
var splitSizes = []int{16, 17, 19, 23, 31, 64, 257, bufSize}

// parseJSON runs the JSON parser over in, read through a bufio.Reader of
// the given size, and returns what it yielded, one line each.
func parseJSON(in string, size int, max int64) string {
	var b strings.Builder
	p := newTestParser(&b, in, size, max)
	p.s.json(unit{}, p.l.br, 0)
	return b.String()
}

// parseArray is parseJSON for the elements of the array in starts.
func parseArray(in string, size int, max int64) string {
	var b strings.Builder
	p := newTestParser(&b, in, size, max)
	if c, err := p.l.peek(); err != nil || c != '[' {
		panic(fmt.Sprintf("%q does not start an array", in))
	}
	p.l.next()
	p.array()
	return b.String()
}

func newTestParser(b *strings.Builder, in string, size int, max int64) *jsonParser {
	s := &session{r: New(Config{MaxRecordBytes: max}), ctx: context.Background(), file: "f",
		yield: func(rec trail.Record, err error) bool {
			if err != nil {
				e := err.(*Error)
				fmt.Fprintf(b, "error #%d %s: %v\n", e.Source.Index, e.Reason, e.Err)
				return true
			}
			fmt.Fprintf(b, "record #%d %s\n", rec.Source.Index, rec.Raw)
			return true
		}}
	br := bufio.NewReaderSize(strings.NewReader(in), size)
	return &jsonParser{s: s, l: &lexer{br: br, max: s.r.maxRecord}}
}

func TestSplitter(t *testing.T) {
	long := `{"a":"` + strings.Repeat(`x\"]}`, 20) + `"}`
	cases := []struct {
		name, in string
		max      int64 // 0: the default
		want     string
	}{
		{"brackets_and_escapes_in_strings", `[{"a":"a\\\"]"},{"b":"}{][\\"},"x\"]",{"c":"\\\"\\"}]`, 0,
			"record #0 {\"a\":\"a\\\\\\\"]\"}\nrecord #1 {\"b\":\"}{][\\\\\"}\nerror #2 not_object: not a JSON object: string\nrecord #3 {\"c\":\"\\\\\\\"\\\\\"}\n"},
		{"long_escaped_string", "[" + long + "," + long + "]", 0,
			"record #0 " + long + "\nrecord #1 " + long + "\n"},
		{"nested_arrays", `[[1,[2,[3]]],{"a":[[],[[{}]]]},[]]`, 0,
			"error #0 not_object: not a JSON object: array\nrecord #1 {\"a\":[[],[[{}]]]}\nerror #2 not_object: not a JSON object: array\n"},
		{"white_space_between_elements", "[ \n\t{\"a\":1} \r\n , \n {\"b\" : 2}\n ]\n", 0,
			"record #0 {\"a\":1}\nrecord #1 {\"b\" : 2}\n"},
		{"wrapper_escaped_key_and_others", `{"v":"]","Rec\u006frds":[{"a":1}],"x":{"Records":[1]}} {"Records":[{"a":2}]}`, 0,
			"record #0 {\"a\":1}\nrecord #1 {\"a\":2}\n"},
		{"scalars", `[1,-0.5e+3,true,false,null,"s",{"a":1},0]`, 0,
			"error #0 not_object: not a JSON object: number\nerror #1 not_object: not a JSON object: number\n" +
				"error #2 not_object: not a JSON object: boolean\nerror #3 not_object: not a JSON object: boolean\n" +
				"error #4 not_object: not a JSON object: null\nerror #5 not_object: not a JSON object: string\n" +
				"record #6 {\"a\":1}\nerror #7 not_object: not a JSON object: number\n"},
		{"invalid_utf8_in_string", "[{\"a\":\"\xff\"}]", 0, "record #0 {\"a\":\"\xff\"}\n"},
		// Syntax errors end the array, reported as encoding/json reports them.
		{"syntax_error_in_element", `[{"a":1},{"a":tru},{"b":2}]`, 0,
			"record #0 {\"a\":1}\nerror #1 json_syntax: invalid character '}' in literal true (expecting 'e')\n"},
		{"bad_escape", `[{"a":"\x"}]`, 0, "error #0 json_syntax: invalid character 'x' in string escape code\n"},
		{"control_character_in_string", "[\"a\tb\"]", 0, "error #0 json_syntax: invalid character '\\t' in string literal\n"},
		{"missing_comma", `[{"a":1} {"b":2}]`, 0, "record #0 {\"a\":1}\nerror #1 json_syntax: expected comma after array element\n"},
		{"bad_number", `[1.]`, 0, "error #0 json_syntax: invalid character ']' after decimal point in numeric literal\n"},
		{"number_then_letter", `[1x]`, 0, "error #0 not_object: not a JSON object: number\nerror #1 json_syntax: expected comma after array element\n"},
		{"mismatched_bracket", `[{"a":[1}]`, 0, "error #0 json_syntax: invalid character '}' after array element\n"},
		{"brace_after_element", `[{"a":1}}`, 0, "record #0 {\"a\":1}\nerror #-1 json_syntax: invalid character '}' after array element\n"},
		{"trailing_comma", `[{"a":1},]`, 0, "record #0 {\"a\":1}\nerror #1 json_syntax: invalid character ']' looking for beginning of value\n"},
		{"too_deep", "[" + nested(10001) + "]", 0, "error #0 json_syntax: invalid character '[' exceeded max depth\n"},
		{"colon_missing_after_records", `{"Records" [{"a":1}]}`, 0, "error #-1 json_syntax: invalid character '[' after object key\n"},
		{"colon_missing_after_key", `{"a" 1}`, 0, "error #0 json_syntax: expected colon after object key\n"},
		{"object_trailing_comma", `{"a":1,}`, 0, "error #0 json_syntax: invalid character '}' looking for beginning of object key string\n"},
		{"object_leading_comma", `{,"a":1}`, 0, "error #0 json_syntax: invalid character ','\n"},
		{"object_missing_comma", `{"a":1 "b":2}`, 0, "error #0 json_syntax: invalid character '\"' after object key:value pair\n"},
		{"truncated_object", `{"a":""`, 0, "error #0 truncated: JSON: input ends early\n"},
		{"records_not_array", `{"Records":"x"}`, 0, "error #-1 not_array: \"Records\" is not an array\n"},
		{"records_number_out_of_range", `{"Records":1e999}`, 0,
			"error #-1 json_syntax: json: cannot unmarshal number 1e999 into Go value of type float64\n"},
		// Truncation: at an element's index when inside it or after a comma.
		{"truncated_element", `[{"a":1},{"a":"xy`, 0, "record #0 {\"a\":1}\nerror #1 truncated: JSON: input ends early\n"},
		{"truncated_after_comma", "[{\"a\":1},\n", 0, "record #0 {\"a\":1}\nerror #1 truncated: JSON: input ends early\n"},
		{"truncated_after_element", `[{"a":1}`, 0, "record #0 {\"a\":1}\nerror #-1 truncated: JSON: input ends early\n"},
		{"truncated_literal", `[tru`, 0, "error #0 truncated: JSON: input ends early\n"},
		{"number_at_end", `[12`, 0, "error #0 not_object: not a JSON object: number\nerror #-1 truncated: JSON: input ends early\n"},
		{"syntax_error_then_truncated", `[{"a":x,"b":"`, 0, "error #0 json_syntax: invalid character 'x' looking for beginning of value\n"},
		// The record cap: a record of exactly MaxRecordBytes is read, one
		// byte more is too large.
		{"record_at_cap", `[{"a":"0123456789"}, {"b":1}]`, 18, "record #0 {\"a\":\"0123456789\"}\nrecord #1 {\"b\":1}\n"},
		{"record_over_cap", `[{"b":1}, {"a":"0123456789"}, {"b":1}]`, 17, "record #0 {\"b\":1}\nerror #1 record_too_large: record too large: over 17 bytes\nrecord #2 {\"b\":1}\n"},
		// A value over the cap is skipped to its end, by its brackets and
		// strings (escapes and brackets inside strings do not count), at any
		// buffer boundary; the array goes on.
		{"records_over_cap_skipped", `[{"a":"x\\\"]}\\"}, "0123456789\\\"\\", [[{"b":"]]"}],[]], 123456789012, {"b":1}]`, 10,
			"error #0 record_too_large: record too large: over 10 bytes\nerror #1 record_too_large: record too large: over 10 bytes\n" +
				"error #2 record_too_large: record too large: over 10 bytes\nerror #3 record_too_large: record too large: over 10 bytes\n" +
				"record #4 {\"b\":1}\n"},
		{"record_over_cap_cut", `[{"b":1}, {"a":"0123456789`, 10, "record #0 {\"b\":1}\nerror #1 record_too_large: record too large: over 10 bytes\n"},
		{"objects_over_cap_skipped", "{\n\"a\": \"0123456789\"}\n{\"b\":[\"}\",\n\"0123456789\"]}\n{\"b\":1}", 10,
			"error #0 record_too_large: record too large: over 10 bytes\nerror #1 record_too_large: record too large: over 10 bytes\nrecord #2 {\"b\":1}\n"},
		{"first_line_over_cap", "{\"a\":\"0123456789\"}{\"c\":1}\r\n{\"b\":1}\n\n{\"b\":2}", 10,
			"error #0 record_too_large: record too large: over 10 bytes\nrecord #1 {\"b\":1}\nrecord #3 {\"b\":2}\n"},
		{"only_line_over_cap", "{\"a\":\"0123456789\"}\n", 10, "error #0 record_too_large: record too large: over 10 bytes\n"},
		{"string_at_cap", `["0123456789"]`, 12, "error #0 not_object: not a JSON object: string\n"},
		{"string_over_cap", `["0123456789"]`, 11, "error #0 record_too_large: record too large: over 11 bytes\n"},
		{"number_at_cap", `[123456789]`, 9, "error #0 not_object: not a JSON object: number\n"},
		{"number_over_cap", `[123456789]`, 8, "error #0 record_too_large: record too large: over 8 bytes\n"},
		{"object_at_cap", `{"eventName":"0123456789"}`, 26, "record #0 {\"eventName\":\"0123456789\"}\n"},
		{"object_over_cap", `{"eventName":"0123456789"}`, 25, "error #0 record_too_large: record too large: over 25 bytes\n"},
		{"syntax_error_before_cap", `[{"a":x,"b":"0123456789012345678901234567890123456789"}]`, 20,
			"error #0 json_syntax: invalid character 'x' looking for beginning of value\n"},
		{"white_space_is_not_capped", "[{\"b\":1}," + strings.Repeat(" ", 100) + "{\"b\":2}]", 10, "record #0 {\"b\":1}\nrecord #1 {\"b\":2}\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, size := range splitSizes {
				if got := parseJSON(tc.in, size, tc.max); got != tc.want {
					t.Errorf("buffer of %d bytes:\n got:\n%s want:\n%s", size, got, tc.want)
				}
			}
		})
	}
}

// decoderArray reads the elements of the array in starts as the loader did
// with encoding/json's Decoder, and renders them as parseArray does.
func decoderArray(in string) string {
	var b strings.Builder
	fail := func(index int, err error) string {
		reason := "json_syntax"
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			reason, err = "truncated", fmt.Errorf("JSON: %w", ErrTruncated)
		}
		fmt.Fprintf(&b, "error #%d %s: %v\n", index, reason, err)
		return b.String()
	}
	dec := json.NewDecoder(strings.NewReader(in))
	if tok, err := dec.Token(); tok != json.Delim('[') || err != nil {
		panic(fmt.Sprintf("%q does not start an array", in))
	}
	for i := 0; dec.More(); i++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fail(i, err)
		}
		if raw[0] == '{' {
			fmt.Fprintf(&b, "record #%d %s\n", i, raw)
		} else {
			fmt.Fprintf(&b, "error #%d not_object: %v\n", i, fmt.Errorf("%w: %s", ErrNotObject, rawKind(raw)))
		}
	}
	if _, err := dec.Token(); err != nil {
		return fail(-1, err)
	}
	return b.String()
}

// FuzzSplit compares the splitter with encoding/json's Decoder on the
// elements of an array: the same elements, the same errors, at the same
// indexes, whatever the buffer size. The record cap is out of reach here.
func FuzzSplit(f *testing.F) {
	for _, seed := range []string{
		`{"a":1}, {"b":[1,{"c":"]"}]}]`,
		`"a\\\"]", [[]], 1, -2.5e3, true, false, null]`,
		`{"a":"x"} {"b":2}]`,
		`{"a":"\u00e9\n"},`,
		`1x]`, `1.]`, `tru`, `{"a":[}]`, `]`, `}`, `,]`, ` `,
		`{"a":` + nested(10001) + `}]`,
		"{\"a\":\"\xff\"}]",
		realisticEvent(1) + "," + realisticEvent(2) + "]",
	} {
		f.Add([]byte(seed), uint8(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, size uint8) {
		in := "[" + string(data)
		want := decoderArray(in)
		if got := parseArray(in, 16+int(size), 1<<20); got != want {
			t.Fatalf("input %q, buffer %d:\n splitter:\n%s decoder:\n%s", in, 16+int(size), got, want)
		}
	})
}

func TestScalarStates(t *testing.T) {
	// Each input is followed by ']' and read as one array element.
	for _, in := range []string{"0", "-0", "12", "-1.5", "1e5", "1E+5", "2.5e-3", "true", "false", "null",
		"01", "-", "-a", "1.", "1.e3", "1e", "1e+", "t", "tx", "nul", "nulll", "truefalse", "0x1", "1.5.5", "+1", ".5"} {
		arr := "[" + in + "]"
		want := decoderArray(arr)
		for _, size := range splitSizes {
			if got := parseArray(arr, size, 1<<20); got != want {
				t.Errorf("%s with a buffer of %d:\n got:\n%s want:\n%s", arr, size, got, want)
			}
		}
	}
}

func TestSyntaxIn(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // "" for none
	}{
		{``, ""},
		{`{"a":`, ""},
		{`{"a":1.`, ""},
		{`{"a":x`, "invalid character 'x' looking for beginning of value"},
		{`["a` + "\x01", "invalid character '\\x01' in string literal"},
	} {
		err := syntaxIn([]byte(tc.in))
		if got := fmt.Sprint(err); (tc.want == "" && err != nil) || (tc.want != "" && got != tc.want) {
			t.Errorf("syntaxIn(%q) = %v, want %q", tc.in, err, tc.want)
		}
		if err != nil && errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("syntaxIn(%q) = %v", tc.in, err)
		}
	}
}

// FuzzSpans checks the member spans validPrefix records: on any valid
// object they are in order, each a key and a valid value, and a lookup
// through them finds what trail.Member's walk of the record finds, for
// every key and for eventTime.
func FuzzSpans(f *testing.F) {
	for _, seed := range []string{
		`{"eventTime":"2024-07-30T21:53:13Z"}`,
		`{"a":{"eventTime":"1999-01-01T00:00:00Z","b":[1,"}",{"c":"\"]"}]},"eventTime" : "2024-07-30T21:53:13Z","z":null}`,
		`{"event\u0054ime":"2024-07-30T21:53:13Z"}`,
		`{"eventTime":"2024-07-30T21:53:13\u005a"}`,
		`{"x":"eventTime","eventTime":"2024-07-30T21:53:13Z","eventTime":1}`,
		`{"x":"a\"eventTime","y":["eventTime"],"eventTime":["2024-07-30T21:53:13Z"]}`,
		`{"k":"\"eventTime\":\"2024-07-30T21:53:13Z\""}`,
		` { "a" : 1 , "b" : [ ] , "c" : { } } `,
		realisticEvent(7),
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		data = bytes.TrimSpace(data)
		var m map[string]json.RawMessage
		if len(data) == 0 || data[0] != '{' || json.Unmarshal(data, &m) != nil {
			return
		}
		var spans []trail.Span
		if n := validPrefix(data, &spans); n != len(data) {
			t.Fatalf("validPrefix(%q) = %d, want %d", data, n, len(data))
		}
		last := int32(0)
		for _, sp := range spans {
			if sp.Key < last || sp.KeyEnd <= sp.Key || sp.Value < sp.KeyEnd || sp.End <= sp.Value {
				t.Fatalf("%q: spans out of order: %+v", data, spans)
			}
			last = sp.End
			var k string
			if json.Unmarshal(data[sp.Key:sp.KeyEnd], &k) != nil || !json.Valid(data[sp.Value:sp.End]) {
				t.Fatalf("%q: span %+v is not a key and a value", data, sp)
			}
		}
		for key := range m {
			if got, want := trail.MemberAt(data, spans, key), trail.Member(data, key); !bytes.Equal(got, want) {
				t.Fatalf("%q: member %q through spans %q, by walking %q", data, key, got, want)
			}
		}
		if got, want := eventTimeAt(data, spans), eventTimeAt(data, nil); !got.Equal(want) {
			t.Fatalf("%q: eventTime through spans %v, by walking %v", data, got, want)
		}
	})
}
