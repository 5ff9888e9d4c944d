package report

import (
	"encoding/csv"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/trailhunt/trailhunt/trail"
)

// writeCSV writes one table, whatever the number of detections: a header
// (see csvColumns), then one line per row, rows of one detection together,
// detections in order of first appearance. Each row fills the columns of
// its detection and leaves the others empty. Cells are encoded by csvCell
// and csvValues.
func writeCSV(w io.Writer, detections map[string]trail.Detection, rows Rows, lay layout) error {
	var dets []trail.Detection
	for _, id := range lay.order {
		dets = append(dets, detections[id])
	}
	if lay.n == 0 {
		for _, id := range slices.Sorted(maps.Keys(detections)) {
			dets = append(dets, detections[id])
		}
	}
	header := csvColumns(dets)
	at := make(map[string]int, len(header))
	for i, name := range header {
		at[name] = i
	}

	cw := csv.NewWriter(w)
	record := make([]string, len(header))
	for i, name := range header {
		record[i] = neutralise(sanitize(name))
	}
	if err := cw.Write(record); err != nil {
		return err
	}
	err := eachGrouped(rows, lay, func(r trail.Row) error {
		d := detections[r.Detection]
		clear(record)
		record[0] = csvCell(&r.Detection)
		for i, v := range r.Values {
			record[at[d.By[i]]] = csvCell(v)
		}
		values, err := rowStats(d, r)
		if err != nil {
			return err
		}
		for i, s := range d.StatsOrDefault() {
			cell := statText(s, values[i], "\n", dataTime)
			if s.Func == "values" {
				cell = csvValues(values[i].Values)
			}
			record[at[s.Name]] = neutralise(cell)
		}
		return cw.Write(record)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// csvColumns is the CSV header for rows of the detections dets, in this
// order: "detection", then, detection after detection, each one's
// by-fields (in By order) and stats columns (in stats order), every name
// the first time it appears: the union of the columns, in order of first
// appearance.
func csvColumns(dets []trail.Detection) []string {
	cols := []string{"detection"}
	for _, d := range dets {
		for _, name := range slices.Concat(d.By, statNames(d)) {
			if !slices.Contains(cols, name) {
				cols = append(cols, name)
			}
		}
	}
	return cols
}

// emptyString is how CSV writes the empty string, so that it is not read
// as a null (an empty cell): two double-quote characters, as a program
// writes "" (the file holds them quoted: """""").
const emptyString = `""`

// csvCell encodes a value for a CSV cell: null (nil) is an empty cell; the
// empty string is emptyString; anything else is the value with control
// characters, invalid UTF-8 and invisible characters escaped as the table
// escapes them (sanitize: a newline is `\n`, ESC is `\x1b`), a value that
// would read as emptyString written `\x22\x22`, then neutralised.
func csvCell(v *string) string {
	if v == nil {
		return ""
	}
	return neutralise(csvText(*v))
}

func csvText(s string) string {
	switch s = sanitize(s); s {
	case "":
		return emptyString
	case emptyString:
		return `\x22\x22`
	}
	return s
}

// csvValues encodes a values(f) list as one value per line of the cell (as
// Splunk exports multivalue fields), each value escaped like csvCell, so
// that a newline inside a value cannot pass for a separator; an empty list
// is an empty cell.
func csvValues(values []string) string {
	lines := make([]string, len(values))
	for i, v := range values {
		lines[i] = csvText(v)
	}
	return strings.Join(lines, "\n")
}

// neutralise defuses a CSV cell that a spreadsheet would read as a formula
// (OWASP "CSV Injection"). A line starts at the start of the cell and after
// every "\n" or "\r" (an importer may split a cell at either); every line
// that begins with a tab or a carriage return, or whose first character
// after any leading spaces and tabs is '=', '+', '-' or '@', gets a leading
// single quote. Other text is unchanged.
func neutralise(cell string) string {
	if !strings.ContainsAny(cell, "=+-@\t\r") {
		return cell
	}
	var b strings.Builder
	start := 0
	for i := 0; i <= len(cell); i++ {
		lineStart := i == 0 || cell[i-1] == '\n' || cell[i-1] == '\r'
		if lineStart && formulaLine(cell[i:]) {
			b.WriteString(cell[start:i])
			b.WriteByte('\'')
			start = i
		}
	}
	b.WriteString(cell[start:])
	return b.String()
}

// formulaLine reports whether a spreadsheet could read a line beginning s
// as a formula.
func formulaLine(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '\t' || s[0] == '\r' {
		return true
	}
	t := strings.TrimLeft(s, " \t")
	return t != "" && strings.IndexByte("=+-@", t[0]) >= 0
}
