# METADATA
# title: AWS CreateLoginProfile
# description: >-
#   Finds an IAM login profile (console password) created for a user, followed
#   by a console login as that user from the same source IP address the
#   profile was created from. An attacker who may call iam:CreateLoginProfile
#   gives a password to a user that has none (often a more privileged one, or
#   the user whose access key was stolen) and signs in to the console as that
#   user: privilege escalation and persistence. The same IP on both sides is
#   what ties the login to whoever created the profile. Each CloudTrail record
#   is one side (a CreateLoginProfile or a ConsoleLogin); the host groups them
#   by user, IP and account and reports the groups that hold both kinds.
# related_resources:
#   - ref: https://bishopfox.com/blog/privilege-escalation-in-aws
#   - ref: https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation-part-2/
# custom:
#   id: 2a9b80d3-6340-4345-11ad-212bf444d111
#   type: ttp
#   author: Bhavin Patel, Splunk
#   source: https://github.com/splunk/security_content/blob/develop/detections/cloud/aws_createloginprofile.yml
#   version: 4
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
#     impact: 90
#     confidence: 80
#     score: 72
#     message: A login profile was created for $new_login_profile$ in account $aws_account_id$ from IP $src_ip$, and a console login as $new_login_profile$ came from the same IP
#   required_fields:
#     - eventName
#     - eventSource
#     - errorCode
#     - eventID
#     - sourceIPAddress
#     - recipientAccountId
#     - requestParameters.userName
#     - responseElements.ConsoleLogin
#     - userIdentity.type
#     - userIdentity.userName
#     - userIdentity.accountId
#     - userIdentity.arn
#   ip_fields:
#     - src_ip
#   stats:
#     by:
#       - new_login_profile
#       - src_ip
#       - aws_account_id
#     functions:
#       - count
#       - dc(eventName) as event_types
#       - values(eventName) as events
#       - values(creator_arn) as created_by
#       - values(login_result) as login_results
#       - values(eventID) as eventIDs
#       - min(_time) as firstTime
#       - max(_time) as lastTime
#     where: event_types >= 2
package detections.aws_createloginprofile

# Port of the Splunk ESCU TTP search "AWS CreateLoginProfile" (version 4,
# security_content at b13b314, 2024-10-24):
#
#   `cloudtrail` eventName = CreateLoginProfile
#   | rename requestParameters.userName as new_login_profile
#   | table src_ip eventName new_login_profile userIdentity.userName
#   | join new_login_profile src_ip
#       [| search `cloudtrail` eventName = ConsoleLogin
#        | rename userIdentity.userName as new_login_profile
#        | stats count values(eventName) min(_time) as firstTime max(_time) as lastTime
#            by eventSource aws_account_id errorCode userAgent eventID awsRegion
#               userIdentity.principalId user_arn new_login_profile src_ip
#        | ...]
#   | `aws_createloginprofile_filter`
#
# kill_chain_phases, nist and cis20 are those of upstream version 2 (the last
# that stated them).
#
# The search is a join of two kinds of events on (user name, source IP). A
# trailhunt detection sees one record at a time, so the join is done by the
# host's aggregation: both kinds of record are findings with the same
# by-fields (new_login_profile, src_ip, aws_account_id), and the group is
# reported only when it holds both kinds (dc(eventName) >= 2). Like the
# join, this does not check that the login came after the creation; the row's
# firstTime/lastTime and eventIDs show the order. Every ConsoleLogin of an IAM
# user is therefore a finding, though only the joined ones become rows.
#
# Deviations from the SPL, and why:
#   1. Only a successful CreateLoginProfile counts (errorCode absent or
#      "success"): a refused call created no password, so a later login
#      cannot be using it. Upstream joins failed calls too.
#   2. The target of a CreateLoginProfile whose request has no userName is
#      the calling IAM user (IAM's default since it made UserName optional);
#      upstream's new_login_profile would be null there and the join would
#      miss it.
#   3. The ConsoleLogin side counts IAM users only (userIdentity.type
#      IAMUser): login profiles belong to IAM users, and a root, federated or
#      Identity Center sign-in that happens to carry the same userName is
#      someone else. Upstream takes any userIdentity.userName.
#   4. The join key includes the account (aws_account_id, the account the
#      user lives in: recipientAccountId, else userIdentity.accountId). IAM
#      user names are unique per account only; upstream would join bob of one
#      account with bob of another.
#   5. new_login_profile is the user name in lower case. IAM user names are
#      unique regardless of case, so "Bob" in the request and "bob" in the
#      login are one user; Splunk's join compares exactly.
#   6. Upstream's result is one row per CreateLoginProfile, joined to one
#      (the first) matching login, with upstream's user_arn being the
#      ConsoleLogin identity (the new user), not the creator its risk message
#      names. Here a row is one (user, IP, account) with all its events:
#      created_by (the creators' ARNs), login_results (Success/Failure),
#      eventIDs, count, firstTime, lastTime. The risk message says what the
#      row shows, with by-fields only, as the contract requires.
# Not a deviation, though other ports differ here: the join keys must be
# known. A record without a sourceIPAddress or an account is no finding, as
# in Splunk's join, because an unknown IP is no evidence of the same IP (a
# null would otherwise join every other null).
# Kept as upstream: the creator may be the user itself (an IAM user whose
# access key was stolen giving itself a console password, then signing in, is
# exactly the attack), and failed logins count (login_results tells them
# apart).
#
# `input` is one CloudTrail record. Every field is read with a direct
# reference and kept only when it is a string: a missing field, a JSON null and
# a value of another type all become null and never raise an error.

# finding: defined iff the record is one side of the join (a or b) and both
# other join keys are known. Keys: stats.by plus the fields the stats
# functions read.
finding := {
	"new_login_profile": new_login_profile,
	"src_ip": src_ip,
	"aws_account_id": aws_account_id,
	"eventName": input.eventName,
	"creator_arn": creator_arn,
	"login_result": login_result,
	"eventID": event_id,
} if {
	new_login_profile
	src_ip != null
	aws_account_id != null
}

# new_login_profile: the user, in lower case, whose login profile this record
# creates (a) or who signs in to the console (b). Undefined for any other
# record.
#
# a. A successful IAM CreateLoginProfile: the target user.
new_login_profile := lower(created_for) if {
	input.eventName == "CreateLoginProfile"
	input.eventSource == "iam.amazonaws.com"
	succeeded
}

# b. A console sign-in (successful or not) of an IAM user.
new_login_profile := lower(input.userIdentity.userName) if {
	input.eventName == "ConsoleLogin"
	input.eventSource == "signin.amazonaws.com"
	input.userIdentity.type == "IAMUser"
	is_string(input.userIdentity.userName)
	input.userIdentity.userName != ""
}

# created_for: requestParameters.userName when it is a non-empty string.
# When the request has no userName at all, IAM creates the profile for the
# calling IAM user. When requestParameters itself is missing or null
# (redacted exports), the target is unknown: no finding, rather than a guess
# that would join the caller's own logins.
created_for := input.requestParameters.userName if {
	is_string(input.requestParameters.userName)
	input.requestParameters.userName != ""
} else := input.userIdentity.userName if {
	is_object(input.requestParameters)
	not "userName" in object.keys(input.requestParameters)
	input.userIdentity.type == "IAMUser"
	is_string(input.userIdentity.userName)
	input.userIdentity.userName != ""
}

# The call succeeded: errorCode absent, null or of another type (CloudTrail
# omits it on success), or "success" (the Splunk Add-on for AWS fills that
# in). Any other string is a refused or failed call: no profile was created.
succeeded if not has_error_code

succeeded if input.errorCode == "success"

# has_error_code: errorCode is a string. (A separate rule: `not
# is_string(input.errorCode)` would be undefined, not true, when the field is
# missing, because OPA evaluates the reference before the negation.)
has_error_code if is_string(input.errorCode)

# ---------------------------------------------------------------------------
# Finding values
# ---------------------------------------------------------------------------

# creator_arn: who created the profile (CreateLoginProfile records only).
creator_arn := input.userIdentity.arn if {
	input.eventName == "CreateLoginProfile"
	is_string(input.userIdentity.arn)
} else := null

# login_result: "Success" or "Failure" (ConsoleLogin records only).
login_result := input.responseElements.ConsoleLogin if {
	input.eventName == "ConsoleLogin"
	is_string(input.responseElements.ConsoleLogin)
} else := null

# src_ip: the Add-on's name for sourceIPAddress.
src_ip := input.sourceIPAddress if {
	is_string(input.sourceIPAddress)
} else := null

# aws_account_id: the account the user lives in, which both sides share:
# recipientAccountId, else the caller's account.
aws_account_id := input.recipientAccountId if {
	is_string(input.recipientAccountId)
} else := input.userIdentity.accountId if {
	is_string(input.userIdentity.accountId)
} else := null

event_id := input.eventID if {
	is_string(input.eventID)
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
