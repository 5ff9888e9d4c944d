// Package pinnedtool builds the tools the tests run (the S3 server
// versitygw, kubeconform), each pinned in its own module under tools/<name>
// so that their dependencies stay out of the project's go.mod, from the
// module proxy, with no manual step.
//
// Invariants:
//   - a tool is built into .cache/<name>/ at the repository's root, named
//     by the hash of its tools module (go.mod, go.sum) and the Go version:
//     a change of either builds it again, and nothing else does;
//   - one process builds at a time (a file lock); the others wait and use
//     its binary, which appears whole (built aside, then renamed).
package pinnedtool

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"time"
)

// Build returns the path of tool name's binary (package pkg of module
// tools/name), building it first if this version was never built here.
func Build(name, pkg string) (string, error) {
	root, err := repoRoot(name)
	if err != nil {
		return "", err
	}
	tools := filepath.Join(root, "tools", name)
	h := sha256.New()
	for _, f := range []string{"go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(tools, f))
		if err != nil {
			return "", err
		}
		h.Write(b)
	}
	h.Write([]byte(runtime.Version()))
	dir := filepath.Join(root, ".cache", name)
	bin := filepath.Join(dir, name+"-"+hex.EncodeToString(h.Sum(nil))[:16])
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if _, err := os.Stat(bin); err == nil {
		return bin, nil // built by another process while we waited
	}
	tmp := bin + ".tmp"
	cmd := exec.Command("go", "build", "-trimpath", "-o", tmp, pkg)
	cmd.Dir = tools
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "CGO_ENABLED=0")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, out.String())
	}
	fmt.Fprintf(os.Stderr, "pinnedtool: built %s in %s\n", name, time.Since(start).Round(time.Second))
	return bin, os.Rename(tmp, bin)
}

// repoRoot is the directory holding tools/<name>, found upwards from the
// working directory (a test runs in its package's directory).
func repoRoot(name string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "tools", name, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no tools/" + name + "/go.mod above the working directory")
		}
		dir = parent
	}
}
