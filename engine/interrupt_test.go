package engine

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestInterruptCancelsEvaluationInFlight: an evaluation under way when its
// context is canceled (Ctrl-C) stops at once with a "canceled" error, not at
// its per-record deadline, and the detection that finished keeps its
// finding.
func TestInterruptCancelsEvaluationInFlight(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"hello/hello.rego": detectionModule("hello", helloFinding, ""),
		// Ten billion evaluation steps: it ends only when stopped.
		"slow/slow.rego": detectionModule("slow", `finding := {"name": "slow", "n": null} if {
	input.eventName == "Hello"
	some i in numbers.range(1, 100000)
	some j in numbers.range(1, 100000)
	i * j == -1
}`, ""),
	})
	const deadline = 20 * time.Second
	set, err := Load(context.Background(), Config{PolicyDir: dir, Now: fixedNow, EvalTimeout: deadline})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	findings, err := set.Evaluate(ctx, record(`{"eventName":"Hello"}`))
	took := time.Since(start)
	t.Logf("evaluation stopped %v after it started (canceled after 100ms)", took)
	if took > deadline/2 {
		t.Errorf("evaluation took %v: the interrupt did not stop it", took)
	}
	var ee *EvalError
	if !errors.As(err, &ee) || ee.Detection != "slow" || ee.Reason != ReasonCanceled || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want detection slow canceled", err)
	}
	if len(findings) != 1 || findings[0].Detection != "hello" {
		t.Errorf("findings = %+v, want hello's", findings)
	}
}
