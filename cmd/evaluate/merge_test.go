package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// shardArgs are the pinned arguments of one run, whole or sharded.
var shardArgs = []string{"--quiet", "--workers", "2", "--now", "2026-11-26T00:00:00Z"}

// runShards runs n shards over fixtures/ into dir, shard i through
// --shard-index, or through $JOB_COMPLETION_INDEX when viaEnv.
func runShards(t *testing.T, dir string, n int, viaEnv bool) {
	t.Helper()
	for i := range n {
		args := append(append([]string{}, shardArgs...), "--partial", filepath.Join(dir, fmt.Sprintf("shard-%d.thp", i)), "--shard-count", fmt.Sprint(n))
		if viaEnv {
			t.Setenv("JOB_COMPLETION_INDEX", fmt.Sprint(i))
		} else {
			args = append(args, "--shard-index", fmt.Sprint(i))
		}
		if r := evaluate(t, "", append(args, fixtures)...); r.code != exitOK || r.stdout != "" {
			t.Fatalf("shard %d of %d: exit %d, stdout %q, stderr %s", i, n, r.code, r.stdout, r.stderr)
		}
	}
}

// TestShardsMergeToOneRun: N shards, merged, give byte for byte the rows
// and summary of one run over the same inputs, in every format.
func TestShardsMergeToOneRun(t *testing.T) {
	formats := []string{"jsonl", "json", "csv", "table", "ocsf"}
	want := map[string]string{}
	for _, f := range formats {
		sum := filepath.Join(t.TempDir(), "s.json")
		r := evaluate(t, "", append(append([]string{}, shardArgs...), "--format", f, "--summary", sum, fixtures)...)
		if r.code != exitOK {
			t.Fatalf("one run: exit %d: %s", r.code, r.stderr)
		}
		want[f], want[f+" summary"] = r.stdout, readSummary(t, sum)
	}
	for _, n := range []int{1, 2, 3, 5} {
		dir := t.TempDir()
		runShards(t, dir, n, n == 3)
		for _, f := range formats {
			sum := filepath.Join(t.TempDir(), "s.json")
			r := evaluate(t, "", "merge", "--quiet", "--format", f, "--summary", sum, dir)
			if r.code != exitOK {
				t.Fatalf("%d shards, %s: exit %d: %s", n, f, r.code, r.stderr)
			}
			if r.stdout != want[f] {
				t.Errorf("%d shards, %s: merged rows differ from one run's:\n%.1500s\nwant:\n%.1500s", n, f, r.stdout, want[f])
			}
			if got := readSummary(t, sum); got != want[f+" summary"] {
				t.Errorf("%d shards: merged summary differs from one run's:\n%s\nwant:\n%s", n, got, want[f+" summary"])
			}
		}
	}
}

// TestMergeFaults: a missing shard is named (exit 3, the merge of what there
// is, marked incomplete); partials of another hunt or damaged ones are
// refused (exit 2); a shard re-run, or the same partial twice, merges as one.
func TestMergeFaults(t *testing.T) {
	dir := t.TempDir()
	runShards(t, dir, 3, false)
	shard := func(i int) string { return filepath.Join(dir, fmt.Sprintf("shard-%d.thp", i)) }

	// A re-run of shard 1 writes the same results (its wall time aside).
	mergeAll := func() string {
		r := evaluate(t, "", "merge", "--quiet", "--format", "jsonl", dir)
		if r.code != exitOK {
			t.Fatalf("merge: exit %d: %s", r.code, r.stderr)
		}
		return r.stdout
	}
	before := mergeAll()
	if r := evaluate(t, "", append(append([]string{}, shardArgs...), "--partial", shard(1), "--shard-count", "3", "--shard-index", "1", fixtures)...); r.code != exitOK {
		t.Fatalf("re-run: exit %d: %s", r.code, r.stderr)
	}
	if mergeAll() != before {
		t.Error("re-running a shard changed the merge")
	}

	copyOf := filepath.Join(t.TempDir(), "copy-of-1.thp")
	b, _ := os.ReadFile(shard(1))
	os.WriteFile(copyOf, b, 0o644)
	if r := evaluate(t, "", "merge", "--quiet", "--format", "jsonl", dir, copyOf); r.code != exitOK {
		t.Errorf("the same partial twice: exit %d: %s", r.code, r.stderr)
	}

	other := t.TempDir()
	for _, args := range [][]string{
		append(append([]string{}, shardArgs...), "--partial", filepath.Join(other, "since.thp"), "--shard-count", "3", "--shard-index", "0", "--since", "2024-01-01"),
		append(append([]string{}, shardArgs...), "--partial", filepath.Join(other, "fewer.thp"), "--shard-count", "2", "--shard-index", "0"),
		append(append([]string{}, shardArgs...), "--partial", filepath.Join(other, "plan.thp"), "--shard-count", "3", "--shard-index", "2", filepath.Join(fixtures, "edge")),
		append(append([]string{}, shardArgs...), "--partial", filepath.Join(other, "det.thp"), "--shard-count", "3", "--shard-index", "0", "--detection", "aws_createaccesskey"),
	} {
		path := args[len(shardArgs)+1]
		if !strings.HasPrefix(args[len(args)-1], fixtures) {
			args = append(args, fixtures)
		}
		if r := evaluate(t, "", args...); r.code != exitOK {
			t.Fatalf("%s: exit %d: %s", path, r.code, r.stderr)
		}
	}
	garbage := filepath.Join(other, "garbage.thp")
	os.WriteFile(garbage, []byte("{\"rows\":[]}\n"), 0o644)
	cut := filepath.Join(other, "cut.thp")
	os.WriteFile(cut, b[:len(b)/2], 0o644)
	conflict := filepath.Join(other, "conflict.thp")
	cb := append([]byte{}, b...)
	cb[len(cb)/3] ^= 1
	os.WriteFile(conflict, cb, 0o644)

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string // stderr's first line
	}{
		{"a shard missing", []string{shard(0), shard(2)}, exitIncomplete, "evaluate merge: shard 1 of 3 is missing: the rows and summary leave its inputs out"},
		{"another window", []string{shard(0), filepath.Join(other, "since.thp")}, exitUsage, "evaluate merge: " + filepath.Join(other, "since.thp") + " has another time window than " + shard(0)},
		{"another shard count", []string{shard(0), filepath.Join(other, "fewer.thp")}, exitUsage, "evaluate merge: " + filepath.Join(other, "fewer.thp") + " is one of 2 shards, " + shard(0) + " one of 3"},
		{"another plan", []string{shard(0), filepath.Join(other, "plan.thp")}, exitUsage, "evaluate merge: " + filepath.Join(other, "plan.thp") + " listed other inputs"},
		{"other detections", []string{filepath.Join(other, "det.thp")}, exitUsage, "evaluate merge: " + filepath.Join(other, "det.thp") + " ran detections aws_createaccesskey, this merge has aws_createaccesskey,"},
		{"not a partial", []string{shard(0), garbage}, exitUsage, "evaluate merge: " + garbage + ": not a valid partial result: no partial-result header"},
		{"truncated", []string{cut}, exitUsage, "evaluate merge: " + cut + ": not a valid partial result: checksum does not match (truncated or altered)"},
		{"altered", []string{conflict}, exitUsage, "evaluate merge: " + conflict + ": not a valid partial result: checksum does not match (truncated or altered)"},
		{"no partials in a directory", []string{t.TempDir()}, exitUsage, "evaluate merge: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sum := filepath.Join(t.TempDir(), "s.json")
			r := evaluate(t, "", append([]string{"merge", "--quiet", "--format", "jsonl", "--summary", sum}, tc.args...)...)
			first, _, _ := strings.Cut(r.stderr, "\n")
			if r.code != tc.code || !strings.HasPrefix(first, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", r.code, r.stderr, tc.code, tc.want)
			}
			if tc.code == exitIncomplete {
				if s := readSummary(t, sum); !strings.Contains(s, "\"missing_shards\": [\n    1\n  ]") {
					t.Errorf("summary not marked incomplete:\n%s", s)
				}
			}
		})
	}
}

// TestShardRefusals: bad shard flags and environments are one line, exit 2.
func TestShardRefusals(t *testing.T) {
	out := filepath.Join(t.TempDir(), "s.thp")
	for _, tc := range []struct {
		env  string
		args []string
		want string
	}{
		{"", []string{"--partial", out, "--shard-count", "3", "--shard-index", "3", fixtures}, "evaluate: --shard-index 3: want 0 to 2 (--shard-count 3)"},
		{"", []string{"--partial", out, "--shard-count", "3", fixtures}, "evaluate: --shard-count 3 needs --shard-index, $JOB_COMPLETION_INDEX or $AWS_BATCH_JOB_ARRAY_INDEX"},
		{"x1", []string{"--partial", out, "--shard-count", "3", fixtures}, `evaluate: $JOB_COMPLETION_INDEX "x1" is not a shard index: want a number from 0 to 2`},
		{"", []string{"--shard-index", "1", fixtures}, "evaluate: --shard-index goes with --shard-count"},
		{"", []string{"--partial", out, "--output", "x.jsonl", fixtures}, "evaluate: --partial writes a partial result, no rows: --output and --format are for evaluate merge"},
		{"", []string{"--partial", "s3://bucket/partials/", fixtures}, "evaluate: --partial s3://bucket/partials/: want s3://bucket/key.thp, the object to write"},
		{"", []string{"--partial", out, "--shard-count", "2", "--shard-index", "0", "-"}, "evaluate: standard input cannot be sharded: name files, directories or s3:// prefixes"},
		{"", []string{"merge"}, "evaluate merge: no PARTIAL given: name the partial results (files, directories of *.thp files, or s3:// objects and prefixes) of the hunt's shards"},
		{"", []string{"merge", "--since", "7d", out}, "evaluate merge: --since: not available with `evaluate merge`"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			t.Setenv("JOB_COMPLETION_INDEX", tc.env)
			t.Setenv("AWS_BATCH_JOB_ARRAY_INDEX", "")
			r := evaluate(t, "", tc.args...)
			if r.code != exitUsage || !strings.HasPrefix(r.stderr, tc.want) || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want exit 2 and %q", r.code, r.stderr, tc.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("a partial was written")
			}
		})
	}
}

// TestMergeWritesBesideItsPartials: merge reads only a directory's *.thp
// files, so its rows and summary may go into the directory of the partials
// (as docs/scale-out.md says); a *.thp output there, which a later merge
// would read as a partial, or a partial itself, is refused.
func TestMergeWritesBesideItsPartials(t *testing.T) {
	dir := t.TempDir()
	runShards(t, dir, 2, false)
	want := evaluate(t, "", append(slices.Clone(shardArgs), "--format", "jsonl", fixtures)...)
	r := evaluate(t, "", "merge", "--quiet", "--output", filepath.Join(dir, "result.jsonl"), "--summary", filepath.Join(dir, "summary.json"), dir)
	if got, _ := os.ReadFile(filepath.Join(dir, "result.jsonl")); r.code != exitOK || string(got) != want.stdout {
		t.Errorf("merge into its partials' directory: exit %d, stderr %q, rows as one run's: %v", r.code, r.stderr, string(got) == want.stdout)
	}
	for _, tc := range []struct{ output, want string }{
		{filepath.Join(dir, "result.thp"), "evaluate merge: --output " + filepath.Join(dir, "result.thp") + " is inside the input directory " + dir + ": refusing to write the results among the inputs"},
		{filepath.Join(dir, "shard-0.thp"), "evaluate merge: --output " + filepath.Join(dir, "shard-0.thp") + " is inside the input directory " + dir + ": refusing to write the results among the inputs"},
	} {
		if r := evaluate(t, "", "merge", "--quiet", "--output", tc.output, dir); r.code != exitUsage || r.stderr != tc.want+"\n" {
			t.Errorf("merge --output %s: exit %d, stderr %q; want exit 2 and %q", tc.output, r.code, r.stderr, tc.want)
		}
	}
}
