package sdk

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
)

// DefaultStartTimeout is how long Open waits for a connector's handshake when OpenConfig
// gives no StartTimeout.
const DefaultStartTimeout = 30 * time.Second

// OpenConfig says how the hub starts a connector. The zero value starts the executable with
// no arguments, the hub's environment, no checksum check, DefaultStartTimeout and logs to
// standard error.
type OpenConfig struct {
	// Args are passed to the executable.
	Args []string
	// Env adds "NAME=value" entries to the hub's environment; they win over the hub's own.
	Env []string
	// SHA256 is the executable's expected hash in hex. When set, Open refuses a file that
	// does not match, before running it.
	SHA256 string
	// StartTimeout bounds the wait for the handshake.
	StartTimeout time.Duration
	// Logger receives the connector's log lines; its level is passed on to the connector.
	Logger hclog.Logger
	// Stderr, when set, also receives the connector's standard error as it is.
	Stderr io.Writer
	// SysProcAttr, when set, is given to the connector's process; a host on Linux sets
	// Pdeathsig so that no connector outlives a host that is killed.
	SysProcAttr *syscall.SysProcAttr
}

// Plugin is a running connector process seen from the hub. It implements every capability
// interface, but only the capabilities the connector declared are usable: the others return
// an error wrapping ErrNotDeclared without calling the process. Methods are safe for
// concurrent use.
type Plugin struct {
	client  *plugin.Client
	remote  remote
	desc    Description
	version int
	stderr  *tail
}

var _ remote = (*Plugin)(nil)

// Open starts the connector executable at path, performs the handshake (magic cookie,
// protocol version negotiation, automatic mutual TLS) and asks for its Description. The
// process runs until Kill. ctx bounds the start and the Describe call.
func Open(ctx context.Context, path string, cfg OpenConfig) (*Plugin, error) {
	log := cfg.Logger
	if log == nil {
		log = hclog.New(&hclog.LoggerOptions{Name: "connector", Output: os.Stderr,
			Level: hclog.Info})
	}
	var secure *plugin.SecureConfig
	if cfg.SHA256 != "" {
		sum, err := hex.DecodeString(cfg.SHA256)
		if err != nil || len(sum) != sha256.Size {
			return nil, fmt.Errorf("open connector: SHA256 %q is not a hex SHA-256", cfg.SHA256)
		}
		secure = &plugin.SecureConfig{Checksum: sum, Hash: sha256.New()}
	}
	timeout := cfg.StartTimeout
	if timeout <= 0 {
		timeout = DefaultStartTimeout
	}

	// The hub's environment first so that cfg.Env wins: exec keeps the last of duplicates.
	cmd := exec.Command(path, cfg.Args...)
	cmd.SysProcAttr = cfg.SysProcAttr
	cmd.Env = append(os.Environ(), LogLevelEnv+"="+levelName(log))
	cmd.Env = append(cmd.Env, cfg.Env...)
	errTail := &tail{max: 4096}
	var stderrW io.Writer = errTail
	if cfg.Stderr != nil {
		stderrW = io.MultiWriter(errTail, cfg.Stderr)
	}

	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  handshake,
		VersionedPlugins: versionedPlugins(nil),
		Cmd:              cmd,
		SkipHostEnv:      true,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		SecureConfig:     secure,
		StartTimeout:     timeout,
		Logger:           log,
		Stderr:           stderrW,
		// After the handshake go-plugin forwards stray prints; keep them visible.
		SyncStdout: &logWriter{log: log.Named("stdout"), level: hclog.Warn},
		SyncStderr: &logWriter{log: log.Named("stderr"), level: hclog.Info},
	})

	p, err := dispense(ctx, client, errTail)
	if err != nil {
		if ctx.Err() != nil {
			// Kill waits for a start in progress to end; the caller has stopped waiting.
			go client.Kill()
		} else {
			client.Kill()
		}
		return nil, fmt.Errorf("open connector %s: %w", path, err)
	}
	return p, nil
}

// dispense waits for the handshake, honouring ctx, and asks for the Description.
func dispense(ctx context.Context, client *plugin.Client, errTail *tail) (*Plugin, error) {
	type started struct {
		rpc plugin.ClientProtocol
		err error
	}
	done := make(chan started, 1)
	go func() {
		rpc, err := client.Client()
		done <- started{rpc, err}
	}()
	var s started
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case s = <-done:
	}
	if s.err != nil {
		// Kill waits until the process's stderr is read to the end, for the message.
		client.Kill()
		return nil, startError(s.err, errTail)
	}

	raw, err := s.rpc.Dispense(pluginName)
	if err != nil {
		return nil, fmt.Errorf("%w: dispense: %w", ErrHandshake, err)
	}
	r, ok := raw.(remote)
	if !ok {
		return nil, fmt.Errorf("%w: unexpected client type %T", ErrHandshake, raw)
	}
	p := &Plugin{client: client, remote: r, version: client.NegotiatedVersion(),
		stderr: errTail}

	p.desc, err = r.Describe(ctx)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(p.desc.ProtocolVersions, p.version) {
		return nil, fmt.Errorf("%w: negotiated version %d, connector describes %v",
			ErrIncompatible, p.version, p.desc.ProtocolVersions)
	}
	return p, nil
}

// startError explains a failed handshake; go-plugin's messages assume a reader who knows
// its wire format.
func startError(err error, errTail *tail) error {
	if errors.Is(err, plugin.ErrChecksumsDoNotMatch) {
		return ErrChecksum
	}
	msg := err.Error()
	last := errTail.String()
	if last != "" {
		last = "; its stderr ends with: " + last
	}
	switch {
	case strings.Contains(msg, "Failed to read any lines"),
		strings.Contains(msg, "plugin exited before we could connect"):
		return fmt.Errorf("%w: the process exited before the handshake%s", ErrHandshake, last)
	case strings.Contains(msg, "Unrecognized remote plugin message"),
		strings.Contains(msg, "error parsing core protocol version"):
		line := msg
		if _, after, ok := strings.Cut(msg, "message: "); ok {
			line, _, _ = strings.Cut(after, "\n")
		}
		return fmt.Errorf("%w: %w: first line was %q", ErrHandshake, ErrStdoutBeforeHandshake,
			line)
	case strings.Contains(msg, "incompatible API version"):
		return fmt.Errorf("%w: %s", ErrIncompatible, msg)
	case strings.Contains(msg, "timeout while waiting for plugin to start"):
		return fmt.Errorf("%w: no handshake within the start timeout (does main call "+
			"sdk.Serve?)%s", ErrHandshake, last)
	}
	return fmt.Errorf("%w: %w%s", ErrHandshake, err, last)
}

// Description returns what the connector said about itself when it started.
func (p *Plugin) Description() Description { return p.desc }

// ProtocolVersion returns the protocol version the two sides agreed on.
func (p *Plugin) ProtocolVersion() int { return p.version }

// Has reports whether the connector declared capability c.
func (p *Plugin) Has(c Capability) bool { return p.desc.Declares(c) }

// Kill ends the connector process: it asks it to stop, and kills it if it has not stopped
// within two seconds. Calls in progress fail.
func (p *Plugin) Kill() { p.client.Kill() }

// Exited reports whether the connector process has ended.
func (p *Plugin) Exited() bool { return p.client.Exited() }

// Stderr returns the last few kilobytes the connector wrote to standard error, for error
// reports.
func (p *Plugin) Stderr() string { return p.stderr.String() }

func (p *Plugin) declared(c Capability) error {
	if p.desc.Declares(c) {
		return nil
	}
	return fmt.Errorf("connector %s does not declare capability %s: %w", p.desc.Name, c,
		ErrNotDeclared)
}

// levelName is the connector's log level for the hub's logger.
func levelName(l hclog.Logger) string {
	switch {
	case l.IsTrace():
		return "trace"
	case l.IsDebug():
		return "debug"
	case l.IsInfo():
		return "info"
	case l.IsWarn():
		return "warn"
	}
	return "error"
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = t.buf[over:]
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.buf))
}

// logWriter logs each line written to it.
type logWriter struct {
	log   hclog.Logger
	level hclog.Level
	mu    sync.Mutex
	buf   []byte
}

func (w *logWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, b...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		w.log.Log(w.level, string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
}
