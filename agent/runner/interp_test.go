package runner

import (
	"os/exec"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/sdk"
)

// fakeHost has the given files, finds the given programs on PATH, and has the given
// environment.
func fakeHost(goos string, files []string, onPath map[string]string, env map[string]string) host {
	return host{
		goos: goos,
		lookPath: func(file string) (string, error) {
			if p, ok := onPath[file]; ok {
				return p, nil
			}
			return "", exec.ErrNotFound
		},
		getenv: func(key string) string { return env[key] },
		exists: func(path string) bool { return slices.Contains(files, path) },
	}
}

func TestResolveInterpreter(t *testing.T) {
	winPS := `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`
	winEnv := map[string]string{
		"SystemRoot": `C:\Windows`,
		"ComSpec":    `C:\Windows\system32\cmd.exe`,
	}
	linux := fakeHost("linux", []string{"/bin/sh"},
		map[string]string{"bash": "/usr/bin/bash", "pwsh": "/opt/pwsh/pwsh"}, nil)
	bare := fakeHost("darwin", nil, map[string]string{"sh": "/usr/local/bin/sh"}, nil)
	windows := fakeHost("windows", []string{winPS, `C:\Windows\system32\cmd.exe`}, nil, winEnv)
	windowsPwshOnly := fakeHost("windows", nil,
		map[string]string{"pwsh.exe": `C:\Program Files\PowerShell\7\pwsh.exe`}, nil)

	tests := []struct {
		name    string
		host    host
		lang    string
		want    interpreter
		wantErr error
	}{
		{"linux sh", linux, sdk.LanguageSh,
			interpreter{lang: "sh", path: "/bin/sh", ext: ".sh"}, nil},
		{"linux bash", linux, sdk.LanguageBash,
			interpreter{lang: "bash", path: "/usr/bin/bash", ext: ".sh"}, nil},
		{"linux pwsh", linux, sdk.LanguagePowerShell, interpreter{
			lang: "powershell", path: "/opt/pwsh/pwsh", args: pwshArgs, ext: ".ps1",
		}, nil},
		{"linux cmd", linux, sdk.LanguageCmd, interpreter{}, ErrUnsupportedLanguage},
		{"sh from path", bare, sdk.LanguageSh,
			interpreter{lang: "sh", path: "/usr/local/bin/sh", ext: ".sh"}, nil},
		{"bash missing", bare, sdk.LanguageBash, interpreter{}, ErrInterpreterNotFound},
		{"pwsh missing", bare, sdk.LanguagePowerShell, interpreter{}, ErrInterpreterNotFound},
		{"windows powershell", windows, sdk.LanguagePowerShell,
			interpreter{lang: "powershell", path: winPS, args: powershellArgs, ext: ".ps1"}, nil},
		{"windows cmd", windows, sdk.LanguageCmd,
			interpreter{lang: "cmd", path: `C:\Windows\system32\cmd.exe`, ext: ".cmd"}, nil},
		{"windows pwsh only", windowsPwshOnly, sdk.LanguagePowerShell, interpreter{
			lang: "powershell", path: `C:\Program Files\PowerShell\7\pwsh.exe`,
			args: powershellArgs, ext: ".ps1",
		}, nil},
		{"windows cmd missing", windowsPwshOnly, sdk.LanguageCmd,
			interpreter{}, ErrInterpreterNotFound},
		{"windows bash", windows, sdk.LanguageBash, interpreter{}, ErrUnsupportedLanguage},
		{"unknown", linux, "python", interpreter{}, ErrUnsupportedLanguage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resolveInterpreter(tt.host, tt.lang)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestInterpreterNotFoundIsUnsupportedLanguage(t *testing.T) {
	require.ErrorIs(t, ErrInterpreterNotFound, ErrUnsupportedLanguage)
}
