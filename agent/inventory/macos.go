package inventory

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stewardhq/steward/sdk"
)

// This file and macospkgs.go are not behind a build tag: like the Linux collector they only
// read files below the root and run commands, so the macOS collector is tested anywhere.

// setupDonePath is created by Setup Assistant when the first user finishes setting up the
// Mac, which is the nearest thing macOS has to an install date. Erasing the Mac removes it.
const setupDonePath = "/var/db/.AppleSetupDone"

// collectDarwin gathers a macOS inventory.
func (c *Collector) collectDarwin(ctx context.Context) (sdk.Inventory, error) {
	var inv sdk.Inventory
	var errs []error

	facts, err := c.darwinFacts(ctx)
	inv.Facts = facts
	errs = append(errs, err)
	inv.ComputerType = macComputerType(facts.Model, c.macHasBattery(ctx))

	out, found, err := c.run(ctx, "who")
	errs = append(errs, err)
	if found && err == nil {
		inv.Users = parseWho(out)
	}

	apps, err := c.macApps(ctx)
	inv.Programs = apps
	errs = append(errs, err)

	pkgs, err := c.macPkgs(ctx)
	inv.Programs = append(inv.Programs, pkgs...)
	errs = append(errs, err)

	return inv, errors.Join(errs...)
}

// darwinFacts reads the platform expert device, which carries the firmware's identity, and
// the system version. The platform UUID doubles as the installation id: macOS has no
// separate one, and the UUID is what other pathways report for Macs.
func (c *Collector) darwinFacts(ctx context.Context) (sdk.IdentityFacts, error) {
	var f sdk.IdentityFacts
	var errs []error

	out, found, err := c.run(ctx, "ioreg", "-rd1", "-c", "IOPlatformExpertDevice")
	errs = append(errs, err)
	if found && err == nil {
		props := parseIoreg(out)
		f.SMBIOSUUID = props["IOPlatformUUID"]
		f.Serial = props["IOPlatformSerialNumber"]
		f.Manufacturer = props["manufacturer"]
		f.Model = props["model"]
		f.OSInstallID = f.SMBIOSUUID
	}

	out, found, err = c.run(ctx, "sw_vers")
	errs = append(errs, err)
	if found && err == nil {
		vers := parseColonPairs(out)
		f.OSName, f.OSVersion = vers["ProductName"], vers["ProductVersion"]
	}

	f.Hostname, err = c.hostFact()
	errs = append(errs, err)

	f.OSInstallDate = c.fileDate(setupDonePath)
	return f, errors.Join(errs...)
}

// macHasBattery tells whether the Mac has an internal battery: the smart battery driver only
// matches on portables, so ioreg prints its object there and nothing elsewhere.
func (c *Collector) macHasBattery(ctx context.Context) bool {
	out, _, err := c.run(ctx, "ioreg", "-rd1", "-c", "AppleSmartBattery")
	return err == nil && len(bytes.TrimSpace(out)) > 0
}

// fileDate returns a file's birth time, else its modification time, when plausible.
func (c *Collector) fileDate(p string) *time.Time {
	full := c.path(p)
	if t, ok := c.birthTime(full); ok && plausibleDate(t) {
		return &t
	}
	st, err := os.Stat(full)
	if err != nil {
		return nil
	}
	if t := st.ModTime(); plausibleDate(t) {
		return &t
	}
	return nil
}

// parseIoreg reads the properties of the first object in `ioreg -rd1` output, lines of the
// form `"key" = value`. Values are quoted strings, or data shown as <"text"> when printable
// and <hex> otherwise; for data holding several strings the first one is kept.
func parseIoreg(out []byte) map[string]string {
	props := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	inObject := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "{":
			inObject = true
			continue
		case line == "}":
			if inObject {
				return props
			}
			continue
		case !inObject || !strings.HasPrefix(line, `"`):
			continue
		}

		key, value, ok := strings.Cut(line[1:], `" = `)
		if !ok {
			continue
		}
		if v, ok := ioregValue(value); ok {
			props[key] = v
		}
	}
	return props
}

// ioregValue decodes one property value; ok is false for numbers, dictionaries and other
// values the inventory does not use.
func ioregValue(v string) (string, bool) {
	switch {
	case strings.HasPrefix(v, `"`) && strings.HasSuffix(v, `"`) && len(v) >= 2:
		return v[1 : len(v)-1], true
	case strings.HasPrefix(v, `<"`) && strings.HasSuffix(v, `">`):
		first, _, _ := strings.Cut(v[2:len(v)-2], `","`)
		return first, true
	case strings.HasPrefix(v, "<") && strings.HasSuffix(v, ">"):
		b, err := hex.DecodeString(v[1 : len(v)-1])
		if err != nil {
			return "", false
		}
		first, _, _ := bytes.Cut(bytes.TrimLeft(b, "\x00"), []byte{0})
		if !printable(first) {
			return "", false
		}
		return string(first), true
	}
	return "", false
}

// printable tells text from binary data such as the little-endian numbers ioreg also shows
// in hex.
func printable(b []byte) bool {
	if len(b) == 0 || !utf8.Valid(b) {
		return false
	}
	return bytes.IndexFunc(b, func(r rune) bool { return !unicode.IsPrint(r) }) < 0
}

// parseColonPairs reads "Key: value" lines, as sw_vers and pkgutil --pkg-info print them.
func parseColonPairs(out []byte) map[string]string {
	vals := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		vals[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return vals
}
