package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

const expectedJSONL = `{"detection":"aws_createaccesskey","requestParameters.userName":"bob","src":"192.0.2.1","eventName":"CreateAccessKey","eventID":"e1","userAgent":null}
{"detection":"aws_createaccesskey","requestParameters.userName":"carol","src":"192.0.2.2","eventName":"CreateAccessKey","eventID":"e2","userAgent":"aws-cli"}
{"detection":"aws_createaccesskey","requestParameters.userName":"dave","src":"AWS Internal","eventName":"CreateAccessKey","eventID":"e3","userAgent":"aws-cli"}
`

func expected(t *testing.T) *Expected {
	t.Helper()
	p := filepath.Join(t.TempDir(), "expected.jsonl")
	if err := os.WriteFile(p, []byte(expectedJSONL), 0o644); err != nil {
		t.Fatal(err)
	}
	e, err := ReadExpected(p, "aws_createaccesskey")
	if err != nil {
		t.Fatal(err)
	}
	if len(e.ByID) != 3 {
		t.Fatalf("%d expected findings", len(e.ByID))
	}
	return e
}

func TestCheckFindings(t *testing.T) {
	e := expected(t)
	for _, tc := range []struct {
		name   string
		output string
		ok     bool
		want   Check
	}{
		{"trailhunt rows", `{"detection":"aws_createaccesskey","requestParameters.userName":"carol","src":"192.0.2.2","eventName":"CreateAccessKey","eventID":"e2","userAgent":"aws-cli","count":1,"title":"x","risk_score":63}
{"detection":"other","eventID":"zz","count":4}
{"detection":"aws_createaccesskey","requestParameters.userName":"bob","src":"192.0.2.1","eventName":"CreateAccessKey","eventID":"e1","userAgent":null,"count":1}
{"detection":"aws_createaccesskey","eventID":"e3","count":1,"firstTime":null}
`, true, Check{Findings: 3}},
		{"finding objects, any order, no detection key", `{"eventID":"e3","src":"AWS Internal"}` + "\n\n" + `{"eventID":"e1"}` + "\n" + `{"eventID":"e2"}`, true, Check{Findings: 3}},
		{"missing", `{"eventID":"e1"}` + "\n" + `{"eventID":"e2"}`, false, Check{Findings: 2, Missing: 1}},
		{"extra", `{"eventID":"e1"}` + "\n" + `{"eventID":"e2"}` + "\n" + `{"eventID":"e3"}` + "\n" + `{"eventID":"x9"}`, false, Check{Findings: 4, Extra: 1}},
		{"counted twice", `{"eventID":"e1","count":2}` + "\n" + `{"eventID":"e2"}` + "\n" + `{"eventID":"e3"}`, false, Check{Findings: 4, Counts: 1}},
		{"found twice", `{"eventID":"e1"}` + "\n" + `{"eventID":"e1"}` + "\n" + `{"eventID":"e2"}` + "\n" + `{"eventID":"e3"}`, false, Check{Findings: 4, Counts: 1}},
		{"null for a string", `{"eventID":"e1"}` + "\n" + `{"eventID":"e2","userAgent":null}` + "\n" + `{"eventID":"e3"}`, false, Check{Findings: 3, Values: 1}},
		{"string for a null", `{"eventID":"e1","userAgent":""}` + "\n" + `{"eventID":"e2"}` + "\n" + `{"eventID":"e3"}`, false, Check{Findings: 3, Values: 1}},
		{"other value", `{"eventID":"e1"}` + "\n" + `{"eventID":"e2"}` + "\n" + `{"eventID":"e3","requestParameters.userName":"Dave"}`, false, Check{Findings: 3, Values: 1}},
		{"nothing", ``, false, Check{Findings: 0, Missing: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := e.CheckFindings(strings.NewReader(tc.output))
			if err != nil {
				t.Fatal(err)
			}
			if c.OK != tc.ok || c.Findings != tc.want.Findings || c.Expected != 3 || c.Missing != tc.want.Missing ||
				c.Extra != tc.want.Extra || c.Counts != tc.want.Counts || c.Values != tc.want.Values {
				t.Errorf("got %+v, want ok=%v %+v", c, tc.ok, tc.want)
			}
			if !c.OK && len(c.Examples) == 0 {
				t.Error("no example of the difference")
			}
		})
	}
	for _, bad := range []string{`{"eventID":1}`, `{"eventID":"e1","count":0}`, `{"eventID":"e1","count":"1"}`, `not json`} {
		if _, err := e.CheckFindings(strings.NewReader(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestMeasure(t *testing.T) {
	dir := t.TempDir()
	out, errf := filepath.Join(dir, "out"), filepath.Join(dir, "err")
	m, err := Measure(t.Context(), []string{"sh", "-c", "echo hi; echo oops >&2; exit 3"}, "", out, errf)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(out); string(b) != "hi\n" || m.Exit != 3 || tail(errf) != "oops" || m.Wall <= 0 || m.Wall > time.Minute {
		t.Errorf("%+v, stdout %q", m, b)
	}
}

func TestSummaryAndReport(t *testing.T) {
	mf := Manifest{Records: 1_000_000, Bytes: 100e6, DecompressedBytes: 1600e6, ExpectedFindings: 3}
	ok := func(wall time.Duration) run {
		return run{m: Measurement{Wall: wall, User: wall, MaxRSSKB: 100 << 10}, ok: true}
	}
	rows := []Row{
		{Contender: "floor", Workers: 2, runs: []run{ok(4 * time.Second), ok(2 * time.Second), ok(3 * time.Second)}},
		{Contender: "trailhunt", Workers: 2, runs: []run{ok(5 * time.Second)}},
		{Contender: "naive", Workers: 2, runs: []run{ok(40 * time.Second)}},
		{Contender: "jq", Workers: 2, runs: []run{ok(time.Second), {m: Measurement{Wall: time.Second}, note: "1 missing"}}},
	}
	for i := range rows {
		summarize(&rows[i], mf, "median")
	}
	ratios(rows)
	if r := rows[0]; r.WallSeconds != 3 || r.RecordsPerSecond != 333333 || r.VsFloor != 1 || r.VsNaive != 13.33 {
		t.Errorf("floor: %+v", r)
	}
	if r := rows[1]; r.VsFloor != 0.6 || r.VsNaive != 8 || r.PeakRSSMiB != 100 {
		t.Errorf("trailhunt: %+v", r)
	}
	if r := rows[3]; r.Status != "VOID" || r.Note != "1 missing" {
		t.Errorf("jq: %+v", r)
	}
	ts := targets(rows)
	if len(ts) != 3 || !ts[0].Met || !ts[1].Met || !ts[2].Met {
		t.Errorf("targets %+v", ts)
	}
	md := Markdown(&Results{Repeat: 3, Archives: []ArchiveResult{{Manifest: mf, Rows: rows, Targets: ts}}})
	for _, want := range []string{"## 1,000,000 records", "| trailhunt | 2 | 5.00 | 200,000 | 20.0 | 320.0 | 100 | 100% | 200,000 | 60% | 8.00x |", "~~1,000,000~~ VOID", "**met**"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestCommas(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1000: "-1,000"} {
		if got := commas(n); got != want {
			t.Errorf("commas(%d) = %q", n, got)
		}
	}
}

func TestFastest(t *testing.T) {
	r := Row{runs: []run{{m: Measurement{Wall: 3 * time.Second}, ok: true}, {m: Measurement{Wall: time.Second}, ok: true}, {m: Measurement{Wall: 2 * time.Second}, ok: true}}}
	summarize(&r, Manifest{Records: 10}, "min")
	if r.WallSeconds != 1 || r.Status != "ok" || len(r.AllWallSeconds) != 3 {
		t.Errorf("%+v", r)
	}
}

func TestMain(m *testing.M) {
	if os.Getenv(launcherEnv) == "1" { // this test binary as a launcher
		if err := serveLaunches(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// The launcher reports what Measure reports, for each of several commands,
// and passes a deadline on. Its point: a child's peak RSS is its own, not
// the harness's. Here the harness first grows by 200 MB; a small child
// started by the launcher must not report that.
func TestLauncher(t *testing.T) {
	big := make([]byte, 200<<20)
	for i := range big {
		big[i] = 1 // resident
	}
	l, err := startLauncher()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	dir := t.TempDir()
	out, errf := filepath.Join(dir, "out"), filepath.Join(dir, "err")
	m, err := l.Measure(t.Context(), []string{"sh", "-c", "echo hi; exit 3"}, "", out, errf)
	if err != nil || m.Exit != 3 {
		t.Fatalf("Measure = %+v, %v; want exit 3", m, err)
	}
	if b, _ := os.ReadFile(out); string(b) != "hi\n" {
		t.Errorf("stdout %q", b)
	}
	if m.MaxRSSKB <= 0 || m.MaxRSSKB > 100<<10 {
		t.Errorf("peak RSS of sh = %d KB: not its own (the harness holds 200 MB)", m.MaxRSSKB)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	m, err = l.Measure(ctx, []string{"sleep", "10"}, "", out, errf)
	if err == nil && m.Exit == 0 || m.Wall > 5*time.Second {
		t.Errorf("sleep 10 with a 200ms deadline: %+v, %v", m, err)
	}
	runtime.KeepAlive(big)
}
