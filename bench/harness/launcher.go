package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"
)

// A launcher runs the contenders from a small process of its own, started
// before the harness grows. Linux records the RSS high-water mark of the
// memory a process leaves at exec in the ru_maxrss of the process, and Go's
// os/exec starts children sharing the parent's memory (vfork), so a child
// started by the harness itself reports at least the harness's own peak:
// ~90 MB at 5M records, whatever the contender used. Started by the small
// launcher, it reports its own.
type launcher struct {
	mu  sync.Mutex
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

// launcherEnv, set in the environment of the harness's own executable,
// makes it a launcher (see main and TestMain).
const launcherEnv = "TRAILHUNT_BENCH_LAUNCHER"

type launchRequest struct {
	Argv           []string
	Dir            string
	Stdout, Stderr string
	Timeout        time.Duration
}

type launchResult struct {
	M   Measurement
	Err string
}

// startLauncher starts the harness's executable as a launcher.
func startLauncher() (*launcher, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), launcherEnv+"=1")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start launcher: %w", err)
	}
	return &launcher{cmd: cmd, in: in, out: bufio.NewReader(out)}, nil
}

// Measure is Measure, run by the launcher; ctx's deadline is passed on.
func (l *launcher) Measure(ctx context.Context, argv []string, dir, stdout, stderr string) (Measurement, error) {
	req := launchRequest{Argv: argv, Dir: dir, Stdout: stdout, Stderr: stderr}
	if d, ok := ctx.Deadline(); ok {
		req.Timeout = time.Until(d)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, _ := json.Marshal(req)
	if _, err := l.in.Write(append(b, '\n')); err != nil {
		return Measurement{}, fmt.Errorf("launcher: %w", err)
	}
	line, err := l.out.ReadBytes('\n')
	if err != nil {
		return Measurement{}, fmt.Errorf("launcher: %w", err)
	}
	var res launchResult
	if err := json.Unmarshal(line, &res); err != nil {
		return Measurement{}, fmt.Errorf("launcher: %w", err)
	}
	if res.Err != "" {
		return res.M, errors.New(res.Err)
	}
	return res.M, nil
}

// Close stops the launcher.
func (l *launcher) Close() error {
	l.in.Close()
	return l.cmd.Wait()
}

// serveLaunches is the launcher: one request per line in, one result per
// line out, until in ends.
func serveLaunches(in io.Reader, out io.Writer) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var req launchRequest
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			return err
		}
		ctx, cancel := context.Background(), context.CancelFunc(func() {})
		if req.Timeout > 0 {
			ctx, cancel = context.WithTimeout(ctx, req.Timeout)
		}
		var res launchResult
		var err error
		res.M, err = Measure(ctx, req.Argv, req.Dir, req.Stdout, req.Stderr)
		cancel()
		if err != nil {
			res.Err = err.Error()
		}
		b, _ := json.Marshal(res)
		if _, err := out.Write(append(b, '\n')); err != nil {
			return err
		}
	}
	return sc.Err()
}
