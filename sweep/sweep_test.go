package sweep

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/trailhunt/trailhunt/engine"
	"github.com/trailhunt/trailhunt/loader"
)

func load(t *testing.T, cfg engine.Config) *engine.Set {
	t.Helper()
	cfg.Now = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	set, err := engine.Load(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func sweep(t *testing.T, set *engine.Set, cfg Config) Result {
	t.Helper()
	var errs []error
	cfg.OnError = func(err error) { errs = append(errs, err) }
	res := Run(context.Background(), cfg, loader.New(loader.Config{}), set)
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	return res
}

// TestPrefilterChangesNothing compares the fast path (records the derived
// prefilter rules out never reach OPA) with every record evaluated by OPA,
// over all fixtures, all of the shared real data, and a generated archive.
func TestPrefilterChangesNothing(t *testing.T) {
	generated := t.TempDir()
	writeArchive(t, generated, 2, 1500)
	paths := map[string]string{
		"fixtures":  filepath.Join("..", "fixtures"),
		"generated": generated,
	}
	if _, err := os.Stat("../../shared/data"); err == nil {
		paths["shared data"] = "../../shared/data"
	}
	fast, slow := load(t, engine.Config{}), load(t, engine.Config{NoPrefilter: true})
	for name, path := range paths {
		t.Run(name, func(t *testing.T) {
			a := sweep(t, fast, Config{Paths: []string{path}})
			b := sweep(t, slow, Config{Paths: []string{path}})
			ra, _ := json.Marshal(a.Table.Rows())
			rb, _ := json.Marshal(b.Table.Rows())
			if string(ra) != string(rb) || a.Evaluated != b.Evaluated || a.Findings != b.Findings {
				t.Errorf("prefilter changes results:\nfast %d evaluated, %d findings: %s\nslow %d evaluated, %d findings: %s",
					a.Evaluated, a.Findings, ra, b.Evaluated, b.Findings, rb)
			}
			if a.Findings == 0 && name != "shared data" {
				t.Errorf("no findings at all: the comparison proves nothing")
			}
		})
	}
}

// TestTimeWindow: records outside --since/--until, and records without a
// time when a window is set, are skipped and counted; every record is
// counted once.
func TestTimeWindow(t *testing.T) {
	dir := t.TempDir()
	lines := `{"eventName":"CreateAccessKey","eventSource":"iam.amazonaws.com","requestParameters":{"userName":"a"},"eventID":"before","eventTime":"2024-01-01T00:00:00Z"}
{"eventName":"CreateAccessKey","eventSource":"iam.amazonaws.com","requestParameters":{"userName":"a"},"eventID":"at-since","eventTime":"2024-02-01T00:00:00Z"}
{"eventName":"CreateAccessKey","eventSource":"iam.amazonaws.com","requestParameters":{"userName":"a"},"eventID":"inside","eventTime":"2024-02-15 10:00:00"}
{"eventName":"CreateAccessKey","eventSource":"iam.amazonaws.com","requestParameters":{"userName":"a"},"eventID":"at-until","eventTime":"2024-03-01T00:00:00Z"}
{"eventName":"CreateAccessKey","eventSource":"iam.amazonaws.com","requestParameters":{"userName":"a"},"eventID":"no-time"}
{"eventName":"Other","eventID":"other-inside","eventTime":"2024-02-15T00:00:00Z"}
`
	if err := os.WriteFile(filepath.Join(dir, "x.jsonl"), []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	set := load(t, engine.Config{})
	res := sweep(t, set, Config{
		Paths: []string{dir},
		Since: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC),
		Until: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC),
	})
	var ids []string
	for _, r := range res.Table.Rows() {
		ids = append(ids, *r.Values[7]) // eventID
	}
	if got, want := ids, []string{"at-since", "inside"}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("rows for %v, want %v", got, want)
	}
	if res.Evaluated != 3 || res.Skipped[SkipOutsideWindow] != 2 || res.Skipped[SkipNoTime] != 1 || res.Failed != 0 {
		t.Errorf("evaluated %d, skipped %v, failed %d; want 3, outside 2 and no time 1, 0", res.Evaluated, res.Skipped, res.Failed)
	}
}
