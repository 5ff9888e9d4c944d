# Unit tests for detections.aws_createloginprofile: one inline CloudTrail
# record per case (`with input as ...`). The records are synthetic. Each
# record is one side of the join; the host's aggregation (stats.where
# event_types >= 2) joins them: see aws_createloginprofile_fixtures_test.rego.
package detections.aws_createloginprofile_test

import data.detections.aws_createloginprofile as detection

# IAM user ops-admin creates a console password for IAM user bob.
create := {
	"eventVersion": "1.09",
	"userIdentity": {
		"type": "IAMUser",
		"principalId": "AIDAUNITOPSADMIN0001",
		"arn": "arn:aws:iam::111122223333:user/ops-admin",
		"accountId": "111122223333",
		"accessKeyId": "AKIAUNITOPSADMIN0001",
		"userName": "ops-admin",
	},
	"eventTime": "2024-09-12T08:00:00Z",
	"eventSource": "iam.amazonaws.com",
	"eventName": "CreateLoginProfile",
	"awsRegion": "us-east-1",
	"sourceIPAddress": "203.0.113.50",
	"userAgent": "aws-cli/2.17.32 md/command#iam.create-login-profile",
	"requestParameters": {"userName": "bob", "passwordResetRequired": false},
	"responseElements": {"loginProfile": {"userName": "bob", "createDate": "Sep 12, 2024, 8:00:00 AM", "passwordResetRequired": false}},
	"requestID": "5d3c3a51-8a4f-4c53-9d3e-000000000006",
	"eventID": "unit-create",
	"readOnly": false,
	"eventType": "AwsApiCall",
	"managementEvent": true,
	"recipientAccountId": "111122223333",
	"eventCategory": "Management",
}

create_finding := {
	"new_login_profile": "bob",
	"src_ip": "203.0.113.50",
	"aws_account_id": "111122223333",
	"eventName": "CreateLoginProfile",
	"creator_arn": "arn:aws:iam::111122223333:user/ops-admin",
	"login_result": null,
	"eventID": "unit-create",
}

# IAM user bob signs in to the console.
login := {
	"eventVersion": "1.08",
	"userIdentity": {
		"type": "IAMUser",
		"principalId": "AIDAUNITBOB000000001",
		"arn": "arn:aws:iam::111122223333:user/bob",
		"accountId": "111122223333",
		"accessKeyId": "",
		"userName": "bob",
	},
	"eventTime": "2024-09-12T08:03:10Z",
	"eventSource": "signin.amazonaws.com",
	"eventName": "ConsoleLogin",
	"awsRegion": "us-east-1",
	"sourceIPAddress": "203.0.113.50",
	"userAgent": "Mozilla/5.0 (X11; Linux x86_64; rv:129.0) Gecko/20100101 Firefox/129.0",
	"requestParameters": null,
	"responseElements": {"ConsoleLogin": "Success"},
	"additionalEventData": {"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No", "MFAUsed": "No"},
	"eventID": "unit-login",
	"readOnly": false,
	"eventType": "AwsConsoleSignIn",
	"managementEvent": true,
	"recipientAccountId": "111122223333",
	"eventCategory": "Management",
}

login_finding := {
	"new_login_profile": "bob",
	"src_ip": "203.0.113.50",
	"aws_account_id": "111122223333",
	"eventName": "ConsoleLogin",
	"creator_arn": null,
	"login_result": "Success",
	"eventID": "unit-login",
}

merged(record, overrides) := object.union(record, overrides)

replaced(record, key, value) := object.union(object.remove(record, [key]), {key: value})

hit(record) := finding if {
	finding := detection.finding with input as record
}

miss(record) if not detection.finding with input as record

# ---------------------------------------------------------------------------
# a. the CreateLoginProfile side
# ---------------------------------------------------------------------------

test_a_hit_create if {
	hit(create) == create_finding
}

test_a_miss_other_events if {
	miss(merged(create, {"eventName": "UpdateLoginProfile"}))
	miss(merged(create, {"eventName": "DeleteLoginProfile"}))
	miss(merged(create, {"eventName": "createloginprofile"}))
	miss(merged(create, {"eventSource": "signin.amazonaws.com"}))
	miss(json.remove(create, ["eventSource"]))
	miss(json.remove(create, ["eventName"]))
}

test_a_success_forms if {
	hit(merged(create, {"errorCode": null})) == create_finding
	hit(merged(create, {"errorCode": "success"})) == create_finding
	hit(merged(create, {"errorCode": 409})) == create_finding # wrong type counts as missing
}

# A refused or failed call created no password (upstream joins these).
test_a_miss_failed_create if {
	miss(merged(create, {"errorCode": "AccessDenied", "requestParameters": null, "responseElements": null}))
	miss(merged(create, {"errorCode": "EntityAlreadyExistsException"}))
	miss(merged(create, {"errorCode": "PasswordPolicyViolationException"}))
	miss(merged(create, {"errorCode": "Success"}))
}

# Without requestParameters.userName, IAM creates the calling IAM user's own
# profile: the self case (a stolen access key turned into console access).
test_a_target_defaults_to_calling_iam_user if {
	hit(replaced(create, "requestParameters", {"passwordResetRequired": false})) == object.union(create_finding, {"new_login_profile": "ops-admin"})
	hit(replaced(create, "requestParameters", {})).new_login_profile == "ops-admin"
}

# A userName that is there but unusable, or no requestParameters at all
# (redacted): the target is unknown, and the caller is not guessed.
test_a_miss_unknown_target if {
	miss(merged(create, {"requestParameters": {"userName": ""}}))
	miss(merged(create, {"requestParameters": {"userName": 5}}))
	miss(merged(create, {"requestParameters": {"userName": null}}))
	miss(replaced(create, "requestParameters", null))
	miss(replaced(create, "requestParameters", "userName=bob"))
	miss(json.remove(create, ["requestParameters"]))
}

# The self case with an explicit user name is reported too.
test_a_hit_self_named if {
	hit(merged(create, {"requestParameters": {"userName": "ops-admin"}})).new_login_profile == "ops-admin"
}

# No target and no IAM user to default to: nothing to join.
test_a_miss_no_target if {
	no_name := replaced(create, "requestParameters", {"passwordResetRequired": false})
	miss(replaced(no_name, "userIdentity", {"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/admin/x"}))
	miss(replaced(no_name, "userIdentity", {"type": "Root", "arn": "arn:aws:iam::111122223333:root"}))
	miss(json.remove(no_name, ["userIdentity/userName"]))
	miss(merged(no_name, {"userIdentity": {"userName": ""}}))
	miss(json.remove(no_name, ["userIdentity"]))
}

test_a_target_lower_case if {
	hit(merged(create, {"requestParameters": {"userName": "Bob.Smith+CI"}})).new_login_profile == "bob.smith+ci"
}

test_a_creator_arn if {
	hit(replaced(create, "userIdentity", {
		"type": "AssumedRole",
		"arn": "arn:aws:sts::111122223333:assumed-role/ci-deployer/gha-run-2001",
		"accountId": "111122223333",
	})).creator_arn == "arn:aws:sts::111122223333:assumed-role/ci-deployer/gha-run-2001"
	hit(json.remove(create, ["userIdentity/arn"])).creator_arn == null
	hit(merged(create, {"userIdentity": {"arn": 1}})).creator_arn == null
	hit(replaced(create, "userIdentity", "ops-admin")).creator_arn == null

	# a CreateLoginProfile has no login result, even if a field says so
	hit(merged(create, {"responseElements": {"ConsoleLogin": "Success"}})).login_result == null
}

# ---------------------------------------------------------------------------
# b. the ConsoleLogin side
# ---------------------------------------------------------------------------

test_b_hit_login if {
	hit(login) == login_finding
}

test_b_failed_login_counts if {
	failed := merged(json.remove(login, ["userIdentity/arn"]), {"errorMessage": "Failed authentication", "responseElements": {"ConsoleLogin": "Failure"}})
	hit(failed) == object.union(login_finding, {"login_result": "Failure"})
	hit(replaced(login, "responseElements", null)).login_result == null
	hit(merged(login, {"responseElements": {"ConsoleLogin": true}})).login_result == null
}

test_b_miss_other_events if {
	miss(merged(login, {"eventName": "ConsoleLogout"}))
	miss(merged(login, {"eventName": "GetSigninToken"}))
	miss(merged(login, {"eventSource": "iam.amazonaws.com"}))
	miss(json.remove(login, ["eventSource"]))
}

# Login profiles belong to IAM users: other sign-ins are someone else.
test_b_miss_other_identities if {
	miss(replaced(login, "userIdentity", {
		"type": "AssumedRole",
		"arn": "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_1b74cd717d47002b/bob",
		"accountId": "111122223333",
	}))
	miss(replaced(login, "userIdentity", {"type": "Root", "arn": "arn:aws:iam::111122223333:root", "accountId": "111122223333", "userName": "bob"}))
	miss(replaced(login, "userIdentity", {"type": "IdentityCenterUser", "accountId": "111122223333", "userName": "bob"}))
	miss(merged(login, {"userIdentity": {"type": "iamuser"}}))
	miss(json.remove(login, ["userIdentity/userName"]))
	miss(merged(login, {"userIdentity": {"userName": ""}}))
	miss(merged(login, {"userIdentity": {"userName": ["bob"]}}))
	miss(replaced(login, "userIdentity", "bob"))
}

test_b_user_name_lower_case if {
	hit(merged(login, {"userIdentity": {"userName": "BOB"}})).new_login_profile == "bob"
}

# ---------------------------------------------------------------------------
# The join key: both sides agree
# ---------------------------------------------------------------------------

key(f) := [f.new_login_profile, f.src_ip, f.aws_account_id]

test_join_key_same_for_both_sides if {
	key(hit(create)) == key(hit(login))
	key(hit(merged(create, {"requestParameters": {"userName": "BoB"}}))) == key(hit(login))
}

test_join_key_differs if {
	key(hit(merged(login, {"sourceIPAddress": "198.51.100.99"}))) != key(hit(create))
	key(hit(merged(login, {"recipientAccountId": "444455556666", "userIdentity": {"accountId": "444455556666"}}))) != key(hit(create))
	key(hit(merged(login, {"userIdentity": {"userName": "bobby"}}))) != key(hit(create))
}

# aws_account_id: the user's account, recipientAccountId, else the caller's.
test_value_account_id if {
	hit(json.remove(create, ["recipientAccountId"])).aws_account_id == "111122223333"
	hit(merged(json.remove(create, ["recipientAccountId"]), {"userIdentity": {"accountId": "444455556666"}})).aws_account_id == "444455556666"
	hit(merged(create, {"userIdentity": {"accountId": "444455556666"}})).aws_account_id == "111122223333"
}

# Join keys must be known: a null never joins another null.
test_miss_unknown_join_keys if {
	miss(json.remove(create, ["sourceIPAddress"]))
	miss(merged(login, {"sourceIPAddress": ["203.0.113.50"]}))
	miss(merged(login, {"sourceIPAddress": null}))
	miss(json.remove(login, ["recipientAccountId", "userIdentity/accountId"]))
	miss(merged(login, {"recipientAccountId": 111122223333, "userIdentity": {"accountId": false}}))
	miss(json.remove(create, ["recipientAccountId", "userIdentity/accountId"]))
}

test_value_nulls if {
	hit(json.remove(create, ["eventID"])) == object.union(create_finding, {"eventID": null})
	hit(merged(login, {"eventID": 7})) == object.union(login_finding, {"eventID": null})
}

test_value_minimal_records if {
	hit({
		"eventName": "CreateLoginProfile", "eventSource": "iam.amazonaws.com", "requestParameters": {"userName": "bob"},
		"sourceIPAddress": "203.0.113.50", "recipientAccountId": "111122223333",
	}) == {
		"new_login_profile": "bob",
		"src_ip": "203.0.113.50",
		"aws_account_id": "111122223333",
		"eventName": "CreateLoginProfile",
		"creator_arn": null,
		"login_result": null,
		"eventID": null,
	}
	hit({
		"eventName": "ConsoleLogin", "eventSource": "signin.amazonaws.com", "userIdentity": {"type": "IAMUser", "userName": "bob"},
		"sourceIPAddress": "203.0.113.50", "recipientAccountId": "111122223333",
	}) == {
		"new_login_profile": "bob",
		"src_ip": "203.0.113.50",
		"aws_account_id": "111122223333",
		"eventName": "ConsoleLogin",
		"creator_arn": null,
		"login_result": null,
		"eventID": null,
	}
}

# ---------------------------------------------------------------------------
# Metadata
# ---------------------------------------------------------------------------

function_fields := {field |
	some f in detection.annotations.custom.stats.functions
	[_, field] := regex.find_all_string_submatch_n(`^[a-z]+\(([^)]+)\)`, f, 1)[0]
	field != "_time"
}

test_metadata_finding_keys if {
	by := detection.stats_by
	by == ["new_login_profile", "src_ip", "aws_account_id"]
	function_fields == {"eventName", "creator_arn", "login_result", "eventID"}
	object.keys(hit(create)) == {name | some name in by} | function_fields
	object.keys(hit(login)) == {name | some name in by} | function_fields
}

test_metadata_stats if {
	stats := detection.annotations.custom.stats
	stats.functions == [
		"count", "dc(eventName) as event_types", "values(eventName) as events",
		"values(creator_arn) as created_by", "values(login_result) as login_results",
		"values(eventID) as eventIDs", "min(_time) as firstTime", "max(_time) as lastTime",
	]
	stats.where == "event_types >= 2"
	detection.annotations.custom.ip_fields == ["src_ip"]
}

test_metadata_risk if {
	risk := detection.annotations.custom.risk
	[risk.impact, risk.confidence, risk.score] == [90, 80, 72]
	risk.score == (risk.impact * risk.confidence) / 100
	names := [name | some m in regex.find_n(`\$[A-Za-z0-9_.]+\$`, risk.message, -1); name := trim(m, "$")]
	names == ["new_login_profile", "aws_account_id", "src_ip", "new_login_profile"]
	every name in names {
		name in detection.stats_by
	}
}

test_metadata_identity if {
	a := detection.annotations
	a.title == "AWS CreateLoginProfile"
	a.custom.id == "2a9b80d3-6340-4345-11ad-212bf444d111"
	a.custom.type == "ttp"
	a.custom.version == 4
	[t.id | some t in a.custom.mitre_attack] == ["T1136.003", "T1136"]
}
