package s3source

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trailhunt/trailhunt/internal/goldenfile"
	"github.com/trailhunt/trailhunt/internal/s3test"
	"github.com/trailhunt/trailhunt/loader"
)

// The same records, in the same order, with the same indexes, from the
// bucket as from a local copy of it; and nothing but the plan is fetched.
func TestSameRecordsAsLocal(t *testing.T) {
	tr := orgTrail(t)
	srv, dir := serve(t, tr)
	plans := []struct {
		name string
		plan loader.Plan
	}{
		{"everything", loader.Plan{}},
		{"one account, one region", loader.Plan{Accounts: []string{"444455556666"}, Regions: []string{"eu-west-1"}}},
		{"a window", loader.Plan{Since: time.Date(2024, 8, 2, 12, 0, 0, 0, time.UTC), Until: time.Date(2024, 8, 3, 0, 0, 0, 0, time.UTC), DeliveryMargin: time.Hour}},
	}
	for _, p := range plans {
		t.Run(p.name, func(t *testing.T) {
			before := len(srv.Gets(t))
			src := open(t, "s3://trail", p.plan, testConfig)
			got, gotStats := read(t, "", src)
			want, wantStats := read(t, dir, loader.Local{Paths: []string{dir}, Plan: p.plan})
			if got != want {
				t.Errorf("records from S3 differ from the local copy's\n--- S3\n%s--- local\n%s", got, want)
			}
			if gotStats.Records != wantStats.Records || gotStats.Bytes != wantStats.Bytes || len(gotStats.Errors) > 0 {
				t.Errorf("stats: S3 %+v, local %+v", gotStats, wantStats)
			}
			// The server saw a GET for each planned object, once, and no other.
			var planned []string
			for in := range src.objects {
				planned = append(planned, strings.TrimPrefix(src.objects[in].Path, "s3://trail/"))
			}
			gets := srv.Gets(t)[before:]
			slices.Sort(gets)
			if !slices.Equal(gets, planned) {
				t.Errorf("GETs outside the plan:\ngot  %q\nwant %q", gets, planned)
			}
			st := src.Stats()
			if st.Fetched != st.Planned || st.Failed != 0 {
				t.Errorf("stats %+v: want every planned object fetched", st)
			}
		})
	}
}

// The plan of each case, as listed from the bucket: what is planned and
// what was left out, by reason; and how many LIST requests it took.
func TestPlanListing(t *testing.T) {
	srv, _ := serve(t, orgTrail(t))
	cases := []struct {
		name, url string
		plan      loader.Plan
	}{
		{"bucket", "s3://trail", loader.Plan{}},
		{"org_prefix_accounts", "s3://trail/AWSLogs/o-aa11bb22cc/", loader.Plan{Accounts: []string{"111122223333"}}},
		{"partial_account_prefix", "s3://trail/AWSLogs/o-aa11bb22cc/4444", loader.Plan{}},
		{"regions_and_window", "s3://trail/AWSLogs/", loader.Plan{Regions: []string{"us-east-1"},
			Since: time.Date(2024, 8, 3, 0, 0, 0, 0, time.UTC), DeliveryMargin: loader.DefaultDeliveryMargin}},
		{"verifying", "s3://trail", loader.Plan{Digests: true, Accounts: []string{"444455556666"}}},
		{"one_object", "s3://trail/exports/console-export.json", loader.Plan{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(srv.Requests(t))
			src := open(t, tc.url, tc.plan, testConfig)
			var b strings.Builder
			for _, in := range src.objects {
				how := "walked"
				if !in.Walked {
					how = "named"
				}
				b.WriteString(in.Path + " " + how + "\n")
			}
			st := src.Stats()
			lists := 0
			for _, r := range srv.Requests(t)[before:] {
				if r.Op == "s3_ListObjectsV2" {
					lists++
				}
			}
			b.WriteString(strings.Join([]string{
				"listed " + itoa(st.Listed), "planned " + itoa(st.Planned), "left prefixes " + counts(st.Left.Prefixes),
				"left objects " + counts(st.Left.Objects), "list requests " + itoa(int64(lists)), "region " + src.Region(),
			}, "\n") + "\n")
			goldenfile.Check(t, "testdata/"+t.Name()+".golden", []byte(b.String()))
		})
	}
}

// Whole-input failures: one error before anything is read, of a kind the
// caller can branch on.
func TestBucketErrors(t *testing.T) {
	srv, _ := serve(t, orgTrail(t))
	srv.CreateBucket(t, "empty")
	cases := []struct {
		name string
		env  map[string]string
		url  string
		plan loader.Plan
		want error
		msg  string
	}{
		{"no such bucket", nil, "s3://no-such-bucket", loader.Plan{}, ErrNoSuchBucket, "s3://no-such-bucket: bucket does not exist (ListObjectsV2: HTTP 404 NoSuchBucket"},
		{"bad secret", map[string]string{"AWS_SECRET_ACCESS_KEY": "wrong"}, "s3://trail", loader.Plan{}, ErrBadCredentials, "s3://trail: the credentials were rejected: check the access key"},
		{"unknown access key", map[string]string{"AWS_ACCESS_KEY_ID": "NOSUCHKEY"}, "s3://trail", loader.Plan{}, ErrBadCredentials, "s3://trail: the credentials were rejected"},
		{"no credentials", map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}, "s3://trail", loader.Plan{}, ErrNoCredentials, "s3://trail: no AWS credentials found"},
		{"empty bucket", nil, "s3://empty", loader.Plan{}, ErrEmpty, "s3://empty: no objects under this prefix"},
		{"empty prefix", nil, "s3://trail/AWSLogs/999", loader.Plan{}, ErrEmpty, "s3://trail/AWSLogs/999: no objects under this prefix"},
		{"only digests", nil, "s3://trail/AWSLogs/o-aa11bb22cc/111122223333/CloudTrail-Digest/", loader.Plan{}, ErrNothingPlanned,
			"s3://trail/AWSLogs/o-aa11bb22cc/111122223333/CloudTrail-Digest/: no CloudTrail log files in the plan: 1 objects listed, none planned (left out: digest objects 1)"},
		{"a window with no deliveries", nil, "s3://trail/AWSLogs/", loader.Plan{Since: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}, ErrNothingPlanned,
			"s3://trail/AWSLogs/: no CloudTrail log files in the plan"},
		{"not a bucket URL", nil, "s3://", loader.Plan{}, nil, "s3://: no bucket"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			c, err := NewClient(context.Background(), testConfig)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = c.Open(context.Background(), tc.url, loader.Plan{})
			if tc.plan.Timed() {
				_, err = c.Open(context.Background(), tc.url, tc.plan)
			}
			if err == nil {
				t.Fatal("no error")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v: not %v", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), tc.msg) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error\n%s\nwant one line starting\n%s", err, tc.msg)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
}

// A region the server does not sign for: corrected from its answer, or
// one clear error.
func TestWrongRegion(t *testing.T) {
	serve(t, orgTrail(t))
	c, err := NewClient(context.Background(), Config{Region: "eu-west-3", Attempts: 2, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	src, err := c.Open(context.Background(), "s3://trail", loader.Plan{})
	if err != nil {
		if !errors.Is(err, ErrWrongRegion) || strings.Contains(err.Error(), "\n") {
			t.Fatalf("error %v: want one line, ErrWrongRegion", err)
		}
		t.Logf("not corrected: %v", err)
		return
	}
	if src.Region() != s3test.Region {
		t.Errorf("region %s, want %s", src.Region(), s3test.Region)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func counts(m map[string]int64) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, k+"="+itoa(m[k]))
	}
	return "{" + strings.Join(parts, " ") + "}"
}
