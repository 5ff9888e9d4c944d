package report

import (
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/trailhunt/trailhunt/trail"
)

// Table layout (see the package documentation), for example:
//
//	aws_createaccesskey — AWS CreateAccessKey (2 rows)
//	  eventName=CreateAccessKey  eventSource=iam.amazonaws.com  errorCode=success
//	  src          eventID                               count  firstTime            lastTime
//	  203.0.113.7  8e3b0c2a-7d3e-4a59-9e36-0f6b1c2d3e4f      3  2024-07-30T21:53:13  2024-07-30T22:10:01
//	  203.0.113.9  f47ac10b-58cc-4372-a567-0e02b2c3d479      1

const (
	colSep    = "  "
	indent    = "  " // body lines (hoisted values, columns) under the heading
	nullCell  = "-"
	minColumn = 4 // a shrunk by-field column keeps at least "abc…"
)

func writeTable(w io.Writer, detections map[string]trail.Detection, budget int, rows []trail.Row) error {
	ew := &errWriter{w: w}
	if len(rows) == 0 {
		ew.WriteString("No findings.\n")
		return ew.err
	}
	for i, b := range blocks(detections, rows) {
		if i > 0 {
			ew.WriteString("\n")
		}
		for _, line := range tableBlock(b, budget) {
			ew.WriteString(line)
			ew.WriteString("\n")
		}
	}
	return ew.err
}

// tableBlock renders one detection's rows as lines without newlines.
func tableBlock(b block, budget int) (lines []string) {

	n := len(b.rows)
	heading := sanitize(b.det.ID)
	if t := sanitize(b.det.Title); t != "" {
		heading += " — " + t
	}
	if n == 1 {
		heading += " (1 row)"
	} else {
		heading += " (" + strconv.Itoa(n) + " rows)"
	}
	lines = append(lines, cut(heading, budget))

	// Hoist by-fields with one value across all rows.
	var hoisted []string
	var colFields []int
	for i, name := range b.det.By {
		if sameValue(b.rows, i) {
			hoisted = append(hoisted, sanitize(name)+"="+cellText(b.rows[0].Values[i]))
		} else {
			colFields = append(colFields, i)
		}
	}
	lines = append(lines, wrapItems(hoisted, budget)...)

	// Columns that cannot be shown at a readable width are left out, least
	// important first, and named in a footer line.
	colFields, omitted := selectColumns(b, colFields, budget)
	defer func() {
		if len(omitted) > 0 {
			lines = append(lines, wrapItems([]string{"not shown at this width: " + strings.Join(omitted, ", "),
				"(see --width, or --format json/csv)"}, budget)...)
		}
	}()

	// Columns: the remaining by-fields, then the stats (count, firstTime,
	// lastTime by default).
	stats := b.det.StatsOrDefault()
	ncol := len(colFields) + len(stats)
	header := make([]string, 0, ncol)
	for _, i := range colFields {
		header = append(header, sanitize(b.det.By[i]))
	}
	for _, s := range stats {
		header = append(header, sanitize(s.Name))
	}
	cells := make([][]string, n)
	for r, row := range b.rows {
		c := make([]string, 0, ncol)
		for _, i := range colFields {
			c = append(c, cellText(row.Values[i]))
		}
		values, _ := rowStats(b.det, row) // Write validated every row
		for i, s := range stats {
			c = append(c, tableStat(s, values[i]))
		}
		cells[r] = c
	}
	// Natural width: the widest of header and values. Compact width: the
	// same with the header cut to its last segment ("…userName").
	widths := make([]int, ncol)
	compact := make([]int, len(colFields))
	for j := range ncol {
		for _, c := range cells {
			widths[j] = max(widths[j], width(c[j]))
		}
		if j < len(compact) {
			compact[j] = max(widths[j], width(compactHeader(header[j])))
		}
		widths[j] = max(widths[j], width(header[j]))
	}
	fixed := 0
	for _, wd := range widths[len(colFields):] {
		fixed += wd
	}
	fit(widths[:len(colFields)], compact, budget-len(indent)-fixed-len(colSep)*(ncol-1))

	rightAligned := func(j int) bool { return j >= len(colFields) && numericStat(stats[j-len(colFields)]) }
	var cutCell func(string, int) string
	render := func(c []string) string {
		var sb strings.Builder
		for j, s := range c {
			if j > 0 {
				sb.WriteString(colSep)
			}
			s = cutCell(s, widths[j])
			if rightAligned(j) {
				sb.WriteString(padLeft(s, widths[j]))
			} else {
				sb.WriteString(padRight(s, widths[j]))
			}
		}
		return strings.TrimRight(sb.String(), " ")
	}
	cutCell = cutHeader
	lines = append(lines, indent+render(header))
	cutCell = cutValue
	for _, c := range cells {
		lines = append(lines, indent+render(c))
	}
	return lines
}

// maxValuesColumn bounds a values(f) column in the table, which is never
// cut otherwise: the full list is in the JSON and CSV formats.
const maxValuesColumn = 40

// tableStat renders a stat cell: values lists beyond maxValuesColumn are cut.
func tableStat(s trail.Stat, v trail.StatValue) string {
	t := sanitize(statText(s, v, ", ", ctime))
	if s.Func == "values" && width(t) > maxValuesColumn {
		t = cutValue(t, maxValuesColumn)
	}
	return t
}

// readableColumn is the width below which a cut value is no longer worth
// showing: a column is left out rather than cut narrower than this.
const readableColumn = 14

// selectColumns picks the by-field columns (indexes into By, in By order)
// that fit the budget at a readable width. Columns are kept in order of
// importance: the fields the detection's risk message names (the who, whom
// and from where of a finding), then the others in By order. It returns the
// kept columns and the names of those left out.
func selectColumns(b block, cols []int, budget int) (kept []int, omitted []string) {
	// The stats columns are never cut: they take their full width.
	need := len(indent)
	for i, s := range b.det.StatsOrDefault() {
		w := width(sanitize(s.Name))
		for _, r := range b.rows {
			values, _ := rowStats(b.det, r)
			w = max(w, width(tableStat(s, values[i])))
		}
		need += w + len(colSep)
	}
	colWidth := func(i int) int {
		w := width(compactHeader(sanitize(b.det.By[i])))
		for _, r := range b.rows {
			w = max(w, width(cellText(r.Values[i])))
		}
		return min(w, readableColumn)
	}
	keep := make([]bool, len(b.det.By))
	for _, i := range importance(b.det, cols) {
		if w := colWidth(i) + len(colSep); need+w <= budget {
			need += w
			keep[i] = true
		}
	}
	for _, i := range cols {
		if keep[i] {
			kept = append(kept, i)
		} else {
			omitted = append(omitted, sanitize(b.det.By[i]))
		}
	}
	return kept, omitted
}

// importance orders by-field indexes: those named in the risk message
// first, in message order, then the rest in By order.
func importance(d trail.Detection, cols []int) []int {
	rank := func(i int) int {
		if p := strings.Index(d.Risk.Message, "$"+d.By[i]+"$"); p >= 0 {
			return p
		}
		return len(d.Risk.Message) + i
	}
	out := slices.Clone(cols)
	slices.SortStableFunc(out, func(a, b int) int { return rank(a) - rank(b) })
	return out
}

// sameValue reports whether by-value i is the same (both null, or equal
// strings) in every row.
func sameValue(rows []trail.Row, i int) bool {
	first := rows[0].Values[i]
	for _, r := range rows[1:] {
		v := r.Values[i]
		if (v == nil) != (first == nil) || (v != nil && *v != *first) {
			return false
		}
	}
	return true
}

// cellText is the sanitized display text of a by-value; "-" for null.
func cellText(v *string) string {
	if v == nil {
		return nullCell
	}
	return sanitize(*v)
}

// wrapItems lays name=value items out on indented lines of at most budget
// columns, two spaces apart; an item too long for a line of its own is cut.
func wrapItems(items []string, budget int) []string {
	var lines []string
	avail := max(budget-len(indent), 1)
	var cur strings.Builder
	curW := 0
	for _, it := range items {
		it = cut(it, avail)
		w := width(it)
		if curW > 0 && curW+len(colSep)+w > avail {
			lines = append(lines, indent+cur.String())
			cur.Reset()
			curW = 0
		}
		if curW > 0 {
			cur.WriteString(colSep)
			curW += len(colSep)
		}
		cur.WriteString(it)
		curW += w
	}
	if curW > 0 {
		lines = append(lines, indent+cur.String())
	}
	return lines
}

// fit shrinks widths in place so that they sum to at most budget. First,
// columns whose header is wider than their values take their compact width
// (header cut to its last segment), left to right, until the total fits or
// none is left. Then the widest columns shrink first: every column wider
// than some cap C is cut to C (or C+1, for the leftmost ones, to use the
// whole budget), and narrower columns are left alone. No column goes below
// minColumn (or its own width if smaller); when even that does not fit, the
// table overflows the budget.
func fit(widths, compact []int, budget int) {
	total := 0
	for _, w := range widths {
		total += w
	}
	for i := range widths {
		if total <= budget {
			return
		}
		if compact[i] < widths[i] {
			total -= widths[i] - compact[i]
			widths[i] = compact[i]
		}
	}
	if total <= budget || len(widths) == 0 {
		return
	}
	widest := slices.Max(widths)
	capped := func(c int) int {
		s := 0
		for _, w := range widths {
			s += min(w, c)
		}
		return s
	}
	// Largest cap in [minColumn, widest) whose total fits.
	lo, hi := minColumn, widest-1
	if capped(lo) > budget {
		hi = lo
	} else {
		for lo < hi {
			mid := (lo + hi + 1) / 2
			if capped(mid) <= budget {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
	}
	c := lo
	spare := budget - capped(c)
	for i, w := range widths {
		if w > c {
			widths[i] = c
			if spare > 0 {
				widths[i]++
				spare--
			}
		}
	}
}
