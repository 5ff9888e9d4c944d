package main

import (
	"bufio"
	"debug/buildinfo"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Machine is where and with what the benchmark ran.
type Machine struct {
	Date      string  `json:"date"`
	NProc     int     `json:"nproc"`
	CPU       string  `json:"cpu"`
	MemoryGiB float64 `json:"memory_gib"`
	Kernel    string  `json:"kernel"`
	OS        string  `json:"os"`
	Go        string  `json:"go"`
	Trailhunt string  `json:"trailhunt"` // VCS revision the evaluate binary was built from
	JQ        string  `json:"jq"`
	// LoadAvg is /proc/loadavg when the run started and when it ended:
	// other work on the machine slows every contender, and ratios less.
	LoadAvg [2]string `json:"loadavg"`
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func machineInfo(o Options) Machine {
	m := Machine{
		Date:  time.Now().UTC().Format(time.RFC3339),
		NProc: runtime.NumCPU(),
		CPU:   "unknown",
		OS:    runtime.GOOS + "/" + runtime.GOARCH,
		Go:    runtime.Version(),
	}
	m.LoadAvg[0] = loadAvg()
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ := strconv.ParseFloat(f[1], 64)
				m.MemoryGiB = round(kb/(1<<20), 1)
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if bi, err := buildinfo.ReadFile(filepath.Join(o.Bin, "evaluate")); err == nil {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if dirty {
			rev += " (with uncommitted changes)"
		}
		m.Trailhunt = rev
	}
	if o.Rev != "" {
		m.Trailhunt = o.Rev
	}
	if o.JQ != "" {
		if b, err := exec.Command(o.JQ, "--version").Output(); err == nil {
			m.JQ = strings.TrimSpace(string(b))
		}
	}
	return m
}
