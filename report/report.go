// Package report renders aggregated result rows as a table, JSON, JSON lines
// or CSV, renders the run summary, and writes output files atomically.
//
// Every format carries, per row: "detection" (the detection id), the
// by-fields under their seed names in the detection's By order, "count",
// "firstTime" and "lastTime". Times are UTC, to the second: in JSON, JSON
// lines and CSV as RFC 3339 with its "Z" ("2024-07-30T21:53:13Z"), so that
// no reader takes them for local time; in the table like the seed's
// security_content_ctime macro ("2024-07-30T21:53:13"). A group in which no
// record had a time has null times in JSON and empty ones in CSV and the
// table. The JSON formats add "title", "mitre_attack" (technique
// ids), "risk_score", "risk_message" (the detection's risk message rendered
// with the row's values), "policy_version" and "provenance", in that order.
// "provenance" is {"count": <records in the row>, "first": [<source>, ...]}
// (keys in that order): the first few records of the row in source order
// (aggregate.MaxSources), each "file#index" or "file!member#index", so a
// hunter can go from a row to its raw events; "first" is [] when the row
// kept none. It is not called "sources" because detections may name a
// stat so (aws_iam_accessdenied_discovery_events counts distinct
// eventSources as "sources"), and a report key must not shadow a column.
//
// Layouts:
//   - "json": one document {"policy_version": ..., "rows": [...]}, indented
//     by two spaces; "rows": [] when there are none;
//   - "jsonl": one compact row object per line; nothing when no rows;
//   - "csv": one table, whatever the number of detections: one header line,
//     then one line per row. The header is "detection", then the union of
//     the columns of the detections written, in order of first appearance:
//     detection after detection in the order of their rows, its by-fields
//     (By order) then its stats columns (count, firstTime, lastTime by
//     default), each name where it first appears; a row leaves the columns
//     of other detections empty. With no rows the header is still written,
//     from every detection of Config.Detections in id order, so that an
//     empty run gives a parseable file with the columns its detections
//     have. Cells: null is an empty cell and the empty string is `""` (two
//     double-quote characters; `""""""` in the file), so that a
//     csv.DictReader user tells them apart: CSV has no null, and most
//     readers lose the difference between "" quoted and an empty cell; a
//     value that is itself `""` is written `\x22\x22`. Control characters,
//     invalid UTF-8 and invisible characters are escaped as in the table
//     (`\n`, `\x1b`), so a cell holds line breaks only between the values of
//     a values(f) stat, one value per line (an empty list is an empty
//     cell). CSV is for spreadsheets and scripts, not lossless (a
//     backslash is kept as it is): JSON is;
//   - "table": per detection, a heading "<id> — <title> (<n> rows)" (the
//     title cut first when it does not fit); then, indented, the by-fields
//     whose value is the same in every row as "name=value" items wrapped to
//     the width; then aligned columns: the other by-fields, then the stats
//     (count right-aligned, firstTime, lastTime by default), null shown as
//     "-". No line is wider than the width budget (Config.Width, at least
//     MinWidth), footer included. Columns are kept in order of importance, each at its
//     readable width (numbers and times whole, others at most 14 cells):
//     (1) count and count(f); (2) the by-fields and stats the risk message
//     names, in message order (the who, whom and from where); (3) dc(f);
//     (4) firstTime (min(_time)); (5) lastTime (max(_time)), often equal to
//     firstTime; (6) the other by-fields, in By order; (7) values(f) lists.
//     A column that does not fit is left out (a narrower, less important one
//     may still fit) and named in a footer "not shown at this width: ...",
//     wrapped. The kept columns then share the width: headers of dotted
//     fields shrink to their last segment ("…userName"), then the widest
//     by-field and values columns shrink first; cut values end with "…",
//     except ARNs, which keep their end ("…:user/christophe"); numbers and
//     times are never cut, values lists are at most 40 cells.
//     Widths are counted in terminal cells: a grapheme cluster of East
//     Asian Width W or F (CJK, fullwidth forms, emoji) takes two, a
//     combining mark none (github.com/clipperhouse/displaywidth).
//     "No findings." when there are no rows.
//
// Invariants:
//   - output is deterministic: rows are written in the order given
//     (aggregate.Table.Rows is already sorted), JSON keys in the fixed order
//     above; the table and CSV formats keep rows of one detection together,
//     detections in order of first appearance;
//   - Write validates every row (known detection, one value per by-field,
//     no by-field named like a report column) before writing a byte;
//   - no table line is wider than the width budget, in terminal cells;
//   - attacker-controlled values cannot act on the reader: in CSV, every
//     line of a cell (a cell's start, and after each "\n" or "\r") that
//     starts with a tab or a carriage return, or with '=', '+', '-' or '@'
//     after any spaces and tabs, is prefixed with a single quote (OWASP CSV
//     injection; header and values(f) lines included); the table escapes
//     control characters, newlines and invalid UTF-8, so one row is one line
//     and no escape sequence reaches a terminal; JSON escapes them by
//     construction;
//   - an output file written through CreateAtomic is either the complete
//     new content or the untouched previous file, never a partial file.
package report

import (
	"bufio"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/trailhunt/trailhunt/trail"
)

// Format is an output format name.
type Format string

// The output formats.
const (
	FormatTable Format = "table" // aligned columns for a person
	FormatJSON  Format = "json"  // one indented document
	FormatJSONL Format = "jsonl" // one compact object per row and line
	FormatCSV   Format = "csv"   // one table, one header for every detection
)

// Formats lists the valid formats in documentation order.
var Formats = []Format{FormatTable, FormatJSON, FormatJSONL, FormatCSV, FormatOCSF}

// ParseFormat returns the format named s (exactly, lower case).
func ParseFormat(s string) (Format, error) {
	if slices.Contains(Formats, Format(s)) {
		return Format(s), nil
	}
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown output format %q: valid formats are %s", s, strings.Join(names, ", "))
}

// DefaultWidth is the table width budget when Config.Width is 0.
const DefaultWidth = 120

// MinWidth is the narrowest table width budget: a smaller Config.Width is
// taken as MinWidth.
const MinWidth = 40

// Config says how Write renders rows.
type Config struct {
	Format Format
	// Width is the table's width budget in terminal cells: no line of the
	// table is wider. 0 means DefaultWidth; below MinWidth, MinWidth.
	// Other formats ignore it.
	Width int
	// Detections maps detection ids to their metadata: By (the by-field
	// names and order), Title, ATT&CK ids and risk. Every row's detection
	// must be present.
	Detections map[string]trail.Detection
	// PolicyVersion identifies the policy set; carried in JSON output.
	PolicyVersion string
}

// Columns a report writes besides the by-fields; a by-field may not share
// one of these names.
var reservedColumns = []string{
	"detection", "count", "firstTime", "lastTime",
	"title", "mitre_attack", "risk_score", "risk_message", "policy_version", "provenance",
}

// Rows is a sequence of result rows that may be ranged over more than
// once, giving the same rows in the same order each time; an error it
// yields (rows read back from disk) ends it. aggregate.Table.Scan and
// RowsOf make one.
type Rows = iter.Seq2[trail.Row, error]

// RowsOf is the Rows of a slice.
func RowsOf(rows []trail.Row) Rows {
	return func(yield func(trail.Row, error) bool) {
		for _, r := range rows {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// Write renders rows to w in cfg.Format. It writes nothing when the
// configuration or a row is invalid.
func Write(w io.Writer, cfg Config, rows []trail.Row) error {
	return WriteRows(w, cfg, RowsOf(rows))
}

// WriteRows is Write for rows that need not all be in memory: it ranges
// over rows once to validate them, then once more to write them (the table
// and CSV formats, once per detection when the rows of a detection are not
// together). It holds one row at a time, and, for the table format, the
// rows of one detection. An error rows yields stops the writing and is
// returned.
func WriteRows(w io.Writer, cfg Config, rows Rows) error {
	width := cfg.Width
	switch {
	case width == 0:
		width = DefaultWidth
	case width < 0:
		return fmt.Errorf("report: negative table width %d", width)
	case width < MinWidth:
		width = MinWidth
	}
	if _, err := ParseFormat(string(cfg.Format)); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	lay, err := validate(cfg.Detections, rows)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}

	bw := bufio.NewWriter(w)
	switch cfg.Format {
	case FormatOCSF:
		err = writeOCSF(bw, cfg, rows)
	case FormatTable:
		err = writeTable(bw, cfg.Detections, width, rows, lay)
	case FormatJSON:
		err = writeJSON(bw, cfg, rows)
	case FormatJSONL:
		err = writeJSONL(bw, cfg, rows)
	case FormatCSV:
		err = writeCSV(bw, cfg.Detections, rows, lay)
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", cfg.Format, err)
	}
	return nil
}

// eachRow calls fn with every row of rows; it returns the first error,
// fn's or the sequence's.
func eachRow(rows Rows, fn func(trail.Row) error) error {
	for r, err := range rows {
		if err == nil {
			err = fn(r)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// layout is what validate learns of the rows: their detections in order of
// first appearance, whether the rows of each are together, and how many
// rows there are.
type layout struct {
	order    []string
	together bool
	n        int64
}

// validate checks that every row can be rendered.
func validate(detections map[string]trail.Detection, rows Rows) (layout, error) {
	lay := layout{together: true}
	checked := make(map[string]bool)
	err := eachRow(rows, func(r trail.Row) error {
		i := lay.n
		lay.n++
		d, ok := detections[r.Detection]
		if !ok {
			return fmt.Errorf("row %d: unknown detection %q", i, r.Detection)
		}
		if len(r.Values) != len(d.By) {
			return fmt.Errorf("row %d: detection %q has %d by-fields, row has %d values",
				i, r.Detection, len(d.By), len(r.Values))
		}
		if _, err := rowStats(d, r); err != nil {
			return fmt.Errorf("row %d: %w", i, err)
		}
		if checked[r.Detection] {
			if lay.order[len(lay.order)-1] != r.Detection {
				lay.together = false
			}
			return nil
		}
		checked[r.Detection] = true
		lay.order = append(lay.order, r.Detection)
		for j, f := range d.By {
			if slices.Contains(reservedColumns, f) {
				return fmt.Errorf("detection %q: by-field %q collides with a report column", r.Detection, f)
			}
			if slices.Contains(d.By[:j], f) || slices.Contains(statNames(d), f) {
				return fmt.Errorf("detection %q: by-field %q appears twice", r.Detection, f)
			}
		}
		for _, name := range statNames(d) {
			if slices.Contains(reservedColumns, name) && !slices.Contains(statNames(trail.Detection{}), name) {
				return fmt.Errorf("detection %q: stat %q collides with a report column", r.Detection, name)
			}
		}
		return nil
	})
	return lay, err
}

// eachGrouped calls fn with every row, the rows of one detection together,
// detections in order of first appearance: in one pass over rows when they
// already are so, else in one pass per detection.
func eachGrouped(rows Rows, lay layout, fn func(trail.Row) error) error {
	if lay.together {
		return eachRow(rows, fn)
	}
	for _, det := range lay.order {
		err := eachRow(rows, func(r trail.Row) error {
			if r.Detection != det {
				return nil
			}
			return fn(r)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// block is the rows of one detection, in input order.
type block struct {
	det  trail.Detection
	rows []trail.Row
}

// Times have two renderings, one per purpose.

// ctimeLayout is the seed's security_content_ctime: %Y-%m-%dT%H:%M:%S.
const ctimeLayout = "2006-01-02T15:04:05"

// ctime renders t for a person, in the table: like the seed's
// security_content_ctime, in UTC, without a zone; "" for the zero time.
func ctime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(ctimeLayout)
}

// dataTime renders t for a program, in JSON, JSON lines and CSV: RFC 3339
// in UTC to the second, with its "Z" ("2024-07-30T21:53:13Z"), so that no
// reader takes it for local time; "" for the zero time.
func dataTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// errWriter remembers the first write error so that a sequence of writes
// can be checked once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) WriteString(s string) {
	if e.err == nil {
		_, e.err = io.WriteString(e.w, s)
	}
}

func (e *errWriter) Write(p []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(p)
	}
}
