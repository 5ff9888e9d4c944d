package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// Finding is one expected finding: its by-field values by name (a nil value
// is JSON null).
type Finding map[string]*string

// Expected is the generator's expected.jsonl for one detection, by eventID.
type Expected struct {
	Detection string
	ByID      map[string]Finding
}

// ReadExpected reads expected.jsonl: one finding object per line, with
// "detection" and the detection's by-fields.
func ReadExpected(path, detection string) (*Expected, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	e := &Expected{Detection: detection, ByID: map[string]Finding{}}
	err = eachRow(f, func(n int, row map[string]any) error {
		if d, _ := row["detection"].(string); d != detection {
			return nil
		}
		fd, id, err := findingOf(row)
		if err != nil {
			return fmt.Errorf("%s:%d: %w", path, n, err)
		}
		if _, dup := e.ByID[id]; dup {
			return fmt.Errorf("%s:%d: eventID %s twice", path, n, id)
		}
		e.ByID[id] = fd
		return nil
	})
	return e, err
}

// Check is how a contender's findings compare with the expected ones.
type Check struct {
	OK       bool     `json:"ok"`
	Findings int64    `json:"findings"`           // findings of the detection (sum of counts)
	Expected int64    `json:"expected"`           // expected findings
	Missing  int      `json:"missing"`            // expected eventIDs not found
	Extra    int      `json:"extra"`              // eventIDs found, not expected
	Counts   int      `json:"count_mismatches"`   // eventIDs found more than once
	Values   int      `json:"value_mismatches"`   // eventIDs whose by-field values differ
	Examples []string `json:"examples,omitempty"` // a few of each kind
}

func (c Check) String() string {
	if c.OK {
		return fmt.Sprintf("%d findings, as expected", c.Findings)
	}
	s := fmt.Sprintf("%d findings, want %d: %d missing, %d extra, %d counted twice or more, %d with other values",
		c.Findings, c.Expected, c.Missing, c.Extra, c.Counts, c.Values)
	if len(c.Examples) > 0 {
		s += "; e.g. " + strings.Join(c.Examples, "; ")
	}
	return s
}

// CheckFindings compares a contender's output with the expected findings.
// The output is JSON lines: trailhunt's jsonl rows, or one finding object
// per line (naive, jq). Rows of other detections are ignored; a row without
// "detection" counts as the expected detection's. A row's "count" (default
// 1) is how many records it stands for. Findings must match by eventID, one
// each, and every by-field the row carries must have the expected value.
func (e *Expected) CheckFindings(r io.Reader) (Check, error) {
	c := Check{Expected: int64(len(e.ByID))}
	seen := map[string]int64{}
	example := func(s string) {
		if len(c.Examples) < 6 {
			c.Examples = append(c.Examples, s)
		}
	}
	err := eachRow(r, func(n int, row map[string]any) error {
		if d, ok := row["detection"].(string); ok && d != e.Detection {
			return nil
		}
		count := int64(1)
		if v, ok := row["count"]; ok {
			f, ok := v.(float64)
			if !ok || f < 1 || f != float64(int64(f)) {
				return fmt.Errorf("line %d: count %v", n, v)
			}
			count = int64(f)
		}
		got, id, err := findingOf(row)
		if err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		c.Findings += count
		seen[id] += count
		want, ok := e.ByID[id]
		if !ok {
			if seen[id] == count {
				c.Extra++
				example("extra " + id)
			}
			return nil
		}
		for k, v := range got {
			w, known := want[k]
			if known && !sameValue(v, w) {
				c.Values++
				example(fmt.Sprintf("%s: %s is %s, want %s", id, k, show(v), show(w)))
				break
			}
		}
		return nil
	})
	if err != nil {
		return c, err
	}
	var missing []string
	for id := range e.ByID {
		if seen[id] == 0 {
			missing = append(missing, id)
		}
	}
	slices.Sort(missing)
	c.Missing = len(missing)
	for _, id := range missing[:min(3, len(missing))] {
		example("missing " + id)
	}
	for id, n := range seen {
		if n > 1 {
			c.Counts++
			example(fmt.Sprintf("%s found %d times", id, n))
		}
	}
	c.OK = c.Findings == c.Expected && c.Missing == 0 && c.Extra == 0 && c.Counts == 0 && c.Values == 0
	return c, nil
}

// findingOf reads a row's eventID and its string-or-null fields.
func findingOf(row map[string]any) (Finding, string, error) {
	id, ok := row["eventID"].(string)
	if !ok {
		return nil, "", fmt.Errorf("no string eventID in %v", row)
	}
	f := Finding{}
	for k, v := range row {
		switch v := v.(type) {
		case nil:
			f[k] = nil
		case string:
			f[k] = &v
		}
	}
	delete(f, "detection")
	return f, id, nil
}

func eachRow(r io.Reader, fn func(n int, row map[string]any) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 64<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var row map[string]any
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		if err := fn(n, row); err != nil {
			return err
		}
	}
	return sc.Err()
}

func sameValue(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func show(v *string) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprintf("%q", *v)
}
