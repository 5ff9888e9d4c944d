package report

import (
	"fmt"
	"strings"
	"time"
)

// Progress is a snapshot of a running sweep, for the live progress line.
type Progress struct {
	Files, TotalFiles int64 // inputs opened (files and objects) and listed
	// Objects, TotalObjects: S3 objects done (fetched or failed) and
	// planned; when every input is an object, the line counts objects.
	Objects, TotalObjects int64
	Bytes, TotalBytes     int64 // bytes read from inputs (compressed) and their total size
	Records               int64
	Elapsed               time.Duration
}

// Line renders the progress as one terminal line (no newline): files, bytes,
// records/s and, when the total size is known and some of it has been read,
// an ETA.
func (p Progress) Line() string {
	var b strings.Builder
	if files := p.TotalFiles - p.TotalObjects; p.TotalObjects == 0 || files > 0 {
		fmt.Fprintf(&b, "files %d", max(p.Files-p.Objects, 0))
		if files > 0 {
			fmt.Fprintf(&b, "/%d", files)
		}
		if p.TotalObjects > 0 {
			b.WriteString("  ")
		}
	}
	if p.TotalObjects > 0 {
		fmt.Fprintf(&b, "objects %d/%d", p.Objects, p.TotalObjects)
	}
	fmt.Fprintf(&b, "  %s", humanBytes(p.Bytes))
	if p.TotalBytes > 0 {
		fmt.Fprintf(&b, "/%s", humanBytes(p.TotalBytes))
	}
	secs := p.Elapsed.Seconds()
	if secs > 0 {
		fmt.Fprintf(&b, "  %d records  %.0f rec/s", p.Records, float64(p.Records)/secs)
	}
	if p.TotalBytes > 0 && p.Bytes > 0 && p.Bytes < p.TotalBytes && secs > 0 {
		left := time.Duration(float64(p.TotalBytes-p.Bytes) / (float64(p.Bytes) / secs) * float64(time.Second))
		fmt.Fprintf(&b, "  ETA %s", left.Round(time.Second))
	}
	return b.String()
}
