package runner

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/sdk"
)

func TestValidateParams(t *testing.T) {
	tests := []struct {
		name    string
		lang    string
		params  map[string]string
		wantErr bool
	}{
		{"none", sdk.LanguageSh, nil, false},
		{"identifiers", sdk.LanguageSh,
			map[string]string{"a": "", "_b2": "x", "ComputerName": "pc"}, false},
		{"leading digit", sdk.LanguageSh, map[string]string{"2fast": "x"}, true},
		{"empty name", sdk.LanguageSh, map[string]string{"": "x"}, true},
		{"dash", sdk.LanguageSh, map[string]string{"a-b": "x"}, true},
		{"space", sdk.LanguageSh, map[string]string{"a b": "x"}, true},
		{"non-ascii letter", sdk.LanguageSh, map[string]string{"größe": "x"}, true},
		{"equals sign", sdk.LanguageCmd, map[string]string{"a=b": "x"}, true},
		{"dollar", sdk.LanguagePowerShell, map[string]string{"$a": "x"}, true},
		{"bash startup file", sdk.LanguageBash, map[string]string{"BASH_ENV": "/tmp/x"}, true},
		{"loader preload any case", sdk.LanguageSh, map[string]string{"ld_preload": "x"}, true},
		{"exported function", sdk.LanguageBash, map[string]string{"BASH_FUNC_x": "x"}, true},
		{"run marker", sdk.LanguageSh, map[string]string{markerVar: "x"}, true},
		{"powershell automatic", sdk.LanguagePowerShell, map[string]string{"Host": "x"}, true},
		{"powershell automatic other case", sdk.LanguagePowerShell,
			map[string]string{"PID": "x"}, true},
		{"powershell name fine for sh", sdk.LanguageSh, map[string]string{"Host": "x"}, false},
		{"nul in value", sdk.LanguageSh, map[string]string{"a": "x\x00y"}, true},
		{"hostile value is fine", sdk.LanguageSh,
			map[string]string{"a": "$(rm -rf /); `x` %PATH% '\""}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateParams(tt.lang, tt.params)
			if tt.wantErr {
				require.ErrorIs(t, err, ErrInvalidParam)
				return
			}
			require.NoError(t, err)
		})
	}
}

func TestMergeEnv(t *testing.T) {
	tests := []struct {
		name     string
		base     []string
		add      map[string]string
		foldCase bool
		want     []string
	}{
		{
			name: "adds sorted after base",
			base: []string{"PATH=/bin"},
			add:  map[string]string{"b": "2", "a": "1"},
			want: []string{"PATH=/bin", "a=1", "b=2"},
		},
		{
			name: "replaces same name",
			base: []string{"HOME=/root", "X=old=still"},
			add:  map[string]string{"X": "new"},
			want: []string{"HOME=/root", "X=new"},
		},
		{
			name: "case matters on unix",
			base: []string{"Path=/bin"},
			add:  map[string]string{"PATH": "/x"},
			want: []string{"Path=/bin", "PATH=/x"},
		},
		{
			name:     "case folded on windows",
			base:     []string{`Path=C:\Windows`, `=C:=C:\dir`},
			add:      map[string]string{"PATH": `C:\x`},
			foldCase: true,
			want:     []string{`=C:=C:\dir`, `PATH=C:\x`},
		},
		{
			name: "value with newline and equals",
			add:  map[string]string{"V": "a=b\nc"},
			want: []string{"V=a=b\nc"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, mergeEnv(tt.base, tt.add, tt.foldCase))
		})
	}
}

func TestScriptContent(t *testing.T) {
	tests := []struct {
		name    string
		lang    string
		body    string
		params  map[string]string
		oem     int
		want    string
		wantErr bool
	}{
		{
			name: "sh drops carriage returns of line ends",
			lang: sdk.LanguageSh,
			body: "echo a\r\necho b\r\n",
			want: "echo a\necho b\n",
		},
		{
			name: "bash keeps a lone carriage return",
			lang: sdk.LanguageBash,
			body: "printf 'a\rb'\n",
			want: "printf 'a\rb'\n",
		},
		{
			name: "powershell without parameters has only the byte order mark",
			lang: sdk.LanguagePowerShell,
			body: "Write-Output 1",
			want: "\uFEFFWrite-Output 1",
		},
		{
			name:   "powershell prologue reads the environment",
			lang:   sdk.LanguagePowerShell,
			body:   "Write-Output $Name\r\n",
			params: map[string]string{"Name": "$(Stop-Computer)", "_id": "7"},
			want: "\uFEFF$Name = [string]$env:Name; $_id = [string]$env:_id\n" +
				"Write-Output $Name\r\n",
		},
		{
			name: "cmd gets crlf",
			lang: sdk.LanguageCmd,
			body: "@echo off\necho a\r\necho b",
			want: "@echo off\r\necho a\r\necho b",
		},
		{
			name: "cmd encoded in the oem code page",
			lang: sdk.LanguageCmd,
			body: "echo grüße",
			oem:  850,
			want: "echo gr\x81\xE1e",
		},
		{
			name:    "cmd with characters the code page lacks",
			lang:    sdk.LanguageCmd,
			body:    "echo 中文",
			oem:     850,
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scriptContent(tt.lang, tt.body, tt.params, codePage(tt.oem))
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, string(got))
		})
	}
}

func TestWindowsCommandLines(t *testing.T) {
	require.Equal(t,
		`"C:\Windows\system32\cmd.exe" /D /E:ON /V:OFF /S /C ""C:\Program Files\t\script.cmd""`,
		cmdCommandLine(`C:\Windows\system32\cmd.exe`, `C:\Program Files\t\script.cmd`))

	require.Equal(t, "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)", privateDirSDDL(""))
	require.Equal(t, "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;S-1-5-21-1-2-3-1001)",
		privateDirSDDL("S-1-5-21-1-2-3-1001"))
}
