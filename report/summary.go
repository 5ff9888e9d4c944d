package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Summary is every count of a run. Its JSON form (WriteSummaryJSON, or
// json.Marshal) uses the snake_case names given with each field, always
// writes every field (empty maps as {}, empty lists as []) in the order of
// the struct, sorts map keys and expired_filters, and adds
// records_per_second.
type Summary struct {
	PolicyVersion string   // policy_version: the policy set's version id
	Detections    []string // detections: ids of the detections evaluated

	Files        int64 // files: input files opened (S3 objects included)
	Members      int64 // members: zip/tar members read
	Bytes        int64 // bytes: input bytes read, as stored
	Decompressed int64 // decompressed: bytes after decompression

	// The S3 objects of s3:// inputs: every object listed is planned or
	// left out by the AWSLogs plan; every planned object read to its end
	// is fetched or failed (Errors counts the failures by reason).
	ObjectsListed  int64 // objects_listed
	ObjectsPlanned int64 // objects_planned
	ObjectsFetched int64 // objects_fetched
	ObjectsFailed  int64 // objects_failed

	Records int64 // records: CloudTrail records read
	NoTime  int64 // no_time: records without a usable eventTime (still evaluated)

	Evaluated int64 // evaluated: records evaluated by the engine
	Failed    int64 // failed: records that failed (loader or engine)

	Skipped map[string]int64 // skipped: files, members and records skipped, by reason
	Errors  map[string]int64 // errors: errors by reason

	Findings   int64            // findings: findings shown, before aggregation
	Rows       int64            // rows: result rows
	Suppressed map[string]int64 // suppressed: suppressed findings per filter entry ("<detection>/<id>")

	ExpiredFilters []string // expired_filters: "<detection>/<id>" of expired filter entries
	// FilterSources: "<detection>/<id>" -> "file:line" of every entry in
	// Suppressed or ExpiredFilters, so a reader finds the entry to edit.
	FilterSources map[string]string // filter_sources
	// BelowCondition: per detection, the aggregated groups its stats.where
	// condition held back (not reported as rows).
	BelowCondition map[string]int64 // below_condition
	// Integrity is the log integrity verification of the inputs (run
	// --verify); nil (null) when the run did not verify them.
	Integrity *Integrity // integrity
	// MissingShards: the shards a merge did not have (evaluate merge); its
	// rows and counts leave their inputs out.
	MissingShards []int // missing_shards

	Elapsed     time.Duration // elapsed_seconds: wall time, as seconds (a float)
	Interrupted bool          // interrupted: the run was stopped before reading all input
}

// Integrity is what verifying the inputs' CloudTrail digests found (see
// package integrity): the files by verdict, the breaks in digest chains, and
// the findings shown by the verdict on the file each came from, so that a
// reader sees at once how many findings rest on files that did not verify.
type Integrity struct {
	Verified bool             `json:"verified"` // every file valid and every chain unbroken
	Files    map[string]int64 `json:"files"`    // files by verdict: valid, modified, missing, unlisted, unverifiable
	Gaps     int64            `json:"gaps"`     // breaks in digest chains
	// Findings: findings shown, by the verdict on their file ("not_verified"
	// for files outside what was verified, such as archive members).
	Findings map[string]int64 `json:"findings"`
}

// RecordsPerSecond is Records over Elapsed; 0 when Elapsed is not positive.
func (s Summary) RecordsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Records) / s.Elapsed.Seconds()
}

// summaryJSON fixes the JSON field order and names.
type summaryJSON struct {
	PolicyVersion    string            `json:"policy_version"`
	Detections       []string          `json:"detections"`
	Files            int64             `json:"files"`
	Members          int64             `json:"members"`
	Bytes            int64             `json:"bytes"`
	Decompressed     int64             `json:"decompressed"`
	ObjectsListed    int64             `json:"objects_listed"`
	ObjectsPlanned   int64             `json:"objects_planned"`
	ObjectsFetched   int64             `json:"objects_fetched"`
	ObjectsFailed    int64             `json:"objects_failed"`
	Records          int64             `json:"records"`
	NoTime           int64             `json:"no_time"`
	Evaluated        int64             `json:"evaluated"`
	Failed           int64             `json:"failed"`
	Skipped          map[string]int64  `json:"skipped"`
	Errors           map[string]int64  `json:"errors"`
	Findings         int64             `json:"findings"`
	Rows             int64             `json:"rows"`
	Suppressed       map[string]int64  `json:"suppressed"`
	ExpiredFilters   []string          `json:"expired_filters"`
	FilterSources    map[string]string `json:"filter_sources"`
	BelowCondition   map[string]int64  `json:"below_condition"`
	Integrity        *Integrity        `json:"integrity"`
	MissingShards    []int             `json:"missing_shards"`
	ElapsedSeconds   float64           `json:"elapsed_seconds"`
	Interrupted      bool              `json:"interrupted"`
	RecordsPerSecond float64           `json:"records_per_second"`
}

// MarshalJSON renders the summary as documented on Summary; map keys and
// expired_filters are sorted, detections keep their order.
func (s Summary) MarshalJSON() ([]byte, error) {
	orEmpty := func(m map[string]int64) map[string]int64 {
		if m == nil {
			return map[string]int64{}
		}
		return m
	}
	orNone := func(l []string) []string {
		if l == nil {
			return []string{}
		}
		return l
	}
	return json.Marshal(summaryJSON{
		PolicyVersion:    s.PolicyVersion,
		Detections:       orNone(s.Detections),
		Files:            s.Files,
		Members:          s.Members,
		Bytes:            s.Bytes,
		Decompressed:     s.Decompressed,
		ObjectsListed:    s.ObjectsListed,
		ObjectsPlanned:   s.ObjectsPlanned,
		ObjectsFetched:   s.ObjectsFetched,
		ObjectsFailed:    s.ObjectsFailed,
		Records:          s.Records,
		NoTime:           s.NoTime,
		Evaluated:        s.Evaluated,
		Failed:           s.Failed,
		Skipped:          orEmpty(s.Skipped),
		Errors:           orEmpty(s.Errors),
		Findings:         s.Findings,
		Rows:             s.Rows,
		Suppressed:       orEmpty(s.Suppressed),
		ExpiredFilters:   orNone(slices.Sorted(slices.Values(s.ExpiredFilters))),
		FilterSources:    orNoSources(s.FilterSources),
		BelowCondition:   orEmpty(s.BelowCondition),
		Integrity:        s.Integrity.orEmpty(),
		MissingShards:    orNoShards(s.MissingShards),
		ElapsedSeconds:   s.Elapsed.Seconds(),
		Interrupted:      s.Interrupted,
		RecordsPerSecond: s.RecordsPerSecond(),
	})
}

// orEmpty writes an Integrity's maps as {} when empty.
func (in *Integrity) orEmpty() *Integrity {
	if in == nil {
		return nil
	}
	out := *in
	for _, m := range []*map[string]int64{&out.Files, &out.Findings} {
		if *m == nil {
			*m = map[string]int64{}
		}
	}
	return &out
}

func orNoShards(l []int) []int {
	if l == nil {
		return []int{}
	}
	return l
}

func orNoSources(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// WriteSummaryJSON writes s as one JSON document indented by two spaces.
func WriteSummaryJSON(w io.Writer, s Summary) error {
	compact, err := s.MarshalJSON()
	if err != nil {
		return fmt.Errorf("encode summary: %w", err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, compact, "", "  "); err != nil {
		return fmt.Errorf("encode summary: %w", err)
	}
	out.WriteByte('\n')
	_, err = w.Write(out.Bytes())
	return err
}

// WriteSummary writes s for a person (stderr): one aligned "label  text"
// line per topic, maps sorted by key and omitted when empty, ending with the
// records/s line. For example:
//
//	policies     v1 (1 detection: aws_createaccesskey)
//	input        3 files, 2 members, 1.2 MiB read, 9.8 MiB decompressed
//	objects      3 listed, 2 planned, 2 fetched, 0 failed   (s3:// inputs only)
//	records      12,000 read: 11,998 evaluated, 2 failed; 5 without time
//	findings     4 shown in 2 rows
//	integrity    verified: 3 files (valid: 3)
//	             findings by the verdict on their file: valid: 4
//	elapsed      1.5s
//	records/s    8,000
func WriteSummary(w io.Writer, s Summary) error {
	type line struct{ label, text string }
	var lines []line
	add := func(label, text string) { lines = append(lines, line{label, text}) }

	dets := "no detections"
	if len(s.Detections) > 0 {
		dets = plural(int64(len(s.Detections)), "detection") + ": " + strings.Join(s.Detections, ", ")
	}
	if s.PolicyVersion != "" {
		add("policies", s.PolicyVersion+" ("+dets+")")
	} else {
		add("policies", dets)
	}
	add("input", plural(s.Files, "file")+", "+plural(s.Members, "member")+", "+
		humanBytes(s.Bytes)+" read, "+humanBytes(s.Decompressed)+" decompressed")
	if s.ObjectsListed > 0 {
		add("objects", group(s.ObjectsListed)+" listed, "+group(s.ObjectsPlanned)+" planned, "+
			group(s.ObjectsFetched)+" fetched, "+group(s.ObjectsFailed)+" failed")
	}
	records := group(s.Records) + " read: " + group(s.Evaluated) + " evaluated, " + group(s.Failed) + " failed"
	if s.NoTime > 0 {
		records += "; " + group(s.NoTime) + " without time"
	}
	add("records", records)
	if len(s.Skipped) > 0 {
		add("skipped", counts(s.Skipped))
	}
	if len(s.Errors) > 0 {
		add("errors", counts(s.Errors))
	}
	add("findings", group(s.Findings)+" shown in "+plural(s.Rows, "row"))
	if len(s.BelowCondition) > 0 {
		add("below where", counts(s.BelowCondition)+" groups not shown")
	}
	source := func(k string) string {
		if src, ok := s.FilterSources[k]; ok {
			return k + " (" + src + ")"
		}
		return k
	}
	// One line per filter entry, the label on the first only.
	first := func(i int, label string) string {
		if i > 0 {
			return ""
		}
		return label
	}
	for i, k := range slices.Sorted(maps.Keys(s.Suppressed)) {
		add(first(i, "suppressed"), source(k)+": "+group(s.Suppressed[k]))
	}
	for i, k := range slices.Sorted(slices.Values(s.ExpiredFilters)) {
		add(first(i, "expired"), source(k))
	}
	if in := s.Integrity; in != nil {
		var files int64
		for _, n := range in.Files {
			files += n
		}
		text := "FAILED: "
		if in.Verified {
			text = "verified: "
		}
		text += plural(files, "file")
		if len(in.Files) > 0 {
			text += " (" + counts(in.Files) + ")"
		}
		if in.Gaps > 0 {
			text += "; " + plural(in.Gaps, "chain gap")
		}
		add("integrity", text)
		if len(in.Findings) > 0 {
			add("", "findings by the verdict on their file: "+counts(in.Findings))
		}
	}
	if len(s.MissingShards) > 0 {
		var ids []string
		for _, i := range s.MissingShards {
			ids = append(ids, strconv.Itoa(i))
		}
		add("shards", "incomplete: missing "+strings.Join(ids, ", "))
	}
	elapsed := s.Elapsed.Round(time.Millisecond).String()
	if s.Interrupted {
		elapsed += " (interrupted: results are partial)"
	}
	add("elapsed", elapsed)
	add("records/s", group(int64(math.Round(s.RecordsPerSecond()))))

	labelW := 0
	for _, l := range lines {
		labelW = max(labelW, len(l.label))
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(padRight(l.label, labelW+2))
		b.WriteString(sanitize(l.text))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// counts renders a map as "key: n, key: n", keys sorted.
func counts(m map[string]int64) string {
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+": "+group(m[k]))
	}
	return strings.Join(parts, ", ")
}

// plural renders "1 file", "2 files", with digit grouping.
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return group(n) + " " + noun + "s"
}

// group renders n with a comma every three digits: 1234567 -> "1,234,567".
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// humanBytes renders a byte count in binary units: "512 B", "1.5 MiB".
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	v, i := float64(n), -1
	for v >= unit && i < 5 {
		v /= unit
		i++
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + string("KMGTPE"[i]) + "iB"
}
