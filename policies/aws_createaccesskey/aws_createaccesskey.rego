# METADATA
# title: AWS CreateAccessKey
# description: >-
#   Finds successful IAM CreateAccessKey calls in which one principal creates an
#   access key for another IAM user. An access key (access key ID and secret
#   access key) signs programmatic requests to AWS without further interaction,
#   so an attacker holding one identity can mint keys for a user that may have
#   higher privileges: a means of persistence and of privilege escalation.
#   Administrators also create keys for other users legitimately, so this is a
#   hunting query: review the results and tune the filter list (filters.yaml).
#   Keys created from the AWS console, failed calls, and keys a user creates for
#   itself are not reported.
# related_resources:
#   - ref: https://bishopfox.com/blog/privilege-escalation-in-aws
#   - ref: https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation-part-2/
# custom:
#   id: 2a9b80d3-6340-4345-11ad-212bf3d0d111
#   type: hunting
#   author: Bhavin Patel, Splunk
#   source: https://github.com/splunk/security_content/blob/develop/detections/cloud/aws_createaccesskey.yml
#   version: 3
#   mitre_attack:
#     - id: T1136.003
#       technique: Cloud Account
#       tactic: Persistence
#     - id: T1136
#       technique: Create Account
#       tactic: Persistence
#   kill_chain_phases:
#     - Installation
#   nist:
#     - DE.AE
#   cis20:
#     - CIS 13
#   risk:
#     impact: 70
#     confidence: 90
#     score: 63
#     message: User $user_arn$ is attempting to create access keys for $requestParameters.userName$ from this IP $src$
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
#     - userIdentity.principalId
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
#       - userIdentity.principalId
#       - user_arn
package detections.aws_createaccesskey

# Port of the Splunk ESCU hunting search "AWS CreateAccessKey":
#
#   `cloudtrail` eventName = CreateAccessKey userAgent !=console.amazonaws.com errorCode = success
#   | eval match=if(match(userIdentity.userName,requestParameters.userName),1,0)
#   | search match=0
#   | stats count min(_time) as firstTime max(_time) as lastTime by requestParameters.userName src ...
#   | `aws_createaccesskey_filter`
#
# `input` is one CloudTrail record. The host aggregates findings (count,
# firstTime, lastTime) by the METADATA's stats.by fields and applies the filter
# lists (filters.yaml, the seed's `aws_createaccesskey_filter`, and any given
# with --filters) to every finding: suppression is not the detection's code.
#
# Reading fields: every value is read so that a missing field, a JSON null and
# a value of the wrong type (a number, an object, ...) are all "missing". Such a
# value never raises an error and never reaches a finding: it becomes null.

# ---------------------------------------------------------------------------
# The finding
# ---------------------------------------------------------------------------

# finding: defined iff the record is a hit (rules a-e below), before filters.
# Its keys are exactly METADATA custom.stats.by; every value is a string or null
# (field names follow the Splunk Add-on for AWS).
#
# A by-field that is null still produces a finding: Splunk's `stats ... by`
# silently drops every row in which any group-by field is null, so a key created
# from a record without, say, sourceIPAddress would never be reported there. We
# report it with src = null instead.
finding := {
	"requestParameters.userName": target_user,
	"src": field(["sourceIPAddress"]),
	"eventName": input.eventName,
	"eventSource": input.eventSource,
	"aws_account_id": aws_account_id,
	"errorCode": "success",
	"userAgent": field(["userAgent"]),
	"eventID": field(["eventID"]),
	"awsRegion": field(["awsRegion"]),
	"userIdentity.principalId": field(["userIdentity", "principalId"]),
	"user_arn": coalesce([["userIdentity", "arn"], ["requestParameters", "roleArn"]]),
} if {
	is_create_access_key # a
	succeeded # b
	not from_console # c
	target_user # d
	not caller_is_target # e
}

# a. The event is IAM's CreateAccessKey.
is_create_access_key if {
	input.eventName == "CreateAccessKey"
	input.eventSource == "iam.amazonaws.com"
}

# b. The call succeeded: errorCode is absent or null (CloudTrail omits it on
# success), or "success" (the Splunk Add-on fills it in, so data exported from
# Splunk carries it). Anything else is a failed call (no key was created): any
# other string ("AccessDenied", ...) or type (403, an object). Unlike a mistyped
# field elsewhere, a mistyped errorCode is not read as missing: it is present.
succeeded if object.get(input, "errorCode", null) == null

succeeded if input.errorCode == "success"

# c. The key was not created from the AWS console. Compared case-insensitively,
# as Splunk compares field values. A missing userAgent passes: in Splunk,
# `userAgent != console.amazonaws.com` is false for a record that lacks the
# field, so such records silently vanish; a missing user agent is not evidence
# of console use, so we keep them.
from_console if {
	is_string(input.userAgent)
	lower(input.userAgent) == "console.amazonaws.com"
}

# d. The target user: requestParameters.userName, a non-empty string. Without
# it, IAM creates the key for the caller itself (nothing to hunt here).
target_user := input.requestParameters.userName if {
	is_string(input.requestParameters.userName)
	input.requestParameters.userName != ""
}

# e. The caller is the target: an IAM user (userIdentity.type "IAMUser") whose
# userName equals the target exactly, ignoring case (IAM user names are unique
# regardless of case). Any other caller (AssumedRole, Root, FederatedUser,
# AWSService, AWSAccount, IdentityCenterUser, an unknown type) or an IAM user
# record without a userName is another principal, so the record is a hit.
#
# Why not the seed's `match(userIdentity.userName, requestParameters.userName)`:
# that is an unanchored, case-sensitive regular expression with the *target*
# as the pattern. It is "self" whenever the target occurs anywhere in the
# caller's name: `jackson` creating a key for `jack` is silently missed. IAM
# names may contain `.` and `+`, which are regex metacharacters: target
# `john.smith` "matches" caller `johnxsmith` (missed), and target `svc+ci`
# does not match caller `svc+ci` itself (a false positive). It is also
# case-sensitive, while IAM treats `Alice` and `alice` as the same user.
caller_is_target if {
	input.userIdentity.type == "IAMUser"
	is_string(input.userIdentity.userName)
	lower(input.userIdentity.userName) == lower(target_user)
}

# aws_account_id, as the Splunk Add-on for AWS maps it: for AWS account and
# AWS service callers the account is the recipient; otherwise the caller's
# account, falling back to the recipient.
aws_account_id := field(["recipientAccountId"]) if {
	input.userIdentity.type in {"AWSAccount", "AWSService"}
} else := coalesce([["userIdentity", "accountId"], ["recipientAccountId"]])

# field(path) is the value at path in the record if it is a string, else null
# (absent, JSON null, wrong type, or a parent that is not an object).
field(path) := value if {
	value := object.get(input, path, null)
	is_string(value)
} else := null

# coalesce(paths) is the first of field(path) that is not null, else null.
coalesce(paths) := values[0] if {
	values := [value | some path in paths; value := field(path); value != null]
} else := null

# ---------------------------------------------------------------------------
# Metadata
# ---------------------------------------------------------------------------

# annotations: this package's METADATA block, as OPA parsed it. Not a copy:
# read through rego.metadata.chain(), so the tests can check that the finding
# keys agree with custom.stats.by and that the risk message uses by-fields.
annotations := entry.annotations if {
	some entry in rego.metadata.chain()
	entry.annotations.scope == "package"
}

# stats_by: the ordered group-by list from METADATA custom.stats.by.
stats_by := annotations.custom.stats.by
