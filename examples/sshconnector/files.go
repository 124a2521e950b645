package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/stewardhq/steward/sdk"
)

// maxFileSize caps one file whatever the request announces: the connector keeps each file
// on its own disk until it is verified.
const maxFileSize = 4 << 30

// cleanupTimeout bounds removing a run's remote directory, which also happens after a
// cancelled run, when the request's context is gone.
const cleanupTimeout = 30 * time.Second

var sha256Hex = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)

// httpClient downloads the files. The request's context bounds a transfer; the header
// timeout stops a server that accepts the connection and never answers.
var httpClient = func() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = time.Minute
	return &http.Client{Transport: t}
}()

// errOnHost marks a helper command that ran on the host and failed there, such as a full
// disk: the script cannot run, but the pathway works.
var errOnHost = errors.New("failed on the host")

// checkFiles refuses files this connector cannot place safely, before anything is fetched.
func checkFiles(files []sdk.FileRef, params map[string]string) error {
	names := map[string]bool{}
	vars := map[string]bool{}
	for i, f := range files {
		if f.Name == "" || f.Name == "." || f.Name == ".." ||
			strings.ContainsAny(f.Name, "/\x00") {
			return sdk.Invalid(fmt.Errorf("file %d: name %q is not a plain file name", i+1,
				f.Name))
		}
		u, err := url.Parse(f.URL)
		switch {
		case names[f.Name]:
			return sdk.Invalid(fmt.Errorf("file name %q appears twice", f.Name))
		case !paramName.MatchString(f.Param):
			return sdk.Invalid(fmt.Errorf("file %s: parameter %q is not a shell variable name",
				f.Name, f.Param))
		case vars[f.Param]:
			return sdk.Invalid(fmt.Errorf("file %s: parameter %s names another file too",
				f.Name, f.Param))
		case hasKey(params, f.Param):
			return sdk.Invalid(fmt.Errorf("file %s: parameter %s is also a script parameter",
				f.Name, f.Param))
		case !sha256Hex.MatchString(f.SHA256):
			return sdk.Invalid(fmt.Errorf("file %s: the SHA-256 is not 64 hex digits", f.Name))
		case f.Size < 0 || f.Size > maxFileSize:
			return sdk.Invalid(fmt.Errorf("file %s: size %d is outside 0 to %d bytes", f.Name,
				f.Size, int64(maxFileSize)))
		// The URL stays out of messages: a signed URL is a credential while it is valid.
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			return sdk.Invalid(fmt.Errorf("file %s: the URL is not an http or https URL",
				f.Name))
		}
		names[f.Name], vars[f.Param] = true, true
	}
	return nil
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

// download saves f to path and checks its size and SHA-256. Errors never contain the URL.
func download(ctx context.Context, f sdk.FileRef, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL, nil)
	if err != nil {
		return errors.New("download: the URL cannot be requested")
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("download: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("download: the server answered %s", resp.Status)
	}
	limit := int64(maxFileSize)
	if f.Size > 0 {
		limit = f.Size
	}
	if resp.ContentLength > limit {
		return fmt.Errorf("download: %d bytes, more than the %d expected", resp.ContentLength,
			limit)
	}

	out, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("create local copy: %w", err)
	}
	sum := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, sum), io.LimitReader(resp.Body, limit+1))
	if cerr := out.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("write local copy: %w", cerr)
	}
	switch got := hex.EncodeToString(sum.Sum(nil)); {
	case err != nil:
		return fmt.Errorf("download: %w", err)
	case n > limit:
		return fmt.Errorf("download: more than the %d bytes expected", limit)
	case f.Size > 0 && n != f.Size:
		return fmt.Errorf("download: %d bytes of the %d expected", n, f.Size)
	case got != strings.ToLower(f.SHA256):
		return fmt.Errorf("SHA-256 mismatch: got %s, expected %s", got,
			strings.ToLower(f.SHA256))
	}
	return nil
}

// runWithFiles downloads and verifies every file, copies them into a fresh directory on h,
// runs the script with each file's parameter set to its remote path, and removes the
// directory afterwards, whatever the outcome.
func runWithFiles(ctx context.Context, s *settings, h host, interp string,
	req sdk.ScriptRequest, out sdk.OutputFunc) (sdk.ScriptResult, error) {
	started := time.Now().UTC()
	failed := func(msg string) (sdk.ScriptResult, error) {
		return sdk.ScriptResult{ExitCode: -1, Error: msg, StartedAt: started,
			FinishedAt: time.Now().UTC()}, nil
	}

	local, err := os.MkdirTemp("", "sshconnector-files-")
	if err != nil {
		return sdk.ScriptResult{}, fmt.Errorf("create download directory: %w", err)
	}
	defer os.RemoveAll(local)
	paths := make([]string, len(req.Files))
	for i, f := range req.Files {
		paths[i] = filepath.Join(local, strconv.Itoa(i))
		if err := download(ctx, f, paths[i]); err != nil {
			if ctx.Err() != nil {
				return sdk.ScriptResult{}, ctx.Err()
			}
			return failed(fmt.Sprintf("file %s: %v; the script did not run", f.Name, err))
		}
	}

	client, err := dial(ctx, s, h)
	if err != nil {
		return sdk.ScriptResult{}, err
	}
	defer client.Close()
	dirOut, err := remoteRun(ctx, client, "mktemp -d", nil)
	dir := strings.TrimSpace(dirOut)
	if err == nil && (!strings.HasPrefix(dir, "/") || strings.ContainsAny(dir, "\n\x00")) {
		err = fmt.Errorf("%w: mktemp -d printed %q", errOnHost, dir)
	}
	if err != nil {
		return copyFailed(ctx, h, "create a directory for the files", err, failed)
	}
	defer removeRemote(s, h, client, dir)

	params := make(map[string]string, len(req.Params)+len(req.Files))
	for k, v := range req.Params {
		params[k] = v
	}
	for i, f := range req.Files {
		remote := dir + "/" + f.Name
		if err := upload(ctx, client, paths[i], remote); err != nil {
			return copyFailed(ctx, h, "copy file "+f.Name, err, failed)
		}
		params[f.Param] = remote
	}
	req.Params = params
	return runOn(ctx, client, h, interp, req, out)
}

// copyFailed sorts a failure to place the files: a cancelled run, a refusal on the host
// (the script's result) or a broken connection (the pathway's, worth a retry).
func copyFailed(ctx context.Context, h host, what string, err error,
	failed func(string) (sdk.ScriptResult, error)) (sdk.ScriptResult, error) {
	switch {
	case ctx.Err() != nil:
		return sdk.ScriptResult{}, ctx.Err()
	case errors.Is(err, errOnHost):
		return failed(fmt.Sprintf("%s on %s: %v; the script did not run", what, h.Name, err))
	}
	return sdk.ScriptResult{}, sdk.Retryable(fmt.Errorf("%s on %s: %w", what, h.Name, err))
}

// upload copies the local file to remote through cat: every POSIX host has it, unlike an
// SFTP subsystem.
func upload(ctx context.Context, client *ssh.Client, local, remote string) error {
	f, err := os.Open(local)
	if err != nil {
		return fmt.Errorf("open local copy: %w", err)
	}
	defer f.Close()
	_, err = remoteRun(ctx, client, "cat > "+shellQuote(remote), f)
	return err
}

// removeRemote deletes a run's remote directory. When a stopped script's connection was cut,
// it connects again: the files must not stay on the host.
func removeRemote(s *settings, h host, client *ssh.Client, dir string) {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	cmd := "rm -rf -- " + shellQuote(dir)
	_, err := remoteRun(ctx, client, cmd, nil)
	if err != nil && !errors.Is(err, errOnHost) {
		var again *ssh.Client
		if again, err = dial(ctx, s, h); err == nil {
			defer again.Close()
			_, err = remoteRun(ctx, again, cmd, nil)
		}
	}
	if err != nil {
		sdk.Logger().Warn("remove the script's files", "host", h.Name, "dir", dir,
			"error", err)
	}
}

// remoteRun runs one helper command on the host and returns its standard output. A
// non-zero exit wraps errOnHost with the command's error output.
func remoteRun(ctx context.Context, client *ssh.Client, cmd string, stdin io.Reader) (string,
	error) {
	sess, err := client.NewSession()
	if err != nil {
		return "", fmt.Errorf("open session: %w", err)
	}
	defer sess.Close()
	var stdout, stderr bytes.Buffer
	sess.Stdin, sess.Stdout, sess.Stderr = stdin, &stdout, &limitedBuffer{b: &stderr, n: 4096}
	stop := context.AfterFunc(ctx, func() { sess.Close() })
	defer stop()
	err = sess.Run(cmd)
	var exit *ssh.ExitError
	switch {
	case err == nil:
		return stdout.String(), nil
	case ctx.Err() != nil:
		return "", ctx.Err()
	case errors.As(err, &exit):
		return "", fmt.Errorf("%w: exit %d: %s", errOnHost, exit.ExitStatus(),
			strings.TrimSpace(stderr.String()))
	}
	return "", err
}

// limitedBuffer keeps the first n bytes written to it and drops the rest.
type limitedBuffer struct {
	b *bytes.Buffer
	n int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.n - l.b.Len(); room > 0 {
		l.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
