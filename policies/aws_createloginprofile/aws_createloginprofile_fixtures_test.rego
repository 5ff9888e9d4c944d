# Fixture tests for detections.aws_createloginprofile: the detection over the
# CloudTrail records under fixtures/ (fixtures/README.md), loaded as data:
#
#   go tool opa test policies/ policies_test.rego fixtures/
#
# Rego gives one finding per record that is one side of the join (a
# successful CreateLoginProfile, or an IAM user's ConsoleLogin); the Go host
# groups the findings by stats.by [new_login_profile, src_ip, aws_account_id],
# computes
#   count, dc(eventName) as event_types, values(eventName) as events,
#   values(creator_arn) as created_by, values(login_result) as login_results,
#   values(eventID) as eventIDs, min(_time) as firstTime, max(_time) as lastTime
# and keeps the groups with event_types >= 2. `groups` below is a Rego model of
# that aggregation (counts and values, without the times).
#
# ROWS THE GO AGGREGATION MUST PRODUCE (no filter list; times as
# security_content_ctime, %Y-%m-%dT%H:%M:%S UTC), from
# fixtures/aws_createloginprofile/records.json (synthetic, account
# 111122223333):
#   new_login_profile  src_ip          count event_types events                          created_by                                                     login_results      firstTime            lastTime
#   billing-admin      203.0.113.50        2           2 ConsoleLogin, CreateLoginProfile arn:aws:sts::111122223333:assumed-role/ci-deployer/gha-run-2001 Success            2024-09-12T08:00:00  2024-09-12T08:03:10
#   svc-backup         198.51.100.60       3           2 ConsoleLogin, CreateLoginProfile arn:aws:iam::111122223333:user/svc-backup                     Failure, Success   2024-09-12T09:00:00  2024-09-12T09:02:10
#   dave               192.0.2.70          2           2 ConsoleLogin, CreateLoginProfile arn:aws:iam::111122223333:user/ops-admin                      Success            2024-09-12T10:00:00  2024-09-12T10:05:00
# (eventIDs: the clp-a-row-*, clp-b-row-* and clp-c-row-* records.) No other
# group, in any fixture file or all of them together, holds both kinds:
#   - erin: created from 203.0.113.10, signed in from 198.51.100.99;
#   - frank: the CreateLoginProfile failed (no finding), only the login is left;
#   - gina: created in 111122223333, signed in to 444455556666;
#   - harry: the sign-in from the same IP is an Identity Center role session
#     (no finding);
#   - ivan: a login with no creation.
#
# Real data: no row. Stratus Red Team's aws.persistence.iam-create-user-login-
# profile creates a profile (d3906a7d-..., a finding) but never signs in with
# it; its one ConsoleLogin (865d9377-..., aws.initial-access.console-login-
# without-mfa) is another user in another account. TrailDiscover's
# CreateLoginProfile was refused (AccessDenied) and it has no ConsoleLogin.
# The seed's edge case edge-a-miss-other-eventname is a CreateLoginProfile for
# bob (a finding) with no login.
package detections.aws_createloginprofile_fixtures_test

import data.detections.aws_createloginprofile as detection

synthetic := data.aws_createloginprofile.Records

stratus := data["stratus-red-team"].Records

traildiscover := data.traildiscover.Records

edge := data.edge.Records

accessdenied := data.aws_iam_accessdenied_discovery_events.Records

all_records := array.concat(array.concat(array.concat(synthetic, stratus), array.concat(traildiscover, edge)), accessdenied)

# ---------------------------------------------------------------------------
# A model of the host's aggregation
# ---------------------------------------------------------------------------

findings(records) := [[r.eventID, f] | some r in records; f := detection.finding with input as r]

key(f) := [f.new_login_profile, f.src_ip, f.aws_account_id]

# groups(records): stats.by key -> the function results (not the times).
groups(records) := {k: s |
	all := [f | some [_, f] in findings(records)]
	some k in {key(f) | some f in all}
	members := [f | some f in all; key(f) == k]
	s := {
		"count": count(members),
		"event_types": count(values(members, "eventName")),
		"events": values(members, "eventName"),
		"created_by": values(members, "creator_arn"),
		"login_results": values(members, "login_result"),
		"eventIDs": values(members, "eventID"),
	}
}

# values(): the distinct non-null values.
values(members, name) := {f[name] | some f in members; f[name] != null}

# where event_types >= 2
reported(records) := {k: s | some k, s in groups(records); s.event_types >= 2}

expected_rows := {
	["billing-admin", "203.0.113.50", "111122223333"]: {
		"count": 2,
		"event_types": 2,
		"events": {"ConsoleLogin", "CreateLoginProfile"},
		"created_by": {"arn:aws:sts::111122223333:assumed-role/ci-deployer/gha-run-2001"},
		"login_results": {"Success"},
		"eventIDs": {"clp-a-row-create", "clp-a-row-login"},
	},
	["svc-backup", "198.51.100.60", "111122223333"]: {
		"count": 3,
		"event_types": 2,
		"events": {"ConsoleLogin", "CreateLoginProfile"},
		"created_by": {"arn:aws:iam::111122223333:user/svc-backup"},
		"login_results": {"Failure", "Success"},
		"eventIDs": {"clp-b-row-self-create", "clp-b-row-self-login-failure", "clp-b-row-self-login-success"},
	},
	["dave", "192.0.2.70", "111122223333"]: {
		"count": 2,
		"event_types": 2,
		"events": {"ConsoleLogin", "CreateLoginProfile"},
		"created_by": {"arn:aws:iam::111122223333:user/ops-admin"},
		"login_results": {"Success"},
		"eventIDs": {"clp-c-row-case-create", "clp-c-row-case-login"},
	},
}

# ---------------------------------------------------------------------------
# Synthetic join cases
# ---------------------------------------------------------------------------

test_synthetic_findings_by_record if {
	count(synthetic) == 16
	misses := {r.eventID | some r in synthetic; not detection.finding with input as r}
	misses == {"clp-e-miss-failed-create", "clp-g-miss-sso-login"}
	count(findings(synthetic)) == 14
}

test_synthetic_groups if {
	groups(synthetic) == object.union(expected_rows, {
		["erin", "203.0.113.10", "111122223333"]: {
			"count": 1, "event_types": 1, "events": {"CreateLoginProfile"},
			"created_by": {"arn:aws:iam::111122223333:user/ops-admin"}, "login_results": set(),
			"eventIDs": {"clp-d-norow-create-office"},
		},
		["erin", "198.51.100.99", "111122223333"]: {
			"count": 1, "event_types": 1, "events": {"ConsoleLogin"},
			"created_by": set(), "login_results": {"Success"},
			"eventIDs": {"clp-d-norow-login-elsewhere"},
		},
		["frank", "203.0.113.51", "111122223333"]: {
			"count": 1, "event_types": 1, "events": {"ConsoleLogin"},
			"created_by": set(), "login_results": {"Success"},
			"eventIDs": {"clp-e-norow-login"},
		},
		["gina", "203.0.113.52", "111122223333"]: {
			"count": 1, "event_types": 1, "events": {"CreateLoginProfile"},
			"created_by": {"arn:aws:iam::111122223333:user/ops-admin"}, "login_results": set(),
			"eventIDs": {"clp-f-norow-create-account-a"},
		},
		["gina", "203.0.113.52", "444455556666"]: {
			"count": 1, "event_types": 1, "events": {"ConsoleLogin"},
			"created_by": set(), "login_results": {"Success"},
			"eventIDs": {"clp-f-norow-login-account-b"},
		},
		["harry", "203.0.113.53", "111122223333"]: {
			"count": 1, "event_types": 1, "events": {"CreateLoginProfile"},
			"created_by": {"arn:aws:iam::111122223333:user/ops-admin"}, "login_results": set(),
			"eventIDs": {"clp-g-norow-create"},
		},
		["ivan", "198.51.100.61", "111122223333"]: {
			"count": 1, "event_types": 1, "events": {"ConsoleLogin"},
			"created_by": set(), "login_results": {"Success"},
			"eventIDs": {"clp-h-norow-login-only"},
		},
	})
}

test_synthetic_reported_rows if {
	reported(synthetic) == expected_rows
}

# The host aggregates across every file of a run: all fixtures together still
# give exactly these rows (no accidental join across files).
test_all_fixtures_reported_rows if {
	reported(all_records) == expected_rows
}

# ---------------------------------------------------------------------------
# Real data: findings, but no row
# ---------------------------------------------------------------------------

test_stratus_findings_no_row if {
	findings(stratus) == [
		[
			"865d9377-9c6b-4fd7-8aad-725e95f6a140",
			{
				"new_login_profile": "stratus-red-team-nmfalu-jfzdtsvchl",
				"src_ip": "225.01.00.16",
				"aws_account_id": "562283505220",
				"eventName": "ConsoleLogin",
				"creator_arn": null,
				"login_result": "Success",
				"eventID": "865d9377-9c6b-4fd7-8aad-725e95f6a140",
			},
		],
		[
			"d3906a7d-604b-407f-acb6-fc425742821e",
			{
				"new_login_profile": "stratus-red-team-login-profile-user",
				"src_ip": "253.234.5.234",
				"aws_account_id": "070411556318",
				"eventName": "CreateLoginProfile",
				"creator_arn": "arn:aws:iam::070411556318:user/christophe",
				"login_result": null,
				"eventID": "d3906a7d-604b-407f-acb6-fc425742821e",
			},
		],
	]
	reported(stratus) == {}
}

test_traildiscover_no_findings if {
	[r.errorCode | some r in traildiscover; r.eventName == "CreateLoginProfile"] == ["AccessDenied", "AccessDenied"]
	findings(traildiscover) == []
}

test_edge_one_side_no_row if {
	[id | some [id, _] in findings(edge)] == ["edge-a-miss-other-eventname"]
	reported(edge) == {}
}
