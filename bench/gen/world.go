package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// identity is one caller, with its userIdentity object serialised once.
type identity struct {
	typ         string
	userName    string // IAM users only
	accountID   string
	principalID string
	arn         string
	service     string // AWS services only: invokedBy, also the source and user agent
	json        raw
}

// account is one AWS account and its principals.
type account struct {
	id      string
	users   []*identity // IAM users
	byName  map[string]*identity
	roles   []*identity // assumed-role sessions
	service []*identity
	root    *identity
}

// world is everything shared by all files of an archive: accounts, their
// principals and the addresses they call from. It depends on the seed only.
type world struct {
	accounts []string
	regions  []string
	acct     map[string]*account
	ipv4     []string
	ipv6     []string
}

// userNames are the IAM users of every account. The pairs in prefixPairs are
// all present: a caller whose name contains the target's is still another
// user (the seed's regular expression got this wrong).
var userNames = []string{
	"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
	"mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yolanda",
	"jack", "jackson", "john.smith", "johnxsmith", "alice-admin", "ci+bot", "svc-deploy", "svc-backup",
	"terraform", "jenkins", "breakglass", "ops.admin", "data_pipeline", "monitoring", "legacy-app",
	"marta.gonzalez", "li.wei", "a.kowalski", "s3-uploader", "github-actions",
}

// prefixPairs are (caller, target) pairs where the caller's name contains the
// target's: positives that a substring or regex comparison would miss.
var prefixPairs = [][2]string{{"jackson", "jack"}, {"johnxsmith", "john.smith"}, {"alice-admin", "alice"}}

var roleNames = []string{
	"OrganizationAccountAccessRole", "ci-deployer", "AWSReservedSSO_AdministratorAccess_4f1c2a8e9b7d6c53",
	"AWSReservedSSO_ReadOnlyAccess_9a8b7c6d5e4f3a21", "eks-nodegroup-prod-NodeInstanceRole", "lambda-ingest-exec",
	"github-actions-oidc", "SecurityAudit", "ssm-managed-instance", "datadog-integration", "backup-operator",
	"stratus-red-team-ec2-role", "ecs-task-api", "glue-etl-job", "incident-responder",
}

var services = []string{
	"ec2.amazonaws.com", "lambda.amazonaws.com", "cloudformation.amazonaws.com", "autoscaling.amazonaws.com",
	"elasticloadbalancing.amazonaws.com", "ssm.amazonaws.com", "config.amazonaws.com", "access-analyzer.amazonaws.com",
}

func newWorld(seed uint64) *world {
	rng := rand.New(rand.NewPCG(seed, 0x776f726c64))
	w := &world{
		regions: []string{"us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2"},
		acct:    map[string]*account{},
	}
	for range 2 {
		id := fmt.Sprintf("%012d", 100000000000+rng.Int64N(899999999999))
		w.accounts = append(w.accounts, id)
		w.acct[id] = newAccount(rng, id)
	}
	for range 600 {
		a := 1 + rng.IntN(223)
		if a == 10 || a == 127 {
			a++
		}
		w.ipv4 = append(w.ipv4, fmt.Sprintf("%d.%d.%d.%d", a, rng.IntN(256), rng.IntN(256), 1+rng.IntN(254)))
	}
	for range 40 {
		w.ipv6 = append(w.ipv6, fmt.Sprintf("2001:db8:%x:%x::%x", rng.IntN(0x10000), rng.IntN(0x10000), 1+rng.IntN(0xffff)))
	}
	return w
}

func newAccount(rng *rand.Rand, id string) *account {
	a := &account{id: id, byName: map[string]*identity{}}
	for _, name := range userNames {
		u := &identity{
			typ:         "IAMUser",
			userName:    name,
			accountID:   id,
			principalID: "AIDA" + randomUpper(rng, 16),
			arn:         "arn:aws:iam::" + id + ":user/" + name,
		}
		u.json = appendValue(nil, obj{
			{"type", u.typ}, {"principalId", u.principalID}, {"arn", u.arn}, {"accountId", id},
			{"accessKeyId", "AKIA" + randomUpper(rng, 16)}, {"userName", name},
		}, nil)
		a.users = append(a.users, u)
		a.byName[name] = u
	}
	for range 200 {
		role := roleNames[rng.IntN(len(roleNames))]
		roleID := "AROA" + randomUpper(rng, 17)
		var session string
		switch rng.IntN(4) {
		case 0:
			session = fmt.Sprintf("botocore-session-%d", 1719800000+rng.IntN(5000000))
		case 1:
			session = fmt.Sprintf("i-0%016x", rng.Uint64()>>4)
		case 2:
			session = userNames[rng.IntN(20)] + "@example.com"
		default:
			session = fmt.Sprintf("aws-go-sdk-%d", 1722375070115152000+rng.Int64N(1e15))
		}
		r := &identity{
			typ:         "AssumedRole",
			accountID:   id,
			principalID: roleID + ":" + session,
			arn:         "arn:aws:sts::" + id + ":assumed-role/" + role + "/" + session,
		}
		created := fmt.Sprintf("2024-07-%02dT%02d:%02d:%02dZ", 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), rng.IntN(60))
		r.json = appendValue(nil, obj{
			{"type", r.typ}, {"principalId", r.principalID}, {"arn", r.arn}, {"accountId", id},
			{"accessKeyId", "ASIA" + randomUpper(rng, 16)},
			{"sessionContext", obj{
				{"sessionIssuer", obj{
					{"type", "Role"}, {"principalId", roleID}, {"arn", "arn:aws:iam::" + id + ":role/" + role},
					{"accountId", id}, {"userName", role},
				}},
				{"webIdFederationData", obj{}},
				{"attributes", obj{{"creationDate", created}, {"mfaAuthenticated", []string{"false", "true"}[rng.IntN(2)]}}},
			}},
		}, nil)
		a.roles = append(a.roles, r)
	}
	for _, s := range services {
		a.service = append(a.service, &identity{
			typ:     "AWSService",
			service: s,
			json:    appendValue(nil, obj{{"type", "AWSService"}, {"invokedBy", s}}, nil),
		})
	}
	a.root = &identity{typ: "Root", accountID: id, principalID: id, arn: "arn:aws:iam::" + id + ":root"}
	a.root.json = appendValue(nil, obj{
		{"type", "Root"}, {"principalId", id}, {"arn", a.root.arn}, {"accountId", id},
		{"accessKeyId", "ASIA" + randomUpper(rng, 16)},
		{"sessionContext", obj{{"attributes", obj{{"creationDate", "2024-07-01T08:12:44Z"}, {"mfaAuthenticated", "true"}}}}},
	}, nil)
	return a
}

// caller picks a background caller: mostly assumed roles, as in real trails.
func (a *account) caller(rng *rand.Rand) *identity {
	switch p := rng.IntN(100); {
	case p < 64:
		return a.roles[rng.IntN(len(a.roles))]
	case p < 92:
		return a.users[rng.IntN(len(a.users))]
	case p < 99:
		return a.service[rng.IntN(len(a.service))]
	default:
		return a.root
	}
}

// sourceIP is a caller's address: IPv4 mostly, some IPv6.
func (w *world) sourceIP(rng *rand.Rand) string {
	if rng.IntN(50) == 0 {
		return w.ipv6[rng.IntN(len(w.ipv6))]
	}
	return w.ipv4[rng.IntN(len(w.ipv4))]
}

// otherUser picks an IAM user whose name differs from name ignoring case.
func (a *account) otherUser(rng *rand.Rand, name string) *identity {
	for {
		u := a.users[rng.IntN(len(a.users))]
		if !strings.EqualFold(u.userName, name) {
			return u
		}
	}
}
