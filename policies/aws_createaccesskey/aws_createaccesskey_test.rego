# Unit tests for detections.aws_createaccesskey: one inline CloudTrail record
# per case (`with input as ...`). The records are synthetic. Filter lists are
# the host's (engine/suppress_test.go tests them for every detection).
package detections.aws_createaccesskey_test

import data.detections.aws_createaccesskey as detection

# ---------------------------------------------------------------------------
# Test data
# ---------------------------------------------------------------------------

cli_user_agent := "aws-cli/2.17.32 md/awscrt#0.21.2 ua/2.0 os/linux#6.8.0 md/arch#x86_64 lang/python#3.11.9 md/command#iam.create-access-key"

# An IAM user, alice, creates an access key for another IAM user, bob.
base := {
	"eventVersion": "1.09",
	"userIdentity": {
		"type": "IAMUser",
		"principalId": "AIDAUNITALICE0000001",
		"arn": "arn:aws:iam::111122223333:user/alice",
		"accountId": "111122223333",
		"accessKeyId": "AKIAUNITALICE0000001",
		"userName": "alice",
	},
	"eventTime": "2024-09-02T09:01:12Z",
	"eventSource": "iam.amazonaws.com",
	"eventName": "CreateAccessKey",
	"awsRegion": "us-east-1",
	"sourceIPAddress": "198.51.100.23",
	"userAgent": cli_user_agent,
	"requestParameters": {"userName": "bob"},
	"responseElements": {"accessKey": {
		"userName": "bob",
		"accessKeyId": "AKIAUNITBOBKEY000001",
		"status": "Active",
		"createDate": "Sep 2, 2024, 9:01:12 AM",
	}},
	"requestID": "5d3c3a51-8a4f-4c53-9d3e-000000000001",
	"eventID": "unit-base",
	"readOnly": false,
	"eventType": "AwsApiCall",
	"managementEvent": true,
	"recipientAccountId": "111122223333",
	"eventCategory": "Management",
}

# The finding for base.
base_finding := {
	"requestParameters.userName": "bob",
	"src": "198.51.100.23",
	"eventName": "CreateAccessKey",
	"eventSource": "iam.amazonaws.com",
	"aws_account_id": "111122223333",
	"errorCode": "success",
	"userAgent": cli_user_agent,
	"eventID": "unit-base",
	"awsRegion": "us-east-1",
	"userIdentity.principalId": "AIDAUNITALICE0000001",
	"user_arn": "arn:aws:iam::111122223333:user/alice",
}

# with_(overrides): base deep-merged with overrides (nested objects merge).
with_(overrides) := object.union(base, overrides)

# replaced(key, value): base with the top-level field key replaced (not merged).
replaced(key, value) := object.union(object.remove(base, [key]), {key: value})

# caller(identity): base with userIdentity replaced.
caller(identity) := replaced("userIdentity", identity)

# without(paths): base without the fields at the JSON pointer paths.
without(paths) := json.remove(base, paths)

# Base's finding with some values replaced.
finding_with(values) := object.union(base_finding, values)

# hit(record): the finding for record, or "no finding".
hit(record) := finding if {
	finding := detection.finding with input as record
}

miss(record) if not detection.finding with input as record

# ---------------------------------------------------------------------------
# a. eventName CreateAccessKey and eventSource iam.amazonaws.com
# ---------------------------------------------------------------------------

test_a_hit_create_access_key_on_iam if {
	hit(base) == base_finding
}

test_a_miss_other_event_name if {
	miss(with_({"eventName": "CreateLoginProfile"}))
	miss(with_({"eventName": "createaccesskey"})) # exact, as CloudTrail writes it
	miss(without(["eventName"]))
	miss(with_({"eventName": null}))
}

test_a_miss_other_event_source if {
	miss(with_({"eventSource": "ec2.amazonaws.com"}))
	miss(with_({"eventSource": "IAM.amazonaws.com"}))
	miss(without(["eventSource"]))
}

test_a_miss_wrong_types if {
	miss(with_({"eventName": 1}))
	miss(with_({"eventName": ["CreateAccessKey"]}))
	miss(with_({"eventSource": {"name": "iam.amazonaws.com"}}))
}

# ---------------------------------------------------------------------------
# b. the call succeeded
# ---------------------------------------------------------------------------

test_b_hit_error_code_absent if {
	not "errorCode" in object.keys(base)
	hit(base).errorCode == "success"
}

test_b_hit_error_code_null if {
	hit(with_({"errorCode": null})) == base_finding
}

test_b_hit_error_code_success if {
	hit(with_({"errorCode": "success"})) == base_finding
}

test_b_miss_failed_calls if {
	miss(with_({"errorCode": "AccessDenied", "errorMessage": "User: ... is not authorized", "responseElements": null}))
	miss(with_({"errorCode": "LimitExceededException"}))
	miss(with_({"errorCode": "NoSuchEntityException"}))
	miss(with_({"errorCode": "Success"})) # only the exact "success" the Splunk Add-on writes
	miss(with_({"errorCode": ""}))
}

# An errorCode of another type is not "absent": whatever wrote it, it says
# the call did not plainly succeed, so no key is taken to have been created
# (unlike other fields, which read as missing when wrongly typed).
test_b_miss_error_code_wrong_type if {
	miss(with_({"errorCode": 403}))
	miss(with_({"errorCode": 0}))
	miss(with_({"errorCode": false}))
	miss(with_({"errorCode": {"code": "AccessDenied"}}))
	miss(with_({"errorCode": {}}))
	miss(with_({"errorCode": ["success"]}))
}

# ---------------------------------------------------------------------------
# c. userAgent is not console.amazonaws.com (case-insensitive)
# ---------------------------------------------------------------------------

test_c_miss_console_user_agent if {
	miss(with_({"userAgent": "console.amazonaws.com"}))
}

test_c_miss_console_user_agent_any_case if {
	miss(with_({"userAgent": "Console.AmazonAWS.com"}))
	miss(with_({"userAgent": "CONSOLE.AMAZONAWS.COM"}))
}

test_c_hit_missing_user_agent if {
	hit(without(["userAgent"])) == finding_with({"userAgent": null})
	hit(with_({"userAgent": null})) == finding_with({"userAgent": null})
}

# Exact comparison: other console-ish or internal agents pass.
test_c_hit_other_user_agents if {
	hit(with_({"userAgent": "console.ec2.amazonaws.com"})).userAgent == "console.ec2.amazonaws.com"
	hit(with_({"userAgent": "signin.amazonaws.com"})).userAgent == "signin.amazonaws.com"
	hit(with_({"userAgent": "AWS Internal"})).userAgent == "AWS Internal"
	hit(with_({"userAgent": " console.amazonaws.com"})).userAgent == " console.amazonaws.com"
}

test_c_hit_user_agent_wrong_type_is_null if {
	hit(with_({"userAgent": 7})) == finding_with({"userAgent": null})
	hit(with_({"userAgent": {"name": "console.amazonaws.com"}})) == finding_with({"userAgent": null})
}

# ---------------------------------------------------------------------------
# d. the target requestParameters.userName is a non-empty string
# ---------------------------------------------------------------------------

test_d_hit_target_user_name if {
	hit(with_({"requestParameters": {"userName": "carol"}})) == finding_with({"requestParameters.userName": "carol"})
}

test_d_miss_empty_target if {
	miss(with_({"requestParameters": {"userName": ""}}))
}

# Without a target, IAM creates the key for the caller itself.
test_d_miss_no_target if {
	miss(replaced("requestParameters", {}))
	miss(with_({"requestParameters": null}))
	miss(without(["requestParameters"]))
	miss(with_({"requestParameters": {"userName": null}}))
}

test_d_miss_target_wrong_type if {
	miss(with_({"requestParameters": {"userName": 12345}}))
	miss(with_({"requestParameters": {"userName": ["bob"]}}))
	miss(with_({"requestParameters": {"userName": {"name": "bob"}}}))
	miss(with_({"requestParameters": "userName=bob"}))
	miss(with_({"requestParameters": ["bob"]}))
}

# ---------------------------------------------------------------------------
# e. the caller is not the target
# ---------------------------------------------------------------------------

self_key(caller_name, target) := with_({
	"userIdentity": {"userName": caller_name, "arn": concat("", ["arn:aws:iam::111122223333:user/", caller_name])},
	"requestParameters": {"userName": target},
})

test_e_miss_iam_user_creates_own_key if {
	miss(self_key("alice", "alice"))
}

# IAM user names are unique regardless of case: Alice and alice are one user.
test_e_miss_self_is_case_insensitive if {
	miss(self_key("Alice", "alice"))
	miss(self_key("alice", "ALICE"))
}

# Exact comparison, not the seed's unanchored regex: jackson is not jack.
test_e_hit_name_containing_target if {
	hit(self_key("jackson", "jack"))["requestParameters.userName"] == "jack"
	hit(self_key("jack", "jackson"))["requestParameters.userName"] == "jackson"
	hit(self_key("alice", "alic"))["requestParameters.userName"] == "alic"
}

# `.` and `+` are legal in IAM names and literal here.
test_e_dot_and_plus_are_literal if {
	hit(self_key("johnxsmith", "john.smith"))["requestParameters.userName"] == "john.smith"
	miss(self_key("john.smith", "john.smith"))
	hit(self_key("aab", "a+b"))["requestParameters.userName"] == "a+b"
	miss(self_key("svc+ci", "svc+ci"))
	miss(self_key("Svc+CI@example.com", "svc+ci@example.com"))
	hit(self_key("svc+ci", "svc-ci"))["requestParameters.userName"] == "svc-ci"
}

assumed_role := {
	"type": "AssumedRole",
	"principalId": "AROAUNITROLE00000001:bob",
	"arn": "arn:aws:sts::111122223333:assumed-role/bob/bob",
	"accountId": "111122223333",
	"accessKeyId": "ASIAUNITROLE00000001",
	"sessionContext": {"sessionIssuer": {
		"type": "Role",
		"principalId": "AROAUNITROLE00000001",
		"arn": "arn:aws:iam::111122223333:role/bob",
		"accountId": "111122223333",
		"userName": "bob",
	}},
}

# Any caller other than an IAM user is another principal, even when a name in
# its identity equals the target.
test_e_hit_assumed_role if {
	hit(caller(assumed_role)) == finding_with({
		"userIdentity.principalId": "AROAUNITROLE00000001:bob",
		"user_arn": "arn:aws:sts::111122223333:assumed-role/bob/bob",
	})
}

test_e_hit_root if {
	hit(caller({
		"type": "Root",
		"principalId": "111122223333",
		"arn": "arn:aws:iam::111122223333:root",
		"accountId": "111122223333",
		"accessKeyId": "ASIAUNITROOT00000001",
	})) == finding_with({
		"userIdentity.principalId": "111122223333",
		"user_arn": "arn:aws:iam::111122223333:root",
	})
}

test_e_hit_federated_user if {
	hit(caller({
		"type": "FederatedUser",
		"principalId": "111122223333:bob",
		"arn": "arn:aws:sts::111122223333:federated-user/bob",
		"accountId": "111122223333",
		"userName": "bob",
	})) == finding_with({
		"userIdentity.principalId": "111122223333:bob",
		"user_arn": "arn:aws:sts::111122223333:federated-user/bob",
	})
}

test_e_hit_aws_service if {
	hit(caller({"type": "AWSService", "invokedBy": "cloudformation.amazonaws.com"})) == finding_with({
		"userIdentity.principalId": null,
		"user_arn": null,
	})
}

test_e_hit_identity_center_and_unknown_types if {
	hit(caller({
		"type": "IdentityCenterUser",
		"accountId": "111122223333",
		"onBehalfOf": {"userId": "94482488-3041-7026-18f3-be45837cd0e4"},
		"userName": "bob",
	})) == finding_with({"userIdentity.principalId": null, "user_arn": null})
	hit(caller({"type": "Unknown", "userName": "bob", "accountId": "111122223333"})) == finding_with({"userIdentity.principalId": null, "user_arn": null})
	hit(caller({"userName": "bob", "accountId": "111122223333"})) == finding_with({"userIdentity.principalId": null, "user_arn": null})
	hit(caller({"type": 1, "userName": "bob", "accountId": "111122223333"})) == finding_with({"userIdentity.principalId": null, "user_arn": null})
	hit(caller({"type": "iamuser", "userName": "bob", "accountId": "111122223333"})) == finding_with({"userIdentity.principalId": null, "user_arn": null})
}

# An IAM user record without a (string) userName is another principal: the
# policy does not guess the name from the ARN.
test_e_hit_iam_user_without_user_name if {
	hit(json.remove(base, ["userIdentity/userName"])) == base_finding
	hit(with_({"userIdentity": {"userName": null}})) == base_finding
	hit(with_({"userIdentity": {"userName": 7}})) == base_finding
	hit(with_({
		"userIdentity": {"arn": "arn:aws:iam::111122223333:user/bob"},
		"requestParameters": {"userName": "bob"},
	})) == finding_with({"user_arn": "arn:aws:iam::111122223333:user/bob"})
}

test_e_hit_no_user_identity if {
	hit(without(["userIdentity"])) == finding_with({"userIdentity.principalId": null, "user_arn": null})
	hit(with_({"userIdentity": null})) == finding_with({"userIdentity.principalId": null, "user_arn": null})
	hit(with_({"userIdentity": "alice"})) == finding_with({"userIdentity.principalId": null, "user_arn": null})
}

# ---------------------------------------------------------------------------
# Finding values and fallbacks
# ---------------------------------------------------------------------------

test_value_src_is_source_ip_address if {
	hit(with_({"sourceIPAddress": "2001:db8::17"})).src == "2001:db8::17"
	hit(with_({"sourceIPAddress": "AWS Internal"})).src == "AWS Internal"
	hit(with_({"sourceIPAddress": "075.050.255.67"})).src == "075.050.255.67"
	hit(without(["sourceIPAddress"])).src == null
	hit(with_({"sourceIPAddress": 3232235777})).src == null
}

test_value_event_id_and_region if {
	hit(without(["eventID"])) == finding_with({"eventID": null})
	hit(without(["awsRegion"])) == finding_with({"awsRegion": null})
	hit(with_({"awsRegion": "ap-isob-central-3r"})).awsRegion == "ap-isob-central-3r"
}

test_value_principal_id if {
	hit(json.remove(base, ["userIdentity/principalId"])) == finding_with({"userIdentity.principalId": null})
}

# aws_account_id, way 1: AWS service and AWS account callers -> recipientAccountId.
test_value_account_id_service_and_account_callers_use_recipient if {
	hit(caller({"type": "AWSService", "invokedBy": "cloudformation.amazonaws.com", "accountId": "999999999999"})).aws_account_id == "111122223333"
	hit(caller({"type": "AWSAccount", "principalId": "AIDAUNITPARTNER00001", "accountId": "444455556666"})).aws_account_id == "111122223333"
	hit(object.remove(caller({"type": "AWSService", "accountId": "999999999999"}), ["recipientAccountId"])).aws_account_id == null
}

# Way 2: other callers -> userIdentity.accountId (the caller's account).
test_value_account_id_from_caller if {
	hit(with_({"userIdentity": {"accountId": "444455556666"}})).aws_account_id == "444455556666"
}

# Way 3: other callers without an accountId -> recipientAccountId.
test_value_account_id_falls_back_to_recipient if {
	hit(json.remove(with_({"recipientAccountId": "777788889999"}), ["userIdentity/accountId"])).aws_account_id == "777788889999"
	hit(with_({"userIdentity": {"accountId": 111122223333}, "recipientAccountId": "777788889999"})).aws_account_id == "777788889999"
	hit(json.remove(base, ["userIdentity/accountId", "recipientAccountId"])).aws_account_id == null
}

test_value_user_arn_falls_back_to_role_arn if {
	record := json.remove(
		with_({"requestParameters": {"roleArn": "arn:aws:iam::111122223333:role/key-broker"}}),
		["userIdentity/arn"],
	)
	hit(record) == finding_with({"user_arn": "arn:aws:iam::111122223333:role/key-broker"})

	# userIdentity.arn wins when both are present
	hit(with_({"requestParameters": {"roleArn": "arn:aws:iam::111122223333:role/key-broker"}})).user_arn == "arn:aws:iam::111122223333:user/alice"

	# a non-string arn counts as missing
	hit(with_({
		"userIdentity": {"arn": ["x"]},
		"requestParameters": {"roleArn": "arn:aws:iam::111122223333:role/key-broker"},
	})).user_arn == "arn:aws:iam::111122223333:role/key-broker"

	# neither
	hit(json.remove(base, ["userIdentity/arn"])).user_arn == null
}

# The fewest fields a hit needs: everything else is null, and the finding is
# still produced (Splunk's stats by would drop it).
test_value_minimal_record_all_nulls if {
	hit({
		"eventName": "CreateAccessKey",
		"eventSource": "iam.amazonaws.com",
		"requestParameters": {"userName": "bob"},
	}) == {
		"requestParameters.userName": "bob",
		"src": null,
		"eventName": "CreateAccessKey",
		"eventSource": "iam.amazonaws.com",
		"aws_account_id": null,
		"errorCode": "success",
		"userAgent": null,
		"eventID": null,
		"awsRegion": null,
		"userIdentity.principalId": null,
		"user_arn": null,
	}
}

# Wrong types never raise and never leak into the finding.
test_value_wrong_types_are_null if {
	hit(with_({
		"sourceIPAddress": 1,
		"userAgent": {"a": 1},
		"eventID": 42,
		"awsRegion": ["us-east-1"],
		"recipientAccountId": true,
		"userIdentity": {"principalId": 5, "arn": {"x": 1}, "accountId": 111122223333, "type": "IAMUser"},
		"requestParameters": {"userName": "bob", "roleArn": 9},
	})) == finding_with({
		"src": null,
		"userAgent": null,
		"eventID": null,
		"awsRegion": null,
		"aws_account_id": null,
		"userIdentity.principalId": null,
		"user_arn": null,
	})
}

test_values_are_strings_or_null if {
	records := [base, caller(assumed_role), without(["userAgent", "sourceIPAddress"])]
	every record in records {
		every _, value in hit(record) {
			value_ok(value)
		}
	}
}

value_ok(value) if is_string(value)

value_ok(value) if value == null

# ---------------------------------------------------------------------------
# Metadata
# ---------------------------------------------------------------------------

# The finding's keys are exactly METADATA custom.stats.by (read from the
# package annotations by detection.stats_by, not a copy).
test_metadata_stats_by_equals_finding_keys if {
	by := detection.stats_by
	count(by) == count({name | some name in by}) # no duplicates
	{name | some name in by} == object.keys(hit(base))
	{name | some name in by} == object.keys(hit({
		"eventName": "CreateAccessKey",
		"eventSource": "iam.amazonaws.com",
		"requestParameters": {"userName": "bob"},
	}))
}

# The seed's ordered group-by list.
test_metadata_stats_by_order if {
	detection.stats_by == [
		"requestParameters.userName", "src", "eventName", "eventSource", "aws_account_id", "errorCode",
		"userAgent", "eventID", "awsRegion", "userIdentity.principalId", "user_arn",
	]
}

test_metadata_risk if {
	risk := detection.annotations.custom.risk
	risk.impact == 70
	risk.confidence == 90
	risk.score == 63
	risk.score == (risk.impact * risk.confidence) / 100

	# every $field$ of the message is a by-field
	names := [name | some m in regex.find_n(`\$[A-Za-z0-9_.]+\$`, risk.message, -1); name := trim(m, "$")]
	names == ["user_arn", "requestParameters.userName", "src"]
	every name in names {
		name in detection.stats_by
	}
}

test_metadata_identity if {
	a := detection.annotations
	a.title == "AWS CreateAccessKey"
	a.custom.id == "2a9b80d3-6340-4345-11ad-212bf3d0d111"
	a.custom.type == "hunting"
	a.custom.version == 3
	[t.id | some t in a.custom.mitre_attack] == ["T1136.003", "T1136"]
	{t.tactic | some t in a.custom.mitre_attack} == {"Persistence"}
	a.custom.kill_chain_phases == ["Installation"]
	a.custom.nist == ["DE.AE"]
	a.custom.cis20 == ["CIS 13"]
	count(a.related_resources) == 2
}

# Every field the finding reads is listed in required_fields.
test_metadata_required_fields if {
	fields := {f | some f in detection.annotations.custom.required_fields}
	every f in [
		"eventName", "eventSource", "errorCode", "userAgent", "requestParameters.userName",
		"requestParameters.roleArn", "sourceIPAddress", "eventID", "awsRegion", "recipientAccountId",
		"userIdentity.type", "userIdentity.userName", "userIdentity.accountId",
		"userIdentity.principalId", "userIdentity.arn",
	] {
		f in fields
	}
}
