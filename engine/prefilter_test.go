package engine

import "testing"

// The shipped detection's prefilter admits exactly the records whose
// top-level eventName is the string CreateAccessKey, however it is written.
func TestPrefilterAdmits(t *testing.T) {
	set, err := Load(t.Context(), Config{Now: fixedNow, Detections: []string{"aws_createaccesskey"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, raw string
		want      bool
	}{
		{"plain", `{"eventName":"CreateAccessKey"}`, true},
		{"escaped value", `{"eventName":"Create\u0041ccessKey"}`, true},
		{"escaped key", `{"event\u004eame":"CreateAccessKey"}`, true},
		{"last of duplicates", `{"eventName":"CreateAccessKey","eventName":"ListUsers"}`, false},
		{"another event", `{"eventName":"CreateAccessKeys"}`, false},
		{"not a string", `{"eventName":1}`, false},
		{"missing", `{"eventSource":"iam.amazonaws.com"}`, false},
		{"nested only", `{"x":{"eventName":"CreateAccessKey"}}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := len(set.route.route(record(tc.raw), nil)) > 0; got != tc.want {
				t.Errorf("admits(%s) = %v, want %v", tc.raw, got, tc.want)
			}
		})
	}
}
