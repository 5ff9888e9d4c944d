package aggregate

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/trailhunt/trailhunt/trail"
)

// encodeTestTable is a table with every kind of state: nulls, "" and
// "null" by-values, extra fields with value sets, no-time and nanosecond
// times, sources with archive members.
func encodeTestTable(t *testing.T, seed uint64) (*Table, Specs) {
	t.Helper()
	d := trail.Detection{ID: "d", By: []string{"user", "src"},
		Stats: stats(t, "count", "dc(eventName) as methods", "values(eventName) as names", "count(ua) as uas", "min(_time) as firstTime", "max(_time) as lastTime")}
	spec, err := NewSpec(d)
	if err != nil {
		t.Fatal(err)
	}
	specs := Specs{"d": spec}
	tab := New(specs)
	rng := rand.New(rand.NewPCG(seed, 9))
	vals := []*string{nil, str(""), str("null"), str("alice"), str("bob\x00x")}
	for i := range 500 {
		f := trail.Finding{Detection: "d",
			Values: []*string{vals[rng.IntN(len(vals))], vals[rng.IntN(len(vals))]},
			Extra:  []*string{vals[rng.IntN(len(vals))], vals[rng.IntN(len(vals))]},
			Source: trail.Source{File: fmt.Sprintf("f%d.json.gz", rng.IntN(4)), Member: []string{"", "m/x.json"}[rng.IntN(2)], Index: i}}
		if rng.IntN(5) > 0 {
			f.Time = time.Unix(int64(1.7e9+rng.IntN(1e6)), int64(rng.IntN(1e9))).UTC()
		}
		tab.Add(f)
	}
	tab.Add(trail.Finding{Detection: "other", Values: []*string{str("x")}}) // a detection without a spec
	return tab, specs
}

func TestEncodeRoundTrip(t *testing.T) {
	tab, specs := encodeTestTable(t, 1)
	var b bytes.Buffer
	if err := tab.Encode(&b); err != nil {
		t.Fatal(err)
	}
	got, err := Decode(bytes.NewReader(b.Bytes()), specs)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Rows(), tab.Rows()) || !reflect.DeepEqual(heldOf(t, got), heldOf(t, tab)) {
		t.Fatal("decoded rows differ from the table's")
	}
	// Deterministic: the same table, the same bytes.
	var again bytes.Buffer
	if err := got.Encode(&again); err != nil || !bytes.Equal(again.Bytes(), b.Bytes()) {
		t.Fatalf("re-encoding gives other bytes (%v)", err)
	}
}

// TestDecodedTablesMergeExactly: partial tables, encoded and decoded, merge
// into exactly the table that one machine would have built.
func TestDecodedTablesMergeExactly(t *testing.T) {
	a, specs := encodeTestTable(t, 2)
	b, _ := encodeTestTable(t, 3)
	want := New(specs)
	want.Merge(a)
	want.Merge(b)
	merged := New(specs)
	for _, part := range []*Table{a, b} {
		var buf bytes.Buffer
		if err := part.Encode(&buf); err != nil {
			t.Fatal(err)
		}
		dec, err := Decode(&buf, specs)
		if err != nil {
			t.Fatal(err)
		}
		merged.Merge(dec)
	}
	if !reflect.DeepEqual(merged.Rows(), want.Rows()) {
		t.Fatal("merging decoded partials differs from merging the tables")
	}
}

func TestDecodeRefusesDamage(t *testing.T) {
	tab, specs := encodeTestTable(t, 4)
	var b bytes.Buffer
	if err := tab.Encode(&b); err != nil {
		t.Fatal(err)
	}
	good := b.Bytes()
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0x40
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a valid partial table: ends early"},
		{"foreign", []byte(`{"rows": []}` + "\n" + "padding padding padding"), "not a valid partial table: no partial-table header"},
		{"future version", append([]byte(partialMagic), 3), "not a valid partial table: version 3 (this build reads 2)"},
		{"version 1 (a group count, byte order)", append([]byte(partialMagic), 1, 0), "not a valid partial table: version 1 (this build reads 2)"},
		{"bad group marker", append([]byte(partialMagic), 2, 7), "not a valid partial table: group 0: bad marker 7"},
		{"truncated", good[:len(good)-10], "not a valid partial table: checksum does not match (truncated or altered)"},
		{"cut in a group", good[:len(good)/2], ""},
		{"a byte altered", flipped, ""},
		{"data after", append(bytes.Clone(good), 0), "not a valid partial table: data after the checksum"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(bytes.NewReader(tc.data), specs)
			if !errors.Is(err, ErrCorrupt) || tc.want != "" && err.Error() != tc.want {
				t.Fatalf("err = %v, want ErrCorrupt %s", err, tc.want)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	tab := New(nil)
	tab.Add(trail.Finding{Detection: "d", Values: []*string{str("a"), nil}, Extra: []*string{str("x")}, Time: time.Unix(1, 2),
		Source: trail.Source{File: "f", Index: 3}})
	var b bytes.Buffer
	if err := tab.Encode(&b); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add([]byte(partialMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Decode(bytes.NewReader(data), nil)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error does not wrap ErrCorrupt: %v", err)
			}
			return
		}
		var again bytes.Buffer
		if err := got.Encode(&again); err != nil || !bytes.Equal(again.Bytes(), data) {
			t.Fatalf("a table that decodes re-encodes to other bytes (%v)", err)
		}
	})
}
