package runner

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/text/encoding"

	"github.com/stewardhq/steward/sdk"
)

// markerVar names the environment variable that tags every process of one run, so that
// the processes can be found after they left the script's process group.
const markerVar = "STEWARD_RUN_MARKER"

var paramName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// reservedEnv are names a parameter may not take because they change how the interpreter
// or the dynamic loader starts before the script's first line runs, or because the runner
// uses them. Compared without case, as Windows does.
var reservedEnv = []string{"BASH_ENV", "ENV", "SHELLOPTS", "BASHOPTS", "PS4", "IFS", markerVar}

var reservedEnvPrefixes = []string{"LD_", "DYLD_", "BASH_FUNC_"}

// psAutomatic are PowerShell automatic variables: read-only or constant ones, where the
// prologue's assignment would fail, and ones PowerShell overwrites while the script runs,
// where the parameter's value would not survive. Lower case.
var psAutomatic = []string{
	"_", "args", "consolefilename", "enabledexperimentalfeatures", "error", "event",
	"eventargs", "eventsubscriber", "executioncontext", "false", "foreach", "home", "host",
	"input", "iscoreclr", "islinux", "ismacos", "iswindows", "lastexitcode", "matches",
	"myinvocation", "nestedpromptlevel", "null", "pid", "psboundparameters", "pscmdlet",
	"pscommandpath", "psculture", "psedition", "pshome", "psitem", "psscriptroot",
	"psuiculture", "psversiontable", "pwd", "sender", "shellid", "stacktrace", "switch",
	"this", "true",
}

// validateParams checks that every parameter can be passed safely: the name is a plain
// identifier that means nothing else to the interpreter, and the value fits in an
// environment variable.
func validateParams(lang string, params map[string]string) error {
	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	slices.Sort(names)

	for _, name := range names {
		upper := strings.ToUpper(name)
		switch {
		case !paramName.MatchString(name):
			return fmt.Errorf("%w: %q is not a valid name", ErrInvalidParam, name)
		case slices.Contains(reservedEnv, upper) || hasAnyPrefix(upper, reservedEnvPrefixes):
			return fmt.Errorf("%w: %q is a reserved name", ErrInvalidParam, name)
		case lang == sdk.LanguagePowerShell && slices.Contains(psAutomatic, strings.ToLower(name)):
			return fmt.Errorf("%w: %q is a PowerShell automatic variable", ErrInvalidParam, name)
		case strings.ContainsRune(params[name], 0):
			return fmt.Errorf("%w: value of %q contains a NUL byte", ErrInvalidParam, name)
		}
	}
	return nil
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// mergeEnv returns base with the variables in add set, replacing entries of the same name.
// foldCase compares names without case, as Windows does, where two entries differing only
// in case would leave it to chance which one a program sees.
func mergeEnv(base []string, add map[string]string, foldCase bool) []string {
	key := func(name string) string {
		if foldCase {
			return strings.ToUpper(name)
		}
		return name
	}
	replaced := make(map[string]bool, len(add))
	for name := range add {
		replaced[key(name)] = true
	}

	out := make([]string, 0, len(base)+len(add))
	for _, kv := range base {
		if !replaced[key(envName(kv))] {
			out = append(out, kv)
		}
	}

	names := make([]string, 0, len(add))
	for name := range add {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		out = append(out, name+"="+add[name])
	}
	return out
}

// envName is the name part of a "NAME=value" entry. Windows keeps per-drive folders as
// "=C:=C:\dir", so an '=' in the first byte belongs to the name.
func envName(kv string) string {
	if kv == "" {
		return ""
	}
	if i := strings.IndexByte(kv[1:], '='); i >= 0 {
		return kv[:i+1]
	}
	return kv
}

// psPrologue makes every parameter a PowerShell variable too. It reads the environment
// instead of embedding values so that no value is ever parsed as PowerShell code, and it is
// one line so that line numbers in error messages are off by exactly one.
func psPrologue(params map[string]string) string {
	if len(params) == 0 {
		return ""
	}
	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	slices.Sort(names)

	var b strings.Builder
	for i, name := range names {
		if i > 0 {
			b.WriteString("; ")
		}
		// [string] turns an absent variable (Windows drops empty ones) into "".
		fmt.Fprintf(&b, "$%s = [string]$env:%s", name, name)
	}
	b.WriteString("\n")
	return b.String()
}

// scriptContent is what goes into the script file for in.lang.
func scriptContent(lang, body string, params map[string]string, oem encoding.Encoding) (
	[]byte, error) {
	switch lang {
	case sdk.LanguagePowerShell:
		// Windows PowerShell 5.1 reads a file without a byte order mark in the ANSI code
		// page, so the mark is what keeps non-ASCII text intact.
		return append(append([]byte(nil), bomUTF8...), psPrologue(params)+body...), nil
	case sdk.LanguageCmd:
		// cmd.exe reads batch files in the console code page, line by line, and mishandles
		// labels in files with bare LF endings.
		text := strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n")
		if oem == nil {
			return []byte(text), nil
		}
		b, err := oem.NewEncoder().Bytes([]byte(text))
		if err != nil {
			return nil, fmt.Errorf("encode batch script for the console code page: %w", err)
		}
		return b, nil
	default:
		// Scripts edited on Windows arrive with CRLF, which sh would take as part of each
		// command.
		return []byte(strings.ReplaceAll(body, "\r\n", "\n")), nil
	}
}

// privateDirSDDL is the access list of a run's folder on Windows: SYSTEM and
// administrators, plus the user the script runs as (a SID string) if any. It is protected
// so that nothing is inherited from the temp folder above, the Windows form of mode 0700.
func privateDirSDDL(userSID string) string {
	sddl := "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"
	if userSID != "" {
		sddl += "(A;OICI;FA;;;" + userSID + ")"
	}
	return sddl
}

// writeScript makes the run's private folder and writes the script file in it. The caller
// removes the folder.
func writeScript(base string, in interpreter, req sdk.ScriptRequest, oem encoding.Encoding,
	acct *account) (dir, file string, err error) {
	content, err := scriptContent(in.lang, req.Body, req.Params, oem)
	if err != nil {
		return "", "", err
	}

	dir, err = os.MkdirTemp(base, "steward-run-")
	if err != nil {
		return "", "", fmt.Errorf("make run folder: %w", err)
	}
	if err := securePath(dir, true, acct); err != nil {
		_ = os.RemoveAll(dir)
		return "", "", fmt.Errorf("secure run folder: %w", err)
	}

	file = filepath.Join(dir, "script"+in.ext)
	if err := os.WriteFile(file, content, 0o600); err != nil {
		_ = os.RemoveAll(dir)
		return "", "", fmt.Errorf("write script: %w", err)
	}
	if err := securePath(file, false, acct); err != nil {
		_ = os.RemoveAll(dir)
		return "", "", fmt.Errorf("secure script file: %w", err)
	}
	return dir, file, nil
}
