package integrity

import (
	"regexp"
	"strings"
	"time"
)

// Kind is what an object is in the AWSLogs layout.
type Kind string

const (
	KindLog    Kind = "log"    // a log file under .../CloudTrail/<region>/
	KindDigest Kind = "digest" // a digest file under .../CloudTrail-Digest/<region>/
)

// Location is where an object sits in the AWSLogs layout. Only objects whose
// location is known take part in verification.
type Location struct {
	// Base is everything before "AWSLogs/": the bucket prefix, or the local
	// directory holding the copy. Digests vouch for files under their own
	// Base only.
	Base string
	// Key is the object's key from "AWSLogs/" on: what digests name,
	// after any bucket prefix.
	Key     string
	Org     string // the organisation id ("o-...") of an organisation trail, else ""
	Account string
	Region  string
	Kind    Kind
	// Time is the time in the file name: a log file's delivery time (to
	// the minute), a digest's end time. Zero when the name does not follow
	// CloudTrail's (a log file of another name is still a log file: it is
	// in the tree, and a run would read it).
	Time time.Time
	// Trail and HomeRegion name the trail of a digest; Backfill marks a
	// backfill digest (files a regular digest missed; not in the chain).
	Trail, HomeRegion string
	Backfill          bool
}

var (
	accountRE = regexp.MustCompile(`^[0-9]{12}$`)
	orgRE     = regexp.MustCompile(`^o-[a-z0-9]+$`)
)

// Locate places a slash-separated path or S3 key in the AWSLogs layout:
//
//	[base]AWSLogs/[o-org/]<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<id>.json.gz
//	[base]AWSLogs/[o-org/]<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/<account>_CloudTrail-Digest_<region>_<trail>_<home>_<YYYYMMDDTHHmmssZ>[_backfill].json.gz
//
// The last "AWSLogs/" segment of the path counts. Any regular file under a
// CloudTrail/<region>/ folder is a log file; under CloudTrail-Digest/ only
// names of digests are digests (sidecar .sig files and anything else are
// not located). ok is false for everything else (Insights, other trees).
func Locate(path string) (loc Location, ok bool) {
	i := strings.LastIndex(path, "/AWSLogs/")
	switch {
	case strings.HasPrefix(path, "AWSLogs/") && i < 0:
		i = 0
	case i >= 0:
		i++
	default:
		return Location{}, false
	}
	loc.Base, loc.Key = path[:i], path[i:]
	parts := strings.Split(loc.Key, "/")[1:]
	if len(parts) > 0 && orgRE.MatchString(parts[0]) {
		loc.Org, parts = parts[0], parts[1:]
	}
	// <account>/<CloudTrail|CloudTrail-Digest>/<region>/.../<name>
	if len(parts) < 4 || !accountRE.MatchString(parts[0]) || parts[2] == "" {
		return Location{}, false
	}
	loc.Account, loc.Region = parts[0], parts[2]
	name := parts[len(parts)-1]
	switch parts[1] {
	case "CloudTrail":
		loc.Kind = KindLog
		loc.Time = logNameTime(name, loc.Account, loc.Region)
		return loc, true
	case "CloudTrail-Digest":
		loc.Kind = KindDigest
		if !parseDigestName(name, &loc) {
			return Location{}, false
		}
		return loc, true
	}
	return Location{}, false
}

// logNameTime reads the delivery time of
// <account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<id>.json.gz.
func logNameTime(name, account, region string) time.Time {
	rest, ok := strings.CutPrefix(name, account+"_CloudTrail_"+region+"_")
	if !ok || len(rest) < len("20060102T1504Z") {
		return time.Time{}
	}
	t, err := time.Parse("20060102T1504Z", rest[:len("20060102T1504Z")])
	if err != nil {
		return time.Time{}
	}
	return t
}

// parseDigestName reads
// <account>_CloudTrail-Digest_<region>_<trail>_<home>_<YYYYMMDDTHHmmssZ>[_backfill].json.gz.
// Trail names may hold underscores; regions never do.
func parseDigestName(name string, loc *Location) bool {
	rest, ok := strings.CutPrefix(name, loc.Account+"_CloudTrail-Digest_"+loc.Region+"_")
	if !ok {
		return false
	}
	if rest, ok = strings.CutSuffix(rest, ".json.gz"); !ok {
		return false
	}
	rest, loc.Backfill = strings.CutSuffix(rest, "_backfill")
	i := strings.LastIndexByte(rest, '_')
	if i < 0 {
		return false
	}
	t, err := time.Parse("20060102T150405Z", rest[i+1:])
	if err != nil {
		return false
	}
	rest = rest[:i]
	j := strings.LastIndexByte(rest, '_')
	if j <= 0 || j == len(rest)-1 {
		return false
	}
	loc.Time, loc.Trail, loc.HomeRegion = t, rest[:j], rest[j+1:]
	return true
}

// keyOf returns the part of an S3 key from "AWSLogs/" on ("" when it has
// none): how a digest's entries are matched to files, whatever the bucket
// prefix.
func keyOf(s3Key string) string {
	if strings.HasPrefix(s3Key, "AWSLogs/") {
		return s3Key
	}
	if i := strings.LastIndex(s3Key, "/AWSLogs/"); i >= 0 {
		return s3Key[i+1:]
	}
	return ""
}

// chainID names the chain a digest belongs to: one trail's digests for one
// account and region.
type chainID struct {
	base, org, account, region, trail, home string
}

func (l Location) chain() chainID {
	return chainID{l.Base, l.Org, l.Account, l.Region, l.Trail, l.HomeRegion}
}
