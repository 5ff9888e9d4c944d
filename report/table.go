package report

import (
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/trailhunt/trailhunt/trail"
)

// Table layout (see the package documentation), for example at 80 cells:
//
//	aws_createaccesskey — AWS CreateAccessKey (2 rows)
//	  eventName=CreateAccessKey  eventSource=iam.amazonaws.com
//	  aws_account_id=946986569305  errorCode=success  awsRegion=us-east-1
//	  userIdentity.principalId=AIDA5BMRSXKJ2EXAMPLE
//	  user_arn=arn:aws:iam::946986569305:user/christophe
//	  …userName   src          count  firstTime            lastTime
//	  admin       203.0.113.9      1  2024-07-30T22:01:02  2024-07-30T22:01:02
//	  deploy-bot  203.0.113.7      3  2024-07-30T21:53:13  2024-07-30T22:10:01
//	  not shown at this width: userAgent, eventID
//	  (see --width, or --format json/csv)

const (
	colSep    = "  "
	indent    = "  " // body lines (hoisted values, columns) under the heading
	nullCell  = "-"
	minColumn = 4 // a shrunk column or title keeps at least "abc…"
)

// writeTable writes the rows detection by detection, holding the rows of
// one at a time.
func writeTable(w io.Writer, detections map[string]trail.Detection, budget int, rows Rows, lay layout) error {
	ew := &errWriter{w: w}
	if lay.n == 0 {
		ew.WriteString("No findings.\n")
		return ew.err
	}
	var b block
	flush := func() {
		if len(b.rows) == 0 {
			return
		}
		if b.det.ID != lay.order[0] {
			ew.WriteString("\n")
		}
		for _, line := range tableBlock(b, budget) {
			ew.WriteString(line)
			ew.WriteString("\n")
		}
	}
	err := eachGrouped(rows, lay, func(r trail.Row) error {
		if len(b.rows) > 0 && b.det.ID != r.Detection {
			flush()
			b.rows = nil
		}
		b.det = detections[r.Detection]
		b.rows = append(b.rows, r)
		return ew.err
	})
	if err != nil {
		return err
	}
	flush()
	return ew.err
}

// column is one column of a detection's table.
type column struct {
	header   string   // sanitized name
	cells    []string // sanitized display text, one per row
	right    bool     // right-aligned (numbers)
	cuttable bool     // by-fields and values lists; numbers and times are never cut
	natural  int      // the widest of header and cells
	compact  int      // the same with the header cut to its last segment
	rank     int      // importance: lower ranks are kept first (see columnRank)
}

// readable is the narrowest width a column is shown at: its full width for
// numbers and times, at most readableColumn for the others.
func (c column) readable() int {
	if !c.cuttable {
		return c.natural
	}
	return min(c.compact, readableColumn)
}

// tableBlock renders one detection's rows as lines without newlines, none
// wider than budget.
func tableBlock(b block, budget int) (lines []string) {
	lines = append(lines, heading(b, budget))

	// Hoist by-fields with one value across all rows.
	var hoisted []string
	var byCols []int
	for i, name := range b.det.By {
		if sameValue(b.rows, i) {
			hoisted = append(hoisted, sanitize(name)+"="+cellText(b.rows[0].Values[i]))
		} else {
			byCols = append(byCols, i)
		}
	}
	lines = append(lines, wrap(items(hoisted, colSep), budget)...)

	// Columns that cannot be shown at a readable width are left out, least
	// important first, and named in a footer.
	cols, omitted := selectColumns(tableColumns(b, byCols), budget)
	if len(cols) > 0 {
		lines = append(lines, renderColumns(cols, len(b.rows), budget)...)
	}
	if len(omitted) > 0 {
		footer := []piece{{text: "not shown at this width:"}}
		for i, name := range omitted {
			if i < len(omitted)-1 {
				name += ","
			}
			footer = append(footer, piece{name, " "})
		}
		footer = append(footer, piece{"(see --width, or --format json/csv)", colSep})
		lines = append(lines, wrap(footer, budget)...)
	}
	return lines
}

// heading is "<id> — <title> (<n> rows)", the title cut to fit the budget
// first, then the id.
func heading(b block, budget int) string {
	id, title := sanitize(b.det.ID), sanitize(b.det.Title)
	rows := " (" + strconv.Itoa(len(b.rows)) + " rows)"
	if len(b.rows) == 1 {
		rows = " (1 row)"
	}
	const dash = " — "
	h := id + rows
	if title != "" {
		h = id + dash + title + rows
		if width(h) > budget {
			if avail := budget - width(id+dash+rows); avail >= minColumn {
				h = id + dash + cut(title, avail) + rows
			} else {
				h = id + rows
			}
		}
	}
	if width(h) > budget {
		h = cut(id, budget-width(rows)) + rows
	}
	return cut(h, budget)
}

// tableColumns returns the columns of a block: the by-fields at byCols (By
// indexes), then the stats, with their ranks.
func tableColumns(b block, byCols []int) []column {
	var cols []column
	add := func(c column) {
		cells := 0
		for _, s := range c.cells {
			cells = max(cells, width(s))
		}
		c.natural = max(cells, width(c.header))
		c.compact = max(cells, width(compactHeader(c.header)))
		cols = append(cols, c)
	}
	for _, i := range byCols {
		c := column{header: sanitize(b.det.By[i]), cuttable: true, rank: columnRank(b.det, b.det.By[i], nil, i)}
		for _, r := range b.rows {
			c.cells = append(c.cells, cellText(r.Values[i]))
		}
		add(c)
	}
	stats := b.det.StatsOrDefault()
	values := make([][]trail.StatValue, len(b.rows))
	for r, row := range b.rows {
		values[r], _ = rowStats(b.det, row) // Write validated every row
	}
	for j, s := range stats {
		c := column{header: sanitize(s.Name), right: numericStat(s), cuttable: s.Func == "values",
			rank: columnRank(b.det, s.Name, &stats[j], j)}
		for r := range b.rows {
			c.cells = append(c.cells, tableStat(s, values[r][j]))
		}
		add(c)
	}
	return cols
}

// Column importance, from the first kept to the first left out.
const (
	rankCount    = iota // count, count(f): narrow, and the size of a finding
	rankMessage         // the fields and stats the risk message names: who, whom, from where
	rankDistinct        // dc(f): narrow, often the detection's threshold
	rankFirst           // min(_time): firstTime
	rankLast            // max(_time): lastTime, often equal to firstTime
	rankBy              // the other by-fields
	rankValues          // values(f) lists
)

// columnRank orders columns by importance: tier (above) first, then the
// position of the name in the risk message for rankMessage, else the
// column's position (i, in By or in the stats). stat is nil for a by-field.
func columnRank(d trail.Detection, name string, stat *trail.Stat, i int) int {
	const tier = 1 << 20
	switch {
	case stat != nil && stat.Func == "count":
		return rankCount*tier + i
	case strings.Contains(d.Risk.Message, "$"+name+"$"):
		return rankMessage*tier + strings.Index(d.Risk.Message, "$"+name+"$")
	case stat == nil:
		return rankBy*tier + i
	case stat.Func == "dc":
		return rankDistinct*tier + i
	case stat.Func == "min":
		return rankFirst*tier + i
	case stat.Func == "max":
		return rankLast*tier + i
	}
	return rankValues*tier + i
}

// readableColumn is the width below which a cut value is no longer worth
// showing: a column is left out rather than cut narrower than this.
const readableColumn = 14

// selectColumns keeps the columns, in order of rank, that fit the budget
// together at their readable width; it returns them in their own order
// (by-fields, then stats) with the names of those left out.
func selectColumns(cols []column, budget int) (kept []column, omitted []string) {
	order := make([]int, len(cols))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cols[a].rank - cols[b].rank })
	keep := make([]bool, len(cols))
	need := len(indent) - len(colSep)
	for _, i := range order {
		if w := len(colSep) + cols[i].readable(); need+w <= budget {
			need += w
			keep[i] = true
		}
	}
	for i, c := range cols {
		if keep[i] {
			kept = append(kept, c)
		} else {
			omitted = append(omitted, c.header)
		}
	}
	return kept, omitted
}

// renderColumns lays the columns out in the budget: numbers and times at
// their full width, the others shrunk by fit; the header line, then one
// line per row.
func renderColumns(cols []column, nrows, budget int) []string {
	widths := make([]int, len(cols))
	var cuttable, natural, compact []int
	avail := budget - len(indent) - len(colSep)*(len(cols)-1)
	for j, c := range cols {
		widths[j] = c.natural
		if c.cuttable {
			cuttable = append(cuttable, j)
			natural = append(natural, c.natural)
			compact = append(compact, c.compact)
		} else {
			avail -= c.natural
		}
	}
	fit(natural, compact, avail)
	for k, j := range cuttable {
		widths[j] = natural[k]
	}
	line := func(cell func(c column, w int) string) string {
		var sb strings.Builder
		sb.WriteString(indent)
		for j, c := range cols {
			if j > 0 {
				sb.WriteString(colSep)
			}
			s := cell(c, widths[j])
			if c.right {
				sb.WriteString(padLeft(s, widths[j]))
			} else {
				sb.WriteString(padRight(s, widths[j]))
			}
		}
		return strings.TrimRight(sb.String(), " ")
	}
	lines := []string{line(func(c column, w int) string { return cutHeader(c.header, w) })}
	for r := range nrows {
		lines = append(lines, line(func(c column, w int) string { return cutValue(c.cells[r], w) }))
	}
	return lines
}

// maxValuesColumn bounds a values(f) column in the table, which is never
// wider: the full list is in the JSON and CSV formats.
const maxValuesColumn = 40

// tableStat renders a stat cell: values lists beyond maxValuesColumn are cut.
func tableStat(s trail.Stat, v trail.StatValue) string {
	t := sanitize(statText(s, v, ", ", ctime))
	if s.Func == "values" && width(t) > maxValuesColumn {
		t = cutValue(t, maxValuesColumn)
	}
	return t
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

// piece is a piece of text to wrap, and the separator that goes before it
// when it is not the first of its line.
type piece struct{ text, sep string }

// items makes pieces of texts, sep apart.
func items(texts []string, sep string) []piece {
	ps := make([]piece, len(texts))
	for i, t := range texts {
		ps[i] = piece{t, sep}
	}
	return ps
}

// wrap lays pieces out on indented lines of at most budget cells, breaking
// only between pieces; a piece too long for a line of its own is cut.
func wrap(pieces []piece, budget int) []string {
	var lines []string
	avail := max(budget-len(indent), 1)
	var cur strings.Builder
	curW := 0
	for _, p := range pieces {
		it := cut(p.text, avail)
		w := width(it)
		if curW > 0 && curW+width(p.sep)+w > avail {
			lines = append(lines, indent+cur.String())
			cur.Reset()
			curW = 0
		}
		if curW > 0 {
			cur.WriteString(p.sep)
			curW += width(p.sep)
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
// total overflows the budget. It cannot in a table: selectColumns keeps
// only columns that fit at their readable width, which is at least
// minColumn.
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
