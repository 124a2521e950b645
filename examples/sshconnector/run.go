package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/stewardhq/steward/sdk"
)

// defaultTimeout applies to a request without one: a script must not hold a session forever.
const defaultTimeout = time.Hour

// maxLine splits longer output lines, so one runaway line cannot exhaust memory.
const maxLine = 64 << 10

// interpreters are the languages this pathway runs, by the interpreter that runs them.
var interpreters = map[string]string{sdk.LanguageSh: "sh", sdk.LanguageBash: "bash"}

// paramName is what a shell accepts as a variable name.
var paramName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// wrapper is the remote command. It stores the script (prologue and body, sent on stdin) in
// a temporary file that it deletes at once but keeps open, so the script's own stdin is at
// end of file and nothing is left behind. Under setsid the interpreter leads a new process
// group, which a timeout kills whole; without setsid -w (BusyBox, macOS) it runs directly
// and a kill reaches the interpreter and its children only. It contains no single quote, so
// it can be quoted for any login shell.
const wrapper = `t=$(mktemp) || exit 125; cat >"$t" || exit 125; exec 3<"$t"; rm -f "$t"; ` +
	`if setsid -w true 2>/dev/null; then exec setsid -w %[1]s /dev/fd/3; fi; ` +
	`exec %[1]s /dev/fd/3`

// shellQuote quotes s as one word for a POSIX shell: inside single quotes nothing is special
// except the single quote itself, which is closed, escaped and reopened.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// prologue reports the script's process id (its process group under setsid) on stderr with
// a marker unique to the run, then exports the parameters. SSH servers usually refuse
// SetEnv (OpenSSH accepts only AcceptEnv names), so parameters travel inside the script.
func prologue(marker string, params map[string]string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "printf '%s=%%s\\n' \"$$\" >&2\n", marker)
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	if err := checkParams(params); err != nil {
		return "", err
	}
	for _, k := range names {
		fmt.Fprintf(&b, "export %s=%s\n", k, shellQuote(params[k]))
	}
	return b.String(), nil
}

// checkParams refuses parameters a shell cannot receive.
func checkParams(params map[string]string) error {
	for k, v := range params {
		if !paramName.MatchString(k) {
			return sdk.Invalid(fmt.Errorf("parameter name %q is not a shell variable name", k))
		}
		if strings.ContainsRune(v, 0) {
			return sdk.Invalid(fmt.Errorf("parameter %s contains a NUL byte", k))
		}
	}
	return nil
}

func (c *connector) RunScript(ctx context.Context, agentID string, req sdk.ScriptRequest,
	out sdk.OutputFunc) (sdk.ScriptResult, error) {
	interp, ok := interpreters[req.Language]
	if !ok {
		return sdk.ScriptResult{}, sdk.Invalid(fmt.Errorf("language %q: this connector runs "+
			"sh and bash only", req.Language))
	}
	if err := checkParams(req.Params); err != nil {
		return sdk.ScriptResult{}, err
	}
	if err := checkFiles(req.Files, req.Params); err != nil {
		return sdk.ScriptResult{}, err
	}
	s, h, err := c.host(agentID)
	if err != nil {
		return sdk.ScriptResult{}, err
	}
	// TODO(ssh-context): req.Context "user" and "system" both run as the host's SSH user;
	// system could use sudo -n when the user is not root.
	if len(req.Files) > 0 {
		return runWithFiles(ctx, s, h, interp, req, out)
	}
	return run(ctx, s, h, interp, req, out)
}

// run connects to h and runs one script there.
func run(ctx context.Context, s *settings, h host, interp string, req sdk.ScriptRequest,
	out sdk.OutputFunc) (sdk.ScriptResult, error) {
	if err := checkParams(req.Params); err != nil {
		return sdk.ScriptResult{}, err
	}
	client, err := dial(ctx, s, h)
	if err != nil {
		return sdk.ScriptResult{}, err
	}
	defer client.Close()
	return runOn(ctx, client, h, interp, req, out)
}

// runOn executes one script over client and streams its output.
func runOn(ctx context.Context, client *ssh.Client, h host, interp string,
	req sdk.ScriptRequest, out sdk.OutputFunc) (sdk.ScriptResult, error) {
	nonce := make([]byte, 8)
	_, _ = rand.Read(nonce)
	marker := "__steward_pgid_" + hex.EncodeToString(nonce)
	pro, err := prologue(marker, req.Params)
	if err != nil {
		return sdk.ScriptResult{}, err
	}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}

	sess, err := client.NewSession()
	if err != nil {
		return sdk.ScriptResult{}, sdk.Retryable(fmt.Errorf("open session on %s: %w",
			h.Name, err))
	}
	defer sess.Close()
	sess.Stdin = strings.NewReader(pro + req.Body + "\n")
	stdout, err := sess.StdoutPipe()
	if err != nil {
		return sdk.ScriptResult{}, fmt.Errorf("stdout pipe: %w", err)
	}
	stderr, err := sess.StderrPipe()
	if err != nil {
		return sdk.ScriptResult{}, fmt.Errorf("stderr pipe: %w", err)
	}

	res := sdk.ScriptResult{StartedAt: time.Now().UTC()}
	cmd := "sh -c " + shellQuote(fmt.Sprintf(wrapper, interp))
	if err := sess.Start(cmd); err != nil {
		return sdk.ScriptResult{}, sdk.Retryable(fmt.Errorf("start on %s: %w", h.Name, err))
	}

	var pgid pidBox
	var readers sync.WaitGroup
	readers.Add(2)
	go func() {
		defer readers.Done()
		readLines(stdout, func(l string) { out(sdk.OutputLine{Stream: sdk.StreamStdout, Text: l}) })
	}()
	go func() {
		defer readers.Done()
		readLines(stderr, func(l string) {
			if v, ok := strings.CutPrefix(l, marker+"="); ok && pgid.set(v) {
				return
			}
			out(sdk.OutputLine{Stream: sdk.StreamStderr, Text: l})
		})
	}()
	done := make(chan error, 1)
	go func() {
		// Wait returns once the output is drained, so no line arrives after the result.
		readers.Wait()
		done <- sess.Wait()
	}()

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case err := <-done:
		res.FinishedAt = time.Now().UTC()
		return exitResult(res, err)
	case <-timer.C:
		stop(client, pgid.get(), done)
		res.TimedOut, res.ExitCode, res.FinishedAt = true, -1, time.Now().UTC()
		res.Error = fmt.Sprintf("timed out after %s; the script's process group was killed",
			timeout)
		return res, nil
	case <-ctx.Done():
		stop(client, pgid.get(), done)
		return sdk.ScriptResult{}, ctx.Err()
	}
}

// stopGrace is how long a killed script's session gets to end before the connection is cut.
const stopGrace = 5 * time.Second

// stop kills the script and waits until its output readers are done, so that no line is
// emitted after RunScript returns.
func stop(client *ssh.Client, pid int, done <-chan error) {
	kill(client, pid)
	select {
	case <-done:
	case <-time.After(stopGrace):
		client.Close()
		<-done
	}
}

func exitResult(res sdk.ScriptResult, err error) (sdk.ScriptResult, error) {
	var exit *ssh.ExitError
	var missing *ssh.ExitMissingError
	switch {
	case err == nil:
		res.ExitCode = 0
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitStatus()
		if sig := exit.Signal(); sig != "" {
			res.Error = "the script was ended by signal " + sig
		}
	case errors.As(err, &missing):
		res.ExitCode = -1
		res.Error = "the session ended without an exit status"
	default:
		return sdk.ScriptResult{}, sdk.Retryable(fmt.Errorf("wait for the script: %w", err))
	}
	return res, nil
}

// kill ends the script's process group through a second session on the same connection.
// Closing the first session is not enough: without a terminal, sshd sends no SIGHUP and the
// processes live on.
func kill(client *ssh.Client, pid int) {
	if pid <= 0 {
		return
	}
	sess, err := client.NewSession()
	if err != nil {
		sdk.Logger().Warn("cannot open a session to kill the script", "pid", pid, "error", err)
		return
	}
	defer sess.Close()
	p := strconv.Itoa(pid)
	cmd := "kill -KILL -" + p + " 2>/dev/null || { pkill -KILL -P " + p + "; kill -KILL " + p +
		"; }"
	if err := sess.Run(cmd); err != nil {
		sdk.Logger().Warn("kill the script", "pid", pid, "error", err)
	}
}

// pidBox holds the process id the prologue reports, set once.
type pidBox struct {
	mu  sync.Mutex
	pid int
}

func (b *pidBox) set(v string) bool {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pid != 0 {
		return false
	}
	b.pid = n
	return true
}

func (b *pidBox) get() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.pid
}

// readLines calls emit for each line of r, as valid UTF-8 without its line ending. A line
// longer than maxLine arrives in pieces.
func readLines(r io.Reader, emit func(string)) {
	br := bufio.NewReaderSize(r, maxLine)
	for {
		chunk, isPrefix, err := br.ReadLine()
		if len(chunk) > 0 || (err == nil && !isPrefix) {
			emit(strings.ToValidUTF8(strings.TrimSuffix(string(chunk), "\r"), "\uFFFD"))
		}
		if err != nil {
			return
		}
	}
}
