package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/catalog"
	"github.com/stewardhq/steward/core/session"
)

// slowTask makes a task whose set script takes a while and notes each run in a file.
func (h *hub) slowTask(t *testing.T, name, marker string, seconds int) catalog.Task {
	var task catalog.Task
	require.NoError(t, h.do(http.MethodPost, "/tasks", map[string]any{
		"name": name,
		"testScriptId": map[string]any{"language": "sh",
			"body": fmt.Sprintf(`test -f %s.done && echo true || echo false`, marker)},
		"setScriptId": map[string]any{"language": "sh", "body": fmt.Sprintf(
			`echo set >> %s; sleep %d; touch %s.done`, marker, seconds, marker)},
	}, &task))
	require.NoError(t, h.do(http.MethodPost, "/deployments", map[string]any{
		"itemKind": "task", "itemId": task.ID, "state": "enforce", "scope": "cross_tenant",
		"target": map[string]any{"kind": "all"}}, nil))
	return task
}

func waitFile(t *testing.T, path string) {
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(path)
		return len(b) > 0
	}, 60*time.Second, 50*time.Millisecond, "%s never appeared", path)
}

func TestCancelStopsTheSessionAfterTheRunningStep(t *testing.T) {
	h := startHub(t, "sqlite")
	c := h.computerOf(enrollAgent(t, h))
	dir := t.TempDir()
	h.slowTask(t, "A first", filepath.Join(dir, "a"), 3)
	h.slowTask(t, "B second", filepath.Join(dir, "b"), 0)

	var s session.Session
	require.NoError(t, h.do(http.MethodPost, "/sessions", map[string]any{"computerId": c.ID},
		&s))
	waitFile(t, filepath.Join(dir, "a"))
	require.NoError(t, h.do(http.MethodPost, "/sessions/"+s.ID+"/cancel", nil, &s))
	require.Equal(t, session.StatusCancelled, s.Status)

	err := h.do(http.MethodPost, "/sessions/"+s.ID+"/cancel", nil, nil)
	require.ErrorContains(t, err, "already ended")
	time.Sleep(5 * time.Second) // longer than the running step
	require.NoFileExists(t, filepath.Join(dir, "b"), "nothing runs after a cancel")
	require.NoFileExists(t, filepath.Join(dir, "a.done"), "the running step was stopped")
	require.NoError(t, h.do(http.MethodGet, "/sessions/"+s.ID, nil, &s))
	require.Equal(t, session.StatusCancelled, s.Status)
	require.Contains(t, h.sessionLog(s.ID), "cancelled")

	rerun := h.waitRerun(s.ID, "")
	require.Equal(t, session.StatusPassed, rerun.Status, h.sessionLog(rerun.ID))
	require.FileExists(t, filepath.Join(dir, "b.done"))
}

func (h *hub) waitRerun(id, actionID string) session.Session {
	path := "/sessions/" + id + "/rerun"
	if actionID != "" {
		path = "/sessions/" + id + "/actions/" + actionID + "/rerun"
	}
	var s session.Session
	require.NoError(h.t, h.do(http.MethodPost, path, nil, &s))
	require.Equal(h.t, id, *s.RerunOf)
	return h.waitSession(s.ID, 2*time.Minute)
}

func TestOneSessionAtATimePerComputer(t *testing.T) {
	h := startHub(t, "sqlite")
	c := h.computerOf(enrollAgent(t, h))
	marker := filepath.Join(t.TempDir(), "slow")
	task := h.slowTask(t, "Slow", marker, 6)

	var first, second session.Session
	require.NoError(t, h.do(http.MethodPost, "/sessions", map[string]any{"computerId": c.ID},
		&first))
	waitFile(t, marker)
	require.NoError(t, h.do(http.MethodPost, "/sessions", map[string]any{"computerId": c.ID,
		"mode": "item", "itemId": task.ID}, &second))

	first = h.waitSession(first.ID, time.Minute)
	second = h.waitSession(second.ID, time.Minute)
	require.Equal(t, session.StatusPassed, first.Status)
	require.Equal(t, session.StatusPassed, second.Status)
	require.Contains(t, h.sessionLog(second.ID), "waiting for session "+first.ID)
	require.False(t, second.StartedAt.Before(*first.FinishedAt),
		"the second session started after the first ended")
	require.Equal(t, session.ActionNone, actionOf(t, second, task.ID).Type,
		"the second saw the first's change")
}

func TestOfflineComputer(t *testing.T) {
	h := startHub(t, "sqlite")
	a := enrollAgent(t, h)
	c := h.computerOf(a)
	marker := filepath.Join(t.TempDir(), "m")
	h.slowTask(t, "Quick", marker, 0)
	a.stop()
	require.Eventually(t, func() bool {
		var cur struct {
			Online bool `json:"online"`
		}
		return h.do(http.MethodGet, "/computers/"+c.ID, nil, &cur) == nil && !cur.Online
	}, 30*time.Second, 100*time.Millisecond)

	failed := h.session(c.ID, map[string]any{})
	require.Equal(t, session.StatusFailed, failed.Status)
	require.Contains(t, failed.Summary, "offline")

	var waiting session.Session
	require.NoError(t, h.do(http.MethodPost, "/sessions", map[string]any{
		"computerId": c.ID, "applyOnConnect": true}, &waiting))
	require.Eventually(t, func() bool {
		_ = h.do(http.MethodGet, "/sessions/"+waiting.ID, nil, &waiting)
		return waiting.Status == session.StatusPendingConnectivity
	}, 30*time.Second, 100*time.Millisecond)

	a.start()
	done := h.waitSession(waiting.ID, time.Minute)
	require.Equal(t, session.StatusPassed, done.Status, h.sessionLog(done.ID))
	b, _ := os.ReadFile(marker)
	require.Equal(t, "set\n", string(b))
	require.True(t, strings.Contains(h.sessionLog(done.ID), "waiting for the computer"))
}
