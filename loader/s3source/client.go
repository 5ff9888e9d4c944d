package s3source

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/logging"
)

// Defaults, used when the Config field is 0.
const (
	// DefaultConcurrency is how many GETs (and LISTs) are in flight at
	// once. Reading keeps up only if objects arrive as fast as it reads
	// them: at ~4,000 CloudTrail-sized objects a second (two cores) and a
	// first byte after 10-20 ms in the object's region, that is 40-80
	// requests in flight. Each costs a connection and its socket buffers.
	DefaultConcurrency = 64
	// DefaultAttempts is how many times a request is tried (the AWS CLI's
	// standard mode makes 3; a hunt over terabytes meets more throttling).
	DefaultAttempts = 8
	// DefaultTimeout bounds connecting, waiting for the response headers,
	// and a body that sends nothing, per attempt.
	DefaultTimeout = 60 * time.Second
	// DefaultBackoff is the first retry's backoff ceiling; it doubles with
	// each attempt, up to MaxBackoff, and the wait is drawn at random below
	// it (full jitter).
	DefaultBackoff = 100 * time.Millisecond
	// MaxBackoff caps one wait between attempts.
	MaxBackoff = 20 * time.Second
)

// Config configures a Client. The zero value uses the standard credential
// chain and region, and the defaults above.
type Config struct {
	// Profile is the shared-config profile (--profile; else AWS_PROFILE).
	Profile string
	// Region is the region to start from (--region; else AWS_REGION, the
	// profile's, us-east-1). A bucket in another region is found by its
	// answer to HeadBucket and read there.
	Region string
	// Endpoint is the URL of an S3-compatible store (--endpoint-url; else
	// AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL). With an endpoint, buckets are
	// addressed by path (http://host/bucket/key).
	Endpoint string

	Concurrency int
	Attempts    int
	Timeout     time.Duration
	Backoff     time.Duration
	// PartSize is the largest object Put writes with one PutObject, and
	// the size of the parts of a larger one (0: DefaultPartSize; at least
	// MinPartSize).
	PartSize int64
}

// Client holds one AWS configuration and an S3 client per region. It is
// safe for concurrent use.
type Client struct {
	cfg      Config
	aws      aws.Config
	endpoint string
	mu       sync.Mutex
	regions  map[string]*s3.Client
	creds    error // of the first credentials check
	checked  bool
}

// NewClient loads the AWS configuration (environment, shared config and
// credentials files, the profile) without calling AWS. A profile that does
// not exist is an error.
func NewClient(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = DefaultAttempts
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = DefaultBackoff
	}
	endpoint := cfg.Endpoint
	for _, env := range []string{"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"} {
		if endpoint == "" {
			endpoint = os.Getenv(env)
		}
	}
	dial := &net.Dialer{Timeout: min(cfg.Timeout, 30*time.Second), KeepAlive: 30 * time.Second}
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.DialContext = dial.DialContext
		t.ResponseHeaderTimeout = cfg.Timeout
		t.TLSHandshakeTimeout = min(cfg.Timeout, 30*time.Second)
		t.MaxIdleConns = 2 * cfg.Concurrency
		t.MaxIdleConnsPerHost = 2 * cfg.Concurrency
	})
	opts := []func(*config.LoadOptions) error{
		config.WithHTTPClient(httpClient),
		config.WithLogger(logging.Nop{}),
		config.WithRetryer(func() aws.Retryer { return newRetryer(cfg) }),
	}
	if cfg.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(cfg.Profile))
	}
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	ac, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if ac.Region == "" {
		ac.Region = "us-east-1"
	}
	return &Client{cfg: cfg, aws: ac, endpoint: endpoint, regions: map[string]*s3.Client{}}, nil
}

// newRetryer is the SDK's standard retryer (throttling, 5xx, connection
// errors) with our attempts and backoff, and without its client-side retry
// quota, which would fail a long run's requests after a burst of
// throttling instead of waiting.
func newRetryer(cfg Config) aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = cfg.Attempts
		o.MaxBackoff = MaxBackoff
		o.Backoff = backoff(cfg.Backoff)
		o.RateLimiter = ratelimit.None
	})
}

// backoff is exponential backoff with full jitter: before attempt n+1 a
// wait drawn uniformly below min(base*2^(n-1), MaxBackoff).
type backoff time.Duration

func (b backoff) BackoffDelay(attempt int, _ error) (time.Duration, error) {
	return b.delay(attempt), nil
}

func (b backoff) delay(attempt int) time.Duration {
	ceil := time.Duration(b)
	for i := 1; i < attempt && ceil < MaxBackoff; i++ {
		ceil *= 2
	}
	ceil = min(ceil, MaxBackoff)
	return time.Duration(rand.Int64N(int64(ceil) + 1))
}

// s3 returns the S3 client for a region.
func (c *Client) s3(region string) *s3.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.regions[region]; ok {
		return cl
	}
	cl := s3.NewFromConfig(c.aws, func(o *s3.Options) {
		o.Region = region
		if c.endpoint != "" {
			o.BaseEndpoint = aws.String(c.endpoint)
			o.UsePathStyle = true
		}
		// The loader reads every byte and resumes broken bodies with
		// ranged GETs, which carry no whole-object checksum to validate.
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	c.regions[region] = cl
	return cl
}

// credentials checks once that the credential chain yields credentials,
// so that their absence is one clear error before any request.
func (c *Client) credentials(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.checked {
		return c.creds
	}
	if c.aws.Credentials == nil {
		c.checked, c.creds = true, ErrNoCredentials
		return c.creds
	}
	cctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	if _, err := c.aws.Credentials.Retrieve(cctx); err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // interrupted: no verdict
		}
		c.creds = fmt.Errorf("%w (%s)", ErrNoCredentials, lastLine(err))
	}
	c.checked = true
	return c.creds
}

// callTimeout bounds one call that is not a streamed body (HeadBucket, a
// page of ListObjectsV2), retries included.
func (c *Client) callTimeout() time.Duration {
	return time.Duration(c.cfg.Attempts) * (c.cfg.Timeout + MaxBackoff)
}

// lastLine keeps the end of an SDK error chain, which says what failed
// without the operation's preamble.
func lastLine(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ", "); i >= 0 && i+2 < len(s) && strings.Contains(s[:i], "operation error") {
		s = s[i+2:]
	}
	return strings.ReplaceAll(s, "\n", " ")
}
