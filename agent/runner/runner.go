package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/text/encoding"

	"github.com/stewardhq/steward/sdk"
)

// Errors callers branch on. ScriptResult.Error carries their text; Execute returns them.
var (
	// ErrUnsupportedLanguage: the language is unknown or has no interpreter on this
	// operating system (cmd outside Windows, sh and bash on Windows).
	ErrUnsupportedLanguage = errors.New("unsupported script language")
	// ErrInterpreterNotFound: the language is supported here but its interpreter is not
	// installed, e.g. PowerShell on a Linux computer without pwsh. It wraps
	// ErrUnsupportedLanguage.
	ErrInterpreterNotFound = fmt.Errorf("%w: interpreter not installed", ErrUnsupportedLanguage)
	// ErrUnsupportedContext: the context is neither system nor user.
	ErrUnsupportedContext = errors.New("unsupported script context")
	// ErrInvalidParam: a parameter name is not an identifier or is reserved, or a value
	// cannot be passed.
	ErrInvalidParam = errors.New("invalid script parameter")
	// ErrNoSignedInUser: the user context was asked for and nobody is signed in.
	ErrNoSignedInUser = errors.New("no user signed in")
	// ErrTimedOut: the script ran longer than its timeout and was ended.
	ErrTimedOut = errors.New("script timed out")
	// ErrProcessesLeft: some processes of the run could not be ended.
	ErrProcessesLeft = errors.New("processes of the script could not be ended")
)

// Defaults for a zero Config.
const (
	DefaultMaxOutputBytes = 1 << 20
	DefaultKillGrace      = 3 * time.Second
	DefaultTimeout        = time.Hour
)

// Config sets up a Runner. The zero value is a useful default.
type Config struct {
	// MaxOutputBytes bounds the output kept per run, stdout and stderr together (see the
	// package documentation); 0 means DefaultMaxOutputBytes.
	MaxOutputBytes int64
	// TempDir is where each run's private folder is made; empty means the system's temp
	// folder. For the user context the user must be able to reach folders made in it.
	TempDir string
	// OEMCodePage decodes output lines that are neither UTF-8 nor UTF-16, as a Windows code
	// page number such as 437 or 850. 0 means the console code page on Windows and none
	// elsewhere; with none, or a code page not known here, invalid bytes become U+FFFD.
	// On Windows batch files are also written in this code page.
	OEMCodePage int
	// KillGrace is how long processes get between the polite stop and the forced one
	// (SIGTERM and SIGKILL on Unix); 0 means DefaultKillGrace.
	KillGrace time.Duration
	// DefaultTimeout applies to requests without a timeout; 0 means DefaultTimeout.
	DefaultTimeout time.Duration
	// Sessions finds the signed-in user for the user context; nil means the platform's
	// own lookup.
	Sessions SessionFinder
}

// Runner runs scripts. It holds no state between runs; one Runner may run several scripts
// at once.
type Runner struct {
	maxOutput      int64
	tempDir        string
	oem            encoding.Encoding
	grace          time.Duration
	defaultTimeout time.Duration
	sessions       SessionFinder
	host           host
}

// New returns a Runner for cfg.
func New(cfg Config) *Runner {
	r := &Runner{
		maxOutput:      cfg.MaxOutputBytes,
		tempDir:        cfg.TempDir,
		grace:          cfg.KillGrace,
		defaultTimeout: cfg.DefaultTimeout,
		sessions:       cfg.Sessions,
		host:           realHost(),
	}
	if r.maxOutput <= 0 {
		r.maxOutput = DefaultMaxOutputBytes
	}
	if r.tempDir == "" {
		r.tempDir = os.TempDir()
	}
	if r.grace <= 0 {
		r.grace = DefaultKillGrace
	}
	if r.defaultTimeout <= 0 {
		r.defaultTimeout = DefaultTimeout
	}
	if r.sessions == nil {
		r.sessions = platformSessions()
	}

	cp := cfg.OEMCodePage
	if cp == 0 {
		cp = consoleCodePage()
	}
	r.oem = codePage(cp)
	return r
}

// Run runs req and calls onLine for every kept line as it is printed. onLine may be nil;
// it is called from other goroutines, one call at a time, never after Run returns, and a
// slow onLine slows the script down. Run returns when the script and all its descendants
// are gone. A script that could not start or finish has ScriptResult.Error set (Execute
// returns the same as an error) and ExitCode -1 unless it exited by itself.
func (r *Runner) Run(ctx context.Context, req sdk.ScriptRequest,
	onLine func(sdk.OutputLine)) sdk.ScriptResult {
	res, _ := r.Execute(ctx, req, onLine)
	return res
}

// Execute is Run that also returns why the script could not start or finish, for
// errors.Is: ErrUnsupportedLanguage, ErrInterpreterNotFound, ErrUnsupportedContext,
// ErrInvalidParam, ErrNoSignedInUser, ErrTimedOut, ErrProcessesLeft, or the context's
// error. The error is nil exactly when ScriptResult.Error is empty.
func (r *Runner) Execute(ctx context.Context, req sdk.ScriptRequest,
	onLine func(sdk.OutputLine)) (sdk.ScriptResult, error) {
	res := sdk.ScriptResult{ExitCode: -1, StartedAt: time.Now()}
	res, err := r.execute(ctx, req, onLine, res)
	if res.FinishedAt.IsZero() {
		res.FinishedAt = time.Now()
	}
	if err != nil {
		res.Error = err.Error()
	}
	return res, err
}

func (r *Runner) execute(ctx context.Context, req sdk.ScriptRequest,
	onLine func(sdk.OutputLine), res sdk.ScriptResult) (sdk.ScriptResult, error) {
	if req.Context != sdk.ContextSystem && req.Context != sdk.ContextUser {
		return res, fmt.Errorf("%w: %q", ErrUnsupportedContext, req.Context)
	}
	in, err := resolveInterpreter(r.host, req.Language)
	if err != nil {
		return res, err
	}
	if err := validateParams(req.Language, req.Params); err != nil {
		return res, err
	}
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("run canceled: %w", err)
	}

	var acct *account
	if req.Context == sdk.ContextUser {
		u, err := r.sessions.ConsoleUser(ctx)
		if err != nil {
			return res, fmt.Errorf("find signed-in user: %w", err)
		}
		acct, err = lookupAccount(ctx, u)
		if err != nil {
			return res, fmt.Errorf("look up account %s: %w", u.Name, err)
		}
		defer acct.close()
	}

	dir, file, err := writeScript(r.tempDir, in, req, r.oem, acct)
	if err != nil {
		return res, err
	}
	defer func() { _ = os.RemoveAll(dir) }()

	timeout := req.Timeout
	if timeout <= 0 {
		timeout = r.defaultTimeout
	}
	return r.runProcess(ctx, launch{
		runID:   req.ID,
		in:      in,
		dir:     dir,
		script:  file,
		params:  req.Params,
		acct:    acct,
		timeout: timeout,
	}, onLine, res)
}
