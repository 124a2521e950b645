package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/client"
	"github.com/stewardhq/steward/core/computer"
	"github.com/stewardhq/steward/core/identify"
	"github.com/stewardhq/steward/core/paging"
	"github.com/stewardhq/steward/core/scripts"
	"github.com/stewardhq/steward/sdk"
)

func each(t *testing.T, fn func(t *testing.T, dialect string)) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) { fn(t, d) })
	}
}

// runScript runs a script through the API and waits for its end.
func (h *hub) runScript(computerID string, body map[string]any) scripts.Run {
	h.t.Helper()
	var run scripts.Run
	require.NoError(h.t, h.do(http.MethodPost, "/computers/"+computerID+"/scripts/run", body,
		&run))
	return h.waitRun(run.ID, 60*time.Second)
}

func (h *hub) waitRun(id string, within time.Duration) scripts.Run {
	h.t.Helper()
	var run scripts.Run
	require.Eventually(h.t, func() bool {
		err := h.do(http.MethodGet, "/script-runs/"+id, nil, &run)
		return err == nil && scripts.Finished(run.Status)
	}, within, 100*time.Millisecond, "run %s did not finish", id)
	return run
}

func (h *hub) output(runID string) []sdk.OutputLine {
	var out struct {
		Lines []sdk.OutputLine `json:"lines"`
	}
	require.NoError(h.t, h.do(http.MethodGet, "/script-runs/"+runID+"/output", nil, &out))
	return out.Lines
}

func texts(lines []sdk.OutputLine) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.Text
	}
	return out
}

func TestAgentReportsThisMachine(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		h := startHub(t, dialect)
		a := enrollAgent(t, h)
		c := h.computerOf(a)

		host, _ := os.Hostname()
		require.Equal(t, strings.SplitN(host, ".", 2)[0], c.Name)
		if b, err := os.ReadFile("/sys/class/dmi/id/product_uuid"); err == nil {
			want, _ := identify.NormalizeUUID(strings.TrimSpace(string(b)))
			require.Equal(t, want, c.SMBIOSUUID)
		}
		if id, err := os.ReadFile("/etc/machine-id"); err == nil {
			require.Equal(t, strings.TrimSpace(string(id)), c.OSInstallID)
		}
		require.Equal(t, computer.StatusNeedsOnboarding, c.Status)

		var progs paging.Page[computer.Program]
		require.NoError(t, h.do(http.MethodGet, "/computers/"+c.ID+"/software?q=dpkg", nil,
			&progs))
		names := map[string]bool{}
		for _, p := range progs.Items {
			names[p.Name] = p.Source == "dpkg"
		}
		require.True(t, names["dpkg"], "dpkg's own package is listed from dpkg")
	})
}

func TestScriptsRunWithParameters(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		h := startHub(t, dialect)
		c := h.computerOf(enrollAgent(t, h))

		for _, lang := range []string{"sh", "bash"} {
			run := h.runScript(c.ID, map[string]any{"language": lang,
				"body":   `echo "hello $Name"; echo "on $ComputerName" >&2; exit 3`,
				"params": map[string]string{"Name": "it's $(whoami)"}})
			require.Equal(t, scripts.StatusCompleted, run.Status, run.Error)
			require.Equal(t, 3, *run.ExitCode)
			// The two streams are separate pipes: their relative order is not guaranteed.
			byStream := map[string][]string{}
			for _, l := range h.output(run.ID) {
				byStream[l.Stream] = append(byStream[l.Stream], l.Text)
			}
			require.Equal(t, []string{"hello it's $(whoami)"}, byStream[sdk.StreamStdout])
			require.Equal(t, []string{"on " + c.Name}, byStream[sdk.StreamStderr])
		}
	})
}

func TestTimeoutLeavesNoProcessBehind(t *testing.T) {
	h := startHub(t, "sqlite")
	c := h.computerOf(enrollAgent(t, h))
	marker := fmt.Sprintf("steward-e2e-%d", time.Now().UnixNano())
	run := h.runScript(c.ID, map[string]any{"language": "bash", "timeoutSeconds": 2,
		"body": "sleep 300 " + marker + " 2>/dev/null & (setsid sleep 301 " + marker +
			" 2>/dev/null &); while true; do sleep 1; done"})
	require.Equal(t, scripts.StatusTimedOut, run.Status)
	require.Empty(t, processesWith(marker), "processes of the timed-out script remain")
}

// processesWith lists the processes whose command line contains s.
func processesWith(s string) []string {
	var out []string
	dirs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, d := range dirs {
		b, err := os.ReadFile(d)
		if err == nil && strings.Contains(strings.ReplaceAll(string(b), "\x00", " "), s) {
			out = append(out, d)
		}
	}
	return out
}

func TestHubRestartMidScriptDeliversTheResultOnce(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		h := startHub(t, dialect)
		a := enrollAgent(t, h)
		c := h.computerOf(a)
		count := filepath.Join(t.TempDir(), "count")

		var run scripts.Run
		require.NoError(t, h.do(http.MethodPost, "/computers/"+c.ID+"/scripts/run",
			map[string]any{"language": "sh", "body": fmt.Sprintf(
				"echo ran >> %s; echo before; sleep 3; echo after", count)}, &run))
		require.Eventually(t, func() bool {
			b, _ := os.ReadFile(count)
			return len(b) > 0
		}, 30*time.Second, 50*time.Millisecond, "the script never started")

		h.kill()
		h.start()

		done := h.waitRun(run.ID, 90*time.Second)
		require.Equal(t, scripts.StatusCompleted, done.Status, done.Error)
		require.Equal(t, []string{"before", "after"}, texts(h.output(run.ID)))
		b, err := os.ReadFile(count)
		require.NoError(t, err)
		require.Equal(t, "ran\n", string(b), "the script ran exactly once")
	})
}

func TestRevokedAgentCannotReconnect(t *testing.T) {
	h := startHub(t, "sqlite")
	a := enrollAgent(t, h)
	h.computerOf(a)
	require.NoError(t, h.do(http.MethodDelete, "/agents/"+a.id(), nil, nil))

	select {
	case <-a.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("a revoked agent keeps running:\n%s", a.log())
	}
	require.Contains(t, a.log(), "revoked")

	a.start()
	select {
	case <-a.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("a revoked agent was let back in:\n%s", a.log())
	}
	var ag struct {
		Online bool `json:"online"`
	}
	require.NoError(t, h.do(http.MethodGet, "/agents/"+a.id(), nil, &ag))
	require.False(t, ag.Online)
}

// follow reads a run's live output through the CLI's streaming client.
func (h *hub) follow(runID string) []string {
	var lines []string
	err := h.API.Stream(context.Background(), "/script-runs/"+runID+"/output?follow=1",
		func(ev client.Event) error {
			if ev.Name == "end" {
				return client.ErrStop
			}
			var l sdk.OutputLine
			if err := json.Unmarshal([]byte(ev.Data), &l); err != nil {
				return err
			}
			lines = append(lines, l.Text)
			return nil
		})
	require.NoError(h.t, err)
	return lines
}

func TestLiveOutputStreams(t *testing.T) {
	h := startHub(t, "sqlite")
	c := h.computerOf(enrollAgent(t, h))
	var run scripts.Run
	require.NoError(t, h.do(http.MethodPost, "/computers/"+c.ID+"/scripts/run",
		map[string]any{"language": "sh", "body": "for i in 1 2 3; do echo line $i; sleep 0.3; done"},
		&run))
	require.Equal(t, []string{"line 1", "line 2", "line 3"}, h.follow(run.ID))
}

func TestAgentCrashEndsTheInterruptedScript(t *testing.T) {
	h := startHub(t, "sqlite")
	a := enrollAgent(t, h)
	c := h.computerOf(a)
	marks := filepath.Join(t.TempDir(), "marks")
	var run scripts.Run
	require.NoError(t, h.do(http.MethodPost, "/computers/"+c.ID+"/scripts/run",
		map[string]any{"language": "sh", "body": fmt.Sprintf(
			"echo start >> %s; sleep 4; echo end >> %s", marks, marks)}, &run))
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(marks)
		return len(b) > 0
	}, 30*time.Second, 50*time.Millisecond)

	_ = a.cmd.Process.Kill() // the agent alone, as a crash would; the script lives on
	<-a.done
	a.start()

	done := h.waitRun(run.ID, 60*time.Second)
	require.Equal(t, scripts.StatusError, done.Status)
	require.Contains(t, done.Error, "stopped")
	time.Sleep(5 * time.Second)
	b, err := os.ReadFile(marks)
	require.NoError(t, err)
	require.Equal(t, "start\n", string(b), "the interrupted script did not go on unobserved")
}

func TestCancelStopsARunningScript(t *testing.T) {
	h := startHub(t, "sqlite")
	c := h.computerOf(enrollAgent(t, h))
	var run scripts.Run
	require.NoError(t, h.do(http.MethodPost, "/computers/"+c.ID+"/scripts/run",
		map[string]any{"language": "sh", "body": "echo started; sleep 60; echo never"}, &run))
	require.Eventually(t, func() bool { return len(h.output(run.ID)) > 0 }, 30*time.Second,
		50*time.Millisecond)

	require.NoError(t, h.do(http.MethodPost, "/script-runs/"+run.ID+"/cancel", nil, nil))
	done := h.waitRun(run.ID, 20*time.Second)
	require.Equal(t, scripts.StatusCancelled, done.Status)
	require.Equal(t, []string{"started"}, texts(h.output(run.ID)),
		"stopped well before its 60 seconds")
	err := h.do(http.MethodPost, "/script-runs/"+run.ID+"/cancel", nil, nil)
	require.ErrorContains(t, err, "already ended")
}
