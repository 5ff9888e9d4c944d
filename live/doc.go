// Package live holds trailhunt's long-running modes over a hot-reloading
// policy set: Watch (the tuning loop: evaluate once, then re-evaluate and
// print what changed after every policy or filter edit) and Follow (evaluate
// each new CloudTrail file arriving in a directory once, emitting findings as
// JSON lines, resumable through a state file).
//
// Invariants:
//   - every evaluation pass uses one policy set from start to end, and says
//     which (its version);
//   - Watch keeps the records in memory only within its byte budget; when
//     they do not fit it says so and re-reads the inputs on every change, so
//     results are always those of a full evaluation;
//   - Watch evaluates only the newest set: a reload cancels the pass that
//     runs, which then prints nothing;
//   - Watch shows changes against the last complete results: a pass that
//     failed on some records says so and never shows a finding as removed
//     or changed (its record may have failed);
//   - Watch prints the errors of each pass with its own --max-errors
//     budget, and says how many it did not show;
//   - both keep watching when the watched directory is replaced (made again,
//     moved, a symlink pointed elsewhere: internal/treewatch), and say so;
//   - Follow records a file in its state only after the file's findings have
//     been written, so a restart never loses findings (it may repeat the
//     findings of the one file being processed at a crash, never skip them).
package live

import "errors"

// ErrOutput marks a failure to write results (a closed pipe, a full disk):
// the run cannot go on usefully.
var ErrOutput = errors.New("write output")
