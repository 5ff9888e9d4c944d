package aggregate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trailhunt/trailhunt/trail"
)

// spillFindings are findings of three detections: one with extra fields
// and a where condition that holds some groups back, one with the default
// stats, one without a spec; by-values with nulls, "" and "null", times
// with and without nanoseconds, sources in archive members.
func spillFindings(t *testing.T, seed uint64, n int) ([]trail.Finding, Specs) {
	t.Helper()
	d := trail.Detection{ID: "d", By: []string{"user", "src"}, Where: "count > 1",
		Stats: stats(t, "count", "dc(eventName) as methods", "values(eventName) as names", "count(ua) as uas", "min(_time) as firstTime", "max(_time) as lastTime")}
	spec, err := NewSpec(d)
	if err != nil {
		t.Fatal(err)
	}
	specs := Specs{"d": spec}
	rng := rand.New(rand.NewPCG(seed, 11))
	vals := []*string{nil, str(""), str("null"), str("alice"), str("bob\x00x")}
	var out []trail.Finding
	for i := range n {
		f := trail.Finding{Detection: []string{"d", "e", "other"}[rng.IntN(3)],
			Values: []*string{vals[rng.IntN(len(vals))], str(fmt.Sprint(rng.IntN(n / 3)))},
			Source: trail.Source{File: fmt.Sprintf("f%d.json.gz", rng.IntN(4)), Member: []string{"", "m/x.json"}[rng.IntN(2)], Index: i}}
		if f.Detection == "d" {
			f.Extra = []*string{vals[rng.IntN(len(vals))], vals[rng.IntN(len(vals))]}
		}
		if rng.IntN(5) > 0 {
			f.Time = time.Unix(int64(1.7e9+rng.IntN(1e6)), int64(rng.IntN(1e9))).UTC()
		}
		out = append(out, f)
	}
	return out, specs
}

// scanned is every row Scan gives, with its verdict.
func scanned(t *testing.T, tab *Table) (rows []trail.Row, shown []bool) {
	t.Helper()
	if err := tab.Scan(func(r trail.Row, s bool) error {
		rows, shown = append(rows, r), append(shown, s)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return rows, shown
}

// TestSpilledTableReadsAsInMemory: whatever the budget and the number of
// worker tables merged, a spilling table gives exactly the rows, verdicts,
// tallies, held keys and encoding of one table in memory.
func TestSpilledTableReadsAsInMemory(t *testing.T) {
	findings, specs := spillFindings(t, 1, 3000)
	want := New(specs)
	for _, f := range findings {
		want.Add(f)
	}
	wantRows, wantShown := scanned(t, want)
	wantN, wantHeld, _ := want.Tally()
	wantKeys, _ := want.HeldKeys()
	var wantEnc bytes.Buffer
	if err := want.Encode(&wantEnc); err != nil {
		t.Fatal(err)
	}
	if len(wantHeld) == 0 || wantN == 0 {
		t.Fatalf("the findings should give rows shown and held: %d, %v", wantN, wantHeld)
	}
	for _, tc := range []struct {
		budget  int64
		workers int
		runs    bool // whether the budget must make runs
	}{
		{0, 1, false},
		{1 << 30, 3, false},
		{1, 1, true}, // every group its own run... of one finding
		{20 << 10, 1, true},
		{20 << 10, 3, true},
		{200 << 10, 2, true},
	} {
		t.Run(fmt.Sprintf("budget=%d/workers=%d", tc.budget, tc.workers), func(t *testing.T) {
			store := newMemRuns()
			parts := make([]*Table, tc.workers)
			for i := range parts {
				parts[i] = New(specs)
				parts[i].SetSpill(Spill{Budget: tc.budget / int64(tc.workers), Runs: store})
			}
			for i, f := range findings {
				parts[i%tc.workers].Add(f)
			}
			got := New(specs)
			got.SetSpill(Spill{Budget: tc.budget, Runs: store})
			for _, p := range parts {
				got.Merge(p)
			}
			defer got.Close()
			if runs, _ := got.Spilled(); (runs > 0) != tc.runs {
				t.Fatalf("%d runs, want runs: %v", runs, tc.runs)
			}
			if got.spill != nil {
				perLevel := map[int]int{}
				for _, r := range got.spill.runs {
					if perLevel[r.level]++; perLevel[r.level] >= fanIn {
						t.Fatalf("%d runs of level %d: not merged", perLevel[r.level], r.level)
					}
				}
			}
			rows, shown := scanned(t, got)
			if !reflect.DeepEqual(rows, wantRows) || !reflect.DeepEqual(shown, wantShown) {
				t.Fatalf("rows differ from the in-memory table's (%d vs %d)", len(rows), len(wantRows))
			}
			n, held, err := got.Tally()
			if err != nil || n != wantN || !reflect.DeepEqual(held, wantHeld) {
				t.Fatalf("Tally = %d, %v, %v; want %d, %v", n, held, err, wantN, wantHeld)
			}
			if keys, err := got.HeldKeys(); err != nil || !reflect.DeepEqual(keys, wantKeys) {
				t.Fatalf("HeldKeys differ (%v)", err)
			}
			var enc bytes.Buffer
			if err := got.Encode(&enc); err != nil || !bytes.Equal(enc.Bytes(), wantEnc.Bytes()) {
				t.Fatalf("encoding differs (%v)", err)
			}
			if err := got.Close(); err != nil {
				t.Fatal(err)
			}
			if left := store.len(); left != 0 {
				t.Fatalf("Close left %d runs in the store", left)
			}
		})
	}
}

// TestSpilledTableMergedIntoUnbudgetedTable: a table without a budget
// that merges a spilled one takes its runs, never drops them.
func TestSpilledTableMergedIntoUnbudgetedTable(t *testing.T) {
	findings, specs := spillFindings(t, 5, 1000)
	want, spilled := New(specs), New(specs)
	spilled.SetSpill(Spill{Budget: 8 << 10, Runs: newMemRuns()})
	for _, f := range findings {
		want.Add(f)
		spilled.Add(f)
	}
	got := New(specs)
	got.Merge(spilled)
	defer got.Close()
	if runs, _ := got.Spilled(); runs == 0 {
		t.Fatal("no runs taken over")
	}
	rows, _ := scanned(t, got)
	wantRows, _ := scanned(t, want)
	if !reflect.DeepEqual(rows, wantRows) {
		t.Fatalf("%d rows, want %d", len(rows), len(wantRows))
	}
}

// TestSpillFailureKeepsRows: a table that cannot write its runs keeps its
// groups in memory, says why, and its rows stay right.
func TestSpillFailureKeepsRows(t *testing.T) {
	findings, specs := spillFindings(t, 2, 500)
	want := New(specs)
	got := New(specs)
	store := newMemRuns()
	store.failCreate = errors.New("no space left on device")
	got.SetSpill(Spill{Budget: 1 << 10, Runs: store})
	for _, f := range findings {
		want.Add(f)
		got.Add(f)
	}
	if err := got.SpillErr(); err == nil || !strings.HasSuffix(err.Error(), "groups to disk: no space left on device") {
		t.Fatalf("SpillErr = %v, want the store's error", err)
	}
	if runs, _ := got.Spilled(); runs != 0 {
		t.Fatalf("%d runs", runs)
	}
	if !reflect.DeepEqual(got.Rows(), want.Rows()) {
		t.Fatal("rows differ after a failed spill")
	}
}

// TestDamagedRunIsAnError: a run altered on disk is an error naming it,
// never fewer rows.
func TestDamagedRunIsAnError(t *testing.T) {
	findings, specs := spillFindings(t, 3, 500)
	store := newMemRuns()
	tab := New(specs)
	tab.SetSpill(Spill{Budget: 8 << 10, Runs: store})
	for _, f := range findings {
		tab.Add(f)
	}
	defer tab.Close()
	name := tab.spill.runs[1].name
	store.mu.Lock()
	store.runs[name] = store.runs[name][:len(store.runs[name])-1]
	store.mu.Unlock()
	err := tab.Scan(func(trail.Row, bool) error { return nil })
	want := "read spilled run " + name + ": not a valid partial table: checksum does not match (truncated or altered)"
	if !errors.Is(err, ErrCorrupt) || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}

// TestCompareKeysIsCompare: keys sort as their rows do.
func TestCompareKeysIsCompare(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	vals := []*string{nil, str(""), str("null"), str("a"), str("ab"), str("b"), str("a\x00"), str(strings.Repeat("x", 200))}
	randRow := func() trail.Row {
		r := trail.Row{Detection: []string{"d", "e", "de"}[rng.IntN(3)]}
		for range rng.IntN(4) {
			r.Values = append(r.Values, vals[rng.IntN(len(vals))])
		}
		return r
	}
	sign := func(n int) int { return min(max(n, -1), 1) }
	for range 20000 {
		a, b := randRow(), randRow()
		ka, kb := GroupKey(a.Detection, a.Values), GroupKey(b.Detection, b.Values)
		if got, want := sign(compareKeys(ka, kb)), sign(Compare(a, b)); got != want {
			t.Fatalf("compareKeys(%q, %q) = %d, Compare = %d", ka, kb, got, want)
		}
	}
}

// TestGroupBytesEstimate: the budget's estimate of a table's memory is
// within a factor of what the heap grows by, for the shapes of groups
// detections make: by-values only (eventID a by-field), and extra fields
// with a few values each.
func TestGroupBytesEstimate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		extra int
	}{{"by-values only", 0}, {"two extra fields", 2}} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 50000
			// Each finding is made as it is added, as an evaluation makes
			// it: what the table keeps of it counts in the heap.
			finding := func(i int) trail.Finding {
				f := trail.Finding{Detection: "aws_createaccesskey",
					Values: []*string{str(fmt.Sprintf("arn:aws:iam::111122223333:user/u%d", i%97)), str(fmt.Sprintf("%08x-1111-2222-3333-444455556666", i)), str("us-east-1")},
					Source: trail.Source{File: "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/29/f.json.gz", Index: i}}
				for j := range tc.extra {
					f.Extra = append(f.Extra, str(fmt.Sprintf("v%d-%d", j, i%7)))
				}
				return f
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			tab := New(nil)
			for i := range n {
				tab.Add(finding(i))
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			grew := float64(after.HeapAlloc - before.HeapAlloc)
			ratio := float64(tab.size) / grew
			runtime.KeepAlive(tab)
			if ratio < 0.7 || ratio > 1.5 {
				t.Fatalf("estimate %d bytes, heap grew %.0f: ratio %.2f, want 0.7 to 1.5", tab.size, grew, ratio)
			}
		})
	}
}

// TestMergeEncoded: tables merged from their encodings, group by group,
// into a table that spills, read as the tables merged in memory; a cut
// encoding is ErrCorrupt.
func TestMergeEncoded(t *testing.T) {
	findings, specs := spillFindings(t, 6, 2000)
	want := New(specs)
	parts := []*Table{New(specs), New(specs), New(specs)}
	for i, f := range findings {
		want.Add(f)
		parts[i%3].Add(f)
	}
	got := New(specs)
	got.SetSpill(Spill{Budget: 16 << 10, Runs: newMemRuns()})
	defer got.Close()
	for _, p := range parts {
		var b bytes.Buffer
		if err := p.Encode(&b); err != nil {
			t.Fatal(err)
		}
		if err := got.MergeEncoded(&b); err != nil {
			t.Fatal(err)
		}
	}
	if runs, _ := got.Spilled(); runs == 0 {
		t.Fatal("no runs: the budget should have made some")
	}
	rows, shown := scanned(t, got)
	wantRows, wantShown := scanned(t, want)
	if !reflect.DeepEqual(rows, wantRows) || !reflect.DeepEqual(shown, wantShown) {
		t.Fatalf("%d rows, want %d", len(rows), len(wantRows))
	}
	var enc bytes.Buffer
	if err := parts[2].Encode(&enc); err != nil {
		t.Fatal(err)
	}
	cut := enc.Bytes()[:enc.Len()-40]
	if err := New(specs).MergeEncoded(bytes.NewReader(cut)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("a cut encoding: %v", err)
	}
}

// memRuns keeps runs in memory, for this package's tests (sweep.SpillDir
// keeps them as files, tested there and end to end by cmd/evaluate).
type memRuns struct {
	mu         sync.Mutex
	runs       map[string][]byte // the closed runs
	n          int
	failCreate error
}

func newMemRuns() *memRuns { return &memRuns{runs: map[string][]byte{}} }

type memRun struct {
	bytes.Buffer
	store *memRuns
	name  string
}

func (w *memRun) Close() error {
	w.store.mu.Lock()
	defer w.store.mu.Unlock()
	w.store.runs[w.name] = w.Bytes()
	return nil
}

func (m *memRuns) Create() (io.WriteCloser, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failCreate != nil {
		return nil, "", m.failCreate
	}
	m.n++
	name := fmt.Sprintf("mem-run-%d", m.n)
	return &memRun{store: m, name: name}, name, nil
}

func (m *memRuns) Open(name string) (io.ReadCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.runs[name]
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (m *memRuns) Remove(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.runs, name)
	return nil
}

func (m *memRuns) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.runs)
}
