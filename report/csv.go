package report

import (
	"encoding/csv"
	"io"

	"github.com/trailhunt/trailhunt/trail"
)

// writeCSV writes, per detection (in order of first appearance), a header
// block: the header line "detection,<by fields...>,count,firstTime,lastTime"
// followed by the detection's rows. Blocks are separated by one empty line,
// so a single-detection report is a plain CSV file. No rows, no output.
// A null value and a zero time are empty cells: CSV cannot tell null from
// "". Every cell is neutralised against formula injection (see neutralise).
func writeCSV(w io.Writer, detections map[string]trail.Detection, rows []trail.Row) error {
	cw := csv.NewWriter(w)
	for i, b := range blocks(detections, rows) {
		if i > 0 {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return err
			}
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
		}
		record := make([]string, 0, len(b.det.By)+4)
		record = append(record, "detection")
		record = append(record, b.det.By...)
		record = append(record, statNames(b.det)...)
		if err := writeCSVRecord(cw, record); err != nil {
			return err
		}
		for _, r := range b.rows {
			record = append(record[:0], r.Detection)
			for _, v := range r.Values {
				if v == nil {
					record = append(record, "")
				} else {
					record = append(record, *v)
				}
			}
			stats, err := rowStats(b.det, r)
			if err != nil {
				return err
			}
			for i, s := range b.det.StatsOrDefault() {
				record = append(record, statText(s, stats[i], "\n", dataTime))
			}
			if err := writeCSVRecord(cw, record); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func writeCSVRecord(cw *csv.Writer, record []string) error {
	for i, c := range record {
		record[i] = neutralise(c)
	}
	return cw.Write(record)
}

// neutralise defuses a CSV cell that a spreadsheet would read as a formula:
// a cell starting with '=', '+', '-', '@', a tab or a carriage return gets a
// leading single quote (OWASP "CSV Injection"). Other cells are unchanged.
func neutralise(cell string) string {
	if cell == "" {
		return cell
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + cell
	}
	return cell
}
