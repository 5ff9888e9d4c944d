# METADATA
# title: Throwaway IAM enumeration
# description: >-
#   A detection written only to the contract (METADATA, finding and a filter
#   list), used by the tests that prove a new folder in policies/ breaks
#   nothing: IAM list calls by any principal.
# custom:
#   type: hunting
#   mitre_attack:
#     - id: T1087.004
#       technique: Cloud Account
#       tactic: Discovery
#   risk:
#     impact: 10
#     confidence: 50
#     score: 5
#     message: $user_arn$ listed IAM $calls$ times from $src$
#   stats:
#     by: [user_arn, src]
#     functions:
#       - count as calls
#       - dc(eventName) as methods
#       - values(eventName) as names
#       - min(_time) as firstTime
#       - max(_time) as lastTime
#     where: calls >= 1
package detections.throwaway

finding := {
	"user_arn": object.get(input, ["userIdentity", "arn"], null),
	"src": object.get(input, "sourceIPAddress", null),
	"eventName": input.eventName,
} if {
	input.eventSource == "iam.amazonaws.com"
	startswith(input.eventName, "List")
}
