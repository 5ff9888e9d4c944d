package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestFaultsGzip(t *testing.T) {
	truncated := gzipStored(t, wrap(hit("gz-hit-0"), miss(1), hit("gz-hit-2"), miss(3), hit("gz-hit-4"), miss(5)))
	truncated = cutBefore(t, truncated, `"eventID":"gz-hit-4"`) // in the middle of record 4
	badCRC := gzipStored(t, wrap(hit("crc-hit-0"), miss(1)))
	badCRC[len(badCRC)-8] ^= 0xff

	runFaultCases(t, []faultCase{
		{
			// Records before the cut are evaluated and reported; the file is
			// flagged; the next file is read.
			name: "truncated gzip",
			files: map[string][]byte{
				"a.json.gz": truncated,
				"b.json":    []byte(wrap(hit("after-0"))),
			},
			want: want{
				code:   exitIncomplete,
				counts: "files=2 members=0 records=5 no_time=0 evaluated=5 failed=0 skipped={} errors={truncated:1} findings=3 rows=3",
				errs:   []string{"evaluate: read $DIR/a.json.gz: truncated: gzip: input ends early"},
				rows:   []string{"after-0×1", "gz-hit-0×1", "gz-hit-2×1"},
			},
		},
		{
			name:  "corrupt gzip header",
			files: map[string][]byte{"a.json.gz": []byte("\x1f\x8b\x09\x00garbage")},
			want: want{
				code:   exitIncomplete,
				counts: "files=1 members=0 records=0 no_time=0 evaluated=0 failed=0 skipped={} errors={gzip:1} findings=0 rows=0",
				errs:   []string{"evaluate: read $DIR/a.json.gz: gzip: gzip: invalid header"},
			},
		},
		{
			// Streamed: the records are evaluated before the checksum at the
			// end of the stream turns out wrong; the file is flagged.
			name:  "corrupt gzip checksum",
			files: map[string][]byte{"a.json.gz": badCRC},
			want: want{
				code:   exitIncomplete,
				counts: "files=1 members=0 records=2 no_time=0 evaluated=2 failed=0 skipped={} errors={gzip:1} findings=1 rows=1",
				errs:   []string{"evaluate: read $DIR/a.json.gz: gzip: gzip: invalid checksum"},
				rows:   []string{"crc-hit-0×1"},
			},
		},
		{
			// Formats are detected by content: a .gz name on plain JSON lines
			// is read as JSON lines.
			name:  "gz name that is not gzip",
			files: map[string][]byte{"a.json.gz": []byte(lines(miss(0), hit("plain-hit-1")))},
			want: want{
				code:   exitOK,
				counts: "files=1 members=0 records=2 no_time=0 evaluated=2 failed=0 skipped={} errors={} findings=1 rows=1",
				rows:   []string{"plain-hit-1×1"},
			},
		},
		{
			// Nothing to read is not an error: counted as a skipped file.
			name:  "empty file",
			files: map[string][]byte{"a.json": nil, "blank.jsonl": []byte("\n\n")},
			want: want{
				code:   exitOK,
				counts: "files=2 members=0 records=0 no_time=0 evaluated=0 failed=0 skipped={empty:2} errors={} findings=0 rows=0",
			},
		},
		{
			name:  "empty gzip",
			files: map[string][]byte{"a.json.gz": gzipStored(t, "")},
			want: want{
				code:   exitOK,
				counts: "files=1 members=0 records=0 no_time=0 evaluated=0 failed=0 skipped={empty:1} errors={} findings=0 rows=0",
			},
		},
	})
}

// ---------------------------------------------------------------------------
// Broken JSON and odd records
// ---------------------------------------------------------------------------

func TestFaultsJSON(t *testing.T) {
	const bad = `{"eventName": x}`
	runFaultCases(t, []faultCase{
		{
			// JSON lines: the bad line is an error for its line number (0-based,
			// as the record index) and reading goes on with the next line.
			name: "syntax error mid-file, JSON lines",
			files: map[string][]byte{
				"a.jsonl": []byte(lines(hit("jl-hit-0"), bad, miss(2), hit("jl-hit-3"))),
			},
			want: want{
				code:   exitIncomplete,
				counts: "files=1 members=0 records=4 no_time=0 evaluated=3 failed=1 skipped={} errors={json_syntax:1} findings=2 rows=2",
				errs:   []string{"evaluate: read $DIR/a.jsonl#1: json_syntax: invalid character 'x' looking for beginning of value"},
				rows:   []string{"jl-hit-0×1", "jl-hit-3×1"},
			},
		},
		{
			// Records and array containers cannot be resynchronised: the rest
			// of the file is not read (rec-hit-2 and arr-hit-2 are not seen),
			// the error says how many bytes that was, and reading goes on with
			// the next file or archive member.
			name: "syntax error mid-file, Records, array and zip member",
			files: map[string][]byte{
				"a.json": []byte(wrap(hit("rec-hit-0"), bad, hit("rec-hit-2"))),
				"b.json": []byte(array(hit("arr-hit-0"), bad, hit("arr-hit-2"))),
				"c.zip": zipped(t,
					member{"bad.json", []byte(wrap(miss(0), bad))},
					member{"good.json", []byte(wrap(hit("zip-hit-0")))}),
				"d.json": []byte(wrap(hit("next-hit-0"))),
			},
			want: want{
				code:   exitIncomplete,
				counts: "files=4 members=2 records=8 no_time=0 evaluated=5 failed=3 skipped={} errors={json_syntax:3} findings=4 rows=4",
				errs: []string{
					"evaluate: read $DIR/a.json#1: json_syntax: invalid character 'x' looking for beginning of value; the rest of the file (454 bytes) was not read",
					"evaluate: read $DIR/b.json#1: json_syntax: invalid character 'x' looking for beginning of value; the rest of the file (454 bytes) was not read",
					"evaluate: read $DIR/c.zip!bad.json#1: json_syntax: invalid character 'x' looking for beginning of value; the rest of the member (2 bytes) was not read",
				},
				rows: []string{"arr-hit-0×1", "next-hit-0×1", "rec-hit-0×1", "zip-hit-0×1"},
			},
		},
		{
			// Valid JSON that is not an object is an error for its index;
			// reading goes on in every container. (A file whose very first
			// value is not an object: see TestFaultsFirstValue.)
			name: "records that are not objects",
			files: map[string][]byte{
				"a.json":  []byte(wrap("null", "42", `"s"`, "[]", hit("obj-hit-4"))),
				"b.jsonl": []byte(lines(hit("obj-hit-l0"), "null", hit("obj-hit-l2"), "true")),
			},
			want: want{
				code:   exitIncomplete,
				counts: "files=2 members=0 records=9 no_time=0 evaluated=3 failed=6 skipped={} errors={not_object:6} findings=3 rows=3",
				errs: []string{
					"evaluate: read $DIR/a.json#0: not_object: not a JSON object: null",
					"evaluate: read $DIR/a.json#1: not_object: not a JSON object: number",
					"evaluate: read $DIR/a.json#2: not_object: not a JSON object: string",
					"evaluate: read $DIR/a.json#3: not_object: not a JSON object: array",
					"evaluate: read $DIR/b.jsonl#1: not_object: not a JSON object: null",
					"evaluate: read $DIR/b.jsonl#3: not_object: not a JSON object: boolean",
				},
				rows: []string{"obj-hit-4×1", "obj-hit-l0×1", "obj-hit-l2×1"},
			},
		},
		{
			// A value of the wrong type reads as missing, never as an error:
			// - eventTime a number: evaluated, counted without time, its row
			//   has null firstTime/lastTime;
			// - userIdentity a string: the caller is unknown, so it is not the
			//   target: reported, with null caller fields (the policy's rule e);
			// - requestParameters.userName a number: no target user, no finding;
			// - eventName a number: not CreateAccessKey, no finding;
			// - errorCode a number or an object: present and not "success", so
			//   a failed call, no finding (never read as missing: success).
			name: "wrong types",
			files: map[string][]byte{"a.jsonl": []byte(lines(
				strings.Replace(hit("wt-time-number"), `"2024-07-30T21:53:13Z"`, `1722376393`, 1),
				strings.Replace(hit("wt-identity-string"), `"userIdentity":{`, `"userIdentity":"root","x":{`, 1),
				strings.Replace(hit("wt-username-number"), `"userName":"bob"`, `"userName":7`, 1),
				strings.Replace(hit("wt-eventname-number"), `"CreateAccessKey"`, `7`, 1),
				`{"eventTime":{"t":1},"userIdentity":[],"requestParameters":"x","eventName":null}`,
				strings.Replace(hit("wt-errorcode-number"), `"eventID"`, `"errorCode":403,"eventID"`, 1),
				strings.Replace(hit("wt-errorcode-object"), `"eventID"`, `"errorCode":{"code":"AccessDenied"},"eventID"`, 1),
			))},
			want: want{
				code:   exitOK,
				counts: "files=1 members=0 records=7 no_time=2 evaluated=7 failed=0 skipped={} errors={} findings=2 rows=2",
				rows:   []string{"wt-identity-string×1", "wt-time-number×1"},
			},
		},
		{
			// With a time window, records without a usable time are skipped and
			// counted by reason, never silently dropped.
			name:  "wrong types with a time window",
			args:  []string{"--since", "2024-07-30", "--until", "2024-07-31"},
			files: map[string][]byte{"a.jsonl": []byte(lines(strings.Replace(hit("wt-time-number"), `"2024-07-30T21:53:13Z"`, `1722376393`, 1), hit("in-window"), strings.Replace(hit("before"), "2024-07-30", "2024-07-29", 1)))},
			want: want{
				code:   exitOK,
				counts: "files=1 members=0 records=3 no_time=1 evaluated=1 failed=0 skipped={no_time_in_window:1 outside_time_window:1} errors={} findings=1 rows=1",
				rows:   []string{"in-window×1"},
			},
		},
		{
			// Invalid UTF-8 inside a string is valid JSON syntax: the record is
			// evaluated, the bad bytes read as U+FFFD, the output stays valid
			// UTF-8. Outside a string it is a syntax error for that line.
			name: "invalid UTF-8",
			files: map[string][]byte{"a.jsonl": []byte(lines(
				strings.Replace(hit("utf8-hit-\xff"), `"bob"`, "\"b\xffo\xfeb\"", 1),
				"{\xff:1}",
				hit("utf8-hit-2"),
			))},
			want: want{
				code:   exitIncomplete,
				counts: "files=1 members=0 records=3 no_time=0 evaluated=2 failed=1 skipped={} errors={json_syntax:1} findings=2 rows=2",
				errs:   []string{"evaluate: read $DIR/a.jsonl#1: json_syntax: invalid character 'ÿ' looking for beginning of object key string"},
				rows:   []string{"utf8-hit-2×1", "utf8-hit-\ufffd×1"},
			},
		},
		{
			// Duplicate keys: the last one counts, for the detections and for
			// the event time alike (a GetObject that becomes a CreateAccessKey
			// is reported, with the later time).
			name: "duplicate keys",
			files: map[string][]byte{"a.json": []byte(wrap(
				strings.Replace(hit("dup-key-hit"), `"eventName":"CreateAccessKey"`, `"eventName":"GetObject","eventTime":"2024-01-01T00:00:00Z","eventName":"CreateAccessKey"`, 1),
				strings.Replace(hit("dup-key-miss"), `"eventName":"CreateAccessKey"`, `"eventName":"CreateAccessKey","eventName":"GetObject"`, 1),
			))},
			want: want{
				code:   exitOK,
				counts: "files=1 members=0 records=2 no_time=0 evaluated=2 failed=0 skipped={} errors={} findings=1 rows=1",
				rows:   []string{"dup-key-hit×1"},
			},
		},
	})
}

// The duplicate-keys row reports the later eventTime of a record that has
// two: the loader's time and the policy's input agree on "last one wins".
func TestFaultsDuplicateKeysTime(t *testing.T) {
	rec := strings.Replace(hit("dup-time"), `"eventTime":"2024-07-30T21:53:13Z"`, `"eventTime":"2024-01-01T00:00:00Z","eventTime":"2024-07-30T21:53:13Z"`, 1)
	dir := writeFiles(t, map[string][]byte{"a.json": []byte(rec)})
	r := evaluateFaults(t, dir, runOpts{}, dir)
	if r.code != exitOK || !strings.Contains(r.stdout, `"firstTime":"2024-07-30T21:53:13Z","lastTime":"2024-07-30T21:53:13Z"`) {
		t.Errorf("exit %d, output:\n%s", r.code, r.stdout)
	}
}

// ---------------------------------------------------------------------------
// Archives and the file system
// ---------------------------------------------------------------------------

type tarMember struct {
	name     string
	typeflag byte
	linkname string
	data     []byte
}

func tarWith(t *testing.T, members ...tarMember) []byte {
	t.Helper()
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	for _, m := range members {
		h := &tar.Header{Name: m.name, Typeflag: m.typeflag, Linkname: m.linkname, Mode: 0o644, Format: tar.FormatPAX,
			ModTime: time.Date(2024, 7, 30, 0, 0, 0, 0, time.UTC)}
		if m.typeflag == tar.TypeReg {
			h.Size = int64(len(m.data))
		}
		if m.typeflag == tar.TypeChar {
			h.Devmajor, h.Devminor = 1, 3
		}
		if err := w.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if m.typeflag == tar.TypeReg {
			w.Write(m.data)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func zipWithSymlink(t *testing.T, members ...member) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, m := range members {
		h := &zip.FileHeader{Name: m.name, Method: zip.Deflate}
		if strings.HasPrefix(m.name, "link") {
			h.SetMode(os.ModeSymlink | 0o777)
		}
		f, err := w.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		f.Write(m.data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestFaultsArchiveMembers(t *testing.T) {
	evil := []byte(wrap(hit("evil")))
	runFaultCases(t, []faultCase{
		{
			// Zip slip and friends: members are never extracted, followed or
			// written. Unsafe names and symlinks are skipped and counted; the
			// safe member is read.
			name: "zip members with dot-dot, absolute paths and symlinks",
			files: map[string][]byte{"a.zip": zipWithSymlink(t,
				member{"../escape.json", evil},
				member{"/abs.json", evil},
				member{"ok/../../escape2.json", evil},
				member{`..\win.json`, evil},
				member{"link.json", []byte("/etc/passwd")},
				member{"good.json", []byte(wrap(hit("zip-good")))},
			)},
			want: want{
				code:   exitOK,
				counts: "files=1 members=1 records=1 no_time=0 evaluated=1 failed=0 skipped={not_regular:1 unsafe_path:4} errors={} findings=1 rows=1",
				rows:   []string{"zip-good×1"},
			},
		},
		{
			name: "tar members with dot-dot, absolute paths, links and devices",
			files: map[string][]byte{"a.tar": tarWith(t,
				tarMember{name: "../escape.json", typeflag: tar.TypeReg, data: evil},
				tarMember{name: "/abs.json", typeflag: tar.TypeReg, data: evil},
				tarMember{name: "link.json", typeflag: tar.TypeSymlink, linkname: "/etc/passwd"},
				tarMember{name: "hard.json", typeflag: tar.TypeLink, linkname: "good.json"},
				tarMember{name: "null", typeflag: tar.TypeChar},
				tarMember{name: "fifo", typeflag: tar.TypeFifo},
				tarMember{name: "good.json", typeflag: tar.TypeReg, data: []byte(wrap(hit("tar-good")))},
			)},
			want: want{
				code:   exitOK,
				counts: "files=1 members=1 records=1 no_time=0 evaluated=1 failed=0 skipped={not_regular:4 unsafe_path:2} errors={} findings=1 rows=1",
				rows:   []string{"tar-good×1"},
			},
		},
	})
	// Nothing was written anywhere by reading those archives.
	for _, p := range []string{"/abs.json", filepath.Join(os.TempDir(), "escape.json"), filepath.Join(os.TempDir(), "escape2.json")} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s exists after reading the archives", p)
		}
	}
}

// Inside a walked directory, symlinks are not followed and FIFOs and device
// files are not opened (a FIFO would block the run): skipped and counted. A
// symlink named on the command line is followed.
func TestFaultsWalkedSpecialFiles(t *testing.T) {
	outside := writeFiles(t, map[string][]byte{"secret.json": []byte(wrap(hit("via-symlink")))})
	dir := writeFiles(t, map[string][]byte{"good.json": []byte(wrap(hit("walk-good")))})
	if err := os.Symlink(filepath.Join(outside, "secret.json"), filepath.Join(dir, "link.json")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.json"), 0o644); err != nil {
		t.Fatal(err)
	}
	notRegular := 1
	if err := syscall.Mknod(filepath.Join(dir, "null.json"), syscall.S_IFCHR|0o644, 1<<8|3); err == nil {
		notRegular++ // a character device like /dev/null; needs CAP_MKNOD
	} else {
		t.Logf("no device file in this test: mknod: %v", err)
	}
	r := evaluateFaults(t, dir, runOpts{}, dir)
	r.check(t, want{
		code:   exitOK,
		counts: fmt.Sprintf("files=1 members=0 records=1 no_time=0 evaluated=1 failed=0 skipped={not_regular:%d symlink:1} errors={} findings=1 rows=1", notRegular),
		rows:   []string{"walk-good×1"},
	})

	named := evaluateFaults(t, dir, runOpts{}, filepath.Join(dir, "link.json"))
	named.check(t, want{
		code:   exitOK,
		counts: "files=1 members=0 records=1 no_time=0 evaluated=1 failed=0 skipped={} errors={} findings=1 rows=1",
		rows:   []string{"via-symlink×1"},
	})
}

// funcReader serves data, then calls at, then returns err (io.EOF for a
// clean end).
type funcReader struct {
	data *strings.Reader
	at   func()
	err  error
}

func (r *funcReader) Read(p []byte) (int, error) {
	if r.data.Len() > 0 {
		return r.data.Read(p)
	}
	if r.at != nil {
		r.at()
		r.at = nil
	}
	return 0, r.err
}

func TestFaultsFileSystem(t *testing.T) {
	t.Run("file vanishes between walk and read", func(t *testing.T) {
		// The input walker stats b.json while the single worker reads
		// stdin; stdin's reader deletes b.json before it ends, so the worker
		// opens a file that was listed but is gone. (Should the walker be
		// slower than that, it finds b.json gone itself: the same error, the
		// same counts: the outcome does not depend on the interleaving.)
		dir := writeFiles(t, map[string][]byte{"b.json": []byte(wrap(hit("vanished")))})
		b := filepath.Join(dir, "b.json")
		stdin := &funcReader{
			data: strings.NewReader(lines(hit("stdin-hit"), miss(1), miss(2), miss(3), miss(4), miss(5), miss(6), miss(7))),
			at: func() {
				time.Sleep(50 * time.Millisecond) // let the walker stat b.json
				if err := os.Remove(b); err != nil {
					t.Error(err)
				}
			},
			err: io.EOF,
		}
		r := evaluateFaults(t, dir, runOpts{stdin: stdin}, "-", b)
		r.check(t, want{
			code:   exitIncomplete,
			counts: "files=1 members=0 records=8 no_time=0 evaluated=8 failed=0 skipped={} errors={open:1} findings=1 rows=1",
			errs:   []string{"evaluate: read $DIR/b.json: open: no such file or directory"},
			rows:   []string{"stdin-hit×1"},
		})
	})
	t.Run("read error mid-file", func(t *testing.T) {
		// An I/O error after two complete lines: they are evaluated, the
		// input is flagged.
		stdin := &funcReader{data: strings.NewReader(lines(hit("before-eio"), miss(1)) + `{"eventName":"Cre`), err: syscall.EIO}
		r := evaluateFaults(t, "", runOpts{stdin: stdin}, "-")
		r.check(t, want{
			code:   exitIncomplete,
			counts: "files=1 members=0 records=2 no_time=0 evaluated=2 failed=0 skipped={} errors={read:1} findings=1 rows=1",
			errs:   []string{"evaluate: read -: read: input/output error"},
			rows:   []string{"before-eio×1"},
		})
	})
	t.Run("unreadable file", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("running as root: chmod 000 does not stop root from reading (see loader TestFaultsFileSystem for the rest)")
		}
		dir := writeFiles(t, map[string][]byte{"a.json": []byte(wrap(hit("locked"))), "b.json": []byte(wrap(hit("open")))})
		if err := os.Chmod(filepath.Join(dir, "a.json"), 0); err != nil {
			t.Fatal(err)
		}
		r := evaluateFaults(t, dir, runOpts{}, dir)
		r.check(t, want{
			code:   exitIncomplete,
			counts: "files=1 members=0 records=1 no_time=0 evaluated=1 failed=0 skipped={} errors={open:1} findings=1 rows=1",
			errs:   []string{"evaluate: read $DIR/a.json: open: permission denied"},
			rows:   []string{"open×1"},
		})
	})
	t.Run("input path does not exist", func(t *testing.T) {
		dir := writeFiles(t, map[string][]byte{"a.json": []byte(wrap(hit("exists")))})
		r := evaluateFaults(t, dir, runOpts{}, filepath.Join(dir, "nope.json"), filepath.Join(dir, "a.json"))
		r.check(t, want{
			code:   exitIncomplete,
			counts: "files=1 members=0 records=1 no_time=0 evaluated=1 failed=0 skipped={} errors={open:1} findings=1 rows=1",
			errs:   []string{"evaluate: read $DIR/nope.json: open: no such file or directory"},
			rows:   []string{"exists×1"},
		})
	})
}

// ---------------------------------------------------------------------------
// Output that cannot be written
// ---------------------------------------------------------------------------
