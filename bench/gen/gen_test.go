package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var testTemplates = []string{"../../fixtures/stratus-red-team/records.json", "../../fixtures/traildiscover/records.json"}

func generate(t *testing.T, records int, seed uint64, workers int) (string, Manifest) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Records, cfg.Seed, cfg.Workers, cfg.Templates = records, seed, workers, testTemplates
	cfg.Level = gzip.BestSpeed // the race detector makes the default level slow
	cfg.Out = filepath.Join(t.TempDir(), "archive")
	m, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Out, m
}

// digest hashes every file of an archive by path.
func digest(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	err := filepath.WalkDir(filepath.Join(dir, "AWSLogs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = sha256.Sum256(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "expected.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	out["expected.jsonl"] = sha256.Sum256(b)
	return out
}

func TestDeterministic(t *testing.T) {
	a, ma := generate(t, 6000, 7, 1)
	b, mb := generate(t, 6000, 7, 3) // the worker count must not matter
	c, _ := generate(t, 6000, 8, 2)
	da, db, dc := digest(t, a), digest(t, b), digest(t, c)
	if len(da) < 3 { // 6000 records: 3 files or more
		t.Fatalf("only %d files", len(da))
	}
	for k, v := range da {
		if db[k] != v {
			t.Errorf("seed 7 twice: %s differs", k)
		}
	}
	if len(da) != len(db) {
		t.Errorf("seed 7 twice: %d files, then %d", len(da), len(db))
	}
	ma.GenerateSeconds, mb.GenerateSeconds = 0, 0
	ja, _ := json.Marshal(ma)
	jb, _ := json.Marshal(mb)
	if !bytes.Equal(ja, jb) {
		t.Errorf("manifests differ:\n%s\n%s", ja, jb)
	}
	same := 0
	for k, v := range da {
		if dc[k] == v {
			same++
		}
	}
	if same == len(da) {
		t.Error("seeds 7 and 8 gave the same archive")
	}
}

var layout = regexp.MustCompile(`^AWSLogs/(\d{12})/CloudTrail/([a-z0-9-]+)/(\d{4})/(\d{2})/(\d{2})/(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{8})T\d{4}Z_[0-9A-Za-z]{16}\.json\.gz$`)

// TestArchive reads every record back and checks the layout, the sizes, the
// share of CreateAccessKey calls, and that the expected findings are exactly
// those of an independent implementation of the detection's rules.
func TestArchive(t *testing.T) {
	const n = 12000
	dir, m := generate(t, n, 3, 0)
	var records, cak int64
	var decompressed int64
	var got []string
	ids := map[string]bool{}
	err := filepath.WalkDir(filepath.Join(dir, "AWSLogs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		parts := layout.FindStringSubmatch(filepath.ToSlash(rel))
		if parts == nil || parts[1] != parts[6] || parts[2] != parts[7] || parts[3]+parts[4]+parts[5] != parts[8] {
			t.Errorf("not the AWSLogs layout: %s", rel)
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		zr, err := gzip.NewReader(bufio.NewReader(f))
		if err != nil {
			return err
		}
		var raw bytes.Buffer
		if _, err := raw.ReadFrom(zr); err != nil {
			return err
		}
		decompressed += int64(raw.Len())
		// Decode what every record must have; the whole record only for
		// CreateAccessKey calls (decoding all into maps is slow with -race).
		var doc struct{ Records []json.RawMessage }
		if err := json.Unmarshal(raw.Bytes(), &doc); err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		if k := len(doc.Records); k > 3000 {
			t.Errorf("%s: %d records", rel, k)
		}
		for _, rec := range doc.Records {
			records++
			var head struct{ EventID, EventName, AwsRegion, RecipientAccountId string }
			if err := json.Unmarshal(rec, &head); err != nil {
				t.Fatal(err)
			}
			if ids[head.EventID] || head.EventID == "" {
				t.Errorf("duplicate or missing eventID %q", head.EventID)
			}
			ids[head.EventID] = true
			if head.AwsRegion != parts[2] || head.RecipientAccountId != parts[1] {
				t.Errorf("%s: record of %v/%v", rel, head.RecipientAccountId, head.AwsRegion)
			}
			if head.EventName != "CreateAccessKey" {
				continue // the oracle's first rule
			}
			cak++
			var r map[string]any
			if err := json.Unmarshal(rec, &r); err != nil {
				t.Fatal(err)
			}
			if f, ok := oracle(r); ok {
				b, err := json.Marshal(f)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, string(b))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if records != n || m.Records != n {
		t.Errorf("read %d records, manifest says %d, want %d", records, m.Records, n)
	}
	if decompressed != m.DecompressedBytes {
		t.Errorf("decompressed %d bytes, manifest says %d", decompressed, m.DecompressedBytes)
	}
	if mean := float64(decompressed) / float64(records); mean < 1300 || mean > 2000 {
		t.Errorf("mean record size %.0f bytes, want about 1.6 KB", mean)
	}
	if share := float64(cak) / float64(records); share < 0.008 || share > 0.012 || cak != m.CreateAccessKey {
		t.Errorf("%d CreateAccessKey (%.2f%%), manifest says %d", cak, 100*share, m.CreateAccessKey)
	}

	b, err := os.ReadFile(filepath.Join(dir, m.ExpectedFile))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for line := range strings.Lines(string(b)) {
		var v map[string]any // normalise key order for comparison
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatal(err)
		}
		delete(v, "detection")
		j, _ := json.Marshal(v)
		want = append(want, string(j))
	}
	slices.Sort(got)
	slices.Sort(want)
	if int64(len(want)) != m.ExpectedFindings || !slices.Equal(got, want) {
		t.Errorf("oracle finds %d findings, expected.jsonl has %d, manifest says %d", len(got), len(want), m.ExpectedFindings)
		for i := range min(len(got), len(want), 3) {
			if got[i] != want[i] {
				t.Errorf("first difference:\noracle:   %s\nexpected: %s", got[i], want[i])
				break
			}
		}
	}
	var pos, neg int64
	for k, v := range m.Classes {
		if strings.HasPrefix(k, "pos_") {
			pos += v
		} else {
			neg += v
		}
	}
	if pos != m.ExpectedFindings || pos+neg != m.CreateAccessKey || neg == 0 {
		t.Errorf("classes %v do not add up to %d findings of %d calls", m.Classes, m.ExpectedFindings, m.CreateAccessKey)
	}
	for _, c := range cakClasses {
		if m.Classes[c.name] == 0 {
			t.Errorf("no record of class %s", c.name)
		}
	}
}

// oracle is aws_createaccesskey's rule written again in Go, independently of
// the generator: the finding a record must produce, if any.
func oracle(r map[string]any) (map[string]any, bool) {
	str := func(path ...string) any {
		var v any = r
		for _, k := range path {
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		}
		if s, ok := v.(string); ok {
			return s
		}
		return nil
	}
	if r["eventName"] != "CreateAccessKey" || r["eventSource"] != "iam.amazonaws.com" {
		return nil, false
	}
	if ec := str("errorCode"); ec != nil && ec != "success" {
		return nil, false
	}
	if ua, ok := str("userAgent").(string); ok && strings.ToLower(ua) == "console.amazonaws.com" {
		return nil, false
	}
	target, ok := str("requestParameters", "userName").(string)
	if !ok || target == "" {
		return nil, false
	}
	if name, ok := str("userIdentity", "userName").(string); ok && str("userIdentity", "type") == "IAMUser" && strings.EqualFold(name, target) {
		return nil, false
	}
	account := str("userIdentity", "accountId")
	if t := str("userIdentity", "type"); t == "AWSAccount" || t == "AWSService" || account == nil {
		account = str("recipientAccountId")
	}
	arn := str("userIdentity", "arn")
	if arn == nil {
		arn = str("requestParameters", "roleArn")
	}
	return map[string]any{
		"requestParameters.userName": target,
		"src":                        str("sourceIPAddress"),
		"eventName":                  "CreateAccessKey",
		"eventSource":                "iam.amazonaws.com",
		"aws_account_id":             account,
		"errorCode":                  "success",
		"userAgent":                  str("userAgent"),
		"eventID":                    str("eventID"),
		"awsRegion":                  str("awsRegion"),
		"userIdentity.principalId":   str("userIdentity", "principalId"),
		"user_arn":                   arn,
	}, true
}
