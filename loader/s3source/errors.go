package s3source

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// Failures of a whole bucket or prefix, wrapped in a *BucketError, for
// callers that branch with errors.Is.
var (
	ErrNoCredentials  = errors.New("no AWS credentials found (environment, shared config and --profile, SSO, web identity, instance or container role)")
	ErrNoSuchBucket   = errors.New("bucket does not exist")
	ErrAccessDenied   = errors.New("access denied")
	ErrBadCredentials = errors.New("the credentials were rejected")
	ErrWrongRegion    = errors.New("wrong region")
	ErrEmpty          = errors.New("no objects under this prefix")
	ErrNothingPlanned = errors.New("no CloudTrail log files in the plan")
)

// BucketError is a failure that concerns a whole s3:// input: nothing of it
// can be read.
type BucketError struct {
	URL string // as given: s3://bucket[/prefix]
	Err error
}

func (e *BucketError) Error() string { return e.URL + ": " + e.Err.Error() }
func (e *BucketError) Unwrap() error { return e.Err }

// Reasons of a *loader.FetchError, as the summary counts them.
const (
	ReasonAccessDenied    = "access_denied"     // 403: no s3:GetObject on the key
	ReasonKMSAccessDenied = "kms_access_denied" // 403: the object's KMS key may not be used to decrypt it
	ReasonNoSuchKey       = "no_such_key"       // 404: deleted between the listing and the GET
	ReasonThrottled       = "throttled"         // 503 SlowDown on every attempt
	ReasonServerError     = "server_error"      // 5xx on every attempt
	ReasonShortBody       = "short_body"        // the body ended before its Content-Length on every attempt
	ReasonChanged         = "changed"           // the object was replaced while it was read
	ReasonConnection      = "connection"        // connections broke or timed out on every attempt
	ReasonS3              = "s3_error"          // any other answer
)

// apiFailure describes an S3 answer in one line, with its HTTP status, code
// and message, and says which reason it is counted under.
func apiFailure(op string, err error) (reason string, described error) {
	status := httpStatus(err)
	var api smithy.APIError
	code, msg := "", ""
	if errors.As(err, &api) {
		code, msg = api.ErrorCode(), api.ErrorMessage()
	}
	switch {
	case status == http.StatusForbidden && (strings.Contains(code, "KMS") || strings.Contains(msg, "KMS") || strings.Contains(msg, "kms:")):
		reason = ReasonKMSAccessDenied
	case status == http.StatusForbidden:
		reason = ReasonAccessDenied
	case code == "NoSuchKey" || (status == http.StatusNotFound && op == "GetObject"):
		reason = ReasonNoSuchKey
	case status == http.StatusPreconditionFailed:
		reason = ReasonChanged
	case code == "SlowDown" || status == http.StatusTooManyRequests:
		reason = ReasonThrottled
	case status >= 500:
		reason = ReasonServerError
	case status == 0 && isConnection(err):
		reason = ReasonConnection
	default:
		reason = ReasonS3
	}
	var b strings.Builder
	b.WriteString(op)
	b.WriteString(":")
	if status != 0 {
		fmt.Fprintf(&b, " HTTP %d", status)
	}
	if code != "" {
		b.WriteString(" " + code)
	}
	switch {
	case msg != "":
		b.WriteString(": " + msg)
	case code == "" && status != 0:
		b.WriteString(" " + http.StatusText(status))
	case code == "":
		var oe *net.OpError
		if errors.As(err, &oe) {
			b.WriteString(" " + oe.Error()) // read tcp A->B: read: connection reset by peer
		} else {
			b.WriteString(" " + lastLine(err))
		}
	}
	if strings.Contains(err.Error(), "exceeded maximum number of attempts") {
		b.WriteString(" (on every attempt)")
	}
	return reason, errors.New(b.String())
}

func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPResponse() != nil {
		return re.HTTPStatusCode()
	}
	return 0
}

// bucketRegion is the region an S3 error answer names in its
// x-amz-bucket-region header, or "".
func bucketRegion(err error) string {
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPResponse() != nil && re.HTTPResponse().Header != nil {
		return re.HTTPResponse().Header.Get("X-Amz-Bucket-Region")
	}
	return ""
}

// isConnection reports a network failure: reset, refused, timed out, cut.
func isConnection(err error) bool {
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &ne) || errors.As(err, &oe) || errors.Is(err, io.ErrUnexpectedEOF) ||
		strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "broken pipe")
}

// wrap joins a sentinel, a hint and the answer that led to it in one line.
func wrap(sentinel error, hint string, answer error) error {
	return fmt.Errorf("%w: %s (%v)", sentinel, hint, answer)
}
