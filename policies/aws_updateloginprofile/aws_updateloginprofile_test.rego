# Unit tests for detections.aws_updateloginprofile: one inline CloudTrail
# record per case (`with input as ...`). The records are synthetic.
package detections.aws_updateloginprofile_test

import data.detections.aws_updateloginprofile as detection

# ---------------------------------------------------------------------------
# Test data
# ---------------------------------------------------------------------------

cli_user_agent := "aws-cli/2.17.32 md/awscrt#0.21.2 ua/2.0 os/linux#6.8.0 md/arch#x86_64 lang/python#3.11.9 md/command#iam.update-login-profile"

# An IAM user, alice, sets a new console password for another IAM user, bob.
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
	"eventName": "UpdateLoginProfile",
	"awsRegion": "us-east-1",
	"sourceIPAddress": "198.51.100.23",
	"userAgent": cli_user_agent,
	"requestParameters": {"userName": "bob", "passwordResetRequired": false},
	"responseElements": null,
	"requestID": "5d3c3a51-8a4f-4c53-9d3e-000000000002",
	"eventID": "unit-base",
	"readOnly": false,
	"eventType": "AwsApiCall",
	"managementEvent": true,
	"recipientAccountId": "111122223333",
	"eventCategory": "Management",
}

base_finding := {
	"requestParameters.userName": "bob",
	"src": "198.51.100.23",
	"eventName": "UpdateLoginProfile",
	"eventSource": "iam.amazonaws.com",
	"aws_account_id": "111122223333",
	"errorCode": "success",
	"userAgent": cli_user_agent,
	"eventID": "unit-base",
	"awsRegion": "us-east-1",
	"userIdentity.userName": "alice",
	"user_arn": "arn:aws:iam::111122223333:user/alice",
}

# with_(overrides): base deep-merged with overrides.
with_(overrides) := object.union(base, overrides)

# caller(identity): base with userIdentity replaced (not merged).
caller(identity) := object.union(object.remove(base, ["userIdentity"]), {"userIdentity": identity})

without(paths) := json.remove(base, paths)

finding_with(values) := object.union(base_finding, values)

hit(record) := finding if {
	finding := detection.finding with input as record
}

miss(record) if not detection.finding with input as record

# ---------------------------------------------------------------------------
# a. eventName UpdateLoginProfile and eventSource iam.amazonaws.com
# ---------------------------------------------------------------------------

test_a_hit if {
	hit(base) == base_finding
}

test_a_miss_other_event if {
	miss(with_({"eventName": "CreateLoginProfile"}))
	miss(with_({"eventName": "ChangePassword"}))
	miss(with_({"eventName": "updateloginprofile"}))
	miss(with_({"eventName": null}))
	miss(with_({"eventName": 1}))
	miss(without(["eventName"]))
}

test_a_miss_other_event_source if {
	miss(with_({"eventSource": "signin.amazonaws.com"}))
	miss(with_({"eventSource": ["iam.amazonaws.com"]}))
	miss(without(["eventSource"]))
}

# ---------------------------------------------------------------------------
# b. the call succeeded
# ---------------------------------------------------------------------------

test_b_hit_success_forms if {
	hit(with_({"errorCode": null})) == base_finding
	hit(with_({"errorCode": "success"})) == base_finding
	hit(with_({"errorCode": 403})) == base_finding # wrong type counts as missing
}

test_b_miss_failed_calls if {
	miss(with_({"errorCode": "AccessDenied", "errorMessage": "User: ... is not authorized"}))
	miss(with_({"errorCode": "NoSuchEntityException"}))
	miss(with_({"errorCode": "PasswordPolicyViolationException"}))
	miss(with_({"errorCode": "Success"}))
	miss(with_({"errorCode": ""}))
}

# ---------------------------------------------------------------------------
# c. not from the console
# ---------------------------------------------------------------------------

test_c_miss_console if {
	miss(with_({"userAgent": "console.amazonaws.com"}))
	miss(with_({"userAgent": "Console.AmazonAWS.com"}))
}

test_c_hit_missing_or_other_user_agent if {
	hit(without(["userAgent"])) == finding_with({"userAgent": null})
	hit(with_({"userAgent": null})) == finding_with({"userAgent": null})
	hit(with_({"userAgent": ["console.amazonaws.com"]})) == finding_with({"userAgent": null})
	hit(with_({"userAgent": "AWS Internal"})).userAgent == "AWS Internal"
	hit(with_({"userAgent": "signin.amazonaws.com"})).userAgent == "signin.amazonaws.com"
}

# ---------------------------------------------------------------------------
# d. a target user
# ---------------------------------------------------------------------------

test_d_miss_no_target if {
	miss(with_({"requestParameters": {"userName": ""}}))
	miss(with_({"requestParameters": {"userName": null}}))
	miss(with_({"requestParameters": {"userName": 7}}))
	miss(with_({"requestParameters": null}))
	miss(with_({"requestParameters": "userName=bob"}))
	miss(without(["requestParameters"]))
}

# ---------------------------------------------------------------------------
# e. the caller is not the target
# ---------------------------------------------------------------------------

self_update(caller_name, target) := with_({
	"userIdentity": {"userName": caller_name, "arn": concat("", ["arn:aws:iam::111122223333:user/", caller_name])},
	"requestParameters": {"userName": target},
})

test_e_miss_self if {
	miss(self_update("alice", "alice"))
	miss(self_update("Alice", "alice"))
	miss(self_update("svc+ci", "SVC+CI"))
}

# Exact, not the SPL's unanchored regex.
test_e_hit_similar_names if {
	hit(self_update("jackson", "jack"))["requestParameters.userName"] == "jack"
	hit(self_update("jack", "jackson"))["requestParameters.userName"] == "jackson"
	hit(self_update("johnxsmith", "john.smith"))["requestParameters.userName"] == "john.smith"
}

# Upstream drops these rows (userIdentity.userName is a null by-field).
test_e_hit_assumed_role_user_name_null if {
	hit(caller({
		"type": "AssumedRole",
		"principalId": "AROAUNITROLE00000001:alice",
		"arn": "arn:aws:sts::111122223333:assumed-role/admin/alice",
		"accountId": "111122223333",
		"sessionContext": {"sessionIssuer": {"type": "Role", "userName": "bob"}},
	})) == finding_with({
		"userIdentity.userName": null,
		"user_arn": "arn:aws:sts::111122223333:assumed-role/admin/alice",
	})
}

test_e_hit_other_caller_types if {
	hit(caller({"type": "Root", "arn": "arn:aws:iam::111122223333:root", "accountId": "111122223333"})) == finding_with({
		"userIdentity.userName": null,
		"user_arn": "arn:aws:iam::111122223333:root",
	})

	# a federated user named like the target is another principal
	hit(caller({"type": "FederatedUser", "userName": "bob", "accountId": "111122223333"})) == finding_with({
		"userIdentity.userName": "bob",
		"user_arn": null,
	})
	hit(caller({"type": "iamuser", "userName": "bob", "accountId": "111122223333"})).user_arn == null
	hit(json.remove(base, ["userIdentity/userName"])) == finding_with({"userIdentity.userName": null})
	hit(with_({"userIdentity": {"userName": 5}})) == finding_with({"userIdentity.userName": null})
	hit(without(["userIdentity"])) == finding_with({"userIdentity.userName": null, "user_arn": null})
	hit(with_({"userIdentity": "alice"})) == finding_with({"userIdentity.userName": null, "user_arn": null})
}

# ---------------------------------------------------------------------------
# Finding values
# ---------------------------------------------------------------------------

test_value_account_id if {
	hit(caller({"type": "AWSService", "invokedBy": "cloudformation.amazonaws.com", "accountId": "999999999999"})).aws_account_id == "111122223333"
	hit(caller({"type": "AWSAccount", "principalId": "AIDAUNITPARTNER00001", "accountId": "444455556666"})).aws_account_id == "111122223333"
	hit(with_({"userIdentity": {"accountId": "444455556666"}})).aws_account_id == "444455556666"
	hit(json.remove(with_({"recipientAccountId": "777788889999"}), ["userIdentity/accountId"])).aws_account_id == "777788889999"
	hit(json.remove(base, ["userIdentity/accountId", "recipientAccountId"])).aws_account_id == null
}

test_value_user_arn_falls_back_to_role_arn if {
	record := json.remove(with_({"requestParameters": {"roleArn": "arn:aws:iam::111122223333:role/pw-reset"}}), ["userIdentity/arn"])
	hit(record).user_arn == "arn:aws:iam::111122223333:role/pw-reset"
	hit(with_({"requestParameters": {"roleArn": "arn:aws:iam::111122223333:role/pw-reset"}})).user_arn == "arn:aws:iam::111122223333:user/alice"
}

test_value_wrong_types_are_null if {
	hit(with_({
		"sourceIPAddress": 1,
		"eventID": 42,
		"awsRegion": ["us-east-1"],
		"recipientAccountId": true,
		"userIdentity": {"arn": {"x": 1}, "accountId": 111122223333, "userName": false},
	})) == finding_with({
		"src": null,
		"eventID": null,
		"awsRegion": null,
		"aws_account_id": null,
		"userIdentity.userName": null,
		"user_arn": null,
	})
}

test_value_minimal_record if {
	hit({
		"eventName": "UpdateLoginProfile",
		"eventSource": "iam.amazonaws.com",
		"requestParameters": {"userName": "bob"},
	}) == {
		"requestParameters.userName": "bob",
		"src": null,
		"eventName": "UpdateLoginProfile",
		"eventSource": "iam.amazonaws.com",
		"aws_account_id": null,
		"errorCode": "success",
		"userAgent": null,
		"eventID": null,
		"awsRegion": null,
		"userIdentity.userName": null,
		"user_arn": null,
	}
}

# ---------------------------------------------------------------------------
# Metadata
# ---------------------------------------------------------------------------

test_metadata_stats_by_equals_finding_keys if {
	by := detection.stats_by
	count(by) == count({name | some name in by})
	{name | some name in by} == object.keys(hit(base))
	by == [
		"requestParameters.userName", "src", "eventName", "eventSource", "aws_account_id", "errorCode",
		"userAgent", "eventID", "awsRegion", "userIdentity.userName", "user_arn",
	]
}

test_metadata_functions if {
	detection.annotations.custom.stats.functions == ["count", "min(_time) as firstTime", "max(_time) as lastTime"]
	object.keys(detection.annotations.custom.stats) == {"by", "functions"} # no where
	not "ip_fields" in object.keys(detection.annotations.custom) # default: [src]
}

test_metadata_risk if {
	risk := detection.annotations.custom.risk
	[risk.impact, risk.confidence, risk.score] == [50, 60, 30]
	risk.score == (risk.impact * risk.confidence) / 100
	names := [name | some m in regex.find_n(`\$[A-Za-z0-9_.]+\$`, risk.message, -1); name := trim(m, "$")]
	names == ["src", "userAgent", "eventName", "user_arn"]
	every name in names {
		name in detection.stats_by
	}
}

test_metadata_identity if {
	a := detection.annotations
	a.title == "AWS UpdateLoginProfile"
	a.custom.id == "2a9b80d3-6a40-4115-11ad-212bf3d0d111"
	a.custom.type == "ttp"
	a.custom.version == 6
	a.custom.author == "Bhavin Patel, Splunk"
	[t.id | some t in a.custom.mitre_attack] == ["T1136.003", "T1136"]
	count(a.related_resources) == 2
}
