# Fixture tests for detections.aws_defense_evasion_stop_logging_cloudtrail: the
# detection over the real CloudTrail records under fixtures/
# (fixtures/README.md), loaded as data:
#
#   go tool opa test policies/ policies_test.rego fixtures/
#
# Expected, with no filter list: exactly one finding, the Stratus Red Team
# detonation aws.defense-evasion.cloudtrail-stop (IAM user christophe stops
# trail stratus-red-team-ct-stop-trail-buykxbqejv). TrailDiscover's
# StopLogging event (filed twice) was refused (AccessDenied): no finding. The
# Go aggregation turns the one finding into one row: the by-fields below,
# count 1, firstTime = lastTime = 2024-07-31T13:06:24,
# stopped_cloudtrail_name = [stratus-red-team-ct-stop-trail-buykxbqejv].
package detections.aws_defense_evasion_stop_logging_cloudtrail_fixtures_test

import data.detections.aws_defense_evasion_stop_logging_cloudtrail as detection

stratus := data["stratus-red-team"].Records

traildiscover := data.traildiscover.Records

edge := data.edge.Records

findings(records) := [[record.eventID, finding] |
	some record in records
	finding := detection.finding with input as record
]

test_stratus_exact if {
	findings(stratus) == [[
		"10163ed2-2253-469d-a5ee-cbc6651f8934",
		{
			"src": "86.245.153.234",
			"region": "apiso-centralnorth-2r",
			"eventName": "StopLogging",
			"userAgent": "stratus-red-team_c97089f1-1ae3-4ecc-b006-f5e8fd0f2571",
			"user_arn": "arn:aws:iam::143434273843:user/christophe",
			"aws_account_id": "143434273843",
			"requestParameters.name": "stratus-red-team-ct-stop-trail-buykxbqejv",
		},
	]]
}

test_traildiscover_refused_only if {
	[r.errorCode | some r in traildiscover; r.eventName == "StopLogging"] == ["AccessDenied", "AccessDenied"]
	findings(traildiscover) == []
}

test_edge_records_no_findings if {
	findings(edge) == []
}
