// Command covergate enforces a Rego coverage threshold per policy file. It
// reads the JSON report of `opa test --coverage` and fails when any file that
// is not a test (*_test.rego, policies_test.rego) is below the threshold.
// opa's own --threshold applies to the total, in which the (fully covered)
// tests outweigh the policies, so a policy could fall far below the gate
// unnoticed.
//
// Usage: go run ./internal/covergate -min 95 < coverage.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

type report struct {
	Files map[string]struct {
		Coverage float64 `json:"coverage"`
	} `json:"files"`
}

func main() {
	min := flag.Float64("min", 95, "minimum coverage of each policy file, in percent")
	flag.Parse()
	os.Exit(run(os.Stdin, os.Stdout, *min))
}

func run(in io.Reader, out io.Writer, min float64) int {
	var r report
	if err := json.NewDecoder(in).Decode(&r); err != nil {
		fmt.Fprintf(out, "covergate: read opa coverage report: %v\n", err)
		return 2
	}
	names := make([]string, 0, len(r.Files))
	for name := range r.Files {
		if !strings.HasSuffix(name, "_test.rego") {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	if len(names) == 0 {
		fmt.Fprintln(out, "covergate: no policy files in the coverage report")
		return 1
	}
	code := 0
	for _, name := range names {
		c := r.Files[name].Coverage
		verdict := "ok"
		if c < min {
			verdict, code = fmt.Sprintf("BELOW %.0f%%", min), 1
		}
		fmt.Fprintf(out, "rego coverage %6.2f%%  %s  %s\n", c, name, verdict)
	}
	return code
}
