// Command gen writes a deterministic, realistic CloudTrail archive for the
// benchmark: gzip'd {"Records":[...]} files in the AWSLogs layout, built from
// the real records in fixtures/, with about 1% IAM CreateAccessKey calls of
// which the generator knows exactly which are findings of aws_createaccesskey.
//
//	go run ./bench/gen -records 1000000 -seed 1 -out .cache/bench/archive-1000000-1
//
// The output directory holds AWSLogs/ (the archive), expected.jsonl (the
// findings the detection must report, one object per line, sorted) and
// manifest.json (sizes and counts). The same flags give the same bytes.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
)

func main() {
	cfg := DefaultConfig()
	var templates string
	flag.IntVar(&cfg.Records, "records", cfg.Records, "number of records")
	flag.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random seed")
	flag.StringVar(&cfg.Out, "out", "", "output directory (must not exist)")
	flag.StringVar(&templates, "templates", "fixtures/stratus-red-team/records.json,fixtures/traildiscover/records.json",
		"comma-separated JSON files of real CloudTrail records used as templates")
	flag.IntVar(&cfg.Workers, "workers", 0, "files written in parallel (default: one per CPU)")
	flag.IntVar(&cfg.MinPerFile, "min-per-file", cfg.MinPerFile, "fewest records in a file")
	flag.IntVar(&cfg.MaxPerFile, "max-per-file", cfg.MaxPerFile, "most records in a file")
	flag.Float64Var(&cfg.CAKRate, "cak-rate", cfg.CAKRate, "share of records that are CreateAccessKey calls")
	version := flag.Bool("version", false, "print the output format version (run.sh caches archives by it) and exit")
	flag.Parse()
	if *version {
		fmt.Println(Version)
		return
	}
	if cfg.Out == "" {
		fmt.Fprintln(os.Stderr, "gen: -out is required")
		os.Exit(2)
	}
	cfg.Templates = strings.Split(templates, ",")
	m, err := Generate(cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	fmt.Println(string(b))
}
