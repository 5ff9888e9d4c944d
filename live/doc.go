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
//   - errors are printed per unit of work (a file, a pass), each with its
//     own --max-errors budget, and every unit says how many it did not
//     show; counts cover reader errors as well as evaluation errors;
//   - both keep watching when the watched directory is replaced (made again,
//     moved, a symlink pointed elsewhere: internal/treewatch), and say so;
//   - Follow records a file in its state only after the file's findings have
//     been written (and, when they go to a regular file, fsynced), so a
//     restart never loses findings: it may repeat those of the files done
//     in the second before a crash, never skip them;
//   - Follow writes a finding again only when its file changed; one it
//     wrote before for that file is marked a repeat; a file of JSON lines
//     that grew is read from where it was read to;
//   - the state costs O(1) per file: one appended line, an fsync at most
//     every second, a rewrite when half its lines are dead.
package live

import "errors"

// ErrOutput marks a failure to write results or the state (a closed pipe,
// a full disk): the run cannot go on usefully.
var ErrOutput = errors.New("write output")
