# METADATA
# title: AWS Defense Evasion Delete Cloudtrail
# description: >-
#   Finds successful CloudTrail DeleteTrail calls made outside the AWS console.
#   A deleted trail records nothing more, and its configuration (where the
#   logs went, which events it selected) is gone too, so an adversary deletes
#   it to act unseen and to slow down the response. The DeleteTrail event is
#   recorded by the trails that remain, and by the 90-day event history.
#   Investigate every row, then tune the filter list (filters.yaml) for known
#   decommissioning automation.
# related_resources:
#   - ref: https://attack.mitre.org/techniques/T1562/008/
# custom:
#   id: 82092925-9ca1-4e06-98b8-85a2d3889552
#   type: ttp
#   author: Bhavin Patel, Splunk
#   source: https://github.com/splunk/security_content/blob/develop/detections/cloud/aws_defense_evasion_delete_cloudtrail.yml
#   version: 3
#   mitre_attack:
#     - id: T1562.008
#       technique: Disable or Modify Cloud Logs
#       tactic: Defense Evasion
#     - id: T1562
#       technique: Impair Defenses
#       tactic: Defense Evasion
#   kill_chain_phases:
#     - Actions on Objectives
#   nist:
#     - DE.CM
#   cis20:
#     - CIS 3
#     - CIS 5
#     - CIS 16
#   risk:
#     impact: 100
#     confidence: 90
#     score: 90
#     message: User $user_arn$ has delete a CloudTrail logging for account id $aws_account_id$ from IP $src$
#   required_fields:
#     - eventName
#     - eventSource
#     - errorCode
#     - userAgent
#     - requestParameters.name
#     - requestParameters.roleArn
#     - sourceIPAddress
#     - awsRegion
#     - recipientAccountId
#     - userIdentity.type
#     - userIdentity.accountId
#     - userIdentity.arn
#   stats:
#     by:
#       - src
#       - region
#       - eventName
#       - userAgent
#       - user_arn
#       - aws_account_id
#     functions:
#       - count
#       - min(_time) as firstTime
#       - max(_time) as lastTime
#       - values(requestParameters.name) as deleted_cloudtrail_name
package detections.aws_defense_evasion_delete_cloudtrail

# Port of the Splunk ESCU TTP search "AWS Defense Evasion Delete Cloudtrail"
# (version 3, security_content at b13b314, 2024-10-24):
#
#   `cloudtrail` eventName = DeleteTrail eventSource = cloudtrail.amazonaws.com
#     userAgent !=console.amazonaws.com errorCode = success
#   | stats count min(_time) as firstTime max(_time) as lastTime
#       values(requestParameters.name) as deleted_cloudtrail_name
#       by src region eventName userAgent user_arn aws_account_id
#   | `aws_defense_evasion_delete_cloudtrail_filter`
#
# The twin of aws_defense_evasion_stop_logging_cloudtrail, with the same
# deviations. kill_chain_phases, nist and cis20 are those of upstream version
# 1 (the last that stated them). T1562.008 is named as ATT&CK names it since
# v14 ("Disable or Modify Cloud Logs", formerly "Disable Cloud Logs"). The
# risk message is upstream's, grammar included.
#
# Deviations from the SPL, each because upstream loses true positives:
#   - A record without a userAgent is kept. In Splunk `userAgent !=
#     console.amazonaws.com` is false for a record that lacks the field, and
#     userAgent is a by-field too, so such a deletion vanishes twice over. A
#     missing user agent is no evidence of console use.
#   - A null by-field (no sourceIPAddress, no ARN, ...) is reported as null
#     instead of dropping the row.
#   - The console exclusion ignores case, as Splunk's != does.
# Kept as upstream: deletions made from the console are excluded (the
# upstream description says so on purpose), and failed calls are excluded (a
# failed DeleteTrail deleted nothing; see AWS IAM AccessDenied Discovery
# Events for failures).
#
# deleted_cloudtrail_name is computed by the host
# (values(requestParameters.name)), so the finding carries
# requestParameters.name too: the trail's name or ARN, as the caller gave it.
#
# `input` is one CloudTrail record. Every field is read with a direct
# reference and kept only when it is a string: a missing field, a JSON null and
# a value of another type all become null and never raise an error.

# finding: defined iff the record is a hit (a-c). Keys: stats.by plus
# requestParameters.name (named by values()).
finding := {
	"src": src,
	"region": region,
	"eventName": input.eventName,
	"userAgent": user_agent,
	"user_arn": user_arn,
	"aws_account_id": aws_account_id,
	"requestParameters.name": trail_name,
} if {
	input.eventName == "DeleteTrail" # a
	input.eventSource == "cloudtrail.amazonaws.com" # a
	succeeded # b
	not from_console # c
}

# b. The call succeeded: errorCode absent, null or of another type (CloudTrail
# omits it on success), or "success" (the Splunk Add-on for AWS fills that
# in). Any other string ("AccessDenied", "TrailNotFoundException", ...) is a
# failed call: the trail still exists.
succeeded if not has_error_code

succeeded if input.errorCode == "success"

# has_error_code: errorCode is a string. (A separate rule: `not
# is_string(input.errorCode)` would be undefined, not true, when the field is
# missing, because OPA evaluates the reference before the negation.)
has_error_code if is_string(input.errorCode)

# c. Deleted from the AWS console, compared case-insensitively. lower() of a
# non-string would raise an error (the host evaluates with strict builtin
# errors), hence the type check first.
from_console if {
	is_string(input.userAgent)
	lower(input.userAgent) == "console.amazonaws.com"
}

# ---------------------------------------------------------------------------
# Finding values (field names of the Splunk Add-on for AWS)
# ---------------------------------------------------------------------------

trail_name := input.requestParameters.name if {
	is_string(input.requestParameters.name)
} else := null

src := input.sourceIPAddress if {
	is_string(input.sourceIPAddress)
} else := null

# region: the Add-on's name for awsRegion.
region := input.awsRegion if {
	is_string(input.awsRegion)
} else := null

user_agent := input.userAgent if {
	is_string(input.userAgent)
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
