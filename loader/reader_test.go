package loader

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
)

func TestCancel(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "a.json.gz", gz(t, wrapper(10000)))

	t.Run("canceled_before_reading", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		r := New(Config{})
		got := transcript2(t, r, ctx, Input{Path: p})
		if len(got) != 1 || !errors.Is(got[0], context.Canceled) {
			t.Fatalf("yielded %v, want one canceled error", got)
		}
		if st := r.Stats(); st.Records != 0 || st.Errors["canceled"] != 1 {
			t.Errorf("Stats %+v", st)
		}
	})
	t.Run("canceled_mid_file", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		r := New(Config{})
		n := 0
		var last error
		for _, err := range r.Records(ctx, Input{Path: p}) {
			if err != nil {
				last = err
				continue
			}
			if n++; n == 10 {
				cancel()
			}
		}
		var e *Error
		if n != 10 || !errors.As(last, &e) || e.Reason != "canceled" || !errors.Is(last, context.Canceled) {
			t.Errorf("read %d records then %v; want 10 then a canceled *Error", n, last)
		}
	})
	t.Run("consumer_stops", func(t *testing.T) {
		// The iterator panics if it yields after the consumer stopped.
		r := New(Config{})
		n := 0
		for _, err := range r.Records(t.Context(), Input{Path: p}) {
			if err != nil {
				t.Fatal(err)
			}
			if n++; n == 3 {
				break
			}
		}
		if st := r.Stats(); st.Records != 3 {
			t.Errorf("Stats.Records = %d, want 3", st.Records)
		}
	})
	t.Run("consumer_stops_on_error", func(t *testing.T) {
		q := write(t, dir, "bad.jsonl", []byte(event(0)+"\nx\ny\n"+event(3)+"\n"))
		r := New(Config{})
		n := 0
		for _, err := range r.Records(t.Context(), Input{Path: q}) {
			n++
			if err != nil {
				break
			}
		}
		if st := r.Stats(); n != 2 || st.FailedRecords != 1 || st.Records != 1 {
			t.Errorf("n=%d Stats %+v", n, st)
		}
	})
}

func transcript2(t *testing.T, r *Reader, ctx context.Context, in Input) []error {
	var errs []error
	for _, err := range r.Records(ctx, in) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// Records for different inputs may run concurrently on one Reader; the
// totals are those of a sequential run.
func TestConcurrentRecords(t *testing.T) {
	dir := t.TempDir()
	var inputs []Input
	for i := range 12 {
		var data []byte
		switch i % 4 {
		case 0:
			data = gz(t, wrapper(200+i))
		case 1:
			data = []byte(events(150+i, "\n") + "\nnull\n")
		case 2:
			data = zipBytes(t, zipEntry{name: "a.json.gz", data: gz(t, wrapper(100))}, zipEntry{name: "../x", data: nil})
		case 3:
			data = gz(t, string(tarBytes(t, tarEntry{name: "a.json", data: []byte("[" + events(50, ",") + "]")})))
		}
		inputs = append(inputs, Input{Path: write(t, dir, fmt.Sprintf("f%02d", i), data)})
	}
	read := func(r *Reader, in Input) int {
		n := 0
		for _, err := range r.Records(t.Context(), in) {
			if err == nil {
				n++
			}
		}
		return n
	}
	seq := New(Config{})
	want := 0
	for _, in := range inputs {
		want += read(seq, in)
	}

	par := New(Config{})
	var mu sync.Mutex
	got := 0
	var wg sync.WaitGroup
	work := make(chan Input)
	for range 4 {
		wg.Go(func() {
			for in := range work {
				n := read(par, in)
				_ = par.Stats() // snapshots while others write
				mu.Lock()
				got += n
				mu.Unlock()
			}
		})
	}
	for _, in := range inputs {
		work <- in
	}
	close(work)
	wg.Wait()
	if got != want || !reflect.DeepEqual(par.Stats(), seq.Stats()) {
		t.Errorf("concurrent: %d records, Stats %+v\nsequential: %d records, Stats %+v", got, par.Stats(), want, seq.Stats())
	}
}

// The loader's own tests over the real public data sets in ../shared/data.
func TestRealData(t *testing.T) {
	root := filepath.Join("..", "..", "shared", "data")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("real data not available: %v", err)
	}
	want := map[string]int{"stratus-red-team": 310, "traildiscover": 563, "otrf": 103}
	r := New(Config{})
	got := map[string]int{}
	for in, err := range r.Inputs([]string{root}) {
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, in.Path)
		folder := filepath.Dir(rel)
		for rec, err := range r.Records(t.Context(), in) {
			if err != nil {
				t.Errorf("%v", err)
				continue
			}
			checkRecord(t, rec)
			got[folder]++
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("records per folder = %v, want %v", got, want)
	}
	st := r.Stats()
	if st.Records != 976 || st.NoTime != 103 || st.FailedRecords != 0 || len(st.Errors) != 0 ||
		!reflect.DeepEqual(st.Skipped, map[string]int64{"not_cloudtrail": 1}) || st.Bytes != st.Decompressed {
		t.Errorf("Stats = %+v; want 976 records, 103 without time (otrf), no errors, README.md skipped", st)
	}
}

// A zip that is not a regular file (stdin, a pipe) is spooled; the spool
// file is removed afterwards.
func TestZipSpoolRemoved(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	data := zipBytes(t, zipEntry{name: "a.json", data: []byte(wrapper(1))})
	r := New(Config{Stdin: bytes.NewReader(data)})
	for _, err := range r.Records(t.Context(), Input{Path: "-", Size: -1}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	left, _ := os.ReadDir(tmp)
	if r.Stats().Records != 1 || len(left) != 0 {
		t.Errorf("records %d, left in TMPDIR: %v", r.Stats().Records, left)
	}
}
