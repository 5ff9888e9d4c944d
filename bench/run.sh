#!/usr/bin/env bash
# bench/run.sh: trailhunt's throughput benchmark (issue 5). See bench/README.md.
#
# Builds the contenders once, generates the archives (cached under
# .cache/bench/ by size, seed and generator version), then runs the floor,
# trailhunt, the naive embedded-OPA baseline and jq on the same files, checks
# every contender's findings against the generator's, and writes
# bench/results/latest.md and latest.json.
#
# Environment (all optional):
#   BENCH_RECORDS   archive sizes, space-separated       (default: 1000000)
#   BENCH_5M=1      also run 5,000,000 records            (default: 0)
#   BENCH_SEED      generator seed                        (default: 1)
#   BENCH_REPEAT    runs per contender, the fastest reported (default: 1)
#   BENCH_STAT      min (the fastest run) or median       (default: min)
#   BENCH_WORKERS   worker counts, comma-separated        (default: 1,<nproc>)
#   BENCH_ONLY      contenders, space-separated: floor trailhunt naive jq (default: all)
#   BENCH_JQ=0      skip jq                               (default: 1; installed with apt-get when missing, outside CI)
#   BENCH_PROFILE=1 also write a CPU profile of trailhunt's sweep on each archive, and print its top
#                   (BENCH_PROFILE=only: the profile without the benchmark)
#   BENCH_REV       benchmark trailhunt as committed at this git revision (git archive), not the working tree
#   BENCH_OUT       where latest.md and latest.json go    (default: bench/results)
#   BENCH_CACHE     archives, binaries and outputs        (default: .cache/bench)
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
records=${BENCH_RECORDS:-1000000}
if [ "${BENCH_5M:-0}" = 1 ]; then records="$records 5000000"; fi
seed=${BENCH_SEED:-1}
repeat=${BENCH_REPEAT:-1}
workers=${BENCH_WORKERS:-1,$(nproc)}
cache=${BENCH_CACHE:-.cache/bench}
out=${BENCH_OUT:-bench/results}
mkdir -p "$cache/bin" "$out"
cache=$(cd "$cache" && pwd)
bin=$cache/bin

say() { echo "bench: $*" >&2; }

say "building"
for cmd in gen floor naive harness; do
	$GO build -o "$bin/$cmd" "./bench/$cmd"
done
src=.
revflag=()
if [ -n "${BENCH_REV:-}" ]; then
	rev=$(git rev-parse --short=12 "$BENCH_REV")
	src=$cache/src-$rev
	if [ ! -d "$src" ]; then
		mkdir -p "$src.tmp"
		git archive "$rev" | tar -x -C "$src.tmp"
		mv "$src.tmp" "$src"
	fi
	rm -rf "$src/bench" && cp -r bench "$src/bench" # the profile benchmark, whatever the revision
	say "trailhunt at $rev ($src)"
	revflag=(-rev "$rev (git archive)")
elif rev=$(git rev-parse --short=12 HEAD 2>/dev/null); then
	# The binary may not say (GOFLAGS=-buildvcs=false): name the working tree.
	if git diff --quiet HEAD -- 2>/dev/null; then
		revflag=(-rev "$rev (working tree)")
	else
		revflag=(-rev "$rev (working tree, with uncommitted changes)")
	fi
fi
(cd "$src" && $GO build -o "$bin/evaluate" ./cmd/evaluate)

jq=""
jqnote="jq skipped (BENCH_JQ=0)"
if [ "${BENCH_JQ:-1}" != 0 ]; then
	if ! command -v jq >/dev/null && [ -z "${CI:-}" ] && command -v apt-get >/dev/null; then
		say "installing jq"
		if [ "$(id -u)" = 0 ]; then
			apt-get install -y jq >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y jq >/dev/null 2>&1; } || true
		elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
			sudo apt-get install -y jq >/dev/null 2>&1 || true
		fi
	fi
	if command -v jq >/dev/null; then
		jq=$(command -v jq)
	else
		jqnote="jq is not installed and could not be installed (apt-get install jq)"
		say "$jqnote"
	fi
fi

version=$("$bin/gen" -version)
archives=()
for n in $records; do
	dir=$cache/archive-$n-seed$seed-v$version
	if [ ! -f "$dir/manifest.json" ]; then
		say "generating $n records into $dir"
		rm -rf "$dir"
		"$bin/gen" -records "$n" -seed "$seed" -out "$dir" >/dev/null
	fi
	archives+=(-archive "$dir")
done

only=()
for c in ${BENCH_ONLY:-}; do only+=(-only "$c"); done

if [ "${BENCH_PROFILE:-0}" != only ]; then
	"$bin/harness" -bin "$bin" -policies "$src/policies" -jq "$jq" -jq-note "$jqnote" \
		-jq-filter bench/jq/aws_createaccesskey.jq -workers "$workers" -repeat "$repeat" -stat "${BENCH_STAT:-min}" \
		-work "$cache/work" -md "$out/latest.md" -json "$out/latest.json" "${archives[@]}" ${only[@]+"${only[@]}"} ${revflag[@]+"${revflag[@]}"}
	say "wrote $out/latest.md and $out/latest.json"
fi

if [ "${BENCH_PROFILE:-0}" != 0 ]; then
	(cd "$src" && $GO test -c -o "$bin/profile.test" ./bench/profile)
	for n in $records; do
		dir=$cache/archive-$n-seed$seed-v$version
		prof=$cache/cpu-$n.pprof
		say "profiling trailhunt's sweep on $n records into $prof"
		TRAILHUNT_BENCH_ARCHIVE=$dir/AWSLogs "$bin/profile.test" -test.run '^$' -test.bench Sweep \
			-test.benchtime 1x -test.cpuprofile "$prof" >&2
		$GO tool pprof -top -cum "$bin/profile.test" "$prof" 2>/dev/null | head -45
	done
fi
