package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"time"
)

// Measurement is one run of one command.
type Measurement struct {
	Wall     time.Duration
	User     time.Duration // CPU time of the process and its waited-for children
	Sys      time.Duration
	MaxRSSKB int64 // peak resident set of the largest single process (0 when unknown)
	Exit     int
}

// Measure runs argv with stdout and stderr to the named files and reports
// its wall time, CPU time and peak RSS (from wait4's rusage: for a shell
// pipeline, the peak of its largest process, not the sum).
func Measure(ctx context.Context, argv []string, dir, stdout, stderr string) (Measurement, error) {
	var m Measurement
	out, err := os.Create(stdout)
	if err != nil {
		return m, err
	}
	defer out.Close()
	errf, err := os.Create(stderr)
	if err != nil {
		return m, err
	}
	defer errf.Close()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, out, errf
	start := time.Now()
	err = cmd.Run()
	m.Wall = time.Since(start)
	if cmd.ProcessState == nil {
		return m, err
	}
	m.User, m.Sys = cmd.ProcessState.UserTime(), cmd.ProcessState.SystemTime()
	m.MaxRSSKB = maxRSSKB(cmd.ProcessState)
	m.Exit = cmd.ProcessState.ExitCode()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		err = nil // reported through Exit
	}
	return m, err
}
