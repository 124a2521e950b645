// Package sdktest checks a connector executable against the rules the hub relies on: the
// handshake, a sane Description, configuration checking, a timely Health, list capabilities
// with unique ids, and staying responsive after cancelled calls; given a test agent, a script
// run there with its output streamed back, and its identity. A vendor runs it from a Go test
// with Run or RunWith, or from the command line with `steward plugin check PATH`.
package sdktest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/stewardhq/steward/sdk"
)

// DefaultCallTimeout bounds each call when Options gives no CallTimeout.
const DefaultCallTimeout = 30 * time.Second

// Options says how to start and configure the connector under test. The zero value starts
// it with an empty configuration, which fails the configure check when fields are required.
type Options struct {
	// Config is a working configuration for the connector.
	Config sdk.Config
	// CallTimeout bounds each call, Health included.
	CallTimeout time.Duration
	// Open says how to start the executable; its Logger defaults to discarding the
	// connector's logs, whose tail appears in the report of a failed start.
	Open sdk.OpenConfig
	// Agent is one of the connector's agents, a test computer: a connector that runs scripts
	// runs a harmless one there, and one that identifies reads its identity. Empty skips
	// those checks.
	Agent string
}

// Status is the outcome of one check.
type Status string

// Outcomes.
const (
	Passed  Status = "PASS"
	Failed  Status = "FAIL"
	Skipped Status = "SKIP"
)

// Result is one check's outcome with a line on why.
type Result struct {
	Name   string
	Status Status
	Detail string
}

// Report is the outcome of every check on one executable, in the order they ran.
type Report struct {
	Binary  string
	Results []Result
}

// Failed reports whether any check failed.
func (r *Report) Failed() bool {
	for _, res := range r.Results {
		if res.Status == Failed {
			return true
		}
	}
	return false
}

// String renders the report for a terminal: one line per check, then a summary line.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "connector %s\n", r.Binary)
	counts := map[Status]int{}
	for _, res := range r.Results {
		counts[res.Status]++
		line := fmt.Sprintf("  %s  %s", res.Status, res.Name)
		if res.Detail != "" {
			line += ": " + res.Detail
		}
		b.WriteString(line + "\n")
	}
	fmt.Fprintf(&b, "%d passed, %d failed, %d skipped\n", counts[Passed], counts[Failed],
		counts[Skipped])
	return b.String()
}

func (r *Report) add(name string, status Status, detail string) {
	r.Results = append(r.Results, Result{Name: name, Status: status, Detail: detail})
}

func (r *Report) addErr(name string, err error, passDetail string) {
	if err != nil {
		r.add(name, Failed, err.Error())
		return
	}
	r.add(name, Passed, passDetail)
}

// TB is the part of testing.TB that Run uses.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Logf(format string, args ...any)
}

// Run checks the connector at binary with config and fails t for every failed check, logging
// the whole report. RunWith takes every option.
func Run(t TB, binary string, config sdk.Config) {
	t.Helper()
	RunWith(t, binary, Options{Config: config})
}

// RunWith checks the connector at binary with opts and fails t for every failed check,
// logging the whole report.
func RunWith(t TB, binary string, opts Options) {
	t.Helper()
	r := Check(context.Background(), binary, opts)
	t.Logf("%s", r)
	for _, res := range r.Results {
		if res.Status == Failed {
			t.Errorf("connector check %q failed: %s", res.Name, res.Detail)
		}
	}
}

// Check starts the connector at binary, runs every check and kills it again. It does not
// stop at the first failure, except that nothing runs without a handshake.
func Check(ctx context.Context, binary string, opts Options) *Report {
	r := &Report{Binary: binary}
	timeout := opts.CallTimeout
	if timeout <= 0 {
		timeout = DefaultCallTimeout
	}
	if opts.Open.Logger == nil {
		opts.Open.Logger = hclog.NewNullLogger()
	}

	openCtx, cancel := context.WithTimeout(ctx, timeout)
	p, err := sdk.Open(openCtx, binary, opts.Open)
	cancel()
	if err != nil {
		r.add("handshake", Failed, err.Error())
		r.add("remaining checks", Skipped, "no handshake")
		return r
	}
	r.add("handshake", Passed, fmt.Sprintf("protocol version %d", p.ProtocolVersion()))
	defer p.Kill()

	d := p.Description()
	r.Results = append(r.Results, checkDescription(d)...)
	r.Results = append(r.Results, checkMissingRequired(ctx, p, d, opts.Config, timeout))

	if missing := missingRequired(d, opts.Config); len(missing) > 0 {
		// Without a working configuration the calls below can only fail, which says nothing
		// about the connector.
		r.add("checks of a configured connector", Skipped, "no value for "+
			strings.Join(missing, ", ")+"; give a working configuration (steward plugin check "+
			"--config NAME=VALUE …) to run them")
		r.Results = append(r.Results, checkCancellation(ctx, p, listsOf(p, d), timeout))
		return r.kill(p)
	}
	call, cancel := context.WithTimeout(ctx, timeout)
	err = p.Configure(call, opts.Config)
	cancel()
	r.addErr("configure with the given values", err, "")

	call, cancel = context.WithTimeout(ctx, timeout)
	h, err := p.Health(call)
	cancel()
	r.addErr(fmt.Sprintf("health answers within %s", timeout), err, h.Message)

	for _, l := range listsOf(p, d) {
		call, cancel := context.WithTimeout(ctx, timeout)
		ids, err := l.list(call)
		cancel()
		if err != nil {
			r.add("list "+l.name, Failed, err.Error())
			continue
		}
		if problem := uniqueIDs(ids); problem != "" {
			r.add("list "+l.name, Failed, problem)
			continue
		}
		r.add("list "+l.name, Passed, fmt.Sprintf("%d, ids unique", len(ids)))
	}

	r.Results = append(r.Results, checkAgent(ctx, p, d, opts.Agent, timeout)...)
	r.Results = append(r.Results, checkCancellation(ctx, p, listsOf(p, d), timeout))
	return r.kill(p)
}

// kill ends the connector and checks that it is gone.
func (r *Report) kill(p *sdk.Plugin) *Report {
	p.Kill()
	if p.Exited() {
		r.add("kill", Passed, "")
	} else {
		r.add("kill", Failed, "the process is still running after Kill")
	}
	return r
}

// missingRequired lists the required fields without a value in cfg.
func missingRequired(d sdk.Description, cfg sdk.Config) []string {
	var out []string
	for _, f := range d.Fields {
		if f.Required && cfg[f.Name] == "" {
			out = append(out, f.Name)
		}
	}
	return out
}
