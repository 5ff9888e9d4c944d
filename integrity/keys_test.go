package integrity

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// awsExample is the output of `aws cloudtrail list-public-keys` in the AWS
// CLI's documentation (awscli/examples/cloudtrail/list-public-keys.rst):
// AWS CLI v1 style, times as epoch seconds. Its Fingerprint is the MD5 of
// its Value's DER bytes.
const awsExample = `{
    "PublicKeyList": [
        {
           "ValidityStartTime": 1453076702.0,
           "ValidityEndTime": 1455668702.0,
           "Value": "MIIBCgKCAQEAlSS3cl92HDycr/MTj0moOhas8habjrraXw+KzlWF0axSI2tcF+3iJ9BKQAVSKxGwxwu3m0wG3J+kUl1xboEcEPHYoIYMbgfSw7KGnuDKwkLzsQWhUJ0cIbOHASox1vv/5fNXkrHhGbDCHeVXm804c83nvHUEFYThr1PfyP/8HwrCtR3FX5OANtQCP61C1nJtSSkC8JSQUOrIP4CuwJjc+4WGDk+BGH5m9iuiAKkipEHWmUl8/P7XpfpWQuk4h8g3pXZOrNXr08lbh4d39svj7UqdhvOXoBISp9t/EXYuePGEtBdrKD9Dz+VHwyUPtBQvYr9BnkF88qBnaPNhS44rzwIDAQAB",
           "Fingerprint": "7f3f401420072e50a65a141430817ab3"
       }
    ]
}`

func TestParseKeysAWSExample(t *testing.T) {
	keys, err := ParseKeys("example.json", strings.NewReader(awsExample))
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 {
		t.Fatalf("%d keys", len(keys))
	}
	k := keys[0]
	if k.Fingerprint != "7f3f401420072e50a65a141430817ab3" || k.Public.N.BitLen() != 2048 || k.Public.E != 65537 ||
		k.Start != time.Unix(1453076702, 0).UTC() || k.End != time.Unix(1455668702, 0).UTC() {
		t.Errorf("got %s %d-bit e=%d %s..%s", k.Fingerprint, k.Public.N.BitLen(), k.Public.E, k.Start, k.End)
	}
}

func TestParseKeysErrors(t *testing.T) {
	const value = `"MIIBCgKCAQEAlSS3cl92HDycr/MTj0moOhas8habjrraXw+KzlWF0axSI2tcF+3iJ9BKQAVSKxGwxwu3m0wG3J+kUl1xboEcEPHYoIYMbgfSw7KGnuDKwkLzsQWhUJ0cIbOHASox1vv/5fNXkrHhGbDCHeVXm804c83nvHUEFYThr1PfyP/8HwrCtR3FX5OANtQCP61C1nJtSSkC8JSQUOrIP4CuwJjc+4WGDk+BGH5m9iuiAKkipEHWmUl8/P7XpfpWQuk4h8g3pXZOrNXr08lbh4d39svj7UqdhvOXoBISp9t/EXYuePGEtBdrKD9Dz+VHwyUPtBQvYr9BnkF88qBnaPNhS44rzwIDAQAB"`
	entry := func(value, start, end, fp string) string {
		return `{"PublicKeyList":[{"Value":` + value + `,"ValidityStartTime":` + start + `,"ValidityEndTime":` + end + `,"Fingerprint":` + fp + `}]}`
	}
	const fp = `"7f3f401420072e50a65a141430817ab3"`
	tests := []struct{ name, doc, want string }{
		{"not JSON", `PublicKeyList`, "public keys k.json: not the JSON output of aws cloudtrail list-public-keys: invalid character 'P' looking for beginning of value"},
		{"another document", `{"Keys":[]}`, "public keys k.json: no PublicKeyList: not the output of aws cloudtrail list-public-keys"},
		{"no fingerprint", `{"PublicKeyList":[{"Value":` + value + `}]}`, "public keys k.json: PublicKeyList[0]: needs Value and Fingerprint"},
		{"not base64", entry(`"%%%"`, "1", "2", fp), "public keys k.json: PublicKeyList[0]: Value is not base64: illegal base64 data at input byte 0"},
		{"not a key", entry(`"AAAA"`, "1", "2", fp), "public keys k.json: PublicKeyList[0]: Value is not a DER RSA public key (PKCS#1)"},
		{"a fingerprint of another key", entry(value, "1", "2", `"00000000000000000000000000000000"`),
			"public keys k.json: PublicKeyList[0]: Fingerprint 00000000000000000000000000000000 is not that of its Value (7f3f401420072e50a65a141430817ab3)"},
		{"no start", entry(value, "null", "2", fp), "public keys k.json: PublicKeyList[0]: ValidityStartTime: missing"},
		{"a bad end", entry(value, "1", `"soon"`, fp), `public keys k.json: PublicKeyList[0]: ValidityEndTime: "soon" is not a time`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseKeys("k.json", strings.NewReader(tt.doc))
			var kerr *KeyFileError
			if err == nil || err.Error() != tt.want || !errors.As(err, &kerr) {
				t.Errorf("got %v, want %q (a *KeyFileError)", err, tt.want)
			}
		})
	}
}

func TestKeysFor(t *testing.T) {
	v2 := strings.NewReplacer("1453076702.0", `"2016-01-18T00:25:02+00:00"`, "1455668702.0", `"2016-02-17T00:25:02Z"`).Replace(awsExample)
	for name, doc := range map[string]string{"v1": awsExample, "v2": v2} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "keys.json")
			if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			ks, err := LoadKeys([]string{p})
			if err != nil {
				t.Fatal(err)
			}
			in := time.Date(2016, 2, 1, 0, 0, 0, 0, time.UTC)
			if _, err := ks.For("7F3F401420072E50A65A141430817AB3", in); err != nil {
				t.Errorf("within the window, in capitals: %v", err)
			}
			if _, err := ks.For("7f3f401420072e50a65a141430817ab3", time.Date(2016, 2, 17, 0, 25, 2, 0, time.UTC)); err != nil {
				t.Errorf("at the end (inclusive): %v", err)
			}
			_, err = ks.For("7f3f401420072e50a65a141430817ab3", time.Date(2016, 3, 1, 0, 0, 0, 0, time.UTC))
			if !errors.Is(err, ErrKeyExpired) || err.Error() != "the public key is not valid at the digest's end time: "+
				"7f3f401420072e50a65a141430817ab3 is valid from 2016-01-18T00:25:02Z to 2016-02-17T00:25:02Z, the digest ends 2016-03-01T00:00:00Z" {
				t.Errorf("after the window: %v", err)
			}
			if _, err := ks.For("31e8b5433410dfb61a9dc45cc65b22ff", in); !errors.Is(err, ErrUnknownKey) {
				t.Errorf("unknown fingerprint: %v", err)
			}
		})
	}
	if _, err := (*Keys)(nil).For("7f3f401420072e50a65a141430817ab3", time.Now()); !errors.Is(err, ErrNoKeys) {
		t.Errorf("no keys: %v", err)
	}
	if _, err := LoadKeys([]string{filepath.Join(t.TempDir(), "gone.json")}); err == nil || !strings.Contains(err.Error(), "gone.json: open") {
		t.Errorf("a missing key file: %v", err)
	}
}
