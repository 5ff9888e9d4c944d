package main

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEShowsTheMainOutput keeps the README honest: the table it shows
// for its main command is the table that command prints (testdata/
// fixtures.table is checked against the real output by TestFixturesGolden).
func TestREADMEShowsTheMainOutput(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/fixtures.table")
	if err != nil {
		t.Fatal(err)
	}
	s := string(readme)
	if !strings.Contains(s, "\ngo run ./cmd/evaluate fixtures/ ") {
		t.Error("README no longer opens with the main command")
	}
	start := strings.Index(s, "<!-- main-output")
	end := strings.Index(s, "<!-- end main-output -->")
	if start < 0 || end < start {
		t.Fatal("README has no main-output block")
	}
	block := s[start:end]
	block = block[strings.Index(block, "```\n")+4 : strings.LastIndex(block, "```")]
	if block != string(want) {
		t.Errorf("README's main-output block differs from testdata/fixtures.table; paste the golden into the README")
	}
}
