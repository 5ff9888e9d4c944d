package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Manifest is the part of the generator's manifest.json the harness uses.
type Manifest struct {
	Generator         string  `json:"generator"`
	Seed              uint64  `json:"seed"`
	Records           int64   `json:"records"`
	Files             int     `json:"files"`
	Bytes             int64   `json:"bytes"`
	DecompressedBytes int64   `json:"decompressed_bytes"`
	MeanRecordBytes   float64 `json:"mean_record_bytes"`
	CreateAccessKey   int64   `json:"create_access_key"`
	Detection         string  `json:"detection"`
	ExpectedFindings  int64   `json:"expected_findings"`
	ExpectedFile      string  `json:"expected_file"`
	Archive           string  `json:"archive"`
}

// Results is a whole benchmark run.
type Results struct {
	Machine  Machine         `json:"machine"`
	Repeat   int             `json:"repeat"`
	Stat     string          `json:"stat"` // which run a row reports: min (fastest) or median
	Archives []ArchiveResult `json:"archives"`
	Scaling  []Target        `json:"scaling,omitempty"`
}

// ArchiveResult is every contender on one archive.
type ArchiveResult struct {
	Dir      string   `json:"dir"`
	Manifest Manifest `json:"manifest"`
	Rows     []Row    `json:"rows"`
	Targets  []Target `json:"targets"`
}

// Row is one contender at one worker count: its fastest or median run.
type Row struct {
	Contender        string    `json:"contender"`
	Workers          int       `json:"workers"`
	Command          string    `json:"command"`
	Status           string    `json:"status"` // ok, VOID or skipped
	Note             string    `json:"note,omitempty"`
	WallSeconds      float64   `json:"wall_seconds"`
	AllWallSeconds   []float64 `json:"all_wall_seconds"`
	CPUSeconds       float64   `json:"cpu_seconds"`
	RecordsPerSecond float64   `json:"records_per_second"`
	RecordsPerCPUSec float64   `json:"records_per_cpu_second"` // user+system: less sensitive to other load
	MBpsCompressed   float64   `json:"mb_per_second_compressed"`
	MBpsDecompressed float64   `json:"mb_per_second_decompressed"`
	PeakRSSMiB       float64   `json:"peak_rss_mib"`
	VsFloor          float64   `json:"vs_floor,omitempty"` // records/s as a share of the floor's, same workers
	VsNaive          float64   `json:"vs_naive,omitempty"` // records/s as a multiple of naive's, same workers
	Findings         *Check    `json:"findings,omitempty"`

	runs []run
}

type run struct {
	m     Measurement
	ok    bool
	note  string
	check *Check
}

// contender is one command to measure.
type contender struct {
	name    string // floor, trailhunt, naive, jq
	workers int
	argv    func(out, aux string) []string
	// verify judges a finished run from its stdout and aux files.
	verify func(stdout, aux string) (ok bool, note string, c *Check)
}

// Run benchmarks every archive.
func Run(ctx context.Context, o Options) (*Results, error) {
	l, err := startLauncher() // first, while the harness is small
	if err != nil {
		return nil, err
	}
	defer l.Close()
	res := &Results{Machine: machineInfo(o), Repeat: o.Repeat, Stat: o.Stat}
	for _, dir := range o.Archives {
		a, err := runArchive(ctx, o, l, dir)
		if err != nil {
			return nil, err
		}
		res.Archives = append(res.Archives, *a)
	}
	res.Scaling = scaling(res.Archives)
	res.Machine.LoadAvg[1] = loadAvg()
	return res, nil
}

func runArchive(ctx context.Context, o Options, l *launcher, dir string) (*ArchiveResult, error) {
	var m Manifest
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s/manifest.json: %w", dir, err)
	}
	exp, err := ReadExpected(filepath.Join(dir, m.ExpectedFile), m.Detection)
	if err != nil {
		return nil, err
	}
	if int64(len(exp.ByID)) != m.ExpectedFindings {
		return nil, fmt.Errorf("%s: %d expected findings, manifest says %d", dir, len(exp.ByID), m.ExpectedFindings)
	}
	logs := filepath.Join(dir, m.Archive)
	work := filepath.Join(o.Work, filepath.Base(dir))
	if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, err
	}
	if err := warm(logs); err != nil {
		return nil, err
	}

	cs := contenders(o, m, exp, logs)
	a := &ArchiveResult{Dir: relative(dir), Manifest: m}
	rows := make([]Row, len(cs))
	for i, c := range cs {
		rows[i] = Row{Contender: c.name, Workers: c.workers}
		if c.argv == nil {
			rows[i].Status, rows[i].Note = "skipped", o.JQNote
			continue
		}
		argv := c.argv("OUT", "AUX")
		for j := range argv {
			argv[j] = relative(argv[j])
		}
		rows[i].Command = strings.Join(argv, " ")
	}
	// Page the binaries in before the clock starts.
	for _, c := range cs {
		if c.argv != nil {
			exec.Command(c.argv("", "")[0], "-h").Run()
		}
	}
	for r := range o.Repeat {
		for i, c := range cs {
			if c.argv == nil {
				continue
			}
			base := filepath.Join(work, fmt.Sprintf("%s-%d", c.name, c.workers))
			out, aux, errf := base+".out", base+".aux", base+".err"
			os.Remove(aux)
			rctx, cancel := context.WithTimeout(ctx, o.Timeout)
			meas, err := l.Measure(rctx, c.argv(out, aux), "", out, errf)
			cancel()
			if err != nil {
				return nil, fmt.Errorf("%s (%d workers): %w", c.name, c.workers, err)
			}
			ru := run{m: meas}
			if meas.Exit != 0 {
				ru.note = fmt.Sprintf("exit status %d: %s", meas.Exit, tail(errf))
			} else {
				ru.ok, ru.note, ru.check = c.verify(out, aux)
			}
			rows[i].runs = append(rows[i].runs, ru)
			status := "ok"
			if !ru.ok {
				status = "VOID: " + ru.note
			}
			fmt.Fprintf(os.Stderr, "harness: %s records, %s, %d workers, run %d/%d: %.2fs, %s\n",
				commas(m.Records), c.name, c.workers, r+1, o.Repeat, meas.Wall.Seconds(), status)
		}
	}
	for i := range rows {
		summarize(&rows[i], m, o.Stat)
	}
	ratios(rows)
	a.Rows = rows
	a.Targets = targets(rows)
	return a, nil
}

// contenders lists the commands to measure, in the order they run.
func contenders(o Options, m Manifest, exp *Expected, logs string) []contender {
	bin := func(name string) string { return filepath.Join(o.Bin, name) }
	checkFile := func(stdout string) (bool, string, *Check) {
		f, err := os.Open(stdout)
		if err != nil {
			return false, err.Error(), nil
		}
		defer f.Close()
		c, err := exp.CheckFindings(f)
		if err != nil {
			return false, "unreadable output: " + err.Error(), nil
		}
		if !c.OK {
			return false, c.String(), &c
		}
		return true, "", &c
	}
	counted := func(aux string, key string) (int64, error) {
		var s map[string]any
		b, err := os.ReadFile(aux)
		if err == nil {
			err = json.Unmarshal(b, &s)
		}
		if err != nil {
			return 0, fmt.Errorf("summary: %w", err)
		}
		f, _ := s[key].(float64)
		return int64(f), nil
	}
	recordsThen := func(key string) func(out, aux string) (bool, string, *Check) {
		return func(out, aux string) (bool, string, *Check) {
			n, err := counted(aux, key)
			if err != nil {
				return false, err.Error(), nil
			}
			if n != m.Records {
				return false, fmt.Sprintf("%s %d records, want %d", key, n, m.Records), nil
			}
			return checkFile(out)
		}
	}
	var cs []contender
	add := func(name string, argv func(w int) func(out, aux string) []string, verify func(out, aux string) (bool, string, *Check)) {
		if len(o.Only) > 0 && !slices.Contains(o.Only, name) {
			return
		}
		for _, w := range o.Workers {
			c := contender{name: name, workers: w, verify: verify}
			if argv != nil {
				c.argv = argv(w)
			}
			cs = append(cs, c)
		}
	}
	ws := strconv.Itoa
	add("floor", func(w int) func(string, string) []string {
		return func(string, string) []string { return []string{bin("floor"), "-workers", ws(w), logs} }
	}, func(out, _ string) (bool, string, *Check) {
		var c struct{ Records, Decompressed int64 }
		b, err := os.ReadFile(out)
		if err == nil {
			err = json.Unmarshal(b, &c)
		}
		switch {
		case err != nil:
			return false, err.Error(), nil
		case c.Records != m.Records || c.Decompressed != m.DecompressedBytes:
			return false, fmt.Sprintf("split %d records of %d bytes, want %d of %d", c.Records, c.Decompressed, m.Records, m.DecompressedBytes), nil
		}
		return true, "", nil
	})
	// trailhunt runs every embedded detection; trailhunt-seed only the one
	// the generator plants findings for: the cost of the pack.
	for _, tc := range []struct {
		name  string
		extra []string
	}{{"trailhunt", nil}, {"trailhunt-seed", []string{"--detection", "aws_createaccesskey"}}} {
		add(tc.name, func(w int) func(string, string) []string {
			return func(_, aux string) []string {
				return append([]string{bin("evaluate"), "--format", "jsonl", "--quiet", "--summary", aux, "--workers", ws(w)}, append(tc.extra, logs)...)
			}
		}, func(out, aux string) (bool, string, *Check) {
			if n, err := counted(aux, "failed"); err != nil || n != 0 {
				return false, fmt.Sprintf("%d records failed (%v)", n, err), nil
			}
			return recordsThen("evaluated")(out, aux)
		})
	}
	add("naive", func(w int) func(string, string) []string {
		return func(_, aux string) []string {
			return []string{bin("naive"), "-policies", o.Policies, "-workers", ws(w), "-summary", aux, logs}
		}
	}, recordsThen("records"))
	var jq func(w int) func(string, string) []string
	if o.JQ != "" {
		jq = func(w int) func(string, string) []string {
			if w == 1 {
				return func(string, string) []string {
					return []string{"bash", "-c", `set -o pipefail; find "$1" -type f -name '*.json.gz' -print0 | sort -z | xargs -0 zcat | "$2" -c -f "$3"`,
						"jq", logs, o.JQ, o.JQFilter}
				}
			}
			return func(string, string) []string {
				return []string{"bash", "-c", `set -o pipefail; find "$1" -type f -name '*.json.gz' -print0 | sort -z | ` +
					`xargs -0 -n 16 -P "$4" bash -c 'set -o pipefail; zcat "${@:3}" | "$1" -c --unbuffered -f "$2"' jq "$2" "$3"`,
					"jq", logs, o.JQ, o.JQFilter, ws(w)}
			}
		}
	}
	add("jq", jq, func(out, _ string) (bool, string, *Check) { return checkFile(out) })
	return cs
}

// summarize picks a row's fastest or median run (by wall time) and derives
// its rates. One failed run voids the row.
func summarize(r *Row, m Manifest, stat string) {
	if len(r.runs) == 0 {
		return
	}
	r.Status = "ok"
	for _, ru := range r.runs {
		r.AllWallSeconds = append(r.AllWallSeconds, round(ru.m.Wall.Seconds(), 3))
		if !ru.ok && r.Status == "ok" {
			r.Status, r.Note = "VOID", ru.note
		}
	}
	sorted := slices.Clone(r.runs)
	slices.SortFunc(sorted, func(a, b run) int { return int(a.m.Wall - b.m.Wall) })
	med := sorted[0]
	if stat == "median" {
		med = sorted[(len(sorted)-1)/2]
	}
	if r.Status == "ok" {
		r.Findings = med.check
	} else {
		for _, ru := range r.runs {
			if !ru.ok && ru.check != nil {
				r.Findings = ru.check
				break
			}
		}
	}
	s := med.m.Wall.Seconds()
	r.WallSeconds = round(s, 3)
	r.CPUSeconds = round((med.m.User + med.m.Sys).Seconds(), 3)
	r.RecordsPerSecond = round(float64(m.Records)/s, 0)
	if cpu := (med.m.User + med.m.Sys).Seconds(); cpu > 0 {
		r.RecordsPerCPUSec = round(float64(m.Records)/cpu, 0)
	}
	r.MBpsCompressed = round(float64(m.Bytes)/1e6/s, 2)
	r.MBpsDecompressed = round(float64(m.DecompressedBytes)/1e6/s, 2)
	r.PeakRSSMiB = round(float64(med.m.MaxRSSKB)/1024, 1)
}

// ratios compares every row with the floor and naive rows of the same
// worker count.
func ratios(rows []Row) {
	find := func(name string, w int) *Row {
		for i := range rows {
			if rows[i].Contender == name && rows[i].Workers == w && rows[i].RecordsPerSecond > 0 {
				return &rows[i]
			}
		}
		return nil
	}
	for i := range rows {
		r := &rows[i]
		if r.RecordsPerSecond == 0 {
			continue
		}
		if f := find("floor", r.Workers); f != nil {
			r.VsFloor = round(r.RecordsPerSecond/f.RecordsPerSecond, 3)
		}
		if n := find("naive", r.Workers); n != nil {
			r.VsNaive = round(r.RecordsPerSecond/n.RecordsPerSecond, 2)
		}
	}
}

// warm reads every file once so that no contender pays for the disk.
func warm(root string) error {
	buf := make([]byte, 1<<20)
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.CopyBuffer(io.Discard, f, buf)
		return err
	})
}

// relative is path relative to the working directory when it lies below
// it, so that results name archives the same way on every checkout.
func relative(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	if !filepath.IsAbs(path) {
		return path
	}
	rel, err := filepath.Rel(wd, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return path
	}
	return rel
}

// tail is the last line of a file, for error notes.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	b = bytes.TrimSpace(b)
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[i+1:]
	}
	if len(b) > 300 {
		b = b[:300]
	}
	return string(b)
}

func round(x float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	return float64(int64(x*p+0.5)) / p
}
