package integrity

import (
	"context"
	"crypto/rsa"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/trailhunt/trailhunt/integrity/integritytest"
)

// sample is AWS's sample digest (digest file structure page), without its
// log files.
const sample = `{"awsAccountId":"111122223333","digestStartTime":"2015-08-17T14:01:31Z","digestEndTime":"2015-08-17T15:01:31Z",` +
	`"digestS3Bucket":"amzn-s3-demo-bucket","digestS3Object":"AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_your-trail-name_us-east-2_20150817T150131Z.json.gz",` +
	`"digestPublicKeyFingerprint":"31e8b5433410dfb61a9dc45cc65b22ff","digestSignatureAlgorithm":"SHA256withRSA",` +
	`"newestEventTime":"2015-08-17T14:52:27Z","oldestEventTime":"2015-08-17T14:42:27Z",` +
	`"previousDigestS3Bucket":"amzn-s3-demo-bucket","previousDigestS3Object":"AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_your-trail-name_us-east-2_20150817T140131Z.json.gz",` +
	`"previousDigestHashValue":"97fb791cf91ffc440d274f8190dbdd9aa09c34432aba82739df18b6d3c13df2d","previousDigestHashAlgorithm":"SHA-256",` +
	`"previousDigestSignature":"50887ccffad4c002b97caa37cc9dc626e3c1d9c7c2b8d0b2bd2ff4ad3d7c2a4f",` +
	`"logFiles":[]}`

// TestSigningString: the string CloudTrail signs, field by field as the
// "custom implementation" page lists them.
func TestSigningString(t *testing.T) {
	for _, tt := range []struct{ name, doc, last string }{
		{"chained", sample, "50887ccffad4c002b97caa37cc9dc626e3c1d9c7c2b8d0b2bd2ff4ad3d7c2a4f"},
		{"first of a chain", strings.Replace(sample, `"previousDigestSignature":"50887ccffad4c002b97caa37cc9dc626e3c1d9c7c2b8d0b2bd2ff4ad3d7c2a4f"`, `"previousDigestSignature":null`, 1), "null"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDigest([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			want := "2015-08-17T15:01:31Z\n" +
				"amzn-s3-demo-bucket/AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_your-trail-name_us-east-2_20150817T150131Z.json.gz\n" +
				sha([]byte(tt.doc)) + "\n" + tt.last
			if got := string(d.SigningString([]byte(tt.doc))); got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestParseDigestErrors(t *testing.T) {
	for _, tt := range []struct{ name, doc, want string }{
		{"not JSON", `{"digest`, "not a CloudTrail digest: unexpected end of JSON input"},
		{"no previousDigestSignature", strings.Replace(sample, `"previousDigestSignature"`, `"previous"`, 1), "not a CloudTrail digest: no previousDigestSignature"},
		{"a bad end time", strings.Replace(sample, `"2015-08-17T15:01:31Z"`, `"yesterday"`, 1),
			`not a CloudTrail digest: digestEndTime: parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"`},
		{"a field of the wrong type", strings.Replace(sample, `"logFiles":[]`, `"logFiles":{}`, 1),
			"not a CloudTrail digest: json: cannot unmarshal object into Go struct field Digest.logFiles of type []integrity.LogEntry"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseDigest([]byte(tt.doc))
			if err == nil || !errors.Is(err, ErrMalformed) || err.Error() != tt.want {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
}

// TestVerifySignature: a signature made by the test helper, which builds
// the signing string on its own, verifies; any change does not.
func TestVerifySignature(t *testing.T) {
	priv := integritytest.Key(t, "us-east-1")
	sig := integritytest.Sign(t, priv, []byte(sample))
	d, err := ParseDigest([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	other := integritytest.Key(t, "eu-west-1")
	for _, tt := range []struct {
		name    string
		pub     *rsa.PublicKey
		content string
		sig     string
		want    error
	}{
		{"as signed", &priv.PublicKey, sample, sig, nil},
		{"content changed", &priv.PublicKey, strings.Replace(sample, "14:52:27", "14:52:28", 1), sig, ErrBadSignature},
		{"another region's key", &other.PublicKey, sample, sig, ErrBadSignature},
		{"signature in capitals", &priv.PublicKey, sample, strings.ToUpper(sig), nil},
		{"signature cut", &priv.PublicKey, sample, sig[:len(sig)-2], ErrBadSignature},
		{"not hex", &priv.PublicKey, sample, "zz" + sig[2:], ErrSignatureEncoding},
		{"empty", &priv.PublicKey, sample, "", ErrSignatureEncoding},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := VerifySignature(tt.pub, d.SigningString([]byte(tt.content)), tt.sig); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

// TestSidecar: every form the AWS CLI writes the signature in.
func TestSidecar(t *testing.T) {
	dir := t.TempDir()
	digest := filepath.Join(dir, "d.json.gz")
	for _, tt := range []struct {
		name, content string
		want          map[string]string
		err           string
	}{
		{"--output text", "ab12cd\n", map[string]string{"signature": "ab12cd"}, ""},
		{"--output json", "\"ab12cd\"\n", map[string]string{"signature": "ab12cd"}, ""},
		{"head-object's whole output", `{"AcceptRanges":"bytes","ContentType":"application/json","Metadata":{"signature":"ab12cd","signature-algorithm":"SHA256withRSA"}}`,
			map[string]string{"signature": "ab12cd", "signature-algorithm": "SHA256withRSA"}, ""},
		{"head-object without the signature", `{"Metadata":{}}`, nil, "no signature: sidecar " + digest + ".sig has no Metadata.signature"},
		{"empty", "\n", nil, "no signature: sidecar " + digest + ".sig is empty"},
		{"missing", "", nil, "no signature: no sidecar " + digest + ".sig"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			os.Remove(digest + SidecarSuffix)
			if tt.name != "missing" {
				if err := os.WriteFile(digest+SidecarSuffix, []byte(tt.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			md, err := Dir{}.Metadata(context.Background(), Object{Name: digest})
			if tt.err != "" {
				if err == nil || err.Error() != tt.err || !errors.Is(err, ErrNoSignature) {
					t.Errorf("got %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(md, tt.want) {
				t.Errorf("got %v, %v; want %v", md, err, tt.want)
			}
		})
	}
}
