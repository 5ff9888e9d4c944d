package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// usage is each mode's help: what it does and examples. The flags that
// apply to the mode are listed after it.
var usage = map[string]string{
	modeRun: `Usage: evaluate [run] [flags] PATH...

Runs the detections over CloudTrail logs and writes the aggregated rows and a
run summary. PATH is a file, a directory (read recursively), - for
standard input, or s3://bucket[/prefix]: {"Records":[...]} objects, JSON
arrays, JSON lines or single events, plain or gzip'd, or zip and tar(.gz)
archives of those. In an AWSLogs tree (local or S3), only the accounts,
regions and day folders that --accounts, --regions, --since and --until
allow are listed and read.

Other modes: evaluate watch | follow | list | plan | verify | merge (evaluate MODE --help).

Examples:
  evaluate fixtures/
  evaluate --since 7d --format csv --output week.csv /data/AWSLogs/
  evaluate --since 2024-08-01 --until 2024-08-03 --regions us-east-1 s3://org-trail/AWSLogs/o-aa11bb22cc/
  evaluate --detection 'aws_*loginprofile' --filters org.yaml --raw raw.jsonl logs/
`,
	modeWatch: `Usage: evaluate watch --policies DIR [flags] PATH...

The tuning loop: evaluates PATH once and keeps its records in memory, then
re-evaluates after every edit of a policy or filter list under --policies
(and --add-policies, --filters) and prints what changed. Runs until Ctrl-C.

Examples:
  evaluate watch --policies policies/ logs/
  evaluate watch --policies my-policies/ --detection aws_createaccesskey --since 30d logs/
`,
	modeFollow: `Usage: evaluate follow [flags] DIR

Evaluates each new CloudTrail file arriving in DIR (recursively) once it has
settled, and writes every unsuppressed finding at once as a JSON line. With
--policies, policies and filters reload underneath. Runs until Ctrl-C.

Examples:
  evaluate follow --state /var/lib/trailhunt/state.json /data/trail/
  evaluate follow --policies policies/ --since 24h /data/trail/
`,
	modePlan: `Usage: evaluate plan [flags] PATH...

Prints what a run over PATH would read, and reads nothing: the files and
S3 objects planned, with their bytes, per input, account, region and day
(the AWSLogs layout's delivery date), then totals, and what the listing left
out (digest and Insights prefixes, other accounts, regions and days). PATH
is as for a run: directories, files, s3://bucket[/prefix].

Examples:
  evaluate plan --since 2024-08-01 --until 2024-08-03 s3://org-trail
  evaluate plan --accounts 111122223333,444455556666 --regions us-east-1 --format json /data/AWSLogs/
`,
	modeMerge: `Usage: evaluate merge [flags] PARTIAL...

Merges the partial results of a hunt's shards (evaluate run --partial
FILE --shard-count N, on N machines) into exactly the rows and summary one
run over the same inputs gives, in any format. PARTIAL is a .thp file or a
directory of them, or an S3 object or prefix (s3://bucket/prefix/: the
.thp objects directly under it); local and s3:// may be mixed. Partials of
another policy set, time window or plan are refused; a missing shard is
named, and its absence marked in the summary.

Examples:
  evaluate merge --format ocsf --output result.ocsf.jsonl --summary summary.json /partials/
  evaluate merge --output s3://results-bucket/hunt-2026-10/result.ocsf.jsonl \
      --summary s3://results-bucket/hunt-2026-10/summary.json s3://results-bucket/hunt-2026-10/
  evaluate merge --add-policies ./my-detections shard-0.thp shard-1.thp shard-2.thp
`,
	modeList: `Usage: evaluate list [flags]

Prints every loaded detection: id, title, type, ATT&CK, risk score, stats
and where condition, the prefilter derived from its policy, and its filter
entries (owner, expiry, file:line; expired ones flagged). Reads no logs.

Examples:
  evaluate list
  evaluate list --add-policies ./my-detections --detection 'aws_*loginprofile'
  evaluate list --filters org-filters.yaml --format json
`,
	modeVerify: `Usage: evaluate verify [flags] ROOT...

CloudTrail log file integrity validation, as aws cloudtrail validate-logs
does it, over a trail's bucket (s3://bucket[/prefix]; each digest's signature
from its object's metadata) or offline over local copies of it (each ROOT
holds AWSLogs/...; signatures from sidecars <digest>.sig), mixed freely.
Checks each digest's signature with the public keys saved from
aws cloudtrail list-public-keys, the chain of digests, and the SHA-256 of
every log file they list. Reports per account and region: valid, modified,
missing, unlisted (in no digest), unverifiable (no signature or no key), and
chain gaps. Exit 0 when everything verified, 3 when anything did not (or
nothing was there to verify), 2 for bad arguments or a bucket that cannot be
listed.
See docs/integrity.md for how to save the keys and signatures.

Examples:
  evaluate verify --public-keys keys-us-east-1.json --public-keys keys-eu-west-1.json /data/trail-bucket/
  evaluate verify --public-keys keys.json --accounts 111122223333 --since 2024-08-01 --until 2024-08-02 /data/trail-bucket/
  evaluate verify --public-keys keys.json s3://my-trail-bucket
  evaluate run --verify --public-keys keys.json --summary summary.json /data/trail-bucket/
`,
}

// writeUsage prints a mode's help and the flags it honours.
func writeUsage(w io.Writer, mode string, fs *flag.FlagSet) {
	var b strings.Builder
	b.WriteString(usage[mode])
	b.WriteString("\nFlags:\n")
	for _, o := range options {
		if !slices.Contains(o.modes, mode) || (mode != modeRun && (o.name == "watch" || o.name == "follow")) {
			continue
		}
		f := fs.Lookup(o.name)
		name, text := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintf(&b, "%s\n    \t%s", line, text)
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" && f.DefValue != "[]" {
			fmt.Fprintf(&b, " (default %s)", f.DefValue)
		}
		b.WriteByte('\n')
	}
	io.WriteString(w, b.String())
}
