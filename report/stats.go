package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trailhunt/trailhunt/trail"
)

// A row's stats columns: one per stats function of its detection, in the
// detection's order, under the function's name (count, firstTime, lastTime
// by default). Numbers (count, count(f), dc(f)) are integers; times
// (min/max of _time) are rendered by ctime in the table and by dataTime in
// JSON and CSV, null in JSON when no record had a time; values(f) is a
// sorted list: a JSON array, one value per line in a CSV cell (as Splunk
// exports multivalue fields), ", "-separated in the table.

// rowStats returns r's stats aligned with d.StatsOrDefault(). A row built
// without stats (only Count, First and Last) is read as the default stats.
func rowStats(d trail.Detection, r trail.Row) ([]trail.StatValue, error) {
	stats := d.StatsOrDefault()
	switch {
	case len(r.Stats) == len(stats):
		return r.Stats, nil
	case len(r.Stats) == 0 && slices.Equal(stats, trail.DefaultStats):
		return []trail.StatValue{{N: r.Count}, {Time: r.First}, {Time: r.Last}}, nil
	}
	return nil, fmt.Errorf("detection %q: row has %d stats, the detection declares %d", r.Detection, len(r.Stats), len(stats))
}

// statText renders one stat for the table (sep ", ", times by ctime) or
// CSV (sep "\n", times by dataTime).
func statText(s trail.Stat, v trail.StatValue, sep string, timeText func(time.Time) string) string {
	switch s.Func {
	case "min", "max":
		return timeText(v.Time)
	case "values":
		return strings.Join(v.Values, sep)
	}
	return strconv.FormatInt(v.N, 10)
}

// statJSON is one stat as a JSON value.
func statJSON(s trail.Stat, v trail.StatValue) any {
	switch s.Func {
	case "min", "max":
		return jsonTime(v.Time)
	case "values":
		if v.Values == nil {
			return []string{}
		}
		return v.Values
	}
	return v.N
}

// numeric stats are right-aligned in the table.
func numericStat(s trail.Stat) bool { return s.Func == "count" || s.Func == "dc" }

func statNames(d trail.Detection) []string {
	var out []string
	for _, s := range d.StatsOrDefault() {
		out = append(out, s.Name)
	}
	return out
}
