package main

import (
	"io"
	"os"
	"strconv"

	"golang.org/x/term"

	"github.com/trailhunt/trailhunt/report"
)

// terminalWidth is the table's default width: the terminal's, when the
// results go to one, else $COLUMNS, else report.DefaultWidth. A width
// under 40 columns (a tiny pane) is taken as 40.
func terminalWidth(out io.Writer) int {
	w := 0
	if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		w, _, _ = term.GetSize(int(f.Fd()))
	}
	if w <= 0 {
		w, _ = strconv.Atoi(os.Getenv("COLUMNS"))
	}
	if w <= 0 {
		return report.DefaultWidth
	}
	return max(w, report.MinWidth)
}
