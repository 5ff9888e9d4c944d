# METADATA
# title: AWS SetDefaultPolicyVersion
# description: >-
#   Finds IAM SetDefaultPolicyVersion calls, successful or not. A customer
#   managed policy keeps up to five versions and only the default one is in
#   force: whoever holds iam:SetDefaultPolicyVersion can make an older, more
#   permissive version the default again and so raise the privileges of every
#   principal the policy is attached to, without creating anything new. Failed
#   calls are reported too (errorCode says so): an attempt is worth a look.
#   Administrators roll policy versions back legitimately; tune the filter
#   list (filters.yaml).
# related_resources:
#   - ref: https://bishopfox.com/blog/privilege-escalation-in-aws
#   - ref: https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation-part-2/
# custom:
#   id: 2a9b80d3-6340-4345-11ad-212bf3d0dac4
#   type: ttp
#   author: Bhavin Patel, Splunk
#   source: https://github.com/splunk/security_content/blob/develop/detections/cloud/aws_setdefaultpolicyversion.yml
#   version: 3
#   mitre_attack:
#     - id: T1078.004
#       technique: Cloud Accounts
#       tactic: Privilege Escalation
#     - id: T1078
#       technique: Valid Accounts
#       tactic: Privilege Escalation
#   kill_chain_phases:
#     - Actions on Objectives
#   nist:
#     - PR.DS
#     - PR.AC
#     - DE.CM
#   cis20:
#     - CIS 13
#   risk:
#     impact: 50
#     confidence: 60
#     score: 30
#     message: From IP address $src$, user $user_arn$ has trigged an event $eventName$ for updating the the default policy version
#   required_fields:
#     - eventName
#     - eventSource
#     - errorCode
#     - userAgent
#     - requestParameters.policyArn
#     - requestParameters.versionId
#     - requestParameters.roleArn
#     - sourceIPAddress
#     - eventID
#     - awsRegion
#     - recipientAccountId
#     - userIdentity.type
#     - userIdentity.accountId
#     - userIdentity.principalId
#     - userIdentity.arn
#   stats:
#     by:
#       - src
#       - requestParameters.versionId
#       - eventName
#       - eventSource
#       - aws_account_id
#       - errorCode
#       - userAgent
#       - eventID
#       - awsRegion
#       - userIdentity.principalId
#       - user_arn
#     functions:
#       - count
#       - min(_time) as firstTime
#       - max(_time) as lastTime
#       - values(requestParameters.policyArn) as policy_arn
package detections.aws_setdefaultpolicyversion

# Port of the Splunk ESCU TTP search "AWS SetDefaultPolicyVersion" (version 3,
# security_content at b13b314, 2024-10-24):
#
#   `cloudtrail` eventName=SetDefaultPolicyVersion eventSource = iam.amazonaws.com
#   | stats count min(_time) as firstTime max(_time) as lastTime
#       values(requestParameters.policyArn) as policy_arn
#       by src requestParameters.versionId eventName eventSource aws_account_id errorCode userAgent
#          eventID awsRegion userIdentity.principalId user_arn
#   | `aws_setdefaultpolicyversion_filter`
#
# kill_chain_phases, nist and cis20 are those of upstream version 1 (the last
# that stated them). ATT&CK maps T1078 and T1078.004 to four tactics (Defense
# Evasion, Persistence, Privilege Escalation, Initial Access); the one entry
# per technique here names the tactic this search is about, Privilege
# Escalation (its analytic story is "AWS IAM Privilege Escalation").
#
# Like upstream, every call is reported, failed ones included: there is no
# success or user-agent condition, and errorCode is a by-field.
#
# Deviation: Splunk's `stats by` drops every row with a null by-field. Here a
# null field is reported as null. That matters for this search: a record
# without requestParameters.versionId (redacted or truncated exports, such as
# TrailDiscover's, carry `requestParameters: null`), without userAgent, or
# from a caller without principalId (an AWS service) would vanish upstream.
#
# policy_arn is computed by the host (values(requestParameters.policyArn)), so
# the finding carries requestParameters.policyArn too. eventID is a by-field,
# so a row is one event (or the duplicates of one event).
#
# `input` is one CloudTrail record. Every field is read with a direct
# reference and kept only when it is a string: a missing field, a JSON null and
# a value of another type all become null and never raise an error.

# finding: defined iff the record is IAM's SetDefaultPolicyVersion. Keys:
# stats.by plus requestParameters.policyArn (named by values()).
finding := {
	"src": src,
	"requestParameters.versionId": version_id,
	"eventName": input.eventName,
	"eventSource": input.eventSource,
	"aws_account_id": aws_account_id,
	"errorCode": error_code,
	"userAgent": user_agent,
	"eventID": event_id,
	"awsRegion": aws_region,
	"userIdentity.principalId": principal_id,
	"user_arn": user_arn,
	"requestParameters.policyArn": policy_arn,
} if {
	input.eventName == "SetDefaultPolicyVersion"
	input.eventSource == "iam.amazonaws.com"
}

# errorCode as the Splunk Add-on for AWS reports it: the record's errorCode
# ("AccessDenied", "NoSuchEntity", ...), or "success" when the record has
# none (CloudTrail omits it on success; a JSON null or a value of another type
# counts as none).
error_code := input.errorCode if {
	is_string(input.errorCode)
} else := "success"

# ---------------------------------------------------------------------------
# Finding values (field names of the Splunk Add-on for AWS)
# ---------------------------------------------------------------------------

version_id := input.requestParameters.versionId if {
	is_string(input.requestParameters.versionId)
} else := null

policy_arn := input.requestParameters.policyArn if {
	is_string(input.requestParameters.policyArn)
} else := null

src := input.sourceIPAddress if {
	is_string(input.sourceIPAddress)
} else := null

user_agent := input.userAgent if {
	is_string(input.userAgent)
} else := null

event_id := input.eventID if {
	is_string(input.eventID)
} else := null

aws_region := input.awsRegion if {
	is_string(input.awsRegion)
} else := null

principal_id := input.userIdentity.principalId if {
	is_string(input.userIdentity.principalId)
} else := null

# user_arn: userIdentity.arn, else requestParameters.roleArn, else null.
user_arn := input.userIdentity.arn if {
	is_string(input.userIdentity.arn)
} else := input.requestParameters.roleArn if {
	is_string(input.requestParameters.roleArn)
} else := null

# aws_account_id: for AWS account and AWS service callers the recipient
# account; otherwise the caller's account, falling back to the recipient.
aws_account_id := recipient_account_id if {
	input.userIdentity.type in {"AWSAccount", "AWSService"}
} else := input.userIdentity.accountId if {
	is_string(input.userIdentity.accountId)
} else := recipient_account_id

recipient_account_id := input.recipientAccountId if {
	is_string(input.recipientAccountId)
} else := null

# ---------------------------------------------------------------------------
# Metadata, read back for the tests
# ---------------------------------------------------------------------------

# annotations: this package's METADATA block as OPA parsed it.
annotations := entry.annotations if {
	some entry in rego.metadata.chain()
	entry.annotations.scope == "package"
}

# stats_by: the ordered group-by list (METADATA custom.stats.by).
stats_by := annotations.custom.stats.by
