// Package integritytest builds local AWSLogs trees as CloudTrail delivers
// them, with log files, digests chained hour by hour and signed with RSA
// keys the tests generate, the signature sidecars of a local copy, and key
// files as `aws cloudtrail list-public-keys` writes them.
//
// It follows AWS's documentation (digest file structure; custom
// implementation of log file integrity validation), not package integrity:
// the signing string is built here on its own, so a mistake in one is not
// repeated in the other.
package integritytest

import (
	"bytes"
	"compress/gzip"
	"crypto"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Spec describes a tree: every account and region gets Hours digests, each
// listing FilesPerHour log files, filled with Records in turn.
type Spec struct {
	Bucket     string // the trail's bucket
	Prefix     string // its key prefix ("" for none); the local root holds what is under it
	Org        string // "o-..." for an organisation trail
	Trail      string
	HomeRegion string
	Accounts   []string
	Regions    []string
	// Start is when the first digest's span starts; digest k ends at
	// Start + (k+1) hours + the chain's offset (a few minutes, per account
	// and region, as real chains are not on the hour).
	Start        time.Time
	Hours        int
	FilesPerHour int
	Records      []map[string]json.RawMessage
	// RestartAt, when > 0, makes the digest of that hour start a new chain
	// (null previous fields), as after StopLogging and StartLogging.
	RestartAt int
}

// Tree is a built tree.
type Tree struct {
	Spec Spec
	Root string
	// Logs and Digests are the paths of the files, by account, region and
	// hour (Logs also by file within the hour).
	Logs    map[Place][]string
	Digests map[Place]string
	keys    map[string]*rsa.PrivateKey
}

// Place is an hour of one account and region.
type Place struct {
	Account, Region string
	Hour            int
}

var (
	keyMu sync.Mutex
	keys  = map[string]*rsa.PrivateKey{}
)

// Key returns the test's RSA key for a region (2048 bits, generated once
// per test binary: CloudTrail signs with one key per region).
func Key(t testing.TB, region string) *rsa.PrivateKey {
	t.Helper()
	keyMu.Lock()
	defer keyMu.Unlock()
	if k := keys[region]; k != nil {
		return k
	}
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keys[region] = k
	return k
}

// Fingerprint is CloudTrail's fingerprint of a public key: the hex MD5 of
// its PKCS#1 DER bytes (as list-public-keys' Fingerprint of its Value).
func Fingerprint(pub *rsa.PublicKey) string {
	sum := md5.Sum(x509.MarshalPKCS1PublicKey(pub))
	return hex.EncodeToString(sum[:])
}

// Records reads the Records of a CloudTrail file (fixtures/.../records.json).
func Records(t testing.TB, file string) []map[string]json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Records []map[string]json.RawMessage }
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Records
}

// Build writes the tree under a new temporary directory.
func Build(t testing.TB, s Spec) *Tree {
	t.Helper()
	tr := &Tree{Spec: s, Root: t.TempDir(), Logs: map[Place][]string{}, Digests: map[Place]string{}, keys: map[string]*rsa.PrivateKey{}}
	for _, r := range s.Regions {
		tr.keys[r] = Key(t, r)
	}
	files := len(s.Accounts) * len(s.Regions) * s.Hours * s.FilesPerHour
	n := 0
	for ai, account := range s.Accounts {
		for ri, region := range s.Regions {
			offset := time.Duration(7*ai+13*ri+5)*time.Minute + time.Duration(11*ai+17*ri+3)*time.Second
			var prev *signed
			for h := range s.Hours {
				start := s.Start.Add(time.Duration(h)*time.Hour + offset)
				end := start.Add(time.Hour)
				var entries []logEntry
				for f := range s.FilesPerHour {
					delivered := start.Add(time.Duration(10+30*f) * time.Minute)
					recs := s.Records[n*len(s.Records)/files : (n+1)*len(s.Records)/files]
					n++
					p, e := tr.writeLog(t, account, region, delivered, recs)
					tr.Logs[Place{account, region, h}] = append(tr.Logs[Place{account, region, h}], p)
					entries = append(entries, e)
				}
				digestStart := start
				if h == s.RestartAt && h > 0 {
					// Logging resumed 20 minutes into the hour: a new chain.
					prev, digestStart = nil, start.Add(20*time.Minute)
				}
				prev = tr.writeDigest(t, account, region, digestStart, end, entries, prev, "")
				tr.Digests[Place{account, region, h}] = prev.path
			}
		}
	}
	return tr
}

// awsLogs is the key of an account's folder, from AWSLogs/ on.
func (tr *Tree) awsLogs(account string) string {
	if tr.Spec.Org != "" {
		return "AWSLogs/" + tr.Spec.Org + "/" + account
	}
	return "AWSLogs/" + account
}

// s3Key is the object key of a key from AWSLogs/ on.
func (tr *Tree) s3Key(key string) string {
	if tr.Spec.Prefix == "" {
		return key
	}
	return tr.Spec.Prefix + "/" + key
}

type logEntry struct {
	S3Bucket        string `json:"s3Bucket"`
	S3Object        string `json:"s3Object"`
	HashValue       string `json:"hashValue"`
	HashAlgorithm   string `json:"hashAlgorithm"`
	NewestEventTime string `json:"newestEventTime"`
	OldestEventTime string `json:"oldestEventTime"`
}

// writeLog writes one log file: the records as this account and region's
// events, a few minutes before delivery, gzip'd as {"Records":[...]}.
func (tr *Tree) writeLog(t testing.TB, account, region string, delivered time.Time, recs []map[string]json.RawMessage) (string, logEntry) {
	t.Helper()
	var events []json.RawMessage
	var oldest, newest time.Time
	for i, r := range recs {
		at := delivered.Add(-time.Duration(len(recs)-i) * 17 * time.Second).Add(-3 * time.Minute)
		ev := map[string]json.RawMessage{}
		for k, v := range r {
			ev[k] = v
		}
		ev["recipientAccountId"], _ = json.Marshal(account)
		ev["awsRegion"], _ = json.Marshal(region)
		ev["eventTime"], _ = json.Marshal(at.Format(time.RFC3339))
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, b)
		if oldest.IsZero() {
			oldest = at
		}
		newest = at
	}
	content, err := json.Marshal(map[string][]json.RawMessage{"Records": events})
	if err != nil {
		t.Fatal(err)
	}
	idSum := md5.Sum(fmt.Appendf(nil, "%s %s %s", account, region, delivered))
	id := hex.EncodeToString(idSum[:])[:16]
	key := path.Join(tr.awsLogs(account), "CloudTrail", region, delivered.Format("2006/01/02"),
		fmt.Sprintf("%s_CloudTrail_%s_%s_%s.json.gz", account, region, delivered.Format("20060102T1504Z"), id))
	p := tr.write(t, key, Gzip(t, content))
	sum := sha256.Sum256(content) // CloudTrail hashes the decompressed content
	return p, logEntry{S3Bucket: tr.Spec.Bucket, S3Object: tr.s3Key(key), HashValue: hex.EncodeToString(sum[:]), HashAlgorithm: "SHA-256",
		NewestEventTime: newest.Format(time.RFC3339), OldestEventTime: oldest.Format(time.RFC3339)}
}

// digestDoc is a digest file, its fields in the order of AWS's sample.
type digestDoc struct {
	AWSAccountID                string     `json:"awsAccountId"`
	DigestStartTime             string     `json:"digestStartTime"`
	DigestEndTime               string     `json:"digestEndTime"`
	DigestS3Bucket              string     `json:"digestS3Bucket"`
	DigestS3Object              string     `json:"digestS3Object"`
	DigestPublicKeyFingerprint  string     `json:"digestPublicKeyFingerprint"`
	DigestSignatureAlgorithm    string     `json:"digestSignatureAlgorithm"`
	NewestEventTime             *string    `json:"newestEventTime"`
	OldestEventTime             *string    `json:"oldestEventTime"`
	PreviousDigestS3Bucket      *string    `json:"previousDigestS3Bucket"`
	PreviousDigestS3Object      *string    `json:"previousDigestS3Object"`
	PreviousDigestHashValue     *string    `json:"previousDigestHashValue"`
	PreviousDigestHashAlgorithm *string    `json:"previousDigestHashAlgorithm"`
	PreviousDigestSignature     *string    `json:"previousDigestSignature"`
	LogFiles                    []logEntry `json:"logFiles"`
}

// signed is a digest written: what the next one links to.
type signed struct {
	path, s3Object, sum, signature string
}

func (tr *Tree) writeDigest(t testing.TB, account, region string, start, end time.Time, entries []logEntry, prev *signed, suffix string) *signed {
	t.Helper()
	key := path.Join(tr.awsLogs(account), "CloudTrail-Digest", region, end.Format("2006/01/02"),
		fmt.Sprintf("%s_CloudTrail-Digest_%s_%s_%s_%s%s.json.gz", account, region, tr.Spec.Trail, tr.Spec.HomeRegion, end.Format("20060102T150405Z"), suffix))
	priv := tr.keys[region]
	d := digestDoc{AWSAccountID: account, DigestStartTime: start.Format(time.RFC3339), DigestEndTime: end.Format(time.RFC3339),
		DigestS3Bucket: tr.Spec.Bucket, DigestS3Object: tr.s3Key(key), DigestPublicKeyFingerprint: Fingerprint(&priv.PublicKey),
		DigestSignatureAlgorithm: "SHA256withRSA", LogFiles: entries}
	if d.LogFiles == nil {
		d.LogFiles = []logEntry{}
	}
	if len(entries) > 0 {
		d.OldestEventTime, d.NewestEventTime = &entries[0].OldestEventTime, &entries[len(entries)-1].NewestEventTime
	}
	if prev != nil {
		bucket, alg := tr.Spec.Bucket, "SHA-256"
		d.PreviousDigestS3Bucket, d.PreviousDigestS3Object = &bucket, &prev.s3Object
		d.PreviousDigestHashValue, d.PreviousDigestHashAlgorithm, d.PreviousDigestSignature = &prev.sum, &alg, &prev.signature
	}
	content, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	sig := Sign(t, priv, content)
	p := tr.write(t, key, Gzip(t, content))
	if err := os.WriteFile(p+".sig", []byte(sig+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(content)
	return &signed{path: p, s3Object: d.DigestS3Object, sum: hex.EncodeToString(sum[:]), signature: sig}
}

// Backfill writes a log file delivered late (at delivered) with the first
// records of the spec, and the backfill digest that lists it, ending at
// end, as CloudTrail delivers one when a processing delay kept a file out
// of its regular digest. It returns the two paths.
func (tr *Tree) Backfill(t testing.TB, account, region string, delivered, end time.Time) (log, digest string) {
	t.Helper()
	log, e := tr.writeLog(t, account, region, delivered, tr.Spec.Records[:3])
	d := tr.writeDigest(t, account, region, end.Add(-time.Hour), end, []logEntry{e}, nil, "_backfill")
	return log, d.path
}

// Sign signs a digest's decompressed content as CloudTrail does: RSA PKCS#1
// v1.5 over the SHA-256 of the data signing string (digestEndTime, the
// digest's bucket/key, the hex SHA-256 of the content, the previous
// digest's signature or "null", one per line), hex-encoded.
func Sign(t testing.TB, priv *rsa.PrivateKey, content []byte) string {
	t.Helper()
	var d digestDoc
	if err := json.Unmarshal(content, &d); err != nil {
		t.Fatal(err)
	}
	prev := "null"
	if d.PreviousDigestSignature != nil {
		prev = *d.PreviousDigestSignature
	}
	sum := sha256.Sum256(content)
	str := d.DigestEndTime + "\n" + d.DigestS3Bucket + "/" + d.DigestS3Object + "\n" + hex.EncodeToString(sum[:]) + "\n" + prev
	h := sha256.Sum256([]byte(str))
	sig, err := rsa.SignPKCS1v15(nil, priv, crypto.SHA256, h[:])
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(sig)
}

func (tr *Tree) write(t testing.TB, key string, b []byte) string {
	t.Helper()
	p := filepath.Join(tr.Root, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Gzip compresses b as CloudTrail stores its files.
func Gzip(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Gunzip decompresses a file of the tree.
func Gunzip(t testing.TB, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := out.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// Rewrite replaces a gzip'd file's content by edit(content), gzip'd again.
func Rewrite(t testing.TB, file string, edit func([]byte) []byte) {
	t.Helper()
	if err := os.WriteFile(file, Gzip(t, edit(Gunzip(t, file))), 0o644); err != nil {
		t.Fatal(err)
	}
}

// KeySpec is one entry of a key file.
type KeySpec struct {
	Region     string
	Start, End time.Time
}

// KeyFile writes a key file as `aws cloudtrail list-public-keys` prints it:
// AWS CLI v2 style (RFC 3339 times) or, with epoch, v1 style (epoch seconds).
func (tr *Tree) KeyFile(t testing.TB, name string, epoch bool, specs ...KeySpec) string {
	t.Helper()
	type entry struct {
		Value             string
		ValidityStartTime any
		ValidityEndTime   any
		Fingerprint       string
	}
	var list []entry
	for _, s := range specs {
		pub := &tr.keys[s.Region].PublicKey
		e := entry{Value: base64.StdEncoding.EncodeToString(x509.MarshalPKCS1PublicKey(pub)), Fingerprint: Fingerprint(pub),
			ValidityStartTime: s.Start.Format("2006-01-02T15:04:05+00:00"), ValidityEndTime: s.End.Format("2006-01-02T15:04:05+00:00")}
		if epoch {
			e.ValidityStartTime, e.ValidityEndTime = float64(s.Start.Unix()), float64(s.End.Unix())
		}
		list = append(list, e)
	}
	b, err := json.MarshalIndent(map[string]any{"PublicKeyList": list}, "", "    ")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Fingerprints maps each region's key fingerprint to a placeholder
// ("<key us-east-1>"), for golden files: keys differ from run to run.
func (tr *Tree) Fingerprints() map[string]string {
	m := map[string]string{}
	for region, k := range tr.keys {
		m[Fingerprint(&k.PublicKey)] = "<key " + region + ">"
	}
	return m
}
