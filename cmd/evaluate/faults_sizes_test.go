package main

// Size and depth: records over the cap, deep nesting, decompression bombs,
// huge arrays (see faults_test.go for what every fault test asserts).

import (
	"fmt"
	"strings"
	"testing"
)

// ---------------------------------------------------------------------------
// Size and depth
// ---------------------------------------------------------------------------

func nest(depth int) string { return strings.Repeat("[", depth) + strings.Repeat("]", depth) }

func TestFaultsSizes(t *testing.T) {
	big := strings.Replace(hit("big"), `"awsRegion"`, `"pad":"`+strings.Repeat("x", 5000)+`","awsRegion"`, 1)
	runFaultCases(t, []faultCase{
		{
			// Over --max-record-bytes: an error for that record, skipped to its
			// end; JSON lines and Records containers go on.
			name: "huge record",
			args: []string{"--max-record-bytes", "4096"},
			files: map[string][]byte{
				"a.jsonl": []byte(lines(hit("cap-hit-0"), big, hit("cap-hit-2"))),
				"b.json":  []byte(wrap(hit("cap-rec-0"), big, hit("cap-rec-2"))),
				"c.json":  []byte(wrap(hit("cap-next-0"))),
			},
			want: want{
				code:   exitIncomplete,
				counts: "files=3 members=0 records=7 no_time=0 evaluated=5 failed=2 skipped={} errors={record_too_large:2} findings=5 rows=5",
				errs: []string{
					"evaluate: read $DIR/a.jsonl#1: record_too_large: record too large: over 4096 bytes",
					"evaluate: read $DIR/b.json#1: record_too_large: record too large: over 4096 bytes",
				},
				rows: []string{"cap-hit-0×1", "cap-hit-2×1", "cap-next-0×1", "cap-rec-0×1", "cap-rec-2×1"},
			},
		},
		{
			// An oversized first line of a JSON-lines file: skipped to its end,
			// the later lines are read (it used to end the file: one error,
			// nothing else). The same for a huge first object in a file of
			// pretty-printed objects.
			name: "huge first line",
			args: []string{"--max-record-bytes", "4096"},
			files: map[string][]byte{
				"a.jsonl": []byte(lines(big, hit("first-hit-1"), hit("first-hit-2"))),
				"b.json":  []byte("{\n" + big[1:] + "\n" + hit("pretty-hit-1")),
			},
			want: want{
				code:   exitIncomplete,
				counts: "files=2 members=0 records=5 no_time=0 evaluated=3 failed=2 skipped={} errors={record_too_large:2} findings=3 rows=3",
				errs: []string{
					"evaluate: read $DIR/a.jsonl#0: record_too_large: record too large: over 4096 bytes",
					"evaluate: read $DIR/b.json#0: record_too_large: record too large: over 4096 bytes",
				},
				rows: []string{"first-hit-1×1", "first-hit-2×1", "pretty-hit-1×1"},
			},
		},
		{
			// Nesting deeper than encoding/json's limit (10000) is a syntax
			// error for that record; nesting below it, even inside a field the
			// policy reads, is evaluated normally.
			name: "deep nesting",
			files: map[string][]byte{
				"a.jsonl": []byte(lines(
					strings.Replace(hit("deep-hit-0"), `"userName":"bob"`, `"userName":"bob","x":`+nest(9000), 1),
					`{"eventName":"CreateAccessKey","a":`+nest(100000)+`}`,
					strings.Replace(hit("deep-hit-2"), `"userIdentity":{`, `"userIdentity":{"x":`+nest(9000)+`,`, 1),
				)),
				"b.json": []byte(nest(100000)),
			},
			want: want{
				code:   exitIncomplete,
				counts: "files=2 members=0 records=4 no_time=0 evaluated=2 failed=2 skipped={} errors={json_syntax:2} findings=2 rows=2",
				errs: []string{
					"evaluate: read $DIR/a.jsonl#1: json_syntax: invalid character '[' exceeded max depth",
					"evaluate: read $DIR/b.json#0: json_syntax: invalid character '[' exceeded max depth; the rest of the file (199999 bytes) was not read",
				},
				rows: []string{"deep-hit-0×1", "deep-hit-2×1"},
			},
		},
		{
			// 1 MiB of whitespace compressed to ~1 KiB, over a 64 KiB cap:
			// reading the file stops at the cap, records before it stand, the
			// file is flagged and the next one is read.
			name: "decompression bomb",
			args: []string{"--max-decompressed-bytes", "65536"},
			files: map[string][]byte{
				"a.json.gz": gzipBest(t, lines(hit("bomb-hit-0"), miss(1))+strings.Repeat(" ", 1<<20)+hit("bomb-hit-late")),
				"b.json":    []byte(wrap(hit("bomb-next-0"))),
			},
			want: want{
				code:   exitIncomplete,
				counts: "files=2 members=0 records=3 no_time=0 evaluated=3 failed=0 skipped={} errors={decompression_limit:1} findings=2 rows=2",
				errs:   []string{"evaluate: read $DIR/a.json.gz: decompression_limit: decompressed size over limit of 65536 bytes"},
				rows:   []string{"bomb-hit-0×1", "bomb-next-0×1"},
			},
		},
	})
}

// A huge array is fine: the record cap bounds one record, not a file. Hits
// at the start, middle and end of 20,000 records are all found.
func TestFaultsHugeArray(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 2000
	}
	recs := make([]string, n)
	for i := range recs {
		recs[i] = miss(i)
	}
	recs[0], recs[n/2], recs[n-1] = hit("huge-first"), hit("huge-middle"), hit("huge-last")
	dir := writeFiles(t, map[string][]byte{"a.json.gz": gzipBest(t, array(recs...))})
	r := evaluateFaults(t, dir, runOpts{}, "--max-record-bytes", "4096", dir)
	r.check(t, want{
		code:   exitOK,
		counts: fmt.Sprintf("files=1 members=0 records=%d no_time=0 evaluated=%d failed=0 skipped={} errors={} findings=3 rows=3", n, n),
		rows:   []string{"huge-first×1", "huge-last×1", "huge-middle×1"},
	})
}
