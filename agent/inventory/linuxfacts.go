package inventory

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/sdk"
)

// This file and the other linux*.go files are not behind a build tag: they only read files
// below the root and run commands, so the Linux collector runs on a fake tree anywhere.

// dmiDir holds the firmware's SMBIOS values as the kernel exports them. The kernel already
// drops an all-zero or all-FF system UUID, and formats it in the byte order of the table's
// SMBIOS version.
const dmiDir = "/sys/class/dmi/id/"

// collectLinux gathers a Linux inventory.
func (c *Collector) collectLinux(ctx context.Context) (sdk.Inventory, error) {
	var inv sdk.Inventory
	var errs []error

	facts, err := c.linuxFacts(ctx)
	inv.Facts = facts
	errs = append(errs, err)

	chassis, err := c.readValue(dmiDir + "chassis_type")
	errs = append(errs, err)
	if code, convErr := strconv.Atoi(chassis); convErr == nil {
		inv.ComputerType = chassisComputerType(code)
	}

	inv.Users, err = c.linuxUsers(ctx)
	errs = append(errs, err)

	inv.Programs, err = c.linuxPrograms(ctx)
	errs = append(errs, err)

	return inv, errors.Join(errs...)
}

// linuxFacts reads the identity facts. Values are reported as the firmware has them:
// placeholders such as "To Be Filled By O.E.M." are the hub's to recognise, as it gets the
// same strings from every other pathway.
func (c *Collector) linuxFacts(ctx context.Context) (sdk.IdentityFacts, error) {
	var f sdk.IdentityFacts
	var errs []error
	if err := ctx.Err(); err != nil {
		return f, err
	}
	read := func(dst *string, p string) {
		v, err := c.readValue(p)
		*dst = v
		errs = append(errs, err)
	}

	read(&f.SMBIOSUUID, dmiDir+"product_uuid")
	read(&f.Serial, dmiDir+"product_serial")
	read(&f.Manufacturer, dmiDir+"sys_vendor")
	read(&f.Model, dmiDir+"product_name")

	host, err := c.hostFact()
	f.Hostname = host
	errs = append(errs, err)

	osr, err := c.osRelease()
	errs = append(errs, err)
	f.OSName, f.OSVersion = osNameVersion(osr)

	idPath, id, err := c.machineID()
	f.OSInstallID = id
	errs = append(errs, err)

	f.OSInstallDate = c.linuxInstallDate(idPath)
	return f, errors.Join(errs...)
}

// osRelease reads os-release(5): /etc first, /usr/lib as the vendor's fallback.
func (c *Collector) osRelease() (map[string]string, error) {
	for _, p := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		f, err := os.Open(c.path(p))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("open os-release: %w", err)
		}
		defer f.Close()

		vals, err := parseOSRelease(bufio.NewScanner(f))
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		return vals, nil
	}
	return map[string]string{}, nil
}

// parseOSRelease reads KEY=value lines with shell-style quoting, as os-release(5) defines.
func parseOSRelease(sc *bufio.Scanner) (map[string]string, error) {
	vals := map[string]string{}
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		vals[strings.TrimSpace(key)] = unquoteShell(strings.TrimSpace(val))
	}
	return vals, sc.Err()
}

// unquoteShell undoes the single and double quoting os-release values may carry. Within
// double quotes a backslash escapes $, ", \ and `.
func unquoteShell(v string) string {
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		return v[1 : len(v)-1]
	}
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return v
	}

	v = v[1 : len(v)-1]
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) && strings.IndexByte("$\"\\`", v[i+1]) >= 0 {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// osNameVersion picks the name and version from os-release values. Rolling distributions
// have no VERSION_ID; "Linux" is the default NAME that os-release(5) prescribes.
func osNameVersion(vals map[string]string) (name, version string) {
	name = vals["NAME"]
	if name == "" {
		name = vals["PRETTY_NAME"]
	}
	if name == "" {
		name = "Linux"
	}
	return name, vals["VERSION_ID"]
}

// machineID returns the systemd machine id and the file it came from. An empty file or the
// "uninitialized" marker of a first boot in progress count as no id, and D-Bus's copy is
// tried next, as systems without systemd keep only that one.
func (c *Collector) machineID() (path, id string, err error) {
	for _, p := range []string{"/etc/machine-id", "/var/lib/dbus/machine-id"} {
		v, err := c.readValue(p)
		if err != nil {
			return "", "", fmt.Errorf("read machine id: %w", err)
		}
		if v != "" && v != "uninitialized" {
			return p, strings.ToLower(v), nil
		}
	}
	return "", "", nil
}

// linuxInstallDate estimates when the system was installed, from the first plausible of:
//
//  1. the birth time of the root directory, which the installer's mkfs created;
//  2. the modification time of /lost+found, which mkfs.ext* creates at the same moment and
//     which only changes when fsck moves orphans into it;
//  3. the modification time of the machine-id file, written on the first boot and rewritten
//     only when the id is reset, so it can be later than the install.
//
// Implausible values are skipped: container and image tooling stamps the epoch on files.
// TODO(install-date): a disk cloned from a golden image keeps the image's mkfs time, so
// clones share 1 and 2; only the hub's comparison with the machine id can tell them apart.
func (c *Collector) linuxInstallDate(machineIDPath string) *time.Time {
	if t, ok := c.birthTime(c.path("/")); ok && plausibleDate(t) {
		return &t
	}

	candidates := []string{"/lost+found"}
	if machineIDPath != "" {
		candidates = append(candidates, machineIDPath)
	}
	for _, p := range candidates {
		st, err := os.Stat(c.path(p))
		if err != nil {
			continue
		}
		if t := st.ModTime(); plausibleDate(t) {
			return &t
		}
	}
	return nil
}
