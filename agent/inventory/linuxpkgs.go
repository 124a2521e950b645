package inventory

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/stewardhq/steward/sdk"
)

// Program sources, as sdk.Program.Source names them.
const (
	sourceDpkg            = "dpkg"
	sourceRPM             = "rpm"
	sourceRegistryMachine = "registry-machine"
	sourceRegistryUser    = "registry-user"
	sourceMacApp          = "macos-app"
	sourceMacPkg          = "macos-pkg"
)

// dpkgStatusPath is dpkg's own database. It is read directly rather than through dpkg-query:
// the format is a stable, documented part of dpkg (deb-status(5)), reading it costs no
// process, it works on a fake tree below Config.Root, and it is there on images that strip
// the dpkg tools.
const dpkgStatusPath = "/var/lib/dpkg/status"

// rpmQueryFormat prints one package a line: name, [epoch:]version-release, vendor.
const rpmQueryFormat = `%{NAME}\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\t%{VENDOR}\n`

// linuxPrograms lists the packages of every package manager present.
func (c *Collector) linuxPrograms(ctx context.Context) ([]sdk.Program, error) {
	var progs []sdk.Program
	var errs []error

	f, err := os.Open(c.path(dpkgStatusPath))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		errs = append(errs, fmt.Errorf("open dpkg status: %w", err))
	default:
		dpkg, err := parseDpkgStatus(f)
		f.Close()
		progs = append(progs, dpkg...)
		errs = append(errs, err)
	}

	out, found, err := c.run(ctx, "rpm", "-qa", "--queryformat", rpmQueryFormat)
	errs = append(errs, err)
	if found && err == nil {
		progs = append(progs, parseRPM(out)...)
	}

	return progs, errors.Join(errs...)
}

// parseDpkgStatus reads the stanzas of dpkg's status file and keeps the packages whose
// state, the third word of Status, is "installed". That includes held packages ("hold ok
// installed") and ones marked for removal but still present ("deinstall ok installed"); it
// leaves out removed packages whose configuration remains ("config-files") and half-done
// installations.
func parseDpkgStatus(r io.Reader) ([]sdk.Program, error) {
	var progs []sdk.Program
	stanza := map[string]string{}
	flush := func() {
		status := strings.Fields(stanza["Status"])
		if len(status) == 3 && status[2] == "installed" && stanza["Package"] != "" {
			progs = append(progs, sdk.Program{
				Name:      stanza["Package"],
				Version:   stanza["Version"],
				Publisher: maintainerName(stanza["Maintainer"]),
				Source:    sourceDpkg,
			})
		}
		clear(stanza)
	}

	sc := bufio.NewScanner(r)
	// Description and Conffiles continuation lines are short, but a long single line must not
	// end the whole scan.
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.TrimSpace(line) == "":
			flush()
		case line[0] == ' ' || line[0] == '\t':
			// Continuation of a multi-line field; none of the fields kept has one.
		default:
			if k, v, ok := strings.Cut(line, ":"); ok {
				stanza[k] = strings.TrimSpace(v)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return progs, fmt.Errorf("read dpkg status: %w", err)
	}
	flush()
	return progs, nil
}

// maintainerName drops the mail address from an RFC 822 "Name <address>" maintainer.
func maintainerName(m string) string {
	if i := strings.IndexByte(m, '<'); i > 0 {
		return strings.TrimSpace(m[:i])
	}
	return m
}

// parseRPM reads the output of rpm with rpmQueryFormat. The gpg-pubkey entries are the
// repository signing keys rpm keeps in its database, not software.
func parseRPM(out []byte) []sdk.Program {
	var progs []sdk.Program
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		parts := strings.Split(sc.Text(), "\t")
		if len(parts) != 3 || parts[0] == "" || parts[0] == "gpg-pubkey" {
			continue
		}
		vendor := parts[2]
		if vendor == "(none)" {
			vendor = ""
		}
		progs = append(progs, sdk.Program{
			Name:      parts[0],
			Version:   parts[1],
			Publisher: vendor,
			Source:    sourceRPM,
		})
	}
	return progs
}
