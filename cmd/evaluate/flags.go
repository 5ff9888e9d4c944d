package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trailhunt/trailhunt/loader"
	"github.com/trailhunt/trailhunt/loader/s3source"
	"github.com/trailhunt/trailhunt/report"
	"github.com/trailhunt/trailhunt/sweep"
)

// The modes (subcommands). Every mode parses the same flags into one run
// specification (config); a flag a mode cannot honour is refused with one
// line, never ignored.
const (
	modeRun    = "run"    // batch: evaluate PATHs, aggregate, write results and a summary
	modeWatch  = "watch"  // tuning loop: re-evaluate PATHs on every policy or filter edit
	modeFollow = "follow" // evaluate each new file arriving in DIR once
	modeList   = "list"   // print the loaded detections
	modePlan   = "plan"   // print what a run over PATHs would read, reading nothing
	modeVerify = "verify" // check CloudTrail's digests over AWSLogs trees (log integrity)
	modeMerge  = "merge"  // merge the partial results of a hunt's shards into its rows and summary
)

var modes = []string{modeRun, modeWatch, modeFollow, modeList, modePlan, modeVerify, modeMerge}

// config is the run specification: the command line, parsed and checked
// before anything is read.
type config struct {
	mode           string
	paths          []string // run, watch: inputs; follow: the one directory
	policies       string
	addPolicies    []string
	filters        []string
	format         report.Format
	formatSet      bool
	output         string
	summary        string
	raw            string
	detections     []string
	since, until   time.Time
	now            time.Time
	workers        int
	width          int
	widthSet       bool
	quiet          bool
	version        bool
	failOnFindings bool
	noPrefilter    bool
	state          string
	cacheBytes     int64
	settle         time.Duration
	evalTimeout    time.Duration
	maxErrors      int
	partial        string      // run: write a partial result here, not rows
	shard          sweep.Shard // run: this shard of the hunt (Count 0: all of it)
	maxRecord      int64
	maxDecompress  int64
	maxMemory      int64 // run, merge: bytes; 0: no bound (memory.go)
	s3             s3Flags
	verify         verifyConfig // --verify, --public-keys (verify.go); --accounts, --regions are s3Flags'
}

// s3Flags are the AWSLogs planner's filters and the S3 client's settings.
type s3Flags struct {
	accounts, regions csvFlag // 12-digit ids; region names
	deliveryMargin    time.Duration
	profile, region   string
	endpoint          string
	concurrency       int
	attempts          int
	timeout           time.Duration
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// option is one flag: where it applies and how it binds to the config.
type option struct {
	name  string
	modes []string // the modes that honour it
	bind  func(fs *flag.FlagSet, c *config, raw *rawFlags)
}

// rawFlags holds what is resolved after parsing: times relative to --now,
// the format, and the legacy mode flags.
type rawFlags struct {
	since, until, now, format, follow string
	shardIndex                        string
	maxMemory                         string
	filters, detections, addPolicies  listFlag
	watch                             bool
}

var (
	all       = modes
	policied  = []string{modeRun, modeWatch, modeFollow, modeList, modeMerge}  // modes that load detections
	reporting = []string{modeRun, modeMerge}                                   // modes that write rows and a run summary
	evaluated = []string{modeRun, modeWatch, modeFollow}                       // modes that read logs
	windowed  = []string{modeRun, modeWatch, modeFollow, modeVerify, modePlan} // modes bounded by event time
	planned   = []string{modeRun, modeWatch, modePlan}                         // modes that list inputs with the AWSLogs planner
	s3Read    = append(planned[:len(planned):len(planned)], modeVerify)        // modes that read s3:// inputs
	s3Client  = append(s3Read[:len(s3Read):len(s3Read)], modeMerge)            // modes with an S3 client (merge reads s3:// partials)
)

var options = []option{
	{"policies", policied, func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.StringVar(&c.policies, "policies", "", "directory of detections, replacing the set embedded in the binary")
	}},
	{"add-policies", policied, func(fs *flag.FlagSet, _ *config, r *rawFlags) {
		fs.Var(&r.addPolicies, "add-policies", "directory of more detection folders, run beside the --policies or embedded set (repeatable)")
	}},
	{"filters", policied, func(fs *flag.FlagSet, _ *config, r *rawFlags) {
		fs.Var(&r.filters, "filters", "filter-list file or directory; its entries apply beside each detection's own filters.yaml (repeatable)")
	}},
	{"detection", policied, func(fs *flag.FlagSet, _ *config, r *rawFlags) {
		fs.Var(&r.detections, "detection", "only the detections with this id or glob, e.g. 'aws_*loginprofile' (repeatable)")
	}},
	{"now", []string{modeRun, modeWatch, modeFollow, modeList, modePlan, modeVerify}, func(fs *flag.FlagSet, _ *config, r *rawFlags) {
		fs.StringVar(&r.now, "now", "", "the time filter expiry and relative --since/--until are judged against (default: the clock)")
	}},
	{"format", all, func(fs *flag.FlagSet, _ *config, r *rawFlags) {
		fs.StringVar(&r.format, "format", "", "output format: "+formatNames(report.Formats)+
			" (run, merge: default from --output's extension, else table on a terminal, else jsonl; watch: table; follow: jsonl; list, plan, verify: table)")
	}},
	{"since", windowed, func(fs *flag.FlagSet, _ *config, r *rawFlags) {
		fs.StringVar(&r.since, "since", "", "only events at or after this time: RFC 3339, YYYY-MM-DD, 'YYYY-MM-DD HH:MM:SS' (UTC) or a duration back from --now (90m, 24h, 7d)")
	}},
	{"until", windowed, func(fs *flag.FlagSet, _ *config, r *rawFlags) {
		fs.StringVar(&r.until, "until", "", "only events before this time (as --since)")
	}},
	{"quiet", append(evaluated[:len(evaluated):len(evaluated)], modeMerge), func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.BoolVar(&c.quiet, "quiet", false, "no progress line, no per-error lines, no summary on stderr")
	}},
	{"eval-timeout", evaluated, func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.DurationVar(&c.evalTimeout, "eval-timeout", time.Second, "deadline for one record in one detection; a record past it is counted as timed out (0: none)")
	}},
	{"no-prefilter", evaluated, func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.BoolVar(&c.noPrefilter, "no-prefilter", false, "give every record to OPA, even those the policies' derived prefilter rules out (slower)")
	}},
	{"max-errors", evaluated, func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.IntVar(&c.maxErrors, "max-errors", 20, "error lines printed on stderr (run: in all; watch: per evaluation; follow: per file); all are counted")
	}},
	{"max-record-bytes", evaluated, func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.Int64Var(&c.maxRecord, "max-record-bytes", 16<<20, "largest record accepted, in bytes")
	}},
	{"max-decompressed-bytes", evaluated, func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.Int64Var(&c.maxDecompress, "max-decompressed-bytes", 8<<30, "largest decompressed size of one file or archive member")
	}},
	{"workers", []string{modeRun, modeWatch, modeVerify}, func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.IntVar(&c.workers, "workers", 0, "parallel workers (default: number of CPUs)")
	}},
	{"width", []string{modeRun, modeWatch, modeMerge}, func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.IntVar(&c.width, "width", 0, "table width in columns (default: the terminal's, else $COLUMNS, else 120)")
	}},
	{"output", reporting, func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.StringVar(&c.output, "output", "", "write results to this file or s3://bucket/key, atomically (a rename, or one PUT; default: standard output); its extension sets the format")
	}},
	{"summary", reporting, func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.StringVar(&c.summary, "summary", "", "also write the run summary as JSON to this file or s3://bucket/key (one PUT)")
	}},
	{"raw", []string{modeRun}, func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.StringVar(&c.raw, "raw", "", "also write the raw record behind every finding shown, as JSON lines with its detection and source")
	}},
	{"max-memory", reporting, func(fs *flag.FlagSet, _ *config, r *rawFlags) {
		fs.StringVar(&r.maxMemory, "max-memory", defaultMaxMemory, "memory to stay under, e.g. 512MiB or 2GiB: result groups past half of it are spilled to disk ($TMPDIR) and merged back in order (0: no bound)")
	}},
	{"fail-on-findings", reporting, func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.BoolVar(&c.failOnFindings, "fail-on-findings", false, "exit 1 when there is at least one finding")
	}},
	{"version", []string{modeRun}, func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.BoolVar(&c.version, "version", false, "print the version and the policy-set version, then exit")
	}},
	{"cache-bytes", []string{modeWatch}, func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.Int64Var(&c.cacheBytes, "cache-bytes", 1<<30, "memory budget for the records kept between re-evaluations")
	}},
	{"state", []string{modeFollow}, func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.StringVar(&c.state, "state", "", "state file recording the files done, so a restart resumes")
	}},
	{"settle", []string{modeFollow}, func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.DurationVar(&c.settle, "settle", 2*time.Second, "a file is complete once unchanged this long")
	}},
	// Log integrity
	{"public-keys", []string{modeVerify, modeRun}, func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.Var(&c.verify.publicKeys, "public-keys", "`FILE` of public keys saved from aws cloudtrail list-public-keys (repeatable: one per region)")
	}},
	{"verify", []string{modeRun}, func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.BoolVar(&c.verify.enabled, "verify", false, "first verify the inputs' CloudTrail digests, as evaluate verify does (with --public-keys); the summary counts the findings from files that did not verify")
	}},
	// S3 and the AWSLogs planner
	{"accounts", append(planned, modeVerify), func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.Var(&c.s3.accounts, "accounts", "only these AWS accounts of an AWSLogs tree (comma-separated, repeatable); the others are never listed")
	}},
	{"regions", append(planned, modeVerify), func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.Var(&c.s3.regions, "regions", "only these regions of an AWSLogs tree (comma-separated, repeatable)")
	}},
	{"delivery-margin", planned, func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.DurationVar(&c.s3.deliveryMargin, "delivery-margin", loader.DefaultDeliveryMargin, "with --until: how long after an event CloudTrail may deliver it; day folders up to --until plus this are read")
	}},
	{"profile", s3Client, func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.StringVar(&c.s3.profile, "profile", "", "AWS shared-config profile for s3:// inputs (default: AWS_PROFILE, else default)")
	}},
	{"region", s3Client, func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.StringVar(&c.s3.region, "region", "", "AWS region to start from for s3:// inputs; a bucket elsewhere is found and read in its own region (default: AWS_REGION, the profile's, us-east-1)")
	}},
	{"endpoint-url", s3Client, func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.StringVar(&c.s3.endpoint, "endpoint-url", "", "URL of an S3-compatible store, addressed by path (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL)")
	}},
	{"s3-concurrency", s3Read, func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.IntVar(&c.s3.concurrency, "s3-concurrency", s3source.DefaultConcurrency, "S3 requests (GETs, LISTs) in flight at once")
	}},
	{"s3-attempts", s3Client, func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.IntVar(&c.s3.attempts, "s3-attempts", s3source.DefaultAttempts, "tries of each S3 request (throttling, 5xx, broken connections and bodies are retried with backoff)")
	}},
	{"s3-timeout", s3Client, func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.DurationVar(&c.s3.timeout, "s3-timeout", s3source.DefaultTimeout, "per attempt: longest wait to connect, for an answer, or for the next bytes of a body")
	}},
	// Scale-out: shards and partial results
	{"partial", []string{modeRun}, func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.StringVar(&c.partial, "partial", "", "write this shard's partial result to `FILE` or s3://bucket/key.thp (atomically: a rename, or one PUT) instead of rows, for evaluate merge")
	}},
	{"shard-count", []string{modeRun}, func(fs *flag.FlagSet, c *config, _ *rawFlags) {
		fs.IntVar(&c.shard.Count, "shard-count", 0, "split the hunt into `N` shards by input bytes and read only this shard's inputs")
	}},
	{"shard-index", []string{modeRun}, func(fs *flag.FlagSet, _ *config, r *rawFlags) {
		fs.StringVar(&r.shardIndex, "shard-index", "", "this shard's index, 0 to N-1 (default: $JOB_COMPLETION_INDEX, else $AWS_BATCH_JOB_ARRAY_INDEX)")
	}},
	// The modes as flags of plain `evaluate`, as before subcommands.
	{"watch", []string{modeRun}, func(fs *flag.FlagSet, _ *config, r *rawFlags) {
		fs.BoolVar(&r.watch, "watch", false, "the same as `evaluate watch`")
	}},
	{"follow", []string{modeRun}, func(fs *flag.FlagSet, _ *config, r *rawFlags) {
		fs.StringVar(&r.follow, "follow", "", "DIR: the same as `evaluate follow DIR`")
	}},
}

// formatsOf lists the formats each mode writes.
var formatsOf = map[string][]report.Format{
	modeRun:    report.Formats,
	modeWatch:  {report.FormatTable, report.FormatJSON, report.FormatJSONL, report.FormatCSV},
	modeFollow: {report.FormatJSONL, report.FormatOCSF},
	modeList:   {report.FormatTable, report.FormatJSON},
	modePlan:   {report.FormatTable, report.FormatJSON},
	modeVerify: {report.FormatTable, report.FormatJSON},
	modeMerge:  report.Formats,
}

func formatNames(fs []report.Format) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// errHelp is returned for -h/--help: usage was printed to stdout.
var errHelp = flag.ErrHelp

// parseArgs reads the subcommand and its flags into a config, checking
// every value before anything is read. Help goes to stdout; an error is one
// line and never prints the usage.
func parseArgs(args []string, now time.Time, stdout io.Writer) (config, error) {
	c := config{mode: modeRun}
	if len(args) > 0 && slices.Contains(modes, args[0]) {
		c.mode, args = args[0], args[1:]
	}
	var raw rawFlags
	fs := flag.NewFlagSet("evaluate "+c.mode, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, o := range options {
		o.bind(fs, &c, &raw)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			writeUsage(stdout, c.mode, fs)
			return c, errHelp
		}
		return c, fmt.Errorf("%w (see evaluate %s --help)", err, c.mode)
	}
	// The legacy mode flags switch plain `evaluate` into a mode.
	switch {
	case raw.watch && raw.follow != "":
		return c, errors.New("--watch and --follow are different modes: choose one")
	case raw.watch:
		c.mode = modeWatch
	case raw.follow != "":
		c.mode = modeFollow
	}
	// A flag set that the mode cannot honour is refused.
	var refused error
	fs.Visit(func(f *flag.Flag) {
		if refused != nil || f.Name == "watch" || f.Name == "follow" {
			return
		}
		i := slices.IndexFunc(options, func(o option) bool { return o.name == f.Name })
		if !slices.Contains(options[i].modes, c.mode) {
			refused = fmt.Errorf("--%s: not available with `evaluate %s` (it applies to %s)", f.Name, c.mode, strings.Join(options[i].modes, ", "))
		}
		if f.Name == "width" {
			c.widthSet = true
		}
	})
	if refused != nil {
		return c, refused
	}
	c.filters, c.detections, c.addPolicies, c.paths = raw.filters, raw.detections, raw.addPolicies, fs.Args()
	if raw.follow != "" {
		c.paths = append([]string{raw.follow}, c.paths...)
	}
	return c, c.resolve(raw, now)
}

// resolve turns the raw values into the config and checks them all.
func (c *config) resolve(raw rawFlags, clock time.Time) error {
	c.now = clock.UTC()
	if raw.now != "" {
		t, err := parseTime(raw.now, time.Time{})
		if err != nil {
			return fmt.Errorf("--now: %w", err)
		}
		c.now = t
	}
	for _, t := range []struct {
		flag, s string
		dst     *time.Time
	}{{"since", raw.since, &c.since}, {"until", raw.until, &c.until}} {
		if t.s == "" {
			continue
		}
		v, err := parseTime(t.s, c.now)
		if err != nil {
			return fmt.Errorf("--%s: %w", t.flag, err)
		}
		*t.dst = v
	}
	if raw.format != "" {
		f, err := report.ParseFormat(raw.format)
		if err != nil {
			return fmt.Errorf("--format: %w", err)
		}
		c.format, c.formatSet = f, true
	} else if c.output != "" {
		if f, ok := formatOfName(c.output); ok {
			c.format, c.formatSet = f, true
		}
	}
	if c.formatSet && !slices.Contains(formatsOf[c.mode], c.format) {
		return fmt.Errorf("--format %s: `evaluate %s` writes %s", c.format, c.mode, formatNames(formatsOf[c.mode]))
	}
	if c.widthSet && c.formatSet && c.format != report.FormatTable {
		return fmt.Errorf("--width %d: only the table has a width, not --format %s", c.width, c.format)
	}
	switch {
	case c.mode == modeList && len(c.paths) > 0:
		return fmt.Errorf("list reads no logs: unexpected argument %q", c.paths[0])
	case c.mode == modePlan && len(c.paths) == 0:
		return errors.New("no PATH given: name directories, files or s3://bucket[/prefix] to plan")
	case c.mode == modeFollow && len(c.paths) != 1:
		return errors.New("follow takes exactly one DIR: the directory that receives CloudTrail files")
	case c.mode == modeWatch && c.policies == "":
		return errors.New("watch needs --policies DIR: the embedded policy set cannot change while it runs")
	case (c.mode == modeRun || c.mode == modeWatch) && len(c.paths) == 0 && !c.version:
		return errors.New("no PATH given: name files, directories, or - for standard input")
	case c.mode == modeVerify && len(c.paths) == 0:
		return errors.New("no ROOT given: name the directories that hold AWSLogs/ (a copy of the trail's bucket), or s3://bucket[/prefix]")
	case c.widthSet && c.width < report.MinWidth:
		return fmt.Errorf("--width %d: want at least %d columns", c.width, report.MinWidth)
	case c.workers < 0:
		return fmt.Errorf("--workers %d: want 0 (all CPUs) or more", c.workers)
	case !c.since.IsZero() && !c.until.IsZero() && !c.until.After(c.since):
		return fmt.Errorf("--until %s is not after --since %s", c.until.Format(time.RFC3339), c.since.Format(time.RFC3339))
	case slices.Contains(evaluated, c.mode) && (c.maxRecord <= 0 || c.maxDecompress <= 0):
		return fmt.Errorf("--max-record-bytes %d, --max-decompressed-bytes %d: both must be positive", c.maxRecord, c.maxDecompress)
	case c.evalTimeout < 0:
		return fmt.Errorf("--eval-timeout %s: want 0 (none) or more", c.evalTimeout)
	case c.maxErrors < 0:
		return fmt.Errorf("--max-errors %d: want 0 or more", c.maxErrors)
	case c.mode == modeWatch && c.cacheBytes < 0:
		return fmt.Errorf("--cache-bytes %d: want 0 or more", c.cacheBytes)
	case c.mode == modeFollow && c.settle <= 0:
		return fmt.Errorf("--settle %s: want a positive duration", c.settle)
	}
	if slices.Contains(reporting, c.mode) {
		n, err := parseMemory(raw.maxMemory)
		if err != nil {
			return fmt.Errorf("--max-memory: %w", err)
		}
		c.maxMemory = n
	}
	if err := c.s3.check(c.mode, c.paths); err != nil {
		return err
	}
	c.verify.accounts, c.verify.regions = c.s3.accounts, c.s3.regions
	if err := c.verify.check(c.mode); err != nil {
		return err
	}
	if err := c.resolveShard(raw); err != nil {
		return err
	}
	if err := checkS3Outputs(*c); err != nil {
		return err
	}
	return refuseWritingOverInputs(*c)
}

// formatOfName infers an output format from a file name's extension.
func formatOfName(name string) (report.Format, bool) {
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, ".ocsf.jsonl") || strings.HasSuffix(lower, ".ocsf.json"):
		f, err := report.ParseFormat("ocsf")
		return f, err == nil
	case strings.HasSuffix(lower, ".jsonl") || strings.HasSuffix(lower, ".ndjson"):
		return report.FormatJSONL, true
	}
	switch filepath.Ext(lower) {
	case ".csv":
		return report.FormatCSV, true
	case ".json":
		return report.FormatJSON, true
	case ".txt":
		return report.FormatTable, true
	}
	return "", false
}

// resolveShard checks the scale-out flags: the shard's index comes from
// --shard-index, else the job system's environment (Kubernetes Indexed
// Jobs set JOB_COMPLETION_INDEX, AWS Batch array jobs
// AWS_BATCH_JOB_ARRAY_INDEX).
func (c *config) resolveShard(raw rawFlags) error {
	switch {
	case c.mode == modeMerge && len(c.paths) == 0:
		return errors.New("no PARTIAL given: name the partial results (files, directories of *.thp files, or s3:// objects and prefixes) of the hunt's shards")
	case c.partial != "" && c.verify.enabled:
		return errors.New("--partial with --verify: verify the bucket once with evaluate verify, then run the shards")
	case c.partial != "" && (c.output != "" || c.formatSet):
		return errors.New("--partial writes a partial result, no rows: --output and --format are for evaluate merge")
	case s3source.IsURL(c.partial) && !isObjectURL(c.partial):
		return fmt.Errorf("--partial %s: want s3://bucket/key.thp, the object to write", c.partial)
	case c.shard.Count < 0:
		return fmt.Errorf("--shard-count %d: want 1 or more", c.shard.Count)
	case c.shard.Count == 0 && raw.shardIndex != "":
		return errors.New("--shard-index goes with --shard-count")
	}
	if c.shard.Count == 0 {
		if c.partial != "" {
			c.shard = sweep.Shard{Index: 0, Count: 1}
		}
		return nil
	}
	index, from := raw.shardIndex, "--shard-index"
	for _, env := range []string{"JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"} {
		if index == "" {
			index, from = os.Getenv(env), "$"+env
		}
	}
	if index == "" {
		return fmt.Errorf("--shard-count %d needs --shard-index, $JOB_COMPLETION_INDEX or $AWS_BATCH_JOB_ARRAY_INDEX", c.shard.Count)
	}
	i, err := strconv.Atoi(index)
	switch {
	case err != nil:
		return fmt.Errorf("%s %q is not a shard index: want a number from 0 to %d", from, index, c.shard.Count-1)
	case i < 0 || i >= c.shard.Count:
		return fmt.Errorf("%s %d: want 0 to %d (--shard-count %d)", from, i, c.shard.Count-1, c.shard.Count)
	}
	c.shard.Index = i
	for _, p := range c.paths {
		if p == "-" {
			return errors.New("standard input cannot be sharded: name files, directories or s3:// prefixes")
		}
	}
	return nil
}

// isObjectURL reports whether an s3:// URL names an object: a bucket and a
// key that is not a folder.
func isObjectURL(u string) bool {
	_, key, err := s3source.ParseURL(u)
	return err == nil && key != "" && !strings.HasSuffix(key, "/")
}
