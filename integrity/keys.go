package integrity

import (
	"bytes"
	"crypto/md5"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"time"
)

// Key is one CloudTrail public key, as `aws cloudtrail list-public-keys`
// returns it.
type Key struct {
	// Fingerprint is the hex MD5 of the key's PKCS#1 DER bytes: what a
	// digest names in digestPublicKeyFingerprint.
	Fingerprint string
	// Start and End bound the time in which the key signs digests.
	Start, End time.Time
	Public     *rsa.PublicKey
	// File and Index say where the key was read.
	File  string
	Index int
}

// Keys are the public keys a verification may use, by fingerprint.
// CloudTrail signs with one key per region; keys of every region may be
// pooled, as a fingerprint names one key.
type Keys struct {
	byPrint map[string][]Key
}

// KeyFileError is a key file that cannot be used: verification does not
// start (a usage error, exit 2).
type KeyFileError struct {
	File  string
	Index int // the entry of PublicKeyList, -1 for the whole file
	Err   error
}

func (e *KeyFileError) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("public keys %s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("public keys %s: PublicKeyList[%d]: %v", e.File, e.Index, e.Err)
}

func (e *KeyFileError) Unwrap() error { return e.Err }

// LoadKeys reads key files saved from `aws cloudtrail list-public-keys`
// (one per region, as the CLI asks one region at a time).
func LoadKeys(paths []string) (*Keys, error) {
	ks := &Keys{byPrint: map[string][]Key{}}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, &KeyFileError{File: p, Index: -1, Err: err}
		}
		keys, err := ParseKeys(p, bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			ks.byPrint[k.Fingerprint] = append(ks.byPrint[k.Fingerprint], k)
		}
	}
	return ks, nil
}

// Len is the number of keys.
func (ks *Keys) Len() int {
	n := 0
	if ks != nil {
		for _, l := range ks.byPrint {
			n += len(l)
		}
	}
	return n
}

// ParseKeys reads the JSON output of `aws cloudtrail list-public-keys`:
//
//	{"PublicKeyList": [{"Value": "<base64 PKCS#1 DER>", "ValidityStartTime": T,
//	  "ValidityEndTime": T, "Fingerprint": "<hex>"}, ...]}
//
// Times are RFC 3339 strings (AWS CLI v2) or epoch seconds (v1). Every
// field is required, and Fingerprint must be the MD5 of Value: a key file
// edited by hand is refused, not half used.
func ParseKeys(name string, r io.Reader) ([]Key, error) {
	var doc struct {
		PublicKeyList []struct {
			Value                              *string
			ValidityStartTime, ValidityEndTime json.RawMessage
			Fingerprint                        *string
		}
	}
	dec := json.NewDecoder(r)
	if err := dec.Decode(&doc); err != nil {
		return nil, &KeyFileError{File: name, Index: -1, Err: fmt.Errorf("not the JSON output of aws cloudtrail list-public-keys: %w", err)}
	}
	if doc.PublicKeyList == nil {
		return nil, &KeyFileError{File: name, Index: -1, Err: errors.New("no PublicKeyList: not the output of aws cloudtrail list-public-keys")}
	}
	keys := make([]Key, 0, len(doc.PublicKeyList))
	for i, e := range doc.PublicKeyList {
		fail := func(err error) ([]Key, error) { return nil, &KeyFileError{File: name, Index: i, Err: err} }
		if e.Value == nil || e.Fingerprint == nil {
			return fail(errors.New("needs Value and Fingerprint"))
		}
		der, err := base64.StdEncoding.DecodeString(*e.Value)
		if err != nil {
			return fail(fmt.Errorf("Value is not base64: %w", err))
		}
		pub, err := parsePublicKey(der)
		if err != nil {
			return fail(err)
		}
		sum := md5.Sum(der)
		fp := hex.EncodeToString(sum[:])
		if !strings.EqualFold(fp, *e.Fingerprint) {
			return fail(fmt.Errorf("Fingerprint %s is not that of its Value (%s)", *e.Fingerprint, fp))
		}
		start, err := keyTime(e.ValidityStartTime)
		if err != nil {
			return fail(fmt.Errorf("ValidityStartTime: %w", err))
		}
		end, err := keyTime(e.ValidityEndTime)
		if err != nil {
			return fail(fmt.Errorf("ValidityEndTime: %w", err))
		}
		keys = append(keys, Key{Fingerprint: fp, Start: start, End: end, Public: pub, File: name, Index: i})
	}
	return keys, nil
}

// parsePublicKey reads PKCS#1 DER, as CloudTrail serves it; a PKIX
// (SubjectPublicKeyInfo) RSA key is accepted too.
func parsePublicKey(der []byte) (*rsa.PublicKey, error) {
	if pub, err := x509.ParsePKCS1PublicKey(der); err == nil {
		return pub, nil
	}
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, errors.New("Value is not a DER RSA public key (PKCS#1)")
	}
	pub, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("Value is a %T, not an RSA key", k)
	}
	return pub, nil
}

// keyTime reads a timestamp as the AWS CLI prints it: a string (RFC 3339,
// with or without a zone, read as UTC) or a number of epoch seconds.
func keyTime(raw json.RawMessage) (time.Time, error) {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil || v == nil {
		return time.Time{}, errors.New("missing")
	}
	switch t := v.(type) {
	case float64:
		sec, frac := math.Modf(t)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
			if p, err := time.Parse(layout, t); err == nil {
				return p.UTC(), nil
			}
		}
		return time.Time{}, fmt.Errorf("%q is not a time", t)
	}
	return time.Time{}, fmt.Errorf("%s is not a time", raw)
}

// Errors of Keys.For: why a digest's key is not usable.
var (
	ErrNoKeys     = errors.New("no public keys given (--public-keys)")
	ErrUnknownKey = errors.New("no public key with this fingerprint")
	ErrKeyExpired = errors.New("the public key is not valid at the digest's end time")
)

// For returns the key with this fingerprint that is valid at t (the
// digest's end time; bounds inclusive).
func (ks *Keys) For(fingerprint string, t time.Time) (Key, error) {
	if ks.Len() == 0 {
		return Key{}, ErrNoKeys
	}
	cands := ks.byPrint[strings.ToLower(fingerprint)]
	if len(cands) == 0 {
		return Key{}, fmt.Errorf("%w %s in the key files", ErrUnknownKey, fingerprint)
	}
	if i := slices.IndexFunc(cands, func(k Key) bool { return !t.Before(k.Start) && !t.After(k.End) }); i >= 0 {
		return cands[i], nil
	}
	k := cands[0]
	return Key{}, fmt.Errorf("%w: %s is valid from %s to %s, the digest ends %s", ErrKeyExpired, k.Fingerprint,
		k.Start.Format(time.RFC3339), k.End.Format(time.RFC3339), t.Format(time.RFC3339))
}
