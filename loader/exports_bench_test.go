package loader

import (
	"compress/gzip"
	"testing"

	"github.com/trailhunt/trailhunt/internal/exportgen"
)

// BenchmarkExports reads 20,000 realistic events in each export shape,
// gzip'd, beside the Records wrapper they could have come as: the cost of
// decoding each event from its JSON string, and proof that a large export
// is read in time linear in its size (the CLI joins all pages of a
// paginated command into one array).
func BenchmarkExports(b *testing.B) {
	const n = 20000
	recs := make([][]byte, n)
	for i := range recs {
		recs[i] = []byte(realisticEvent(i))
	}
	for _, sh := range []struct {
		name string
		data []byte
	}{
		{"Records", []byte(realisticRecords(0, n))},
		{"lookup-events", exportgen.LookupEvents(recs)},
		{"filter-log-events", exportgen.FilterLogEvents(recs)},
		{"logs-export", exportgen.LogsExport(recs)},
		{"lake", exportgen.LakeResults(recs)},
	} {
		b.Run(sh.name, func(b *testing.B) {
			p := write(b, b.TempDir(), "export.gz", gzLevel(b, gzip.DefaultCompression, string(sh.data)))
			b.SetBytes(int64(len(sh.data)))
			benchReadFile(b, p, n)
		})
	}
}
