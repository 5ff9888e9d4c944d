package integrity

import (
	"testing"
	"time"
)

func TestLocate(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	const (
		digest = "AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_your-trail-name_us-east-2_20150817T150131Z.json.gz"
		log    = "AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/17/111122223333_CloudTrail_us-east-2_20150817T1445Z_9cKPZFt1mD5zxK2e.json.gz"
	)
	tests := []struct {
		name, path string
		ok         bool
		want       Location
	}{
		{"digest, as AWS's sample names it", digest, true, Location{Key: digest, Account: "111122223333", Region: "us-east-2", Kind: KindDigest,
			Time: at("2015-08-17T15:01:31Z"), Trail: "your-trail-name", HomeRegion: "us-east-2"}},
		{"log file", log, true, Location{Key: log, Account: "111122223333", Region: "us-east-2", Kind: KindLog, Time: at("2015-08-17T14:45:00Z")}},
		{"under a bucket prefix and a local directory", "/data/copy/prefix/" + log, true, Location{Base: "/data/copy/prefix/", Key: log,
			Account: "111122223333", Region: "us-east-2", Kind: KindLog, Time: at("2015-08-17T14:45:00Z")}},
		{"organisation trail", "AWSLogs/o-exampleorgid/444455556666/CloudTrail-Digest/eu-west-1/2024/08/01/444455556666_CloudTrail-Digest_eu-west-1_org_trail_us-east-1_20240801T010503Z_backfill.json.gz", true,
			Location{Key: "AWSLogs/o-exampleorgid/444455556666/CloudTrail-Digest/eu-west-1/2024/08/01/444455556666_CloudTrail-Digest_eu-west-1_org_trail_us-east-1_20240801T010503Z_backfill.json.gz",
				Org: "o-exampleorgid", Account: "444455556666", Region: "eu-west-1", Kind: KindDigest, Time: at("2024-08-01T01:05:03Z"),
				Trail: "org_trail", HomeRegion: "us-east-1", Backfill: true}},
		{"a log file of another name is still a log file", "AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/17/evil.json", true,
			Location{Key: "AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/17/evil.json", Account: "111122223333", Region: "us-east-2", Kind: KindLog}},
		{"a sidecar is not a digest", digest + ".sig", false, Location{}},
		{"a digest of another account's name", "AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/999999999999_CloudTrail-Digest_us-east-2_t_us-east-2_20150817T150131Z.json.gz", false, Location{}},
		{"a digest name without a time", "AWSLogs/111122223333/CloudTrail-Digest/us-east-2/x/111122223333_CloudTrail-Digest_us-east-2_t_us-east-2_yesterday.json.gz", false, Location{}},
		{"Insights", "AWSLogs/111122223333/CloudTrail-Insight/us-east-2/2015/08/17/x.json.gz", false, Location{}},
		{"not an account", "AWSLogs/1111/CloudTrail/us-east-2/2015/08/17/x.json.gz", false, Location{}},
		{"no AWSLogs", "logs/111122223333/CloudTrail/us-east-2/x.json.gz", false, Location{}},
		{"a folder ending in AWSLogs is not AWSLogs", "myAWSLogs/111122223333/CloudTrail/us-east-2/2015/08/17/x.json.gz", false, Location{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Locate(tt.path)
			if ok != tt.ok || got != tt.want {
				t.Errorf("Locate(%q) =\n%+v, %v; want\n%+v, %v", tt.path, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestKeyOf(t *testing.T) {
	for in, want := range map[string]string{
		"AWSLogs/1/CloudTrail/x":          "AWSLogs/1/CloudTrail/x",
		"prefix/a/AWSLogs/1/CloudTrail/x": "AWSLogs/1/CloudTrail/x",
		"prefix/x":                        "",
	} {
		if got := keyOf(in); got != want {
			t.Errorf("keyOf(%q) = %q, want %q", in, got, want)
		}
	}
}
