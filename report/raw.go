package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/trailhunt/trailhunt/trail"
)

// WriteRaw writes one line of a --raw file: the record behind a finding,
// as read, with the detection that found it and where it came from:
//
//	{"detection":"<id>","source":"<file!member#index>","event":<the record>}
//
// The record is the object as read (the loader checked it), compacted onto
// one line: whitespace between tokens goes, every key, value and escape
// stays as CloudTrail wrote it.
func WriteRaw(w io.Writer, f trail.Finding, raw []byte) error {
	var b bytes.Buffer
	b.Grow(len(raw) + 128)
	b.WriteString(`{"detection":`)
	if err := appendJSON(&b, f.Detection); err != nil {
		return err
	}
	b.WriteString(`,"source":`)
	if err := appendJSON(&b, f.Source.String()); err != nil {
		return err
	}
	b.WriteString(`,"event":`)
	if err := json.Compact(&b, raw); err != nil {
		return fmt.Errorf("raw record %s: %w", f.Source, err)
	}
	b.WriteString("}\n")
	_, err := w.Write(b.Bytes())
	return err
}
