package inventory

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fakeResult is what fakeRunner answers to one command line.
type fakeResult struct {
	out string
	err error
}

// fakeRunner answers commands from a table keyed by the command line joined with spaces.
// Commands not in the table behave as missing programs.
type fakeRunner struct {
	mu      sync.Mutex
	results map[string]fakeResult
	calls   []string
}

func (f *fakeRunner) Run(_ context.Context, name string, args ...string) ([]byte, error) {
	line := strings.Join(append([]string{name}, args...), " ")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, line)

	r, ok := f.results[line]
	if !ok {
		return nil, &exec.Error{Name: name, Err: exec.ErrNotFound}
	}
	return []byte(r.out), r.err
}

// testCollector returns a collector over root with fixed host name and birth time.
func testCollector(root string, r Runner, birth time.Time) *Collector {
	c := New(Config{Root: root, Runner: r})
	c.hostname = func() (string, error) { return "web01.example.com", nil }
	c.birthTime = func(string) (time.Time, bool) { return birth, !birth.IsZero() }
	return c
}

// writeTree creates files below a new temporary directory; a name ending in "/" makes an
// empty directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if strings.HasSuffix(name, "/") {
			require.NoError(t, os.MkdirAll(p, 0o755))
			continue
		}
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return root
}

// requireGolden compares v, as indented JSON, with testdata/name, or rewrites the file
// when the tests run with -update.
func requireGolden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	require.NoError(t, err)
	got = append(got, '\n')

	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.JSONEq(t, string(want), string(got))
}
