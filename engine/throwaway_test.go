package engine

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"
	"github.com/open-policy-agent/opa/v1/tester"
)

// throwawayPolicies returns a temporary copy of policies/ with the
// throwaway detection of testdata/throwaway added: a folder written only to
// the contract, as a security engineer would add one.
func throwawayPolicies(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "policies")
	if err := os.CopyFS(dir, os.DirFS("../policies")); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(dir, "throwaway"), os.DirFS("testdata/throwaway")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestThrowawayDetection: adding a contract-abiding folder to policies/
// breaks nothing. The engine loads it beside the shipped pack and finds
// with it, and the checks CI runs on Rego (opa fmt, opa check --strict,
// opa test with the fixtures and policies_test.rego) pass on the new tree.
// cmd/evaluate's TestThrowawayDetectionCLI runs the command on it.
func TestThrowawayDetection(t *testing.T) {
	dir := throwawayPolicies(t)

	set, err := Load(t.Context(), Config{PolicyDir: dir, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range set.Detections() {
		ids = append(ids, d.ID)
	}
	if !strings.Contains(","+strings.Join(ids, ",")+",", ",throwaway,") || len(ids) < 2 {
		t.Fatalf("detections %v: want the throwaway beside the shipped ones", ids)
	}
	fs, err := set.Evaluate(t.Context(), record(`{"eventSource":"iam.amazonaws.com","eventName":"ListUsers",
		"sourceIPAddress":"192.0.2.1","userIdentity":{"arn":"arn:aws:iam::1:user/a"}}`))
	if err != nil || len(fs) != 1 || fs[0].Detection != "throwaway" || *fs[0].Extra[0] != "ListUsers" {
		t.Fatalf("Evaluate = %+v, %v", fs, err)
	}

	// opa fmt --fail: every file is formatted.
	var regoFiles []string
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".rego") {
			regoFiles = append(regoFiles, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	regoFiles = append(regoFiles, "../policies_test.rego")
	modules := map[string]*ast.Module{}
	for _, p := range regoFiles {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		formatted, err := format.SourceWithOpts(p, src, format.Opts{RegoVersion: ast.RegoV1})
		if err != nil || !bytes.Equal(formatted, src) {
			t.Errorf("%s is not opa fmt clean (%v)", p, err)
		}
		if modules[p], err = ast.ParseModuleWithOpts(p, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true}); err != nil {
			t.Fatal(err)
		}
	}
	// opa check --strict.
	c := ast.NewCompiler().WithStrict(true).WithDefaultRegoVersion(ast.RegoV1)
	if c.Compile(modules); c.Failed() {
		t.Fatalf("opa check --strict: %v", c.Errors)
	}
	// opa test policies/ policies_test.rego fixtures/.
	results, err := tester.Run(t.Context(), dir, "../policies_test.rego", "../fixtures")
	if err != nil {
		t.Fatal(err)
	}
	passed, throwaway := 0, 0
	for _, r := range results {
		if r.Fail || r.Error != nil {
			t.Errorf("opa test: %s.%s failed: %v", r.Package, r.Name, r.Error)
			continue
		}
		passed++
		if strings.HasPrefix(r.Package, "data.detections.throwaway_test") {
			throwaway++
		}
	}
	if throwaway != 2 || passed < 100 {
		t.Errorf("opa test ran %d tests (%d of the throwaway's, want 2)", passed, throwaway)
	}
}
