// Package s3test runs a real S3 server on loopback for the tests and
// benchmarks of the S3 source: versitygw (Apache-2.0), pinned in
// tools/versitygw/go.mod and built by the tests themselves, once per
// version, into .cache/versitygw/ at the repository's root; and a small
// reverse proxy in front of it that injects faults (proxy.go).
//
// Invariants:
//   - only 127.0.0.1 is ever contacted; the environment a test gets from
//     Server.Env disables the EC2 instance metadata lookup and points the
//     shared config files at nothing, so the SDK asks no other host;
//   - every server is stopped and its directory removed when its test ends;
//   - the binary is built by one process at a time (a file lock), into a
//     path named by the hash of the tools module and the Go version, so a
//     change of either builds it again and nothing else does.
package s3test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/trailhunt/trailhunt/integrity"
	"github.com/trailhunt/trailhunt/internal/pinnedtool"
)

// The credentials and region every server is started with.
const (
	AccessKey = "TRAILHUNTTESTKEY"
	SecretKey = "trailhunt-test-secret-not-a-real-one"
	Region    = "us-east-1"
)

const toolPkg = "github.com/versity/versitygw/cmd/versitygw"

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// Binary returns the path of the versitygw binary, building it first if
// this version was never built here (a few minutes; then instant).
func Binary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() { buildPath, buildErr = build() })
	if buildErr != nil {
		tb.Fatalf("build versitygw: %v", buildErr)
	}
	return buildPath
}

func build() (string, error) { return pinnedtool.Build("versitygw", toolPkg) }

// Server is a versitygw process serving a temporary directory on
// 127.0.0.1.
type Server struct {
	URL       string // http://127.0.0.1:PORT
	Dir       string // the posix backend's root: Dir/<bucket>/<key>
	AccessLog string // one line per request
	cmd       *exec.Cmd
}

// Start starts a server for the test; it is stopped when the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin := Binary(tb)
	base := tb.TempDir()
	s := &Server{Dir: filepath.Join(base, "data"), AccessLog: filepath.Join(base, "access.log")}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	var lastErr error
	for range 3 {
		addr, err := freePort()
		if err != nil {
			tb.Fatal(err)
		}
		if err := s.start(bin, addr, filepath.Join(base, "server.log")); err != nil {
			lastErr = err
			continue
		}
		tb.Cleanup(s.stop)
		return s
	}
	tb.Fatalf("start versitygw: %v", lastErr)
	return nil
}

func (s *Server) start(bin, addr, logPath string) error {
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(bin, "--port", addr, "--access", AccessKey, "--secret", SecretKey, "--region", Region,
		"--access-log", s.AccessLog, "--keep-alive", "--quiet", "posix", s.Dir)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			out, _ := os.ReadFile(logPath)
			return fmt.Errorf("versitygw exited at start: %s", out)
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			s.URL, s.cmd = "http://"+addr, cmd
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	return errors.New("versitygw did not listen within 15s")
}

func (s *Server) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { s.cmd.Process.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			s.cmd.Process.Kill()
		}
	}
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// Env sets, for the test, the environment under which the SDK reaches only
// this server with its credentials: endpoint, keys, region, no shared
// config files, no instance metadata. Tests that use it cannot be parallel.
func Env(tb testing.TB, endpoint string) {
	tb.Helper()
	Isolate(tb)
	tb.Setenv("AWS_ENDPOINT_URL_S3", endpoint)
	tb.Setenv("AWS_ACCESS_KEY_ID", AccessKey)
	tb.Setenv("AWS_SECRET_ACCESS_KEY", SecretKey)
	tb.Setenv("AWS_REGION", Region)
}

// Isolate clears every AWS_ variable and points the SDK at empty shared
// config files with the instance metadata lookup off: no credentials, no
// endpoint, no host but those a test names.
func Isolate(tb testing.TB) {
	tb.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			tb.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	empty := filepath.Join(tb.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		tb.Fatal(err)
	}
	tb.Setenv("AWS_CONFIG_FILE", empty)
	tb.Setenv("AWS_SHARED_CREDENTIALS_FILE", empty)
	tb.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// Client is an SDK client of the server (or of a proxy in front of it).
func Client(endpoint string) *s3.Client {
	return s3.New(s3.Options{
		Region:       Region,
		BaseEndpoint: aws.String(endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, ""),
	})
}

// CreateBucket creates a bucket.
func (s *Server) CreateBucket(tb testing.TB, bucket string) {
	tb.Helper()
	if _, err := Client(s.URL).CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		tb.Fatalf("create bucket %s: %v", bucket, err)
	}
}

// Put uploads one object.
func (s *Server) Put(tb testing.TB, bucket, key string, data []byte) {
	tb.Helper()
	_, err := Client(s.URL).PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data)})
	if err != nil {
		tb.Fatalf("put s3://%s/%s: %v", bucket, key, err)
	}
}

// UploadSigned uploads a local copy of a trail's bucket (integritytest's
// trees) as CloudTrail stores it: every file under dir but the signature
// sidecars, as prefix + its slash-separated path, and each digest that has
// a sidecar <digest>.sig with its signature as the object's user metadata
// (x-amz-meta-signature, x-amz-meta-signature-algorithm). A digest without
// a sidecar is uploaded without a signature. It returns how many objects.
func (s *Server) UploadSigned(tb testing.TB, bucket, prefix, dir string) int {
	tb.Helper()
	cl := Client(s.URL)
	n := 0
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, integrity.SidecarSuffix) {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(prefix + filepath.ToSlash(rel)), Body: bytes.NewReader(data)}
		if sig, err := os.ReadFile(p + integrity.SidecarSuffix); err == nil {
			in.Metadata = map[string]string{"signature": strings.TrimSpace(string(sig)), "signature-algorithm": "SHA256withRSA"}
		}
		if _, err := cl.PutObject(context.Background(), in); err != nil {
			return fmt.Errorf("put s3://%s/%s: %w", bucket, aws.ToString(in.Key), err)
		}
		n++
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// Upload uploads every file under dir as prefix + its slash-separated
// path, and returns how many.
func (s *Server) Upload(tb testing.TB, bucket, prefix, dir string) int {
	tb.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s.Put(tb, bucket, prefix+filepath.ToSlash(rel), data)
		n++
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return n
}
