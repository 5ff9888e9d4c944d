# Fixture tests for detections.aws_defense_evasion_delete_cloudtrail: the
# detection over the real CloudTrail records under fixtures/
# (fixtures/README.md), loaded as data:
#
#   go tool opa test policies/ policies_test.rego fixtures/
#
# Expected, with no filter list: exactly one finding, the Stratus Red Team
# detonation aws.defense-evasion.cloudtrail-delete (IAM user christophe
# deletes trail stratus-red-team-cloudtraild-trail-kvrwohmiai).
# TrailDiscover's DeleteTrail event (filed twice) was refused (AccessDenied):
# no finding. The Go aggregation turns the one finding into one row: the
# by-fields below, count 1, firstTime = lastTime = 2024-07-31T12:46:41,
# deleted_cloudtrail_name = [stratus-red-team-cloudtraild-trail-kvrwohmiai].
package detections.aws_defense_evasion_delete_cloudtrail_fixtures_test

import data.detections.aws_defense_evasion_delete_cloudtrail as detection

stratus := data["stratus-red-team"].Records

traildiscover := data.traildiscover.Records

edge := data.edge.Records

findings(records) := [[record.eventID, finding] |
	some record in records
	finding := detection.finding with input as record
]

test_stratus_exact if {
	findings(stratus) == [[
		"ee73c230-44bc-4492-8542-cfb189eae287",
		{
			"src": "08.1.250.216",
			"region": "megov-westwest-1r",
			"eventName": "DeleteTrail",
			"userAgent": "stratus-red-team_a007fa03-86e2-4130-be03-ee7b7b10edcc",
			"user_arn": "arn:aws:iam::847129010505:user/christophe",
			"aws_account_id": "847129010505",
			"requestParameters.name": "stratus-red-team-cloudtraild-trail-kvrwohmiai",
		},
	]]
}

test_traildiscover_refused_only if {
	[r.errorCode | some r in traildiscover; r.eventName == "DeleteTrail"] == ["AccessDenied", "AccessDenied"]
	findings(traildiscover) == []
}

test_edge_records_no_findings if {
	findings(edge) == []
}
