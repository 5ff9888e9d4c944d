# Unit tests for detections.aws_iam_accessdenied_discovery_events: one inline
# CloudTrail record per case (`with input as ...`). The records are synthetic.
# The threshold itself is applied by the host (custom.stats.where); see
# aws_iam_accessdenied_discovery_events_fixtures_test.rego for the groups.
package detections.aws_iam_accessdenied_discovery_events_test

import data.detections.aws_iam_accessdenied_discovery_events as detection

cli_user_agent := "aws-cli/2.17.32 md/awscrt#0.21.2 ua/2.0 os/linux#6.8.0 md/arch#x86_64 lang/python#3.11.9 md/command#iam.list-users"

# IAM user svc-reporting is refused iam:ListUsers.
base := {
	"eventVersion": "1.09",
	"userIdentity": {
		"type": "IAMUser",
		"principalId": "AIDAUNITREPORT000001",
		"arn": "arn:aws:iam::111122223333:user/svc-reporting",
		"accountId": "111122223333",
		"accessKeyId": "AKIAUNITREPORT000001",
		"userName": "svc-reporting",
	},
	"eventTime": "2024-09-10T10:01:05Z",
	"eventSource": "iam.amazonaws.com",
	"eventName": "ListUsers",
	"awsRegion": "us-east-1",
	"sourceIPAddress": "198.51.100.10",
	"userAgent": cli_user_agent,
	"errorCode": "AccessDenied",
	"errorMessage": "User: arn:aws:iam::111122223333:user/svc-reporting is not authorized to perform: iam:ListUsers",
	"requestParameters": null,
	"responseElements": null,
	"requestID": "5d3c3a51-8a4f-4c53-9d3e-000000000005",
	"eventID": "unit-base",
	"readOnly": true,
	"eventType": "AwsApiCall",
	"managementEvent": true,
	"recipientAccountId": "111122223333",
	"eventCategory": "Management",
}

base_finding := {
	"src_ip": "198.51.100.10",
	"userIdentity.arn": "arn:aws:iam::111122223333:user/svc-reporting",
	"eventID": "unit-base",
	"eventName": "ListUsers",
	"eventSource": "iam.amazonaws.com",
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
# a. refused for lack of permission
# ---------------------------------------------------------------------------

test_a_hit_access_denied if {
	hit(base) == base_finding
}

test_a_hit_other_services_codes if {
	hit(with_({"errorCode": "AccessDeniedException", "eventSource": "kms.amazonaws.com", "eventName": "ListKeys"})) == finding_with({"eventSource": "kms.amazonaws.com", "eventName": "ListKeys"})
	hit(with_({"errorCode": "Client.UnauthorizedOperation", "eventSource": "ec2.amazonaws.com", "eventName": "DescribeInstances"})).eventSource == "ec2.amazonaws.com"
	hit(with_({"errorCode": "UnauthorizedException", "eventSource": "resource-explorer-2.amazonaws.com", "eventName": "Search"})).eventName == "Search"
}

test_a_miss_other_outcomes if {
	miss(without(["errorCode"])) # success
	miss(with_({"errorCode": null}))
	miss(with_({"errorCode": "success"}))
	miss(with_({"errorCode": "NoSuchEntity"}))
	miss(with_({"errorCode": "ThrottlingException"}))
	miss(with_({"errorCode": "accessdenied"})) # exact, as CloudTrail writes it
	miss(with_({"errorCode": "Client.InvalidParameterValue"}))
	miss(with_({"errorCode": ["AccessDenied"]}))
	miss(with_({"errorCode": 403}))
}

# ---------------------------------------------------------------------------
# b. IAM users only (user_type=IAMUser)
# ---------------------------------------------------------------------------

test_b_miss_other_caller_types if {
	miss(caller({"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/ReadOnly/x", "accountId": "111122223333"}))
	miss(caller({"type": "Root", "arn": "arn:aws:iam::111122223333:root", "accountId": "111122223333"}))
	miss(caller({"type": "FederatedUser", "arn": "arn:aws:sts::111122223333:federated-user/x"}))
	miss(caller({"type": "iamuser", "arn": "arn:aws:iam::111122223333:user/svc-reporting"}))
	miss(caller({"arn": "arn:aws:iam::111122223333:user/svc-reporting"}))
	miss(without(["userIdentity"]))
	miss(with_({"userIdentity": "svc-reporting"}))
}

test_b_hit_iam_user_without_arn if {
	hit(json.remove(base, ["userIdentity/arn"])) == finding_with({"userIdentity.arn": null})
	hit(with_({"userIdentity": {"arn": 5}})) == finding_with({"userIdentity.arn": null})
}

# ---------------------------------------------------------------------------
# c. not made by an AWS service or the console (userAgent *.amazonaws.com)
# ---------------------------------------------------------------------------

test_c_miss_aws_service_user_agents if {
	miss(with_({"userAgent": "console.amazonaws.com"}))
	miss(with_({"userAgent": "cloudformation.amazonaws.com"}))
	miss(with_({"userAgent": "Config.AmazonAWS.com"}))
	miss(with_({"userAgent": ".amazonaws.com"}))
}

test_c_hit_other_user_agents if {
	hit(with_({"userAgent": "AWS Internal"})) == base_finding
	hit(with_({"userAgent": "cloudformation.amazonaws.com "})) == base_finding # not at the end
	hit(with_({"userAgent": "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.750]"})) == base_finding
	hit(with_({"userAgent": "evil-amazonaws.com"})) == base_finding # no dot before amazonaws
}

# Upstream drops these (userAgent != ... is false when it is missing).
test_c_hit_missing_user_agent if {
	hit(without(["userAgent"])) == base_finding
	hit(with_({"userAgent": null})) == base_finding
	hit(with_({"userAgent": ["cloudformation.amazonaws.com"]})) == base_finding
}

# ---------------------------------------------------------------------------
# _time: bucket _time span=1h, the host's
# ---------------------------------------------------------------------------

# The host fills the by-field _time from the eventTime it parses
# (custom.stats.span); the finding has no _time key and does not depend on
# eventTime. A record without a usable eventTime is still a finding (the host
# gives it _time null), never an error.
test_time_is_the_hosts if {
	not "_time" in object.keys(hit(base))
	hit(without(["eventTime"])) == base_finding
	every t in [null, 1725962465, ["2024-09-10T10:01:05Z"], "", "yesterday", "2024-09-10T10:01:05+02:00", "2024-09-10 10:01:05"] {
		hit(with_({"eventTime": t})) == base_finding
	}
}

# ---------------------------------------------------------------------------
# Finding values
# ---------------------------------------------------------------------------

test_value_nulls if {
	hit(without(["sourceIPAddress"])) == finding_with({"src_ip": null})
	hit(with_({"sourceIPAddress": 167772161})) == finding_with({"src_ip": null})
	hit(without(["eventID"])) == finding_with({"eventID": null})
	hit(without(["eventName", "eventSource"])) == finding_with({"eventName": null, "eventSource": null})
	hit(with_({"eventName": 1, "eventSource": {"s": "iam"}})) == finding_with({"eventName": null, "eventSource": null})
}

test_value_src_ip_as_written if {
	hit(with_({"sourceIPAddress": "2001:db8::10"})).src_ip == "2001:db8::10"
	hit(with_({"sourceIPAddress": "AWS Internal"})).src_ip == "AWS Internal"
	hit(with_({"sourceIPAddress": "075.050.255.67"})).src_ip == "075.050.255.67"
}

test_value_minimal_record if {
	hit({"errorCode": "AccessDenied", "userIdentity": {"type": "IAMUser"}}) == {
		"src_ip": null,
		"userIdentity.arn": null,
		"eventID": null,
		"eventName": null,
		"eventSource": null,
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

# _time is upstream's by-field and the host's (span 1h): every other by-field
# and every field a stats function reads is a finding key.
test_metadata_finding_keys if {
	by := detection.stats_by
	by == ["src_ip", "userIdentity.arn", "_time"]
	detection.annotations.custom.stats.span == "1h"
	function_fields == {"eventID", "eventName", "eventSource"}
	object.keys(hit(base)) == ({name | some name in by} - {"_time"}) | function_fields
}

test_metadata_stats if {
	stats := detection.annotations.custom.stats
	stats.functions == [
		"count", "dc(eventID) as failures", "min(_time) as firstTime", "max(_time) as lastTime",
		"dc(eventName) as methods", "dc(eventSource) as sources",
	]
	stats.where == "failures >= 5 AND methods >= 1 AND sources >= 1"

	# every name in where is a function's output name
	outputs := {name | some f in stats.functions; [_, name] := regex.find_all_string_submatch_n(` as ([A-Za-z0-9_]+)$`, f, 1)[0]}
	every name in regex.find_n(`[A-Za-z_][A-Za-z0-9_]*`, stats.where, -1) {
		name in (outputs | {"AND", "OR", "NOT"})
	}
	detection.annotations.custom.ip_fields == ["src_ip"]
}

test_metadata_risk if {
	risk := detection.annotations.custom.risk
	[risk.impact, risk.confidence, risk.score] == [20, 50, 10]
	risk.score == (risk.impact * risk.confidence) / 100
	names := [name | some m in regex.find_n(`\$[A-Za-z0-9_.]+\$`, risk.message, -1); name := trim(m, "$")]
	names == ["userIdentity.arn", "src_ip", "_time"]
	every name in names {
		name in detection.stats_by
	}
}

test_metadata_identity if {
	a := detection.annotations
	a.title == "AWS IAM AccessDenied Discovery Events"
	a.custom.id == "3e1f1568-9633-11eb-a69c-acde48001122"
	a.custom.type == "anomaly"
	a.custom.version == 4
	a.custom.author == "Michael Haag, Splunk"
	a.custom.mitre_attack == [{"id": "T1580", "technique": "Cloud Infrastructure Discovery", "tactic": "Discovery"}]
}
