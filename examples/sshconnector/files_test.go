package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/examples/sshconnector/sshtest"
	"github.com/stewardhq/steward/sdk"
)

// fileServer serves /<name> for each entry of files on 127.0.0.1 and counts the requests.
func fileServer(t *testing.T, files map[string]string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := files[strings.TrimPrefix(r.URL.Path, "/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// The remote host is this machine, so the tests look at the remote files directly.
func TestScriptsWithFiles(t *testing.T) {
	l := openLink(t, sshtest.Start(t))
	const deb = "pretend this is a .deb\nwith two lines\n"
	const conf = "key=value"
	// The URLs carry a signature, as the hub's do, which must not show up in any error.
	web := fileServer(t, map[string]string{"setup.deb": deb, "app.conf": conf})
	debRef := sdk.FileRef{URL: web.URL + "/setup.deb?sig=s3cret", SHA256: sum(deb), Name: "setup.deb",
		Size: int64(len(deb)), Param: "Installer"}

	// dirOf runs req, which must write its files' directory to $DirFile, and returns the
	// result, the output and that directory.
	dirOf := func(t *testing.T, req sdk.ScriptRequest) (sdk.ScriptResult, []string, string) {
		t.Helper()
		dirFile := filepath.Join(t.TempDir(), "dir")
		req.Params = map[string]string{"DirFile": dirFile}
		res, lines, err := l.run(t, "local", req)
		require.NoError(t, err)
		data, err := os.ReadFile(dirFile)
		require.NoError(t, err, "the script did not record its directory")
		return res, lines, strings.TrimSpace(string(data))
	}

	// Upper-case hex is accepted, and the name needs no quoting care from the script.
	confRef := sdk.FileRef{URL: web.URL + "/app.conf?sig=s3cret", SHA256: strings.ToUpper(sum(conf)),
		Name: "app conf's", Param: "Conf"}

	t.Run("the script finds its files and they are removed afterwards", func(t *testing.T) {
		res, lines, dir := dirOf(t, sdk.ScriptRequest{ID: "f1", Language: sdk.LanguageSh,
			Files: []sdk.FileRef{debRef, confRef}, Timeout: time.Minute,
			Body: `dirname "$Installer" > "$DirFile"
basename "$Installer"
sha256sum "$Installer" | cut -d' ' -f1
cat "$Conf"; echo
[ "$(dirname "$Conf")" = "$(dirname "$Installer")" ] && echo same directory`})
		require.Equal(t, 0, res.ExitCode, "%v %s", lines, res.Error)
		require.Empty(t, res.Error)
		require.Equal(t, []string{"stdout:setup.deb", "stdout:" + sum(deb),
			"stdout:key=value", "stdout:same directory"}, lines)
		require.True(t, filepath.IsAbs(dir), dir)
		require.NoDirExists(t, dir)
	})

	t.Run("removed after a failing script", func(t *testing.T) {
		res, _, dir := dirOf(t, sdk.ScriptRequest{ID: "f2", Language: sdk.LanguageBash,
			Files: []sdk.FileRef{debRef}, Timeout: time.Minute,
			Body: `dirname "$Installer" > "$DirFile"; exit 3`})
		require.Equal(t, 3, res.ExitCode)
		require.NoDirExists(t, dir)
	})

	t.Run("removed after a timeout", func(t *testing.T) {
		res, _, dir := dirOf(t, sdk.ScriptRequest{ID: "f3", Language: sdk.LanguageSh,
			Files: []sdk.FileRef{debRef}, Timeout: 2 * time.Second,
			Body: `dirname "$Installer" > "$DirFile"; sleep 300`})
		require.True(t, res.TimedOut)
		require.NoDirExists(t, dir)
	})

	t.Run("removed after a cancellation", func(t *testing.T) {
		dirFile := filepath.Join(t.TempDir(), "dir")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			for ctx.Err() == nil {
				if _, err := os.Stat(dirFile); err == nil {
					cancel()
				}
				time.Sleep(20 * time.Millisecond)
			}
		}()
		_, err := l.p.RunScript(ctx, "local", sdk.ScriptRequest{ID: "f4",
			Language: sdk.LanguageSh, Files: []sdk.FileRef{debRef}, Timeout: time.Minute,
			Params: map[string]string{"DirFile": dirFile},
			Body: `d=$(dirname "$Installer"); echo "$d" > "$DirFile.tmp"; ` +
				`mv "$DirFile.tmp" "$DirFile"; sleep 300`},
			func(sdk.OutputLine) {})
		require.ErrorIs(t, err, context.Canceled)
		data, err := os.ReadFile(dirFile)
		require.NoError(t, err)
		// The connector cleans up after it has answered the cancellation.
		require.Eventually(t, func() bool {
			_, err := os.Stat(strings.TrimSpace(string(data)))
			return os.IsNotExist(err)
		}, 10*time.Second, 50*time.Millisecond)
	})

	// Each of these must fail before the script runs; the script would leave a marker. A
	// good file comes first: one bad file is enough to stop the run.
	failures := []struct {
		name string
		file sdk.FileRef
		want string
	}{
		{name: "wrong SHA-256", file: sdk.FileRef{URL: debRef.URL, SHA256: sum("other"),
			Name: "setup.deb", Param: "Installer"},
			want: "file setup.deb: SHA-256 mismatch: got " + sum(deb) + ", expected " +
				sum("other") + "; the script did not run"},
		{name: "missing on the server", file: sdk.FileRef{URL: web.URL + "/gone.deb?sig=s3cret",
			SHA256: sum(deb), Name: "gone.deb", Param: "Installer"},
			want: "file gone.deb: download: the server answered 404 Not Found"},
		{name: "larger than announced", file: sdk.FileRef{URL: debRef.URL, SHA256: sum(deb),
			Name: "setup.deb", Size: int64(len(deb)) - 1, Param: "Installer"},
			want: "file setup.deb: download: " + strconv.Itoa(len(deb)) +
				" bytes, more than the " + strconv.Itoa(len(deb)-1) + " expected"},
		{name: "smaller than announced", file: sdk.FileRef{URL: debRef.URL, SHA256: sum(deb),
			Name: "setup.deb", Size: int64(len(deb)) + 1, Param: "Installer"},
			want: "file setup.deb: download: " + strconv.Itoa(len(deb)) + " bytes of the " +
				strconv.Itoa(len(deb)+1) + " expected"},
		{name: "server unreachable", file: sdk.FileRef{URL: "http://127.0.0.1:" +
			strconv.Itoa(freePort(t)) + "/x?sig=s3cret", SHA256: sum(deb), Name: "x", Param: "Installer"},
			want: "file x: download: dial tcp"},
	}
	for i, tc := range failures {
		t.Run(tc.name, func(t *testing.T) {
			marker := filepath.Join(t.TempDir(), "ran")
			res, lines, err := l.run(t, "local", sdk.ScriptRequest{
				ID: "bad" + strconv.Itoa(i), Language: sdk.LanguageSh, Timeout: time.Minute,
				Files:  []sdk.FileRef{confRef, tc.file},
				Params: map[string]string{"Marker": marker}, Body: `touch "$Marker"`})
			require.NoError(t, err, "a bad file is the run's failure, not the pathway's")
			require.Contains(t, res.Error, tc.want)
			require.NotContains(t, res.Error, "s3cret", "a signed URL is a credential")
			require.Equal(t, -1, res.ExitCode)
			require.Empty(t, lines)
			require.NoFileExists(t, marker, "the script ran")
		})
	}
}

func TestFilesAreCheckedBeforeDownload(t *testing.T) {
	ok := sdk.FileRef{URL: "http://127.0.0.1:1/a", SHA256: sum("a"), Name: "a", Param: "A"}
	with := func(edit func(f *sdk.FileRef)) []sdk.FileRef {
		f := ok
		edit(&f)
		return []sdk.FileRef{f}
	}
	cases := []struct {
		name   string
		files  []sdk.FileRef
		params map[string]string
		err    string
	}{
		{name: "path in the name", files: with(func(f *sdk.FileRef) { f.Name = "../a" }),
			err: "not a plain file name"},
		{name: "dot", files: with(func(f *sdk.FileRef) { f.Name = "." }),
			err: "not a plain file name"},
		{name: "dot dot", files: with(func(f *sdk.FileRef) { f.Name = ".." }),
			err: "not a plain file name"},
		{name: "empty name", files: with(func(f *sdk.FileRef) { f.Name = "" }),
			err: "not a plain file name"},
		{name: "same name twice", files: []sdk.FileRef{ok, with(func(f *sdk.FileRef) {
			f.Param = "B"
		})[0]}, err: `file name "a" appears twice`},
		{name: "bad parameter", files: with(func(f *sdk.FileRef) { f.Param = "a-b" }),
			err: "not a shell variable name"},
		{name: "parameter taken", files: with(func(f *sdk.FileRef) {}),
			params: map[string]string{"A": "x"}, err: "also a script parameter"},
		{name: "short hash", files: with(func(f *sdk.FileRef) { f.SHA256 = "abc" }),
			err: "not 64 hex digits"},
		{name: "too large", files: with(func(f *sdk.FileRef) { f.Size = maxFileSize + 1 }),
			err: "outside 0 to"},
		{name: "not http", files: with(func(f *sdk.FileRef) { f.URL = "file:///etc/passwd" }),
			err: "not an http or https URL"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := checkFiles(tc.files, tc.params)
			require.Equal(t, sdk.KindInvalid, sdk.KindOf(err), "%v", err)
			require.ErrorContains(t, err, tc.err)
		})
	}
	require.NoError(t, checkFiles([]sdk.FileRef{ok}, map[string]string{"B": "x"}))
}
