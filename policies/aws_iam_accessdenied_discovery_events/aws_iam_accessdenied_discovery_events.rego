# METADATA
# title: AWS IAM AccessDenied Discovery Events
# description: >-
#   Finds IAM users whose API calls are refused for lack of permission at
#   least 5 times within one clock hour from one source IP address. An
#   attacker holding a stolen access key does not know what it may do and
#   finds out by trying: many calls, across services, most of them refused.
#   The host counts the distinct refused events per user, source IP and hour
#   (failures), the distinct API calls (methods) and services (sources), and
#   reports a group when failures >= 5. Tune by user or source IP with the
#   filter list (filters.yaml), or raise the threshold (custom.stats.where).
# related_resources:
#   - ref: https://aws.amazon.com/premiumsupport/knowledge-center/troubleshoot-iam-permission-errors/
# custom:
#   id: 3e1f1568-9633-11eb-a69c-acde48001122
#   type: anomaly
#   author: Michael Haag, Splunk
#   source: https://github.com/splunk/security_content/blob/develop/detections/cloud/aws_iam_accessdenied_discovery_events.yml
#   version: 4
#   mitre_attack:
#     - id: T1580
#       technique: Cloud Infrastructure Discovery
#       tactic: Discovery
#   kill_chain_phases:
#     - Reconnaissance
#   risk:
#     impact: 20
#     confidence: 50
#     score: 10
#     message: User $userIdentity.arn$ is seen to perform excessive number of discovery related api calls from IP $src_ip$, within the hour from $_time$, where the access was denied.
#   required_fields:
#     - eventTime
#     - eventName
#     - eventSource
#     - eventID
#     - userAgent
#     - errorCode
#     - sourceIPAddress
#     - userIdentity.type
#     - userIdentity.arn
#   ip_fields:
#     - src_ip
#   stats:
#     by:
#       - src_ip
#       - userIdentity.arn
#       - _time
#     span: 1h
#     functions:
#       - count
#       - dc(eventID) as failures
#       - min(_time) as firstTime
#       - max(_time) as lastTime
#       - dc(eventName) as methods
#       - dc(eventSource) as sources
#     where: failures >= 5 AND methods >= 1 AND sources >= 1
package detections.aws_iam_accessdenied_discovery_events

# Port of the Splunk ESCU anomaly search "AWS IAM AccessDenied Discovery
# Events" (version 4, security_content at b13b314, 2024-10-24):
#
#   `cloudtrail` (errorCode = "AccessDenied") user_type=IAMUser (userAgent!=*.amazonaws.com)
#   | bucket _time span=1h
#   | stats count as failures min(_time) as firstTime max(_time) as lastTime,
#       dc(eventName) as methods, dc(eventSource) as sources by src_ip, userIdentity.arn, _time
#   | where failures >= 5 and methods >= 1 and sources >= 1
#   | `aws_iam_accessdenied_discovery_events_filter`
#
# kill_chain_phases is that of upstream version 2 (the last that stated it;
# upstream never stated nist or cis20).
#
# How the search maps onto trailhunt: `finding` selects the refused calls of
# IAM users, one record at a time; the host groups the findings by
# stats.by, computes stats.functions per group and keeps the groups for which
# stats.where holds. Each finding therefore carries the by-fields plus the
# fields the functions read (eventID, eventName, eventSource), except the
# by-field _time, which the host fills (custom.stats.span, deviation 1).
#
# Deviations from the SPL, and why:
#   1. `bucket _time span=1h` is done by the host, as SPL's bucket does it:
#      with `_time` in stats.by and `span: 1h`, the host fills the by-field
#      _time (upstream's column name) with the start of the record's clock
#      hour, in UTC, as RFC 3339 ("2024-08-18T12:00:00Z"), from the
#      eventTime as the host parses it (RFC 3339 with any offset, or
#      "YYYY-MM-DD HH:MM:SS" as UTC). The finding has no _time key (the
#      engine refuses one) and this policy does not read eventTime. A
#      record without a usable eventTime gets _time null and is still
#      counted: all such records of one user and IP fall into one group,
#      which the row shows as null rather than hiding. Buckets are fixed
#      clock hours, as in Splunk: 5 refusals spread over 10:58-11:02 fall
#      into two buckets and are not reported.
#   2. failures is dc(eventID), not count: CloudTrail may deliver an event
#      more than once, and the same refused call counted twice must not push
#      a user over the threshold (TrailDiscover files every event twice).
#      count (the records) is kept beside it. A record without an eventID is
#      not counted in failures.
#   3. "Access denied" is every error code AWS uses for a refused
#      authorisation, not only "AccessDenied": EC2, the service most probed
#      during discovery, answers "Client.UnauthorizedOperation"; JSON-protocol
#      services (KMS, Lambda, Secrets Manager, SSM, DynamoDB, ...) answer
#      "AccessDeniedException"; Resource Explorer "UnauthorizedException".
#      Upstream sees none of them. Codes are compared exactly, as CloudTrail
#      writes them (Splunk would ignore case; CloudTrail never varies it).
#   4. `userAgent!=*.amazonaws.com` (calls an AWS service makes for the user,
#      and console calls) is "the userAgent, ignoring case, ends with
#      .amazonaws.com". A record without a userAgent is kept: in Splunk the
#      != is false for it, so it vanishes, yet a missing user agent is no
#      evidence of an AWS service.
#   5. Null by-fields (no sourceIPAddress, no userIdentity.arn) form groups
#      of their own instead of being dropped by `stats by`.
#   6. The risk message does not say how many calls ($failures$, as
#      upstream's does): it was written when the contract allowed only
#      by-fields in it (it now allows stats names too). It names the source
#      IP and the hour (_time).
# Kept as upstream: only IAM users (user_type=IAMUser) are counted, and the
# where clause is upstream's (methods >= 1 and sources >= 1 only exclude
# groups whose records all lack eventName or eventSource).
#
# `input` is one CloudTrail record. Every field is read with a direct
# reference and kept only when it is a string: a missing field, a JSON null and
# a value of another type all become null and never raise an error. A field is
# read once into a local (value, agent), not referenced again after its type
# check: OPA evaluates every reference as a step of its own, and this policy
# runs on every refused call of an IAM user.

# finding: defined iff the record is an IAM user's refused call (a-c). Keys:
# stats.by without _time (the host's) plus the fields the stats functions
# read.
finding := {
	"src_ip": src_ip,
	"userIdentity.arn": user_arn,
	"eventID": event_id,
	"eventName": event_name,
	"eventSource": event_source,
} if {
	access_denied # a
	input.userIdentity.type == "IAMUser" # b
	not called_by_aws_service # c
}

# a. The call was refused for lack of permission. One rule body per code, so
# that the host can derive its prefilter (errorCode in {...}) from them.
access_denied if input.errorCode == "AccessDenied"

access_denied if input.errorCode == "AccessDeniedException"

access_denied if input.errorCode == "Client.UnauthorizedOperation"

access_denied if input.errorCode == "UnauthorizedException"

# c. An AWS service (or the console) made the call for the user: the userAgent
# ends with ".amazonaws.com", ignoring case. lower() and endswith() of a
# non-string would raise an error (the host evaluates with strict builtin
# errors), hence the type check first.
called_by_aws_service if {
	agent := input.userAgent
	is_string(agent)
	endswith(lower(agent), ".amazonaws.com")
}

# ---------------------------------------------------------------------------
# Finding values
# ---------------------------------------------------------------------------

# src_ip: the Add-on's name for sourceIPAddress.
src_ip := value if {
	value := input.sourceIPAddress
	is_string(value)
} else := null

user_arn := value if {
	value := input.userIdentity.arn
	is_string(value)
} else := null

event_id := value if {
	value := input.eventID
	is_string(value)
} else := null

event_name := value if {
	value := input.eventName
	is_string(value)
} else := null

event_source := value if {
	value := input.eventSource
	is_string(value)
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
