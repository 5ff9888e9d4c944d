package report

import (
	"bytes"
	"testing"

	"github.com/trailhunt/trailhunt/trail"
)

// accessDenied declares its own stats: a threshold detection's rows carry
// counts, distinct counts, value lists and times in every format.
var accessDenied = trail.Detection{
	ID: "aws_iam_accessdenied_discovery_events", Title: "AWS IAM AccessDenied Discovery Events",
	By: []string{"src", "user_arn"},
	Stats: []trail.Stat{
		{Func: "count", Name: "failures"},
		{Func: "dc", Field: "eventName", Name: "methods"},
		{Func: "values", Field: "eventName", Name: "eventNames"},
		{Func: "min", Field: trail.TimeField, Name: "firstTime"},
		{Func: "max", Field: trail.TimeField, Name: "lastTime"},
	},
	Where: "failures >= 5",
	Risk:  trail.Risk{Score: 10, Message: "User $user_arn$ is seen to perform excessive number of discovery related api calls- $failures$"},
}

var statsDetections = map[string]trail.Detection{accessDenied.ID: accessDenied}

var statsRows = []trail.Row{
	{Detection: accessDenied.ID, Values: []*string{str("192.0.2.10"), str("arn:aws:iam::111122223333:user/recon")},
		Count: 7, First: at("2024-07-30T21:00:00Z"), Last: at("2024-07-30T21:40:00Z"),
		Stats: []trail.StatValue{{N: 7}, {N: 3}, {Values: []string{"GetAccountAuthorizationDetails", "ListRoles", "=ListUsers"}},
			{Time: at("2024-07-30T21:00:00Z")}, {Time: at("2024-07-30T21:40:00Z")}}},
	{Detection: accessDenied.ID, Values: []*string{nil, str("arn:aws:iam::111122223333:user/other")},
		Count: 5, Stats: []trail.StatValue{{N: 5}, {N: 0}, {Values: []string{}}, {}, {}}},
}

func TestWriteStatsGolden(t *testing.T) {
	for _, tc := range []struct {
		cfg    Config
		golden string
	}{
		{Config{Format: FormatJSON, PolicyVersion: "v1"}, "stats.json.golden"},
		{Config{Format: FormatJSONL, PolicyVersion: "v1"}, "stats.jsonl.golden"},
		{Config{Format: FormatCSV}, "stats.csv.golden"},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			tc.cfg.Detections = statsDetections
			golden(t, tc.golden, write(t, tc.cfg, statsRows))
		})
	}
}

func TestWriteRejectsRowsWithoutTheirStats(t *testing.T) {
	row := statsRows[0]
	row.Stats = row.Stats[:2]
	var out bytes.Buffer
	err := Write(&out, Config{Format: FormatJSONL, Detections: statsDetections}, []trail.Row{row})
	want := `report: row 0: detection "aws_iam_accessdenied_discovery_events": row has 2 stats, the detection declares 5`
	if err == nil || err.Error() != want || out.Len() != 0 {
		t.Fatalf("err = %v (wrote %d bytes), want %s and nothing written", err, out.Len(), want)
	}
}
