package integrity

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"

	"github.com/klauspost/compress/gzip"
)

// Digest is a digest file's content, as the "CloudTrail digest file
// structure" page describes it. The previous* fields are null in the first
// digest of a chain (and after logging or validation was turned off and on).
type Digest struct {
	AccountID             string     `json:"awsAccountId"`
	StartTime             string     `json:"digestStartTime"`
	EndTime               string     `json:"digestEndTime"`
	S3Bucket              string     `json:"digestS3Bucket"`
	S3Object              string     `json:"digestS3Object"`
	PublicKeyFingerprint  string     `json:"digestPublicKeyFingerprint"`
	SignatureAlgorithm    string     `json:"digestSignatureAlgorithm"`
	NewestEventTime       *string    `json:"newestEventTime"`
	OldestEventTime       *string    `json:"oldestEventTime"`
	PreviousS3Bucket      *string    `json:"previousDigestS3Bucket"`
	PreviousS3Object      *string    `json:"previousDigestS3Object"`
	PreviousHashValue     *string    `json:"previousDigestHashValue"`
	PreviousHashAlgorithm *string    `json:"previousDigestHashAlgorithm"`
	PreviousSignature     *string    `json:"previousDigestSignature"`
	LogFiles              []LogEntry `json:"logFiles"`

	// Start and End are StartTime and EndTime parsed.
	Start, End time.Time `json:"-"`
}

// LogEntry is one log file a digest lists.
type LogEntry struct {
	S3Bucket        string `json:"s3Bucket"`
	S3Object        string `json:"s3Object"`
	HashValue       string `json:"hashValue"`
	HashAlgorithm   string `json:"hashAlgorithm"`
	NewestEventTime string `json:"newestEventTime"`
	OldestEventTime string `json:"oldestEventTime"`
}

// The algorithms CloudTrail uses, as digests name them.
const (
	SignatureAlgorithm = "SHA256withRSA"
	HashAlgorithm      = "SHA-256"
)

// MaxDigestBytes caps a digest's decompressed size (a digest lists one
// hour of log files: kilobytes; the cap stops a decompression bomb).
const MaxDigestBytes = 64 << 20

// ErrMalformed: a digest that is not gzip'd JSON with the fields a digest
// must have. Such a digest is "modified": CloudTrail never writes one.
var ErrMalformed = errors.New("not a CloudTrail digest")

// requiredFields must be present in every digest (previousDigestSignature
// may be null), as the AWS CLI requires them.
var requiredFields = []string{"digestPublicKeyFingerprint", "digestS3Bucket", "digestS3Object",
	"previousDigestSignature", "digestEndTime", "digestStartTime"}

// ParseDigest reads a digest's decompressed content.
func ParseDigest(inflated []byte) (*Digest, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(inflated, &fields); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	for _, f := range requiredFields {
		if _, ok := fields[f]; !ok {
			return nil, fmt.Errorf("%w: no %s", ErrMalformed, f)
		}
	}
	var d Digest
	if err := json.Unmarshal(inflated, &d); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	var err error
	if d.Start, err = time.Parse(time.RFC3339, d.StartTime); err != nil {
		return nil, fmt.Errorf("%w: digestStartTime: %v", ErrMalformed, err)
	}
	if d.End, err = time.Parse(time.RFC3339, d.EndTime); err != nil {
		return nil, fmt.Errorf("%w: digestEndTime: %v", ErrMalformed, err)
	}
	return &d, nil
}

// SigningString is the data signing string CloudTrail signs: the digest's
// end time, its S3 path, the hex SHA-256 of its decompressed content and
// the previous digest's signature ("null" in a chain's first digest), one
// per line.
func (d *Digest) SigningString(inflated []byte) []byte {
	sum := sha256.Sum256(inflated)
	prev := "null"
	if d.PreviousSignature != nil {
		prev = *d.PreviousSignature
	}
	return fmt.Appendf(nil, "%s\n%s/%s\n%s\n%s", d.EndTime, d.S3Bucket, d.S3Object, hex.EncodeToString(sum[:]), prev)
}

// Signature errors.
var (
	ErrSignatureEncoding = errors.New("the signature is not hex")
	ErrBadSignature      = errors.New("the signature does not verify")
)

// VerifySignature checks a hex SHA256withRSA (RSA PKCS#1 v1.5 over SHA-256)
// signature of the signing string.
func VerifySignature(pub *rsa.PublicKey, signing []byte, sigHex string) error {
	sig, err := hex.DecodeString(sigHex)
	if err != nil || len(sig) == 0 {
		return ErrSignatureEncoding
	}
	sum := sha256.Sum256(signing)
	if rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig) != nil {
		return ErrBadSignature
	}
	return nil
}

// readError marks an error of the source itself (open, read), as opposed
// to an error in the bytes it returned: the first leaves a file
// unverifiable, the second makes it modified.
type readError struct{ err error }

func (e readError) Error() string { return e.err.Error() }
func (e readError) Unwrap() error { return e.err }

// sourceReader tags the errors of the underlying reader.
type sourceReader struct{ r io.Reader }

func (s sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		err = readError{err}
	}
	return n, err
}

// inflate streams an object's bytes, decompressed when they are gzip'd (as
// CloudTrail stores them; a copy someone gunzipped is read as it is), into w.
// At most limit bytes are written (0: no limit).
func inflate(ctx context.Context, src Source, o Object, w io.Writer, limit int64) error {
	rc, err := src.Open(ctx, o)
	if err != nil {
		return readError{err}
	}
	defer rc.Close()
	br := bufio.NewReaderSize(sourceReader{rc}, 64<<10)
	head, err := br.Peek(2)
	if err != nil && err != io.EOF {
		return err
	}
	var r io.Reader = br
	if bytes.Equal(head, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		r = zr
	}
	if limit > 0 {
		r = io.LimitReader(r, limit+1)
	}
	n, err := io.Copy(w, ctxReader{ctx, r})
	if err != nil {
		var re readError
		if !errors.As(err, &re) && !errors.Is(err, context.Canceled) {
			err = fmt.Errorf("gzip: %w", err)
		}
		return err
	}
	if limit > 0 && n > limit {
		return fmt.Errorf("%w: over %d bytes decompressed", ErrMalformed, limit)
	}
	return nil
}

// ctxReader stops a long read when the context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// hashObject returns the hex SHA-256 of an object's decompressed content.
func hashObject(ctx context.Context, src Source, o Object) (string, error) {
	var h hash.Hash = sha256.New()
	if err := inflate(ctx, src, o, h, 0); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
