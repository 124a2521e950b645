package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLinksFromTheCommandLine(t *testing.T) {
	bin := buildSteward(t)
	data := t.TempDir()
	plugins := filepath.Join(data, "plugins")
	require.NoError(t, os.MkdirAll(plugins, 0o755))
	out, err := exec.Command("go", "build", "-o", filepath.Join(plugins, "steward-fake"),
		"github.com/stewardhq/steward/sdk/internal/fakeconnector").CombinedOutput()
	require.NoError(t, err, string(out))

	// The token first: it prepares the database, which serve would otherwise be migrating
	// at the same moment.
	token, err := run(t, bin, nil, "token", "create", "--data", data, "--name", "links")
	require.NoError(t, err, token)
	addr := freeAddr(t)
	serve := exec.Command(bin, "serve", "--data", data, "--listen", addr, "--log-level", "warn")
	require.NoError(t, serve.Start())
	t.Cleanup(func() { _ = serve.Process.Kill(); _ = serve.Wait() })
	env := []string{"STEWARD_SERVER=http://" + addr, "STEWARD_TOKEN=" + token[:len(token)-1]}
	require.Eventually(t, func() bool {
		_, err := run(t, bin, env, "links", "list")
		return err == nil
	}, 60*time.Second, 100*time.Millisecond, "the hub did not answer")

	out2, err := run(t, bin, env, "links", "connectors")
	require.NoError(t, err, out2)
	require.Regexp(t, `(?m)^fake\s+\S+\s+\S*agents`, out2)

	out2, err = run(t, bin, env, "links", "create", "--connector", "fake", "--config",
		"endpoint=http://127.0.0.1:1", "--config", "apiKey=secret-key", "lab", "--json")
	require.NoError(t, err, out2)
	require.NotContains(t, out2, "secret-key")
	var link struct{ ID string }
	require.NoError(t, json.Unmarshal([]byte(out2), &link))

	require.Eventually(t, func() bool {
		out, err := run(t, bin, env, "links", "list")
		return err == nil && regexpMatch(`(?m)\slab\s+fake\s+running`, out)
	}, 60*time.Second, 200*time.Millisecond)

	out2, err = run(t, bin, env, "links", "map", link.ID, "c1", "--create-tenant")
	require.NoError(t, err, out2)
	require.Contains(t, out2, "Contoso")
	out2, err = run(t, bin, env, "links", "sync", link.ID, "--json")
	require.NoError(t, err, out2)
	var sum struct{ Seen, Identified, Skipped int }
	require.NoError(t, json.Unmarshal([]byte(out2), &sum))
	require.Positive(t, sum.Identified)
	require.Equal(t, sum.Seen, sum.Identified+sum.Skipped)
	out2, err = run(t, bin, env, "links", "sync", link.ID)
	require.NoError(t, err, out2)
	require.Regexp(t, `^SEEN\s+IDENTIFIED\s+SKIPPED\s+GONE\s+ERRORS\n\d+\s+\d+`, out2)

	// A run through the link names it; pc-0000 is one of the fake's online agents.
	out2, err = run(t, bin, env, "computers", "list", "-q", "pc-0000", "--json")
	require.NoError(t, err, out2)
	var comps struct{ Items []struct{ ID string } }
	require.NoError(t, json.Unmarshal([]byte(out2), &comps))
	require.Len(t, comps.Items, 1, out2)
	out2, err = run(t, bin, env, "scripts", "run", "--computer", comps.Items[0].ID,
		"-e", "hello")
	require.NoError(t, err, out2)
	m := regexp.MustCompile(`(?m)^(\S+)\s+link lab\s+\S+$`).FindStringSubmatch(out2)
	require.NotNil(t, m, out2)
	out2, err = run(t, bin, env, "scripts", "get", m[1])
	require.NoError(t, err, out2)
	require.Regexp(t, `(?m)^RUN\s+COMPUTER\s+VIA\s+STATUS`, out2)
	require.Regexp(t, `(?m)^`+m[1]+`\s+\S+\s+link lab\s`, out2)

	out2, err = run(t, bin, env, "links", "disable", link.ID)
	require.NoError(t, err, out2)
	require.Regexp(t, `(?m)^ID\s+NAME\s+STATUS\s+ENABLED\s+PRIORITY\n`+link.ID+
		`\s+lab\s+\S+\s+no\s+0\n$`, out2)
	require.NotContains(t, out2, "fields")

	out2, err = run(t, bin, env, "links", "delete", link.ID)
	require.NoError(t, err, out2)
	require.Equal(t, "link "+link.ID+" deleted\n", out2)
}

func regexpMatch(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }
