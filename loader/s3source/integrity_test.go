package s3source

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trailhunt/trailhunt/integrity"
	"github.com/trailhunt/trailhunt/integrity/integritytest"
	"github.com/trailhunt/trailhunt/internal/s3test"
)

var verifyStart = time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC)

// verdicts renders a report's files and gaps without their names (a local
// path or an s3:// URL): one line each, sorted as the report is.
func verdicts(rep *integrity.Report) string {
	var b strings.Builder
	for _, f := range rep.Files {
		fmt.Fprintf(&b, "%s %s %s %s\n", f.Status, f.Kind, f.Key, f.Digest)
	}
	for _, g := range rep.Gaps {
		fmt.Fprintf(&b, "gap %s %s\n", g.Kind, g.Digest)
	}
	return b.String()
}

// The same verdicts from the bucket as from the local copy it was uploaded
// from, the signatures from the objects' metadata rather than sidecars;
// every object named s3://bucket/key, as a run names its records' files.
func TestVerifySameAsLocal(t *testing.T) {
	srv := s3test.Start(t)
	s3test.Env(t, srv.URL)
	records := integritytest.Records(t, "../../fixtures/stratus-red-team/records.json")
	tests := []struct {
		name   string
		mutate func(t *testing.T, tr *integritytest.Tree)
		want   string // the verdict of the file mutate touched ("" untouched)
		file   func(tr *integritytest.Tree) string
	}{
		{name: "untouched"},
		{name: "modified", want: "modified",
			file: func(tr *integritytest.Tree) string {
				return tr.Logs[integritytest.Place{Account: "111122223333", Region: "eu-west-1", Hour: 1}][0]
			},
			mutate: func(t *testing.T, tr *integritytest.Tree) {
				integritytest.Rewrite(t, tr.Logs[integritytest.Place{Account: "111122223333", Region: "eu-west-1", Hour: 1}][0], func(b []byte) []byte {
					return bytes.Replace(b, []byte(`"sourceIPAddress":"`), []byte(`"sourceIPAddress":"10.0.0.1`), 1)
				})
			}},
		{name: "nosig", want: "unverifiable",
			file: func(tr *integritytest.Tree) string {
				return tr.Digests[integritytest.Place{Account: "111122223333", Region: "us-east-1", Hour: 2}]
			},
			mutate: func(t *testing.T, tr *integritytest.Tree) {
				if err := os.Remove(tr.Digests[integritytest.Place{Account: "111122223333", Region: "us-east-1", Hour: 2}] + integrity.SidecarSuffix); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "deleted", want: "missing",
			file: func(tr *integritytest.Tree) string {
				return tr.Logs[integritytest.Place{Account: "111122223333", Region: "us-east-1", Hour: 0}][1]
			},
			mutate: func(t *testing.T, tr *integritytest.Tree) {
				if err := os.Remove(tr.Logs[integritytest.Place{Account: "111122223333", Region: "us-east-1", Hour: 0}][1]); err != nil {
					t.Fatal(err)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bucket := "trail-" + tc.name
			tr := integritytest.Build(t, integritytest.Spec{
				Bucket: bucket, Prefix: "org", Trail: "management-events", HomeRegion: "us-east-1",
				Accounts: []string{"111122223333"}, Regions: []string{"us-east-1", "eu-west-1"},
				Start: verifyStart, Hours: 3, FilesPerHour: 2, Records: records,
			})
			keyFile := tr.KeyFile(t, "keys.json", false,
				integritytest.KeySpec{Region: "us-east-1", Start: verifyStart.AddDate(0, 0, -15), End: verifyStart.AddDate(0, 0, 15)},
				integritytest.KeySpec{Region: "eu-west-1", Start: verifyStart.AddDate(0, 0, -15), End: verifyStart.AddDate(0, 0, 15)})
			keys, err := integrity.LoadKeys([]string{keyFile})
			if err != nil {
				t.Fatal(err)
			}
			var touched string
			if tc.mutate != nil {
				touched = tc.file(tr)
				tc.mutate(t, tr)
			}
			srv.CreateBucket(t, bucket)
			srv.UploadSigned(t, bucket, "org/", tr.Root)

			cfg := integrity.Config{Keys: keys, Workers: 2}
			local, err := integrity.Verify(context.Background(), integrity.Dir{}, []string{tr.Root}, cfg)
			if err != nil {
				t.Fatal(err)
			}
			client, err := NewClient(context.Background(), testConfig)
			if err != nil {
				t.Fatal(err)
			}
			url := "s3://" + bucket + "/org"
			remote, err := integrity.Verify(context.Background(), &Integrity{Client: client}, []string{url}, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := verdicts(remote), verdicts(local); got != want {
				t.Errorf("verdicts from S3 differ from the local copy's\n--- S3\n%s--- local\n%s", got, want)
			}
			if len(remote.Files) == 0 {
				t.Fatal("nothing verified")
			}
			// Names are the loader's: s3://bucket/key.
			rel, _ := filepath.Rel(tr.Root, touched)
			name := url + "/" + filepath.ToSlash(rel)
			for _, f := range remote.Files {
				if !strings.HasPrefix(f.Name, url+"/AWSLogs/") {
					t.Errorf("file named %q, want s3://%s/org/AWSLogs/...", f.Name, bucket)
				}
				switch {
				case tc.mutate != nil && f.Name == name:
					if string(f.Status) != tc.want {
						t.Errorf("%s: %s (%s), want %s", f.Name, f.Status, f.Reason, tc.want)
					}
				case f.Status != integrity.Valid && tc.want != "unverifiable":
					t.Errorf("%s: %s (%s), want valid", f.Name, f.Status, f.Reason)
				}
			}
			if tc.mutate == nil && !remote.OK() {
				t.Errorf("untouched tree did not verify: %s", verdicts(remote))
			}
			if tc.mutate != nil && string(remote.Verdict(name)) != tc.want {
				t.Errorf("Verdict(%s) = %q, want %q", name, remote.Verdict(name), tc.want)
			}
		})
	}
}

// A bucket that does not exist is a RootError: nothing verified.
func TestVerifyNoSuchBucket(t *testing.T) {
	srv := s3test.Start(t)
	s3test.Env(t, srv.URL)
	client, err := NewClient(context.Background(), testConfig)
	if err != nil {
		t.Fatal(err)
	}
	_, err = integrity.Verify(context.Background(), &Integrity{Client: client}, []string{"s3://no-such-bucket"}, integrity.Config{})
	var re *integrity.RootError
	if !asRootError(err, &re) || re.Root != "s3://no-such-bucket" || !strings.Contains(re.Error(), "bucket does not exist") {
		t.Fatalf("err = %v, want a RootError saying the bucket does not exist", err)
	}
}

func asRootError(err error, re **integrity.RootError) bool {
	r, ok := err.(*integrity.RootError)
	*re = r
	return ok
}
