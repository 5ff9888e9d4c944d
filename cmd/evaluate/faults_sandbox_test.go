package main

// The policy sandbox, end to end: a policy that could reach the network or
// read a file through a builtin does not load (faults_run_test.go has the
// builtins that were always refused; this file has those found later).

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// TestFaultsPolicySchemaRefs: json.match_schema and json.verify_schema
// dereference a schema's $ref: an http URL is fetched and a file:// URL is
// read, and the file's content comes back in the result or error text. OPA
// would evaluate them at load (the prefilter's partial evaluation) and per
// record. Such a policy must not load: the loopback
// server sees no request and the file's content appears nowhere.
func TestFaultsPolicySchemaRefs(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"type": "string"}`))
	}))
	defer srv.Close()
	const secret = "TOPSECRET-5c2f9e"
	secretFile := filepath.Join(t.TempDir(), "secret.json")
	if err := os.WriteFile(secretFile, []byte(`{"const": "`+secret+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	httpRef := `{"$ref": "` + srv.URL + `/schema.json"}`
	fileRef := `{"$ref": "file://` + secretFile + `"}`

	for _, c := range []struct{ name, builtin, call string }{
		{"json.match_schema with an http $ref", "json.match_schema", `json.match_schema(input, ` + httpRef + `)`},
		{"json.match_schema with a file $ref", "json.match_schema", `json.match_schema(input, ` + fileRef + `)`},
		{"json.verify_schema with an http $ref", "json.verify_schema", `json.verify_schema(` + httpRef + `)`},
		{"json.verify_schema with a file $ref", "json.verify_schema", `json.verify_schema(` + fileRef + `)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := requests.Load()
			// Called per record (finding) and by a helper rule.
			pol := policyDir(t, map[string]string{"leak": testDetection("leak",
				`finding := {"name": sprintf("%v", [checked]), "n": null} if input.eventName == "CreateAccessKey"`,
				`
also contains sprintf("%v", [checked])

checked := `+c.call)})
			dir := writeFiles(t, map[string][]byte{"a.json": []byte(wrap(hit("never")))})
			r := evaluateFaults(t, dir, runOpts{}, "--policies", pol, dir)
			wantErr := "evaluate: compile policies: 1 error occurred: " +
				pol + "/leak/leak.rego:15: rego_type_error: undefined function " + c.builtin
			if r.code != exitUsage || !slices.Equal(r.errs, []string{wantErr}) || r.stdout != "" {
				t.Errorf("exit %d, errors %q, stdout %q; want exit 2 and %q", r.code, r.errs, r.stdout, wantErr)
			}
			if n := requests.Load() - before; n != 0 {
				t.Errorf("the policy's $ref server saw %d requests, want none", n)
			}
			if strings.Contains(r.stdout+r.stderr, secret) {
				t.Errorf("the referenced file's content leaked into the output:\nstdout: %s\nstderr: %s", r.stdout, r.stderr)
			}
		})
	}
}
