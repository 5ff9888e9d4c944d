package engine

import (
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
)

// The policy sandbox. Policies evaluate attacker-controlled records, so a
// policy may not reach the network, read files or the environment, or depend
// on anything but its input, its data and the run's pinned time: the same
// records and policy set give the same results on any host.
//
// The capabilities policies compile against are derived from OPA's own
// builtin metadata rather than from a list of names: every builtin OPA marks
// non-deterministic is denied (OPA marks the ones that do I/O so: http.send,
// net.lookup_ip_addr, opa.runtime, json.match_schema, json.verify_schema),
// and so is every builtin in deniedBuiltins, unless allowedBuiltins lets it
// in with a reason. (Also read and allowed: the time.* builtins that take a
// time-zone name load it from the zoneinfo database, which Go confines to
// zone names, and "Local" is the host's zone; nothing of a file comes back.)
// A builtin OPA adds in an upgrade is allowed only if OPA
// calls it deterministic, and TestSandboxMatchesPinnedOPA fails until
// testdata/builtins.golden, the verdict on every builtin, is reviewed.

// allowedBuiltins are the non-deterministic builtins policies may call, each
// with the reason it is safe here.
var allowedBuiltins = map[string]string{
	"time.now_ns": "pinned by the host: every evaluation of a run gets the run's start time or --now (rego.EvalTime), " +
		"so it is one constant per run; filter expiry is judged against it",
}

// deniedBuiltins are builtins denied although OPA does not mark them
// non-deterministic, each with the reason. Those OPA marks are denied by
// their mark; the ones that do I/O are named here too, so that the refusal
// does not rest on a flag a later OPA might drop.
var deniedBuiltins = map[string]string{
	"http.send":          "network I/O; reads CA and client-certificate files and environment variables for TLS",
	"net.lookup_ip_addr": "DNS lookups: network I/O",
	"opa.runtime":        "reads the process's environment variables and configuration",
	"json.match_schema":  "dereferences a schema's $ref: fetches http(s) URLs and reads file:// paths (their content comes back in the errors)",
	"json.verify_schema": "dereferences a schema's $ref: fetches http(s) URLs and reads file:// paths (their content comes back in the error)",
	"crypto.x509.parse_and_verify_certificates":              "verifies the chain at the wall-clock time, not the run's pinned time",
	"crypto.x509.parse_and_verify_certificates_with_options": "verifies the chain at the wall-clock time unless the policy passes CurrentTime",
}

// sandboxVerdict says whether policies may call b, and why.
func sandboxVerdict(b *ast.Builtin) (allowed bool, reason string) {
	if why, ok := allowedBuiltins[b.Name]; ok {
		return true, why
	}
	if why, ok := deniedBuiltins[b.Name]; ok {
		return false, why
	}
	if b.IsNondeterministic() {
		return false, "marked non-deterministic by OPA"
	}
	return true, ""
}

// sandboxCapabilities are the capabilities policies compile against: this
// OPA version's, less every builtin sandboxVerdict denies, and with no host
// allowed for network access (allow_net: an empty list, not nil, which
// would allow every host) should a builtin that fetches slip through.
func sandboxCapabilities() *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	caps.Builtins = slices.DeleteFunc(caps.Builtins, func(b *ast.Builtin) bool {
		ok, _ := sandboxVerdict(b)
		return !ok
	})
	caps.AllowNet = []string{}
	return caps
}
