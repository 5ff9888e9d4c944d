package live

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/trailhunt/trailhunt/engine"
	"github.com/trailhunt/trailhunt/loader"
	"github.com/trailhunt/trailhunt/report"
	"github.com/trailhunt/trailhunt/sweep"
	"github.com/trailhunt/trailhunt/trail"
)

// follower is Follow's state between files.
type follower struct {
	cfg  FollowConfig
	st   *state
	errs *errorLog // budget renewed for every file
}

// grown is a file of JSON lines read before, which has grown: only its new
// part is read, from offset, its first line being line `line` of the file.
type grown struct {
	offset, line int64
}

// file evaluates one complete file unless the state has it done: whole
// when it is new or changed, or only its appended part when it grew. Its
// findings are written first, then it is recorded in the state.
func (fl *follower) file(ctx context.Context, set *engine.Set, path string) error {
	info, err := os.Stat(path)
	if err != nil || !info.Mode().IsRegular() {
		return nil // gone before it settled
	}
	key := stateKey(fl.cfg.Dir, path)
	prev, had := fl.st.get(key)
	if had && prev.Size == info.Size() && prev.ModTime.Equal(info.ModTime()) {
		return nil
	}
	var from *grown
	if had && prev.Offset > 0 && info.Size() > prev.Offset {
		if sum, err := checksum(path, prev.Offset); err == nil && sum == prev.Check {
			from = &grown{offset: prev.Offset, line: prev.Lines}
			if from.line == 0 {
				if from.line, err = countLines(path, prev.Offset); err != nil {
					from = nil
				}
			}
		}
	}

	// Findings written before for this file are marked when written again.
	before := map[string]bool{}
	for _, k := range prev.Emitted {
		before[k] = true
	}
	rc := report.Config{Format: fl.cfg.Format, Detections: detectionMap(set), PolicyVersion: set.Version()}
	specs := set.Specs()
	emitted := prev.Emitted[:len(prev.Emitted):len(prev.Emitted)]
	var repeated int64
	var werr error
	onFinding := func(f trail.Finding) {
		if f.Suppressed() || werr != nil {
			return
		}
		k := findingKey(f)
		werr = report.WriteFinding(fl.cfg.Out, rc, specs.FindingRow(f), before[k])
		if before[k] {
			repeated++
		} else {
			before[k] = true
			emitted = append(emitted, k)
		}
	}

	var rd *loader.Reader
	var res sweep.Result
	var tail *tailReader
	if from == nil {
		rd = loader.New(fl.cfg.Loader)
		res = sweep.Run(ctx, sweep.Config{Paths: []string{path}, Workers: 1, Since: fl.cfg.Since, Until: fl.cfg.Until, OnError: fl.errs.add,
			OnFinding: func(f trail.Finding, _ trail.Record) { onFinding(f) }}, rd, set)
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil // gone
		}
		tail = newTailReader(io.NewSectionReader(f, from.offset, info.Size()-from.offset))
		base := from.line + tail.lines // its blank lines skipped: a lone object is index 0
		lcfg := fl.cfg.Loader
		lcfg.Stdin = tail
		rd = loader.New(lcfg)
		res = sweep.Run(ctx, sweep.Config{
			Paths:     []string{"-"},
			Workers:   1,
			Since:     fl.cfg.Since,
			Until:     fl.cfg.Until,
			OnError:   func(err error) { fl.errs.add(relocate(err, path, base)) },
			OnFinding: func(f trail.Finding, _ trail.Record) { f.Source = moved(f.Source, path, base); onFinding(f) },
		}, rd, set)
		f.Close()
	}
	fl.errs.flush(" in " + report.Printable(path))
	if werr != nil {
		return fmt.Errorf("%w: findings: %w", ErrOutput, werr)
	}
	if res.Interrupted {
		return nil // not done: read again after a restart
	}

	ls := rd.Stats()
	now := fileState{
		Size: info.Size(), ModTime: info.ModTime(), Done: time.Now().UTC(), PolicyVersion: set.Version(),
		Records:  ls.Records + ls.FailedRecords,
		Findings: res.Findings,
		Failed:   res.Failed + ls.FailedRecords,
		Errors:   map[string]int64{},
		Emitted:  emitted,
	}
	addCounts(now.Errors, "", ls.Errors)
	addCounts(now.Errors, "eval_", res.Errors)
	logLine := fmt.Sprintf("follow: %s: %d records, %d findings", report.Printable(path), now.Records, now.Findings)
	if from != nil {
		logLine = fmt.Sprintf("follow: %s (grew; read from byte %d, line %d): %d records, %d findings",
			report.Printable(path), from.offset, from.line, now.Records, now.Findings)
	} else if had {
		logLine = fmt.Sprintf("follow: %s (changed; read again): %d records, %d findings", report.Printable(path), now.Records, now.Findings)
	}
	if repeated > 0 {
		logLine += fmt.Sprintf(" (%d repeated)", repeated)
	}
	logLine += fmt.Sprintf(", %d failed", now.Failed)
	if skipped := res.Skipped[sweep.SkipOutsideWindow] + res.Skipped[sweep.SkipNoTime]; skipped > 0 {
		logLine += fmt.Sprintf(", %d outside --since/--until", skipped)
	}
	if len(now.Errors) > 0 {
		logLine += ", errors: " + reasons(now.Errors)
	}
	fmt.Fprintf(fl.cfg.Log, "%s; policy set %s\n", logLine, set.Version())

	// Where a later growth is read from: the end of what was read, if it
	// ends a line, the file is plain text and it did not change meanwhile.
	end, line := info.Size(), int64(0)
	if from != nil {
		end, line = from.offset+tail.n, from.line+tail.lines
		if end != info.Size() {
			end = 0
		}
		now.Records += prev.Records
		now.Findings += prev.Findings
		now.Failed += prev.Failed
		addCounts(now.Errors, "", prev.Errors)
	}
	if total(ls.Errors) > ls.FailedRecords {
		end = 0 // an error of the whole file (a read error): where it stopped is unknown
	}
	if after, err := os.Stat(path); err == nil && after.Size() == info.Size() && after.ModTime().Equal(info.ModTime()) && end > 0 {
		if sum, err := appendable(path, end); err == nil && sum != "" {
			now.Offset, now.Lines, now.Check = end, line, sum
		}
	}
	if len(now.Errors) == 0 {
		now.Errors = nil
	}
	if err := fl.st.done(stateKey(fl.cfg.Dir, path), now); err != nil {
		return err
	}
	return nil
}

// checkBytes is how much of the start and of the end of what was read the
// state's Check covers.
const checkBytes = 4 << 10

// checksum hashes the first and the last checkBytes of path's first end
// bytes.
func checksum(path string, end int64) (string, error) {
	head, tail, err := headTail(path, end)
	if err != nil {
		return "", err
	}
	return sum(head, tail), nil
}

func sum(head, tail []byte) string {
	h := sha256.New()
	h.Write(head)
	h.Write(tail)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func headTail(path string, end int64) (head, tail []byte, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	head = make([]byte, min(end, checkBytes))
	if _, err := f.ReadAt(head, 0); err != nil {
		return nil, nil, err
	}
	tail = make([]byte, min(end, checkBytes))
	if _, err := f.ReadAt(tail, end-int64(len(tail))); err != nil {
		return nil, nil, err
	}
	return head, tail, nil
}

// appendable returns the checksum of path's first end bytes when more JSON
// lines can follow them: plain text (not gzip, zip or tar, which are read
// whole again) ending with a line end, whose first and last lines are each
// one JSON object. A Records document (whose last line is "]}") or one cut
// at a line end is not: what follows it does not stand alone. "" otherwise.
func appendable(path string, end int64) (string, error) {
	head, tail, err := headTail(path, end)
	if err != nil {
		return "", err
	}
	whole := int64(len(head)) == end
	if tail[len(tail)-1] != '\n' || !jsonLine(firstLine(head, whole)) || !jsonLine(lastLine(tail, whole)) {
		return "", nil
	}
	return sum(head, tail), nil
}

// firstLine is the first non-blank line of b; nil when it may go on past
// b (no line end after it, and b is not the whole text).
func firstLine(b []byte, whole bool) []byte {
	b = bytes.TrimLeft(b, " \t\r\n")
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i]
	}
	if whole {
		return b
	}
	return nil
}

// lastLine is the last non-blank line of b; nil when it may start before b
// (no line end before it, and b is not the whole text).
func lastLine(b []byte, whole bool) []byte {
	b = bytes.TrimRight(b, " \t\r\n")
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		return b[i+1:]
	}
	if whole {
		return b
	}
	return nil
}

// jsonLine reports whether line is one JSON object.
func jsonLine(line []byte) bool {
	line = bytes.TrimSpace(line)
	return len(line) > 0 && line[0] == '{' && json.Valid(line)
}

// countLines counts the line ends in path's first end bytes.
func countLines(path string, end int64) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	t := &tailReader{r: io.NewSectionReader(f, 0, end)}
	if _, err := io.Copy(io.Discard, t); err != nil {
		return 0, err
	}
	return t.lines, nil
}

// tailReader reads the appended part of a file, counting its bytes and
// line ends.
type tailReader struct {
	r     io.Reader
	n     int64
	lines int64
}

// newTailReader reads r from its first non-blank byte on (the blank lines
// skipped are counted): the loader numbers JSON lines from where it
// starts, but gives a lone object index 0 whatever blank lines precede it.
func newTailReader(r io.Reader) *tailReader {
	br := bufio.NewReader(r)
	t := &tailReader{r: br}
	for {
		c, err := br.ReadByte()
		if err != nil {
			return t
		}
		switch c {
		case '\n':
			t.lines++
		case ' ', '\t', '\r':
		default:
			br.UnreadByte()
			return t
		}
		t.n++
	}
}

func (t *tailReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.n += int64(n)
	t.lines += int64(bytes.Count(p[:n], []byte("\n")))
	return n, err
}

// moved places a source of the appended part read as "-" in its file:
// its name, and its line in the whole file.
func moved(s trail.Source, path string, line int64) trail.Source {
	s.File = path
	if s.Index >= 0 {
		s.Index += int(line)
	}
	return s
}

// relocate is moved for the sources of errors.
func relocate(err error, path string, line int64) error {
	var le *loader.Error
	if errors.As(err, &le) {
		c := *le
		c.Source = moved(c.Source, path, line)
		return &c
	}
	var ee *engine.EvalError
	if errors.As(err, &ee) {
		c := *ee
		c.Source = moved(c.Source, path, line)
		return &c
	}
	return err
}

// findingKey identifies a finding by its detection and values (the
// by-fields, which include the event's id): 128 bits of SHA-256, so that a
// crafted record cannot pass for another's finding and be marked a repeat.
func findingKey(f trail.Finding) string {
	h := sha256.New()
	var n [8]byte
	field := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		io.WriteString(h, s)
	}
	field(f.Detection)
	for _, v := range f.Values {
		if v == nil {
			h.Write([]byte{0})
			continue
		}
		h.Write([]byte{1})
		field(*v)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
