package kubernetes

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
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

// TestDockerfileBuild runs what the image is made of, as no Docker engine
// runs here: the build stage's go build command, as written, gives a
// static binary (no ELF interpreter, no shared libraries: it runs on
// distroless/static, which has no libc), and that binary, started as the
// image starts it (uid and gid 65532 when the test may switch to them, an
// empty environment, / as its directory, no HOME), runs the embedded
// detections over the fixtures.
func TestDockerfileBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary (-short)")
	}
	var line string
	for _, ins := range instructions(t, "../../Dockerfile")[0] {
		if strings.Contains(ins, "go build") {
			line = ins
		}
	}
	dir := t.TempDir()
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil { // uid 65532 runs the binary
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "evaluate")
	// RUN's shell form is /bin/sh -c: the line runs as Docker runs it,
	// writing where the test says instead of /out.
	cmd := strings.Replace(strings.TrimPrefix(line, "RUN "), "/out/evaluate", bin, 1)
	if !strings.Contains(cmd, bin) {
		t.Fatalf("build line %q does not write /out/evaluate", line)
	}
	build := exec.Command("/bin/sh", "-c", cmd)
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}

	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary has an ELF interpreter: it is not static")
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("the binary needs shared libraries %v (%v)", libs, err)
	}

	fixtures, err := filepath.Abs("../../fixtures")
	if err != nil {
		t.Fatal(err)
	}
	run := exec.Command(bin, "--quiet", "--format", "jsonl", "--now", "2026-11-26T00:00:00Z", fixtures)
	run.Dir, run.Env = "/", []string{}
	if os.Geteuid() == 0 {
		run.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65532, Gid: 65532}}
	}
	out, err := run.Output()
	if err != nil {
		t.Fatalf("the image's binary over the fixtures: %v", err)
	}
	if rows := strings.Count(string(out), "\n"); rows != 44 {
		t.Errorf("%d rows over the fixtures, want 44 (as `go run ./cmd/evaluate fixtures/`)", rows)
	}
}
