package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// procStatus is what /proc/PID/status and /proc/PID/fd tell about a process's footprint.
// It is Linux only; elsewhere reading it fails and nothing is measured.
type procStatus struct {
	rssKiB, hwmKiB int64
	threads, fds   int
}

func readStatus(pid string) (procStatus, error) {
	var ps procStatus
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return ps, fmt.Errorf("read process status: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		switch key {
		case "VmRSS":
			ps.rssKiB = n
		case "VmHWM":
			ps.hwmKiB = n
		case "Threads":
			ps.threads = int(n)
		}
	}
	if fds, err := os.ReadDir("/proc/" + pid + "/fd"); err == nil {
		ps.fds = len(fds)
	}
	return ps, nil
}

func mib(kib int64) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }

// sample is the hub's footprint at one moment.
type sample struct {
	label     string
	status    procStatus
	connected int
}

// measurement samples the hub's memory once before the fleet connects and twice after it
// has settled; the per-agent figure is the growth divided by the agents connected.
type measurement struct {
	pid     int
	out     io.Writer
	base    sample
	samples []sample
}

func startMeasurement(pid int, out io.Writer) (*measurement, error) {
	ps, err := readStatus(strconv.Itoa(pid))
	if err != nil {
		return nil, fmt.Errorf("--measure-pid %d: %w", pid, err)
	}
	m := &measurement{pid: pid, out: out, base: sample{label: "before connecting", status: ps}}
	m.print(m.base)
	return m, nil
}

// sampleDue takes the samples whose time has come: settle and twice settle after every
// agent was connected.
func (m *measurement) sampleDue(sinceAll, settle time.Duration, connected int) {
	due := int(sinceAll / settle)
	if len(m.samples) >= 2 || len(m.samples) >= due {
		return
	}
	ps, err := readStatus(strconv.Itoa(m.pid))
	if err != nil {
		fmt.Fprintf(m.out, "hub memory not sampled: %v\n", err)
		return
	}
	s := sample{label: fmt.Sprintf("%s after all connected", settle*time.Duration(due)),
		status: ps, connected: connected}
	m.samples = append(m.samples, s)
	m.print(s)
}

func (m *measurement) print(s sample) {
	// The wall-clock time lets the sample be matched with the hub's own logs, such as
	// the heap sizes GODEBUG=gctrace=1 prints.
	line := fmt.Sprintf("%s hub %s: VmRSS %s, VmHWM %s, threads %d, open files %d",
		time.Now().Format(time.TimeOnly), s.label, mib(s.status.rssKiB),
		mib(s.status.hwmKiB), s.status.threads, s.status.fds)
	if s.connected > 0 {
		delta := s.status.rssKiB - m.base.status.rssKiB
		line += fmt.Sprintf("; %s more for %d agents, %.1f KiB per agent", mib(delta),
			s.connected, float64(delta)/float64(s.connected))
	}
	fmt.Fprintln(m.out, line)
}

func (m *measurement) report(out io.Writer) {
	if len(m.samples) == 0 {
		fmt.Fprintln(out, "  hub memory          not sampled after connecting (the fleet "+
			"did not settle within --duration)")
		return
	}
	fmt.Fprintf(out, "  hub memory          %s before connecting\n", mib(m.base.status.rssKiB))
	for _, s := range m.samples {
		delta := s.status.rssKiB - m.base.status.rssKiB
		fmt.Fprintf(out, "                      %s %s: +%s, %.1f KiB per agent\n",
			mib(s.status.rssKiB), s.label, mib(delta), float64(delta)/float64(s.connected))
	}
}

// selfMemory describes the simulator's own footprint.
func selfMemory() string {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	desc := fmt.Sprintf("Go heap in use %s, stacks %s, goroutines %d",
		mib(int64(ms.HeapInuse/1024)), mib(int64(ms.StackInuse/1024)), runtime.NumGoroutine())
	if ps, err := readStatus("self"); err == nil {
		desc = fmt.Sprintf("VmRSS %s, VmHWM %s; %s", mib(ps.rssKiB), mib(ps.hwmKiB), desc)
	}
	return desc
}
