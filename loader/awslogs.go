package loader

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// The AWSLogs planner. CloudTrail writes each log file to
//
//	[prefix/]AWSLogs/[o-<org id>/]<account>/CloudTrail/<region>/YYYY/MM/DD/
//	    <account>_CloudTrail_<region>_YYYYMMDDTHHmmZ_<unique>.json.gz
//
// with digest files under CloudTrail-Digest/ and Insights events under
// CloudTrail-Insight/ in place of CloudTrail/. A [Plan] decides from a path
// alone, before anything is opened, whether a directory (a local one, or an
// S3 prefix) can hold log files a run wants, and whether one file can: the
// local walk and the S3 lister both ask it, so a directory outside the plan
// is never listed and a file outside it never opened or fetched.
//
// Time pruning rests on one fact: the day folder and the timestamp in a
// file's name are when the file was delivered, in UTC, to the minute, and an
// event is delivered after it happened. So a file holds events from before
// its delivery only: one delivered before Since - StartMargin holds none of
// the window. Delivery is late by some minutes usually and by hours rarely,
// so a file delivered up to DeliveryMargin after Until can still hold events
// of the window. Both margins are documented in docs/inputs-s3.md.

// DefaultDeliveryMargin is how long after an event CloudTrail may deliver it
// by default (--delivery-margin): CloudTrail delivers within about 5 minutes
// of an API call on average, but does not guarantee it, and delays of hours
// have been seen in incidents of its own. A day covers those at the cost of
// one more day folder per account and region.
const DefaultDeliveryMargin = 24 * time.Hour

// StartMargin is how long before Since a file may be delivered and still hold
// events of the window: a file's name gives its delivery time truncated to
// the minute, and the clocks that stamp eventTime and delivery may differ.
// An hour covers both many times over and costs at most the files of one
// hour.
const StartMargin = time.Hour

// Plan says which parts of an AWSLogs tree a run reads. The zero Plan reads
// every CloudTrail log file (and no digest or Insights file).
type Plan struct {
	// Accounts and Regions, when not empty, are the only accounts and
	// regions read.
	Accounts, Regions []string
	// Since and Until bound event time (inclusive, exclusive); zero means
	// unbounded.
	Since, Until time.Time
	// DeliveryMargin is how long after Until a file may be delivered and
	// still hold events before Until (see DefaultDeliveryMargin).
	DeliveryMargin time.Duration
	// Digests also plans the CloudTrail-Digest folders: the hook for log
	// integrity validation, which reads digest files. The run's reader
	// still skips them as "digest".
	Digests bool
}

// Timed reports whether the plan bounds time.
func (p *Plan) Timed() bool { return !p.Since.IsZero() || !p.Until.IsZero() }

// Filtered reports whether the plan leaves out anything but digest,
// Insights and other services' folders.
func (p *Plan) Filtered() bool { return len(p.Accounts) > 0 || len(p.Regions) > 0 || p.Timed() }

// Layout is where a path lies in the AWSLogs layout. Fields past the depth
// the path reaches are empty (0 for the date).
type Layout struct {
	Org, Account, Service, Region string
	Year, Month, Day              int
	// Depth counts the levels found: 1 AWSLogs, 2 account (with its org),
	// 3 service, 4 region, 5 year, 6 month, 7 day.
	Depth int
	// Off reports a path that leaves the layout below AWSLogs (a folder
	// that is not an account, a year that is not a number): nothing below
	// it is pruned.
	Off bool
}

// Date renders the date of a day folder as YYYY-MM-DD, or "" above it.
func (l Layout) Date() string {
	if l.Depth < 7 {
		return ""
	}
	return time.Date(l.Year, time.Month(l.Month), l.Day, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
}

// LayoutOf reads where dir, a slash- or OS-separated directory path (a local
// directory, or an S3 key prefix with or without its trailing slash), lies
// in the AWSLogs layout, from its last AWSLogs element on. Depth 0 means
// no AWSLogs element.
func LayoutOf(dir string) Layout {
	segs := splitPath(dir)
	start := -1
	for i, s := range segs {
		if s == "AWSLogs" {
			start = i
		}
	}
	var l Layout
	if start < 0 {
		return l
	}
	segs = segs[start:]
	l.Depth = 1
	for i := 1; i < len(segs) && !l.Off; i++ {
		s := segs[i]
		switch l.Depth {
		case 1:
			if l.Org == "" && strings.HasPrefix(s, "o-") && len(s) > 2 {
				l.Org = s
				continue
			}
			if !allDigits(s) {
				l.Off = true
				continue
			}
			l.Account = s
		case 2:
			l.Service = s
		case 3:
			l.Region = s
		case 4:
			l.Year = number(s, 4, 1, 9999)
			l.Off = l.Year == 0
		case 5:
			l.Month = number(s, 2, 1, 12)
			l.Off = l.Month == 0
		case 6:
			l.Day = number(s, 2, 1, 31)
			l.Off = l.Day == 0
		default:
			l.Off = true // a folder below a day folder
		}
		if !l.Off {
			l.Depth++
		}
	}
	return l
}

// Verdicts of the plan on a directory or a file.
const (
	InPlan      = ""
	SkipDigest  = "digest"        // under CloudTrail-Digest/, not verifying
	SkipInsight = "insight"       // under CloudTrail-Insight/
	SkipService = "other_service" // under AWSLogs/<account>/ but not CloudTrail
	SkipAccount = "other_account"
	SkipRegion  = "other_region"
	SkipTime    = "outside_time" // a day folder, or a file by its delivery time, outside the window and its margins
)

// Dir says whether the directory dir can hold files in the plan: InPlan, or
// the reason it cannot. A directory off the layout, or above AWSLogs, is in
// the plan.
func (p *Plan) Dir(dir string) string {
	return p.judge(LayoutOf(dir))
}

func (p *Plan) judge(l Layout) string {
	if l.Depth >= 2 && len(p.Accounts) > 0 && !slices.Contains(p.Accounts, l.Account) {
		return SkipAccount
	}
	if l.Depth >= 3 {
		switch l.Service {
		case "CloudTrail":
		case "CloudTrail-Digest":
			if !p.Digests {
				return SkipDigest
			}
		case "CloudTrail-Insight":
			return SkipInsight
		default:
			return SkipService
		}
	}
	if l.Depth >= 4 && len(p.Regions) > 0 && !slices.Contains(p.Regions, l.Region) {
		return SkipRegion
	}
	if l.Depth >= 5 && p.Timed() {
		first, last := p.days()
		lo := date(l.Year, max(l.Month, 1), max(l.Day, 1))
		hi := date(l.Year, 12, 31)
		switch {
		case l.Depth == 6:
			hi = date(l.Year, l.Month+1, 0) // the month's last day
		case l.Depth >= 7:
			hi = lo
		}
		if hi.Before(first) || lo.After(last) {
			return SkipTime
		}
	}
	return InPlan
}

// File says whether the file at path is in the plan: its directory must be,
// and a file in a day folder whose name carries its delivery time
// (..._YYYYMMDDTHHmmZ_...) must have been delivered inside the window
// widened by its margins.
func (p *Plan) File(path string) string {
	segs := splitPath(path)
	if len(segs) == 0 {
		return InPlan
	}
	l := LayoutOf(strings.Join(segs[:len(segs)-1], "/"))
	if v := p.judge(l); v != InPlan {
		return v
	}
	if l.Depth < 7 || l.Off || !p.Timed() {
		return InPlan
	}
	t, ok := DeliveryTime(segs[len(segs)-1])
	if !ok {
		return InPlan
	}
	if !p.Since.IsZero() && t.Add(StartMargin).Before(p.Since) {
		return SkipTime
	}
	if !p.Until.IsZero() && !t.Before(p.Until.Add(p.DeliveryMargin)) {
		return SkipTime
	}
	return InPlan
}

// Prunes reports whether listing below dir folder by folder can leave out
// more than the plan already left out above it: whether an S3 lister should
// list dir with a delimiter rather than all its keys at once.
func (p *Plan) Prunes(dir string) bool {
	l := LayoutOf(dir)
	switch {
	case l.Depth == 0 || l.Off:
		return false
	case l.Depth <= 2: // AWSLogs, org or account: the service folders are next
		return true
	case l.Depth == 3:
		return len(p.Regions) > 0 || p.Timed()
	case l.Depth <= 6:
		return p.Timed()
	}
	return false
}

// days is the range of day folders (delivery dates, UTC) that can hold
// events of the window.
func (p *Plan) days() (first, last time.Time) {
	first = date(1, 1, 1)
	last = date(9999, 12, 31)
	if !p.Since.IsZero() {
		first = p.Since.UTC().Add(-StartMargin).Truncate(24 * time.Hour)
	}
	if !p.Until.IsZero() {
		last = p.Until.UTC().Add(p.DeliveryMargin - time.Nanosecond).Truncate(24 * time.Hour)
	}
	return first, last
}

// DeliveryTime reads the delivery time in a CloudTrail file name: the first
// "_YYYYMMDDTHHmmZ" element (or "_YYYYMMDDTHHmmssZ", as digest files have).
func DeliveryTime(name string) (time.Time, bool) {
	for part := range strings.SplitSeq(name, "_") {
		if len(part) < 14 || part[8] != 'T' {
			continue
		}
		for _, layout := range []string{"20060102T1504Z", "20060102T150405Z"} {
			if t, err := time.Parse(layout, strings.SplitN(part, ".", 2)[0]); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

func splitPath(p string) []string {
	p = strings.ReplaceAll(p, `\`, "/")
	var segs []string
	for s := range strings.SplitSeq(p, "/") {
		if s != "" && s != "." {
			segs = append(segs, s)
		}
	}
	return segs
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// number reads a folder name of exactly n digits in [lo, hi], or 0.
func number(s string, n, lo, hi int) int {
	if len(s) != n || !allDigits(s) {
		return 0
	}
	v, _ := strconv.Atoi(s)
	if v < lo || v > hi {
		return 0
	}
	return v
}

func date(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
