package inventory

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/stewardhq/steward/sdk"
)

// errNotPlist reports data that is not an XML property list with a top-level dictionary.
var errNotPlist = errors.New("not an xml property list")

// macApps lists the application bundles in /Applications and, one level down, in the
// folders that suites install their several apps into.
func (c *Collector) macApps(ctx context.Context) ([]sdk.Program, error) {
	bundles, err := c.appBundles("/Applications")
	if err != nil {
		return nil, err
	}

	progs := make([]sdk.Program, 0, len(bundles))
	for _, b := range bundles {
		if err := ctx.Err(); err != nil {
			return progs, err
		}
		progs = append(progs, c.appProgram(ctx, b))
	}
	return progs, nil
}

// appBundles returns the paths of the .app folders in dir and its non-bundle subfolders.
func (c *Collector) appBundles(dir string) ([]string, error) {
	entries, err := os.ReadDir(c.path(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}

	var bundles []string
	for _, e := range entries {
		p := path.Join(dir, e.Name())
		switch {
		case !e.IsDir():
		case strings.HasSuffix(e.Name(), ".app"):
			bundles = append(bundles, p)
		case dir == "/Applications":
			inner, err := c.appBundles(p)
			if err != nil {
				return nil, err
			}
			bundles = append(bundles, inner...)
		}
	}
	return bundles, nil
}

// appProgram describes one bundle from its Info.plist. A bundle whose plist cannot be read
// is still installed, so it is listed under its folder name rather than left out.
func (c *Collector) appProgram(ctx context.Context, bundle string) sdk.Program {
	p := sdk.Program{
		Name:   strings.TrimSuffix(path.Base(bundle), ".app"),
		Source: sourceMacApp,
	}
	vals, err := c.readPlist(ctx, path.Join(bundle, "Contents", "Info.plist"))
	if err != nil {
		return p
	}

	for _, k := range []string{"CFBundleName", "CFBundleDisplayName"} {
		if v := strings.TrimSpace(vals[k]); v != "" {
			p.Name = v
			break
		}
	}
	p.Version = strings.TrimSpace(vals["CFBundleShortVersionString"])
	if p.Version == "" {
		p.Version = strings.TrimSpace(vals["CFBundleVersion"])
	}
	return p
}

// readPlist returns the top-level string values of a property list. Binary lists are
// converted by plutil; without plutil they cannot be read.
func (c *Collector) readPlist(ctx context.Context, p string) (map[string]string, error) {
	data, err := os.ReadFile(c.path(p))
	if err != nil {
		return nil, fmt.Errorf("read plist: %w", err)
	}
	if bytes.HasPrefix(data, []byte("bplist")) {
		out, found, err := c.run(ctx, "plutil", "-convert", "xml1", "-o", "-", c.path(p))
		if err != nil {
			return nil, fmt.Errorf("convert plist: %w", err)
		}
		if !found {
			return nil, fmt.Errorf("convert plist: %w", errNotPlist)
		}
		data = out
	}
	return parsePlistStrings(data)
}

// parsePlistStrings reads the top-level dictionary of an XML property list and returns the
// entries whose value is a <string>; nested dictionaries and arrays are skipped.
func parsePlistStrings(data []byte) (map[string]string, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	if err := seekPlistDict(dec); err != nil {
		return nil, err
	}

	vals := map[string]string{}
	key := ""
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("parse plist: %w", err)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return vals, nil
		case xml.StartElement:
			var err error
			switch t.Name.Local {
			case "key":
				err = dec.DecodeElement(&key, &t)
				if err == nil {
					continue
				}
			case "string":
				var s string
				err = dec.DecodeElement(&s, &t)
				if key != "" {
					vals[key] = s
				}
			default:
				err = dec.Skip()
			}
			if err != nil {
				return nil, fmt.Errorf("parse plist: %w", err)
			}
			key = ""
		}
	}
}

// seekPlistDict advances dec past the <dict> that opens the plist's top-level value.
func seekPlistDict(dec *xml.Decoder) error {
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return errNotPlist
		}
		if err != nil {
			return fmt.Errorf("parse plist: %w", err)
		}
		se, ok := tok.(xml.StartElement)
		switch {
		case !ok || se.Name.Local == "plist":
		case se.Name.Local == "dict":
			return nil
		default:
			return errNotPlist
		}
	}
}

// macPkgs lists the installer receipts pkgutil knows, with their versions. A receipt whose
// details cannot be read is listed without a version.
func (c *Collector) macPkgs(ctx context.Context) ([]sdk.Program, error) {
	out, found, err := c.run(ctx, "pkgutil", "--pkgs")
	if err != nil || !found {
		return nil, err
	}

	var progs []sdk.Program
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		id := strings.TrimSpace(sc.Text())
		if id == "" {
			continue
		}
		if err := ctx.Err(); err != nil {
			return progs, err
		}

		p := sdk.Program{Name: id, Source: sourceMacPkg}
		if info, _, err := c.run(ctx, "pkgutil", "--pkg-info", id); err == nil {
			p.Version = parseColonPairs(info)["version"]
		}
		progs = append(progs, p)
	}
	return progs, nil
}
