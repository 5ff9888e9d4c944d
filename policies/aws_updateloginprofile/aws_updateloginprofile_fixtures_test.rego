# Fixture tests for detections.aws_updateloginprofile: the detection over the
# real CloudTrail records under fixtures/ (fixtures/README.md), loaded as data:
#
#   go tool opa test policies/ policies_test.rego fixtures/
#
# Expected, with no filter list: exactly one finding, the Stratus Red Team
# detonation aws.privilege-escalation.iam-update-user-login-profile (IAM user
# christophe sets the password of stratus-red-team-update-login-profile-user).
# TrailDiscover's UpdateLoginProfile record (filed twice) is a failed call
# (AccessDenied): no finding. The Go aggregation turns the one finding into
# one row (count 1, firstTime = lastTime = 2024-08-28T09:54:40).
package detections.aws_updateloginprofile_fixtures_test

import data.detections.aws_updateloginprofile as detection

stratus := data["stratus-red-team"].Records

traildiscover := data.traildiscover.Records

edge := data.edge.Records

findings(records) := [[record.eventID, finding] |
	some record in records
	finding := detection.finding with input as record
]

test_stratus_exact if {
	findings(stratus) == [[
		"a46a1a42-9ef1-48d4-9c61-507eb6d4019f",
		{
			"requestParameters.userName": "stratus-red-team-update-login-profile-user",
			"src": "212.3.253.233",
			"eventName": "UpdateLoginProfile",
			"eventSource": "iam.amazonaws.com",
			"aws_account_id": "763751499319",
			"errorCode": "success",
			"userAgent": "stratus-red-team_33d1bcd6-0716-4e7f-a145-8a75625cf180",
			"eventID": "a46a1a42-9ef1-48d4-9c61-507eb6d4019f",
			"awsRegion": "megov-southcentral-3r",
			"userIdentity.userName": "christophe",
			"user_arn": "arn:aws:iam::763751499319:user/christophe",
		},
	]]
}

test_traildiscover_failed_calls_only if {
	[r.errorCode | some r in traildiscover; r.eventName == "UpdateLoginProfile"] == ["AccessDenied", "AccessDenied"]
	findings(traildiscover) == []
}

test_edge_records_no_findings if {
	findings(edge) == []
}
