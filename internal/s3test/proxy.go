package s3test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// Kind is a fault the proxy injects.
type Kind string

const (
	SlowDown     Kind = "slowdown"      // 503 SlowDown
	InternalErr  Kind = "internal"      // 500 InternalError
	AccessDenied Kind = "access_denied" // 403 AccessDenied
	KMSDenied    Kind = "kms_denied"    // 403 AccessDenied naming kms:Decrypt, as S3 answers for an SSE-KMS object
	Reset        Kind = "reset"         // the connection is reset before any answer
	ShortBody    Kind = "short_body"    // the real answer's headers, then half its body, then the connection closes
	Stall        Kind = "stall"         // the real answer's headers and half its body, then nothing until the client gives up
)

// Fault is one rule: requests of Op ("GET" an object, "LIST", "HEAD") on
// Key ("" any) get Kind, Times times (0: always). Before, when set, runs
// before a matching request is answered (e.g. to delete the object behind
// the server's back); with Kind "" the request is then passed on.
type Fault struct {
	Op     string
	Key    string
	Kind   Kind
	Times  int
	Before func()

	hits int
}

// Proxy is a reverse proxy on 127.0.0.1 in front of a server, injecting
// faults. Requests keep their Host header, so their signatures still hold.
type Proxy struct {
	URL    string
	mu     sync.Mutex
	faults []*Fault
	target *url.URL
	rp     *httputil.ReverseProxy
	stop   chan struct{}
}

// NewProxy starts a proxy to target for the test.
func NewProxy(tb testing.TB, target string, faults ...*Fault) *Proxy {
	tb.Helper()
	u, err := url.Parse(target)
	if err != nil {
		tb.Fatal(err)
	}
	p := &Proxy{faults: faults, target: u, stop: make(chan struct{})}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.Out.URL.Scheme, r.Out.URL.Host = u.Scheme, u.Host
			r.Out.Host = r.In.Host
		},
		ErrorLog: nil,
	}
	srv := httptest.NewServer(p)
	tb.Cleanup(func() {
		close(p.stop)
		srv.CloseClientConnections()
		srv.Close()
	})
	p.URL = srv.URL
	return p
}

// Hits is how many times each fault fired, in order.
func (p *Proxy) Hits() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	var n []int
	for _, f := range p.faults {
		n = append(n, f.hits)
	}
	return n
}

func opOf(r *http.Request) (op, key string) {
	path := strings.TrimPrefix(r.URL.Path, "/")
	_, key, _ = strings.Cut(path, "/")
	switch {
	case r.Method == http.MethodHead && key == "":
		return "HEAD", ""
	case r.Method == http.MethodGet && r.URL.Query().Has("list-type"):
		return "LIST", ""
	case r.Method == http.MethodGet && key != "":
		return "GET", key
	}
	return r.Method, key
}

func (p *Proxy) match(r *http.Request) *Fault {
	op, key := opOf(r)
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.faults {
		if f.Op == op && (f.Key == "" || f.Key == key) && (f.Times == 0 || f.hits < f.Times) {
			f.hits++
			return f
		}
	}
	return nil
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f := p.match(r)
	if f == nil {
		p.rp.ServeHTTP(w, r)
		return
	}
	if f.Before != nil {
		f.Before()
	}
	switch f.Kind {
	case "":
		p.rp.ServeHTTP(w, r)
	case SlowDown:
		s3Error(w, http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.")
	case InternalErr:
		s3Error(w, http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
	case AccessDenied:
		s3Error(w, http.StatusForbidden, "AccessDenied", "Access Denied")
	case KMSDenied:
		s3Error(w, http.StatusForbidden, "AccessDenied", "User: arn:aws:iam::111122223333:user/hunter is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111122223333:key/1234abcd because no identity-based policy allows the kms:Decrypt action")
	case Reset:
		conn := hijack(w)
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0) // RST, not FIN
		}
		conn.Close()
	case ShortBody, Stall:
		p.cut(w, r, f.Kind)
	}
}

// cut sends the real answer's headers and half its body, then closes the
// connection (ShortBody) or holds it silent until the proxy stops (Stall).
func (p *Proxy) cut(w http.ResponseWriter, r *http.Request, kind Kind) {
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.URL.Scheme, out.URL.Host = p.target.Scheme, p.target.Host
	out.Host = r.Host
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	conn := hijack(w)
	defer conn.Close()
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %s\r\n", resp.Status)
	resp.Header.Set("Content-Length", fmt.Sprint(len(body)))
	resp.Header.Write(&b)
	b.WriteString("\r\n")
	b.Write(body[:len(body)/2])
	conn.Write(b.Bytes())
	if kind == Stall {
		select {
		case <-p.stop:
		case <-time.After(time.Minute):
		}
	}
}

func hijack(w http.ResponseWriter) net.Conn {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	buf.Flush()
	return conn
}

func s3Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message><RequestId>TRAILHUNTTEST</RequestId></Error>`, code, msg)
}

// Request is one line of the server's access log.
type Request struct {
	Op     string // s3_GetObject, s3_ListObjectsV2, ...
	Key    string // "-" for none
	Status string
}

// Requests reads the server's access log.
func (s *Server) Requests(tb testing.TB) []Request {
	tb.Helper()
	f, err := os.Open(s.AccessLog)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var reqs []Request
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		// owner bucket [time zone] ip requester id op key uri status ...
		fields := strings.Fields(sc.Text())
		for i, fld := range fields {
			if strings.HasPrefix(fld, "s3_") && i+3 < len(fields) {
				reqs = append(reqs, Request{Op: fld, Key: fields[i+1], Status: fields[i+3]})
				break
			}
		}
	}
	return reqs
}

// Gets returns the keys of the objects GET (successfully or not), in order.
func (s *Server) Gets(tb testing.TB) []string {
	var keys []string
	for _, r := range s.Requests(tb) {
		if r.Op == "s3_GetObject" {
			keys = append(keys, r.Key)
		}
	}
	return keys
}
