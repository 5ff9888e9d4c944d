package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"
)

// TestSplit counts records across every chunk boundary, with braces,
// brackets and escaped quotes inside strings.
func TestSplit(t *testing.T) {
	doc := `{"Records":[{"a":"}{","b":[{"c":"\"}"}]},{"d":"\\"},{}, {"e":{"f":"]"}}],"x":{"y":1}}`
	for size := 1; size <= len(doc); size++ {
		s := &splitter{chunk: make([]byte, size)}
		var c Counts
		if err := s.split(bytes.NewReader([]byte(doc)), &c); err != nil {
			t.Fatal(err)
		}
		if c.Records != 4 || c.Decompressed != int64(len(doc)) || c.MaxRecord != int64(len(`{"a":"}{","b":[{"c":"\"}"}]}`)) {
			t.Fatalf("chunk %d: %+v", size, c)
		}
	}
	s := &splitter{chunk: make([]byte, 8)}
	if err := s.split(bytes.NewReader([]byte(doc[:30])), &Counts{}); err == nil {
		t.Error("truncated document: no error")
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write([]byte(`{"Records":[{"eventName":"A"},{"eventName":"B"}]}`))
	w.Close()
	for _, name := range []string{"a.json.gz", "sub/b.json.gz", "sub/c.json.gz"} {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, z.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "manifest.txt"), []byte("not read"), 0o644)
	c, err := run([]string{dir}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if c.Files != 3 || c.Records != 6 || c.Bytes != 3*int64(z.Len()) {
		t.Errorf("%+v", c)
	}
}
