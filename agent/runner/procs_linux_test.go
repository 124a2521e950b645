package runner

import (
	"bufio"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseProcStat(t *testing.T) {
	tests := []struct {
		name string
		stat string
		want procInfo
		live bool
	}{
		{
			name: "plain",
			stat: "123 (bash) S 100 123 123 34816 123 4194560 0 0",
			want: procInfo{pid: 123, ppid: 100, pgid: 123},
			live: true,
		},
		{
			name: "name with spaces and parentheses",
			stat: "77 (a) b (c) R 1 70 70 0 -1",
			want: procInfo{pid: 77, ppid: 1, pgid: 70},
			live: true,
		},
		{name: "zombie", stat: "9 (sleep) Z 1 5 5 0", live: false},
		{name: "dead", stat: "9 (sleep) X 1 5 5 0", live: false},
		{name: "truncated", stat: "9 (sleep) S", live: false},
		{name: "no name", stat: "9 sleep S 1 5 5", live: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pid := tt.want.pid
			if pid == 0 {
				pid = 9
			}
			got, ok := parseProcStat(pid, []byte(tt.stat))
			require.Equal(t, tt.live, ok)
			if tt.live {
				require.Equal(t, tt.want, got)
			}
		})
	}
}

func TestListProcsSeesThisProcess(t *testing.T) {
	var self *procInfo
	for _, p := range listProcs() {
		if p.pid == os.Getpid() {
			self = &p
		}
	}
	require.NotNil(t, self)
	require.Equal(t, os.Getppid(), self.ppid)
}

func TestHasEnv(t *testing.T) {
	// The shell says when it runs, so its environment is in place, then waits on stdin.
	cmd := exec.Command("sh", "-c", "echo ready; read -r x")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), markerVar + "=abc"}
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "ready\n", line)

	require.True(t, hasEnv(cmd.Process.Pid, markerVar+"=abc"))
	require.False(t, hasEnv(cmd.Process.Pid, markerVar+"=ab"))
	require.False(t, hasEnv(os.Getpid(), markerVar+"=abc"))
	require.False(t, hasEnv(-1, markerVar+"=abc"))
}
