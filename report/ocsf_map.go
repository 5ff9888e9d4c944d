package report

// The OCSF mapping tables and the placement of a row's values (see ocsf.go).

import (
	"math"
	"slices"
	"strings"

	"github.com/trailhunt/trailhunt/trail"
)

// kv is one constant attribute.
type kv struct {
	k string
	v any
}

// ocsfField is where a by-field (or the field a values() stat reads) lands.
type ocsfField struct {
	Path string // dotted, from the finding; "evidences." is the row's one evidence object
	Kind ocsfKind
	// Set are constants written beside the value: relative to Path's parent
	// object, or to the new entry for ocsfResource and ocsfRelated.
	Set []kv
}

var (
	awsAccount = []kv{{"type", "AWS Account"}, {"type_id", 10}}
	// Resource types are CloudTrail's own (its records' resources[].type).
	iamUser   = target("AWS::IAM::User")
	iamRole   = target("AWS::IAM::Role")
	iamGroup  = target("AWS::IAM::Group")
	iamPolicy = target("AWS::IAM::Policy")
	s3Bucket  = target("AWS::S3::Bucket")
	// cloudTrailEvent marks a related event as a CloudTrail record.
	cloudTrailEvent = []kv{{"product", obj(kv{"name", "CloudTrail"}, kv{"vendor_name", "AWS"})}}
)

// target is a resource the call acted on: resource_details.role_id 1.
func target(typ string) []kv {
	out := []kv{{"role", "Target"}, {"role_id", 1}}
	if typ != "" {
		out = append([]kv{{"type", typ}}, out...)
	}
	return out
}

// ocsfFields maps by-field names (the seed's and CloudTrail's) to their OCSF
// home. A detection whose by-fields are listed here maps without code; any
// other by-field goes to unmapped under its name.
var ocsfFields = map[string]ocsfField{
	// Where: the cloud profile's cloud object.
	"aws_account_id":     {Path: "cloud.account.uid", Set: awsAccount},
	"recipientAccountId": {Path: "cloud.account.uid", Set: awsAccount},
	"awsRegion":          {Path: "cloud.region"},
	"region":             {Path: "cloud.region"},

	// Who: the evidence's actor.
	"user_arn":                 {Path: "evidences.actor.user.uid"},
	"userIdentity.arn":         {Path: "evidences.actor.user.uid"},
	"userIdentity.principalId": {Path: "evidences.actor.user.uid_alt"},
	"userIdentity.userName":    {Path: "evidences.actor.user.name"},
	"userIdentity.type":        {Path: "evidences.actor.user.type"},
	"userIdentity.accountId":   {Path: "evidences.actor.user.account.uid", Set: awsAccount},
	"userIdentity.accessKeyId": {Path: "evidences.actor.user.credential_uid"},
	"userIdentity.invokedBy":   {Path: "evidences.actor.invoked_by"},

	// From where.
	"src":             {Path: "evidences.src_endpoint", Kind: ocsfEndpoint},
	"src_ip":          {Path: "evidences.src_endpoint", Kind: ocsfEndpoint},
	"sourceIPAddress": {Path: "evidences.src_endpoint", Kind: ocsfEndpoint},
	"userAgent":       {Path: "evidences.http_request.user_agent"},

	// What call.
	"eventName":    {Path: "evidences.api.operation"},
	"eventSource":  {Path: "evidences.api.service.name"},
	"requestID":    {Path: "evidences.api.request.uid"},
	"errorCode":    {Path: "evidences.api.response.error", Kind: ocsfError},
	"errorMessage": {Path: "evidences.api.response.error_message"},
	"eventID":      {Path: "finding_info.related_events.uid", Kind: ocsfRelated, Set: cloudTrailEvent},

	// Whom: the principals and resources the call named as its target.
	"requestParameters.userName":   {Path: "resources.name", Kind: ocsfResource, Set: iamUser},
	"new_login_profile":            {Path: "resources.name", Kind: ocsfResource, Set: iamUser},
	"requestParameters.roleName":   {Path: "resources.name", Kind: ocsfResource, Set: iamRole},
	"requestParameters.groupName":  {Path: "resources.name", Kind: ocsfResource, Set: iamGroup},
	"requestParameters.policyArn":  {Path: "resources.uid", Kind: ocsfResource, Set: iamPolicy},
	"requestParameters.bucketName": {Path: "resources.name", Kind: ocsfResource, Set: s3Bucket},
	"requestParameters.name":       {Path: "resources.name", Kind: ocsfResource, Set: target("")},
}

// ocsfContainers are the objects the table fills whose OCSF constraints a
// row may break (a user with only a principal id, an api call without an
// operation, an evidence with only a user agent), deepest first: when one
// does, every value placed in it goes to unmapped instead.
var ocsfContainers = []struct {
	prefix string
	anyOf  []string // at least one of these must be placed under prefix
}{
	{"evidences.actor.user.", []string{"uid", "name", "account."}},      // user: at_least_one account, name, uid
	{"evidences.actor.", []string{"user.", "invoked_by"}},               // actor: at_least_one ..., user, invoked_by
	{"evidences.api.", []string{"operation"}},                           // api: operation required
	{"evidences.", []string{"actor.", "api.", "src_endpoint.", "data"}}, // evidences: at_least_one ...
}

// ATT&CK Enterprise tactic ids by name, for attacks[].tactic.uid.
var tacticIDs = map[string]string{
	"Reconnaissance": "TA0043", "Resource Development": "TA0042", "Initial Access": "TA0001",
	"Execution": "TA0002", "Persistence": "TA0003", "Privilege Escalation": "TA0004",
	"Defense Evasion": "TA0005", "Credential Access": "TA0006", "Discovery": "TA0007",
	"Lateral Movement": "TA0008", "Collection": "TA0009", "Command and Control": "TA0011",
	"Exfiltration": "TA0010", "Impact": "TA0040",
}

// killChainPhases are OCSF's kill_chain_phase.phase_id captions (Lockheed
// Martin's kill chain, as the METADATA kill_chain_phases name them).
var killChainPhases = []string{"Unknown", "Reconnaissance", "Weaponization", "Delivery", "Exploitation",
	"Installation", "Command & Control", "Actions on Objectives"}

// severityBands maps the risk score (0-100) to severity_id as AWS Security
// Hub labels a normalized severity: 0 Informational, 1-39 Low, 40-69
// Medium, 70-89 High, 90-100 Critical. docs/ocsf.md says why.
var severityBands = []struct {
	min     float64
	id      int
	caption string
}{
	{90, 5, "Critical"}, {70, 4, "High"}, {40, 3, "Medium"}, {1, 2, "Low"}, {0, 1, "Informational"},
}

func severity(score float64) (int, string) {
	for _, b := range severityBands {
		if math.Round(score) >= b.min {
			return b.id, b.caption
		}
	}
	return 1, "Informational"
}

// confidence maps METADATA risk.confidence (1-100) to confidence_id with the
// severity's cut points: 1-39 Low, 40-69 Medium, 70-100 High.
func confidence(c int) (int, string) {
	switch {
	case c >= 70:
		return 3, "High"
	case c >= 40:
		return 2, "Medium"
	}
	return 1, "Low"
}

// ocsfPlace puts each by-value and stat of the row at its OCSF home
// (ocsfFields), or in unmapped under its name, in the detection's order.
func ocsfPlace(d trail.Detection, r trail.Row, stats []trail.StatValue) ([]placement, *object) {
	var placed []placement
	unmapped := &object{}
	taken := func(path string) bool {
		return slices.ContainsFunc(placed, func(p placement) bool { return p.path == path })
	}
	place := func(field string, m ocsfField, v string) bool {
		switch m.Kind {
		case ocsfResource, ocsfRelated:
			placed = append(placed, placement{field, m.Path, v, m.Set, m.Kind})
			return true
		case ocsfEndpoint:
			switch {
			case isIP(v) && !taken(m.Path+".ip"):
				placed = append(placed, placement{field: field, path: m.Path + ".ip", value: v})
				return true
			case isDNSName(v) && !taken(m.Path+".domain"):
				placed = append(placed, placement{field: field, path: m.Path + ".domain", value: v})
				return true
			}
			return false
		case ocsfError:
			if v == "success" {
				return false
			}
		}
		if taken(m.Path) {
			return false // a second field for the same home keeps its own name
		}
		placed = append(placed, placement{field, m.Path, v, m.Set, m.Kind})
		return true
	}
	for i, name := range d.By {
		v := r.Values[i]
		if m, ok := ocsfFields[name]; ok && v != nil && place(name, m, *v) {
			continue
		}
		if v == nil {
			unmapped.set(name, nil)
		} else {
			unmapped.set(name, *v)
		}
	}
	for i, s := range d.StatsOrDefault() {
		switch {
		case s.Func == "count" && s.Field == "":
			continue // the finding's count
		case (s.Func == "min" || s.Func == "max") && s.Field == trail.TimeField:
			continue // first_seen_time and last_seen_time
		case s.Func == "values":
			if m, ok := ocsfFields[s.Field]; ok && (m.Kind == ocsfResource || m.Kind == ocsfRelated) {
				for _, v := range stats[i].Values {
					place(s.Name, m, v)
				}
				continue
			}
		}
		unmapped.set(s.Name, statJSON(s, stats[i]))
	}
	return demote(placed, unmapped, d, r), unmapped
}

// demote moves to unmapped every value placed in an object whose OCSF
// constraints it cannot meet (ocsfContainers), and returns the rest.
// Unmapped keeps the detection's order: by-fields, then stats.
func demote(placed []placement, unmapped *object, d trail.Detection, r trail.Row) []placement {
	moved := map[string]bool{}
	evidenceHasData := len(r.Sources) > 0
	for _, c := range ocsfContainers {
		var in []int
		ok := false
		for i, p := range placed {
			rest, under := strings.CutPrefix(p.path, c.prefix)
			if !under || moved[p.field] {
				continue
			}
			in = append(in, i)
			for _, want := range c.anyOf {
				if rest == want || strings.HasSuffix(want, ".") && strings.HasPrefix(rest, want) {
					ok = true
				}
			}
		}
		if c.prefix == "evidences." && evidenceHasData {
			ok = true
		}
		if len(in) == 0 || ok {
			continue
		}
		for _, i := range in {
			moved[placed[i].field] = true
		}
	}
	if len(moved) == 0 {
		return placed
	}
	// Rebuild unmapped in the detection's order with the moved fields in.
	old := unmapped.vals
	*unmapped = object{}
	for i, name := range d.By {
		if v, ok := old[name]; ok {
			unmapped.set(name, v)
		} else if moved[name] {
			unmapped.set(name, *r.Values[i])
		}
	}
	for _, s := range d.StatsOrDefault() {
		if v, ok := old[s.Name]; ok {
			unmapped.set(s.Name, v)
		}
	}
	return slices.DeleteFunc(placed, func(p placement) bool { return moved[p.field] })
}
