# Fixture tests for detections.aws_iam_accessdenied_discovery_events: the
# detection over the CloudTrail records under fixtures/ (fixtures/README.md),
# loaded as data:
#
#   go tool opa test policies/ policies_test.rego fixtures/
#
# Rego gives one finding per record; the Go host fills the by-field _time
# with the start of the record's clock hour (custom.stats.span 1h, from the
# eventTime it parses; null without one), groups the findings by
# stats.by [src_ip, userIdentity.arn, _time], computes
#   count, dc(eventID) as failures, min(_time) as firstTime,
#   max(_time) as lastTime, dc(eventName) as methods, dc(eventSource) as sources
# and keeps the groups with failures >= 5 AND methods >= 1 AND sources >= 1.
# `groups` below is a Rego model of that aggregation (without firstTime and
# lastTime; `bucket` models the host's _time), so the expected rows are
# checked here, not only written down. The Go side of the same rows is
# cmd/evaluate/testdata/detections/aws_iam_accessdenied_discovery_events.jsonl.
#
# ROWS THE GO AGGREGATION MUST PRODUCE (no filter list; times as
# security_content_ctime, %Y-%m-%dT%H:%M:%S UTC):
#
# fixtures/aws_iam_accessdenied_discovery_events/records.json (synthetic,
# account 111122223333, users arn:aws:iam::111122223333:user/<name>):
#   src_ip          user           _time                 count failures methods sources firstTime            lastTime
#   198.51.100.10   svc-reporting  2024-09-10T10:00:00Z      5        5       5       4 2024-09-10T10:01:05  2024-09-10T10:59:59
#   203.0.113.20    data-eng       2024-09-10T10:00:00Z      5        5       5       5 2024-09-10T10:05:00  2024-09-10T10:45:00
#   null            legacy-tool    2024-09-10T13:00:00Z      5        5       2       1 2024-09-10T13:00:00  2024-09-10T13:00:04
#   198.51.100.15   legacy-tool    null                      5        5       5       4 null                 null
# and NOT these groups (where fails):
#   198.51.100.11   intern-ro      2024-09-10T10:00:00Z      4        4       4       3   (threshold - 1)
#   198.51.100.12   ci-audit       2024-09-10T10:00:00Z      4        4       4       3   (5 across an hour boundary:
#   198.51.100.12   ci-audit       2024-09-10T11:00:00Z      1        1       1       1    11:00:00 starts the next hour)
#   198.51.100.13   backup-bot     2024-09-10T10:00:00Z      5        4       4       3   (one event delivered twice)
#   198.51.100.10   svc-reporting  2024-09-10T11:00:00Z      3        3       3       2   (5 in the hour, from two IPs)
#   192.0.2.30      svc-reporting  2024-09-10T11:00:00Z      2        2       2       2
#   198.51.100.14   analyst        2024-09-10T10:00:00Z      4        4       4       3   (+5 records that are no finding)
#   198.51.100.16   odd-export     2024-09-10T10:00:00Z      5        5       0       0   (no eventName/eventSource)
# The data-eng row's times are written "+02:00", "YYYY-MM-DD HH:MM:SS" and
# without a zone: they test the host's eventTime parser
# (trail.ParseEventTime), which puts all of them in 10:00Z. The legacy-tool
# rows have null fields (no sourceIPAddress; no eventTime, so _time null,
# still counted), which Splunk's stats by would drop.
#
# fixtures/traildiscover/records.json (real; IAM user TrailDiscover probing
# its permissions from 0.0.0.0 on 2024-08-18, every event filed twice):
#   _time  count failures methods sources firstTime            lastTime
#   09:00     48       24      24       7 2024-08-18T09:03:30  2024-08-18T09:57:59
#   10:00     47       24      24       7 2024-08-18T10:03:12  2024-08-18T10:59:55
#   11:00     48       24      24       1 2024-08-18T11:02:12  2024-08-18T11:58:26
#   12:00     57       29      28       6 2024-08-18T12:00:38  2024-08-18T12:56:54
#   13:00     22       11      11       5 2024-08-18T13:01:07  2024-08-18T13:59:09
#   14:00     53       27      27       1 2024-08-18T14:01:21  2024-08-18T14:56:41
#   15:00     46       23      23       3 2024-08-18T15:01:02  2024-08-18T15:52:07
#   16:00     57       29      29       5 2024-08-18T16:03:48  2024-08-18T16:58:13
#   17:00     22       11      11       5 2024-08-18T17:05:31  2024-08-18T17:33:07
# (src_ip 0.0.0.0, userIdentity.arn arn:aws:iam::111111111111:user/TrailDiscover)
# and not 08:00 (6 records, 3 distinct: upstream's count would report it) or
# 19:00 (2 records, 1 distinct).
#
# fixtures/edge/records.json (synthetic, the seed's): one finding
# (edge-b-miss-accessdenied), no row.
#
# fixtures/stratus-red-team/records.json (real): no row. IAM user christophe
# is refused twice in two detonations (below 5); the many EC2 refusals of
# aws.discovery.ec2-download-user-data and ec2-get-password-data come from
# assumed roles, which this search (like upstream) does not count.
package detections.aws_iam_accessdenied_discovery_events_fixtures_test

import data.detections.aws_iam_accessdenied_discovery_events as detection

synthetic := data.aws_iam_accessdenied_discovery_events.Records

stratus := data["stratus-red-team"].Records

traildiscover := data.traildiscover.Records

edge := data.edge.Records

loginprofile := data.aws_createloginprofile.Records

all_records := array.concat(array.concat(array.concat(synthetic, stratus), array.concat(traildiscover, edge)), loginprofile)

# ---------------------------------------------------------------------------
# A model of the host's aggregation (counts only)
# ---------------------------------------------------------------------------

# findings(records): each record's finding with the _time the host adds.
findings(records) := [object.union(f, {"_time": bucket(r)}) |
	some r in records
	f := detection.finding with input as r
]

key(f) := [f.src_ip, f["userIdentity.arn"], f._time]

# bucket(r): the host's _time for span 1h (trail.ParseEventTime, then
# trail.Bucket), modelled for the eventTime forms these fixtures hold: RFC
# 3339 with "Z" or an offset, "YYYY-MM-DD HH:MM:SS" and "YYYY-MM-DDTHH:MM:SS"
# (no zone: UTC), all after 1970; null without an eventTime. Any other form
# leaves bucket undefined and the record out of the groups, so a test fails.
bucket(r) := null if not r.eventTime

bucket(r) := time.format(ns - (ns % nanoseconds_per_hour)) if {
	ns := time.parse_rfc3339_ns(rfc3339(r.eventTime))
	ns >= 0
}

nanoseconds_per_hour := 3600000000000

rfc3339(t) := t if regex.match(`T[0-9:]{8}(Z|[+-][0-9]{2}:[0-9]{2})$`, t)

rfc3339(t) := concat("", [replace(t, " ", "T"), "Z"]) if regex.match(`^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}$`, t)

# groups(records): stats.by key -> [count, failures, methods, sources].
groups(records) := {k: [count(members), distinct(members, "eventID"), distinct(members, "eventName"), distinct(members, "eventSource")] |
	all := findings(records)
	some k in {key(f) | some f in all}
	members := [f | some f in all; key(f) == k]
}

# dc(): distinct non-null values.
distinct(members, name) := count({f[name] | some f in members; f[name] != null})

# where failures >= 5 AND methods >= 1 AND sources >= 1
reported(records) := {k: s | some k, s in groups(records); s[1] >= 5; s[2] >= 1; s[3] >= 1}

user(name) := concat("", ["arn:aws:iam::111122223333:user/", name])

# ---------------------------------------------------------------------------
# Synthetic threshold cases
# ---------------------------------------------------------------------------

test_synthetic_loaded if {
	count(synthetic) == 53
	ids := [r.eventID | some r in synthetic]
	count({id | some id in ids}) == 52 # one event delivered twice
}

# Which records are findings: every "-miss-" record is not, every other is.
test_synthetic_findings_by_record if {
	misses := {r.eventID | some r in synthetic; not detection.finding with input as r}
	misses == {
		"adde-g-miss-console-useragent",
		"adde-g-miss-aws-service-useragent",
		"adde-g-miss-other-error",
		"adde-g-miss-success",
		"adde-g-miss-assumed-role",
	}
	count(findings(synthetic)) == 48
}

test_synthetic_finding_exact if {
	record := [r | some r in synthetic; r.eventID == "adde-e-hit-time-forms-1"][0]
	detection.finding == {
		"src_ip": "203.0.113.20",
		"userIdentity.arn": user("data-eng"),
		"eventID": "adde-e-hit-time-forms-1",
		"eventName": "ListKeys",
		"eventSource": "kms.amazonaws.com",
	} with input as record
}

# The model's _time for each eventTime form of the synthetic records: data-eng
# writes an offset and two zoneless forms, legacy-tool has none.
test_synthetic_buckets_by_form if {
	{r.eventID: bucket(r) | some r in synthetic; contains(r.eventID, "-time-forms-")} == {
		"adde-e-hit-time-forms-1": "2024-09-10T10:00:00Z", # 2024-09-10T12:05:00+02:00
		"adde-e-hit-time-forms-2": "2024-09-10T10:00:00Z", # 2024-09-10T12:10:00+02:00
		"adde-e-hit-time-forms-3": "2024-09-10T10:00:00Z", # 2024-09-10T12:20:00+02:00
		"adde-e-hit-time-forms-4": "2024-09-10T10:00:00Z", # 2024-09-10 10:30:00
		"adde-e-hit-time-forms-5": "2024-09-10T10:00:00Z", # 2024-09-10T10:45:00
	}
	{bucket(r) | some r in synthetic; contains(r.eventID, "-no-eventtime-")} == {null}
	[bucket(r) | some r in synthetic; startswith(r.eventID, "adde-c-")] == [
		"2024-09-10T10:00:00Z", "2024-09-10T10:00:00Z", "2024-09-10T10:00:00Z",
		"2024-09-10T10:00:00Z", # 10:59:59
		"2024-09-10T11:00:00Z", # 11:00:00 starts the next hour
	]
}

test_synthetic_groups if {
	groups(synthetic) == {
		["198.51.100.10", user("svc-reporting"), "2024-09-10T10:00:00Z"]: [5, 5, 5, 4],
		["203.0.113.20", user("data-eng"), "2024-09-10T10:00:00Z"]: [5, 5, 5, 5],
		[null, user("legacy-tool"), "2024-09-10T13:00:00Z"]: [5, 5, 2, 1],
		["198.51.100.15", user("legacy-tool"), null]: [5, 5, 5, 4],
		["198.51.100.11", user("intern-ro"), "2024-09-10T10:00:00Z"]: [4, 4, 4, 3],
		["198.51.100.12", user("ci-audit"), "2024-09-10T10:00:00Z"]: [4, 4, 4, 3],
		["198.51.100.12", user("ci-audit"), "2024-09-10T11:00:00Z"]: [1, 1, 1, 1],
		["198.51.100.13", user("backup-bot"), "2024-09-10T10:00:00Z"]: [5, 4, 4, 3],
		["198.51.100.10", user("svc-reporting"), "2024-09-10T11:00:00Z"]: [3, 3, 3, 2],
		["192.0.2.30", user("svc-reporting"), "2024-09-10T11:00:00Z"]: [2, 2, 2, 2],
		["198.51.100.14", user("analyst"), "2024-09-10T10:00:00Z"]: [4, 4, 4, 3],
		["198.51.100.16", user("odd-export"), "2024-09-10T10:00:00Z"]: [5, 5, 0, 0],
	}
}

test_synthetic_reported_rows if {
	reported(synthetic) == {
		["198.51.100.10", user("svc-reporting"), "2024-09-10T10:00:00Z"]: [5, 5, 5, 4],
		["203.0.113.20", user("data-eng"), "2024-09-10T10:00:00Z"]: [5, 5, 5, 5],
		[null, user("legacy-tool"), "2024-09-10T13:00:00Z"]: [5, 5, 2, 1],
		["198.51.100.15", user("legacy-tool"), null]: [5, 5, 5, 4],
	}
}

# ---------------------------------------------------------------------------
# Real data
# ---------------------------------------------------------------------------

# The host aggregates across every file of a run: all fixtures together give
# the synthetic rows and TrailDiscover's, nothing more.
test_all_fixtures_reported_rows if {
	reported(all_records) == object.union(reported(synthetic), reported(traildiscover))
	count(reported(all_records)) == 13
}

trail_discover := "arn:aws:iam::111111111111:user/TrailDiscover"

test_traildiscover_reported_rows if {
	reported(traildiscover) == {
		["0.0.0.0", trail_discover, "2024-08-18T09:00:00Z"]: [48, 24, 24, 7],
		["0.0.0.0", trail_discover, "2024-08-18T10:00:00Z"]: [47, 24, 24, 7],
		["0.0.0.0", trail_discover, "2024-08-18T11:00:00Z"]: [48, 24, 24, 1],
		["0.0.0.0", trail_discover, "2024-08-18T12:00:00Z"]: [57, 29, 28, 6],
		["0.0.0.0", trail_discover, "2024-08-18T13:00:00Z"]: [22, 11, 11, 5],
		["0.0.0.0", trail_discover, "2024-08-18T14:00:00Z"]: [53, 27, 27, 1],
		["0.0.0.0", trail_discover, "2024-08-18T15:00:00Z"]: [46, 23, 23, 3],
		["0.0.0.0", trail_discover, "2024-08-18T16:00:00Z"]: [57, 29, 29, 5],
		["0.0.0.0", trail_discover, "2024-08-18T17:00:00Z"]: [22, 11, 11, 5],
	}
}

# The groups under the threshold: with count as failures (upstream), 08:00
# would be reported on duplicates alone.
test_traildiscover_groups_under_threshold if {
	under := {k: s | some k, s in groups(traildiscover); not reported(traildiscover)[k]}
	under == {
		["0.0.0.0", trail_discover, "2024-08-18T08:00:00Z"]: [6, 3, 3, 2],
		["0.0.0.0", trail_discover, "2024-08-18T19:00:00Z"]: [2, 1, 1, 1],
	}
}

# Every TrailDiscover finding is from IAM user TrailDiscover; the refusals of
# its AssumedRole sessions (AWSReservedSSO_*) are not counted.
test_traildiscover_findings_one_user if {
	{f["userIdentity.arn"] | some f in findings(traildiscover)} == {trail_discover}
	count(findings(traildiscover)) == 408
	count([r |
		some r in traildiscover
		r.userIdentity.type == "AssumedRole"
		r.errorCode == "AccessDenied"
	]) == 5
}

test_stratus_groups_no_rows if {
	groups(stratus) == {
		["200.249.253.51", "arn:aws:iam::457448411975:user/christophe", "2024-07-30T21:00:00Z"]: [2, 2, 1, 1],
		["255.18.064.253", "arn:aws:iam::321848314756:user/christophe", "2024-07-31T19:00:00Z"]: [2, 2, 1, 1],
	}
	reported(stratus) == {}

	# the assumed-role EC2 refusals that are not counted
	count([r |
		some r in stratus
		r.errorCode == "Client.UnauthorizedOperation"
		r.userIdentity.type == "AssumedRole"
	]) == 46
}

# The seed's edge cases hold one refused call of an IAM user (a failed
# CreateAccessKey): a finding, far below the threshold.
test_edge_one_finding_no_row if {
	[r.eventID | some r in edge; detection.finding with input as r] == ["edge-b-miss-accessdenied"]
	reported(edge) == {}
}
