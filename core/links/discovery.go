package links

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/sdk"
)

// Connector is one connector executable found in the plugin folders.
type Connector struct {
	Name         string            `json:"name"`
	DisplayName  string            `json:"displayName,omitempty"`
	Vendor       string            `json:"vendor,omitempty"`
	Version      string            `json:"version"`
	Capabilities []sdk.Capability  `json:"capabilities"`
	Fields       []sdk.ConfigField `json:"fields"`
	Path         string            `json:"path"`
	SHA256       string            `json:"sha256"`
}

// ExecutablePrefix is the name prefix a connector needs to be found next to the steward
// executable. That folder may be a shared one such as /usr/local/bin, and discovery runs
// what it finds, so only files that say they are Steward's are tried there.
const ExecutablePrefix = "steward-"

// ownPrograms are Steward's other executables, which share the prefix but are no
// connectors: discovery must not start them.
var ownPrograms = map[string]bool{"steward-agent": true, "steward-agentsim": true}

// discovery finds connectors and remembers their descriptions by file hash, so listing the
// connectors again starts only new or changed executables.
type discovery struct {
	dirs    []string
	self    string
	timeout time.Duration
	log     hclog.Logger

	mu   sync.Mutex
	seen map[string]Connector // by SHA-256
	// bad remembers files that did not start as connectors, so that listing again does
	// not wait for each one's start timeout.
	bad map[string]error // by SHA-256
}

// Connectors describes every connector executable in the folders, by name. When two files
// describe the same connector name, the one in the earlier folder wins. A file that does not
// start as a connector is skipped.
func (d *discovery) Connectors(ctx context.Context) ([]Connector, error) {
	byName := map[string]Connector{}
	for _, path := range d.candidates() {
		conn, err := d.describe(ctx, path)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			d.log.Warn("not a usable connector", "path", path, "err", err)
			continue
		}
		if _, dup := byName[conn.Name]; !dup {
			byName[conn.Name] = conn
		}
	}
	out := make([]Connector, 0, len(byName))
	for _, c := range byName {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Find returns the connector named name.
func (d *discovery) Find(ctx context.Context, name string) (Connector, error) {
	all, err := d.Connectors(ctx)
	if err != nil {
		return Connector{}, err
	}
	for _, c := range all {
		if c.Name == name {
			return c, nil
		}
	}
	return Connector{}, fmt.Errorf("no connector named %q in the plugin folders: %w", name,
		errs.ErrInvalid)
}

func (d *discovery) candidates() []string {
	var out []string
	seen := map[string]bool{}
	for i, dir := range d.dirs {
		// The last folder is the steward executable's own.
		shared := i == len(d.dirs)-1 && d.self != ""
		entries, err := os.ReadDir(dir)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				d.log.Warn("read plugin folder", "dir", dir, "err", err)
			}
			continue
		}
		for _, e := range entries {
			if shared && (!strings.HasPrefix(e.Name(), ExecutablePrefix) ||
				ownPrograms[strings.TrimSuffix(e.Name(), ".exe")]) {
				continue
			}
			path := filepath.Join(dir, e.Name())
			info, err := os.Stat(path)
			if err != nil || !info.Mode().IsRegular() || info.Mode().Perm()&0o111 == 0 {
				continue
			}
			if abs, err := filepath.Abs(path); err == nil {
				path = abs
			}
			if seen[path] || sameFile(path, d.self) {
				continue
			}
			seen[path] = true
			out = append(out, path)
		}
	}
	return out
}

func sameFile(a, b string) bool {
	if b == "" {
		return false
	}
	ia, err1 := os.Stat(a)
	ib, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(ia, ib)
}

// describe starts the executable just long enough to ask for its Description. The hash is
// taken first and passed to the start, so the description belongs to the hashed file.
func (d *discovery) describe(ctx context.Context, path string) (Connector, error) {
	sum, err := fileSHA256(path)
	if err != nil {
		return Connector{}, err
	}
	d.mu.Lock()
	c, ok := d.seen[sum]
	bad := d.bad[sum]
	d.mu.Unlock()
	if ok {
		c.Path = path
		return c, nil
	}
	if bad != nil {
		return Connector{}, bad
	}

	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	p, err := sdk.Open(ctx, path, sdk.OpenConfig{SHA256: sum, StartTimeout: d.timeout,
		Logger: d.log})
	if err != nil {
		if ctx.Err() == nil || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			d.remember(sum, err)
		}
		return Connector{}, err
	}
	desc := p.Description()
	p.Kill()
	if desc.Name == "" {
		err := fmt.Errorf("describe %s: the connector gives no name", path)
		d.remember(sum, err)
		return Connector{}, err
	}
	c = Connector{Name: desc.Name, DisplayName: desc.DisplayName, Vendor: desc.Vendor,
		Version: desc.Version, Capabilities: desc.Capabilities, Fields: desc.Fields,
		Path: path, SHA256: sum}
	if c.Capabilities == nil {
		c.Capabilities = []sdk.Capability{}
	}
	if c.Fields == nil {
		c.Fields = []sdk.ConfigField{}
	}
	d.mu.Lock()
	d.seen[sum] = c
	d.mu.Unlock()
	return c, nil
}

func (d *discovery) remember(sum string, err error) {
	d.mu.Lock()
	d.bad[sum] = err
	d.mu.Unlock()
}

// fileSHA256 returns the file's SHA-256 in hex.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("hash connector executable: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash connector executable %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
