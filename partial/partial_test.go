package partial

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/trailhunt/trailhunt/aggregate"
	"github.com/trailhunt/trailhunt/report"
	"github.com/trailhunt/trailhunt/trail"
)

func TestRoundTripAndDamage(t *testing.T) {
	tab := aggregate.New(nil)
	s := "alice"
	tab.Add(trail.Finding{Detection: "d", Values: []*string{&s, nil}, Time: time.Unix(1700000000, 5).UTC(), Source: trail.Source{File: "a.json", Index: 2}})
	m := Meta{PolicyVersion: "abc", Detections: []string{"d"}, Now: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC),
		Plan: "p1", ShardIndex: 1, ShardCount: 3,
		Summary: report.Summary{PolicyVersion: "abc", Records: 10, Evaluated: 9, Failed: 1, Errors: map[string]int64{"json_syntax": 1}, Findings: 1,
			Skipped: map[string]int64{}, Suppressed: map[string]int64{"d/x": 2}}}
	var b bytes.Buffer
	if err := Write(&b, m, tab); err != nil {
		t.Fatal(err)
	}
	got, gotTab, err := Read(bytes.NewReader(b.Bytes()), nil)
	if err != nil {
		t.Fatal(err)
	}
	m.FormatVersion = Version
	if got.Summary.Records != 10 || got.Summary.Errors["json_syntax"] != 1 || got.Summary.Suppressed["d/x"] != 2 || got.Plan != "p1" || got.ShardIndex != 1 || !got.Now.Equal(m.Now) {
		t.Errorf("meta = %+v", got)
	}
	if !reflect.DeepEqual(gotTab.Rows(), tab.Rows()) {
		t.Error("table differs")
	}
	for name, data := range map[string][]byte{
		"empty":     nil,
		"truncated": b.Bytes()[:b.Len()-5],
		"altered":   append(append([]byte{}, b.Bytes()[:40]...), append([]byte{b.Bytes()[40] ^ 1}, b.Bytes()[41:]...)...),
		"foreign":   []byte(`{"policy_version":"abc","rows":[]}` + "\n" + string(make([]byte, 40))),
	} {
		if _, _, err := Read(bytes.NewReader(data), nil); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: err = %v, want ErrCorrupt", name, err)
		}
	}
}
