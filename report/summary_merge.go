package report

import (
	"encoding/json"
	"maps"
	"slices"
	"time"
)

// UnmarshalJSON reads a summary as MarshalJSON writes it (a partial
// result's counters, for merging).
func (s *Summary) UnmarshalJSON(b []byte) error {
	var j summaryJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*s = Summary{
		PolicyVersion: j.PolicyVersion, Detections: j.Detections,
		Files: j.Files, Members: j.Members, Bytes: j.Bytes, Decompressed: j.Decompressed,
		ObjectsListed: j.ObjectsListed, ObjectsPlanned: j.ObjectsPlanned, ObjectsFetched: j.ObjectsFetched, ObjectsFailed: j.ObjectsFailed,
		Records: j.Records, NoTime: j.NoTime, Evaluated: j.Evaluated, Failed: j.Failed,
		Skipped: j.Skipped, Errors: j.Errors, Findings: j.Findings, Rows: j.Rows, Suppressed: j.Suppressed,
		ExpiredFilters: j.ExpiredFilters, FilterSources: j.FilterSources, BelowCondition: j.BelowCondition,
		Integrity: j.Integrity, MissingShards: j.MissingShards, Elapsed: time.Duration(j.ElapsedSeconds * float64(time.Second)), Interrupted: j.Interrupted,
	}
	return nil
}

// Plus is the summary of two disjoint parts of one run (shards): counters
// and counts by reason add up, the filter entries and detections are the
// run's (the same in every part), interrupted if either was, and the wall
// time is the longer one. Rows and BelowCondition come from the merged
// table, not from the parts: Plus leaves them at o's.
func (s Summary) Plus(o Summary) Summary {
	add := func(a, b map[string]int64) map[string]int64 {
		out := maps.Clone(a)
		if out == nil {
			out = map[string]int64{}
		}
		for k, v := range b {
			out[k] += v
		}
		return out
	}
	r := s
	r.Files += o.Files
	r.Members += o.Members
	r.Bytes += o.Bytes
	r.Decompressed += o.Decompressed
	r.ObjectsListed += o.ObjectsListed
	r.ObjectsPlanned += o.ObjectsPlanned
	r.ObjectsFetched += o.ObjectsFetched
	r.ObjectsFailed += o.ObjectsFailed
	r.Records += o.Records
	r.NoTime += o.NoTime
	r.Evaluated += o.Evaluated
	r.Failed += o.Failed
	r.Skipped = add(s.Skipped, o.Skipped)
	r.Errors = add(s.Errors, o.Errors)
	r.Findings += o.Findings
	r.Suppressed = add(s.Suppressed, o.Suppressed)
	r.ExpiredFilters = slices.Compact(slices.Sorted(slices.Values(slices.Concat(s.ExpiredFilters, o.ExpiredFilters))))
	r.FilterSources = maps.Clone(s.FilterSources)
	if r.FilterSources == nil {
		r.FilterSources = map[string]string{}
	}
	maps.Copy(r.FilterSources, o.FilterSources)
	r.Rows, r.BelowCondition = o.Rows, o.BelowCondition
	r.Elapsed = max(s.Elapsed, o.Elapsed)
	r.Interrupted = s.Interrupted || o.Interrupted
	return r
}

// Minus takes o's counters out of s: what a part of a run counted beyond a
// phase every part repeats (each shard lists every input; the listing's
// counts belong to one shard only).
func (s Summary) Minus(o Summary) Summary {
	neg := func(m map[string]int64) map[string]int64 {
		out := map[string]int64{}
		for k, v := range m {
			out[k] = -v
		}
		return out
	}
	n := Summary{
		Files: -o.Files, Members: -o.Members, Bytes: -o.Bytes, Decompressed: -o.Decompressed,
		ObjectsListed: -o.ObjectsListed, ObjectsPlanned: -o.ObjectsPlanned, ObjectsFetched: -o.ObjectsFetched, ObjectsFailed: -o.ObjectsFailed,
		Records: -o.Records, NoTime: -o.NoTime, Evaluated: -o.Evaluated, Failed: -o.Failed,
		Skipped: neg(o.Skipped), Errors: neg(o.Errors), Findings: -o.Findings, Suppressed: neg(o.Suppressed),
	}
	r := s.Plus(n)
	r.Rows, r.BelowCondition, r.Elapsed = s.Rows, s.BelowCondition, s.Elapsed
	for _, m := range []map[string]int64{r.Skipped, r.Errors, r.Suppressed} {
		maps.DeleteFunc(m, func(_ string, v int64) bool { return v == 0 })
	}
	return r
}
