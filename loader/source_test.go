package loader

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// planTree is an AWSLogs tree of two accounts (one in an organisation
// trail), two regions and four days, with files named by delivery time, a
// digest and an Insights folder, another service's folder and a folder off
// the layout.
func planTree(t *testing.T) string {
	dir := t.TempDir()
	for _, acct := range []string{"AWSLogs/111122223333", "AWSLogs/o-aa11bb22cc/222233334444"} {
		id := filepath.Base(acct)
		for _, region := range []string{"us-east-1", "eu-west-1"} {
			for _, day := range []string{"01", "02", "03", "04"} {
				for _, hm := range []string{"0005", "2355"} {
					name := fmt.Sprintf("%s/CloudTrail/%s/2024/08/%s/%s_CloudTrail_%s_202408%sT%sZ_x.json.gz", acct, region, day, id, region, day, hm)
					write(t, dir, name, gz(t, wrapper(1)))
				}
			}
		}
		write(t, dir, acct+"/CloudTrail-Digest/us-east-1/2024/08/02/"+id+"_CloudTrail-Digest_us-east-1_t_us-east-1_20240802T010000Z.json.gz",
			gz(t, `{"digestStartTime":"2024-08-02T00:00:00Z","logFiles":[]}`))
		write(t, dir, acct+"/CloudTrail-Insight/us-east-1/2024/08/02/i.json.gz", gz(t, wrapper(1)))
		write(t, dir, acct+"/vpcflowlogs/us-east-1/2024/08/02/flow.log.gz", gz(t, "version account-id\n"))
	}
	write(t, dir, "AWSLogs/111122223333/CloudTrail/us-east-1/exports/manual.json", []byte(wrapper(1)))
	return dir
}

func TestLocalPlan(t *testing.T) {
	dir := planTree(t)
	cases := []struct {
		name string
		plan Plan
	}{
		{"everything", Plan{}},
		{"one_account", Plan{Accounts: []string{"222233334444"}}},
		{"one_region", Plan{Regions: []string{"eu-west-1"}}},
		// 2024-08-02 12:00 to 2024-08-03 00:00 with a 1h margin: the day
		// before since is out (its 23:55 delivery is more than the start
		// margin before since), 08-02's early file too, 08-03's first
		// file is in (delivered within the margin), its last is out.
		{"window", Plan{Since: time.Date(2024, 8, 2, 12, 0, 0, 0, time.UTC), Until: time.Date(2024, 8, 3, 0, 0, 0, 0, time.UTC), DeliveryMargin: time.Hour}},
		{"verifying", Plan{Digests: true, Regions: []string{"us-east-1"}, Accounts: []string{"111122223333"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := New(Config{})
			var b strings.Builder
			for in, err := range r.List(context.Background(), Local{Paths: []string{dir}, Plan: tc.plan}) {
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&b, "input %s\n", strings.TrimPrefix(in.Path, dir+"/"))
			}
			st, _ := json.Marshal(r.Stats())
			fmt.Fprintf(&b, "stats %s\n", st)
			golden(t, b.String())
		})
	}
}

// A named file is left out only by a filter the user set.
func TestLocalPlanNamedFile(t *testing.T) {
	dir := planTree(t)
	flow := filepath.Join(dir, "AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/08/02/flow.log.gz")
	day := filepath.Join(dir, "AWSLogs/111122223333/CloudTrail/us-east-1/2024/08/01/111122223333_CloudTrail_us-east-1_20240801T0005Z_x.json.gz")
	for _, tc := range []struct {
		plan Plan
		path string
		want int
	}{
		{Plan{}, flow, 1},
		{Plan{Regions: []string{"eu-west-1"}}, day, 0},
		{Plan{Regions: []string{"us-east-1"}}, day, 1},
	} {
		n := 0
		for _, err := range New(Config{}).List(context.Background(), Local{Paths: []string{tc.path}, Plan: tc.plan}) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != tc.want {
			t.Errorf("%+v over %s: %d inputs, want %d", tc.plan, tc.path, n, tc.want)
		}
	}
}

// fakeSource serves objects from memory, each body failing as told: the
// contract a remote source (package s3source) keeps with the loader.
type fakeSource struct {
	objects map[string][]byte
	fail    map[string]*FetchError // at Open
	cut     map[string]int         // the body fails with short_body after this many bytes
	opened  int
}

func (f *fakeSource) List(ctx context.Context, skip func(string)) iter.Seq2[Input, error] {
	return func(yield func(Input, error) bool) {
		for _, k := range []string{"a.json.gz", "b.json", "c.json.gz", "d.json"} {
			if _, ok := f.objects[k]; ok && !yield(Input{Path: "mem://" + k, Size: int64(len(f.objects[k])), Walked: true, Source: f}, nil) {
				return
			}
		}
	}
}

func (f *fakeSource) Open(_ context.Context, in Input) (io.ReadCloser, error) {
	f.opened++
	k := strings.TrimPrefix(in.Path, "mem://")
	if e := f.fail[k]; e != nil {
		return nil, e
	}
	var r io.Reader = bytes.NewReader(f.objects[k])
	if n, ok := f.cut[k]; ok {
		r = io.MultiReader(io.LimitReader(r, int64(n)), errReader{&FetchError{Reason: "short_body", Err: errors.New("body ended after 40 of 80 bytes")}})
	}
	return io.NopCloser(r), nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestRemoteSource(t *testing.T) {
	lines := events(3, "\n")
	src := &fakeSource{
		objects: map[string][]byte{"a.json.gz": gz(t, wrapper(2)), "b.json": []byte(lines), "c.json.gz": nil, "d.json": []byte(wrapper(1))},
		fail:    map[string]*FetchError{"c.json.gz": {Reason: "access_denied", Err: errors.New("GetObject: AccessDenied: Access Denied")}},
		cut:     map[string]int{"b.json": len(lines) / 2},
	}
	r := New(Config{})
	var inputs []Input
	for in, err := range r.List(context.Background(), src) {
		if err != nil {
			t.Fatal(err)
		}
		// Opened ahead, as a sweep does; the last one is closed unread.
		inputs = append(inputs, r.Open(context.Background(), in))
	}
	if src.opened != 4 {
		t.Fatalf("opened %d, want 4", src.opened)
	}
	if err := inputs[3].Close(); err != nil {
		t.Fatal(err)
	}
	out := transcript(t, r, "", inputs[:3]...)
	checkAccounting(t, out, r.Stats())
	golden(t, out)
	if src.opened != 4 {
		t.Errorf("Scan opened again: %d opens", src.opened)
	}
}
