package report

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// dirList returns the names in dir, sorted.
func dirList(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustCreate(t *testing.T, path string) *AtomicFile {
	t.Helper()
	f, err := CreateAtomic(path)
	if err != nil {
		t.Fatalf("CreateAtomic: %v", err)
	}
	return f
}

func mustWrite(t *testing.T, f *AtomicFile, s string) {
	t.Helper()
	if _, err := io.WriteString(f, s); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func TestAtomicCommitCreatesFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "findings.jsonl")
	f := mustCreate(t, path)
	mustWrite(t, f, "part one, ")
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("output visible before Commit: %v", err)
	}
	mustWrite(t, f, "part two\n")
	if err := f.Commit(); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if got := readFile(t, path); got != "part one, part two\n" {
		t.Errorf("content %q", got)
	}
	if got := dirList(t, dir); !slices.Equal(got, []string{"findings.jsonl"}) {
		t.Errorf("directory holds %v, want only the output", got)
	}
	if err := f.Abort(); err != nil {
		t.Errorf("Abort after Commit = %v, want nil (no-op)", err)
	}
	if err := f.Commit(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("second Commit = %v, want ErrClosed", err)
	}
	if _, err := f.Write([]byte("x")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Write after Commit = %v, want ErrClosed", err)
	}
}

func TestAtomicCommitReplacesAndKeepsMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	if err := os.WriteFile(path, []byte("old content that is longer\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := mustCreate(t, path)
	mustWrite(t, f, "new\n")
	if got := readFile(t, path); got != "old content that is longer\n" {
		t.Errorf("old file changed before Commit: %q", got)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != "new\n" {
		t.Errorf("content %q, want the new content only", got)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want the replaced file's 0600", info.Mode().Perm())
	}
	if got := dirList(t, dir); !slices.Equal(got, []string{"out.csv"}) {
		t.Errorf("directory holds %v", got)
	}
}

func TestAtomicAbortLeavesOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.json")
	if err := os.WriteFile(path, []byte("previous\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := mustCreate(t, path)
	mustWrite(t, f, `{"rows": [`)
	if err := f.Abort(); err != nil {
		t.Fatalf("Abort: %v", err)
	}
	if got := readFile(t, path); got != "previous\n" {
		t.Errorf("content %q, want the previous file", got)
	}
	if got := dirList(t, dir); !slices.Equal(got, []string{"out.json"}) {
		t.Errorf("directory holds %v, want no temp file", got)
	}
	if err := f.Abort(); err != nil {
		t.Errorf("second Abort = %v, want nil", err)
	}
}

func TestAtomicFailedRenameRemovesTempFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	f := mustCreate(t, path)
	mustWrite(t, f, "data\n")
	// The target becomes a non-empty directory before Commit: rename fails.
	if err := os.MkdirAll(filepath.Join(path, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := f.Commit()
	if err == nil {
		t.Fatal("Commit over a directory succeeded")
	}
	if !strings.HasPrefix(err.Error(), "report: output "+path+": rename ") {
		t.Errorf("Commit error = %q, want a rename error naming %s", err, path)
	}
	if got := dirList(t, dir); !slices.Equal(got, []string{"out.txt"}) {
		t.Errorf("directory holds %v, want only the directory out.txt and no *.tmp", got)
	}
}

func TestAtomicFailedWriteFailsCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	if err := os.WriteFile(path, []byte("previous\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := mustCreate(t, path)
	mustWrite(t, f, "partial")
	f.f.Close() // simulate an I/O error on the next write
	if _, err := f.Write([]byte("more")); err == nil {
		t.Fatal("Write to a closed file succeeded")
	}
	err := f.Commit()
	if err == nil || !strings.HasPrefix(err.Error(), "write ") {
		t.Errorf("Commit after a failed Write = %v, want the write error", err)
	}
	if got := readFile(t, path); got != "previous\n" {
		t.Errorf("content %q, want the previous file", got)
	}
	if got := dirList(t, dir); !slices.Equal(got, []string{"out.txt"}) {
		t.Errorf("directory holds %v, want no temp file", got)
	}
}

func TestAtomicRejectsDirectory(t *testing.T) {
	dir := t.TempDir()
	_, err := CreateAtomic(dir)
	if want := "report: output " + dir + ": is a directory"; err == nil || err.Error() != want {
		t.Errorf("CreateAtomic(dir) = %v, want %q", err, want)
	}
	_, err = CreateAtomic(filepath.Join(dir, "missing", "out.txt"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("CreateAtomic in a missing directory = %v, want ErrNotExist", err)
	}
}

func TestAtomicFollowsSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.txt")
	link := filepath.Join(dir, "link.txt")
	if err := os.WriteFile(target, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.txt", link); err != nil {
		t.Skip("symlinks unavailable:", err)
	}
	f := mustCreate(t, link)
	mustWrite(t, f, "new\n")
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Lstat(link); err != nil || info.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("link replaced by a regular file: %v %v", info, err)
	}
	if got := readFile(t, target); got != "new\n" {
		t.Errorf("target content %q", got)
	}
}

func TestAtomicDevFull(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full:", err)
	}
	f := mustCreate(t, "/dev/full")
	_, werr := f.Write([]byte("row\n"))
	const want = "write /dev/full: no space left on device"
	if werr == nil || werr.Error() != want {
		t.Errorf("Write = %v, want %q", werr, want)
	}
	if !errors.Is(werr, syscall.ENOSPC) {
		t.Errorf("Write error does not wrap ENOSPC: %v", werr)
	}
	if err := f.Commit(); err == nil || err.Error() != want {
		t.Errorf("Commit = %v, want %q", err, want)
	}
}

func TestAtomicDevFullThroughWrite(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full:", err)
	}
	f := mustCreate(t, "/dev/full")
	err := Write(f, Config{Format: FormatJSONL, Detections: testDetections}, testRows)
	if err == nil || !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("report.Write to /dev/full = %v, want ENOSPC", err)
	}
	if err := f.Commit(); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("Commit = %v, want ENOSPC", err)
	}
}

func TestAtomicFIFOIsWrittenDirectly(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	got := make(chan string, 1)
	go func() {
		r, err := os.Open(fifo)
		if err != nil {
			got <- "open: " + err.Error()
			return
		}
		defer r.Close()
		b, _ := io.ReadAll(r)
		got <- string(b)
	}()
	f := mustCreate(t, fifo)
	mustWrite(t, f, "streamed\n")
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "streamed\n" {
		t.Errorf("reader got %q", s)
	}
	if names := dirList(t, dir); !slices.Equal(names, []string{"pipe"}) {
		t.Errorf("directory holds %v, want the FIFO only", names)
	}
}

// RemoveTempFiles (a second Ctrl-C) removes the temp files of outputs not
// yet committed or aborted, and only those: the destinations keep what they
// had, a committed file stays, and the interrupted output cannot be
// committed afterwards.
func TestAtomicRemoveTempFiles(t *testing.T) {
	dir := t.TempDir()
	done := filepath.Join(dir, "done.jsonl")
	committed := mustCreate(t, done)
	mustWrite(t, committed, "complete\n")
	if err := committed.Commit(); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(dir, "old.jsonl")
	if err := os.WriteFile(old, []byte("previous\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a, b := mustCreate(t, old), mustCreate(t, filepath.Join(dir, "new.jsonl"))
	mustWrite(t, a, "partial")
	if got := len(dirList(t, dir)); got != 4 {
		t.Fatalf("%d entries before, want 4 (two outputs, two temp files): %v", got, dirList(t, dir))
	}
	RemoveTempFiles()
	if got, want := dirList(t, dir), []string{"done.jsonl", "old.jsonl"}; !slices.Equal(got, want) {
		t.Errorf("after RemoveTempFiles: %v, want %v", got, want)
	}
	if got := readFile(t, old); got != "previous\n" {
		t.Errorf("old.jsonl = %q", got)
	}
	if err := a.Commit(); err == nil {
		t.Error("Commit after RemoveTempFiles succeeded")
	}
	b.Abort()         // its temp file is gone already: nothing to do, no panic
	RemoveTempFiles() // nothing left: a no-op
	if got := len(dirList(t, dir)); got != 2 {
		t.Errorf("%d entries at the end, want 2: %v", got, dirList(t, dir))
	}
}
