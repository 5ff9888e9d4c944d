package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestCovergate(t *testing.T) {
	tests := []struct {
		name     string
		report   string
		wantCode int
		wantOut  string
	}{
		{
			name:     "policy at threshold passes; tests are ignored",
			report:   `{"files":{"p/a.rego":{"coverage":95},"p/a_test.rego":{"coverage":10},"policies_test.rego":{"coverage":0}}}`,
			wantCode: 0,
			wantOut:  "rego coverage  95.00%  p/a.rego  ok\n",
		},
		{
			name:     "one policy below threshold fails even if the total is high",
			report:   `{"coverage":99,"files":{"p/a.rego":{"coverage":100},"p/b.rego":{"coverage":94.9}}}`,
			wantCode: 1,
			wantOut:  "rego coverage 100.00%  p/a.rego  ok\nrego coverage  94.90%  p/b.rego  BELOW 95%\n",
		},
		{
			name:     "no policy file is a failure, not a pass",
			report:   `{"files":{"x_test.rego":{"coverage":100}}}`,
			wantCode: 1,
			wantOut:  "covergate: no policy files in the coverage report\n",
		},
		{
			name:     "unreadable report",
			report:   `{`,
			wantCode: 2,
			wantOut:  "covergate: read opa coverage report: unexpected EOF\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			code := run(strings.NewReader(tt.report), &out, 95)
			if code != tt.wantCode || out.String() != tt.wantOut {
				t.Errorf("run = %d, %q; want %d, %q", code, out.String(), tt.wantCode, tt.wantOut)
			}
		})
	}
}
