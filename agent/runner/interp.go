package runner

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"

	"github.com/stewardhq/steward/sdk"
)

// interpreter is the program that runs scripts of one language.
type interpreter struct {
	lang string
	path string
	// args go between the program and the script file.
	args []string
	// ext is the script file's extension, which cmd.exe and PowerShell insist on.
	ext string
}

// host is what interpreter resolution asks of the computer; tests replace it to resolve
// for another platform or to hide an interpreter.
type host struct {
	goos     string
	lookPath func(file string) (string, error)
	getenv   func(key string) string
	exists   func(path string) bool
}

func realHost() host {
	return host{
		goos:     runtime.GOOS,
		lookPath: exec.LookPath,
		getenv:   os.Getenv,
		exists: func(path string) bool {
			info, err := os.Stat(path)
			return err == nil && !info.IsDir()
		},
	}
}

// PowerShell switches: no profile or banner, never wait for input, and on Windows allow
// unsigned script files whatever the machine's execution policy says.
var (
	pwshArgs       = []string{"-NoLogo", "-NoProfile", "-NonInteractive", "-File"}
	powershellArgs = []string{
		"-NoLogo", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-File",
	}
)

// resolveInterpreter finds the interpreter for lang on h, or says why there is none.
func resolveInterpreter(h host, lang string) (interpreter, error) {
	if h.goos == "windows" {
		return resolveWindows(h, lang)
	}

	switch lang {
	case sdk.LanguageSh:
		if h.exists("/bin/sh") {
			return interpreter{lang: lang, path: "/bin/sh", ext: ".sh"}, nil
		}
		return lookInterpreter(h, lang, "sh", nil, ".sh")
	case sdk.LanguageBash:
		return lookInterpreter(h, lang, "bash", nil, ".sh")
	case sdk.LanguagePowerShell:
		return lookInterpreter(h, lang, "pwsh", pwshArgs, ".ps1")
	case sdk.LanguageCmd:
		return interpreter{}, fmt.Errorf("%w: %s on %s", ErrUnsupportedLanguage, lang, h.goos)
	}
	return interpreter{}, fmt.Errorf("%w: %q", ErrUnsupportedLanguage, lang)
}

func resolveWindows(h host, lang string) (interpreter, error) {
	sysRoot := h.getenv("SystemRoot")
	if sysRoot == "" {
		sysRoot = `C:\Windows`
	}

	switch lang {
	case sdk.LanguagePowerShell:
		// The full path, not a PATH search: the agent runs as SYSTEM and must not pick up
		// a powershell.exe planted in a folder on PATH.
		p := sysRoot + `\System32\WindowsPowerShell\v1.0\powershell.exe`
		if h.exists(p) {
			return interpreter{lang: lang, path: p, args: powershellArgs, ext: ".ps1"}, nil
		}
		return lookInterpreter(h, lang, "pwsh.exe", powershellArgs, ".ps1")
	case sdk.LanguageCmd:
		for _, p := range []string{h.getenv("ComSpec"), sysRoot + `\System32\cmd.exe`} {
			if p != "" && h.exists(p) {
				return interpreter{lang: lang, path: p, ext: ".cmd"}, nil
			}
		}
		return interpreter{}, fmt.Errorf("%w: cmd.exe", ErrInterpreterNotFound)
	case sdk.LanguageSh, sdk.LanguageBash:
		return interpreter{}, fmt.Errorf("%w: %s on %s", ErrUnsupportedLanguage, lang, h.goos)
	}
	return interpreter{}, fmt.Errorf("%w: %q", ErrUnsupportedLanguage, lang)
}

func lookInterpreter(h host, lang, file string, args []string, ext string) (interpreter, error) {
	p, err := h.lookPath(file)
	if err != nil {
		return interpreter{}, fmt.Errorf("%w: %s: %w", ErrInterpreterNotFound, file, err)
	}
	return interpreter{lang: lang, path: p, args: args, ext: ext}, nil
}

// cmdCommandLine is the exact command line for running a batch file. cmd.exe does not
// parse its command line by the rules Go quotes arguments for, so it is built by hand:
// /S makes cmd strip only the outer pair of quotes, keeping the quoted path intact; /D
// skips AutoRun commands from the registry; /E:ON and /V:OFF pin the defaults that the
// registry could change.
func cmdCommandLine(cmdPath, script string) string {
	return `"` + cmdPath + `" /D /E:ON /V:OFF /S /C ""` + script + `""`
}
