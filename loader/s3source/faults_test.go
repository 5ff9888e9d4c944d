package s3source

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/trailhunt/trailhunt/internal/s3test"
	"github.com/trailhunt/trailhunt/loader"
)

// Each failure class of a GET, through a fault-injecting proxy in front of
// the real server: passing faults are retried or resumed and change
// nothing; lasting ones fail that object alone, naming it, counted by
// reason, and the run reads every other object.
func TestFaults(t *testing.T) {
	tr := orgTrail(t)
	srv, _ := serve(t, tr)
	const key = "AWSLogs/o-aa11bb22cc/111122223333/CloudTrail/us-east-1/2024/08/02/111122223333_CloudTrail_us-east-1_20240802T0010Z_0002.json.gz"
	const url = "s3://trail/" + key
	plan := loader.Plan{Accounts: []string{"111122223333"}, Regions: []string{"us-east-1"}}
	cleanSrc := open(t, "s3://trail", plan, testConfig)
	clean, cleanStats := read(t, "", cleanSrc)
	planned := cleanSrc.Stats().Planned // 6 log files and the export off the layout

	cases := []struct {
		name   string
		fault  s3test.Fault
		reason string // "": the fault passes and the records are all read
		ranged bool   // the object was resumed with a ranged GET
	}{
		{"503 SlowDown twice", s3test.Fault{Op: "GET", Key: key, Kind: s3test.SlowDown, Times: 2}, "", false},
		{"500 once", s3test.Fault{Op: "GET", Key: key, Kind: s3test.InternalErr, Times: 1}, "", false},
		{"connection reset once", s3test.Fault{Op: "GET", Key: key, Kind: s3test.Reset, Times: 1}, "", false},
		{"LIST reset once", s3test.Fault{Op: "LIST", Kind: s3test.Reset, Times: 1}, "", false},
		{"LIST 503 twice", s3test.Fault{Op: "LIST", Kind: s3test.SlowDown, Times: 2}, "", false},
		{"short body once: resumed", s3test.Fault{Op: "GET", Key: key, Kind: s3test.ShortBody, Times: 1}, "", true},
		{"stalled body once: cut and resumed", s3test.Fault{Op: "GET", Key: key, Kind: s3test.Stall, Times: 1}, "", true},
		{"short body always", s3test.Fault{Op: "GET", Key: key, Kind: s3test.ShortBody}, ReasonShortBody, true},
		{"access denied", s3test.Fault{Op: "GET", Key: key, Kind: s3test.AccessDenied}, ReasonAccessDenied, false},
		{"KMS access denied", s3test.Fault{Op: "GET", Key: key, Kind: s3test.KMSDenied}, ReasonKMSAccessDenied, false},
		{"503 SlowDown always", s3test.Fault{Op: "GET", Key: key, Kind: s3test.SlowDown}, ReasonThrottled, false},
		{"500 always", s3test.Fault{Op: "GET", Key: key, Kind: s3test.InternalErr}, ReasonServerError, false},
		{"connection reset always", s3test.Fault{Op: "GET", Key: key, Kind: s3test.Reset}, ReasonConnection, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fault := tc.fault
			proxy := s3test.NewProxy(t, srv.URL, &fault)
			t.Setenv("AWS_ENDPOINT_URL_S3", proxy.URL)
			before := len(srv.Gets(t))
			start := time.Now()
			src := open(t, "s3://trail", plan, testConfig)
			got, stats := read(t, "", src)
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %s", d)
			}
			if fault.Times > 0 && proxy.Hits()[0] != fault.Times {
				t.Errorf("the fault fired %d times, want %d", proxy.Hits()[0], fault.Times)
			}
			st := src.Stats()
			if tc.reason == "" {
				if got != clean || len(stats.Errors) > 0 || st.Fetched != planned || st.Failed != 0 {
					t.Errorf("a passing fault changed the result: stats %+v %+v\n%s", stats, st, got)
				}
			} else {
				prefix := "error read " + url + ": " + tc.reason + ": "
				if !strings.Contains(got, prefix) || stats.Errors[tc.reason] != 1 || len(stats.Errors) != 1 {
					t.Errorf("want one %q error naming the object; errors %v\n%s", tc.reason, stats.Errors, got)
				}
				if st.Fetched != planned-1 || st.Failed != 1 {
					t.Errorf("fetched %d, failed %d: want %d and 1", st.Fetched, st.Failed, planned-1)
				}
				if stats.Records < cleanStats.Records-3 {
					t.Errorf("the other objects were not all read: %d records\n%s", stats.Records, got)
				}
				for line := range strings.Lines(got) {
					if strings.HasPrefix(line, "error") {
						t.Logf("%s", strings.TrimSpace(line))
					}
				}
			}
			ranged := 0
			for _, k := range srv.Gets(t)[before:] {
				if k == key {
					ranged++
				}
			}
			if tc.ranged && ranged < 2 || !tc.ranged && tc.reason == "" && ranged != 1 {
				t.Errorf("%d GETs of the object reached the server (ranged resume expected: %v)", ranged, tc.ranged)
			}
		})
	}
}

// An object deleted between the listing and its GET: no_such_key, naming it.
func TestDeletedBetweenListAndGet(t *testing.T) {
	srv, _ := serve(t, orgTrail(t))
	const key = "exports/console-export.json"
	src := open(t, "s3://trail", loader.Plan{}, testConfig)
	if _, err := s3test.Client(srv.URL).DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String("trail"), Key: aws.String(key)}); err != nil {
		t.Fatal(err)
	}
	got, stats := read(t, "", src)
	want := "error read s3://trail/" + key + ": no_such_key: GetObject: HTTP 404 NoSuchKey: "
	if !strings.Contains(got, want) || stats.Errors[ReasonNoSuchKey] != 1 {
		t.Errorf("want %q in\n%s", want, got)
	}
	if st := src.Stats(); st.Failed != 1 || st.Fetched != st.Planned-1 {
		t.Errorf("stats %+v", st)
	}
}

// Ctrl-C while a GET hangs: the read stops at once, as canceled.
func TestCancelDuringGet(t *testing.T) {
	srv, _ := serve(t, orgTrail(t))
	fault := s3test.Fault{Op: "GET", Kind: s3test.Stall}
	proxy := s3test.NewProxy(t, srv.URL, &fault)
	t.Setenv("AWS_ENDPOINT_URL_S3", proxy.URL)
	cfg := testConfig
	cfg.Timeout = time.Minute
	src := open(t, "s3://trail/exports/", loader.Plan{}, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	r := loader.New(loader.Config{})
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	var errs []string
	for in := range src.List(ctx, nil) {
		for _, err := range r.Scan(ctx, r.Open(ctx, in)) {
			if err != nil {
				errs = append(errs, err.Error())
			}
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s after Ctrl-C", d)
	}
	if len(errs) != 1 || !strings.Contains(errs[0], ": canceled: ") {
		t.Errorf("errors %q: want one canceled", errs)
	}
}
