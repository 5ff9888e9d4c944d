package loader

import (
	"testing"
	"time"
)

func TestLayoutOf(t *testing.T) {
	cases := []struct {
		dir  string
		want Layout
	}{
		{"", Layout{}},
		{"exports/2024", Layout{}},
		{"AWSLogs", Layout{Depth: 1}},
		{"AWSLogs/", Layout{Depth: 1}},
		{"trail-prefix/AWSLogs/111122223333/", Layout{Account: "111122223333", Depth: 2}},
		{"AWSLogs/o-aa11bb22cc/111122223333/CloudTrail/", Layout{Org: "o-aa11bb22cc", Account: "111122223333", Service: "CloudTrail", Depth: 3}},
		{"/data/AWSLogs/1/CloudTrail/us-east-1/2024/08/02", Layout{Account: "1", Service: "CloudTrail", Region: "us-east-1", Year: 2024, Month: 8, Day: 2, Depth: 7}},
		{`C:\logs\AWSLogs\1\CloudTrail\eu-west-1\2024`, Layout{Account: "1", Service: "CloudTrail", Region: "eu-west-1", Year: 2024, Depth: 5}},
		{"AWSLogs/not-an-account/CloudTrail", Layout{Depth: 1, Off: true}},
		{"AWSLogs/1/CloudTrail/us-east-1/24/08", Layout{Account: "1", Service: "CloudTrail", Region: "us-east-1", Depth: 4, Off: true}},
		{"AWSLogs/1/CloudTrail/us-east-1/2024/13", Layout{Account: "1", Service: "CloudTrail", Region: "us-east-1", Year: 2024, Depth: 5, Off: true}},
		{"AWSLogs/1/CloudTrail/us-east-1/2024/08/02/extra", Layout{Account: "1", Service: "CloudTrail", Region: "us-east-1", Year: 2024, Month: 8, Day: 2, Depth: 7, Off: true}},
		{"AWSLogs/1/x/AWSLogs/2", Layout{Account: "2", Depth: 2}}, // the last AWSLogs element counts
	}
	for _, tc := range cases {
		if got := LayoutOf(tc.dir); got != tc.want {
			t.Errorf("LayoutOf(%q) = %+v, want %+v", tc.dir, got, tc.want)
		}
	}
	if d := LayoutOf("AWSLogs/1/CloudTrail/us-east-1/2024/08/02").Date(); d != "2024-08-02" {
		t.Errorf("Date() = %q", d)
	}
	if d := LayoutOf("AWSLogs/1/CloudTrail/us-east-1/2024/08").Date(); d != "" {
		t.Errorf("Date() above a day folder = %q", d)
	}
}

func TestPlanDir(t *testing.T) {
	window := Plan{
		Since:          time.Date(2024, 8, 2, 0, 30, 0, 0, time.UTC),
		Until:          time.Date(2024, 8, 4, 0, 0, 0, 0, time.UTC),
		DeliveryMargin: DefaultDeliveryMargin,
	}
	filtered := Plan{Accounts: []string{"111122223333"}, Regions: []string{"us-east-1"}}
	const ct = "AWSLogs/111122223333/CloudTrail/"
	cases := []struct {
		name string
		plan Plan
		dir  string
		want string
	}{
		{"above the layout", window, "bucket/exports", InPlan},
		{"an account", Plan{}, "AWSLogs/111122223333", InPlan},
		{"digest folders are left out", Plan{}, "AWSLogs/111122223333/CloudTrail-Digest", SkipDigest},
		{"digest folders are planned for verification", Plan{Digests: true}, "AWSLogs/111122223333/CloudTrail-Digest/us-east-1", InPlan},
		{"insight folders are left out", Plan{Digests: true}, "AWSLogs/1/CloudTrail-Insight", SkipInsight},
		{"other services are left out", Plan{}, "AWSLogs/1/vpcflowlogs/us-east-1", SkipService},
		{"another account", filtered, "AWSLogs/222233334444", SkipAccount},
		{"another account in an organisation trail", filtered, "AWSLogs/o-aa11bb22cc/222233334444/CloudTrail", SkipAccount},
		{"the organisation folder itself", filtered, "AWSLogs/o-aa11bb22cc", InPlan},
		{"the account's region", filtered, ct + "us-east-1", InPlan},
		{"another region", filtered, ct + "eu-west-1/2024", SkipRegion},
		{"a year before the window", window, ct + "us-east-1/2023", SkipTime},
		{"the window's year", window, ct + "us-east-1/2024", InPlan},
		{"a year after it", window, ct + "us-east-1/2025", SkipTime},
		{"a month before", window, ct + "us-east-1/2024/07", SkipTime},
		{"the month", window, ct + "us-east-1/2024/08", InPlan},
		{"the day before since, holding deliveries of its last hour", window, ct + "us-east-1/2024/08/01", InPlan},
		{"two days before", window, ct + "us-east-1/2024/07/31", SkipTime},
		{"the last day of the window", window, ct + "us-east-1/2024/08/03", InPlan},
		{"the margin's day after until", window, ct + "us-east-1/2024/08/04", InPlan},
		{"past the margin", window, ct + "us-east-1/2024/08/05", SkipTime},
		{"no margin: until's own day is out", Plan{Until: window.Until}, ct + "us-east-1/2024/08/04", SkipTime},
		{"off the layout below a region: kept", window, ct + "us-east-1/old-exports", InPlan},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.plan.Dir(tc.dir); got != tc.want {
				t.Errorf("Dir(%q) = %q, want %q", tc.dir, got, tc.want)
			}
		})
	}
}

func TestPlanFile(t *testing.T) {
	window := Plan{
		Since:          time.Date(2024, 8, 2, 12, 0, 0, 0, time.UTC),
		Until:          time.Date(2024, 8, 2, 13, 0, 0, 0, time.UTC),
		DeliveryMargin: 2 * time.Hour,
	}
	const day = "AWSLogs/1/CloudTrail/us-east-1/2024/08/02/"
	name := func(ts string) string { return day + "1_CloudTrail_us-east-1_" + ts + "_AbCd.json.gz" }
	cases := []struct {
		name string
		plan Plan
		path string
		want string
	}{
		{"delivered before since less the start margin", window, name("20240802T1059Z"), SkipTime},
		{"delivered within the start margin", window, name("20240802T1100Z"), InPlan},
		{"delivered in the window", window, name("20240802T1230Z"), InPlan},
		{"delivered within the delivery margin", window, name("20240802T1459Z"), InPlan},
		{"delivered past it", window, name("20240802T1500Z"), SkipTime},
		{"a name without a time", window, day + "export.json", InPlan},
		{"no window", Plan{}, name("20200101T0000Z"), InPlan},
		{"a file outside the plan's folders", window, "AWSLogs/1/CloudTrail/us-east-1/2024/08/09/x.json.gz", SkipTime},
		{"a digest file", Plan{}, "AWSLogs/1/CloudTrail-Digest/us-east-1/2024/08/02/1_CloudTrail-Digest_us-east-1_t_us-east-1_20240802T120000Z.json.gz", SkipDigest},
		{"a file above the layout", window, "notes.json", InPlan},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.plan.File(tc.path); got != tc.want {
				t.Errorf("File(%q) = %q, want %q", tc.path, got, tc.want)
			}
		})
	}
}

func TestPlanPrunes(t *testing.T) {
	timed := Plan{Since: time.Date(2024, 8, 2, 0, 0, 0, 0, time.UTC)}
	regions := Plan{Regions: []string{"us-east-1"}}
	cases := []struct {
		plan Plan
		dir  string
		want bool
	}{
		{Plan{}, "", false},
		{Plan{}, "AWSLogs/", true},
		{Plan{}, "AWSLogs/o-aa11bb22cc/", true},
		{Plan{}, "AWSLogs/1/", true},
		{Plan{}, "AWSLogs/1/CloudTrail/", false},
		{regions, "AWSLogs/1/CloudTrail/", true},
		{regions, "AWSLogs/1/CloudTrail/us-east-1/", false},
		{timed, "AWSLogs/1/CloudTrail/us-east-1/", true},
		{timed, "AWSLogs/1/CloudTrail/us-east-1/2024/08/", true},
		{timed, "AWSLogs/1/CloudTrail/us-east-1/2024/08/02/", false},
		{timed, "AWSLogs/x/", false},
	}
	for _, tc := range cases {
		if got := tc.plan.Prunes(tc.dir); got != tc.want {
			t.Errorf("%+v.Prunes(%q) = %v, want %v", tc.plan, tc.dir, got, tc.want)
		}
	}
}

func TestDeliveryTime(t *testing.T) {
	cases := []struct {
		name string
		want string
	}{
		{"111122223333_CloudTrail_us-east-1_20240730T2155Z_a1b2.json.gz", "2024-07-30T21:55:00Z"},
		{"111122223333_CloudTrail-Digest_us-east-1_trail_us-east-1_20240730T220000Z.json.gz", "2024-07-30T22:00:00Z"},
		{"export.json", ""},
		{"x_20241340T0000Z_y.json", ""},
	}
	for _, tc := range cases {
		got, ok := DeliveryTime(tc.name)
		s := ""
		if ok {
			s = got.Format(time.RFC3339)
		}
		if s != tc.want {
			t.Errorf("DeliveryTime(%q) = %q, want %q", tc.name, s, tc.want)
		}
	}
}
