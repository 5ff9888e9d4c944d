package live

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trailhunt/trailhunt/trail"
)

func TestAppendable(t *testing.T) {
	rec := `{"eventName":"GetObject","eventID":"e"}`
	long := `{"eventName":"GetObject","pad":"` + strings.Repeat("x", 5000) + `"}`
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(rec + "\n"))
	zw.Close()
	tests := []struct {
		name    string
		content string
		want    bool
	}{
		{"JSON lines", rec + "\n" + rec + "\n", true},
		{"JSON lines with blank lines and CRLF", "\n" + rec + "\r\n\r\n" + rec + "\r\n", true},
		{"one line", rec + "\n", true},
		{"lines longer than the check", long + "\n" + rec + "\n" + long + "\n", false},
		{"no line end at the end", rec + "\n" + rec, false},
		{"a Records document on one line", `{"Records":[` + rec + "]}\n", true},
		{"a Records document, indented", "{\n  \"Records\": [\n    " + rec + "\n  ]\n}\n", false},
		{"a Records document cut at a line end", "{\"Records\": [\n" + rec + ",\n" + rec + ",\n", false},
		{"a last line that is not an object", rec + "\n[1]\n", false},
		{"gzip", gz.String(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "f")
			if err := os.WriteFile(p, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			sum, err := appendable(p, int64(len(tt.content)))
			if err != nil {
				t.Fatal(err)
			}
			if got := sum != ""; got != tt.want {
				t.Errorf("appendable = %q, want appendable %v", sum, tt.want)
			}
		})
	}
}

func TestFindingKey(t *testing.T) {
	s := func(v string) *string { return &v }
	f := func(det string, vals ...*string) trail.Finding { return trail.Finding{Detection: det, Values: vals} }
	keys := map[string]string{}
	for name, x := range map[string]trail.Finding{
		"a/b":        f("d", s("a"), s("b")),
		"ab/":        f("d", s("ab"), s("")),
		"a/null":     f("d", s("a"), nil),
		"a/empty":    f("d", s("a"), s("")),
		"other det":  f("e", s("a"), s("b")),
		"d+a joined": f("da", s(""), s("b")),
	} {
		k := findingKey(x)
		if other, ok := keys[k]; ok {
			t.Errorf("%s and %s have the same key", name, other)
		}
		keys[k] = name
		if len(k) != 32 {
			t.Errorf("%s: key %q, want 32 hex digits", name, k)
		}
	}
	if findingKey(f("d", s("a"))) != findingKey(trail.Finding{Detection: "d", Values: []*string{s("a")}, Source: trail.Source{File: "x", Index: 3}}) {
		t.Error("the key depends on where the record was read")
	}
}
