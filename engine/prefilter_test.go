package engine

import "testing"

// The shipped prefilters admit exactly the records that meet one branch's
// conditions, however the JSON is written: the seed needs eventName
// CreateAccessKey and eventSource iam.amazonaws.com (top level); the
// AccessDenied detection one of its error codes and, nested,
// userIdentity.type IAMUser.
func TestPrefilterAdmits(t *testing.T) {
	set, err := Load(t.Context(), Config{Now: fixedNow, Detections: []string{"aws_createaccesskey", "aws_iam_accessdenied_discovery_events"}})
	if err != nil {
		t.Fatal(err)
	}
	const iam = `"eventSource":"iam.amazonaws.com"`
	for _, tc := range []struct {
		name, raw string
		want      int // detections admitted
	}{
		{"plain", `{"eventName":"CreateAccessKey",` + iam + `}`, 1},
		{"escaped value", `{"eventName":"Create\u0041ccessKey",` + iam + `}`, 1},
		{"escaped key", `{"event\u004eame":"CreateAccessKey",` + iam + `}`, 1},
		{"escaped nested value", `{"eventName":"CreateAccessKey","eventSource":"iam.amazonaws.co\u006d"}`, 1},
		{"the index key only", `{"eventName":"CreateAccessKey"}`, 0},
		{"another source", `{"eventName":"CreateAccessKey","eventSource":"sts.amazonaws.com"}`, 0},
		{"last of duplicates", `{"eventName":"CreateAccessKey","eventName":"ListUsers",` + iam + `}`, 0},
		{"another event", `{"eventName":"CreateAccessKeys",` + iam + `}`, 0},
		{"not a string", `{"eventName":1,` + iam + `}`, 0},
		{"missing", `{` + iam + `}`, 0},
		{"nested only", `{"x":{"eventName":"CreateAccessKey"},` + iam + `}`, 0},
		{"denied IAM user", `{"errorCode":"AccessDenied","userIdentity":{"type":"IAMUser"}}`, 1},
		{"denied IAM user, nested escapes", `{"errorCode":"Client.UnauthorizedOperation","userIdentity":{"arn":"x","typ\u0065":"IAM\u0055ser"}}`, 1},
		{"denied role", `{"errorCode":"AccessDenied","userIdentity":{"type":"AssumedRole"}}`, 0},
		{"denied, no identity", `{"errorCode":"AccessDenied"}`, 0},
		{"denied, identity not an object", `{"errorCode":"AccessDenied","userIdentity":"IAMUser"}`, 0},
		{"denied, type deeper", `{"errorCode":"AccessDenied","userIdentity":{"x":{"type":"IAMUser"}}}`, 0},
		{"both", `{"eventName":"CreateAccessKey",` + iam + `,"errorCode":"AccessDenied","userIdentity":{"type":"IAMUser"}}`, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := len(set.route.route(record(tc.raw), nil)); got != tc.want {
				t.Errorf("route(%s) admits %d detections, want %d", tc.raw, got, tc.want)
			}
		})
	}
}
