package loadgen

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Process is a snapshot of a server process's resource use, read from Linux
// /proc: what it costs to serve the load, measured outside it.
type Process struct {
	RSS     int64         // resident set, bytes (VmRSS)
	PeakRSS int64         // high-water mark, bytes (VmHWM)
	CPU     time.Duration // user + system time since the process started
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times; 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// ReadProcess reads pid's snapshot.
func ReadProcess(pid int) (Process, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Process{}, err
	}
	var p Process
	for line := range strings.Lines(string(status)) {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch k {
		case "VmRSS":
			p.RSS = kib(v)
		case "VmHWM":
			p.PeakRSS = kib(v)
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return Process{}, err
	}
	// The command name (field 2) may hold spaces and parentheses: the
	// fields after it start after the last ')'.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return Process{}, errors.New("unreadable /proc stat")
	}
	f := strings.Fields(string(stat[i+1:]))
	// After the name: state(3) ... utime(14) stime(15), so index 11 and 12.
	if len(f) < 13 {
		return Process{}, errors.New("short /proc stat")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return Process{}, errors.New("unreadable /proc stat times")
	}
	p.CPU = time.Duration(ut+st) * time.Second / clockTicks
	return p, nil
}

// kib parses " 1234 kB" into bytes.
func kib(v string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
	return n * 1024
}
