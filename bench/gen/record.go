package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"
)

// keyOrder is the order in which CloudTrail writes a record's keys; other
// keys follow in lexical order.
var keyOrder = []string{
	"eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress",
	"userAgent", "errorCode", "errorMessage", "requestParameters", "responseElements", "additionalEventData",
	"requestID", "eventID", "readOnly", "resources", "eventType", "apiVersion", "managementEvent",
	"recipientAccountId", "sharedEventID", "vpcEndpointId", "eventCategory", "tlsDetails",
	"sessionCredentialFromConsole",
}

// hole is a part of a record that changes from one record to the next.
type hole int

const (
	holeNone hole = iota
	holeIdentity
	holeTime
	holeRegion
	holeSourceIP
	holeUserAgent
	holeRequestID
	holeEventID
	holeRecipient
)

// segment is static JSON text followed by a hole. digits are offsets in
// static of digits inside string values of requestParameters and
// responseElements, rewritten per record.
type segment struct {
	static []byte
	digits []int
	hole   hole
}

// template is a real record compiled into segments.
type template struct {
	segs       []segment
	replaceID  bool   // the caller is swapped for one of the account's principals
	sourceIP   string // the record's own sourceIPAddress
	sourceIsIP bool   // ... and it is an address (not a service name or "AWS Internal")
	userAgent  string
}

// loadTemplates reads real records and compiles every one that is not a
// CreateAccessKey call: the generator writes those itself, so that it knows
// exactly which records are findings.
func loadTemplates(paths []string) ([]*template, error) {
	var out []*template
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			return nil, fmt.Errorf("templates %s: %w", p, err)
		}
		var recs []any
		switch v := v.(type) {
		case map[string]any:
			recs, _ = v["Records"].([]any)
		case []any:
			recs = v
		}
		for _, r := range recs {
			m, ok := r.(map[string]any)
			if !ok || m["eventName"] == "CreateAccessKey" {
				continue
			}
			out = append(out, compile(m))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("templates: no records in %s", strings.Join(paths, ", "))
	}
	return out, nil
}

func compile(m map[string]any) *template {
	t := &template{}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	rank := func(k string) int {
		if i := slices.Index(keyOrder, k); i >= 0 {
			return i
		}
		return len(keyOrder)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	if id, ok := m["userIdentity"].(map[string]any); ok {
		t.replaceID = id["type"] == "IAMUser" || id["type"] == "AssumedRole"
	}
	t.sourceIP, _ = m["sourceIPAddress"].(string)
	t.sourceIsIP = isAddress(t.sourceIP)
	t.userAgent, _ = m["userAgent"].(string)

	var cur segment
	cur.static = append(cur.static, '{')
	for i, k := range keys {
		if i > 0 {
			cur.static = append(cur.static, ',')
		}
		cur.static = appendString(cur.static, k, nil)
		cur.static = append(cur.static, ':')
		h := holeNone
		switch v := m[k]; k {
		case "userIdentity":
			if t.replaceID {
				h = holeIdentity
			}
		case "eventTime":
			h = holeTime
		case "awsRegion":
			h = holeRegion
		case "sourceIPAddress":
			if _, ok := v.(string); ok {
				h = holeSourceIP
			}
		case "userAgent":
			if _, ok := v.(string); ok {
				h = holeUserAgent
			}
		case "requestID":
			if _, ok := v.(string); ok {
				h = holeRequestID
			}
		case "eventID":
			h = holeEventID
		case "recipientAccountId":
			h = holeRecipient
		}
		if h != holeNone {
			cur.hole = h
			t.segs = append(t.segs, cur)
			cur = segment{}
			continue
		}
		var digits *[]int
		if k == "requestParameters" || k == "responseElements" {
			digits = &cur.digits
		}
		cur.static = appendValue(cur.static, m[k], digits)
	}
	cur.static = append(cur.static, '}')
	t.segs = append(t.segs, cur)
	return t
}

// isAddress reports a dotted or colon'd address, however odd (the Stratus
// data has leading zeros): anything made of hex digits, dots and colons.
func isAddress(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '.' || c == ':') {
			return false
		}
	}
	return strings.ContainsAny(s, ".:")
}

// recordGen writes the records of one file.
type recordGen struct {
	rng  *rand.Rand
	w    *world
	plan filePlan
}

// background writes one record from a template, with this file's account,
// region and time, a fresh eventID and requestID, one of the account's
// principals, an address from the pool, and new digits in the ids of its
// request and response.
func (g *recordGen) background(b []byte, t *template, ts string) []byte {
	rng := g.rng
	var id *identity
	if t.replaceID {
		id = g.w.acct[g.plan.account].caller(rng)
	}
	src, ua := t.sourceIP, t.userAgent
	switch {
	case id != nil && id.typ == "AWSService":
		src, ua = id.service, id.service
	case t.sourceIsIP:
		src = g.w.sourceIP(rng)
	}
	for _, s := range t.segs {
		off := len(b)
		b = append(b, s.static...)
		for _, d := range s.digits {
			b[off+d] = '0' + byte(rng.IntN(10))
		}
		switch s.hole {
		case holeIdentity:
			b = append(b, id.json...)
		case holeTime:
			b = appendString(b, ts, nil)
		case holeRegion:
			b = appendString(b, g.plan.region, nil)
		case holeSourceIP:
			b = appendString(b, src, nil)
		case holeUserAgent:
			b = appendString(b, ua, nil)
		case holeRequestID, holeEventID:
			b = append(b, '"')
			b = appendUUID(b, rng)
			b = append(b, '"')
		case holeRecipient:
			b = appendString(b, g.plan.account, nil)
		}
	}
	return b
}

// CreateAccessKey classes: the pos_ ones are findings of aws_createaccesskey,
// the neg_ ones are not.
var cakClasses = []struct {
	name   string
	weight int
}{
	{"pos_iamuser_for_other_user", 30},
	{"pos_iamuser_name_contains_target", 5},
	{"pos_assumedrole", 20},
	{"pos_root", 3},
	{"neg_self_named", 10},
	{"neg_self_implicit", 10},
	{"neg_console", 10},
	{"neg_failed", 12},
}

var cliAgents = []string{
	"aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0-18-amd64 exe/x86_64.debian.12 prompt/off command/iam.create-access-key",
	"aws-cli/2.17.32 md/awscrt#0.21.2 ua/2.0 os/linux#6.8.0-1012-aws md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.24 md/prompt#off md/command#iam.create-access-key",
	"Boto3/1.34.34 md/Botocore#1.34.34 ua/2.0 os/linux#6.1.79 md/arch#x86_64 lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.34",
	"APN/1.0 HashiCorp/1.0 Terraform/1.7.4 (+https://www.terraform.io) terraform-provider-aws/5.38.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.25.2 os/linux lang/go#1.21.7 md/GOOS#linux md/GOARCH#amd64 api/iam#1.30.1",
	"aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/iam#1.34.3",
	"stratus-red-team_f3f19dcd-8552-47ca-a01e-0e1f5578d15e",
}

var failures = [][2]string{
	{"AccessDenied", "User: %s is not authorized to perform: iam:CreateAccessKey on resource: user %s because no identity-based policy allows the iam:CreateAccessKey action"},
	{"LimitExceededException", "Cannot exceed quota for AccessKeysPerUser: 2"},
	{"NoSuchEntityException", "The user with name %[2]s cannot be found."},
}

// createAccessKey writes one IAM CreateAccessKey record of a random class.
// It returns the class and, for a positive, the finding aws_createaccesskey
// must report (one JSON object, keys in stats.by order after "detection").
func (g *recordGen) createAccessKey(b []byte, ts string) ([]byte, string, []byte) {
	rng, acct := g.rng, g.w.acct[g.plan.account]
	pick := rng.IntN(100)
	class := cakClasses[0].name
	for _, c := range cakClasses {
		if pick < c.weight {
			class = c.name
			break
		}
		pick -= c.weight
	}
	caller := acct.users[rng.IntN(len(acct.users))]
	var target any // the requestParameters userName, or nil for none
	ua := cliAgents[rng.IntN(len(cliAgents))]
	var errorCode, errorMessage string
	keyOwner := ""
	switch class {
	case "pos_iamuser_for_other_user":
		target = acct.otherUser(rng, caller.userName).userName
	case "pos_iamuser_name_contains_target":
		p := prefixPairs[rng.IntN(len(prefixPairs))]
		caller, target = acct.byName[p[0]], p[1]
	case "pos_assumedrole":
		caller = acct.roles[rng.IntN(len(acct.roles))]
		target = acct.users[rng.IntN(len(acct.users))].userName
	case "pos_root":
		caller = acct.root
		target = acct.users[rng.IntN(len(acct.users))].userName
	case "neg_self_named":
		target = caller.userName
		switch rng.IntN(3) {
		case 0:
			target = strings.ToUpper(caller.userName)
		case 1:
			target = strings.ToUpper(caller.userName[:1]) + caller.userName[1:]
		}
	case "neg_self_implicit":
		keyOwner = caller.userName
	case "neg_console":
		if rng.IntN(2) == 0 {
			caller = acct.roles[rng.IntN(len(acct.roles))]
		}
		target = acct.otherUser(rng, caller.userName).userName
		ua = "console.amazonaws.com"
		if rng.IntN(10) == 0 {
			ua = "Console.AmazonAWS.com"
		}
	case "neg_failed":
		if rng.IntN(2) == 0 {
			caller = acct.roles[rng.IntN(len(acct.roles))]
		}
		target = acct.otherUser(rng, caller.userName).userName
		f := failures[rng.IntN(len(failures))]
		errorCode = f[0]
		errorMessage = f[1]
		if strings.Contains(errorMessage, "%") {
			errorMessage = fmt.Sprintf(errorMessage, caller.arn, target)
		}
	}
	if s, ok := target.(string); ok {
		keyOwner = s
	}
	src := g.w.sourceIP(rng)
	eventID, requestID := uuid(rng), uuid(rng)
	t, _ := time.Parse(time.RFC3339, ts)

	rec := obj{
		{"eventVersion", "1.09"},
		{"userIdentity", caller.json},
		{"eventTime", ts},
		{"eventSource", "iam.amazonaws.com"},
		{"eventName", "CreateAccessKey"},
		{"awsRegion", g.plan.region},
		{"sourceIPAddress", src},
		{"userAgent", ua},
	}
	if errorCode != "" {
		rec = append(rec, kv{"errorCode", errorCode}, kv{"errorMessage", errorMessage})
	}
	switch {
	case target != nil:
		rec = append(rec, kv{"requestParameters", obj{{"userName", target}}})
	case rng.IntN(2) == 0:
		rec = append(rec, kv{"requestParameters", nil})
	default:
		rec = append(rec, kv{"requestParameters", obj{}})
	}
	if errorCode != "" {
		rec = append(rec, kv{"responseElements", nil})
	} else {
		rec = append(rec, kv{"responseElements", obj{{"accessKey", obj{
			{"userName", keyOwner},
			{"accessKeyId", "AKIA" + randomUpper(rng, 16)},
			{"status", "Active"},
			{"createDate", t.Format("Jan 2, 2006 3:04:05 PM")},
		}}}})
	}
	rec = append(rec,
		kv{"requestID", requestID},
		kv{"eventID", eventID},
		kv{"readOnly", false},
		kv{"eventType", "AwsApiCall"},
		kv{"managementEvent", true},
		kv{"recipientAccountId", g.plan.account},
		kv{"eventCategory", "Management"},
		kv{"tlsDetails", obj{{"tlsVersion", "TLSv1.3"}, {"cipherSuite", "TLS_AES_128_GCM_SHA256"}, {"clientProvidedHostHeader", "iam.amazonaws.com"}}},
	)
	if ua == "console.amazonaws.com" || ua == "Console.AmazonAWS.com" {
		rec = append(rec, kv{"sessionCredentialFromConsole", "true"})
	}
	b = appendValue(b, rec, nil)

	if !strings.HasPrefix(class, "pos_") {
		return b, class, nil
	}
	finding := appendValue(nil, obj{
		{"detection", Detection},
		{"requestParameters.userName", target},
		{"src", src},
		{"eventName", "CreateAccessKey"},
		{"eventSource", "iam.amazonaws.com"},
		{"aws_account_id", caller.accountID},
		{"errorCode", "success"},
		{"userAgent", ua},
		{"eventID", eventID},
		{"awsRegion", g.plan.region},
		{"userIdentity.principalId", caller.principalID},
		{"user_arn", caller.arn},
	}, nil)
	return b, class, finding
}
