package integrity

import (
	"bytes"
	"context"
	"errors"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trailhunt/trailhunt/integrity/integritytest"
	"github.com/trailhunt/trailhunt/internal/goldenfile"
)

var (
	start    = time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC)
	accounts = []string{"111122223333", "444455556666"}
	regions  = []string{"us-east-1", "eu-west-1"}
)

// spec is the tree every scenario starts from: a multi-region trail of two
// accounts, four hours of digests, two log files an hour, filled with the
// real Stratus Red Team events.
func spec(t *testing.T) integritytest.Spec {
	return integritytest.Spec{
		Bucket: "aws-cloudtrail-logs-111122223333-3f1c2e", Prefix: "trail", Trail: "management-events", HomeRegion: "us-east-1",
		Accounts: accounts, Regions: regions, Start: start, Hours: 4, FilesPerHour: 2,
		Records: integritytest.Records(t, "../fixtures/stratus-red-team/records.json"),
	}
}

// validKeys is a key file holding both regions' keys, valid around the tree.
func validKeys(t *testing.T, tr *integritytest.Tree) []string {
	return []string{tr.KeyFile(t, "keys.json", false,
		integritytest.KeySpec{Region: "us-east-1", Start: start.AddDate(0, 0, -15), End: start.AddDate(0, 0, 15)},
		integritytest.KeySpec{Region: "eu-west-1", Start: start.AddDate(0, 0, -15), End: start.AddDate(0, 0, 15)})}
}

func place(account, region string, hour int) integritytest.Place {
	return integritytest.Place{Account: account, Region: region, Hour: hour}
}

func remove(t *testing.T, file string) {
	t.Helper()
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyScenarios: each verdict class on a tree built as CloudTrail
// delivers it, then damaged one way; the whole report is a golden file.
func TestVerifyScenarios(t *testing.T) {
	tests := []struct {
		name   string
		spec   func(*integritytest.Spec)
		mutate func(t *testing.T, tr *integritytest.Tree)
		keys   func(t *testing.T, tr *integritytest.Tree) []string
		cfg    func(*Config)
		ok     bool
		json   bool
	}{
		{name: "untouched", ok: true, json: true},
		{name: "log modified", mutate: func(t *testing.T, tr *integritytest.Tree) {
			// An event's source address changed, the file gzip'd again.
			integritytest.Rewrite(t, tr.Logs[place("111122223333", "us-east-1", 1)][0], func(b []byte) []byte {
				return bytes.Replace(b, []byte(`"sourceIPAddress":"`), []byte(`"sourceIPAddress":"10.0.0.1`), 1)
			})
		}},
		{name: "log deleted", mutate: func(t *testing.T, tr *integritytest.Tree) {
			remove(t, tr.Logs[place("444455556666", "eu-west-1", 2)][1])
		}},
		{name: "extra file", mutate: func(t *testing.T, tr *integritytest.Tree) {
			// A file planted beside the real ones, named as CloudTrail names them.
			real := tr.Logs[place("111122223333", "eu-west-1", 0)][0]
			planted := filepath.Join(filepath.Dir(real), "111122223333_CloudTrail_eu-west-1_20240801T0030Z_aaaaaaaaaaaaaaaa.json.gz")
			if err := os.WriteFile(planted, integritytest.Gzip(t, []byte(`{"Records":[]}`)), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "digest removed", mutate: func(t *testing.T, tr *integritytest.Tree) {
			d := tr.Digests[place("444455556666", "us-east-1", 1)]
			remove(t, d)
			remove(t, d+SidecarSuffix)
		}},
		{name: "digest without signature", mutate: func(t *testing.T, tr *integritytest.Tree) {
			remove(t, tr.Digests[place("111122223333", "us-east-1", 2)]+SidecarSuffix)
		}},
		{name: "key not in the key file", keys: func(t *testing.T, tr *integritytest.Tree) []string {
			return []string{tr.KeyFile(t, "us-east-1.json", true,
				integritytest.KeySpec{Region: "us-east-1", Start: start.AddDate(0, 0, -15), End: start.AddDate(0, 0, 15)})}
		}},
		{name: "no key file", keys: func(*testing.T, *integritytest.Tree) []string { return nil }},
		{name: "tampered digest", mutate: func(t *testing.T, tr *integritytest.Tree) {
			// The attacker edits a log file and the digest's entry for it,
			// keeping the digest's signature: the signature fails, and the
			// next digest's link no longer matches.
			log := tr.Logs[place("444455556666", "eu-west-1", 1)][0]
			before := integritytest.Gunzip(t, log)
			integritytest.Rewrite(t, log, func(b []byte) []byte { return bytes.Replace(b, []byte(`"eventName":"`), []byte(`"eventName":"X`), 1) })
			integritytest.Rewrite(t, tr.Digests[place("444455556666", "eu-west-1", 1)], func(b []byte) []byte {
				return bytes.Replace(b, []byte(sha(before)), []byte(sha(integritytest.Gunzip(t, log))), 1)
			})
		}},
		{name: "key outside its validity", keys: func(t *testing.T, tr *integritytest.Tree) []string {
			return []string{tr.KeyFile(t, "keys.json", false,
				integritytest.KeySpec{Region: "us-east-1", Start: start.AddDate(0, 0, -15), End: start.AddDate(0, 0, 15)},
				integritytest.KeySpec{Region: "eu-west-1", Start: start.AddDate(0, 0, -45), End: start.Add(2 * time.Hour)})}
		}},
		{name: "chain restarted", spec: func(s *integritytest.Spec) { s.RestartAt = 2 }},
		{name: "digest moved", mutate: func(t *testing.T, tr *integritytest.Tree) {
			// A valid digest of another hour copied over this one, with its
			// signature: it says where CloudTrail put it.
			from, to := tr.Digests[place("111122223333", "eu-west-1", 0)], tr.Digests[place("111122223333", "eu-west-1", 3)]
			for _, suffix := range []string{"", SidecarSuffix} {
				b, err := os.ReadFile(from + suffix)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(to+suffix, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{name: "damaged files", mutate: func(t *testing.T, tr *integritytest.Tree) {
			// A log file cut short, a digest that is not gzip.
			log := tr.Logs[place("111122223333", "us-east-1", 3)][1]
			b, err := os.ReadFile(log)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(log, b[:len(b)/2], 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(tr.Digests[place("444455556666", "us-east-1", 3)], []byte("not a digest"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "log stored decompressed", ok: true, mutate: func(t *testing.T, tr *integritytest.Tree) {
			// A copy someone gunzipped: the hash is of the content, so it holds.
			log := tr.Logs[place("444455556666", "us-east-1", 0)][0]
			if err := os.WriteFile(log, integritytest.Gunzip(t, log), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "organisation trail", ok: true, spec: func(s *integritytest.Spec) { s.Org = "o-aa111bb222"; s.Prefix = "" }},
		{name: "window", ok: true, cfg: func(c *Config) {
			// Events of 01:30 to 02:00: log files delivered from 01:30 to
			// 03:00, the digests ending from 01:30 to 05:00.
			c.Since, c.Until = start.Add(90*time.Minute), start.Add(2*time.Hour)
		}, mutate: func(t *testing.T, tr *integritytest.Tree) {
			// Outside the window: not verified, not reported.
			remove(t, tr.Digests[place("111122223333", "us-east-1", 0)])
			remove(t, tr.Logs[place("444455556666", "eu-west-1", 0)][0])
		}},
		{name: "window with a missing digest at its start", cfg: func(c *Config) { c.Since = start.Add(90 * time.Minute) }, mutate: func(t *testing.T, tr *integritytest.Tree) {
			remove(t, tr.Digests[place("111122223333", "us-east-1", 1)])
		}},
		{name: "backfill digest", ok: true, mutate: func(t *testing.T, tr *integritytest.Tree) {
			// A file of 02:50 delivered after its digest, listed by a
			// backfill digest: valid, and the chain unaffected.
			tr.Backfill(t, "111122223333", "us-east-1", start.Add(2*time.Hour+50*time.Minute), start.Add(5*time.Hour+30*time.Minute))
		}},
		{name: "backfill digest without its log file", mutate: func(t *testing.T, tr *integritytest.Tree) {
			log, _ := tr.Backfill(t, "111122223333", "us-east-1", start.Add(2*time.Hour+50*time.Minute), start.Add(5*time.Hour+30*time.Minute))
			remove(t, log)
		}},
		{name: "accounts and regions", ok: true, cfg: func(c *Config) { c.Accounts, c.Regions = []string{"444455556666"}, []string{"eu-west-1"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := spec(t)
			if tt.spec != nil {
				tt.spec(&s)
			}
			tr := integritytest.Build(t, s)
			if tt.mutate != nil {
				tt.mutate(t, tr)
			}
			keyFiles := validKeys(t, tr)
			if tt.keys != nil {
				keyFiles = tt.keys(t, tr)
			}
			keys, err := LoadKeys(keyFiles)
			if err != nil {
				t.Fatal(err)
			}
			cfg := Config{Keys: keys, Workers: 3}
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			rep, err := Verify(context.Background(), Dir{}, []string{tr.Root}, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() != tt.ok {
				t.Errorf("OK() = %v, want %v", rep.OK(), tt.ok)
			}
			var text bytes.Buffer
			if err := WriteTable(&text, rep); err != nil {
				t.Fatal(err)
			}
			name := strings.ReplaceAll(tt.name, " ", "_")
			golden(t, tr, name+".txt", text.String())
			if tt.json {
				var doc bytes.Buffer
				if err := WriteJSON(&doc, rep); err != nil {
					t.Fatal(err)
				}
				golden(t, tr, name+".json", doc.String())
			}
			// Every file's verdict is what the run will see.
			for _, f := range rep.Files {
				if got := rep.Verdict(f.Name); got != f.Status {
					t.Errorf("Verdict(%s) = %s, want %s", f.Name, got, f.Status)
				}
			}
		})
	}
}

// golden compares a report with testdata/NAME, the tree's root and the keys'
// fingerprints replaced by placeholders.
func golden(t *testing.T, tr *integritytest.Tree, name, got string) {
	t.Helper()
	got = strings.ReplaceAll(got, tr.Root, "$ROOT")
	for fp, placeholder := range tr.Fingerprints() {
		got = strings.ReplaceAll(got, fp, placeholder)
	}
	goldenfile.Check(t, filepath.Join("testdata", name), []byte(got))
}

// TestVerifyRoots: a root that cannot be listed stops verification (a
// *RootError: the command exits 2); a tree without CloudTrail files is
// "nothing to verify", never a success.
func TestVerifyRoots(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(file, []byte("not CloudTrail"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, root, want string }{
		{"missing", filepath.Join(dir, "gone"), "verify " + filepath.Join(dir, "gone") + ": stat " + filepath.Join(dir, "gone") + ": no such file or directory"},
		{"a file", file, "verify " + file + ": " + file + ": not a directory: verify reads a tree holding AWSLogs/"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Verify(context.Background(), Dir{}, []string{tt.root}, Config{})
			var re *RootError
			if !errors.As(err, &re) || err.Error() != tt.want {
				t.Errorf("got %v, want %q (a *RootError)", err, tt.want)
			}
		})
	}
	rep, err := Verify(context.Background(), Dir{}, []string{dir}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || rep.Outside != 1 || rep.Verdict1() != "FAILED: nothing to verify: no CloudTrail log or digest file in scope" {
		t.Errorf("a tree without CloudTrail: OK %v, outside %d, %q", rep.OK(), rep.Outside, rep.Verdict1())
	}
	if got := rep.Verdict(file); got != NotVerified {
		t.Errorf("Verdict of a file outside the layout: %s", got)
	}
}

// TestVerifyWorkersAgree: the report does not depend on the number of
// workers.
func TestVerifyWorkersAgree(t *testing.T) {
	tr := integritytest.Build(t, spec(t))
	remove(t, tr.Logs[place("111122223333", "us-east-1", 1)][0])
	keys, err := LoadKeys(validKeys(t, tr))
	if err != nil {
		t.Fatal(err)
	}
	var first string
	for _, workers := range []int{1, 2, 8} {
		rep, err := Verify(context.Background(), Dir{}, []string{tr.Root}, Config{Keys: keys, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := WriteJSON(&b, rep); err != nil {
			t.Fatal(err)
		}
		if first == "" {
			first = b.String()
		} else if b.String() != first {
			t.Errorf("%d workers:\n%s\nwant\n%s", workers, b.String(), first)
		}
	}
}

// TestVerifyInterrupted: a cancelled verification says so and is not OK.
func TestVerifyInterrupted(t *testing.T) {
	tr := integritytest.Build(t, spec(t))
	keys, err := LoadKeys(validKeys(t, tr))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := Verify(ctx, Dir{}, []string{tr.Root}, Config{Keys: keys})
	if !errors.Is(err, context.Canceled) || rep == nil || !rep.Interrupted || rep.OK() {
		t.Errorf("got %v, report %+v", err, rep)
	}
}

// failingSource is a Dir whose listing of one folder fails.
type failingSource struct {
	Dir
	folder string
}

func (f failingSource) List(ctx context.Context, root string) iter.Seq2[Object, error] {
	return func(yield func(Object, error) bool) {
		failed := false
		for o, err := range f.Dir.List(ctx, root) {
			if err == nil && strings.HasPrefix(o.Name, f.folder+string(filepath.Separator)) {
				if !failed {
					failed = true
					if !yield(Object{}, &ListError{Path: filepath.ToSlash(f.folder), Err: errors.New("open " + f.folder + ": permission denied")}) {
						return
					}
				}
				continue
			}
			if !yield(o, err) {
				return
			}
		}
	}
}

// TestVerifyUnreadableFolder: a folder that cannot be listed leaves the
// report not OK, and says which; the files it holds are not judged.
func TestVerifyUnreadableFolder(t *testing.T) {
	tr := integritytest.Build(t, spec(t))
	keys, err := LoadKeys(validKeys(t, tr))
	if err != nil {
		t.Fatal(err)
	}
	day := filepath.Dir(tr.Logs[place("111122223333", "us-east-1", 0)][0])
	rep, err := Verify(context.Background(), failingSource{folder: day}, []string{tr.Root}, Config{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || len(rep.ListErrors) != 1 || rep.ListErrors[0] != "open "+day+": permission denied" {
		t.Errorf("OK %v, list errors %q", rep.OK(), rep.ListErrors)
	}
	var b bytes.Buffer
	if err := WriteTable(&b, rep); err != nil {
		t.Fatal(err)
	}
	golden(t, tr, "unreadable_folder.txt", b.String())
}

// TestVerifyOverlappingRoots: a tree named twice, or with a folder of it,
// is verified once.
func TestVerifyOverlappingRoots(t *testing.T) {
	tr := integritytest.Build(t, spec(t))
	keys, err := LoadKeys(validKeys(t, tr))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(context.Background(), Dir{}, []string{tr.Root, filepath.Join(tr.Root, "AWSLogs", "111122223333"), tr.Root}, Config{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || len(rep.Files) != 48 {
		t.Errorf("OK %v, %d files, want 48: %s", rep.OK(), len(rep.Files), rep.Verdict1())
	}
}
