package aggregate

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/trailhunt/trailhunt/trail"
)

func TestParseStat(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want trail.Stat
		err  string
	}{
		{in: "count", want: trail.Stat{Func: "count", Name: "count"}},
		{in: "count as failures", want: trail.Stat{Func: "count", Name: "failures"}},
		{in: "  COUNT  AS  n ", want: trail.Stat{Func: "count", Name: "n"}},
		{in: "c", want: trail.Stat{Func: "count", Name: "count"}},
		{in: "count(src)", want: trail.Stat{Func: "count", Field: "src", Name: "count(src)"}},
		{in: "dc(eventName) as methods", want: trail.Stat{Func: "dc", Field: "eventName", Name: "methods"}},
		{in: "distinct_count(eventName)", want: trail.Stat{Func: "dc", Field: "eventName", Name: "dc(eventName)"}},
		{in: "values(requestParameters.userName) as users", want: trail.Stat{Func: "values", Field: "requestParameters.userName", Name: "users"}},
		{in: "min(_time) as firstTime", want: trail.Stat{Func: "min", Field: "_time", Name: "firstTime"}},
		{in: "latest(_time) as lastTime", want: trail.Stat{Func: "max", Field: "_time", Name: "lastTime"}},
		{in: "sum(bytes)", err: `invalid stats: "sum(bytes)": unknown function "sum" (known: count, count(f), dc(f), values(f), min(_time), max(_time))`},
		{in: "dc", err: `invalid stats: "dc": dc needs a field, as in dc(eventName)`},
		{in: "values(_time)", err: `invalid stats: "values(_time)": values of _time is not supported`},
		{in: "min(eventName)", err: `invalid stats: "min(eventName)": min works on _time only (the event time)`},
		{in: "count(_time)", err: `invalid stats: "count(_time)": count(_time) is not supported: use count`},
		{in: "count as", err: `invalid stats: "count as": want FUNC, FUNC(field) or either followed by "as name"`},
		{in: "dc(a b)", err: `invalid stats: "dc(a b)": want FUNC, FUNC(field) or either followed by "as name"`},
		{in: "count as 9lives", err: `invalid stats: "count as 9lives": want FUNC, FUNC(field) or either followed by "as name"`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseStat(tc.in)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err || !errors.Is(err, ErrStats) {
					t.Fatalf("err = %v, want %s", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseStat = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func stats(t *testing.T, ss ...string) []trail.Stat {
	t.Helper()
	var out []trail.Stat
	for _, s := range ss {
		st, err := ParseStat(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, st)
	}
	return out
}

func TestNewSpecErrors(t *testing.T) {
	base := trail.Detection{ID: "d", By: []string{"user", "src"}}
	for _, tc := range []struct {
		name  string
		stats []string
		where string
		err   string
	}{
		{"name twice", []string{"count", "dc(x) as count"}, "", `invalid stats: the name "count" is given twice`},
		{"name like a by-field", []string{"count as user"}, "", `invalid stats: "count as user" names a stat like a by-field`},
		{"unknown name", []string{"count"}, "failures > 5", `invalid stats: where "failures > 5": "failures" is not a stat of this detection`},
		{"not numeric", []string{"count", "values(x) as xs"}, "xs > 1", `invalid stats: where "xs > 1": "xs" is not a number: only count, count(f) and dc(f) can be compared`},
		{"time not numeric", nil, "firstTime > 1", `invalid stats: where "firstTime > 1": "firstTime" is not a number: only count, count(f) and dc(f) can be compared`},
		{"no operator", []string{"count"}, "count 5", `invalid stats: where "count 5": want a comparison (> >= < <= = != ) after "count"`},
		{"ends early", []string{"count"}, "count >", `invalid stats: where "count >": ends early: want a stat name or an integer`},
		{"bad operator", []string{"count"}, "count => 5", `invalid stats: where "count => 5": want a stat name or an integer, got ">"`},
		{"unbalanced", []string{"count"}, "(count > 5", `invalid stats: where "(count > 5": missing )`},
		{"trailing", []string{"count"}, "count > 5 5", `invalid stats: where "count > 5 5": unexpected "5"`},
		{"bad operator 2", []string{"count"}, "count !! 5", `invalid stats: where "count !! 5": unknown operator "!"`},
		{"odd character", []string{"count"}, "count > 5 | x", `invalid stats: where "count > 5 | x": unexpected '|'`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := base
			d.Stats, d.Where = stats(t, tc.stats...), tc.where
			_, err := NewSpec(d)
			if err == nil || err.Error() != tc.err {
				t.Fatalf("err = %v, want %s", err, tc.err)
			}
		})
	}
}

// TestWhereThresholds checks each condition just under and just over its
// threshold.
func TestWhereThresholds(t *testing.T) {
	d := trail.Detection{ID: "d", By: []string{"user"}, Stats: stats(t, "count as failures", "dc(eventName) as methods")}
	group := func(failures int, methods int) []trail.Finding {
		var out []trail.Finding
		for i := range failures {
			name := "m" + string(rune('a'+min(i, methods-1)))
			out = append(out, trail.Finding{Detection: "d", Values: []*string{str("u")}, Extra: []*string{&name}})
		}
		return out
	}
	for _, tc := range []struct {
		where             string
		failures, methods int
		keep              bool
	}{
		{"failures >= 5", 4, 1, false},
		{"failures >= 5", 5, 1, true},
		{"failures > 5", 5, 1, false},
		{"failures > 5", 6, 1, true},
		{"failures < 3", 3, 1, false},
		{"failures <= 3", 3, 1, true},
		{"failures = 3", 3, 1, true},
		{"failures == 3", 4, 1, false},
		{"failures != 3", 3, 1, false},
		{"failures >= 5 AND methods >= 2", 5, 1, false},
		{"failures >= 5 and methods >= 2", 5, 2, true},
		{"failures >= 5 AND methods >= 2", 4, 2, false},
		{"failures >= 10 OR methods >= 3", 9, 2, false},
		{"failures >= 10 or methods >= 3", 9, 3, true},
		{"NOT failures < 5", 5, 1, true},
		{"not (failures >= 5 AND methods >= 2)", 5, 2, false},
		{"5 <= failures", 5, 1, true},
		{"failures > -1", 1, 1, true},
	} {
		d := d
		d.Where = tc.where
		spec, err := NewSpec(d)
		if err != nil {
			t.Fatal(err)
		}
		tab := New(Specs{"d": spec})
		for _, f := range group(tc.failures, tc.methods) {
			tab.Add(f)
		}
		rows := tab.Rows()
		if got := len(rows) == 1; got != tc.keep {
			t.Errorf("%s with failures=%d methods=%d: kept %v, want %v", tc.where, tc.failures, tc.methods, got, tc.keep)
		}
		held := heldOf(t, tab)["d"]
		if (held == 1) == tc.keep {
			t.Errorf("%s: Held = %d", tc.where, held)
		}
	}
}

func TestStatsValues(t *testing.T) {
	d := trail.Detection{ID: "d", By: []string{"user", "src"},
		Stats: stats(t, "count", "count(src)", "count(ua) as uas", "dc(eventName) as methods", "values(eventName) as names",
			"values(user) as users", "dc(src) as srcs", "min(_time) as firstTime", "max(_time) as lastTime")}
	if got, want := d.Extra(), []string{"ua", "eventName"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Extra = %q, want %q", got, want)
	}
	spec, err := NewSpec(d)
	if err != nil {
		t.Fatal(err)
	}
	tab := New(Specs{"d": spec})
	add := func(sec int, src, ua, name *string) {
		tab.Add(trail.Finding{Detection: "d", Values: []*string{str("alice"), src}, Extra: []*string{ua, name}, Time: at(sec)})
	}
	add(30, nil, str("cli"), str("ListUsers"))
	add(10, nil, nil, str("GetUser"))
	add(20, nil, str("cli"), nil)
	add(40, nil, str("sdk"), str("ListUsers"))
	add(50, str("192.0.2.1"), nil, nil)
	rows := tab.Rows()
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	want := [][]trail.StatValue{
		{{N: 4}, {N: 0}, {N: 3}, {N: 2}, {Values: []string{"GetUser", "ListUsers"}}, {Values: []string{"alice"}}, {N: 0}, {Time: at(10)}, {Time: at(40)}},
		{{N: 1}, {N: 1}, {N: 0}, {N: 0}, {Values: []string{}}, {Values: []string{"alice"}}, {N: 1}, {Time: at(50)}, {Time: at(50)}},
	}
	for i, r := range rows {
		if !reflect.DeepEqual(r.Stats, want[i]) {
			t.Errorf("row %d stats = %+v, want %+v", i, r.Stats, want[i])
		}
	}
}

// TestStatsMergeExactly splits random findings with extra fields over
// several tables: merged, they give exactly the one-table rows, dc included.
func TestStatsMergeExactly(t *testing.T) {
	d := trail.Detection{ID: "d", By: []string{"user"},
		Stats: stats(t, "count", "dc(eventName) as methods", "values(eventName) as names", "count(eventName) as named", "min(_time) as firstTime")}
	spec, err := NewSpec(d)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var findings []trail.Finding
	for range 2000 {
		var name *string
		if rng.IntN(5) > 0 {
			name = str(string(rune('A' + rng.IntN(20))))
		}
		findings = append(findings, trail.Finding{Detection: "d", Values: []*string{str(string(rune('a' + rng.IntN(7))))},
			Extra: []*string{name}, Time: at(rng.IntN(1000))})
	}
	one := New(Specs{"d": spec})
	parts := []*Table{New(Specs{"d": spec}), New(Specs{"d": spec}), New(Specs{"d": spec})}
	for i, f := range findings {
		one.Add(f)
		parts[i%len(parts)].Add(f)
	}
	merged := New(Specs{"d": spec})
	for _, p := range parts {
		merged.Merge(p)
	}
	if got, want := merged.Rows(), one.Rows(); !reflect.DeepEqual(got, want) {
		t.Fatalf("merged rows differ:\n%+v\n%+v", got, want)
	}
}
