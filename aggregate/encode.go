package aggregate

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"time"

	"github.com/trailhunt/trailhunt/trail"
)

// The partial-table encoding: a table's whole aggregation state, so that
// tables built on several machines merge exactly into the table one machine
// would have built (the scale-out issue's partial results build on it), and
// the runs a table spills to disk past its memory budget (spill.go).
//
//	file    = magic version:uvarint (1 group)* 0 sum
//	group   = key:str count:uvarint first:time last:time
//	          nextra:uvarint extra* nsources:uvarint source*
//	extra   = nonNull:uvarint nvalues:uvarint value:str*   (values sorted)
//	source  = file:str member:str index:uvarint
//	time    = 0 (none) | 1 unixSeconds:varint nanos:uvarint
//	str     = len:uvarint bytes
//	sum     = SHA-256 of everything before it (32 bytes)
//
// Why this and not JSON or gob: it is exact (times to the nanosecond,
// value sets whole, null by-values distinct, as the group keys already
// encode them), compact for millions of groups, streams in one pass both
// ways (a marker before each group, so a writer need not know how many
// will come), does not depend on Go's gob type encoding, and the checksum
// makes a truncated or altered file an error, never a silently smaller
// result. Groups are written in row order (compareKeys), each key once:
// the same table always gives the same bytes, and sorted files merge as
// they are read. Version 1 wrote a group count instead of the markers, in
// byte order of the keys.
const (
	partialMagic   = "trailhunt partial table\n"
	partialVersion = 2
)

// ErrCorrupt marks input that is not a whole partial table of a version
// this build reads: truncated, altered, or something else.
var ErrCorrupt = errors.New("not a valid partial table")

// Encode writes the table's aggregation state, spilled runs included.
// Specs are not written: the reader supplies its own (the policy set a
// partial result was made with is the caller's to check).
func (t *Table) Encode(w io.Writer) error {
	gw := newGroupWriter(w)
	if err := t.each(gw.write); err != nil {
		return fmt.Errorf("encode table: %w", err)
	}
	if err := gw.close(); err != nil {
		return fmt.Errorf("encode table: %w", err)
	}
	return nil
}

// Decode reads a table that Encode wrote; its rows are computed with
// specs. Anything else, a truncated or altered table included, is an error
// wrapping ErrCorrupt.
func Decode(r io.Reader, specs Specs) (*Table, error) {
	gr, err := newGroupReader(r)
	if err != nil {
		return nil, err
	}
	t := New(specs)
	for {
		k, g, err := gr.next()
		if err == io.EOF {
			return t, nil
		}
		if err != nil {
			return nil, err
		}
		t.groups[k] = g
		t.size += g.bytes(k)
	}
}

// groupWriter writes the encoding one group at a time.
type groupWriter struct {
	w    io.Writer // the destination, for the checksum
	h    hash.Hash
	bw   *bufio.Writer
	e    encoder
	prev string
	n    int
}

func newGroupWriter(w io.Writer) *groupWriter {
	h := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(w, h), 64<<10)
	gw := &groupWriter{w: w, h: h, bw: bw, e: encoder{w: bw}}
	gw.e.raw([]byte(partialMagic))
	gw.e.uvarint(partialVersion)
	return gw
}

// write appends one group; keys must come in increasing compareKeys order.
func (gw *groupWriter) write(k string, g *group) error {
	if gw.n > 0 && compareKeys(gw.prev, k) >= 0 {
		return fmt.Errorf("group keys out of order")
	}
	gw.prev = k
	gw.n++
	e := &gw.e
	e.raw([]byte{1})
	e.str(k)
	e.uvarint(uint64(g.count))
	e.time(g.first)
	e.time(g.last)
	e.uvarint(uint64(len(g.extra)))
	for _, fs := range g.extra {
		e.uvarint(uint64(fs.nonNull))
		values := fs.values()
		slices.Sort(values)
		e.uvarint(uint64(len(values)))
		for _, v := range values {
			e.str(v)
		}
	}
	e.uvarint(uint64(len(g.sources)))
	for _, s := range g.sources {
		e.str(s.File)
		e.str(s.Member)
		e.uvarint(uint64(s.Index))
	}
	return e.err
}

// close writes the end marker and the checksum.
func (gw *groupWriter) close() error {
	gw.e.raw([]byte{0})
	if gw.e.err != nil {
		return gw.e.err
	}
	if err := gw.bw.Flush(); err != nil {
		return err
	}
	_, err := gw.w.Write(gw.h.Sum(nil))
	return err
}

// groupReader reads the encoding one group at a time, checking the order
// of the keys and, at the end, the checksum.
type groupReader struct {
	d    decoder
	prev string
	n    int
}

func newGroupReader(r io.Reader) (*groupReader, error) {
	gr := &groupReader{d: decoder{r: bufio.NewReaderSize(r, 64<<10), h: sha256.New()}}
	d := &gr.d
	if magic := d.raw(len(partialMagic)); d.err == nil && string(magic) != partialMagic {
		return nil, fmt.Errorf("%w: no partial-table header", ErrCorrupt)
	}
	if v := d.uvarint(); d.err == nil && v != partialVersion {
		return nil, fmt.Errorf("%w: version %d (this build reads %d)", ErrCorrupt, v, partialVersion)
	}
	if d.err != nil {
		return nil, d.err
	}
	return gr, nil
}

// next returns the next group, or io.EOF after the last one once the
// checksum is found right.
func (gr *groupReader) next() (string, *group, error) {
	d := &gr.d
	switch marker := d.byte(); {
	case d.err != nil:
		return "", nil, d.err
	case marker == 0:
		return "", nil, gr.end()
	case marker != 1:
		return "", nil, fmt.Errorf("%w: group %d: bad marker %d", ErrCorrupt, gr.n, marker)
	}
	i := gr.n
	k := d.str()
	if d.err == nil && (!validKey(k) || i > 0 && compareKeys(gr.prev, k) >= 0) {
		d.fail("group %d: key out of order or malformed", i)
	}
	gr.prev = k
	gr.n++
	g := &group{count: int64(d.uvarint()), first: d.time(), last: d.time()}
	nextra := d.count()
	if nextra > maxExtra {
		d.fail("group %d: %d extra fields", i, nextra)
		return "", nil, d.err
	}
	g.extra = make([]fieldState, nextra)
	for j := range g.extra {
		g.extra[j].nonNull = int64(d.uvarint())
		if nv := d.count(); nv > 0 {
			if nv > 1 {
				g.extra[j].set = make(map[string]struct{}, min(nv, 1024))
			}
			last := ""
			for n := range nv {
				if d.err != nil {
					break
				}
				v := d.str()
				if n > 0 && v <= last {
					d.fail("group %d: values out of order", i)
				}
				g.extra[j].add(v)
				last = v
			}
		}
	}
	if len(g.extra) == 0 {
		g.extra = nil
	}
	for range d.count() {
		if d.err != nil || len(g.sources) >= MaxSources {
			d.fail("group %d: more than %d sources", i, MaxSources)
			break
		}
		src := trail.Source{File: d.str(), Member: d.str(), Index: int(d.uvarint())}
		if n := len(g.sources); n > 0 && CompareSources(g.sources[n-1], src) >= 0 {
			d.fail("group %d: sources out of order", i)
		}
		g.sources = append(g.sources, src)
	}
	if d.err != nil {
		return "", nil, d.err
	}
	return k, g, nil
}

// end checks the checksum and that nothing follows it.
func (gr *groupReader) end() error {
	want := gr.d.h.Sum(nil)
	got := make([]byte, len(want))
	if _, err := io.ReadFull(gr.d.r, got); err != nil || string(got) != string(want) {
		return fmt.Errorf("%w: checksum does not match (truncated or altered)", ErrCorrupt)
	}
	if _, err := gr.d.r.ReadByte(); err != io.EOF {
		return fmt.Errorf("%w: data after the checksum", ErrCorrupt)
	}
	return io.EOF
}

// validKey reports whether k decodes as a group key (decodeKey panics on
// one that does not: keys from a file are checked first).
func validKey(k string) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	decodeKey(k)
	return true
}

type encoder struct {
	w   io.Writer
	buf [binary.MaxVarintLen64]byte
	err error
}

func (e *encoder) raw(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

func (e *encoder) uvarint(v uint64) { e.raw(binary.AppendUvarint(e.buf[:0], v)) }

func (e *encoder) str(s string) {
	e.uvarint(uint64(len(s)))
	if e.err == nil {
		_, e.err = io.WriteString(e.w, s)
	}
}

func (e *encoder) time(t time.Time) {
	if t.IsZero() {
		e.raw([]byte{0})
		return
	}
	e.raw([]byte{1})
	e.raw(binary.AppendVarint(e.buf[:0], t.Unix()))
	e.uvarint(uint64(t.Nanosecond()))
}

// maxExtra bounds the extra fields of a group read from a file (a
// detection's stats read a handful).
const maxExtra = 1 << 10

// maxCount bounds any count read from a file before memory is given to
// it: a corrupt length never allocates gigabytes.
const maxCount = 1 << 32

type decoder struct {
	r   *bufio.Reader
	h   hash.Hash
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
	}
}

func (d *decoder) raw(n int) []byte {
	if d.err != nil {
		return nil
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(d.r, b); err != nil {
		d.fail("ends early")
		return nil
	}
	d.h.Write(b)
	return b
}

func (d *decoder) byte() byte {
	if b := d.raw(1); b != nil {
		return b[0]
	}
	return 0
}

func (d *decoder) uvarint() uint64 {
	var v uint64
	for shift := uint(0); d.err == nil; shift += 7 {
		if shift >= 64 {
			d.fail("varint overflows")
			return 0
		}
		b := d.byte()
		v |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return v
		}
	}
	return 0
}

func (d *decoder) count() uint64 {
	n := d.uvarint()
	if n > maxCount {
		d.fail("count %d is out of range", n)
		return 0
	}
	return n
}

func (d *decoder) str() string {
	n := d.count()
	if n > 1<<30 {
		d.fail("string of %d bytes", n)
		return ""
	}
	return string(d.raw(int(n)))
}

func (d *decoder) time() time.Time {
	switch d.byte() {
	case 0:
		return time.Time{}
	case 1:
		u := d.uvarint()
		secs := int64(u>>1) ^ -int64(u&1) // zigzag, as binary.AppendVarint writes
		nanos := d.uvarint()
		if nanos >= 1e9 {
			d.fail("nanoseconds %d out of range", nanos)
		}
		return time.Unix(secs, int64(nanos)).UTC()
	default:
		d.fail("bad time marker")
		return time.Time{}
	}
}
