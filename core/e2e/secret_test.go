package e2e

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/catalog"
	"github.com/stewardhq/steward/core/resolve"
	"github.com/stewardhq/steward/core/scripts"
	"github.com/stewardhq/steward/core/session"
)

func TestPasswordParametersStaySecret(t *testing.T) {
	h := startHub(t, "sqlite")
	c := h.computerOf(enrollAgent(t, h))
	file := filepath.Join(t.TempDir(), "secret")
	const password = "hunter2-very-secret"

	var task catalog.Task
	require.NoError(t, h.do(http.MethodPost, "/tasks", map[string]any{
		"name": "Service password",
		"parameters": []map[string]any{{"name": "Secret", "type": "password",
			"required": true}, {"name": "File", "type": "text", "required": true}},
		"testScriptId": map[string]any{"language": "sh",
			"body": `test "$(cat "$File" 2>/dev/null)" = "$Secret" && echo true || echo false`},
		"setScriptId": map[string]any{"language": "sh",
			"body": `echo "setting $Secret"; printf '%s' "$Secret" > "$File"`},
	}, &task))
	var d resolve.Deployment
	require.NoError(t, h.do(http.MethodPost, "/deployments", map[string]any{
		"itemKind": "task", "itemId": task.ID, "state": "enforce", "scope": "cross_tenant",
		"target":     map[string]any{"kind": "all"},
		"parameters": map[string]string{"Secret": password, "File": file}}, &d))
	require.Equal(t, "********", d.Parameters["Secret"])
	require.Equal(t, file, d.Parameters["File"])

	s := h.session(c.ID, map[string]any{})
	require.Equal(t, session.StatusPassed, s.Status, h.sessionLog(s.ID))
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Equal(t, password, string(b), "the script received the real value")
	log := h.sessionLog(s.ID)
	require.Contains(t, log, "setting ********")
	require.NotContains(t, log, password)

	var run scripts.Run
	require.NoError(t, h.do(http.MethodGet, "/script-runs/"+s.ID+":"+task.ID+":set", nil,
		&run))
	require.Equal(t, []string{"Secret"}, run.SecretNames)
	require.NotContains(t, run.Params, "Secret")

	// Sending the mask back keeps the stored password.
	require.NoError(t, h.do(http.MethodPatch, "/deployments/"+d.ID, map[string]any{
		"parameters": map[string]string{"Secret": "********", "File": file}}, nil))
	again := h.session(c.ID, map[string]any{})
	require.Equal(t, session.ActionNone, actionOf(t, again, task.ID).Type, "still compliant")

	h.stop()
	data := strings.TrimPrefix(h.env[0], "STEWARD_DATA=")
	for _, name := range []string{"steward.db", "steward.db-wal"} {
		raw, err := os.ReadFile(filepath.Join(data, name))
		if err != nil {
			continue
		}
		require.False(t, bytes.Contains(raw, []byte(password)),
			"%s holds the password in clear", name)
	}
}
