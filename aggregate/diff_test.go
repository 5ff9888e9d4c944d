package aggregate

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/trailhunt/trailhunt/trail"
)

func formatDelta(d Delta) string {
	var b strings.Builder
	for _, r := range d.Added {
		b.WriteString("+ " + format(r) + "\n")
	}
	for _, r := range d.Removed {
		b.WriteString("- " + format(r) + "\n")
	}
	for _, c := range d.Changed {
		b.WriteString("~ " + format(c.Old) + " => " + format(c.New) + "\n")
	}
	return b.String()
}

func TestDiff(t *testing.T) {
	alice := row("d", 1, at(10), at(10), str("alice"))
	alice2 := row("d", 2, at(10), at(20), str("alice"))
	aliceLater := row("d", 1, at(15), at(15), str("alice"))
	bob := row("d", 1, time.Time{}, time.Time{}, str("bob"))
	null := row("d", 3, at(1), at(2), nil)
	empty := row("d", 3, at(1), at(2), str(""))
	other := row("e", 1, at(10), at(10), str("alice"))
	tests := []struct {
		name     string
		old, new []trail.Row
		want     string
	}{
		{name: "nothing on either side", want: ""},
		{name: "identical sides", old: []trail.Row{alice, bob}, new: []trail.Row{alice, bob}, want: ""},
		{
			name: "new group is added",
			old:  []trail.Row{alice},
			new:  []trail.Row{alice, bob},
			want: "+ d \"bob\" count=1 first=- last=-\n",
		},
		{
			name: "vanished group is removed",
			old:  []trail.Row{alice, bob},
			new:  []trail.Row{bob},
			want: "- d \"alice\" count=1 first=2024-07-30T21:00:10Z last=2024-07-30T21:00:10Z\n",
		},
		{
			name: "count change is a change",
			old:  []trail.Row{alice},
			new:  []trail.Row{alice2},
			want: "~ d \"alice\" count=1 first=2024-07-30T21:00:10Z last=2024-07-30T21:00:10Z => d \"alice\" count=2 first=2024-07-30T21:00:10Z last=2024-07-30T21:00:20Z\n",
		},
		{
			name: "time change alone is a change",
			old:  []trail.Row{alice},
			new:  []trail.Row{aliceLater},
			want: "~ d \"alice\" count=1 first=2024-07-30T21:00:10Z last=2024-07-30T21:00:10Z => d \"alice\" count=1 first=2024-07-30T21:00:15Z last=2024-07-30T21:00:15Z\n",
		},
		{
			name: "same instant in another zone is no change",
			old:  []trail.Row{alice},
			new:  []trail.Row{row("d", 1, at(10).In(time.FixedZone("X", 3600)), at(10).In(time.FixedZone("X", 3600)), str("alice"))},
			want: "",
		},
		{
			name: "null and empty string are different groups",
			old:  []trail.Row{null},
			new:  []trail.Row{empty},
			want: "+ d \"\" count=3 first=2024-07-30T21:00:01Z last=2024-07-30T21:00:02Z\n" +
				"- d <null> count=3 first=2024-07-30T21:00:01Z last=2024-07-30T21:00:02Z\n",
		},
		{
			name: "same values under another detection do not match",
			old:  []trail.Row{other},
			new:  []trail.Row{alice},
			want: "+ d \"alice\" count=1 first=2024-07-30T21:00:10Z last=2024-07-30T21:00:10Z\n" +
				"- e \"alice\" count=1 first=2024-07-30T21:00:10Z last=2024-07-30T21:00:10Z\n",
		},
		{
			name: "lists are sorted whatever the input order",
			old:  nil,
			new:  []trail.Row{other, bob, null, alice},
			want: "+ d <null> count=3 first=2024-07-30T21:00:01Z last=2024-07-30T21:00:02Z\n" +
				"+ d \"alice\" count=1 first=2024-07-30T21:00:10Z last=2024-07-30T21:00:10Z\n" +
				"+ d \"bob\" count=1 first=- last=-\n" +
				"+ e \"alice\" count=1 first=2024-07-30T21:00:10Z last=2024-07-30T21:00:10Z\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Diff(tt.old, tt.new)
			if got := formatDelta(d); got != tt.want {
				t.Errorf("Diff:\n%s\nwant:\n%s", got, tt.want)
			}
			if d.Empty() != (tt.want == "") {
				t.Errorf("Empty() = %v", d.Empty())
			}
		})
	}
}

func TestDiffReturnsCopies(t *testing.T) {
	in := []trail.Row{row("d", 1, at(1), at(1), str("alice"))}
	d := Diff(nil, in)
	*d.Added[0].Values[0] = "mallory"
	if *in[0].Values[0] != "alice" {
		t.Errorf("Diff output aliases its input: input now %q", *in[0].Values[0])
	}
}

func TestDiffOfTableSnapshots(t *testing.T) {
	tab := tableOf(find("d", at(1), str("alice")))
	before := tab.Rows()
	tab.Add(find("d", at(2), str("alice")))
	tab.Add(find("d", at(3), str("bob")))
	d := Diff(before, tab.Rows())
	want := Delta{
		Added:   []trail.Row{row("d", 1, at(3), at(3), str("bob"))},
		Changed: []Change{{Old: row("d", 1, at(1), at(1), str("alice")), New: row("d", 2, at(1), at(2), str("alice"))}},
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("Diff:\n%s\nwant:\n%s", formatDelta(d), formatDelta(want))
	}
}
