package live

import (
	"strings"
	"testing"
	"time"

	"github.com/trailhunt/trailhunt/aggregate"
	"github.com/trailhunt/trailhunt/trail"
)

func ptr(s string) *string { return &s }

func TestChangeWrite(t *testing.T) {
	det := trail.Detection{
		ID:   "d",
		By:   []string{"user", "src", "eventID"},
		Risk: trail.Risk{Message: "User $user$ from $src$"},
	}
	t0 := time.Date(2024, 7, 30, 21, 53, 13, 0, time.UTC)
	row := func(user, id string, n int64) trail.Row {
		return trail.Row{Detection: "d", Values: []*string{ptr(user), nil, ptr(id)}, Count: n, First: t0, Last: t0.Add(time.Duration(n) * time.Minute)}
	}
	tests := []struct {
		name string
		c    Change
		want string
	}{
		{
			name: "nothing changed",
			c:    Change{From: "a", To: "b", Reload: 12 * time.Millisecond, Evaluate: 3 * time.Millisecond, Records: 10},
			want: "policy set a -> b: reloaded in 12ms, 10 records re-evaluated in 3ms\n  no change in findings\n",
		},
		{
			name: "added, removed, changed and suppression counts",
			c: Change{
				From: "a", To: "b", Records: 10,
				Delta: aggregate.Delta{
					Added:   []trail.Row{row("alice", "e1", 1)},
					Removed: []trail.Row{row("bob", "e2", 2)},
					Changed: []aggregate.Change{{Old: row("carol", "e3", 1), New: row("carol", "e3", 3)}},
				},
				Suppressed: []SuppressionChange{{"d/quiet", 0, 2}},
			},
			want: "policy set a -> b: reloaded in 0s, 10 records re-evaluated in 0s\n" +
				"  + d: User alice from null eventID=e1 (count 1, 2024-07-30T21:53:13 .. 2024-07-30T21:54:13)\n" +
				"  - d: User bob from null eventID=e2 (count 2, 2024-07-30T21:53:13 .. 2024-07-30T21:55:13)\n" +
				"  ~ d: User carol from null eventID=e3 (count 3, 2024-07-30T21:53:13 .. 2024-07-30T21:56:13) (was count 1, 2024-07-30T21:53:13 .. 2024-07-30T21:54:13)\n" +
				"  suppressed by d/quiet: 0 -> 2\n",
		},
		{
			name: "failures are counted in the header",
			c:    Change{From: "a", To: "b", Records: 10, Failed: 2, Errors: map[string]int64{"eval_timeout": 2}},
			want: "policy set a -> b: reloaded in 0s, 10 records re-evaluated in 0s; 2 failed (errors: eval_timeout 2)\n  no change in findings\n",
		},
		{
			name: "an incomplete change shows what it added, never what it could not compute",
			c: Change{
				From: "b", To: "c", Base: "a", Records: 10, Failed: 10, Errors: map[string]int64{"eval_runtime": 10}, Incomplete: true,
				Delta: aggregate.Delta{
					Added:   []trail.Row{row("alice", "e1", 1)},
					Removed: []trail.Row{row("bob", "e2", 2)},
					Changed: []aggregate.Change{{Old: row("carol", "e3", 1), New: row("carol", "e3", 3)}},
				},
				Suppressed: []SuppressionChange{{"d/quiet", 2, 0}},
			},
			want: "policy set b -> c: reloaded in 0s, 10 records re-evaluated in 0s; 10 failed (errors: eval_runtime 10) (changes against policy set a, the last complete results)\n" +
				"  findings lost or changed are not shown: policy set c failed on records whose findings are unknown; changes stay shown against policy set a\n" +
				"  + d: User alice from null eventID=e1 (count 1, 2024-07-30T21:53:13 .. 2024-07-30T21:54:13)\n",
		},
		{
			name: "attacker-controlled values cannot drive the terminal or forge lines",
			c:    Change{From: "a", To: "b", Delta: aggregate.Delta{Added: []trail.Row{row("x\x1b[2J\n  - fake", "e", 1)}}},
			want: "policy set a -> b: reloaded in 0s, 0 records re-evaluated in 0s\n" +
				`  + d: User x\x1b[2J\n  - fake from null eventID=e (count 1, 2024-07-30T21:53:13 .. 2024-07-30T21:54:13)` + "\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.Detections = map[string]trail.Detection{"d": det}
			var b strings.Builder
			if err := tt.c.Write(&b); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tt.want)
			}
		})
	}
}

func TestSuppressionChanges(t *testing.T) {
	got := suppressionChanges(map[string]int64{"d/a": 1, "d/b": 2, "d/gone": 4}, map[string]int64{"d/a": 1, "d/b": 3, "d/new": 5})
	want := []SuppressionChange{{"d/b", 2, 3}, {"d/gone", 4, 0}, {"d/new", 0, 5}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("got %v, want %v", got, want)
		}
	}
}

func TestRecordCacheOverflowDropsEverything(t *testing.T) {
	c := &recordCache{limit: 300}
	rec := trail.Record{Raw: make([]byte, 100)}
	c.add(rec)
	if c.overflow || len(c.recs) != 1 {
		t.Fatalf("after one record: overflow %v, %d records", c.overflow, len(c.recs))
	}
	c.add(rec)
	if !c.overflow || c.recs != nil {
		t.Errorf("past the limit: overflow %v, %d records kept; want all dropped", c.overflow, len(c.recs))
	}
}

func TestPartialNames(t *testing.T) {
	for name, want := range map[string]bool{
		"a.json.gz": false, "AWSLogs/x.json": false, ".a.json": true, "a.json.tmp": true, "a.json.part": true,
		"a.partial": true, "a.crdownload": true, "a.json~": true, ".state.json.123.tmp": true, "dir/.hidden": true,
	} {
		if got := partial(name); got != want {
			t.Errorf("partial(%q) = %v, want %v", name, got, want)
		}
	}
}
