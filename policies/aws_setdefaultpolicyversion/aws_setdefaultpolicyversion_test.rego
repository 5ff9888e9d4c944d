# Unit tests for detections.aws_setdefaultpolicyversion: one inline CloudTrail
# record per case (`with input as ...`). The records are synthetic.
package detections.aws_setdefaultpolicyversion_test

import data.detections.aws_setdefaultpolicyversion as detection

cli_user_agent := "aws-cli/2.17.32 md/awscrt#0.21.2 ua/2.0 os/linux#6.8.0 md/arch#x86_64 lang/python#3.11.9 md/command#iam.set-default-policy-version"

policy := "arn:aws:iam::111122223333:policy/app-deploy"

# An assumed-role session makes version v2 of a customer managed policy the
# default again.
base := {
	"eventVersion": "1.09",
	"userIdentity": {
		"type": "AssumedRole",
		"principalId": "AROAUNITDEPLOY000001:mallory",
		"arn": "arn:aws:sts::111122223333:assumed-role/deploy/mallory",
		"accountId": "111122223333",
		"accessKeyId": "ASIAUNITDEPLOY000001",
		"sessionContext": {"sessionIssuer": {
			"type": "Role",
			"principalId": "AROAUNITDEPLOY000001",
			"arn": "arn:aws:iam::111122223333:role/deploy",
			"accountId": "111122223333",
			"userName": "deploy",
		}},
	},
	"eventTime": "2024-09-03T14:22:05Z",
	"eventSource": "iam.amazonaws.com",
	"eventName": "SetDefaultPolicyVersion",
	"awsRegion": "us-east-1",
	"sourceIPAddress": "203.0.113.77",
	"userAgent": cli_user_agent,
	"requestParameters": {"policyArn": policy, "versionId": "v2"},
	"responseElements": null,
	"requestID": "5d3c3a51-8a4f-4c53-9d3e-000000000003",
	"eventID": "unit-base",
	"readOnly": false,
	"eventType": "AwsApiCall",
	"managementEvent": true,
	"recipientAccountId": "111122223333",
	"eventCategory": "Management",
}

base_finding := {
	"src": "203.0.113.77",
	"requestParameters.versionId": "v2",
	"eventName": "SetDefaultPolicyVersion",
	"eventSource": "iam.amazonaws.com",
	"aws_account_id": "111122223333",
	"errorCode": "success",
	"userAgent": cli_user_agent,
	"eventID": "unit-base",
	"awsRegion": "us-east-1",
	"userIdentity.principalId": "AROAUNITDEPLOY000001:mallory",
	"user_arn": "arn:aws:sts::111122223333:assumed-role/deploy/mallory",
	"requestParameters.policyArn": policy,
}

with_(overrides) := object.union(base, overrides)

caller(identity) := object.union(object.remove(base, ["userIdentity"]), {"userIdentity": identity})

without(paths) := json.remove(base, paths)

finding_with(values) := object.union(base_finding, values)

hit(record) := finding if {
	finding := detection.finding with input as record
}

miss(record) if not detection.finding with input as record

# ---------------------------------------------------------------------------
# The condition: IAM's SetDefaultPolicyVersion, nothing else
# ---------------------------------------------------------------------------

test_hit if {
	hit(base) == base_finding
}

test_miss_other_events if {
	miss(with_({"eventName": "CreatePolicyVersion"}))
	miss(with_({"eventName": "DeletePolicyVersion"}))
	miss(with_({"eventName": "setdefaultpolicyversion"}))
	miss(with_({"eventName": null}))
	miss(with_({"eventName": ["SetDefaultPolicyVersion"]}))
	miss(without(["eventName"]))
}

test_miss_other_event_source if {
	miss(with_({"eventSource": "sts.amazonaws.com"}))
	miss(with_({"eventSource": 1}))
	miss(without(["eventSource"]))
}

# No user-agent condition upstream: console calls are reported too.
test_hit_from_console if {
	hit(with_({"userAgent": "console.amazonaws.com"})).userAgent == "console.amazonaws.com"
	hit(with_({"userAgent": "AWS Internal"})).userAgent == "AWS Internal"
}

# ---------------------------------------------------------------------------
# errorCode: failed calls are reported, with their errorCode
# ---------------------------------------------------------------------------

test_error_code_failed_calls_reported if {
	hit(with_({"errorCode": "AccessDenied", "errorMessage": "User: ... is not authorized"})) == finding_with({"errorCode": "AccessDenied"})
	hit(with_({"errorCode": "NoSuchEntity"})).errorCode == "NoSuchEntity"
	hit(with_({"errorCode": "InvalidInput"})).errorCode == "InvalidInput"
}

test_error_code_success_forms if {
	not "errorCode" in object.keys(base)
	hit(with_({"errorCode": null})).errorCode == "success"
	hit(with_({"errorCode": "success"})).errorCode == "success"
	hit(with_({"errorCode": {"code": "AccessDenied"}})).errorCode == "success" # wrong type: none
}

# ---------------------------------------------------------------------------
# Finding values: null instead of a dropped row
# ---------------------------------------------------------------------------

# TrailDiscover's shape: a failed call with requestParameters null.
test_value_request_parameters_null if {
	hit(with_({"errorCode": "AccessDenied", "requestParameters": null})) == finding_with({
		"errorCode": "AccessDenied",
		"requestParameters.versionId": null,
		"requestParameters.policyArn": null,
	})
}

test_value_request_parameters_wrong_types if {
	hit(with_({"requestParameters": {"versionId": 2, "policyArn": ["x"]}})) == finding_with({
		"requestParameters.versionId": null,
		"requestParameters.policyArn": null,
	})
	hit(with_({"requestParameters": "v2"})) == finding_with({
		"requestParameters.versionId": null,
		"requestParameters.policyArn": null,
	})
}

test_value_aws_service_caller if {
	hit(caller({"type": "AWSService", "invokedBy": "cloudformation.amazonaws.com", "accountId": "999999999999"})) == finding_with({
		"userIdentity.principalId": null,
		"user_arn": null,
	})
}

test_value_account_id if {
	hit(caller({"type": "AWSAccount", "principalId": "AIDAUNITPARTNER00001", "accountId": "444455556666"})).aws_account_id == "111122223333"
	hit(with_({"userIdentity": {"accountId": "444455556666"}})).aws_account_id == "444455556666"
	hit(json.remove(with_({"recipientAccountId": "777788889999"}), ["userIdentity/accountId"])).aws_account_id == "777788889999"
	hit(json.remove(base, ["userIdentity/accountId", "recipientAccountId"])).aws_account_id == null
}

test_value_user_arn_falls_back_to_role_arn if {
	record := json.remove(with_({"requestParameters": {"roleArn": "arn:aws:iam::111122223333:role/x"}}), ["userIdentity/arn"])
	hit(record).user_arn == "arn:aws:iam::111122223333:role/x"
	hit(json.remove(base, ["userIdentity/arn"])).user_arn == null
}

test_value_wrong_types_are_null if {
	hit(with_({
		"sourceIPAddress": 1,
		"userAgent": {"a": 1},
		"eventID": 42,
		"awsRegion": ["us-east-1"],
		"recipientAccountId": true,
		"userIdentity": {"principalId": 5, "arn": {"x": 1}, "accountId": 111122223333},
	})) == finding_with({
		"src": null,
		"userAgent": null,
		"eventID": null,
		"awsRegion": null,
		"aws_account_id": null,
		"userIdentity.principalId": null,
		"user_arn": null,
	})
	hit(with_({"userIdentity": "mallory"})) == finding_with({
		"aws_account_id": "111122223333",
		"userIdentity.principalId": null,
		"user_arn": null,
	})
}

test_value_minimal_record if {
	hit({"eventName": "SetDefaultPolicyVersion", "eventSource": "iam.amazonaws.com"}) == {
		"src": null,
		"requestParameters.versionId": null,
		"eventName": "SetDefaultPolicyVersion",
		"eventSource": "iam.amazonaws.com",
		"aws_account_id": null,
		"errorCode": "success",
		"userAgent": null,
		"eventID": null,
		"awsRegion": null,
		"userIdentity.principalId": null,
		"user_arn": null,
		"requestParameters.policyArn": null,
	}
}

# ---------------------------------------------------------------------------
# Metadata
# ---------------------------------------------------------------------------

# The fields the stats functions name (other than _time).
function_fields := {field |
	some f in detection.annotations.custom.stats.functions
	[_, field] := regex.find_all_string_submatch_n(`^[a-z]+\(([^)]+)\)`, f, 1)[0]
	field != "_time"
}

test_metadata_finding_keys if {
	by := detection.stats_by
	count(by) == count({name | some name in by})
	function_fields == {"requestParameters.policyArn"}
	object.keys(hit(base)) == {name | some name in by} | function_fields
	by == [
		"src", "requestParameters.versionId", "eventName", "eventSource", "aws_account_id", "errorCode",
		"userAgent", "eventID", "awsRegion", "userIdentity.principalId", "user_arn",
	]
}

test_metadata_functions if {
	detection.annotations.custom.stats.functions == [
		"count", "min(_time) as firstTime", "max(_time) as lastTime",
		"values(requestParameters.policyArn) as policy_arn",
	]
	object.keys(detection.annotations.custom.stats) == {"by", "functions"}
	not "ip_fields" in object.keys(detection.annotations.custom)
}

test_metadata_risk if {
	risk := detection.annotations.custom.risk
	[risk.impact, risk.confidence, risk.score] == [50, 60, 30]
	risk.score == (risk.impact * risk.confidence) / 100
	names := [name | some m in regex.find_n(`\$[A-Za-z0-9_.]+\$`, risk.message, -1); name := trim(m, "$")]
	names == ["src", "user_arn", "eventName"]
	every name in names {
		name in detection.stats_by
	}
}

test_metadata_identity if {
	a := detection.annotations
	a.title == "AWS SetDefaultPolicyVersion"
	a.custom.id == "2a9b80d3-6340-4345-11ad-212bf3d0dac4"
	a.custom.type == "ttp"
	a.custom.version == 3
	[t.id | some t in a.custom.mitre_attack] == ["T1078.004", "T1078"]
}
