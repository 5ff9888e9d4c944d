package loader

import (
	"maps"
	"sync"
)

// Stats counts what a Reader has read so far, across all inputs. Every
// record the loader met is in exactly one of Records and FailedRecords;
// every file or member it did not read is in Skipped; every *Error it
// produced is in Errors.
type Stats struct {
	// Files counts inputs opened (files, stdin); archive members are not files.
	Files int64 `json:"files"`
	// Members counts zip and tar members read.
	Members int64 `json:"members"`
	// Bytes counts bytes read from disk or stdin (compressed size). Zip
	// archives are read at random: their central directory and headers
	// count too.
	Bytes int64 `json:"bytes"`
	// Decompressed counts the bytes of the innermost content of each file
	// or member: the JSON text handed to the parser, or the bytes sniffed
	// from content that was skipped. It equals Bytes for plain files.
	Decompressed int64 `json:"decompressed"`
	// Records counts records yielded (valid JSON objects).
	Records int64 `json:"records"`
	// NoTime counts yielded records without a usable eventTime.
	NoTime int64 `json:"no_time"`
	// FailedRecords counts records seen but not yielded (bad JSON, not an
	// object, too large). Each is also an *Error with Index >= 0, and every
	// such error is counted here.
	FailedRecords int64 `json:"failed_records"`
	// Skipped counts files and members skipped, by reason: "digest",
	// "insight", "symlink", "not_regular", "unsafe_path", "not_cloudtrail",
	// "empty".
	Skipped map[string]int64 `json:"skipped"`
	// Errors counts errors by reason (the Reason of each *Error).
	Errors map[string]int64 `json:"errors"`
}

// counters is the Reader's live Stats behind one mutex, so that a snapshot
// is consistent: it never shows a record counted in Records but not yet in
// NoTime, or an error in Errors but not in FailedRecords.
type counters struct {
	mu sync.Mutex
	s  Stats
}

func (c *counters) snapshot() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.s
	s.Skipped = maps.Clone(c.s.Skipped)
	s.Errors = maps.Clone(c.s.Errors)
	if s.Skipped == nil {
		s.Skipped = map[string]int64{}
	}
	if s.Errors == nil {
		s.Errors = map[string]int64{}
	}
	return s
}

func (c *counters) file() {
	c.mu.Lock()
	c.s.Files++
	c.mu.Unlock()
}

func (c *counters) member() {
	c.mu.Lock()
	c.s.Members++
	c.mu.Unlock()
}

func (c *counters) bytes(n int) {
	c.mu.Lock()
	c.s.Bytes += int64(n)
	c.mu.Unlock()
}

func (c *counters) decompressed(n int) {
	c.mu.Lock()
	c.s.Decompressed += int64(n)
	c.mu.Unlock()
}

func (c *counters) record(noTime bool) {
	c.mu.Lock()
	c.s.Records++
	if noTime {
		c.s.NoTime++
	}
	c.mu.Unlock()
}

func (c *counters) skip(reason string) {
	c.mu.Lock()
	if c.s.Skipped == nil {
		c.s.Skipped = make(map[string]int64)
	}
	c.s.Skipped[reason]++
	c.mu.Unlock()
}

func (c *counters) fail(reason string, record bool) {
	c.mu.Lock()
	if c.s.Errors == nil {
		c.s.Errors = make(map[string]int64)
	}
	c.s.Errors[reason]++
	if record {
		c.s.FailedRecords++
	}
	c.mu.Unlock()
}
