package loader

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cut returns the first n bytes of b (n < 0: len(b)+n).
func cut(b []byte, n int) []byte {
	if n < 0 {
		n += len(b)
	}
	return b[:n:n]
}

// corruptCRC flips the CRC-32 in the trailer of a one-member gzip stream.
func corruptCRC(b []byte) []byte {
	c := bytes.Clone(b)
	c[len(c)-8] ^= 0xff
	return c
}

func nested(depth int) string {
	return strings.Repeat("[", depth) + strings.Repeat("]", depth)
}

func TestFaults(t *testing.T) {
	big := `{"eventName":"Big","pad":"` + strings.Repeat("x", 5000) + `"}`
	plainWrapper := []byte(wrapper(10))
	runCases(t, []loaderCase{
		// Records before the cut are yielded, then the file is flagged.
		{name: "truncated_gzip", files: []file{{name: "a.json.gz", data: cut(gz(t, wrapper(10)), 600)}}},
		{name: "truncated_gzip_json_lines", files: []file{{name: "a.jsonl.gz", data: cut(gz(t, events(10, "\n")), 600)}}},
		{name: "truncated_gzip_header", files: []file{{name: "a.json.gz", data: []byte("\x1f\x8b\x08\x00")}}},
		{name: "truncated_plain_json", files: []file{
			{name: "mid_record.json", data: cut(plainWrapper, 300)},
			{name: "after_record.json", data: []byte(`{"Records":[` + event(0) + `,` + event(1))}}},
		{name: "corrupt_gzip_header", files: []file{{name: "a.json.gz", data: []byte("\x1f\x8b\x09\x00garbage")}}},
		{name: "corrupt_gzip_checksum", files: []file{{name: "a.json.gz", data: corruptCRC(gz(t, wrapper(2)))}}},
		{name: "gzip_trailing_garbage", files: []file{{name: "a.json.gz", data: append(gz(t, wrapper(2)), "junk"...)}}},
		{name: "gz_name_not_gzip", files: []file{{name: "a.json.gz", data: []byte(events(2, "\n"))}}},
		{name: "empty_file", files: []file{{name: "a.json", data: nil}, {name: "blank.json", data: []byte("\n \n")}}},
		{name: "empty_gzip", files: []file{{name: "a.json.gz", data: gz(t, "")}}},
		{name: "gzip_inside_gzip", files: []file{{name: "a.json.gz.gz", data: gz(t, string(gz(t, wrapper(1))))}}},
		// An array stops at a syntax error; JSON lines go on.
		{name: "array_syntax_error", files: []file{
			{name: "a.json", data: []byte(`{"Records":[` + event(0) + `,` + event(1) + `,{"eventName": x},` + event(3) + `]}`)},
			{name: "b.json", data: []byte(wrapper(1))}}},
		{name: "array_missing_comma", files: []file{{name: "a.json", data: []byte(`[` + event(0) + event(1) + `]`)}}},
		{name: "json_lines_syntax_error", files: []file{{name: "a.jsonl", data: []byte(
			event(0) + "\n" + `{"eventName": x}` + "\n" + event(2) + "\n" + event(3) + event(4) + "\n" + event(5) + "\n")}}},
		{name: "trailing_garbage_after_wrapper", files: []file{{name: "a.json", data: []byte(wrapper(1) + "\n}")}}},
		{name: "records_not_array", files: []file{{name: "a.json", data: []byte(`{"Records":{"eventName":"x"}}`)}}},
		// Non-objects are errors for their index; reading goes on.
		{name: "null_and_number_records", files: []file{
			{name: "a.json", data: []byte(`{"Records":[null,1,"s",true,[],` + event(5) + `]}`)},
			{name: "b.jsonl", data: []byte(event(0) + "\nnull\n42\n" + event(3) + "\n")},
			{name: "c.json", data: []byte(`[` + event(0) + `] 42 ` + wrapper(1))}}},
		// Invalid UTF-8 inside a string is valid JSON syntax to encoding/json:
		// the record is yielded with its bytes unchanged. Outside a string it
		// is a syntax error.
		{name: "invalid_utf8", files: []file{
			{name: "in_string.json", data: []byte("[{\"eventName\":\"bad\xff\xfe\",\"eventTime\":\"2024-07-30T21:53:13Z\"},{\"eventTime\":\"2024-07-30T21:53:13\xffZ\"}]")},
			{name: "in_structure.jsonl", data: []byte(event(0) + "\n{\xff:1}\n" + event(2) + "\n")}}},
		// Duplicate keys are yielded as they are; the last eventTime counts.
		{name: "duplicate_keys", files: []file{{name: "a.json", data: []byte(
			`[{"eventTime":"2024-01-01T00:00:00Z","eventName":"A","eventTime":"2024-02-02T00:00:00Z","eventName":"B"}]`)}}},
		{name: "wrong_types", files: []file{{name: "a.json", data: []byte(
			`[{"eventTime":1722376393,"userIdentity":"root","requestParameters":{"userName":7}},{"eventTime":null},{"eventTime":{"t":"2024-01-01T00:00:00Z"}}]`)}}},
		// Caps: MaxRecordBytes is 1024 in these cases.
		{name: "huge_record_in_array", cfg: Config{MaxRecordBytes: 1024}, files: []file{
			{name: "a.json", data: []byte(`{"Records":[` + event(0) + `,` + big + `,` + event(2) + `]}`)},
			{name: "b.json", data: []byte(wrapper(1))}}},
		{name: "huge_record_in_json_lines", cfg: Config{MaxRecordBytes: 1024}, files: []file{
			{name: "a.jsonl", data: []byte(event(0) + "\n" + big + "\n" + event(2) + "\n")}}},
		{name: "huge_single_object", cfg: Config{MaxRecordBytes: 1024}, files: []file{{name: "a.json", data: []byte(big)}}},
		// An oversized first line cannot be told from one huge object until
		// it ends: it is skipped to its end and the file read on as JSON
		// lines (as when it comes second), its line numbers kept.
		{name: "huge_first_json_line", cfg: Config{MaxRecordBytes: 1024}, files: []file{
			{name: "a.jsonl", data: []byte(big + "\n" + event(1) + "\n" + event(2) + "\n")},
			{name: "after_blank_line.jsonl", data: []byte("\n" + big + "\r\n\n" + event(3) + "\n")},
			{name: "gzip.jsonl.gz", data: gz(t, big+"\n"+event(1)+"\n")},
			{name: "two_on_the_line.jsonl", data: []byte(big + event(9) + "\n" + event(1) + "\n")}}},
		// One spanning lines is skipped to its end (brackets and quotes in
		// strings do not count), and the values after it are read.
		{name: "huge_first_object_spanning_lines", cfg: Config{MaxRecordBytes: 1024}, files: []file{
			{name: "a.json", data: []byte("{\n  \"eventName\": \"Big\",\n  \"pad\": [\"" + strings.Repeat("x", 5000) + `", {"s": "}]\\\""}]` + "\n}\n" + event(1) + "\n" + event(2))},
			{name: "later.json", data: []byte("{\n\"eventName\": \"A\"\n}\n{\n\"pad\": \"" + strings.Repeat("x", 5000) + "\"}" + event(2))}}},
		// An oversized element of a Records or bare array is skipped to its
		// end; the array goes on.
		{name: "huge_elements_skipped", cfg: Config{MaxRecordBytes: 1024}, files: []file{
			{name: "string.json", data: []byte(`["` + strings.Repeat("y", 5000) + `",` + event(1) + `]`)},
			{name: "nested.json", data: []byte(`{"Records":[{"a":[[{"b":"]}\\"}],` + strings.Repeat(`"z",`, 2000) + `"]"]},` + event(1) + `]}`)},
			{name: "number.json", data: []byte(`[` + strings.Repeat("7", 5000) + `,` + event(1) + `]`)},
			{name: "cut.json", data: []byte(`[` + event(0) + `,` + big[:3000])}}},
		// encoding/json refuses nesting deeper than 10000: an error, no crash.
		{name: "deep_nesting", files: []file{
			{name: "array.json", data: []byte(`{"Records":[` + event(0) + `,{"a":` + nested(100000) + `},` + event(2) + `]}`)},
			{name: "lines.jsonl", data: []byte(event(0) + "\n" + `{"a":` + nested(100000) + "}\n" + event(2) + "\n")},
			{name: "top.json", data: []byte(nested(100000))},
			{name: "ok_depth.json", data: []byte(`[{"eventTime":"2024-07-30T21:53:13Z","a":` + nested(9000) + `}]`)}}},
		// Decompression bomb: 1 MiB of newlines after two records, cap 64 KiB.
		{name: "decompression_bomb", cfg: Config{MaxDecompressedBytes: 64 << 10}, files: []file{
			{name: "bomb.json.gz", data: gzLevel(t, gzip.BestCompression, events(2, "\n")+"\n"+strings.Repeat("\n", 1<<20))},
			{name: "after.json", data: []byte(wrapper(1))}}},
	})
}

// A huge array is fine: the record cap bounds one record, not the file.
func TestHugeArray(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "a.json.gz", gzLevel(t, gzip.BestCompression, wrapper(100000)))
	r := New(Config{MaxRecordBytes: 1024})
	n := 0
	for rec, err := range r.Records(t.Context(), Input{Path: p}) {
		if err != nil {
			t.Fatal(err)
		}
		if rec.Source.Index != n {
			t.Fatalf("record %d has index %d", n, rec.Source.Index)
		}
		n++
	}
	if st := r.Stats(); n != 100000 || st.Records != 100000 || st.FailedRecords != 0 {
		t.Errorf("yielded %d records; Stats %+v", n, st)
	}
}

func TestFaultsArchives(t *testing.T) {
	runCases(t, []loaderCase{
		// Zip slip: never followed or written, skipped and counted.
		{name: "zip_unsafe_paths", files: []file{{name: "a.zip", data: zipBytes(t,
			zipEntry{name: "../x.json", data: []byte(wrapper(1))},
			zipEntry{name: "/abs.json", data: []byte(wrapper(1))},
			zipEntry{name: "ok/../../y.json", data: []byte(wrapper(1))},
			zipEntry{name: `C:\z.json`, data: []byte(wrapper(1))},
			zipEntry{name: `..\w.json`, data: []byte(wrapper(1))},
			zipEntry{name: "link.json", data: []byte("/etc/passwd"), mode: os.ModeSymlink | 0o777},
			zipEntry{name: "good.json", data: []byte(wrapper(1))},
		)}}},
		{name: "tar_unsafe_and_special_members", files: []file{{name: "a.tar", data: tarBytes(t,
			tarEntry{name: "../x.json", data: []byte(wrapper(1))},
			tarEntry{name: "/abs.json", data: []byte(wrapper(1))},
			tarEntry{name: "link.json", typeflag: tar.TypeSymlink, linkname: "/etc/passwd"},
			tarEntry{name: "hard.json", typeflag: tar.TypeLink, linkname: "good.json"},
			tarEntry{name: "dev", typeflag: tar.TypeChar},
			tarEntry{name: "fifo", typeflag: tar.TypeFifo},
			tarEntry{name: "good.json", data: []byte(wrapper(1))},
		)}}},
		{name: "tar_truncated", files: []file{
			{name: "plain.tar", data: cut(tarBytes(t,
				tarEntry{name: "a.json", data: []byte(wrapper(1))},
				tarEntry{name: "b.json", data: []byte(wrapper(20))}), 1024+512+600)},
			{name: "gzipped.tgz", data: cut(gz(t, string(tarBytes(t,
				tarEntry{name: "a.json", data: []byte(wrapper(1))},
				tarEntry{name: "b.json", data: []byte(wrapper(20))}))), 1024+512+600)}}},
		{name: "tar_member_faults_do_not_stop_the_archive", files: []file{{name: "a.tar", data: tarBytes(t,
			tarEntry{name: "bad.json", data: []byte(`[` + event(0) + `,x]`)},
			tarEntry{name: "cut.json.gz", data: cut(gz(t, wrapper(3)), 200)},
			tarEntry{name: "inner.zip", data: zipBytes(t, zipEntry{name: "a.json", data: []byte(wrapper(1))})},
			tarEntry{name: "good.json", data: []byte(wrapper(1))},
		)}}},
		{name: "zip_member_faults_do_not_stop_the_archive", cfg: Config{MaxDecompressedBytes: 4096}, files: []file{{name: "a.zip", data: zipCorruptMember(t)}}},
		{name: "zip_truncated", files: []file{{name: "a.zip", data: cut(zipBytes(t, zipEntry{name: "a.json", data: []byte(wrapper(1))}), -30)}}},
		{name: "tar_inside_zip", files: []file{{name: "a.zip", data: zipBytes(t,
			zipEntry{name: "in.tar", data: tarBytes(t, tarEntry{name: "a.json", data: []byte(wrapper(1))})},
			zipEntry{name: "good.json", data: []byte(wrapper(1))})}}},
	})
}

// zipCorruptMember builds a zip whose first member fails its CRC, second
// decompresses past a 4 KiB cap, third is fine.
func zipCorruptMember(t *testing.T) []byte {
	b := zipBytes(t,
		zipEntry{name: "crc.json", data: []byte(wrapper(1))},
		zipEntry{name: "bomb.json", data: []byte(strings.Repeat(" ", 8192) + wrapper(1)), method: zip.Deflate},
		zipEntry{name: "good.json", data: []byte(wrapper(1))})
	// Change one byte of the stored data of crc.json: its CRC no longer matches.
	i := bytes.Index(b, []byte(`"E0"`))
	b[i+2] = '9'
	return b
}

func TestFaultsFileSystem(t *testing.T) {
	t.Run("removed_between_inputs_and_records", func(t *testing.T) {
		dir := t.TempDir()
		p := write(t, dir, "a.json", []byte(wrapper(1)))
		r := New(Config{})
		var inputs []Input
		for in, err := range r.Inputs([]string{dir}) {
			if err != nil {
				t.Fatal(err)
			}
			inputs = append(inputs, in)
		}
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
		got := transcript(t, r, dir, inputs...)
		want := "error read a.json: open: no such file or directory\n" +
			`stats {"files":0,"members":0,"bytes":0,"decompressed":0,"records":0,"no_time":0,"failed_records":0,"skipped":{},"errors":{"open":1}}` + "\n"
		if got != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
		var e *Error
		for _, err := range r.Records(t.Context(), inputs[0]) {
			if !errors.As(err, &e) || !errors.Is(err, os.ErrNotExist) || e.Source.Index != -1 {
				t.Errorf("error %v: want an *Error wrapping fs.ErrNotExist, Index -1", err)
			}
		}
	})
	t.Run("directory_as_input", func(t *testing.T) {
		dir := t.TempDir()
		got := transcript(t, New(Config{}), dir, Input{Path: dir})
		if !strings.HasPrefix(got, "error read "+dir+": read: is a directory\n") {
			t.Errorf("got\n%s", got)
		}
	})
	t.Run("unreadable_file", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("running as root: chmod 000 does not stop root from reading the file")
		}
		dir := t.TempDir()
		p := write(t, dir, "a.json", []byte(wrapper(1)))
		if err := os.Chmod(p, 0); err != nil {
			t.Fatal(err)
		}
		r := New(Config{})
		got := transcript(t, r, dir, Input{Path: p})
		if !strings.HasPrefix(got, "error read a.json: open: permission denied\n") {
			t.Errorf("got\n%s", got)
		}
	})
	t.Run("unreadable_directory", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("running as root: chmod 000 does not stop root from reading the directory")
		}
		dir := t.TempDir()
		write(t, dir, "locked/a.json", []byte(wrapper(1)))
		write(t, dir, "open/b.json", []byte(wrapper(1)))
		locked := filepath.Join(dir, "locked")
		if err := os.Chmod(locked, 0); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(locked, 0o755) })
		got := inputsTranscript(t, New(Config{}), dir, dir)
		want := "error read locked: open: permission denied\ninput open/b.json 106 walked\n"
		if !strings.HasPrefix(got, want) {
			t.Errorf("got\n%s\nwant prefix\n%s", got, want)
		}
	})
}
