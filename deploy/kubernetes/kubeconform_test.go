package kubernetes

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/trailhunt/trailhunt/internal/pinnedtool"
)

const kubeconformPkg = "github.com/yannh/kubeconform/cmd/kubeconform"

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// kubeconform returns the path of the pinned kubeconform binary, building it
// into .cache/kubeconform/ if this version (the tools module's hash and the
// Go version) was never built here: seconds, then instant. One process
// builds at a time (a file lock), as internal/s3test does for versitygw.
func kubeconform(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() { buildPath, buildErr = buildKubeconform() })
	if buildErr != nil {
		t.Fatalf("build kubeconform: %v", buildErr)
	}
	return buildPath
}

func buildKubeconform() (string, error) { return pinnedtool.Build("kubeconform", kubeconformPkg) }

// validate runs kubeconform strictly, one file at a time in order, against
// the committed schemas only (no -ignore-missing-schemas: a kind without a
// schema is an error), in dir; it returns the output with the schema
// directory's path written as SCHEMAS, its lines sorted, and the exit code.
func validate(t *testing.T, dir string, files ...string) (string, int) {
	t.Helper()
	schemas, err := filepath.Abs("testdata/schemas")
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"-strict", "-summary", "-n", "1",
		"-schema-location", schemas + "/{{ .ResourceKind }}{{ .KindSuffix }}.json"}
	cmd := exec.Command(kubeconform(t), append(args, files...)...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(strings.ReplaceAll(out.String(), schemas, "SCHEMAS"), "\n"), "\n")
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n", code
}

// resources is kustomization.yaml's resources list.
func resources(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		Resources []string `yaml:"resources"`
	}
	if err := yaml.Unmarshal(b, &k); err != nil {
		t.Fatal(err)
	}
	return k.Resources
}

// TestKustomizationListsEveryManifest: every *.yaml here is a resource of
// the kustomization (so kubeconform below sees all that `kubectl apply -k`
// applies), and nothing else is.
func TestKustomizationListsEveryManifest(t *testing.T) {
	files, err := filepath.Glob("*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	files = slices.DeleteFunc(files, func(f string) bool { return f == "kustomization.yaml" })
	got := slices.Sorted(slices.Values(resources(t)))
	want := []string{"merge-job.yaml", "serviceaccount.yaml", "shard-job.yaml"}
	if !slices.Equal(got, want) || !slices.Equal(files, want) {
		t.Errorf("kustomization resources %q, *.yaml %q; want both %q", got, files, want)
	}
}

func TestKubeconformValid(t *testing.T) {
	out, code := validate(t, ".", resources(t)...)
	want := "Summary: 3 resources found in 3 files - Valid: 3, Invalid: 0, Errors: 0, Skipped: 0\n"
	if out != want || code != 0 {
		t.Errorf("kubeconform: exit %d\n%s\nwant exit 0\n%s", code, out, want)
	}
}

// TestKubeconformRejects shows the schemas are strict and complete: a
// misspelt field is invalid, a kind without a schema an error.
func TestKubeconformRejects(t *testing.T) {
	dir := t.TempDir()
	job, err := os.ReadFile("shard-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	typo := bytes.Replace(job, []byte("backoffLimitPerIndex:"), []byte("backoffLimitPerIndx:"), 1)
	write(t, filepath.Join(dir, "typo.yaml"), typo)
	write(t, filepath.Join(dir, "configmap.yaml"), []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"))
	out, code := validate(t, dir, "typo.yaml", "configmap.yaml")
	want := "Summary: 2 resources found in 2 files - Valid: 0, Invalid: 1, Errors: 1, Skipped: 0\n" +
		"configmap.yaml - ConfigMap x failed validation: could not find schema for ConfigMap\n" +
		"typo.yaml - Job trailhunt-shards is invalid: problem validating schema. Check JSON formatting: " +
		"jsonschema validation failed with 'file://SCHEMAS/job-batch-v1.json#' - at '/spec': 'allOf' failed   " +
		"- at '/spec': additional properties 'backoffLimitPerIndx' not allowed\n"
	if out != want || code != 1 {
		t.Errorf("kubeconform: exit %d\n%s\nwant exit 1\n%s", code, out, want)
	}
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
