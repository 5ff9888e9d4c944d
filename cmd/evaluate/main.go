// Command evaluate runs trailhunt's detections over CloudTrail logs: files,
// directory trees, gzip, zip and tar archives, or standard input. See the
// docs (docs/usage.md) for modes, flags, output formats and exit codes.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/trailhunt/trailhunt/report"
)

func main() {
	// A closed stdout (| head) is an error to report, exit 4 with the
	// summary on stderr, not a silent death by SIGPIPE: ignored, a write to
	// a closed pipe returns EPIPE.
	signal.Ignore(syscall.SIGPIPE)
	ctx, cancel := context.WithCancel(context.Background())
	go onInterrupt(cancel)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	cancel()
	os.Exit(code)
}

// onInterrupt handles SIGINT and SIGTERM. The first stops the run promptly:
// it ends with what was finished written, the summary saying interrupted,
// exit 130. A second one exits at once with 130, removing the temp files
// of outputs not yet committed: for a run that cannot stop (say, a read from
// a pipe that never ends).
func onInterrupt(cancel context.CancelFunc) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	<-sigs
	cancel()
	<-sigs
	report.RemoveTempFiles()
	fmt.Fprintln(os.Stderr, "evaluate: interrupted again: stopped at once; nothing more written")
	os.Exit(exitInterrupted)
}
