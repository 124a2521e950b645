package inventory

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/stewardhq/steward/sdk"
)

// ErrIncomplete marks an inventory that was collected only in part: some source existed but
// could not be read. The inventory returned with it is still usable; callers log the error
// and send what they have.
var ErrIncomplete = errors.New("inventory incomplete")

// commandTimeout bounds each command the collector runs. loginctl waits on a D-Bus call that
// can hang when logind is wedged, and one stuck source must not hold back the report.
const commandTimeout = 30 * time.Second

// Runner runs a command and returns its standard output. When the program does not exist the
// error wraps exec.ErrNotFound, which the collector reads as "this source is absent".
type Runner interface {
	Run(ctx context.Context, name string, args ...string) ([]byte, error)
}

// Config tells a Collector where to look. The zero value collects from the running system.
type Config struct {
	// Root is the directory that stands for "/" when reading files; "" means "/". Tests point
	// it at a fake tree. Registry reads on Windows do not use it.
	Root string
	// OverridePath names a JSON file whose values replace the collected ones (see
	// LoadOverride). "" means none; a path whose file does not exist is not an error, so an
	// agent can always be configured with one.
	OverridePath string
	// Runner runs commands; nil runs them for real with a C locale.
	Runner Runner
}

// Collector gathers the inventory of the computer it runs on.
type Collector struct {
	root         string
	overridePath string
	runner       Runner
	// hostname and birthTime are the two facts read from the system rather than from a file
	// below root; tests replace them.
	hostname  func() (string, error)
	birthTime func(path string) (time.Time, bool)
}

// New returns a Collector for cfg.
func New(cfg Config) *Collector {
	c := &Collector{
		root:         cfg.Root,
		overridePath: cfg.OverridePath,
		runner:       cfg.Runner,
		hostname:     os.Hostname,
		birthTime:    birthTime,
	}
	if c.root == "" {
		c.root = "/"
	}
	if c.runner == nil {
		c.runner = execRunner{}
	}
	return c
}

// Collect gathers the inventory. Users are sorted and de-duplicated, programs sorted by name
// then source. When some sources fail the error wraps ErrIncomplete and the inventory holds
// everything else; when ctx ends first the error is ctx.Err() and the inventory is empty.
func (c *Collector) Collect(ctx context.Context) (sdk.Inventory, error) {
	inv, err := c.collectPlatform(ctx)
	if ctxErr := ctx.Err(); ctxErr != nil {
		return sdk.Inventory{}, ctxErr
	}

	if c.overridePath != "" {
		o, oerr := LoadOverride(c.overridePath)
		switch {
		case errors.Is(oerr, fs.ErrNotExist):
		case oerr != nil:
			err = errors.Join(err, oerr)
		default:
			inv = o.Apply(inv)
		}
	}

	inv = normalize(inv)
	if err != nil {
		return inv, fmt.Errorf("%w: %w", ErrIncomplete, err)
	}
	return inv, nil
}

// Fingerprint returns a stable hash of an inventory, so the agent sends it only when it
// changed. The order of users and programs and the time zone of the install date do not
// change the result.
func Fingerprint(inv sdk.Inventory) string {
	inv = normalize(inv)
	if inv.Facts.OSInstallDate != nil {
		utc := inv.Facts.OSInstallDate.UTC()
		inv.Facts.OSInstallDate = &utc
	}

	// Marshalling plain structs and slices cannot fail.
	b, _ := json.Marshal(inv)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// normalize sorts and de-duplicates users and programs on copies, leaving inv's slices alone.
func normalize(inv sdk.Inventory) sdk.Inventory {
	if inv.Users != nil {
		users := slices.Clone(inv.Users)
		slices.Sort(users)
		inv.Users = slices.Compact(users)
	}
	if inv.Programs != nil {
		progs := slices.Clone(inv.Programs)
		slices.SortFunc(progs, compareProgram)
		inv.Programs = slices.Compact(progs)
	}
	return inv
}

func compareProgram(a, b sdk.Program) int {
	return cmpChain(
		strings.Compare(a.Name, b.Name),
		strings.Compare(a.Source, b.Source),
		strings.Compare(a.Version, b.Version),
		strings.Compare(a.Publisher, b.Publisher),
		strings.Compare(a.ProductCode, b.ProductCode),
		strings.Compare(a.UpgradeCode, b.UpgradeCode),
	)
}

func cmpChain(results ...int) int {
	for _, r := range results {
		if r != 0 {
			return r
		}
	}
	return 0
}

// path maps an absolute path of the inspected system to one below root.
func (c *Collector) path(p string) string {
	return filepath.Join(c.root, filepath.FromSlash(p))
}

// readValue reads a small text file below root and trims it. A missing or unreadable file
// gives "" without error: firmware files such as product_serial are readable by root only,
// and an unprivileged agent simply does not know them.
func (c *Collector) readValue(p string) (string, error) {
	b, err := os.ReadFile(c.path(p))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", p, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// run runs one command under commandTimeout. found is false when the program is absent.
func (c *Collector) run(ctx context.Context, name string, args ...string) (
	out []byte, found bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()

	out, err = c.runner.Run(ctx, name, args...)
	if errors.Is(err, exec.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, true, fmt.Errorf("run %s: %w", name, err)
	}
	return out, true, nil
}

// shortHostname drops the domain part of a host name.
func shortHostname(name string) string {
	name = strings.TrimSpace(name)
	if i := strings.IndexByte(name, '.'); i > 0 {
		return name[:i]
	}
	return name
}

// hostFact returns the short host name, or an error naming the operation.
func (c *Collector) hostFact() (string, error) {
	name, err := c.hostname()
	if err != nil {
		return "", fmt.Errorf("read host name: %w", err)
	}
	return shortHostname(name), nil
}

// plausibleDate rejects timestamps no installation can have: zero, the Unix epoch that
// reproducible image builds stamp on files, and times in the future.
func plausibleDate(t time.Time) bool {
	earliest := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	return t.After(earliest) && !t.After(time.Now().Add(24*time.Hour))
}

// execRunner runs real processes.
type execRunner struct{}

func (execRunner) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	// A fixed locale keeps column layouts and dates in command output parseable.
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.Output()
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) && len(exitErr.Stderr) > 0 {
			return out, fmt.Errorf("%w: %s", err, firstLine(string(exitErr.Stderr)))
		}
		return out, err
	}
	return out, nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
