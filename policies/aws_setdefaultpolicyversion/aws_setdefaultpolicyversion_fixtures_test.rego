# Fixture tests for detections.aws_setdefaultpolicyversion: the detection over
# the real CloudTrail records under fixtures/ (fixtures/README.md), loaded as
# data:
#
#   go tool opa test policies/ policies_test.rego fixtures/
#
# Expected, with no filter list: the Stratus Red Team detonations contain no
# SetDefaultPolicyVersion call. TrailDiscover's one SetDefaultPolicyVersion
# event is filed twice (same eventID 6fd4b5ce-...): a failed call by IAM user
# TrailDiscover (AccessDenied), with requestParameters null because the
# request was refused. Like upstream, failed calls are reported; unlike
# upstream, the null versionId does not drop the row. The Go aggregation
# turns the two identical findings into ONE row:
#
#   src=0.0.0.0 requestParameters.versionId=null eventName=SetDefaultPolicyVersion
#   eventSource=iam.amazonaws.com aws_account_id=111111111111 errorCode=AccessDenied
#   userAgent=aws-cli/2.17.32 ...iam.set-default-policy-version eventID=6fd4b5ce-9e47-47e9-91b8-1d813602a767
#   awsRegion=us-east-1 userIdentity.principalId=AROA****************:User
#   user_arn=arn:aws:iam::111111111111:user/TrailDiscover
#   count=2 firstTime=lastTime=2024-08-18T11:38:44 policy_arn: no values (both records
#   lack requestParameters.policyArn; values() ignores nulls)
package detections.aws_setdefaultpolicyversion_fixtures_test

import data.detections.aws_setdefaultpolicyversion as detection

stratus := data["stratus-red-team"].Records

traildiscover := data.traildiscover.Records

edge := data.edge.Records

findings(records) := [[record.eventID, finding] |
	some record in records
	finding := detection.finding with input as record
]

traildiscover_finding := {
	"src": "0.0.0.0",
	"requestParameters.versionId": null,
	"eventName": "SetDefaultPolicyVersion",
	"eventSource": "iam.amazonaws.com",
	"aws_account_id": "111111111111",
	"errorCode": "AccessDenied",
	"userAgent": "aws-cli/2.17.32 md/awscrt#0.21.2 ua/2.0 os/linux#0.0.0.0-microsoft-standard-WSL2 md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython exec-env/grimoire_be6e6ac7-d363-4479-a5a8-679c10120dba cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.24 md/prompt#off md/command#iam.set-default-policy-version",
	"eventID": "6fd4b5ce-9e47-47e9-91b8-1d813602a767",
	"awsRegion": "us-east-1",
	"userIdentity.principalId": "AROA****************:User",
	"user_arn": "arn:aws:iam::111111111111:user/TrailDiscover",
	"requestParameters.policyArn": null,
}

test_stratus_no_findings if {
	findings(stratus) == []
}

test_traildiscover_exact if {
	findings(traildiscover) == [
		["6fd4b5ce-9e47-47e9-91b8-1d813602a767", traildiscover_finding],
		["6fd4b5ce-9e47-47e9-91b8-1d813602a767", traildiscover_finding],
	]
}

test_edge_records_no_findings if {
	findings(edge) == []
}
