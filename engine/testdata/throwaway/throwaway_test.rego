package detections.throwaway_test

import data.detections.throwaway as detection

test_hit if {
	detection.finding == {"user_arn": "arn:aws:iam::1:user/a", "src": "192.0.2.1", "eventName": "ListUsers"} with input as {
		"eventSource": "iam.amazonaws.com",
		"eventName": "ListUsers",
		"sourceIPAddress": "192.0.2.1",
		"userIdentity": {"arn": "arn:aws:iam::1:user/a"},
	}
}

test_miss if {
	not detection.finding with input as {"eventSource": "s3.amazonaws.com", "eventName": "ListBuckets"}
}
