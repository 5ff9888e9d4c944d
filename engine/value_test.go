package engine

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// slowValue is what valueOf replaces: encoding/json into any, then
// ast.InterfaceToValue.
func slowValue(raw []byte) (ast.Value, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return ast.InterfaceToValue(v)
}

func checkValueOf(t *testing.T, raw []byte) {
	t.Helper()
	if !json.Valid(raw) {
		return // the loader never yields it (valueOf must only not panic)
	}
	want, err := slowValue(raw)
	if err != nil {
		t.Fatalf("decode %.200q: %v", raw, err)
	}
	got, err := valueOf(raw)
	if err != nil {
		t.Fatalf("valueOf(%.200q): %v", raw, err)
	}
	if ast.Compare(got, want) != 0 {
		t.Fatalf("valueOf(%.200q) =\n%v\nwant\n%v", raw, got, want)
	}
}

// Every record of the fixtures (the shared real data among them) converts
// as encoding/json and ast.InterfaceToValue convert it.
func TestValueOfFixtures(t *testing.T) {
	files, _ := filepath.Glob("../fixtures/*/*.json*")
	if len(files) < 4 {
		t.Fatalf("found %d fixture files", len(files))
	}
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct{ Records []json.RawMessage }
		if json.Unmarshal(b, &doc) == nil && doc.Records != nil {
			for _, r := range doc.Records {
				checkValueOf(t, r)
				n++
			}
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
				checkValueOf(t, line)
				n++
			}
		}
	}
	if n < 1000 {
		t.Errorf("compared %d records, want the fixtures' 1000 and more", n)
	}
}

func FuzzValueOf(f *testing.F) {
	for _, seed := range []string{
		`{"a":1,"a":2}`,
		`{"k":"v\u00e9\ud83d\ude00","n":-1.5e-3,"b":[true,false,null,{},[]],"x":{"y":"\"\\/"}}`,
		"{\"bad utf8\":\"\xff\xfe\",\"\xc3\":1}",
		` [ 1 , 2.0 , 1e400 , 0 ] `,
		`12345678901234567890123`,
		`"plain"`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkValueOf(t, data)
		valueOf(data) // never panics, whatever the input
	})
}
