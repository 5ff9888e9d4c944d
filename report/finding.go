package report

import (
	"bytes"
	"io"
	"strings"

	"github.com/trailhunt/trailhunt/trail"
)

// WriteFinding writes one finding as one JSON line, for streams of findings
// as they appear (evaluate --follow): the jsonl row shape with count 1,
// firstTime = lastTime = the finding's event time and provenance
// {"count": 1, "first": [<source>]}, followed by "source", where the record
// was read (file!member#index, as in provenance), and, when repeat is set,
// "repeat": true (the finding was written before: its file was read again).
func WriteFinding(w io.Writer, cfg Config, f trail.Finding, repeat bool) error {
	var obj bytes.Buffer
	row := trail.Row{Detection: f.Detection, Values: f.Values, Count: 1, First: f.Time, Last: f.Time,
		Sources: []trail.Source{f.Source}}
	if err := appendRowJSON(&obj, cfg, row); err != nil {
		return err
	}
	obj.Truncate(obj.Len() - 1) // the closing brace
	obj.WriteString(`,"source":`)
	if err := appendJSON(&obj, f.Source.String()); err != nil {
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
