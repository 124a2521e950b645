package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/stewardhq/steward/sdk"
)

// identifyTimeout bounds the identity script, which only reads a few files.
const identifyTimeout = 30 * time.Second

// identityScript prints key=value lines. The DMI files are readable by root only on many
// systems (product_serial always); a missing value stays empty and means unknown.
const identityScript = `v() {
  printf '%s=' "$1"
  if [ -r "$2" ]; then head -n 1 "$2" | tr -d '\n'; fi
  printf '\n'
}
v uuid /sys/class/dmi/id/product_uuid
v serial /sys/class/dmi/id/product_serial
v vendor /sys/class/dmi/id/sys_vendor
v model /sys/class/dmi/id/product_name
v machineid /etc/machine-id
printf 'hostname=%s\n' "$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)"
for f in /etc/os-release /usr/lib/os-release; do
  if [ -r "$f" ]; then sed 's/^/os./' "$f"; break; fi
done
`

// Identify runs the identity script on the agent's host over SSH. Hardware facts the host
// does not report come from its hosts file entry.
func (c *connector) Identify(ctx context.Context, agentID string) (sdk.IdentityFacts, error) {
	s, h, err := c.host(agentID)
	if err != nil {
		return sdk.IdentityFacts{}, err
	}
	var lines []string
	var errLines []string
	res, err := run(ctx, s, h, "sh", sdk.ScriptRequest{ID: "identify", Language: sdk.LanguageSh,
		Body: identityScript, Timeout: identifyTimeout}, func(l sdk.OutputLine) {
		if l.Stream == sdk.StreamStderr {
			errLines = append(errLines, l.Text)
			return
		}
		lines = append(lines, l.Text)
	})
	if err != nil {
		return sdk.IdentityFacts{}, err
	}
	if res.TimedOut || res.ExitCode != 0 {
		return sdk.IdentityFacts{}, sdk.Downstream(fmt.Errorf("identity script on %s: exit %d "+
			"%s: %s", h.Name, res.ExitCode, res.Error, strings.Join(errLines, " ")))
	}
	f := parseIdentity(lines)
	c.remember(agentID, f)
	return withKnown(f, h), nil
}

// parseIdentity reads the identity script's output.
func parseIdentity(lines []string) sdk.IdentityFacts {
	var f sdk.IdentityFacts
	for _, l := range lines {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "uuid":
			f.SMBIOSUUID = v
		case "serial":
			f.Serial = v
		case "vendor":
			f.Manufacturer = v
		case "model":
			f.Model = v
		case "machineid":
			f.OSInstallID = v
		case "hostname":
			f.Hostname, _, _ = strings.Cut(v, ".")
		case "os.NAME":
			f.OSName = unquoteOSRelease(v)
		case "os.VERSION_ID":
			f.OSVersion = unquoteOSRelease(v)
		}
	}
	return f
}

// unquoteOSRelease undoes os-release's shell-style quoting: one pair of double or single
// quotes, with backslash escapes inside double quotes.
func unquoteOSRelease(v string) string {
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		return v[1 : len(v)-1]
	}
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
		var b strings.Builder
		for i := 0; i < len(v); i++ {
			if v[i] == '\\' && i+1 < len(v) {
				i++
			}
			b.WriteByte(v[i])
		}
		return b.String()
	}
	return v
}
