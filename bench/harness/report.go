package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Target is one of the throughput targets, judged on one run.
type Target struct {
	Name string `json:"name"`
	Want string `json:"want"`
	Got  string `json:"got"`
	Met  bool   `json:"met"`
}

func rowOf(rows []Row, name string, workers int) *Row {
	for i := range rows {
		if rows[i].Contender == name && rows[i].Workers == workers {
			return &rows[i]
		}
	}
	return nil
}

func maxWorkers(rows []Row) int {
	w := 0
	for _, r := range rows {
		w = max(w, r.Workers)
	}
	return w
}

// targets judges trailhunt against the targets for one archive.
func targets(rows []Row) []Target {
	var out []Target
	all := maxWorkers(rows)
	th := rowOf(rows, "trailhunt", all)
	if th == nil {
		return nil
	}
	void := th.Status != "ok"
	got := func(s string) string {
		if void {
			return s + " (VOID)"
		}
		return s
	}
	if rowOf(rows, "floor", all) != nil {
		out = append(out, Target{
			Name: fmt.Sprintf("trailhunt, %d workers, vs the floor's records/s", all),
			Want: ">= 60%", Got: got(pct(th.VsFloor)), Met: !void && th.VsFloor >= 0.60,
		})
	}
	for _, r := range rows {
		if r.Contender != "trailhunt" || rowOf(rows, "naive", r.Workers) == nil {
			continue
		}
		v := r.Status != "ok" || rowOf(rows, "naive", r.Workers).Status != "ok"
		g := fmt.Sprintf("%.2fx", r.VsNaive)
		if v {
			g += " (VOID)"
		}
		out = append(out, Target{
			Name: fmt.Sprintf("trailhunt vs naive embedded OPA, %d worker(s)", r.Workers),
			Want: ">= 8x", Got: g, Met: !v && r.VsNaive >= 8,
		})
	}
	for _, r := range rows {
		seed := rowOf(rows, "trailhunt-seed", r.Workers)
		if r.Contender != "trailhunt" || seed == nil || seed.RecordsPerSecond <= 0 {
			continue
		}
		v := r.Status != "ok" || seed.Status != "ok"
		ratio := r.RecordsPerSecond / seed.RecordsPerSecond
		g := pct(ratio)
		if v {
			g += " (VOID)"
		}
		out = append(out, Target{
			Name: fmt.Sprintf("trailhunt with the whole pack vs the seed detection alone, records/s, %d worker(s)", r.Workers),
			Want: ">= 80%", Got: g, Met: !v && ratio >= 0.80,
		})
	}
	out = append(out, Target{
		Name: fmt.Sprintf("trailhunt peak RSS, %d workers", all),
		Want: "< 300 MB", Got: got(fmt.Sprintf("%.0f MB", th.PeakRSSMiB*1.048576)), Met: !void && th.PeakRSSMiB*1.048576 < 300,
	})
	return out
}

// scaling compares trailhunt's throughput on each larger archive with the
// smallest one of at least a million records (the issue: 5M records within
// 10% of 1M).
func scaling(as []ArchiveResult) []Target {
	var base *ArchiveResult
	for i := range as {
		if as[i].Manifest.Records >= 1_000_000 && (base == nil || as[i].Manifest.Records < base.Manifest.Records) {
			base = &as[i]
		}
	}
	if base == nil {
		return nil
	}
	all := maxWorkers(base.Rows)
	b := rowOf(base.Rows, "trailhunt", all)
	if b == nil || b.Status != "ok" {
		return nil
	}
	var out []Target
	for _, a := range as {
		if a.Manifest.Records <= base.Manifest.Records {
			continue
		}
		r := rowOf(a.Rows, "trailhunt", all)
		if r == nil {
			continue
		}
		ratio := r.RecordsPerSecond / b.RecordsPerSecond
		g := fmt.Sprintf("%s records/s vs %s (%s), peak RSS %.0f vs %.0f MiB", commas(int64(r.RecordsPerSecond)), commas(int64(b.RecordsPerSecond)), pct(ratio), r.PeakRSSMiB, b.PeakRSSMiB)
		out = append(out, Target{
			Name: fmt.Sprintf("trailhunt, %d workers, %s records vs %s", all, short(a.Manifest.Records), short(base.Manifest.Records)),
			Want: "records/s within 10%", Got: g, Met: r.Status == "ok" && ratio >= 0.9,
		})
	}
	return out
}

// Markdown renders the results.
func Markdown(res *Results) string {
	var b strings.Builder
	m := res.Machine
	b.WriteString("# trailhunt benchmark\n\n")
	fmt.Fprintf(&b, "Machine: %d CPU (%s), %.1f GiB RAM, %s, kernel %s. %s; trailhunt %s; %s. Run %s; each figure is the %s of %d run(s); load average %s at the start, %s at the end.\n",
		m.NProc, m.CPU, m.MemoryGiB, m.OS, m.Kernel, m.Go, orNone(m.Trailhunt), orNone(m.JQ), m.Date, statName(res.Stat), res.Repeat, orNone(m.LoadAvg[0]), orNone(m.LoadAvg[1]))
	b.WriteString("\nMB/s are 10^6 bytes per second of the gzip'd files (gz) and of the JSON inside (raw). " +
		"Peak RSS is the largest single process (for jq pipelines: the largest of zcat and jq). " +
		"CPU is user+system time over wall time, and records/CPU-s the records per second of it (less sensitive to other load than wall time). \"vs floor\" is records/s as a share of the floor's at the same worker count; " +
		"\"vs naive\" is records/s as a multiple of the naive embedded-OPA baseline's at the same worker count. " +
		"Findings are checked against the generator's expected set (eventIDs, one each, and every by-field value); " +
		"a contender whose findings or record count differ is VOID.\n")
	for _, a := range res.Archives {
		mf := a.Manifest
		fmt.Fprintf(&b, "\n## %s records\n\n", commas(mf.Records))
		fmt.Fprintf(&b, "Archive: %d files, %.1f MB gzip'd, %.1f MB of JSON (%.0f bytes per record), %s CreateAccessKey calls, %s expected findings; seed %d, %s.\n\n",
			mf.Files, float64(mf.Bytes)/1e6, float64(mf.DecompressedBytes)/1e6, mf.MeanRecordBytes,
			commas(mf.CreateAccessKey), commas(mf.ExpectedFindings), mf.Seed, mf.Generator)
		b.WriteString("| contender | workers | wall s | records/s | MB/s gz | MB/s raw | peak RSS MiB | CPU | records/CPU-s | vs floor | vs naive | findings |\n")
		b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n")
		for _, r := range a.Rows {
			if r.Status == "skipped" {
				fmt.Fprintf(&b, "| %s | %d | | | | | | | | | | skipped: %s |\n", r.Contender, r.Workers, r.Note)
				continue
			}
			rate := commas(int64(r.RecordsPerSecond))
			if r.Status != "ok" {
				rate = "~~" + rate + "~~ VOID"
			}
			fmt.Fprintf(&b, "| %s | %d | %.2f | %s | %.1f | %.1f | %.0f | %.0f%% | %s | %s | %s | %s |\n",
				r.Contender, r.Workers, r.WallSeconds, rate, r.MBpsCompressed, r.MBpsDecompressed, r.PeakRSSMiB,
				100*r.CPUSeconds/r.WallSeconds, commas(int64(r.RecordsPerCPUSec)), pct(r.VsFloor), times(r.VsNaive), findingsCell(r, mf))
		}
		if len(a.Targets) > 0 {
			b.WriteString("\nTargets (issue 5):\n\n")
			writeTargets(&b, a.Targets)
		}
	}
	if len(res.Scaling) > 0 {
		b.WriteString("\n## Scaling\n\n")
		writeTargets(&b, res.Scaling)
	}
	return b.String()
}

func writeTargets(b *strings.Builder, ts []Target) {
	for _, t := range ts {
		mark := "missed"
		if t.Met {
			mark = "met"
		}
		fmt.Fprintf(b, "- %s: want %s, got %s: **%s**\n", t.Name, t.Want, t.Got, mark)
	}
}

func findingsCell(r Row, m Manifest) string {
	switch {
	case r.Status != "ok":
		return "VOID: " + strings.ReplaceAll(r.Note, "|", "/")
	case r.Contender == "floor":
		return fmt.Sprintf("n/a (split all %s records)", commas(m.Records))
	case r.Findings != nil:
		return fmt.Sprintf("%s, as expected", commas(r.Findings.Findings))
	}
	return ""
}

func statName(s string) string {
	if s == "median" {
		return "median"
	}
	return "fastest"
}

func pct(x float64) string {
	if x == 0 {
		return ""
	}
	return fmt.Sprintf("%.0f%%", 100*x)
}

func times(x float64) string {
	if x == 0 {
		return ""
	}
	return fmt.Sprintf("%.2fx", x)
}

func orNone(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

// commas writes n with thousands separators.
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var parts []string
	for len(s) > 3 {
		parts = append(parts, s[len(s)-3:])
		s = s[:len(s)-3]
	}
	parts = append(parts, s)
	slices.Reverse(parts)
	out := strings.Join(parts, ",")
	if neg {
		out = "-" + out
	}
	return out
}

// short writes 1000000 as 1M and 100000 as 100k.
func short(n int64) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return commas(n)
}
