package client

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/agent/state"
	"github.com/stewardhq/steward/sdk"
)

func TestFetchFilesChecksEveryHash(t *testing.T) {
	content := []byte("installer bytes")
	sum := sha256.Sum256(content)
	good := hex.EncodeToString(sum[:])
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/agent/v1/files/"+good {
			http.Error(w, `{"error":{"code":"unauthorized","message":"bad signature"}}`, 401)
			return
		}
		_, _ = w.Write(content)
	}))
	defer srv.Close()
	a := &agent{id: state.Enrollment{State: state.State{Server: srv.URL}}}

	tests := []struct {
		name    string
		file    sdk.FileRef
		wantErr string
	}{
		{"relative address of the hub's own file", sdk.FileRef{Name: "hello.deb",
			URL: "/agent/v1/files/" + good + "?sig=x", SHA256: good, Param: "InstallerFile"}, ""},
		{"absolute address", sdk.FileRef{Name: "hello.deb",
			URL: srv.URL + "/agent/v1/files/" + good, SHA256: good, Param: "InstallerFile"}, ""},
		{"hash mismatch refused", sdk.FileRef{Name: "hello.deb",
			URL: "/agent/v1/files/" + good, SHA256: "00" + good[2:], Param: "F"}, "refused"},
		{"hub refuses", sdk.FileRef{Name: "x", URL: "/agent/v1/files/nope", SHA256: good,
			Param: "F"}, "bad signature"},
		{"larger than announced", sdk.FileRef{Name: "x", URL: "/agent/v1/files/" + good,
			SHA256: good, Size: 3, Param: "F"}, "larger"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			paths, err := a.fetchFiles(context.Background(), dir, []sdk.FileRef{tt.file})
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				entries, _ := os.ReadDir(dir)
				for _, e := range entries {
					require.NotEqual(t, "hello.deb", e.Name(), "a refused file is removed")
				}
				return
			}
			require.NoError(t, err)
			require.Equal(t, filepath.Join(dir, "hello.deb"), paths["InstallerFile"])
			got, err := os.ReadFile(paths["InstallerFile"])
			require.NoError(t, err)
			require.Equal(t, content, got)
		})
	}
}
