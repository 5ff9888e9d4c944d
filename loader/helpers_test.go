package loader

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trailhunt/trailhunt/internal/goldenfile"
	"github.com/trailhunt/trailhunt/trail"
)

// event returns a small CloudTrail event with eventTime 2024-07-30T21:53:<i>Z.
func event(i int) string {
	return fmt.Sprintf(`{"eventVersion":"1.08","eventTime":"2024-07-30T21:53:%02dZ","eventName":"E%d","eventID":"id-%d"}`, i%60, i, i)
}

// events returns n events joined by sep.
func events(n int, sep string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = event(i)
	}
	return strings.Join(parts, sep)
}

func wrapper(n int) string { return `{"Records":[` + events(n, ",") + `]}` }

// gz compresses each part as its own gzip member (several parts make a
// multi-member stream).
func gz(t testing.TB, parts ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, p := range parts {
		w, err := gzip.NewWriterLevel(&b, gzip.NoCompression) // stable layout across Go versions
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(p))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

type zipEntry struct {
	name   string
	data   []byte
	mode   os.FileMode // 0: regular 0644
	method uint16      // zip.Store or zip.Deflate
}

func zipBytes(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: e.method, Modified: time.Date(2024, 7, 30, 0, 0, 0, 0, time.UTC)}
		mode := e.mode
		if mode == 0 {
			mode = 0o644
		}
		h.SetMode(mode)
		f, err := w.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		f.Write(e.data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type tarEntry struct {
	name     string
	data     []byte
	typeflag byte // 0: tar.TypeReg
	linkname string
}

func tarBytes(t testing.TB, entries ...tarEntry) []byte {
	t.Helper()
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typeflag, Linkname: e.linkname, Mode: 0o644,
			ModTime: time.Date(2024, 7, 30, 0, 0, 0, 0, time.UTC), Format: tar.FormatPAX}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.data))
		}
		if err := w.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			w.Write(e.data)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// write creates dir/name (and its parents) with data.
func write(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// transcript reads every input with Records and renders what was yielded,
// one line each, followed by the Stats; paths are shown relative to dir.
// It checks the invariants every yield must keep.
func transcript(t *testing.T, r *Reader, dir string, inputs ...Input) string {
	t.Helper()
	var b strings.Builder
	for _, in := range inputs {
		for rec, err := range r.Records(context.Background(), in) {
			if err != nil {
				checkError(t, err)
				fmt.Fprintf(&b, "error %s\n", err)
				continue
			}
			checkRecord(t, rec)
			fmt.Fprintf(&b, "record %s %s %s\n", rec.Source, timeString(rec.Time), abbrev(rec.Raw))
		}
	}
	st, _ := json.Marshal(r.Stats())
	fmt.Fprintf(&b, "stats %s\n", st)
	out := b.String()
	if dir != "" {
		out = strings.ReplaceAll(out, dir+string(filepath.Separator), "")
	}
	return out
}

func checkError(t *testing.T, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Errorf("yielded error %v (%T) is not an *Error", err, err)
		return
	}
	if e.Reason == "" || e.Err == nil || e.Source.File == "" {
		t.Errorf("incomplete *Error: %#v", e)
	}
}

func checkRecord(t *testing.T, rec trail.Record) {
	t.Helper()
	if !json.Valid(rec.Raw) || rec.Raw[0] != '{' {
		t.Errorf("%s: Raw is not one JSON object: %q", rec.Source, rec.Raw)
	}
	if !rec.Time.IsZero() && rec.Time.Location() != time.UTC {
		t.Errorf("%s: Time %v is not UTC", rec.Source, rec.Time)
	}
}

func timeString(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.RFC3339Nano)
}

func abbrev(raw []byte) string {
	if len(raw) <= 120 {
		return string(raw)
	}
	return fmt.Sprintf("%s...(%d bytes)", raw[:100], len(raw))
}

// golden compares got with testdata/<test name>.golden, or rewrites it
// with -update.
func golden(t *testing.T, got string) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", filepath.FromSlash(t.Name())+".golden"), []byte(got))
}

// checkAccounting asserts the bookkeeping invariant: every error yielded is
// in Stats.Errors, every record-level error in FailedRecords.
func checkAccounting(t *testing.T, out string, st Stats) {
	t.Helper()
	var records, errs int64
	for line := range strings.Lines(out) {
		switch {
		case strings.HasPrefix(line, "record "):
			records++
		case strings.HasPrefix(line, "error "):
			errs++
		}
	}
	var total int64
	for _, n := range st.Errors {
		total += n
	}
	if records != st.Records || errs != total {
		t.Errorf("yielded %d records and %d errors, Stats says %d and %d", records, errs, st.Records, total)
	}
}

func newBufReader(r io.Reader) *bufio.Reader { return bufio.NewReaderSize(r, bufSize) }

func sourceOf(file, member string, index int) trail.Source {
	return trail.Source{File: file, Member: member, Index: index}
}

type errString string

func (e errString) Error() string { return string(e) }

// gzLevel compresses s at level: gzip.BestCompression for decompression
// bombs, the default for realistic benchmark files.
func gzLevel(t testing.TB, level int, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, level)
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
