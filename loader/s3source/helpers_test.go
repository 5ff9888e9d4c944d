package s3source

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trailhunt/trailhunt/internal/s3test"
	"github.com/trailhunt/trailhunt/loader"
)

// testConfig retries fast and gives up on a silent body within a second.
var testConfig = Config{Attempts: 4, Backoff: time.Millisecond, Timeout: time.Second, Concurrency: 8}

// trail is a CloudTrail tree in memory: key -> content.
type trail map[string][]byte

// orgTrail is an organisation trail's tree: two accounts, two regions,
// three days, two deliveries a day; digest and Insights files beside them;
// and a file off the layout.
func orgTrail(t testing.TB) trail {
	tr := trail{}
	n := 0
	for _, acct := range []string{"111122223333", "444455556666"} {
		root := "AWSLogs/o-aa11bb22cc/" + acct + "/"
		for _, region := range []string{"us-east-1", "eu-west-1"} {
			for _, day := range []int{1, 2, 3} {
				for _, hm := range []string{"0010", "1810"} {
					name := fmt.Sprintf("%sCloudTrail/%s/2024/08/%02d/%s_CloudTrail_%s_202408%02dT%sZ_%04d.json.gz", root, region, day, acct, region, day, hm, n)
					tr[name] = gzipped(t, records(n, 3, fmt.Sprintf("2024-08-%02dT%s:%s:00Z", day, hm[:2], hm[2:])))
					n++
				}
			}
		}
		tr[root+"CloudTrail-Digest/us-east-1/2024/08/02/"+acct+"_CloudTrail-Digest_us-east-1_org_us-east-1_20240802T010000Z.json.gz"] =
			gzipped(t, `{"awsAccountId":"`+acct+`","digestStartTime":"2024-08-02T00:00:00Z","logFiles":[]}`)
		tr[root+"CloudTrail-Insight/us-east-1/2024/08/02/"+acct+"_CloudTrail-Insight_us-east-1_20240802T0100Z_i.json.gz"] =
			gzipped(t, records(900, 1, "2024-08-02T01:00:00Z"))
	}
	tr["exports/console-export.json"] = []byte("[" + record(1000, "2024-08-02T09:00:00Z") + "]")
	return tr
}

func record(i int, at string) string {
	return fmt.Sprintf(`{"eventVersion":"1.09","eventTime":%q,"eventName":"E%d","eventID":"id-%d","recipientAccountId":"111122223333"}`, at, i, i)
}

func records(first, n int, at string) string {
	var recs []string
	for i := range n {
		recs = append(recs, record(first*10+i, at))
	}
	return `{"Records":[` + strings.Join(recs, ",") + `]}`
}

func gzipped(t testing.TB, s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// upload puts the tree into a new bucket and also writes it under a local
// directory, for comparison.
func (tr trail) upload(t testing.TB, srv *s3test.Server, bucket string) (dir string) {
	srv.CreateBucket(t, bucket)
	dir = t.TempDir()
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range tr {
			if !yield(k) {
				return
			}
		}
	}) {
		srv.Put(t, bucket, k, tr[k])
		p := filepath.Join(dir, filepath.FromSlash(k))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, tr[k], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// serve starts a server with the tree in bucket "trail" and sets the
// environment for it (or for a proxy's URL, when given later).
func serve(t *testing.T, tr trail) (*s3test.Server, string) {
	srv := s3test.Start(t)
	dir := tr.upload(t, srv, "trail")
	s3test.Env(t, srv.URL)
	return srv, dir
}

// read lists sources with a fresh Reader and reads every input (opened
// ahead, as a sweep does), and renders records and errors one per line,
// with local paths shown as the keys they mirror.
func read(t *testing.T, localDir string, sources ...loader.Source) (string, loader.Stats) {
	t.Helper()
	ctx := context.Background()
	r := loader.New(loader.Config{})
	var b strings.Builder
	for in, err := range r.List(ctx, sources...) {
		if err != nil {
			fmt.Fprintf(&b, "error %v\n", err)
			continue
		}
		in = r.Open(ctx, in)
		for rec, err := range r.Scan(ctx, in) {
			if err != nil {
				fmt.Fprintf(&b, "error %v\n", err)
				continue
			}
			fmt.Fprintf(&b, "%s %s\n", rec.Source, rec.Raw)
		}
	}
	out := b.String()
	if localDir != "" {
		out = strings.ReplaceAll(out, localDir+"/", "s3://trail/")
	}
	return out, r.Stats()
}

func open(t *testing.T, url string, plan loader.Plan, cfg Config) *Source {
	t.Helper()
	c, err := NewClient(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Open(context.Background(), url, plan)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
