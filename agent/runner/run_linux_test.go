package runner

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/sdk"
)

// collector gathers delivered lines; the runner calls it from its reader goroutines.
type collector struct {
	mu    sync.Mutex
	lines []sdk.OutputLine
	hook  func(sdk.OutputLine)
}

func (c *collector) add(l sdk.OutputLine) {
	c.mu.Lock()
	c.lines = append(c.lines, l)
	c.mu.Unlock()
	if c.hook != nil {
		c.hook(l)
	}
}

func (c *collector) texts(stream string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := []string{}
	for _, l := range c.lines {
		if stream == "" || l.Stream == stream {
			out = append(out, l.Text)
		}
	}
	return out
}

func runScript(t *testing.T, r *Runner, req sdk.ScriptRequest) (
	sdk.ScriptResult, *collector, error) {
	t.Helper()
	c := &collector{}
	res, err := r.Execute(context.Background(), req, c.add)
	return res, c, err
}

func shReq(lang, body string) sdk.ScriptRequest {
	return sdk.ScriptRequest{
		ID: "test", Language: lang, Context: sdk.ContextSystem, Body: body,
		Timeout: time.Minute,
	}
}

// token is a string unique to one test, to recognise its processes by command line.
func token() string {
	return strconv.FormatInt(time.Now().UnixNano()%1_000_000_000, 10)
}

// leftovers lists live processes whose command line contains one of the needles.
func leftovers(t *testing.T, needles ...string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	var found []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		cmdline := strings.ReplaceAll(string(raw), "\x00", " ")
		for _, n := range needles {
			if strings.Contains(cmdline, n) {
				found = append(found, e.Name()+": "+cmdline)
			}
		}
	}
	return found
}

func TestRunParametersReachScriptUnchanged(t *testing.T) {
	canary := filepath.Join(t.TempDir(), "pwned")
	params := map[string]string{
		"Plain":     "plain",
		"Spaces":    "  two  spaces ",
		"Quotes":    `it's "quoted"`,
		"Subst":     "$(touch " + canary + ")",
		"Backticks": "`touch " + canary + "`",
		"Multi":     "line one\nline two",
		"Empty":     "",
	}
	body := `printf '[%s]\n' "$Plain" "$Spaces" "$Quotes" "$Subst" "$Backticks" "$Multi" "$Empty"
echo unquoted $Subst
`
	want := []string{
		"[plain]", "[  two  spaces ]", `[it's "quoted"]`,
		"[$(touch " + canary + ")]", "[`touch " + canary + "`]",
		"[line one", "line two]", "[]",
		"unquoted $(touch " + canary + ")",
	}
	for _, lang := range []string{sdk.LanguageSh, sdk.LanguageBash} {
		t.Run(lang, func(t *testing.T) {
			req := shReq(lang, body)
			req.Params = params
			res, c, err := runScript(t, New(Config{}), req)
			require.NoError(t, err)
			require.Equal(t, 0, res.ExitCode)
			require.Empty(t, res.Error)
			require.Equal(t, want, c.texts(sdk.StreamStdout))
			require.NoFileExists(t, canary)
		})
	}
}

func TestRunExitCodeAndScriptFile(t *testing.T) {
	base := t.TempDir()
	body := "echo \"$0\"\nstat -c %a \"$(dirname \"$0\")\"\r\nexit 7\r\n"
	res, c, err := runScript(t, New(Config{TempDir: base}), shReq(sdk.LanguageSh, body))

	require.NoError(t, err, "a non-zero exit is not an error")
	require.Equal(t, 7, res.ExitCode)
	out := c.texts(sdk.StreamStdout)
	require.Len(t, out, 2)
	require.Equal(t, ".sh", filepath.Ext(out[0]))
	require.Equal(t, "700", out[1], "run folder is private")
	require.NoDirExists(t, filepath.Dir(out[0]), "run folder is removed")
	require.False(t, res.StartedAt.IsZero())
	require.False(t, res.FinishedAt.Before(res.StartedAt))
}

func TestRunStdinIsClosed(t *testing.T) {
	res, c, err := runScript(t, New(Config{}),
		shReq(sdk.LanguageBash, `read -r x; echo "status=$? x=[$x]"`))
	require.NoError(t, err)
	require.False(t, res.TimedOut)
	require.Equal(t, []string{"status=1 x=[]"}, c.texts(""))
}

// The script waits for the test to have received each line before printing the next, so
// the test proves lines are delivered while the script runs, and the order across the two
// streams is certain.
func TestRunStreamsLinesLiveInOrder(t *testing.T) {
	sync := t.TempDir()
	body := `
echo out1
until [ -e "$SYNC/1" ]; do sleep 0.01; done
echo err1 >&2
until [ -e "$SYNC/2" ]; do sleep 0.01; done
echo out2
echo err2 >&2
`
	c := &collector{}
	c.hook = func(l sdk.OutputLine) {
		switch l.Text {
		case "out1":
			require.NoError(t, os.WriteFile(filepath.Join(sync, "1"), nil, 0o600))
		case "err1":
			require.NoError(t, os.WriteFile(filepath.Join(sync, "2"), nil, 0o600))
		}
	}
	req := shReq(sdk.LanguageSh, body)
	req.Params = map[string]string{"SYNC": sync}
	res, err := New(Config{}).Execute(context.Background(), req, c.add)
	require.NoError(t, err)
	require.Equal(t, 0, res.ExitCode)

	require.Equal(t, []string{"out1", "out2"}, c.texts(sdk.StreamStdout))
	require.Equal(t, []string{"err1", "err2"}, c.texts(sdk.StreamStderr))
	require.Equal(t, []string{"out1", "err1"}, c.texts("")[:2])
	for i, l := range c.lines {
		require.Equal(t, int64(i+1), l.Seq)
		require.False(t, l.Time.IsZero())
	}
}

func TestRunDecodesOutput(t *testing.T) {
	tests := []struct {
		name string
		oem  int
		body string
		want []string
	}{
		{
			name: "utf-16le without bom",
			body: `printf 'h\0\351\0l\0l\0o\0\r\0\n\0'; echo after`,
			want: []string{"héllo", "after"},
		},
		{
			name: "utf-16le with bom",
			body: `printf '\377\376w\0\366\0r\0l\0d\0\r\0\n\0'`,
			want: []string{"wörld"},
		},
		{
			name: "oem code page",
			oem:  850,
			body: `printf 'gr\201\341e\n'; echo 'grüße'`,
			want: []string{"grüße", "grüße"},
		},
		{
			name: "invalid bytes replaced",
			body: `printf 'a\377b\n'`,
			want: []string{"a\uFFFDb"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c, err := runScript(t, New(Config{OEMCodePage: tt.oem}),
				shReq(sdk.LanguageBash, tt.body))
			require.NoError(t, err)
			require.Equal(t, tt.want, c.texts(sdk.StreamStdout))
		})
	}
}

func TestRunBoundsOutput(t *testing.T) {
	// 1000 lines of 10 bytes against 1000 bytes: 50 lines of head, 50 of tail.
	body := `i=1; while [ $i -le 1000 ]; do printf 'line-%04d\n' $i; i=$((i+1)); done`
	res, c, err := runScript(t, New(Config{MaxOutputBytes: 1000}), shReq(sdk.LanguageSh, body))
	require.NoError(t, err)
	require.Equal(t, int64(9000), res.DroppedBytes)

	var want []string
	for i := 1; i <= 50; i++ {
		want = append(want, fmt.Sprintf("line-%04d", i))
	}
	want = append(want, "… 9000 bytes of output left out …")
	for i := 951; i <= 1000; i++ {
		want = append(want, fmt.Sprintf("line-%04d", i))
	}
	require.Equal(t, want, c.texts(""))
	for i, l := range c.lines {
		require.Equal(t, int64(i+1), l.Seq)
	}
}

func TestRunCutsLongLines(t *testing.T) {
	_, c, err := runScript(t, New(Config{}),
		shReq(sdk.LanguageSh, `head -c 150000 /dev/zero | tr '\0' a; echo; echo next`))
	require.NoError(t, err)
	out := c.texts(sdk.StreamStdout)
	require.Len(t, out, 4)
	require.Len(t, out[0], maxLineBytes)
	require.Len(t, out[1], maxLineBytes)
	require.Len(t, out[2], 150000-2*maxLineBytes)
	require.Equal(t, "next", out[3])
}

// treeScript starts background processes of every kind that outlives a naive kill: a
// plain child, a child in a new session, a subshell loop, a double-forked process in a new
// session (re-parented away from the script), and one that ignores SIGTERM.
func treeScript(tok string) string {
	return fmt.Sprintf(`
sleep 300.%[1]s &
setsid sleep 301.%[1]s &
( while :; do sleep 1; done ) &
( setsid sh -c 'while :; do sleep 1; done; : %[1]s' & ) &
sh -c 'trap "" TERM; while :; do sleep 1; done; : %[1]s' &
echo started
`, tok)
}

func TestRunTimeoutEndsWholeTree(t *testing.T) {
	tok, base := token(), t.TempDir()
	req := shReq(sdk.LanguageBash, treeScript(tok)+"sleep 302."+tok+"\n")
	req.Timeout = 3 * time.Second
	res, c, err := runScript(t, New(Config{TempDir: base, KillGrace: 300 * time.Millisecond}), req)

	require.ErrorIs(t, err, ErrTimedOut)
	require.True(t, res.TimedOut)
	require.Equal(t, -1, res.ExitCode)
	require.Contains(t, res.Error, "timed out")
	require.Equal(t, []string{"started"}, c.texts(sdk.StreamStdout))
	require.Empty(t, leftovers(t, tok, base))
}

func TestRunNormalExitEndsBackgroundProcesses(t *testing.T) {
	tok, base := token(), t.TempDir()
	res, c, err := runScript(t, New(Config{TempDir: base, KillGrace: 300 * time.Millisecond}),
		shReq(sdk.LanguageSh, treeScript(tok)+"exit 0\n"))

	require.NoError(t, err)
	require.False(t, res.TimedOut)
	require.Equal(t, 0, res.ExitCode)
	require.Equal(t, []string{"started"}, c.texts(sdk.StreamStdout))
	require.Empty(t, leftovers(t, tok, base))
}

func TestRunCancelEndsWholeTree(t *testing.T) {
	tok, base := token(), t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := &collector{hook: func(l sdk.OutputLine) {
		if l.Text == "started" {
			cancel()
		}
	}}
	r := New(Config{TempDir: base, KillGrace: 300 * time.Millisecond})
	req := shReq(sdk.LanguageBash, treeScript(tok)+"sleep 302."+tok+"\n")
	res, err := r.Execute(ctx, req, c.add)

	require.ErrorIs(t, err, context.Canceled)
	require.False(t, res.TimedOut)
	require.Contains(t, res.Error, "canceled")
	require.Empty(t, leftovers(t, tok, base))
}

func TestRunCanceledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	canary := filepath.Join(t.TempDir(), "ran")
	res, err := New(Config{}).Execute(ctx, shReq(sdk.LanguageSh, "touch "+canary), nil)
	require.ErrorIs(t, err, context.Canceled)
	require.NotEmpty(t, res.Error)
	require.NoFileExists(t, canary)
}

func TestRunRefusals(t *testing.T) {
	noPwsh := New(Config{})
	noPwsh.host.lookPath = func(string) (string, error) { return "", exec.ErrNotFound }

	tests := []struct {
		name   string
		runner *Runner
		mutate func(*sdk.ScriptRequest)
		want   error
	}{
		{
			name:   "missing interpreter",
			runner: noPwsh,
			mutate: func(r *sdk.ScriptRequest) { r.Language = sdk.LanguagePowerShell },
			want:   ErrInterpreterNotFound,
		},
		{
			name:   "cmd outside windows",
			mutate: func(r *sdk.ScriptRequest) { r.Language = sdk.LanguageCmd },
			want:   ErrUnsupportedLanguage,
		},
		{
			name:   "unknown language",
			mutate: func(r *sdk.ScriptRequest) { r.Language = "python" },
			want:   ErrUnsupportedLanguage,
		},
		{
			name:   "unknown context",
			mutate: func(r *sdk.ScriptRequest) { r.Context = "cloud" },
			want:   ErrUnsupportedContext,
		},
		{
			name:   "parameter name starting with a digit",
			mutate: func(r *sdk.ScriptRequest) { r.Params = map[string]string{"1x": "v"} },
			want:   ErrInvalidParam,
		},
		{
			name: "parameter name with shell syntax",
			mutate: func(r *sdk.ScriptRequest) {
				r.Params = map[string]string{"x;touch /tmp/y": "v"}
			},
			want: ErrInvalidParam,
		},
		{
			name:   "loader variable",
			mutate: func(r *sdk.ScriptRequest) { r.Params = map[string]string{"LD_PRELOAD": "x"} },
			want:   ErrInvalidParam,
		},
		{
			name: "nobody signed in",
			runner: New(Config{Sessions: fakeSessions{
				err: fmt.Errorf("list sessions: %w", ErrNoSignedInUser),
			}}),
			mutate: func(r *sdk.ScriptRequest) { r.Context = sdk.ContextUser },
			want:   ErrNoSignedInUser,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			canary := filepath.Join(t.TempDir(), "ran")
			req := shReq(sdk.LanguageSh, "touch "+canary)
			tt.mutate(&req)
			r := tt.runner
			if r == nil {
				r = New(Config{})
			}

			res, err := r.Execute(context.Background(), req, nil)
			require.ErrorIs(t, err, tt.want)
			require.Equal(t, err.Error(), res.Error)
			require.Equal(t, -1, res.ExitCode)
			require.NoFileExists(t, canary)

			require.Equal(t, res.Error, r.Run(context.Background(), req, nil).Error)
		})
	}
}

type fakeSessions struct {
	user SignedInUser
	err  error
}

func (f fakeSessions) ConsoleUser(context.Context) (SignedInUser, error) {
	return f.user, f.err
}

func TestRunAsSignedInUser(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("running as another user needs root")
	}
	if _, err := exec.LookPath("id"); err != nil {
		t.Skip("no id command")
	}
	acct, err := lookupAccount(context.Background(), SignedInUser{Name: "nobody"})
	if err != nil {
		t.Skip("no nobody account")
	}

	r := New(Config{Sessions: fakeSessions{user: SignedInUser{Name: "nobody", Session: "3"}}})
	req := shReq(sdk.LanguageSh, `id -un; echo "$HOME"; echo "$USER"; echo "$Greeting"`)
	req.Context = sdk.ContextUser
	req.Params = map[string]string{"Greeting": "hello"}
	res, c, err := runScript(t, r, req)

	require.NoError(t, err)
	require.Equal(t, 0, res.ExitCode)
	require.Equal(t, []string{"nobody", acct.home, "nobody", "hello"}, c.texts(sdk.StreamStdout))
}
