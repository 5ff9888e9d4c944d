package sweep

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trailhunt/trailhunt/engine"
	"github.com/trailhunt/trailhunt/loader"
)

// TestInterruptStopsEvaluationPromptly: with a policy that runs each record
// to its 3 s deadline, an interrupt ends the sweep at once rather than after
// every record already read: the evaluations under way are stopped and the
// records not evaluated are counted as skipped (interrupted), so every
// record read is still counted once.
func TestInterruptStopsEvaluationPromptly(t *testing.T) {
	pol := t.TempDir()
	slow := `# METADATA
# title: slow
# description: runs every record to its deadline
# custom:
#   risk:
#     message: saw $name$
#   stats:
#     by: [name]
package detections.slow

finding := {"name": input.eventID} if {
	some i in numbers.range(1, 100000)
	some j in numbers.range(1, 100000)
	i * j == -1
}
`
	if err := os.MkdirAll(filepath.Join(pol, "slow"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pol, "slow", "slow.rego"), []byte(slow), 0o644); err != nil {
		t.Fatal(err)
	}
	const deadline = 3 * time.Second
	set := load(t, engine.Config{PolicyDir: pol, EvalTimeout: deadline})

	in := t.TempDir()
	var lines []string
	for i := range 20 {
		lines = append(lines, fmt.Sprintf(`{"eventName":"X","eventID":"r%d"}`, i))
	}
	if err := os.WriteFile(filepath.Join(in, "a.jsonl"), []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	rd := loader.New(loader.Config{})
	res := Run(ctx, Config{Paths: []string{in}, Workers: 2}, rd, set)
	took := time.Since(start)
	t.Logf("interrupted after 300ms, the sweep ended after %v (records: %d read, %d evaluated, %d failed, skipped %v)",
		took, rd.Stats().Records, res.Evaluated, res.Failed, res.Skipped)
	if took > deadline/2 {
		t.Errorf("the sweep took %v after an interrupt at 300ms: evaluations were not stopped", took)
	}
	if !res.Interrupted {
		t.Error("the result does not say interrupted")
	}
	read := rd.Stats().Records
	if read != 20 || res.Evaluated+res.Failed+res.Skipped[SkipInterrupted] != read || res.Skipped[SkipInterrupted] == 0 {
		t.Errorf("%d records read: %d evaluated + %d failed + %v skipped; want 20, all counted, some interrupted",
			read, res.Evaluated, res.Failed, res.Skipped)
	}
	if res.Errors[engine.ReasonCanceled] != 0 {
		t.Errorf("interrupted records counted as errors: %v", res.Errors)
	}
}
