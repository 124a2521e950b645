package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/catalog"
	"github.com/stewardhq/steward/core/client"
	"github.com/stewardhq/steward/core/resolve"
	"github.com/stewardhq/steward/core/session"
)

const debName = "steward-e2e-hello"

// buildDeb makes a real Debian package of debName at version, installing a marker file.
func buildDeb(t *testing.T, version string) string {
	t.Helper()
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		t.Fatalf("dpkg-deb is needed for the install tests: %v", err)
	}
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "DEBIAN"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "usr/share", debName), 0o755))
	control := fmt.Sprintf("Package: %s\nVersion: %s\nArchitecture: all\n"+
		"Maintainer: Steward tests <tests@steward.invalid>\nDescription: end-to-end test "+
		"package\n", debName, version)
	require.NoError(t, os.WriteFile(filepath.Join(root, "DEBIAN/control"), []byte(control),
		0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "usr/share", debName, "version"),
		[]byte(version+"\n"), 0o644))
	out := filepath.Join(t.TempDir(), fmt.Sprintf("%s_%s_all.deb", debName, version))
	b, err := exec.Command("dpkg-deb", "--root-owner-group", "--build", root, out).
		CombinedOutput()
	require.NoError(t, err, string(b))
	return out
}

// installedVersion asks dpkg what version of debName is installed; "" when none.
func installedVersion() string {
	out, err := exec.Command("dpkg-query", "-W", "-f=${Status}|${Version}", debName).Output()
	if err != nil || !strings.HasPrefix(string(out), "install ok installed") {
		return ""
	}
	return strings.SplitN(string(out), "|", 2)[1]
}

func removeDeb() { _ = exec.Command("dpkg", "--purge", debName).Run() }

func (h *hub) upload(path string) string {
	h.t.Helper()
	f, err := os.Open(path)
	require.NoError(h.t, err)
	defer f.Close()
	req, err := http.NewRequest(http.MethodPut, h.URL+"/api/v1/blobs", f)
	require.NoError(h.t, err)
	req.Header.Set("Authorization", "Bearer "+h.Token)
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	require.Less(h.t, resp.StatusCode, 300, string(body))
	var out struct {
		SHA256 string `json:"sha256"`
	}
	require.NoError(h.t, json.Unmarshal(body, &out))
	return out.SHA256
}

// session starts a session and waits for its end.
func (h *hub) session(computerID string, body map[string]any) session.Session {
	h.t.Helper()
	body["computerId"] = computerID
	var s session.Session
	require.NoError(h.t, h.do(http.MethodPost, "/sessions", body, &s))
	return h.waitSession(s.ID, 3*time.Minute)
}

func (h *hub) waitSession(id string, within time.Duration) session.Session {
	h.t.Helper()
	var s session.Session
	require.Eventually(h.t, func() bool {
		err := h.do(http.MethodGet, "/sessions/"+id, nil, &s)
		return err == nil && session.Final(s.Status)
	}, within, 200*time.Millisecond, "session %s did not end", id)
	return s
}

func (h *hub) sessionLog(id string) string {
	var out struct {
		Lines []session.LogLine `json:"lines"`
	}
	require.NoError(h.t, h.do(http.MethodGet, "/sessions/"+id+"/log", nil, &out))
	var b strings.Builder
	for _, l := range out.Lines {
		b.WriteString(l.Text + "\n")
	}
	return b.String()
}

func actionOf(t *testing.T, s session.Session, itemID string) session.Action {
	t.Helper()
	for _, a := range s.Actions {
		if a.ItemID == itemID {
			return a
		}
	}
	t.Fatalf("session %s has no action for %s: %+v", s.ID, itemID, s.Actions)
	return session.Action{}
}

// helloSoftware creates the test package as software with versions 1.0 and 1.1.
func (h *hub) helloSoftware(installBody string) catalog.Software {
	h.t.Helper()
	var sw catalog.Software
	require.NoError(h.t, h.do(http.MethodPost, "/software", map[string]any{
		"name": "Hello " + fmt.Sprint(time.Now().UnixNano()),
		"detection": map[string]any{"method": "display_name", "match": "exact",
			"pattern": debName},
		"scripts": map[string]any{
			"installScriptId":   map[string]any{"language": "sh", "body": installBody},
			"uninstallScriptId": map[string]any{"language": "sh", "body": "dpkg --purge " + debName},
		},
	}, &sw))
	for _, v := range []string{"1.0", "1.1"} {
		sha := h.upload(buildDeb(h.t, v))
		require.NoError(h.t, h.do(http.MethodPost, "/software/"+sw.ID+"/versions",
			map[string]any{"version": v, "installer": map[string]any{"sha256": sha}}, nil))
	}
	return sw
}

func TestSessionsInstallAndRemoveADebianPackage(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		removeDeb()
		t.Cleanup(removeDeb)
		h := startHub(t, dialect)
		c := h.computerOf(enrollAgent(t, h))
		sw := h.helloSoftware(`dpkg -i "$InstallerFile"`)

		var dep resolve.Deployment
		require.NoError(t, h.do(http.MethodPost, "/deployments", map[string]any{
			"itemKind": "software", "itemId": sw.ID, "state": "latest",
			"scope": "cross_tenant", "target": map[string]any{"kind": "all"}}, &dep))

		detect := h.session(c.ID, map[string]any{"mode": "detect"})
		require.Equal(t, session.StatusPassed, detect.Status, h.sessionLog(detect.ID))
		a := actionOf(t, detect, sw.ID)
		require.Equal(t, session.ActionInstall, a.Type)
		require.Equal(t, "software missing", a.Reason)
		require.Equal(t, "", installedVersion(), "detection changes nothing")

		full := h.session(c.ID, map[string]any{"mode": "full"})
		require.Equal(t, session.StatusPassed, full.Status, h.sessionLog(full.ID))
		require.Equal(t, "1.1", installedVersion())
		a = actionOf(t, full, sw.ID)
		require.Equal(t, session.ActionPassed, a.Status, a.ResultReason)
		require.Contains(t, h.sessionLog(full.ID), "Setting up "+debName,
			"the installer's own output is in the session log")

		var individual resolve.Deployment
		require.NoError(t, h.do(http.MethodPost, "/deployments", map[string]any{
			"itemKind": "software", "itemId": sw.ID, "state": "uninstalled",
			"scope": "individual", "tenantId": c.TenantID,
			"target": map[string]any{"kind": "computer", "ref": c.ID}}, &individual))
		var why []resolve.Explanation
		require.NoError(t, h.do(http.MethodGet, "/computers/"+c.ID+"/resolution?item="+sw.ID,
			nil, &why))
		require.Len(t, why, 1)
		require.Equal(t, individual.ID, why[0].Winner.ID)
		require.Contains(t, why[0].WinnerReason, "individual")
		require.Len(t, why[0].Candidates, 2)

		removal := h.session(c.ID, map[string]any{})
		require.Equal(t, session.StatusPassed, removal.Status, h.sessionLog(removal.ID))
		require.Equal(t, session.ActionUninstall, actionOf(t, removal, sw.ID).Type)
		require.Equal(t, "", installedVersion())
	})
}

func TestTaskIsEnforced(t *testing.T) {
	h := startHub(t, "sqlite")
	c := h.computerOf(enrollAgent(t, h))
	file := filepath.Join(t.TempDir(), "motd")
	var task catalog.Task
	require.NoError(t, h.do(http.MethodPost, "/tasks", map[string]any{
		"name": "Greeting file",
		"parameters": []map[string]any{{"name": "Path", "type": "text", "required": true},
			{"name": "Line", "type": "text", "default": "managed by Steward"}},
		"testScriptId": map[string]any{"language": "sh",
			"body": `grep -qx "$Line" "$Path" 2>/dev/null && echo true || echo false`},
		"setScriptId": map[string]any{"language": "sh", "body": `echo "$Line" > "$Path"`},
	}, &task))
	require.NoError(t, h.do(http.MethodPost, "/deployments", map[string]any{
		"itemKind": "task", "itemId": task.ID, "state": "enforce", "scope": "cross_tenant",
		"target": map[string]any{"kind": "all"}, "parameters": map[string]string{"Path": file},
	}, nil))

	s := h.session(c.ID, map[string]any{})
	require.Equal(t, session.StatusPassed, s.Status, h.sessionLog(s.ID))
	a := actionOf(t, s, task.ID)
	require.Equal(t, session.ActionTaskEnforce, a.Type)
	require.Equal(t, "not compliant", a.Reason)
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Equal(t, "managed by Steward\n", string(b))
	log := h.sessionLog(s.ID)
	require.Less(t, strings.Index(log, "running detect-test"), strings.Index(log, "running set"))
	require.Less(t, strings.Index(log, "running set"), strings.Index(log, "running retest"))

	// The CLI follows the live log to the end and prints the actions.
	out, err := h.cli("sessions", "run", "--computer", c.ID, "--follow")
	require.NoError(t, err, out)
	require.Contains(t, out, "stage: detection")
	require.Regexp(t, `Greeting file\s+none\s+passed\s+compliant`, out, "now compliant")
}

func TestPrerequisiteCycleIsRefused(t *testing.T) {
	h := startHub(t, "sqlite")
	var a, b catalog.Software
	for _, p := range []struct {
		name string
		out  *catalog.Software
	}{{"Alpha", &a}, {"Beta", &b}} {
		require.NoError(t, h.do(http.MethodPost, "/software", map[string]any{"name": p.name,
			"detection": map[string]any{"method": "display_name", "match": "exact",
				"pattern": p.name}}, p.out))
	}
	require.NoError(t, h.do(http.MethodPatch, "/software/"+a.ID, map[string]any{
		"prerequisites": []map[string]any{{"if": "always", "then": "install",
			"on": []string{b.ID}}}}, nil))
	err := h.do(http.MethodPatch, "/software/"+b.ID, map[string]any{
		"prerequisites": []map[string]any{{"if": "always", "then": "install",
			"on": []string{a.ID}}}}, nil)
	require.True(t, client.IsCode(err, "invalid"), "%v", err)
	require.Contains(t, err.Error(), "Alpha")
	require.Contains(t, err.Error(), "Beta")
}

func TestSessionResumesAfterTheHubIsKilled(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		removeDeb()
		t.Cleanup(removeDeb)
		h := startHub(t, dialect)
		c := h.computerOf(enrollAgent(t, h))
		count := filepath.Join(t.TempDir(), "installs")
		sw := h.helloSoftware(fmt.Sprintf(
			`echo install >> %s; sleep 4; dpkg -i "$InstallerFile"`, count))
		require.NoError(t, h.do(http.MethodPost, "/deployments", map[string]any{
			"itemKind": "software", "itemId": sw.ID, "state": "latest",
			"scope": "cross_tenant", "target": map[string]any{"kind": "all"}}, nil))

		var s session.Session
		require.NoError(t, h.do(http.MethodPost, "/sessions",
			map[string]any{"computerId": c.ID}, &s))
		require.Eventually(t, func() bool {
			b, _ := os.ReadFile(count)
			return len(b) > 0
		}, 60*time.Second, 100*time.Millisecond, "the install never started")

		h.kill()
		h.start()

		done := h.waitSession(s.ID, 3*time.Minute)
		require.Equal(t, session.StatusPassed, done.Status, h.sessionLog(s.ID))
		require.Equal(t, "1.1", installedVersion())
		b, err := os.ReadFile(count)
		require.NoError(t, err)
		require.Equal(t, "install\n", string(b), "the install script ran once")
		require.Equal(t, 1, bytes.Count([]byte(h.sessionLog(s.ID)), []byte("running install")),
			"the resumed session did not start the install again")
	})
}
