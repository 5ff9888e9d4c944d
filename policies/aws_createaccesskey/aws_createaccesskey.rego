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
# list through `suppressed_by`.
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

# ---------------------------------------------------------------------------
# The filter list (filters.yaml, the seed's `aws_createaccesskey_filter`)
# ---------------------------------------------------------------------------
#
# The host loads filters.yaml and puts its entries at
# data.trailhunt.filters.aws_createaccesskey (each `match` value normalised to a
# list of strings; a single string is accepted here too). Without that data
# nothing is suppressed. How a tuner reads an entry:
#
#   - every field under `match` must match the finding (AND); any one active
#     entry suppresses (OR);
#   - a field matches when any of its patterns matches the finding's value;
#   - a pattern is an exact, case-sensitive string, or a glob in which only `*`
#     is special (any run of characters, including none, `/`, `.` and `:`);
#     `?`, `[`, `{` and `\` match themselves;
#   - for `src` only, a CIDR range (10.0.0.0/8, 2001:db8::/32) also matches
#     any IP address inside it; a src that is not an IP address ("AWS Internal",
#     a service name, an address with leading zeros) never matches a CIDR;
#   - a finding value that is null matches no pattern, not even "*";
#   - `expires: 2027-03-31` suppresses through 2027-03-31 (UTC); from
#     2027-04-01T00:00:00Z on the entry is expired: it suppresses nothing and
#     is listed in expired_filters.

# suppressed_by: ids of the active filter entries that match this record's
# finding (empty when there is no finding).
suppressed_by contains entry.id if {
	finding
	some entry in filter_entries
	not expired(entry)
	entry_matches(entry)
}

# expired_filters: ids of the filter entries whose `expires` date has passed
# (judged with time.now_ns(), which the host pins per run). An entry whose
# `expires` is present but not a YYYY-MM-DD string is treated as expired: it
# fails closed (suppresses nothing) and is reported. The host rejects such a
# file at load time anyway.
expired_filters contains entry.id if {
	some entry in filter_entries
	expired(entry)
}

# filter_entries: the loaded entries (objects only).
filter_entries contains entry if {
	some entry in data.trailhunt.filters.aws_createaccesskey
	is_object(entry)
}

# entry_matches(entry): all of the entry's match fields match the finding. An
# entry with an empty or missing `match` matches nothing (it would otherwise
# suppress every finding).
entry_matches(entry) if {
	is_object(entry.match)
	count(entry.match) > 0
	every name, patterns in entry.match {
		field_matches(name, pattern_list(patterns))
	}
}

# pattern_list(value): a `match` value as a list of patterns.
pattern_list(value) := [value] if is_string(value)

pattern_list(value) := value if is_array(value)

# field_matches(name, patterns): the finding's value for name is a string (not
# null; an unknown name has no value) and at least one pattern matches it.
field_matches(name, patterns) if {
	value := finding[name]
	is_string(value)
	some pattern in patterns
	is_string(pattern)
	pattern_matches(name, pattern, value)
}

# An exact, case-sensitive string.
pattern_matches(_, pattern, value) if pattern == value

# A glob: each `*` matches any run of characters. Everything between the stars
# is quoted, so `?`, `[`, `{` and `\` stay literal; delimiters null means none,
# so `*` also spans `.`, `/` and `:` (glob.match defaults [] to ["."]).
pattern_matches(_, pattern, value) if {
	contains(pattern, "*")
	glob.match(literal_glob(pattern), null, value)
}

# A CIDR range, for src only. Both sides are checked first: net.cidr_contains
# raises an error on a value that is not an IP address ("AWS Internal", or
# "075.050.255.67": leading zeros are rejected), and an error would fail the
# whole record.
pattern_matches("src", pattern, value) if {
	net.cidr_is_valid(pattern)
	is_ip(value)
	net.cidr_contains(pattern, value)
}

# literal_glob(pattern): pattern as a glob in which only `*` is special.
literal_glob(pattern) := concat("*", [glob.quote_meta(part) | some part in split(pattern, "*")])

# is_ip(value): value is a plain IPv4 or IPv6 address.
is_ip(value) if net.cidr_is_valid(concat("", [value, "/32"]))

# expired(entry): the entry's `expires` day (UTC) is over, or `expires` is
# present but malformed. No `expires` key: never expires.
expired(entry) if {
	"expires" in object.keys(entry)
	not is_date(entry.expires)
}

# Dates in YYYY-MM-DD order as strings, so "today is after the expiry day" is a
# string comparison: 2027-04-01 > 2027-03-31, expired; on 2027-03-31 itself the
# entry is still active (it suppresses until 2027-04-01T00:00:00Z).
expired(entry) if {
	is_date(entry.expires)
	today > entry.expires
}

# today: the current UTC date (time.now_ns()) as YYYY-MM-DD.
today := sprintf("%04d-%02d-%02d", time.date(time.now_ns()))

# is_date(value): a YYYY-MM-DD string.
is_date(value) if {
	is_string(value)
	regex.match(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`, value)
}
