// Package profile holds a Go benchmark of trailhunt's data path (loader,
// engine, sweep: what cmd/evaluate runs) over a generated archive, for CPU
// and memory profiles. It does nothing unless TRAILHUNT_BENCH_ARCHIVE names a
// directory:
//
//	TRAILHUNT_BENCH_ARCHIVE=.cache/bench/archive-1000000-seed1-v1/AWSLogs \
//	  go test -run '^$' -bench Sweep -benchtime 1x -cpuprofile cpu.pprof ./bench/profile
//
// BENCH_PROFILE=1 ./bench/run.sh does this for you and prints the top of the
// profile.
package profile
