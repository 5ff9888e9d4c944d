package report

import (
	"bytes"
	"io"
	"strings"

	"github.com/trailhunt/trailhunt/trail"
)

// WriteFinding writes one finding as one line, for streams of findings as
// they appear (evaluate follow). row is the finding's row alone
// (aggregate.Specs.FindingRow: count 1, its stats, its source). With
// cfg.Format ocsf the line is its OCSF Detection Finding (a finding written
// again has the same finding_info.uid); otherwise the jsonl row shape (with
// provenance {"count": 1, "first": [<source>]}) followed by "source", where
// the record was read (file!member#index, as in provenance),
// and, when repeat is set, "repeat": true (the finding was written before:
// its file was read again).
func WriteFinding(w io.Writer, cfg Config, row trail.Row, repeat bool) error {
	if cfg.Format == FormatOCSF {
		return writeOCSF(w, cfg, RowsOf([]trail.Row{row}))
	}
	var obj bytes.Buffer
	if err := appendRowJSON(&obj, cfg, row); err != nil {
		return err
	}
	obj.Truncate(obj.Len() - 1) // the closing brace
	src := ""
	if len(row.Sources) > 0 {
		src = row.Sources[0].String()
	}
	obj.WriteString(`,"source":`)
	if err := appendJSON(&obj, src); err != nil {
		return err
	}
	if repeat {
		obj.WriteString(`,"repeat":true`)
	}
	obj.WriteString("}\n")
	_, err := w.Write(obj.Bytes())
	return err
}

// Printable returns s with control characters, invalid UTF-8 and invisible
// format characters escaped, as the table shows values: safe to print to a
// terminal on one line.
func Printable(s string) string { return sanitize(s) }

// PrintableLines is Printable for a message of several lines, such as a
// policy load error that quotes the offending source lines: each line is
// escaped on its own and the line breaks are kept, as are the tabs and
// spaces that indent a line. No line can hold a control byte.
func PrintableLines(s string) string {
	var b strings.Builder
	for i, l := range strings.Split(s, "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		body := strings.TrimLeft(l, " \t")
		b.WriteString(l[:len(l)-len(body)])
		b.WriteString(sanitize(body))
	}
	return b.String()
}
