# Fixture tests: the detections against the CloudTrail records under fixtures/
# (see fixtures/README.md). Run with the fixtures loaded as data:
#
#   go tool opa test policies/ policies_test.rego fixtures/
#
# opa places each fixtures/<dir>/records.json at data.<dir>: the real Stratus
# Red Team and TrailDiscover records and the synthetic edge cases.
package fixtures_test

import data.detections.aws_createaccesskey as detection

stratus := data["stratus-red-team"].Records

traildiscover := data.traildiscover.Records

edge := data.edge.Records

# findings(records): [eventID, finding] for every record that yields a finding
# (a list, so two records with equal findings are both counted).
findings(records) := [[record.eventID, finding] |
	some record in records
	finding := detection.finding with input as record
]

# ---------------------------------------------------------------------------
# Real data
# ---------------------------------------------------------------------------

test_fixtures_loaded if {
	count(stratus) == 310
	count(traildiscover) == 563
	count(edge) == 35
}

# The two real positives: IAM user christophe creating an access key for
# another user (aws.persistence.iam-backdoor-user, aws.persistence.iam-create-admin-user).
test_stratus_positives_exact if {
	findings(stratus) == [
		[
			"c64c4ded-ef03-4e5c-81eb-153b118d72f2",
			{
				"requestParameters.userName": "stratus-red-team-backdoor-u-user",
				"src": "211.9.016.253",
				"eventName": "CreateAccessKey",
				"eventSource": "iam.amazonaws.com",
				"aws_account_id": "946986569305",
				"errorCode": "success",
				"userAgent": "stratus-red-team_f3f19dcd-8552-47ca-a01e-0e1f5578d15e",
				"eventID": "c64c4ded-ef03-4e5c-81eb-153b118d72f2",
				"awsRegion": "ap-central-2r",
				"userIdentity.principalId": "AIDAKYRO1QIPZ5M62HCS",
				"user_arn": "arn:aws:iam::946986569305:user/christophe",
			},
		],
		[
			"94faedcc-0fa4-46e6-9322-022e8e934f04",
			{
				"requestParameters.userName": "malicious-iam-user",
				"src": "075.050.255.67",
				"eventName": "CreateAccessKey",
				"eventSource": "iam.amazonaws.com",
				"aws_account_id": "229654561268",
				"errorCode": "success",
				"userAgent": "stratus-red-team_6bf00313-712c-4fd2-9bdd-88f48a4b1282",
				"eventID": "94faedcc-0fa4-46e6-9322-022e8e934f04",
				"awsRegion": "ap-isob-central-3r",
				"userIdentity.principalId": "AIDAZ49AHUAJ9OEK73O5",
				"user_arn": "arn:aws:iam::229654561268:user/christophe",
			},
		],
	]
}

# TrailDiscover's two CreateAccessKey records are failed calls (AccessDenied):
# true negatives, like every other record there.
test_traildiscover_no_findings if {
	count([r | some r in traildiscover; r.eventName == "CreateAccessKey"]) == 2
	findings(traildiscover) == []
}

test_real_data_exactly_two_findings if {
	count(findings(array.concat(stratus, traildiscover))) == 2
}

# ---------------------------------------------------------------------------
# Edge cases (fixtures/edge/records.json, synthetic)
# ---------------------------------------------------------------------------

cli_user_agent := "aws-cli/2.17.32 md/awscrt#0.21.2 ua/2.0 os/linux#6.8.0-1012-aws md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.24 md/prompt#off md/command#iam.create-access-key"

# edge_finding(event_id, target, values): the finding of an edge record in
# which IAM user ops-admin creates a key for target from 203.0.113.10 with the
# AWS CLI, with some values replaced.
edge_finding(event_id, target, values) := object.union(
	{
		"requestParameters.userName": target,
		"src": "203.0.113.10",
		"eventName": "CreateAccessKey",
		"eventSource": "iam.amazonaws.com",
		"aws_account_id": "111122223333",
		"errorCode": "success",
		"userAgent": cli_user_agent,
		"eventID": event_id,
		"awsRegion": "us-east-1",
		"userIdentity.principalId": "AIDAEDGEOPSADMIN0001",
		"user_arn": "arn:aws:iam::111122223333:user/ops-admin",
	},
	values,
)

expected_edge_findings := {
	# a. CreateAccessKey on IAM
	"edge-a-hit-iamuser-for-other-user": edge_finding("edge-a-hit-iamuser-for-other-user", "bob", {
		"src": "198.51.100.23",
		"userIdentity.principalId": "AIDAEDGEALICE0000001",
		"user_arn": "arn:aws:iam::111122223333:user/alice",
	}),
	# b. succeeded
	"edge-b-hit-errorcode-success": edge_finding("edge-b-hit-errorcode-success", "bob", {}),
	"edge-b-hit-errorcode-null": edge_finding("edge-b-hit-errorcode-null", "bob", {}),
	# c. not from the console; a missing userAgent passes
	"edge-c-hit-missing-useragent": edge_finding("edge-c-hit-missing-useragent", "erin", {"userAgent": null}),
	# e. the caller is not the target
	"edge-e-hit-jackson-for-jack": edge_finding("edge-e-hit-jackson-for-jack", "jack", {
		"userIdentity.principalId": "AIDAEDGEJACKSON00001",
		"user_arn": "arn:aws:iam::111122223333:user/jackson",
	}),
	"edge-e-hit-dot-name-not-regex": edge_finding("edge-e-hit-dot-name-not-regex", "john.smith", {
		"userIdentity.principalId": "AIDAEDGEJOHNXSMI0001",
		"user_arn": "arn:aws:iam::111122223333:user/johnxsmith",
	}),
	"edge-e-hit-assumedrole": edge_finding("edge-e-hit-assumedrole", "bob", {
		"src": "2001:db8:4f2a::17",
		"userAgent": "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/iam#1.34.3",
		"userIdentity.principalId": "AROAEDGECIDEPLOYER01:gha-run-1001",
		"user_arn": "arn:aws:sts::111122223333:assumed-role/ci-deployer/gha-run-1001",
	}),
	"edge-e-hit-root": edge_finding("edge-e-hit-root", "bob", {
		"src": "203.0.113.9",
		"userIdentity.principalId": "111122223333",
		"user_arn": "arn:aws:iam::111122223333:root",
	}),
	"edge-e-hit-federateduser": edge_finding("edge-e-hit-federateduser", "bob", {
		"userIdentity.principalId": "111122223333:breakglass",
		"user_arn": "arn:aws:sts::111122223333:federated-user/breakglass",
	}),
	# AWS service caller: account from recipientAccountId, no principal, no ARN
	"edge-e-hit-awsservice": edge_finding("edge-e-hit-awsservice", "svc-rotation", {
		"src": "cloudformation.amazonaws.com",
		"userAgent": "cloudformation.amazonaws.com",
		"userIdentity.principalId": null,
		"user_arn": null,
	}),
	# AWS account caller (444455556666): account is the recipient, user_arn
	# falls back to requestParameters.roleArn
	"edge-e-hit-awsaccount-rolearn-fallback": edge_finding("edge-e-hit-awsaccount-rolearn-fallback", "bob", {
		"src": "192.0.2.44",
		"userIdentity.principalId": "AIDAEDGEPARTNER00001",
		"user_arn": "arn:aws:iam::444455556666:role/partner-key-broker",
	}),
	"edge-e-hit-identitycenteruser": edge_finding("edge-e-hit-identitycenteruser", "bob", {
		"userIdentity.principalId": null,
		"user_arn": null,
	}),
	"edge-e-hit-iamuser-without-username": edge_finding("edge-e-hit-iamuser-without-username", "bob", {"userIdentity.principalId": "AIDAEDGENONAME000001"}),
	"edge-e-hit-unknown-caller-type": edge_finding("edge-e-hit-unknown-caller-type", "bob", {
		"src": "AWS Internal",
		"userAgent": "AWS Internal",
		"userIdentity.principalId": "AROAEDGEUNKNOWN00001:someone",
		"user_arn": "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_AdministratorAccess_1b74cd717d47002b/someone",
	}),
	# finding values and fallbacks
	"edge-v-hit-account-from-recipient": edge_finding("edge-v-hit-account-from-recipient", "bob", {}),
	"edge-v-hit-missing-and-wrong-types": edge_finding("edge-v-hit-missing-and-wrong-types", "bob", {
		"src": null,
		"aws_account_id": null,
		"userAgent": null,
		"awsRegion": null,
		"userIdentity.principalId": null,
		"user_arn": null,
	}),
	"edge-v-hit-no-eventtime": edge_finding("edge-v-hit-no-eventtime", "bob", {}),
	# filter features (see test_edge_filters)
	"edge-f-hit-glob-literal-chars": edge_finding("edge-f-hit-glob-literal-chars", "deploy-bot", {"userAgent": "custom-rotator/1.0 [build?42]"}),
	"edge-f-hit-src-aws-internal": edge_finding("edge-f-hit-src-aws-internal", "svc-internal", {
		"src": "AWS Internal",
		"userAgent": "AWS Internal",
	}),
	"edge-f-hit-src-leading-zeros": edge_finding("edge-f-hit-src-leading-zeros", "frank", {"src": "075.050.255.67"}),
	"edge-f-hit-expired-filter": edge_finding("edge-f-hit-expired-filter", "carol", {}),
	"edge-f-hit-unexpired-filter": edge_finding("edge-f-hit-unexpired-filter", "dave", {}),
}

expected_edge_misses := {
	"edge-a-miss-other-eventname",
	"edge-a-miss-other-eventsource",
	"edge-b-miss-accessdenied",
	"edge-b-miss-limitexceeded",
	"edge-c-miss-console-useragent",
	"edge-c-miss-console-useragent-mixed-case",
	"edge-d-miss-empty-target-username",
	"edge-d-miss-requestparameters-null",
	"edge-d-miss-no-target-username",
	"edge-d-miss-non-string-target-username",
	"edge-e-miss-self-same-case",
	"edge-e-miss-self-different-case",
	"edge-e-miss-plus-name-self",
}

# Every edge record is classified, once, and its name says which.
test_edge_records_classified if {
	ids := [r.eventID | some r in edge]
	count(ids) == count({id | some id in ids})
	{id | some id in ids} == object.keys(expected_edge_findings) | expected_edge_misses
	every id in object.keys(expected_edge_findings) {
		contains(id, "-hit-")
	}
	every id in expected_edge_misses {
		contains(id, "-miss-")
	}
}

# Exactly the expected findings, whole objects, and nothing for the misses.
test_edge_findings_exact if {
	{id: finding | some [id, finding] in findings(edge)} == expected_edge_findings
	count(findings(edge)) == count(expected_edge_findings)
}

# Per record, so a failure names the eventID (opa test --var-values).
test_edge_findings_per_record if {
	every record in edge {
		edge_ok(record)
	}
}

edge_ok(record) if {
	record.eventID in expected_edge_misses
	not detection.finding with input as record
}

edge_ok(record) if {
	finding := detection.finding with input as record
	finding == expected_edge_findings[record.eventID]
}
