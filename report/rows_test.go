package report

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/trailhunt/trailhunt/trail"
)

// failingRows yields the first n rows of rows, then err.
func failingRows(rows []trail.Row, n int, err error) Rows {
	return func(yield func(trail.Row, error) bool) {
		for _, r := range rows[:n] {
			if !yield(r, nil) {
				return
			}
		}
		yield(trail.Row{}, err)
	}
}

// TestWriteRowsStopsAtSequenceError: rows that cannot be read back (a
// spilled run gone bad) stop the writing with their error, in every
// format, and nothing is written: the first pass, validation, meets it.
func TestWriteRowsStopsAtSequenceError(t *testing.T) {
	errGone := errors.New("read spilled run /tmp/run-000003: checksum does not match")
	for _, f := range Formats {
		for _, n := range []int{0, 2} {
			t.Run(fmt.Sprintf("%s after %d rows", f, n), func(t *testing.T) {
				var b bytes.Buffer
				err := WriteRows(&b, Config{Format: f, Detections: testDetections}, failingRows(realisticRows, n, errGone))
				if !errors.Is(err, errGone) || err.Error() != "report: "+errGone.Error() {
					t.Fatalf("err = %v", err)
				}
				if b.Len() != 0 {
					t.Fatalf("wrote %q", b.String())
				}
			})
		}
	}
}

// TestWriteRowsPasses: the table and CSV range over rows once to
// validate and once to write when the rows of each detection are
// together, once per detection when they are not (and write what they
// would for the rows grouped); the other formats once to validate and once
// to write, in the order given.
func TestWriteRowsPasses(t *testing.T) {
	var cak, login []trail.Row
	for _, r := range testRows {
		if r.Detection == consoleLogin.ID {
			login = append(login, r)
		} else {
			cak = append(cak, r)
		}
	}
	together := append(append([]trail.Row{}, cak...), login...)
	interleaved := append([]trail.Row{cak[0], login[0]}, cak[1:]...)
	interleaved = append(interleaved, login[1:]...)
	grouped := append([]trail.Row{cak[0]}, cak[1:]...)
	grouped = append(grouped, login...)
	for _, tc := range []struct {
		name   string
		rows   []trail.Row
		format Format
		passes int
		same   []trail.Row // the output is Write's of these rows
	}{
		{"together", together, FormatTable, 2, together},
		{"together", together, FormatCSV, 2, together},
		{"together", together, FormatJSONL, 2, together},
		{"interleaved", interleaved, FormatTable, 3, grouped},
		{"interleaved", interleaved, FormatCSV, 3, grouped},
		{"interleaved", interleaved, FormatJSON, 2, interleaved},
		{"interleaved", interleaved, FormatOCSF, 2, interleaved},
	} {
		t.Run(tc.name+"/"+string(tc.format), func(t *testing.T) {
			passes := 0
			rows := func(yield func(trail.Row, error) bool) {
				passes++
				RowsOf(tc.rows)(yield)
			}
			cfg := Config{Format: tc.format, Detections: testDetections}
			var got bytes.Buffer
			if err := WriteRows(&got, cfg, rows); err != nil {
				t.Fatal(err)
			}
			if passes != tc.passes {
				t.Errorf("%d passes, want %d", passes, tc.passes)
			}
			if want := write(t, cfg, tc.same); !bytes.Equal(got.Bytes(), want) {
				t.Errorf("output:\n%s\nwant\n%s", got.Bytes(), want)
			}
		})
	}
}
