package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/trailhunt/trailhunt/loader/s3source"
	"github.com/trailhunt/trailhunt/report"
)

// Results to S3: --output and --summary (run, merge) and --partial (run)
// accept s3://bucket/key. The bytes are spooled to a temporary file (the
// summary, small, built in memory) and written with one PutObject at the
// end (s3source.Client.Put, the project's one S3
// write), so the object appears whole or not at all, as a local output's
// rename makes a file appear. The key's extension sets --output's format
// as a file name's does (formatOfName).

// s3Writer is the S3 client of the flags (the one s3:// inputs and
// partials use): its credential chain, region, endpoint, timeouts and
// retries. The configuration is loaded outlasting an interrupt, as the PUT
// that follows does: an interrupted run still writes what it finished.
func s3Writer(ctx context.Context, cfg config, url string) (*s3source.Client, error) {
	client, err := s3source.NewClient(context.WithoutCancel(ctx), cfg.s3.s3Config())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	return client, nil
}

// spool collects the bytes of one PUT in an unlinked temporary file
// ($TMPDIR), so that rows or a partial as large as the run makes them take
// disk, not memory (--max-memory).
type spool struct {
	f    *os.File
	size int64
}

func newSpool() (*spool, error) {
	f, err := os.CreateTemp("", "trailhunt-put-")
	if err != nil {
		return nil, fmt.Errorf("spool for S3: %w", err)
	}
	os.Remove(f.Name()) // gone with the process, whatever happens
	return &spool{f: f}, nil
}

func (s *spool) Write(p []byte) (int, error) {
	n, err := s.f.Write(p)
	s.size += int64(n)
	return n, err
}

// put writes the spooled bytes to the object url.
func (s *spool) put(ctx context.Context, client *s3source.Client, url string) error {
	return client.Put(context.WithoutCancel(ctx), url, s.f, s.size)
}

func (s *spool) Close() error { return s.f.Close() }

// openResults is where --output's rows go: openOutput's file or standard
// output, or for s3://bucket/key a spool that commit PUTs once the rows
// are all written (a write error PUTs nothing). The AWS configuration is
// loaded here, before anything is read: a profile that does not exist is
// exit 2, as a file that cannot be created is.
func openResults(ctx context.Context, cfg config, stdout io.Writer) (io.Writer, func(error) error, error) {
	if !s3source.IsURL(cfg.output) {
		return openOutput(cfg.output, stdout)
	}
	client, err := s3Writer(ctx, cfg, cfg.output)
	if err != nil {
		return nil, nil, fmt.Errorf("open output: %w", err)
	}
	sp, err := newSpool()
	if err != nil {
		return nil, nil, fmt.Errorf("open output: %w", err)
	}
	return sp, func(err error) error {
		defer sp.Close()
		if err != nil {
			return err
		}
		return sp.put(ctx, client, cfg.output)
	}, nil
}

// writeSummary writes the run summary as JSON to --summary: a file, or an
// s3:// object with one PUT. It runs when the run is over, interrupted or
// not, so the PUT needs no cancellation (the one of an s3:// --output or
// --partial outlives the interrupt alike).
func writeSummary(cfg config, s report.Summary) error {
	if !s3source.IsURL(cfg.summary) {
		return writeSummaryFile(cfg.summary, s)
	}
	var b bytes.Buffer
	if err := report.WriteSummaryJSON(&b, s); err != nil {
		return err
	}
	client, err := s3Writer(context.Background(), cfg, cfg.summary)
	if err != nil {
		return err
	}
	return client.Put(context.Background(), cfg.summary, bytes.NewReader(b.Bytes()), int64(b.Len()))
}

// checkS3Outputs refuses, before anything is read, an s3:// location that
// cannot be written: one that names no object, a flag that writes local
// files only (--raw, --state), and an object the run would write among its
// inputs (run: under an s3:// input's prefix, where a later run would list
// it; merge: a partial the merge reads). Local paths are refuseWritingOverInputs'.
func checkS3Outputs(c config) error {
	for _, f := range []struct{ flag, path string }{{"--raw", c.raw}, {"--state", c.state}} {
		if s3source.IsURL(f.path) {
			return fmt.Errorf("%s %s: writes a local file only (s3:// is for --output, --summary and --partial)", f.flag, f.path)
		}
	}
	for _, out := range []struct{ flag, url, what string }{
		{"--output", c.output, "the results"},
		{"--summary", c.summary, "the summary"},
	} {
		if !s3source.IsURL(out.url) {
			continue
		}
		if !isObjectURL(out.url) {
			return fmt.Errorf("%s %s: want s3://bucket/key, the object to write", out.flag, out.url)
		}
		for _, in := range c.paths {
			if among(c.mode, out.url, in) {
				return fmt.Errorf("%s %s is among the inputs %s: refusing to write %s there", out.flag, out.url, in, out.what)
			}
		}
	}
	return nil
}

// among reports whether the object out is one that the input in reads: for
// a run, any key under in's prefix (S3 prefixes are not folders: s3://b/logs
// lists s3://b/logs-old/x too); for a merge, in itself or a partial (*.thp)
// directly under it.
func among(mode, out, in string) bool {
	if !s3source.IsURL(in) {
		return false
	}
	ob, okey, _ := s3source.ParseURL(out)
	ib, ikey, err := s3source.ParseURL(in)
	if err != nil || ob != ib {
		return false
	}
	if mode != modeMerge {
		return strings.HasPrefix(okey, ikey)
	}
	if okey == ikey {
		return true
	}
	if ikey != "" && !strings.HasSuffix(ikey, "/") {
		ikey += "/"
	}
	rest, ok := strings.CutPrefix(okey, ikey)
	return ok && !strings.Contains(rest, "/") && strings.HasSuffix(rest, partialExt)
}
