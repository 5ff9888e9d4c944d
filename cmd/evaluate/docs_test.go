package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The documentation's promises, kept true by tests: the README is short and
// links only to files that exist, no document points outside the
// repository, every flag is in the usage table, and every test the fault
// catalogue names exists.

func readDocs(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{}
	for _, f := range append(files, "../../README.md") {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs[f] = string(b)
	}
	return docs
}

func TestREADMEIsShort(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 10*1024 {
		t.Errorf("README.md is %d bytes; keep it under 10 KiB and move the rest to docs/", len(b))
	}
}

var mdLink = regexp.MustCompile(`\]\(([^)#\s]+)(#[^)]*)?\)`)

func TestDocLinksResolve(t *testing.T) {
	for file, text := range readDocs(t) {
		for _, m := range mdLink.FindAllStringSubmatch(text, -1) {
			target := m[1]
			if strings.Contains(target, "://") {
				continue
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(file), target)); err != nil {
				t.Errorf("%s links to %s, which does not exist", file, target)
			}
		}
		if strings.Contains(text, "../shared") {
			t.Errorf("%s names a path outside the repository (../shared)", file)
		}
	}
}

func TestUsageDocumentsEveryFlag(t *testing.T) {
	usage, err := os.ReadFile("../../docs/usage.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range options {
		if o.name == "watch" || o.name == "follow" {
			continue // the mode aliases, described above the table
		}
		if !strings.Contains(string(usage), "| `--"+o.name) && !strings.Contains(string(usage), ", `--"+o.name) {
			t.Errorf("docs/usage.md's flag table lacks --%s", o.name)
		}
	}
}

var citedTest = regexp.MustCompile("`([a-z0-9/]+): (Test[A-Za-z0-9_]+)")

func TestFaultCatalogueNamesRealTests(t *testing.T) {
	cat, err := os.ReadFile("../../docs/faults.md")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, m := range citedTest.FindAllStringSubmatch(string(cat), -1) {
		pkg, name := m[1], m[2]
		if pkg == "package" || seen[pkg+name] { // "package: TestName", the form explained
			continue
		}
		seen[pkg+name] = true
		files, _ := filepath.Glob(filepath.Join("../..", pkg, "*_test.go"))
		found := false
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err == nil && strings.Contains(string(b), "func "+name+"(") {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("docs/faults.md cites %s: %s, which does not exist", pkg, name)
		}
	}
	if len(seen) < 50 {
		t.Errorf("only %d tests cited: is the catalogue's citation form still `pkg: TestName`?", len(seen))
	}
}
