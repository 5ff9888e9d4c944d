package report

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/trailhunt/trailhunt/internal/goldenfile"
	"github.com/trailhunt/trailhunt/trail"
)

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", name), got)
}

func str(s string) *string { return &s }

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// createAccessKey is the seed detection's metadata.
var createAccessKey = trail.Detection{
	ID:    "aws_createaccesskey",
	Title: "AWS CreateAccessKey",
	Attack: []trail.Technique{
		{ID: "T1136.003", Technique: "Cloud Account", Tactic: "Persistence"},
		{ID: "T1136", Technique: "Create Account", Tactic: "Persistence"},
	},
	Risk: trail.Risk{Impact: 70, Confidence: 90, Score: 63,
		Message: "User $user_arn$ is attempting to create access keys for $requestParameters.userName$ from this IP $src$"},
	By: []string{"requestParameters.userName", "src", "eventName", "eventSource", "aws_account_id", "errorCode",
		"userAgent", "eventID", "awsRegion", "userIdentity.principalId", "user_arn"},
}

// consoleLogin is a second, made-up detection with a different By list.
var consoleLogin = trail.Detection{
	ID:     "aws_consolelogin_nomfa",
	Title:  "AWS Console Login Without MFA",
	Attack: []trail.Technique{{ID: "T1078.004", Technique: "Cloud Accounts", Tactic: "Initial Access"}},
	Risk:   trail.Risk{Impact: 50, Confidence: 70, Score: 35, Message: "$user_arn$ signed in without MFA from $src$ (MFAUsed=$additionalEventData.MFAUsed$)"},
	By:     []string{"user_arn", "src", "userAgent", "additionalEventData.MFAUsed"},
}

var testDetections = map[string]trail.Detection{
	createAccessKey.ID: createAccessKey,
	consoleLogin.ID:    consoleLogin,
}

func cak(userName, src, userAgent, eventID, region, principal, arn *string, count int64, first, last time.Time) trail.Row {
	return trail.Row{
		Detection: createAccessKey.ID,
		Values: []*string{userName, src, str("CreateAccessKey"), str("iam.amazonaws.com"), str("946986569305"),
			str("success"), userAgent, eventID, region, principal, arn},
		Count: count, First: first, Last: last,
	}
}

const (
	cli   = "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1016-aws exe/x86_64.ubuntu.22 prompt/off command/iam.create-access-key"
	boto3 = "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.5.0-1016-aws md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.0 Resource"
)

// testRows is a fixed result set, in aggregate.Table.Rows order: two
// detections, nulls, zero times, values that need CSV neutralisation, a user
// agent with a newline and an ANSI escape, very long and non-ASCII values,
// rows with and without sources (an archive member, standard input).
var testRows = withSources([]trail.Row{
	cak(nil, nil, nil, str("0c4a8f5e-3b1d-4f6a-9e2c-7d8b9a0f1e2d"), str("us-east-1"), nil,
		str("arn:aws:iam::946986569305:user/christophe"), 1, time.Time{}, time.Time{}),
	cak(str("+1"), str("-2"), str("@SUM(1)"), str("5b2e9c1d-8a7f-4e3b-b6d5-c4a3f2e1d0b9"), str("us-east-1"),
		str("AIDA5BMRSXKJ2EXAMPLE"), str("arn:aws:iam::946986569305:user/christophe"), 2,
		at("2024-07-30T21:53:13Z"), at("2024-07-30T22:01:47Z")),
	cak(str("=cmd|' /C calc'!A0"), str("203.0.113.7"), str("aws-cli/2.15.30\n\x1b[31mPython/3.11.8\x1b[0m Linux"),
		str("8e3b0c2a-7d3e-4a59-9e36-0f6b1c2d3e4f"), str("eu-west-3"), str("AIDA5BMRSXKJ2EXAMPLE"),
		str("arn:aws:iam::946986569305:user/christophe"), 1, at("2024-07-31T08:15:00Z"), at("2024-07-31T08:15:00Z")),
	cak(str("deploy-bot"), str("198.51.100.23"), str(boto3), str("f47ac10b-58cc-4372-a567-0e02b2c3d479"), str("us-east-1"),
		str("AROA5BMRSXKJ3EXAMPLE:terraform-ci-session-20240730T215313Z"),
		str("arn:aws:sts::946986569305:assumed-role/OrganizationAccountAccessRole/terraform-ci-session-20240730T215313Z"),
		14, at("2024-07-01T00:00:03Z"), at("2024-07-30T23:59:59Z")),
	cak(str("josé.ユーザー"), str("2001:db8:85a3::8a2e:370:7334"), str(cli), str("a1b2c3d4-e5f6-4789-8abc-def012345678"),
		str("ap-northeast-1"), str("AIDA5BMRSXKJ4EXAMPLE"), str("arn:aws:iam::946986569305:user/zoë"), 3,
		at("2024-07-29T12:00:00Z"), at("2024-07-30T06:30:00Z")),
	{Detection: consoleLogin.ID, Values: []*string{str("arn:aws:iam::946986569305:user/christophe"), str("203.0.113.7"),
		str("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"), nil},
		Count: 1, First: at("2024-07-30T21:40:00Z"), Last: at("2024-07-30T21:40:00Z")},
	{Detection: consoleLogin.ID, Values: []*string{str("arn:aws:iam::946986569305:user/christophe"), str("203.0.113.7"),
		str("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"), str("No")},
		Count: 6, First: at("2024-07-30T21:41:00Z"), Last: at("2024-07-30T21:49:00Z")},
})

// withSources gives two of testRows sources: an archive member and a plain
// file, and five reads of standard input.
func withSources(rows []trail.Row) []trail.Row {
	rows[1].Sources = []trail.Source{
		{File: "logs/2024/07/30/946986569305_CloudTrail_us-east-1_20240730T2155Z.json.gz", Index: 3},
		{File: "logs.zip", Member: "AWSLogs/946986569305/CloudTrail/us-east-1/x.json.gz", Index: 0},
	}
	for i := range 5 {
		rows[3].Sources = append(rows[3].Sources, trail.Source{File: "-", Index: 10 * i})
	}
	return rows
}

// realisticRows is one compromised user, christophe, creating access keys
// for three other users, as the seed search would show it: everything but
// the target, source, user agent and event id is the same in every row.
var realisticRows = func() []trail.Row {
	christophe := str("arn:aws:iam::946986569305:user/christophe")
	principal, region := str("AIDA5BMRSXKJ2EXAMPLE"), str("us-east-1")
	t0, t1 := at("2024-07-30T21:53:13Z"), at("2024-07-30T21:58:02Z")
	return []trail.Row{
		cak(str("admin-backup"), str("203.0.113.7"), str(cli), str("2f1c5d7e-9b3a-4c8d-a6e5-1b0f9c8d7e6a"),
			region, principal, christophe, 1, t1, t1),
		cak(str("deploy-bot"), str("203.0.113.7"), str(cli), str("3d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f6a"),
			region, principal, christophe, 2, t0, t0),
		cak(str("deploy-bot"), str("203.0.113.7"), str(cli), str("7c6b5a49-3827-4165-9e4d-3c2b1a0f9e8d"),
			region, principal, christophe, 1, t0.Add(41*time.Second), t0.Add(41*time.Second)),
		cak(str("stratus-red-team-user"), str("198.51.100.23"), str(boto3), str("e9d8c7b6-a5f4-4e3d-9c2b-1a0f9e8d7c6b"),
			region, principal, christophe, 1, t1.Add(3*time.Minute), t1.Add(3*time.Minute)),
	}
}()

func write(t *testing.T, cfg Config, rows []trail.Row) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, cfg, rows); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return b.Bytes()
}
