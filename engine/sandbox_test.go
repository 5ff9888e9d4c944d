package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/trailhunt/trailhunt/internal/goldenfile"
)

// TestSandboxMatchesPinnedOPA pins the verdict on every builtin of the OPA
// version in go.mod. An OPA upgrade that adds, removes or re-marks a builtin
// changes testdata/builtins.golden and fails here until someone has read the
// new builtin's source, decided whether it can do I/O or depends on the host
// (and named it in deniedBuiltins if so), and rewritten the file with -update.
func TestSandboxMatchesPinnedOPA(t *testing.T) {
	caps := ast.CapabilitiesForThisVersion()
	byName := map[string]*ast.Builtin{}
	var b strings.Builder
	b.WriteString("# The verdict on every builtin of the pinned OPA version (engine/sandbox.go).\n")
	b.WriteString("# Rewritten by go test ./engine -run TestSandboxMatchesPinnedOPA -update; review every change.\n")
	for _, bi := range slices.SortedFunc(slices.Values(caps.Builtins), func(a, b *ast.Builtin) int { return strings.Compare(a.Name, b.Name) }) {
		byName[bi.Name] = bi
		ok, why := sandboxVerdict(bi)
		verdict := "allow"
		if !ok {
			verdict = "deny"
		}
		mark := ""
		if bi.IsNondeterministic() {
			mark = " [non-deterministic]"
		}
		line := fmt.Sprintf("%s %s%s", verdict, bi.Name, mark)
		if why != "" {
			line += ": " + why
		}
		b.WriteString(line + "\n")
	}
	goldenfile.Check(t, "testdata/builtins.golden", []byte(b.String()))

	// Every name in the lists is a builtin of this version (a stale entry
	// would hide that OPA renamed or dropped it), and an allowed one is
	// marked non-deterministic (else the entry says nothing).
	for _, name := range slices.Sorted(maps.Keys(allowedBuiltins)) {
		switch bi := byName[name]; {
		case bi == nil:
			t.Errorf("allowedBuiltins names %s, which this OPA version does not have", name)
		case !bi.IsNondeterministic():
			t.Errorf("allowedBuiltins names %s, which OPA does not mark non-deterministic: drop the entry", name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(deniedBuiltins)) {
		if byName[name] == nil {
			t.Errorf("deniedBuiltins names %s, which this OPA version does not have", name)
		}
		if _, ok := allowedBuiltins[name]; ok {
			t.Errorf("%s is both allowed and denied", name)
		}
	}

	// What policies compile against is exactly the allowed builtins, with
	// no host open to the network.
	sandbox := sandboxCapabilities()
	var got, want []string
	for _, bi := range sandbox.Builtins {
		got = append(got, bi.Name)
	}
	for name, bi := range byName {
		if ok, _ := sandboxVerdict(bi); ok {
			want = append(want, name)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("sandbox builtins differ from the allowed ones:\n got %q\nwant %q", got, want)
	}
	if sandbox.AllowNet == nil || len(sandbox.AllowNet) != 0 {
		t.Errorf("sandbox allow_net = %#v, want an empty non-nil list (nil allows every host)", sandbox.AllowNet)
	}
}

// TestLoadRefusesSandboxedBuiltins: a policy calling any denied builtin does
// not load, with an error naming the file, the line and the builtin; one
// calling time.now_ns (allowed: pinned per run) does.
func TestLoadRefusesSandboxedBuiltins(t *testing.T) {
	for _, tc := range []struct{ name, call string }{
		{"json.match_schema", `json.match_schema(input, {"$ref": "http://127.0.0.1:1/s.json"})`},
		{"json.verify_schema", `json.verify_schema({"$ref": "file:///etc/passwd"})`},
		{"http.send", `http.send({"method": "GET", "url": "http://127.0.0.1:1/"})`},
		{"net.lookup_ip_addr", `net.lookup_ip_addr("example.com")`},
		{"opa.runtime", `opa.runtime()`},
		{"rand.intn", `rand.intn("x", 10)`},
		{"uuid.rfc4122", `uuid.rfc4122("x")`},
		{"io.jwt.decode_verify", `io.jwt.decode_verify("a.b.c", {"secret": "s"})`},
		{"crypto.x509.parse_and_verify_certificates", `crypto.x509.parse_and_verify_certificates("")`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeTree(t, map[string]string{"x/x.rego": detectionModule("x", helloFinding, "\nleak := "+tc.call+"\n")})
			_, err := Load(context.Background(), Config{PolicyDir: dir, Now: fixedNow})
			want := dir + "/x/x.rego:13: rego_type_error: undefined function " + tc.name
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("Load error = %v, want it to contain %q", err, want)
			}
		})
	}
	t.Run("time.now_ns is allowed", func(t *testing.T) {
		dir := writeTree(t, map[string]string{"x/x.rego": detectionModule("x", helloFinding, "\nnow := time.now_ns()\n")})
		if _, err := Load(context.Background(), Config{PolicyDir: dir, Now: fixedNow}); err != nil {
			t.Fatal(err)
		}
	})
}
