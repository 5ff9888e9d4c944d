package engine

import "testing"

// The shipped detection's prefilter admits exactly the records whose
// top-level eventName is the string CreateAccessKey, however it is written.
func TestPrefilterAdmits(t *testing.T) {
	set, err := Load(t.Context(), Config{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	pre := set.detections[0].pre
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
			if got := pre.admits(record(tc.raw)); got != tc.want {
				t.Errorf("admits(%s) = %v, want %v", tc.raw, got, tc.want)
			}
		})
	}
}
