package runner

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"time"

	"golang.org/x/text/encoding"

	"github.com/stewardhq/steward/sdk"
)

// drainWait bounds how long output is still read once every process of the run is gone.
// Only a process that escaped the tree (it cleared its environment and left the process
// group) can hold the pipes open longer; its output is then cut off.
const drainWait = 2 * time.Second

// launch is one prepared run.
type launch struct {
	runID   string
	in      interpreter
	dir     string
	script  string
	params  map[string]string
	acct    *account
	timeout time.Duration
}

// tree is the set of processes one run started, as the platform tracks them.
type tree interface {
	// awaitExit blocks until the script's main process has ended. Where the platform
	// allows, the process is not reaped yet, so its ids cannot be reused during stop.
	awaitExit()
	// stop ends every process of the run that is still alive, politely first and by force
	// after grace. It fails when some of them could not be ended.
	stop(grace time.Duration) error
	// wait reaps the main process once awaitExit has returned; a non-zero exit is an
	// *exec.ExitError.
	wait() (*os.ProcessState, error)
	// release frees what the platform held for the tree.
	release()
}

func (r *Runner) runProcess(ctx context.Context, l launch, onLine func(sdk.OutputLine),
	res sdk.ScriptResult) (sdk.ScriptResult, error) {
	outR, outW, err := os.Pipe()
	if err != nil {
		return res, fmt.Errorf("make stdout pipe: %w", err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		_, _ = outR.Close(), outW.Close()
		return res, fmt.Errorf("make stderr pipe: %w", err)
	}

	token := markerToken(l.runID)
	cmd := &exec.Cmd{
		Path: l.in.path,
		Args: append(append([]string{l.in.path}, l.in.args...), l.script),
		Dir:  l.dir,
		Env:  runEnv(l, token),
		// Stdin stays nil: the null device, so a read gets end of file at once.
		Stdout: outW,
		Stderr: errW,
	}
	sink := newBoundedOutput(r.maxOutput, onLine)

	res.StartedAt = time.Now()
	t, err := startTree(cmd, l, markerVar+"="+token)
	_, _ = outW.Close(), errW.Close()
	if err != nil {
		_, _ = outR.Close(), errR.Close()
		return res, fmt.Errorf("start %s: %w", l.in.lang, err)
	}
	defer t.release()

	var readers sync.WaitGroup
	readers.Go(func() { readStream(outR, sdk.StreamStdout, sink, r.oem) })
	readers.Go(func() { readStream(errR, sdk.StreamStderr, sink, r.oem) })

	exited := make(chan struct{})
	go func() {
		t.awaitExit()
		close(exited)
	}()

	var runErr error
	res.TimedOut, runErr = awaitEnd(ctx, exited, l.timeout)

	// The exit code of a process ended by the run says nothing about the script (Windows
	// even reports the code the job was terminated with), so it stays -1.
	ended := runErr != nil

	// Stop runs after a normal exit too: background processes do not outlive the run.
	if err := t.stop(r.grace); err != nil {
		runErr = errors.Join(runErr, err)
	}
	<-exited
	state, err := t.wait()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		runErr = errors.Join(runErr, fmt.Errorf("wait for script: %w", err))
	}
	if state != nil && !ended {
		res.ExitCode = state.ExitCode()
	}

	drained := make(chan struct{})
	go func() {
		readers.Wait()
		close(drained)
	}()
	select {
	case <-drained:
	case <-time.After(drainWait):
		_, _ = outR.Close(), errR.Close()
	}
	res.DroppedBytes = sink.finish()
	res.FinishedAt = time.Now()
	return res, runErr
}

// awaitEnd waits until the script's main process has exited, the timeout has passed or
// ctx is done, and says which of the last two ended the wait.
func awaitEnd(ctx context.Context, exited <-chan struct{}, timeout time.Duration) (
	timedOut bool, err error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-exited:
		return false, nil
	case <-timer.C:
		return true, fmt.Errorf("%w after %s", ErrTimedOut, timeout)
	case <-ctx.Done():
		return false, fmt.Errorf("run canceled: %w", context.Cause(ctx))
	}
}

// runEnv is the script's environment: the agent's own for the system context, the user's
// for the user context, plus the parameters and the run's marker token.
func runEnv(l launch, token string) []string {
	base := os.Environ()
	if l.acct != nil {
		base = l.acct.environ(base)
	}
	add := make(map[string]string, len(l.params)+1)
	for k, v := range l.params {
		add[k] = v
	}
	add[markerVar] = token
	return mergeEnv(base, add, runtime.GOOS == "windows")
}

// readStream feeds one pipe to the splitter until the pipe is closed, stamping each line
// with the time the bytes that completed it were read.
func readStream(f *os.File, stream string, sink *boundedOutput, oem encoding.Encoding) {
	defer func() { _ = f.Close() }()

	var at time.Time
	sp := newSplitter(oem, func(text string) { sink.add(stream, text, at) })
	buf := make([]byte, 32<<10)
	for {
		n, err := f.Read(buf)
		if n > 0 {
			at = time.Now()
			sp.write(buf[:n])
		}
		if err != nil {
			break
		}
	}
	at = time.Now()
	sp.close()
}

// markerToken is the value of the marker variable for a run. It is derived from the run id,
// so an agent that restarts after a crash can still find and end the processes of a run it
// lost track of; a run without an id gets a random one.
func markerToken(runID string) string {
	if runID == "" {
		return rand.Text()
	}
	sum := sha256.Sum256([]byte("steward-run:" + runID))
	return hex.EncodeToString(sum[:16])
}
