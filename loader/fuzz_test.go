package loader

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// FuzzRecords feeds arbitrary bytes to Records (through stdin, so zips are
// spooled too): no panic, no hang, every yield well formed and counted.
func FuzzRecords(f *testing.F) {
	for _, seed := range [][]byte{
		[]byte(wrapper(3)),
		[]byte("[" + events(2, ",") + "]"),
		[]byte(events(3, "\n")),
		[]byte(event(1)),
		[]byte(`{"digestStartTime":"x","logFiles":[]}`),
		[]byte(`{"Records":[null,1,{"a":[[[]]]}],"x":{}}` + wrapper(1)),
		gz(f, wrapper(2)),
		gz(f, events(2, "\n"), event(3)),
		zipBytes(f, zipEntry{name: "a.json.gz", data: gz(f, wrapper(1))}, zipEntry{name: "../b.json", data: []byte(event(1))}),
		tarBytes(f, tarEntry{name: "a.json", data: []byte(wrapper(1))}),
		gz(f, string(tarBytes(f, tarEntry{name: "a.json", data: []byte(events(2, "\n"))}))),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		defer func() {
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("slow input: %v", d)
			}
		}()
		r := New(Config{Stdin: bytes.NewReader(data), MaxRecordBytes: 4096, MaxDecompressedBytes: 1 << 20})
		var records, errs int64
		for rec, err := range r.Records(t.Context(), Input{Path: "-", Size: -1}) {
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || e.Reason == "" || e.Source.File != "-" {
					t.Fatalf("malformed error %#v", err)
				}
				errs++
				continue
			}
			if !json.Valid(rec.Raw) || rec.Raw[0] != '{' || int64(len(rec.Raw)) > 4096 {
				t.Fatalf("bad record %s: %q", rec.Source, rec.Raw)
			}
			records++
		}
		st := r.Stats()
		var counted int64
		for _, n := range st.Errors {
			counted += n
		}
		if st.Records != records || counted != errs || st.Files != 1 {
			t.Fatalf("yielded %d records, %d errors; Stats %+v", records, errs, st)
		}
	})
}
