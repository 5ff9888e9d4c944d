package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/trailhunt/trailhunt/loader"
	"github.com/trailhunt/trailhunt/loader/s3source"
)

// check validates the planner and S3 flags of the modes that have them
// (verify has the S3 flags but not --delivery-margin, which stays 0).
func (f *s3Flags) check(mode string, paths []string) error {
	for _, a := range f.accounts {
		if len(a) != 12 || strings.Trim(a, "0123456789") != "" {
			return fmt.Errorf("--accounts %s: an AWS account id is 12 digits", a)
		}
	}
	if !slices.Contains(s3Client, mode) {
		if len(paths) > 0 && s3source.IsURL(paths[0]) && mode == modeFollow {
			return fmt.Errorf("%s reads local directories, not %s: use run (or watch, plan) for s3:// inputs", mode, paths[0])
		}
		return nil
	}
	switch {
	case f.deliveryMargin < 0:
		return fmt.Errorf("--delivery-margin %s: want 0 or more", f.deliveryMargin)
	case f.concurrency < 1 && slices.Contains(s3Read, mode): // merge GETs its partials one by one
		return fmt.Errorf("--s3-concurrency %d: want 1 or more", f.concurrency)
	case f.attempts < 1:
		return fmt.Errorf("--s3-attempts %d: want 1 or more", f.attempts)
	case f.timeout <= 0:
		return fmt.Errorf("--s3-timeout %s: want a positive duration", f.timeout)
	}
	for _, p := range paths {
		if s3source.IsURL(p) {
			if _, _, err := s3source.ParseURL(p); err != nil {
				return err
			}
		}
	}
	return nil
}

// plan is the AWSLogs plan of a run: its filters and time window.
func (c config) plan() loader.Plan {
	return loader.Plan{
		Accounts:       c.s3.accounts,
		Regions:        c.s3.regions,
		Since:          c.since,
		Until:          c.until,
		DeliveryMargin: c.s3.deliveryMargin,
		Digests:        c.verify.enabled, // --verify reads the digest files too
	}
}

// inputs are a run's sources, in the order of its PATHs: local paths
// (listed lazily, by the sweep) and s3:// inputs, listed here, before
// anything is read.
type inputs struct {
	sources []loader.Source
	s3      []*s3source.Source
}

// s3Config is the S3 client configuration of the flags.
func (f *s3Flags) s3Config() s3source.Config {
	return s3source.Config{Profile: f.profile, Region: f.region, Endpoint: f.endpoint,
		Concurrency: f.concurrency, Attempts: f.attempts, Timeout: f.timeout}
}

// openInputs resolves and lists every s3:// PATH (one error, for exit 2,
// if any fails: nothing is read of a run that cannot read all it was
// asked to) and wraps the local ones.
func openInputs(ctx context.Context, cfg config) (inputs, error) {
	var in inputs
	plan := cfg.plan()
	var client *s3source.Client
	var local []string
	flush := func() {
		if len(local) > 0 {
			in.sources = append(in.sources, loader.Local{Paths: local, Plan: plan})
			local = nil
		}
	}
	for _, p := range cfg.paths {
		if !s3source.IsURL(p) {
			local = append(local, p)
			continue
		}
		flush()
		if client == nil {
			var err error
			client, err = s3source.NewClient(ctx, cfg.s3.s3Config())
			if err != nil {
				return in, err
			}
		}
		src, err := client.Open(ctx, p, plan)
		if err != nil {
			return in, err
		}
		in.sources = append(in.sources, src)
		in.s3 = append(in.s3, src)
	}
	flush()
	return in, nil
}

// openAhead is how many inputs a sweep keeps open: the S3 concurrency when
// there are S3 inputs (GETs in flight), else as many as it reads.
func (in inputs) openAhead(cfg config) int {
	if len(in.s3) > 0 {
		return cfg.s3.concurrency
	}
	return 0
}

// objects sums the S3 inputs' counters.
func (in inputs) objects() s3source.Stats {
	var st s3source.Stats
	for _, s := range in.s3 {
		o := s.Stats()
		st.Listed += o.Listed
		st.Planned += o.Planned
		st.PlannedBytes += o.PlannedBytes
		st.Fetched += o.Fetched
		st.Failed += o.Failed
	}
	return st
}

// urls are the s3:// inputs as given.
func (in inputs) urls() []string {
	var u []string
	for _, s := range in.s3 {
		u = append(u, s.URL())
	}
	return u
}
