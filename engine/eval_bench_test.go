package engine

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trailhunt/trailhunt/loader"
	"github.com/trailhunt/trailhunt/trail"
)

// matchedRecords returns the TrailDiscover fixture records the AccessDenied
// detection reports (IAM users' refused calls, ~1.5 KB each), read by the
// loader as a sweep reads them: with their spans.
func matchedRecords(tb testing.TB) []trail.Record {
	tb.Helper()
	path := filepath.Join("..", "fixtures", "traildiscover", "records.json")
	var out []trail.Record
	for rec, err := range loader.New(loader.Config{}).Records(context.Background(), loader.Input{Path: path, Size: -1}) {
		if err != nil {
			tb.Fatal(err)
		}
		code, _ := rec.LookupString("errorCode")
		agent, _ := rec.LookupString("userAgent")
		typ, _ := trail.StringMember(rec.Lookup("userIdentity"), "type")
		if code == "AccessDenied" && typ == "IAMUser" && !strings.HasSuffix(strings.ToLower(agent), ".amazonaws.com") {
			out = append(out, rec)
		}
	}
	if len(out) == 0 {
		tb.Fatal("no AccessDenied records of IAM users in the fixtures")
	}
	return out
}

// BenchmarkEvaluateMatched measures the evaluation of the records that reach
// OPA: IAM users' refused calls, which the AccessDenied detection reports
// (some another detection too), given to the whole embedded pack.
func BenchmarkEvaluateMatched(b *testing.B) {
	recs := matchedRecords(b)
	set, err := Load(context.Background(), Config{Now: fixedNow})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	i := 0
	for b.Loop() {
		fs, err := set.Evaluate(ctx, recs[i%len(recs)])
		if err != nil || len(fs) == 0 || fs[0].Detection != "aws_iam_accessdenied_discovery_events" {
			b.Fatalf("Evaluate = %+v, %v", fs, err)
		}
		i++
	}
}
