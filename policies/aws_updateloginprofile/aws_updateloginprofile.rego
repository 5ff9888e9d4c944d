# METADATA
# title: AWS UpdateLoginProfile
# description: >-
#   Finds successful IAM UpdateLoginProfile calls in which one principal changes
#   the console password (login profile) of another IAM user. With
#   iam:UpdateLoginProfile an attacker can set a known password on a user that
#   has more privileges and sign in to the console as that user: privilege
#   escalation and persistence. Administrators reset passwords legitimately,
#   so tune the filter list (filters.yaml). Changes made from the AWS console,
#   failed calls, and a user updating its own login profile are not reported.
# related_resources:
#   - ref: https://bishopfox.com/blog/privilege-escalation-in-aws
#   - ref: https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation-part-2/
# custom:
#   id: 2a9b80d3-6a40-4115-11ad-212bf3d0d111
#   type: ttp
#   author: Bhavin Patel, Splunk
#   source: https://github.com/splunk/security_content/blob/develop/detections/cloud/aws_updateloginprofile.yml
#   version: 6
#   mitre_attack:
#     - id: T1136.003
#       technique: Cloud Account
#       tactic: Persistence
#     - id: T1136
#       technique: Create Account
#       tactic: Persistence
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
#     message: From IP address $src$, user agent $userAgent$ has trigged an event $eventName$ for updating the existing login profile, potentially giving user $user_arn$ more access privilleges
#   required_fields:
#     - eventName
#     - eventSource
#     - errorCode
#     - userAgent
#     - requestParameters.userName
#     - requestParameters.roleArn
#     - sourceIPAddress
#     - eventID
#     - awsRegion
#     - recipientAccountId
#     - userIdentity.type
#     - userIdentity.userName
#     - userIdentity.accountId
#     - userIdentity.arn
#   stats:
#     by:
#       - requestParameters.userName
#       - src
#       - eventName
#       - eventSource
#       - aws_account_id
#       - errorCode
#       - userAgent
#       - eventID
#       - awsRegion
#       - userIdentity.userName
#       - user_arn
#     functions:
#       - count
#       - min(_time) as firstTime
#       - max(_time) as lastTime
package detections.aws_updateloginprofile

# Port of the Splunk ESCU TTP search "AWS UpdateLoginProfile" (version 6,
# security_content at b13b314, 2024-10-24):
#
#   `cloudtrail` eventName = UpdateLoginProfile userAgent !=console.amazonaws.com errorCode = success
#   | eval match=if(match(userIdentity.userName,requestParameters.userName), 1,0)
#   | search match=0
#   | stats count min(_time) as firstTime max(_time) as lastTime by requestParameters.userName src
#       eventName eventSource aws_account_id errorCode userAgent eventID awsRegion userIdentity.userName user_arn
#   | `aws_updateloginprofile_filter`
#
# kill_chain_phases, nist and cis20 are those of upstream version 3 (the last
# that stated them; later versions leave them to the ESCU build).
#
# The same shape as aws_createaccesskey, and the same fixes of the SPL (see
# there for the long form): an exact, case-insensitive caller/target
# comparison instead of the unanchored regex; records without a userAgent are
# kept; null by-fields are reported as null instead of dropping the row. One
# loss is specific to this search and large: its by-list has
# userIdentity.userName, which CloudTrail sets only for IAM users (and some
# Identity Center users). Splunk's `stats by` drops every row with a null
# by-field, so upstream never reports an assumed role, a federated user or the
# root user resetting someone's password, although match() lets them through.
# Here they are reported with userIdentity.userName null.
#
# `input` is one CloudTrail record. Every field is read with a direct
# reference and kept only when it is a string: a missing field, a JSON null and
# a value of another type all become null and never raise an error.

# finding: defined iff the record is a hit (a-e). Keys: exactly stats.by.
finding := {
	"requestParameters.userName": target_user,
	"src": src,
	"eventName": input.eventName,
	"eventSource": input.eventSource,
	"aws_account_id": aws_account_id,
	"errorCode": "success",
	"userAgent": user_agent,
	"eventID": event_id,
	"awsRegion": aws_region,
	"userIdentity.userName": caller_user_name,
	"user_arn": user_arn,
} if {
	is_update_login_profile # a
	succeeded # b
	not from_console # c
	target_user # d
	not caller_is_target # e
}

# a. The event is IAM's UpdateLoginProfile.
is_update_login_profile if {
	input.eventName == "UpdateLoginProfile"
	input.eventSource == "iam.amazonaws.com"
}

# b. The call succeeded: errorCode absent, null or of another type (CloudTrail
# omits it on success), or "success" (the Splunk Add-on for AWS fills that in,
# so exports from Splunk carry it). Any other string is a failed call: no
# password was changed.
succeeded if not has_error_code

succeeded if input.errorCode == "success"

# has_error_code: errorCode is a string. (A separate rule: `not
# is_string(input.errorCode)` would be undefined, not true, when the field is
# missing, because OPA evaluates the reference before the negation.)
has_error_code if is_string(input.errorCode)

# c. Changed from the AWS console, compared case-insensitively as Splunk
# compares field values. A record without a userAgent is kept: in Splunk
# `userAgent != console.amazonaws.com` is false for such a record, which
# silently drops it, but a missing user agent is no evidence of console use.
# lower() of a non-string would raise an error (the host evaluates with strict
# builtin errors), hence the type check first.
from_console if {
	is_string(input.userAgent)
	lower(input.userAgent) == "console.amazonaws.com"
}

# d. The target user, a non-empty string. Without one, IAM updates the
# caller's own login profile: nothing to report.
target_user := input.requestParameters.userName if {
	is_string(input.requestParameters.userName)
	input.requestParameters.userName != ""
}

# e. The caller is the target: an IAM user whose userName equals the target,
# ignoring case (IAM user names are unique regardless of case). Any other
# caller type, or an IAM user record without a userName, is another
# principal. Not the SPL's match(): that is an unanchored, case-sensitive
# regex with the target as the pattern, so `jackson` resetting `jack`'s
# password is missed and `.`/`+` in names misbehave.
caller_is_target if {
	input.userIdentity.type == "IAMUser"
	is_string(input.userIdentity.userName)
	lower(input.userIdentity.userName) == lower(target_user)
}

# ---------------------------------------------------------------------------
# Finding values (field names of the Splunk Add-on for AWS)
# ---------------------------------------------------------------------------

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

caller_user_name := input.userIdentity.userName if {
	is_string(input.userIdentity.userName)
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
