package trail

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Member agrees with encoding/json on the raw value of a top-level key.
func TestMember(t *testing.T) {
	docs := []string{
		`{}`,
		` { "k" : "v" } `,
		`{"k":1}`,
		`{"k":-1.5e3,"x":2}`,
		`{"x":"k","k":[1,[2,[3]],{"k":"no"}]}`,
		`{"x":"\\","k":"\"quoted\""}`,
		`{"x":"\\\"}","k":true}`,
		`{"a":{"b":{"c":{}}},"k":{"d":[]}}`,
		`{"k":"first","k":"second"}`,
		`{"k\u0000":1,"k":2}`,
		`{"x":[` + strings.Repeat(`{"k":[`, 500) + strings.Repeat(`]}`, 500) + `],"k":null}`,
	}
	for _, doc := range docs {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(doc), &m); err != nil {
			t.Fatalf("bad test document %s: %v", doc, err)
		}
		want := string(m["k"])
		if got := string(Member([]byte(doc), "k")); got != want {
			t.Errorf("Member(%s) = %q, want %q", doc, got, want)
		}
	}
	// Invalid input never panics.
	for _, bad := range []string{"", "{", `{"k`, `{"k":`, `{"k":"`, `{"k":[`, `{"k":1,`, `["k"]`, `{"k"}`, `{"k":1 "x":2}`, `{"\`} {
		Member([]byte(bad), "k")
	}
}

func TestStringMember(t *testing.T) {
	tests := []struct {
		name, doc, want string
		ok              bool
	}{
		{"plain", `{"eventName":"CreateAccessKey"}`, "CreateAccessKey", true},
		{"escaped", `{"eventName":"Create\u0041ccessKey"}`, "CreateAccessKey", true},
		{"escaped key", `{"event\u004eame":"X"}`, "X", true},
		{"last of duplicates", `{"eventName":"A","eventName":"B"}`, "B", true},
		{"number", `{"eventName":1}`, "", false},
		{"null", `{"eventName":null}`, "", false},
		{"missing", `{"eventSource":"x"}`, "", false},
		{"nested does not count", `{"x":{"eventName":"A"}}`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := StringMember([]byte(tt.doc), "eventName")
			if got != tt.want || ok != tt.ok {
				t.Errorf("StringMember(%s) = %q, %v; want %q, %v", tt.doc, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// Lookup reads members through the record's spans when it has them, and
// walks Raw when it has none; Clone shares no memory with the original.
func TestLookupAndClone(t *testing.T) {
	raw := []byte(`{"a":"x","event\u004eame":"B","eventName":"C"}`)
	walked := Record{Raw: raw}
	indexed := Record{Raw: raw, Spans: []Span{{1, 4, 5, 8}, {9, 25, 26, 29}}} // the first two members only
	for _, tc := range []struct {
		name string
		rec  Record
		want string
	}{
		{"walked: the last of the duplicates", walked, "C"},
		{"through spans: only the members they locate", indexed, "B"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, ok := tc.rec.LookupString("eventName"); !ok || got != tc.want {
				t.Errorf("LookupString(eventName) = %q, %v; want %q", got, ok, tc.want)
			}
		})
	}
	c := indexed.Clone()
	c.Raw[2], c.Spans[0].End = 'z', 0
	if raw[2] != 'a' || indexed.Spans[0].End != 8 {
		t.Errorf("Clone shares memory with the original")
	}
	if (Record{}).Clone().Spans != nil {
		t.Errorf("Clone of a record without spans has spans")
	}
}

// FuzzMember: on any valid object (valid UTF-8, which encoding/json would
// otherwise rewrite in keys), Member finds for each key what encoding/json
// finds, escaped keys and duplicates included.
func FuzzMember(f *testing.F) {
	for _, seed := range []string{
		`{"eventName":"A","event\u004eame":"B"}`,
		`{"\u0065ventName":1,"eventNam":2,"eventNamee":3}`,
		`{"e\"":1,"eventName":{"eventName":2}}`,
		`{"é":1,"\u00e9":2}`,
	} {
		f.Add([]byte(seed), "eventName")
	}
	f.Fuzz(func(t *testing.T, data []byte, key string) {
		var m map[string]json.RawMessage
		if !utf8.Valid(data) || json.Unmarshal(data, &m) != nil || m == nil {
			return
		}
		for _, k := range append(slices.Collect(maps.Keys(m)), key) {
			if got, want := Member(data, k), m[k]; !bytes.Equal(got, want) {
				t.Fatalf("Member(%q, %q) = %q, encoding/json finds %q", data, k, got, want)
			}
		}
	})
}

func TestParseSpanAndBucket(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"", 0, false}, {"1h", time.Hour, false}, {"15m", 15 * time.Minute, false}, {"30s", 30 * time.Second, false},
		{"1d", 24 * time.Hour, false}, {"0h", 0, true}, {"-1h", 0, true}, {"1hour", 0, true}, {"h", 0, true}, {"1.5h", 0, true}, {"1w", 0, true},
	} {
		got, err := ParseSpan(tc.in)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("ParseSpan(%q) = %v, %v", tc.in, got, err)
		}
	}
	at := time.Date(2024, 8, 18, 23, 59, 59, 0, time.FixedZone("x", 2*3600))
	if got := *Bucket(at, 24*time.Hour); got != "2024-08-18T00:00:00Z" {
		t.Errorf("day bucket = %s", got)
	}
	if Bucket(time.Time{}, time.Hour) != nil {
		t.Error("no time gave a bucket")
	}
}
