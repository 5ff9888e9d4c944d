package live

import (
	"errors"
	"strings"
	"testing"
)

func TestErrorLog(t *testing.T) {
	tests := []struct {
		name  string
		max   int
		quiet bool
		units []int // errors in each unit
		mute  bool  // mute the last unit after its first error
		want  string
	}{
		{
			name:  "a budget per unit, and what was not shown is said",
			max:   2,
			units: []int{3, 1, 2},
			want: "evaluate: e0\nevaluate: e1\nevaluate: 1 more errors in U not shown (--max-errors 2)\n" +
				"evaluate: e0\n" +
				"evaluate: e0\nevaluate: e1\n",
		},
		{
			name:  "no budget: every error is counted, none shown",
			max:   0,
			units: []int{2},
			want:  "evaluate: 2 more errors in U not shown (--max-errors 0)\n",
		},
		{
			name:  "quiet shows nothing",
			max:   5,
			quiet: true,
			units: []int{3},
			want:  "",
		},
		{
			name:  "a muted unit (a cancelled pass) shows nothing more",
			max:   5,
			units: []int{3},
			mute:  true,
			want:  "evaluate: e0\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			l := newErrorLog(&b, tt.max, tt.quiet)
			for u, n := range tt.units {
				for i := range n {
					l.add(errors.New("e" + string(rune('0'+i))))
					if tt.mute && u == len(tt.units)-1 && i == 0 {
						l.mute()
					}
				}
				l.flush(" in U")
			}
			if b.String() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tt.want)
			}
		})
	}
	var b strings.Builder
	l := newErrorLog(&b, 1, false)
	l.add(errors.New("read evil\x1b[2J\nevaluate: all clear#0: json_syntax"))
	if want := `evaluate: read evil\x1b[2J\nevaluate: all clear#0: json_syntax` + "\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

func TestReasons(t *testing.T) {
	if got := reasons(map[string]int64{"truncated": 1, "json_syntax": 2, "eval_timeout": 1, "none": 0}); got != "json_syntax 2, eval_timeout 1, truncated 1" {
		t.Errorf("reasons = %q", got)
	}
}
