package trail

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Technique is one MITRE ATT&CK technique a detection maps to.
type Technique struct {
	ID        string `json:"id"`
	Technique string `json:"technique"`
	Tactic    string `json:"tactic"`
}

// Risk is a detection's risk-based-alerting annotation. Message is a template
// in which $field$ stands for a finding's by-field value.
type Risk struct {
	Impact     int     `json:"impact"`
	Confidence int     `json:"confidence"`
	Score      float64 `json:"score"`
	Message    string  `json:"message"`
}

// Detection is the metadata of one detection, read from its Rego package's
// METADATA block. By is the ordered list of group-by fields: the keys of
// every finding object and the columns of every result row.
type Detection struct {
	ID             string      `json:"id"`
	Title          string      `json:"title"`
	Description    string      `json:"description"`
	UpstreamID     string      `json:"upstream_id"`
	Type           string      `json:"type"`
	Author         string      `json:"author"`
	Source         string      `json:"source"`
	Attack         []Technique `json:"mitre_attack"`
	KillChain      []string    `json:"kill_chain_phases"`
	NIST           []string    `json:"nist"`
	CIS            []string    `json:"cis20"`
	Risk           Risk        `json:"risk"`
	References     []string    `json:"references"`
	RequiredFields []string    `json:"required_fields"`
	By             []string    `json:"by"`
	// Stats are the stats functions computed per group of By values, in
	// output order (METADATA custom.stats.functions; the seed's count,
	// min(_time) as firstTime, max(_time) as lastTime by default).
	Stats []Stat `json:"stats"`
	// Where is the post-aggregation condition over Stats names (METADATA
	// custom.stats.where), as written; "" keeps every row.
	Where string `json:"where,omitempty"`
	// Span, when not "", buckets the record's event time into the by-field
	// _time, which the host fills (SPL's bucket _time span=1h): the start
	// of the record's span in RFC 3339 UTC, or null when it has no time.
	Span string `json:"span,omitempty"`
	// IPFields are the by-fields that hold IP addresses: filter entries may
	// match them with CIDR ranges.
	IPFields []string `json:"ip_fields"`
	// File is the Rego file that defines the detection.
	File string `json:"file"`
}

// Stat is one stats function of a detection. Func is "count", "dc",
// "values", "min" or "max"; Field is the finding field it reads ("" for a
// bare count, "_time" for the record's event time); Name is its output
// column.
type Stat struct {
	Func  string `json:"func"`
	Field string `json:"field,omitempty"`
	Name  string `json:"name"`
}

// DefaultStats are the seed's functions, used when a detection declares
// none: count min(_time) as firstTime max(_time) as lastTime.
var DefaultStats = []Stat{
	{Func: "count", Name: "count"},
	{Func: "min", Field: TimeField, Name: "firstTime"},
	{Func: "max", Field: TimeField, Name: "lastTime"},
}

// StatsOrDefault returns d's Stats, or DefaultStats when it declares none.
func (d Detection) StatsOrDefault() []Stat {
	if len(d.Stats) == 0 {
		return DefaultStats
	}
	return d.Stats
}

// TimeField is the pseudo-field of a record's event time in Stats.
const TimeField = "_time"

// ParseSpan reads a time span as SPL's bucket writes it: a positive whole
// number of s, m, h or d ("1h", "15m", "1d"). "" is no span (0).
func ParseSpan(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	units := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}
	unit, ok := units[s[len(s)-1]]
	n, err := strconv.Atoi(s[:len(s)-1])
	if !ok || err != nil || n <= 0 || n > 366*24*3600 {
		return 0, fmt.Errorf("span %q: want a positive number of s, m, h or d, as 1h", s)
	}
	return time.Duration(n) * unit, nil
}

// Bucket is the _time by-value of a record time under a span: the span's
// start in RFC 3339 UTC, or nil for no time. Spans are counted from
// 0001-01-01T00:00:00Z, so a span that divides a day (1h, 15m, 1d) starts
// at midnight UTC.
func Bucket(t time.Time, span time.Duration) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Truncate(span).Format(time.RFC3339)
	return &s
}

// String renders the stat as Splunk writes it: "dc(eventName) as methods".
func (s Stat) String() string {
	call := s.Func
	if s.Field != "" {
		call += "(" + s.Field + ")"
	}
	if s.Name == call {
		return call
	}
	return call + " as " + s.Name
}

// Extra returns the fields that Stats read besides the by-fields and the
// event time, in order of first use: the keys a finding carries beyond By,
// whose values travel in Finding.Extra.
func (d Detection) Extra() []string {
	var out []string
	for _, s := range d.Stats {
		if s.Field != "" && s.Field != TimeField && !slices.Contains(d.By, s.Field) && !slices.Contains(out, s.Field) {
			out = append(out, s.Field)
		}
	}
	return out
}

// AttackIDs returns the ATT&CK technique ids in metadata order.
func (d Detection) AttackIDs() []string {
	ids := make([]string, 0, len(d.Attack))
	for _, t := range d.Attack {
		ids = append(ids, t.ID)
	}
	return ids
}

var riskVar = regexp.MustCompile(`\$([A-Za-z0-9_.]+)\$`)

// RiskMessage renders the risk message template for a row: $field$ is a
// by-value (aligned with By; null renders as "null") or a stat (aligned
// with StatsOrDefault: a number, values joined by ", ", a time as
// 2006-01-02T15:04:05 UTC). A $field$ that names neither is left as
// written.
func (d Detection) RiskMessage(values []*string, stats []StatValue) string {
	return riskVar.ReplaceAllStringFunc(d.Risk.Message, func(m string) string {
		name := m[1 : len(m)-1]
		if i := slices.Index(d.By, name); i >= 0 && i < len(values) {
			if values[i] == nil {
				return "null"
			}
			return *values[i]
		}
		all := d.StatsOrDefault()
		i := slices.IndexFunc(all, func(s Stat) bool { return s.Name == name })
		if i < 0 || i >= len(stats) {
			return m
		}
		switch v := stats[i]; all[i].Func {
		case "values":
			return strings.Join(v.Values, ", ")
		case "min", "max":
			if v.Time.IsZero() {
				return "null"
			}
			return v.Time.UTC().Format("2006-01-02T15:04:05")
		default:
			return strconv.FormatInt(v.N, 10)
		}
	})
}

// Filter is one loaded filter entry (a suppression), as `evaluate list`
// and the run summary show it.
type Filter struct {
	Detection string `json:"detection"`
	ID        string `json:"id"`
	File      string `json:"file"`
	Line      int    `json:"line"`
	Reason    string `json:"reason"`
	Owner     string `json:"owner"`
	Expires   string `json:"expires,omitempty"` // YYYY-MM-DD, the last day it suppresses
	Expired   bool   `json:"expired"`
	// Match is the entry's match fields and their patterns.
	Match map[string][]string `json:"match"`
}
