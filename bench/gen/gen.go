package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"
)

// Version is the generator's output format. Increment it whenever the same
// seed and size would give different files: run.sh caches archives by it.
const Version = "1"

// Config says what to generate.
type Config struct {
	Records    int      // total records
	Seed       uint64   // same seed, same records and templates: same bytes
	Out        string   // directory to create (must not exist)
	Templates  []string // JSON files of real records ({"Records":[...]} or arrays)
	Workers    int      // files written in parallel; 0 means one per CPU
	MinPerFile int      // records per file: uniform in [MinPerFile, MaxPerFile]
	MaxPerFile int
	CAKRate    float64 // share of records that are CreateAccessKey calls
	Start      time.Time
	Level      int // gzip level; 0 means gzip.DefaultCompression (as AWS)
}

// Manifest describes a generated archive; it is written to
// <Out>/manifest.json, next to AWSLogs/ and expected.jsonl.
type Manifest struct {
	Generator         string           `json:"generator"`
	Seed              uint64           `json:"seed"`
	Records           int64            `json:"records"`
	Files             int              `json:"files"`
	Bytes             int64            `json:"bytes"`
	DecompressedBytes int64            `json:"decompressed_bytes"`
	MeanRecordBytes   float64          `json:"mean_record_bytes"`
	Templates         int              `json:"templates"`
	Accounts          []string         `json:"accounts"`
	Regions           []string         `json:"regions"`
	FirstEvent        string           `json:"first_event"`
	LastEvent         string           `json:"last_event"`
	CreateAccessKey   int64            `json:"create_access_key"`
	Classes           map[string]int64 `json:"create_access_key_classes"`
	Detection         string           `json:"detection"`
	ExpectedFindings  int64            `json:"expected_findings"`
	ExpectedFile      string           `json:"expected_file"`
	Archive           string           `json:"archive"`
	GenerateSeconds   float64          `json:"generate_seconds"`
}

// Detection is the detection whose findings the generator predicts.
const Detection = "aws_createaccesskey"

// DefaultConfig returns the defaults of the command line.
func DefaultConfig() Config {
	return Config{
		Records:    100000,
		Seed:       1,
		MinPerFile: 200,
		MaxPerFile: 3000,
		CAKRate:    0.01,
		Start:      time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC),
	}
}

// Generate writes the archive, expected.jsonl and manifest.json. It builds
// everything in <Out>.tmp and renames it at the end, so an interrupted run
// never leaves a directory that looks complete.
func Generate(cfg Config) (Manifest, error) {
	began := time.Now()
	if cfg.Records <= 0 || cfg.MinPerFile <= 0 || cfg.MaxPerFile < cfg.MinPerFile {
		return Manifest{}, errors.New("records and records per file must be positive")
	}
	if _, err := os.Stat(cfg.Out); err == nil {
		return Manifest{}, fmt.Errorf("%s exists", cfg.Out)
	}
	tpls, err := loadTemplates(cfg.Templates)
	if err != nil {
		return Manifest{}, err
	}
	w := newWorld(cfg.Seed)
	plans := planFiles(cfg, w)

	tmp := cfg.Out + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return Manifest{}, err
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	results := make([]fileResult, len(plans))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var buf []byte
			for i := range jobs {
				results[i], buf = writeFile(tmp, plans[i], cfg, w, tpls, buf)
			}
		})
	}
	for i := range plans {
		jobs <- i
	}
	close(jobs)
	wg.Wait()

	m := Manifest{
		Generator:    "trailhunt-bench-gen/" + Version,
		Seed:         cfg.Seed,
		Files:        len(plans),
		Templates:    len(tpls),
		Accounts:     w.accounts,
		Regions:      w.regions,
		Classes:      map[string]int64{},
		Detection:    Detection,
		ExpectedFile: "expected.jsonl",
		Archive:      "AWSLogs",
	}
	var expected [][]byte
	for i, r := range results {
		if r.err != nil {
			return Manifest{}, r.err
		}
		m.Records += int64(plans[i].n)
		m.Bytes += r.bytes
		m.DecompressedBytes += r.decompressed
		m.CreateAccessKey += r.cak
		for k, v := range r.classes {
			m.Classes[k] += v
		}
		expected = append(expected, r.expected...)
		if m.FirstEvent == "" || r.first < m.FirstEvent {
			m.FirstEvent = r.first
		}
		if r.last > m.LastEvent {
			m.LastEvent = r.last
		}
	}
	m.ExpectedFindings = int64(len(expected))
	m.MeanRecordBytes = float64(m.DecompressedBytes) / float64(m.Records)
	slices.SortFunc(expected, bytes.Compare)
	if err := os.WriteFile(filepath.Join(tmp, m.ExpectedFile), bytes.Join(append(expected, nil), []byte("\n")), 0o644); err != nil {
		return Manifest{}, err
	}
	m.GenerateSeconds = time.Since(began).Seconds()
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return Manifest{}, err
	}
	if err := os.WriteFile(filepath.Join(tmp, "manifest.json"), append(b, '\n'), 0o644); err != nil {
		return Manifest{}, err
	}
	return m, os.Rename(tmp, cfg.Out)
}

// filePlan is one CloudTrail log file to write.
type filePlan struct {
	account, region string
	end             time.Time // delivery time: the file covers the 5 minutes before it
	n               int
	seed            uint64
	rel             string // path under the archive root
}

// planFiles splits the records into files, deterministically for the seed.
func planFiles(cfg Config, w *world) []filePlan {
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x66696c6573))
	type stream struct {
		account, region string
		weight          int
		clock           time.Time
	}
	var streams []*stream
	total := 0
	for _, a := range w.accounts {
		for i, r := range w.regions {
			wt := []int{4, 2, 2, 1}[i%4]
			streams = append(streams, &stream{account: a, region: r, weight: wt, clock: cfg.Start})
			total += wt
		}
	}
	var plans []filePlan
	for left := cfg.Records; left > 0; {
		n := min(cfg.MinPerFile+rng.IntN(cfg.MaxPerFile-cfg.MinPerFile+1), left)
		left -= n
		pick := rng.IntN(total)
		var s *stream
		for _, s = range streams {
			if pick < s.weight {
				break
			}
			pick -= s.weight
		}
		s.clock = s.clock.Add(5*time.Minute + time.Duration(rng.IntN(60))*time.Second)
		end := s.clock
		name := fmt.Sprintf("%s_CloudTrail_%s_%s_%s.json.gz", s.account, s.region, end.Format("20060102T1504Z"), randomToken(rng, 16))
		plans = append(plans, filePlan{
			account: s.account,
			region:  s.region,
			end:     end,
			n:       n,
			seed:    rng.Uint64(),
			rel:     filepath.Join("AWSLogs", s.account, "CloudTrail", s.region, end.Format("2006/01/02"), name),
		})
	}
	return plans
}

type fileResult struct {
	bytes, decompressed int64
	cak                 int64
	classes             map[string]int64
	expected            [][]byte // finding objects, one JSON line each
	first, last         string
	err                 error
}

// writeFile writes one gzip'd {"Records":[...]} file.
func writeFile(root string, p filePlan, cfg Config, w *world, tpls []*template, buf []byte) (fileResult, []byte) {
	rng := rand.New(rand.NewPCG(p.seed, cfg.Seed))
	res := fileResult{classes: map[string]int64{}}
	g := &recordGen{rng: rng, w: w, plan: p}

	buf = append(buf[:0], `{"Records":[`...)
	start := p.end.Add(-5 * time.Minute)
	for i := range p.n {
		if i > 0 {
			buf = append(buf, ',')
		}
		t := start.Add(time.Duration(int64(i) * int64(5*time.Minute) / int64(p.n))).Truncate(time.Second)
		ts := t.Format("2006-01-02T15:04:05Z")
		if i == 0 {
			res.first = ts
		}
		res.last = ts
		if rng.Float64() < cfg.CAKRate {
			var class string
			var finding []byte
			buf, class, finding = g.createAccessKey(buf, ts)
			res.cak++
			res.classes[class]++
			if finding != nil {
				res.expected = append(res.expected, finding)
			}
			continue
		}
		buf = g.background(buf, tpls[rng.IntN(len(tpls))], ts)
	}
	buf = append(buf, "]}"...)
	res.decompressed = int64(len(buf))

	path := filepath.Join(root, p.rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		res.err = err
		return res, buf
	}
	f, err := os.Create(path)
	if err != nil {
		res.err = err
		return res, buf
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	level := cfg.Level
	if level == 0 {
		level = gzip.DefaultCompression
	}
	zw, err := gzip.NewWriterLevel(bw, level)
	if err != nil {
		res.err = errors.Join(err, f.Close())
		return res, buf
	}
	_, err = zw.Write(buf)
	err = errors.Join(err, zw.Close(), bw.Flush())
	if st, serr := f.Stat(); serr == nil {
		res.bytes = st.Size()
	}
	res.err = errors.Join(err, f.Close())
	return res, buf
}

// randomToken is n characters of [0-9A-Za-z].
func randomToken(rng *rand.Rand, n int) string {
	const chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[rng.IntN(len(chars))]
	}
	return string(b)
}

// randomUpper is n characters of [0-9A-Z], as in AWS key and principal ids.
func randomUpper(rng *rand.Rand, n int) string {
	const chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[rng.IntN(len(chars))]
	}
	return string(b)
}

// appendUUID appends a random version 4 UUID.
func appendUUID(b []byte, rng *rand.Rand) []byte {
	hi, lo := rng.Uint64(), rng.Uint64()
	hi = hi&^(0xF<<12) | 4<<12
	lo = lo&^(3<<62) | 2<<62
	var u [16]byte
	for i := range 8 {
		u[i] = byte(hi >> (56 - 8*i))
		u[8+i] = byte(lo >> (56 - 8*i))
	}
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hexDigits[c>>4], hexDigits[c&0xF])
	}
	return b
}

func uuid(rng *rand.Rand) string { return string(appendUUID(nil, rng)) }
