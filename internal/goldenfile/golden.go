// Package goldenfile compares test output with golden files and rewrites them
// when the tests run with -update. It registers the -update flag, so a test
// package that imports it must not define its own.
package goldenfile

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// Check compares got with the file at path, or, with -update, writes got
// there (creating its directory).
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the tests with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (-update rewrites it)\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// Updating reports whether the tests run with -update: a test that keeps
// one golden file per item it finds (per detection) creates missing ones.
func Updating() bool { return *update }
