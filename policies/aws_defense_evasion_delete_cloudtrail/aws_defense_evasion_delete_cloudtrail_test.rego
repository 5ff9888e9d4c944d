# Unit tests for detections.aws_defense_evasion_delete_cloudtrail: one
# inline CloudTrail record per case (`with input as ...`). The records are
# synthetic.
package detections.aws_defense_evasion_delete_cloudtrail_test

import data.detections.aws_defense_evasion_delete_cloudtrail as detection

cli_user_agent := "aws-cli/2.17.32 md/awscrt#0.21.2 ua/2.0 os/linux#6.8.0 md/arch#x86_64 lang/python#3.11.9 md/command#cloudtrail.delete-trail"

trail_arn := "arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail"

# An assumed-role session deletes the organisation trail with the AWS CLI.
base := {
	"eventVersion": "1.10",
	"userIdentity": {
		"type": "AssumedRole",
		"principalId": "AROAUNITOPS000000001:mallory",
		"arn": "arn:aws:sts::111122223333:assumed-role/ops/mallory",
		"accountId": "111122223333",
		"accessKeyId": "ASIAUNITOPS000000001",
	},
	"eventTime": "2024-09-04T22:10:00Z",
	"eventSource": "cloudtrail.amazonaws.com",
	"eventName": "DeleteTrail",
	"awsRegion": "us-east-1",
	"sourceIPAddress": "203.0.113.66",
	"userAgent": cli_user_agent,
	"requestParameters": {"name": trail_arn},
	"responseElements": null,
	"requestID": "5d3c3a51-8a4f-4c53-9d3e-000000000004",
	"eventID": "unit-base",
	"readOnly": false,
	"eventType": "AwsApiCall",
	"managementEvent": true,
	"recipientAccountId": "111122223333",
	"eventCategory": "Management",
}

base_finding := {
	"src": "203.0.113.66",
	"region": "us-east-1",
	"eventName": "DeleteTrail",
	"userAgent": cli_user_agent,
	"user_arn": "arn:aws:sts::111122223333:assumed-role/ops/mallory",
	"aws_account_id": "111122223333",
	"requestParameters.name": trail_arn,
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
# a. DeleteTrail on CloudTrail
# ---------------------------------------------------------------------------

test_a_hit if {
	hit(base) == base_finding
}

test_a_miss_other_events if {
	miss(with_({"eventName": "StopLogging"}))
	miss(with_({"eventName": "UpdateTrail"}))
	miss(with_({"eventName": "deletetrail"}))
	miss(with_({"eventName": null}))
	miss(without(["eventName"]))
	miss(with_({"eventSource": "cloudtrail-data.amazonaws.com"}))
	miss(with_({"eventSource": ["cloudtrail.amazonaws.com"]}))
	miss(without(["eventSource"]))
}

# ---------------------------------------------------------------------------
# b. the call succeeded
# ---------------------------------------------------------------------------

test_b_hit_success_forms if {
	hit(with_({"errorCode": null})) == base_finding
	hit(with_({"errorCode": "success"})) == base_finding
	hit(with_({"errorCode": 500})) == base_finding # wrong type counts as missing
}

# TrailDiscover's DeleteTrail is this: refused, so the trail still exists.
test_b_miss_failed_calls if {
	miss(with_({"errorCode": "AccessDenied", "requestParameters": null}))
	miss(with_({"errorCode": "TrailNotFoundException"}))
	miss(with_({"errorCode": "Success"}))
}

# ---------------------------------------------------------------------------
# c. not from the console
# ---------------------------------------------------------------------------

test_c_miss_console if {
	miss(with_({"userAgent": "console.amazonaws.com"}))
	miss(with_({"userAgent": "CONSOLE.amazonaws.com"}))
}

# Upstream drops these records (userAgent != ... is false when it is missing).
test_c_hit_missing_user_agent if {
	hit(without(["userAgent"])) == finding_with({"userAgent": null})
	hit(with_({"userAgent": null})) == finding_with({"userAgent": null})
	hit(with_({"userAgent": 3})) == finding_with({"userAgent": null})
}

test_c_hit_other_user_agents if {
	hit(with_({"userAgent": "AWS Internal"})).userAgent == "AWS Internal"
	hit(with_({"userAgent": "cloudtrail.amazonaws.com"})).userAgent == "cloudtrail.amazonaws.com"
}

# ---------------------------------------------------------------------------
# Finding values
# ---------------------------------------------------------------------------

test_value_trail_name if {
	hit(with_({"requestParameters": {"name": "org-trail"}}))["requestParameters.name"] == "org-trail"
	hit(with_({"requestParameters": null}))["requestParameters.name"] == null
	hit(with_({"requestParameters": {"name": 1}}))["requestParameters.name"] == null
	hit(without(["requestParameters"]))["requestParameters.name"] == null
}

test_value_caller_types if {
	hit(caller({
		"type": "IAMUser",
		"principalId": "AIDAUNITCHRIS0000001",
		"arn": "arn:aws:iam::111122223333:user/chris",
		"accountId": "111122223333",
		"userName": "chris",
	})).user_arn == "arn:aws:iam::111122223333:user/chris"
	hit(caller({"type": "AWSService", "invokedBy": "config.amazonaws.com", "accountId": "999999999999"})) == finding_with({"user_arn": null})
	hit(caller({"type": "AWSAccount", "principalId": "AIDAUNITPARTNER00001", "accountId": "444455556666"})) == finding_with({"user_arn": null})
	hit(with_({"userIdentity": {"accountId": "444455556666"}})).aws_account_id == "444455556666"
	hit(json.remove(with_({"recipientAccountId": "777788889999"}), ["userIdentity/accountId"])).aws_account_id == "777788889999"
	hit(json.remove(base, ["userIdentity/accountId", "recipientAccountId"])).aws_account_id == null
	hit(with_({"userIdentity": "mallory"})) == finding_with({"user_arn": null})
}

test_value_user_arn_falls_back_to_role_arn if {
	record := json.remove(with_({"requestParameters": {"roleArn": "arn:aws:iam::111122223333:role/x"}}), ["userIdentity/arn"])
	hit(record).user_arn == "arn:aws:iam::111122223333:role/x"
}

test_value_wrong_types_are_null if {
	hit(with_({
		"sourceIPAddress": 1,
		"awsRegion": ["us-east-1"],
		"recipientAccountId": true,
		"userIdentity": {"arn": {"x": 1}, "accountId": 111122223333},
	})) == finding_with({
		"src": null,
		"region": null,
		"aws_account_id": null,
		"user_arn": null,
	})
}

test_value_minimal_record if {
	hit({"eventName": "DeleteTrail", "eventSource": "cloudtrail.amazonaws.com"}) == {
		"src": null,
		"region": null,
		"eventName": "DeleteTrail",
		"userAgent": null,
		"user_arn": null,
		"aws_account_id": null,
		"requestParameters.name": null,
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
	by == ["src", "region", "eventName", "userAgent", "user_arn", "aws_account_id"]
	function_fields == {"requestParameters.name"}
	object.keys(hit(base)) == {name | some name in by} | function_fields
}

test_metadata_functions if {
	detection.annotations.custom.stats.functions == [
		"count", "min(_time) as firstTime", "max(_time) as lastTime",
		"values(requestParameters.name) as deleted_cloudtrail_name",
	]
	object.keys(detection.annotations.custom.stats) == {"by", "functions"}
	not "ip_fields" in object.keys(detection.annotations.custom)
}

test_metadata_risk if {
	risk := detection.annotations.custom.risk
	[risk.impact, risk.confidence, risk.score] == [100, 90, 90]
	risk.score == (risk.impact * risk.confidence) / 100
	names := [name | some m in regex.find_n(`\$[A-Za-z0-9_.]+\$`, risk.message, -1); name := trim(m, "$")]
	names == ["user_arn", "aws_account_id", "src"]
	every name in names {
		name in detection.stats_by
	}
}

test_metadata_identity if {
	a := detection.annotations
	a.title == "AWS Defense Evasion Delete Cloudtrail"
	a.custom.id == "82092925-9ca1-4e06-98b8-85a2d3889552"
	a.custom.type == "ttp"
	a.custom.version == 3
	[t.id | some t in a.custom.mitre_attack] == ["T1562.008", "T1562"]
	{t.tactic | some t in a.custom.mitre_attack} == {"Defense Evasion"}
}
