package integrity

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trailhunt/trailhunt/report"
)

// WriteTable writes the report for a person: one line per account and
// region with its counts and the span its valid digests cover (the gaps
// column says whether that span has holes), then one line per file that is
// not valid and per chain gap, then the verdict. Names are escaped (a key may hold any byte).
//
//	account       region     digests  log files  valid  modified  missing  unlisted  unverifiable  gaps  span
//	111122223333  us-east-1        4          8     12         0        0         0             0     0  2024-07-30T20:00:00Z .. 2024-07-31T00:00:00Z
//
//	modified      log     PATH: SHA-256 ..., the digest says ... (digest KEY)
//	gap           digest  KEY: missing_digest: ... (previous KEY)
//
//	integrity: FAILED: 1 modified, 1 gap
func WriteTable(w io.Writer, r *Report) error {
	var b bytes.Buffer
	rows := [][]string{{"account", "region", "digests", "log files", "valid", "modified", "missing", "unlisted", "unverifiable", "gaps", "span"}}
	for _, s := range r.Scopes {
		account := s.Account
		if s.Org != "" {
			account = s.Org + "/" + s.Account
		}
		span := "-"
		if !s.To.IsZero() {
			span = stamp(s.From) + " .. " + stamp(s.To)
		}
		rows = append(rows, []string{report.Printable(account), report.Printable(s.Region), strconv.Itoa(s.Digests), strconv.Itoa(s.Logs),
			strconv.Itoa(s.Counts[Valid]), strconv.Itoa(s.Counts[Modified]), strconv.Itoa(s.Counts[Missing]),
			strconv.Itoa(s.Counts[Unlisted]), strconv.Itoa(s.Counts[Unverifiable]), strconv.Itoa(s.Gaps), span})
	}
	widths := make([]int, len(rows[0]))
	if len(r.Scopes) == 0 {
		rows = nil // no header over nothing
	}
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	if len(r.Scopes) == 0 {
		rows = nil // no header over nothing
	}
	for _, row := range rows {
		for i, c := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			switch {
			case i == len(row)-1:
				b.WriteString(c) // the last column is not padded
			case i < 2:
				b.WriteString(c + pad + "  ") // text columns align left
			default:
				b.WriteString(pad + c + "  ") // counts align right
			}
		}
		b.WriteByte('\n')
	}
	problems := r.Problems()
	if len(rows) > 0 && len(problems)+len(r.Gaps)+len(r.ListErrors) > 0 {
		b.WriteByte('\n')
	}
	for _, f := range problems {
		fmt.Fprintf(&b, "%-12s  %-6s  %s: %s", f.Status, f.Kind, report.Printable(f.Name), report.Printable(f.Reason))
		if f.Digest != "" {
			fmt.Fprintf(&b, " (digest %s)", report.Printable(f.Digest))
		}
		b.WriteByte('\n')
	}
	for _, g := range r.Gaps {
		fmt.Fprintf(&b, "%-12s  %-6s  %s: %s: %s", "gap", KindDigest, report.Printable(g.Digest), g.Kind, report.Printable(g.Reason))
		if g.Previous != "" {
			fmt.Fprintf(&b, " (previous %s)", report.Printable(g.Previous))
		}
		b.WriteByte('\n')
	}
	for _, e := range r.ListErrors {
		fmt.Fprintf(&b, "%-12s  %-6s  %s\n", "unreadable", "folder", report.Printable(e))
	}
	if b.Len() > 0 {
		b.WriteByte('\n')
	}
	b.WriteString("integrity: " + r.Verdict1() + "\n")
	if r.Outside > 0 {
		fmt.Fprintf(&b, "not verified: %d files outside the AWSLogs layout\n", r.Outside)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// Verdict1 sums the report up in one line: "verified: ..." when OK, else
// "FAILED: ..." with the count of each failure.
func (r *Report) Verdict1() string {
	c := r.Counts()
	if r.OK() {
		return fmt.Sprintf("verified: %s and %s are what CloudTrail delivered, every chain unbroken",
			count(r.kind(KindDigest), "digest"), count(r.kind(KindLog), "log file"))
	}
	var parts []string
	for _, s := range Statuses[1:] {
		if c[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c[s], s))
		}
	}
	if len(r.Gaps) > 0 {
		parts = append(parts, count(len(r.Gaps), "chain gap"))
	}
	if len(r.ListErrors) > 0 {
		parts = append(parts, count(len(r.ListErrors), "folder not listed"))
	}
	if r.Interrupted {
		parts = append(parts, "interrupted")
	}
	if len(r.Files) == 0 {
		parts = append(parts, "nothing to verify: no CloudTrail log or digest file in scope")
	}
	return "FAILED: " + strings.Join(parts, ", ")
}

func (r *Report) kind(k Kind) int {
	n := 0
	for _, f := range r.Files {
		if f.Kind == k {
			n++
		}
	}
	return n
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// reportJSON is the JSON form of a report.
type reportJSON struct {
	Verified    bool        `json:"verified"`
	Verdict     string      `json:"verdict"`
	Roots       []string    `json:"roots"`
	Since       *time.Time  `json:"since"`
	Until       *time.Time  `json:"until"`
	Scopes      []scopeJSON `json:"scopes"`
	Problems    []File      `json:"problems"`
	Gaps        []gapJSON   `json:"gaps"`
	ListErrors  []string    `json:"list_errors"`
	Outside     int         `json:"outside_layout"`
	Interrupted bool        `json:"interrupted"`
}

type gapJSON struct {
	Gap
	From *time.Time `json:"from"`
	To   *time.Time `json:"to"`
}

type scopeJSON struct {
	Scope
	From *time.Time `json:"from"`
	To   *time.Time `json:"to"`
}

// WriteJSON writes the report as one indented JSON document: the counts
// per account and region (every status, zeros included), the files that
// are not valid, the gaps. Times are RFC 3339 UTC or null.
func WriteJSON(w io.Writer, r *Report) error {
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		t = t.UTC()
		return &t
	}
	doc := reportJSON{Verified: r.OK(), Verdict: r.Verdict1(), Roots: r.Roots, Since: opt(r.Since), Until: opt(r.Until),
		Scopes: []scopeJSON{}, Problems: r.Problems(), Gaps: []gapJSON{}, ListErrors: r.ListErrors, Outside: r.Outside, Interrupted: r.Interrupted}
	for _, s := range r.Scopes {
		counts := map[Status]int{}
		for _, st := range Statuses {
			counts[st] = s.Counts[st]
		}
		s.Counts = counts
		doc.Scopes = append(doc.Scopes, scopeJSON{Scope: s, From: opt(s.From), To: opt(s.To)})
	}
	if doc.Problems == nil {
		doc.Problems = []File{}
	}
	for _, g := range r.Gaps {
		doc.Gaps = append(doc.Gaps, gapJSON{Gap: g, From: opt(g.From), To: opt(g.To)})
	}
	if doc.ListErrors == nil {
		doc.ListErrors = []string{}
	}
	if doc.Roots == nil {
		doc.Roots = []string{}
	}
	return report.WriteIndented(w, "integrity report", doc)
}
