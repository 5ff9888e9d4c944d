// Package engine is trailhunt's only importer of OPA. It loads a set of
// detections (Rego v1 packages under data.detections.<id>, from a directory
// or from the defaults embedded in the binary, plus any added directories),
// checks each detection against the contract (docs/detections.md) before any
// record is read, compiles everything once, evaluates CloudTrail records
// against it, and applies the filter lists (suppress.go) to the findings.
// Suppression is the host's, one mechanism for every detection: no filter
// list reaches OPA.
//
// Invariants:
//   - a Set is immutable once Load returns: Evaluate is safe for concurrent
//     use, and a Set never mixes policies from two loads;
//   - every detection is evaluated with its own prepared query, so a runtime
//     error in one detection never hides another detection's finding;
//   - builtin errors are errors (strict mode): a record whose evaluation
//     failed is reported, never read as "no finding";
//   - an evaluation stops at its per-record deadline (ErrTimeout) or as soon
//     as its context is done (an interrupt: the context's error), whichever
//     comes first;
//   - policies cannot reach outside the process or depend on the host: the
//     capabilities they compile against leave out every builtin OPA marks
//     non-deterministic or that can do I/O (http.send, net.lookup_ip_addr,
//     opa.runtime, json.match_schema and json.verify_schema, whose $ref
//     fetches URLs and reads files), except time.now_ns, which the host pins
//     per run (sandbox.go); print output is discarded;
//   - every finding's values are strings or null, keyed exactly by the
//     detection's stats.by fields and the fields its stats functions read,
//     or the record fails with a contract error;
//   - a record reaches OPA only for the detections whose derived prefilter
//     admits it, found with one lookup per distinct prefilter key, and is
//     decoded at most once for all of them;
//   - a finding's SuppressedBy lists every active (unexpired) entry that
//     matches it, found through an index, never a scan of the list; which
//     entries are active is decided once per load, at Config.Now.
package engine
