// Command naive is the benchmark's baseline: what a user would write in an
// afternoon with embedded OPA. It decodes each CloudTrail file with
// encoding/json into map[string]any records and calls rego.EvalInput once
// per record and detection, with the same policies as trailhunt (every
// non-test .rego file under -policies). Files are shared among -workers
// goroutines.
//
//	naive -policies policies -workers 2 DIR... > findings.jsonl
//
// Each finding is one JSON line: the detection's finding object plus
// "detection". Filter lists are not applied (the default lists are empty).
package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/trailhunt/trailhunt/bench/archive"

	"github.com/open-policy-agent/opa/v1/rego"
)

// Summary is what a run counted.
type Summary struct {
	Files    int64 `json:"files"`
	Records  int64 `json:"records"`
	Findings int64 `json:"findings"`
}

func main() {
	policies := flag.String("policies", "policies", "directory of detections (<id>/<id>.rego)")
	workers := flag.Int("workers", 0, "parallel workers (default: one per CPU)")
	summary := flag.String("summary", "", "write the run's counts as JSON to this file")
	flag.Parse()
	if *workers <= 0 {
		*workers = runtime.GOMAXPROCS(0)
	}
	ctx := context.Background()
	dets, err := prepare(ctx, *policies)
	if err != nil {
		fmt.Fprintf(os.Stderr, "naive: %v\n", err)
		os.Exit(1)
	}
	out := bufio.NewWriterSize(os.Stdout, 1<<16)
	s, err := run(ctx, dets, flag.Args(), *workers, out)
	err = errors.Join(err, out.Flush())
	if *summary != "" {
		b, _ := json.Marshal(s)
		err = errors.Join(err, os.WriteFile(*summary, append(b, '\n'), 0o644))
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "naive: %v\n", err)
		os.Exit(1)
	}
}

// detection is one prepared query: data.detections.<id>.finding.
type detection struct {
	id    string
	query rego.PreparedEvalQuery
}

// prepare compiles every detection folder <dir>/<id>/ with the rego API.
func prepare(ctx context.Context, dir string) ([]detection, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	skip := func(_ string, info fs.FileInfo, _ int) bool {
		name := info.Name()
		return !info.IsDir() && (!strings.HasSuffix(name, ".rego") || strings.HasSuffix(name, "_test.rego"))
	}
	var dets []detection
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		id := e.Name()
		q, err := rego.New(
			rego.Query("data.detections."+id+".finding"),
			rego.Load([]string{dir}, skip),
		).PrepareForEval(ctx)
		if err != nil {
			return nil, fmt.Errorf("detection %s: %w", id, err)
		}
		dets = append(dets, detection{id: id, query: q})
	}
	if len(dets) == 0 {
		return nil, fmt.Errorf("no detections in %s", dir)
	}
	return dets, nil
}

// run evaluates every record of every .json or .json.gz file under roots.
func run(ctx context.Context, dets []detection, roots []string, workers int, out io.Writer) (Summary, error) {
	paths, walkErr := archive.Files(roots)
	var mu sync.Mutex
	var total Summary
	var errs []error
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for p := range paths {
				s, err := evalFile(ctx, dets, p, func(line []byte) {
					mu.Lock()
					out.Write(line)
					mu.Unlock()
				})
				mu.Lock()
				total.Files++
				total.Records += s.Records
				total.Findings += s.Findings
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", p, err))
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return total, errors.Join(append(errs, walkErr())...)
}

// evalFile decodes one {"Records":[...]} file and evaluates each record.
func evalFile(ctx context.Context, dets []detection, path string, emit func([]byte)) (Summary, error) {
	var s Summary
	f, err := os.Open(path)
	if err != nil {
		return s, err
	}
	defer f.Close()
	var r io.Reader = bufio.NewReader(f)
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return s, err
		}
		r = zr
	}
	var doc struct {
		Records []map[string]any `json:"Records"`
	}
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return s, err
	}
	for _, rec := range doc.Records {
		s.Records++
		for _, d := range dets {
			rs, err := d.query.Eval(ctx, rego.EvalInput(rec))
			if err != nil {
				return s, fmt.Errorf("record %d: %s: %w", s.Records-1, d.id, err)
			}
			if len(rs) == 0 || len(rs[0].Expressions) == 0 {
				continue
			}
			finding, ok := rs[0].Expressions[0].Value.(map[string]any)
			if !ok {
				return s, fmt.Errorf("record %d: %s: finding is %T", s.Records-1, d.id, rs[0].Expressions[0].Value)
			}
			finding["detection"] = d.id
			line, err := json.Marshal(finding)
			if err != nil {
				return s, err
			}
			s.Findings++
			emit(append(line, '\n'))
		}
	}
	return s, nil
}

// ids returns the detection ids, for messages and tests.
func ids(dets []detection) []string {
	out := make([]string, len(dets))
	for i, d := range dets {
		out[i] = d.id
	}
	slices.Sort(out)
	return out
}
