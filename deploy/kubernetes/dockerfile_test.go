package kubernetes

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// instructions is a Dockerfile's instructions, one per stage, each with its
// continuation lines joined and comments dropped.
func instructions(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var stages [][]string
	cur := ""
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur += strings.TrimSuffix(line, "\\") + " "
			continue
		}
		cur += line
		if strings.HasPrefix(cur, "FROM ") {
			stages = append(stages, nil)
		}
		if len(stages) == 0 {
			t.Fatalf("%s: %q before any FROM", path, cur)
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], cur)
		cur = ""
	}
	return stages
}

// TestDockerfile checks the image's invariants, as no Docker engine runs
// here: the Go of go.mod builds a static (no cgo), trimmed binary, which
// the final stage, distroless static nonroot (tag, optionally a digest),
// runs as uid 65532 in exec form, with nothing else in it (no shell: no
// RUN there).
func TestDockerfile(t *testing.T) {
	stages := instructions(t, "../../Dockerfile")
	if len(stages) != 2 {
		t.Fatalf("%d stages, want 2 (build, run)", len(stages))
	}
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goVer := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(mod)
	from := regexp.MustCompile(`^FROM golang:` + regexp.QuoteMeta(string(goVer[1])) + `(@sha256:[0-9a-f]{64})? AS build$`)
	if !from.MatchString(stages[0][0]) {
		t.Errorf("build stage %q, want golang:%s (go.mod's go)", stages[0][0], goVer[1])
	}
	build := slices.IndexFunc(stages[0], func(s string) bool { return strings.Contains(s, "go build") })
	if build < 0 || !regexp.MustCompile(`^RUN CGO_ENABLED=0 go build -trimpath .*-o /out/evaluate \./cmd/evaluate$`).MatchString(stages[0][build]) {
		t.Errorf("build stage %q: want RUN CGO_ENABLED=0 go build -trimpath ... -o /out/evaluate ./cmd/evaluate", stages[0])
	}
	run := stages[1]
	if !regexp.MustCompile(`^FROM gcr\.io/distroless/static-debian12:nonroot(@sha256:[0-9a-f]{64})?$`).MatchString(run[0]) {
		t.Errorf("run stage %q, want gcr.io/distroless/static-debian12:nonroot", run[0])
	}
	want := []string{"COPY --from=build /out/evaluate /evaluate", "USER 65532:65532", `ENTRYPOINT ["/evaluate"]`}
	if !slices.Equal(run[1:], want) {
		t.Errorf("run stage %q, want FROM then %q", run, want)
	}
}
