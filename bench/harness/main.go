// Command harness runs the benchmark's contenders on generated archives,
// checks their findings against the generator's, and writes the results as
// a markdown table and JSON. bench/run.sh builds everything and calls it:
//
//	harness -bin DIR -archive DIR [-archive DIR...] -md latest.md -json latest.json
//
// Contenders, each with 1 worker and with all of them: the floor
// (decompress and split only), trailhunt's evaluate, the naive embedded-OPA
// baseline, and jq (one process, then one per worker through xargs -P).
// Within one archive, every repetition runs every contender in turn, so that
// a noisy neighbour slows them all; the figures are each contender's fastest
// run (-stat min: other work on the machine only ever adds time) or its
// median run (-stat median). A contender whose findings differ from the expected ones, or whose
// run failed, is marked VOID.
//
//	harness check -expected DIR/expected.jsonl FILE
//
// compares one output file with the expected findings.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// Options is the command line of a benchmark run.
type Options struct {
	Archives []string
	Bin      string // directory holding floor, naive and evaluate
	Policies string
	JQ       string // jq binary; "" to skip jq
	JQFilter string
	JQNote   string // why jq is skipped
	Workers  []int
	Repeat   int
	Stat     string // min or median
	Work     string // contenders' outputs
	MD, JSON string
	Only     []string
	Timeout  time.Duration
	Rev      string // what trailhunt was built from, when the binary cannot say
}

func main() {
	if os.Getenv(launcherEnv) == "1" {
		if err := serveLaunches(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "harness launcher:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "check" {
		os.Exit(checkCommand(os.Args[2:]))
	}
	var o Options
	var archives, only listFlag
	var workers string
	flag.Var(&archives, "archive", "generated archive directory, with manifest.json (repeatable)")
	flag.StringVar(&o.Bin, "bin", ".cache/bench/bin", "directory with the floor, naive and evaluate binaries")
	flag.StringVar(&o.Policies, "policies", "policies", "policy directory for the naive baseline")
	flag.StringVar(&o.JQ, "jq", "jq", `jq binary; "" skips jq`)
	flag.StringVar(&o.JQFilter, "jq-filter", "bench/jq/aws_createaccesskey.jq", "jq program implementing the detection")
	flag.StringVar(&o.JQNote, "jq-note", "jq is not installed", "note shown when jq is skipped")
	flag.StringVar(&workers, "workers", "", "worker counts, comma-separated (default: 1 and the number of CPUs)")
	flag.IntVar(&o.Repeat, "repeat", 1, "runs per contender")
	flag.StringVar(&o.Stat, "stat", "min", "which run is reported: min (the fastest) or median")
	flag.StringVar(&o.Work, "work", ".cache/bench/work", "directory for the contenders' outputs")
	flag.StringVar(&o.MD, "md", "", "write the markdown report here")
	flag.StringVar(&o.JSON, "json", "", "write the JSON report here")
	flag.Var(&only, "only", "run only these contenders: floor, trailhunt, naive, jq (repeatable)")
	flag.DurationVar(&o.Timeout, "timeout", time.Hour, "longest a single run may take")
	flag.StringVar(&o.Rev, "rev", "", "the revision trailhunt was built from (default: read from the evaluate binary)")
	flag.Parse()
	o.Archives, o.Only = archives, only
	var err error
	if o.Workers, err = parseWorkers(workers); err != nil || len(o.Archives) == 0 || o.Repeat < 1 || (o.Stat != "min" && o.Stat != "median") {
		fmt.Fprintln(os.Stderr, "harness: need -archive, -repeat >= 1, -stat min or median, and -workers like 1,2")
		os.Exit(2)
	}
	res, err := Run(context.Background(), o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "harness: %v\n", err)
		os.Exit(1)
	}
	md := Markdown(res)
	fmt.Print(md)
	for _, w := range []struct {
		path string
		data func() ([]byte, error)
	}{
		{o.MD, func() ([]byte, error) { return []byte(md), nil }},
		{o.JSON, func() ([]byte, error) { b, err := json.MarshalIndent(res, "", "  "); return append(b, '\n'), err }},
	} {
		if w.path == "" {
			continue
		}
		b, err := w.data()
		if err == nil {
			err = writeAtomic(w.path, b)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "harness: %v\n", err)
			os.Exit(1)
		}
	}
}

func parseWorkers(s string) ([]int, error) {
	if s == "" {
		return slices.Compact([]int{1, runtime.NumCPU()}), nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bad worker count %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func writeAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func checkCommand(args []string) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	expected := fs.String("expected", "", "the generator's expected.jsonl")
	detection := fs.String("detection", "aws_createaccesskey", "detection the expected findings belong to")
	if err := fs.Parse(args); err != nil || *expected == "" || fs.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: harness check -expected FILE [-detection ID] OUTPUT.jsonl")
		return 2
	}
	e, err := ReadExpected(*expected, *detection)
	if err != nil {
		fmt.Fprintf(os.Stderr, "harness: %v\n", err)
		return 2
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(os.Stderr, "harness: %v\n", err)
		return 2
	}
	defer f.Close()
	c, err := e.CheckFindings(f)
	if err != nil {
		fmt.Fprintf(os.Stderr, "harness: %v\n", err)
		return 2
	}
	fmt.Println(c)
	if !c.OK {
		return 1
	}
	return 0
}
