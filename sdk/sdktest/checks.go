package sdktest

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/stewardhq/steward/sdk"
)

// semver is Semantic Versioning 2.0.0 with an optional leading "v".
var semver = regexp.MustCompile(`^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
	`(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)

// connectorName is what the hub stores as a link's kind.
var connectorName = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// secretish are name parts that mean a value must be marked secret.
var secretish = []string{"password", "passwd", "secret", "token", "apikey", "api_key",
	"privatekey", "private_key", "credential", "passphrase"}

// checkDescription checks what Describe said, as several results.
func checkDescription(d sdk.Description) []Result {
	var out []Result
	add := func(name string, problems []string, ok string) {
		if len(problems) > 0 {
			out = append(out, Result{name, Failed, strings.Join(problems, "; ")})
			return
		}
		out = append(out, Result{name, Passed, ok})
	}

	var p []string
	if !connectorName.MatchString(d.Name) {
		p = append(p, fmt.Sprintf("name %q is not lower-case letters, digits, - and _", d.Name))
	}
	if !semver.MatchString(d.Version) {
		p = append(p, fmt.Sprintf("version %q is not a semantic version such as 1.2.0",
			d.Version))
	}
	add("describe: name and version", p, d.Name+" "+d.Version)

	p = nil
	if !slices.Contains(d.ProtocolVersions, sdk.ProtocolVersion) {
		p = append(p, fmt.Sprintf("protocol versions %v lack the current version %d",
			d.ProtocolVersions, sdk.ProtocolVersion))
	}
	add("describe: protocol versions", p, fmt.Sprint(d.ProtocolVersions))

	p = nil
	seen := map[sdk.Capability]bool{}
	for _, c := range d.Capabilities {
		switch {
		case !c.Known():
			p = append(p, fmt.Sprintf("unknown capability %q", c))
		case seen[c]:
			p = append(p, fmt.Sprintf("capability %s declared twice", c))
		case !slices.Contains(d.Implemented, c):
			p = append(p, fmt.Sprintf("capability %s is declared but not implemented", c))
		}
		seen[c] = true
	}
	add("describe: declared capabilities are implemented", p, fmt.Sprint(d.Capabilities))

	p = nil
	names := map[string]bool{}
	for _, f := range d.Fields {
		switch {
		case !sdk.ValidFieldName(f.Name):
			p = append(p, fmt.Sprintf("field name %q is not letters, digits and _", f.Name))
		case names[f.Name]:
			p = append(p, fmt.Sprintf("field %s declared twice", f.Name))
		}
		names[f.Name] = true
		if !f.Type.Known() {
			p = append(p, fmt.Sprintf("field %s has unknown type %q", f.Name, f.Type))
		}
		if strings.TrimSpace(f.Help) == "" {
			p = append(p, fmt.Sprintf("field %s has no help text", f.Name))
		}
		if f.Secret && f.Default != "" {
			p = append(p, fmt.Sprintf("secret field %s has a default", f.Name))
		}
		if f.Required && f.Default != "" {
			p = append(p, fmt.Sprintf("required field %s has a default", f.Name))
		}
	}
	add("describe: configuration fields", p, fmt.Sprintf("%d fields", len(d.Fields)))

	p = nil
	for _, f := range d.Fields {
		lower := strings.ToLower(f.Name)
		for _, s := range secretish {
			if strings.Contains(lower, s) && !f.Secret {
				p = append(p, fmt.Sprintf("field %s looks like a secret but is not marked "+
					"Secret", f.Name))
				break
			}
		}
	}
	add("describe: secrets are marked", p, "")
	return out
}

// checkMissingRequired configures without each required field in turn; each attempt must
// fail with an error that names the field.
func checkMissingRequired(ctx context.Context, c sdk.Configurer, d sdk.Description,
	cfg sdk.Config, timeout time.Duration) Result {
	const name = "configure rejects missing required fields"
	var required []string
	for _, f := range d.Fields {
		if f.Required {
			required = append(required, f.Name)
		}
	}
	if len(required) == 0 {
		return Result{name, Skipped, "no required fields"}
	}

	var p []string
	for _, field := range required {
		without := sdk.Config{}
		for k, v := range cfg {
			if k != field {
				without[k] = v
			}
		}
		call, cancel := context.WithTimeout(ctx, timeout)
		err := c.Configure(call, without)
		cancel()
		switch {
		case err == nil:
			p = append(p, fmt.Sprintf("accepted a configuration without %s", field))
		case !strings.Contains(err.Error(), field):
			p = append(p, fmt.Sprintf("the error without %s does not name it: %v", field, err))
		case !sdk.IsConfigError(err):
			p = append(p, fmt.Sprintf("the error without %s is not a configuration error: %v",
				field, err))
		}
	}
	if len(p) > 0 {
		return Result{name, Failed, strings.Join(p, "; ")}
	}
	return Result{name, Passed, strings.Join(required, ", ")}
}

// lister is one declared list capability, reduced to its ids.
type lister struct {
	name string
	list func(ctx context.Context) ([]string, error)
}

func ids[T any](items []T, err error, id func(T) string) ([]string, error) {
	if err != nil {
		return nil, err
	}
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out, nil
}

// listsOf returns the list calls of the capabilities d declares.
func listsOf(p *sdk.Plugin, d sdk.Description) []lister {
	var out []lister
	if d.Declares(sdk.CapClients) {
		out = append(out, lister{"clients", func(ctx context.Context) ([]string, error) {
			items, err := p.Clients(ctx)
			return ids(items, err, func(c sdk.Client) string { return c.ID })
		}})
	}
	if d.Declares(sdk.CapAgents) {
		out = append(out, lister{"agents", func(ctx context.Context) ([]string, error) {
			items, err := p.Agents(ctx)
			return ids(items, err, func(a sdk.Agent) string { return a.ID })
		}})
	}
	if d.Declares(sdk.CapClientGroups) {
		out = append(out, lister{"client groups", func(ctx context.Context) ([]string, error) {
			items, err := p.ClientGroups(ctx)
			return ids(items, err, func(g sdk.ClientGroup) string { return g.ID })
		}})
	}
	if d.Declares(sdk.CapDeviceGroups) {
		out = append(out, lister{"device groups", func(ctx context.Context) ([]string, error) {
			items, err := p.DeviceGroups(ctx)
			return ids(items, err, func(g sdk.DeviceGroup) string { return g.ID })
		}})
	}
	if d.Declares(sdk.CapDirectory) {
		out = append(out, lister{"directory persons", func(ctx context.Context) ([]string,
			error) {
			items, err := p.Persons(ctx)
			return ids(items, err, func(x sdk.Person) string { return x.ID })
		}}, lister{"directory groups", func(ctx context.Context) ([]string, error) {
			items, err := p.Groups(ctx)
			return ids(items, err, func(x sdk.Group) string { return x.ID })
		}})
	}
	return out
}

// uniqueIDs describes the first empty or repeated id, or returns "".
func uniqueIDs(ids []string) string {
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		if id == "" {
			return fmt.Sprintf("item %d has an empty id", i)
		}
		if seen[id] {
			return fmt.Sprintf("id %q appears more than once", id)
		}
		seen[id] = true
	}
	return ""
}

// cancelAfter is how long a cancelled call runs before its context ends: long enough for
// the request to reach the connector.
const cancelAfter = 20 * time.Millisecond

// checkCancellation cancels calls in flight and then expects the connector to answer
// Health. A handler that ignores its context and holds a lock shows up here as a hang.
func checkCancellation(ctx context.Context, h sdk.HealthChecker, lists []lister,
	timeout time.Duration) Result {
	const name = "cancelled calls leave the connector responsive"
	calls := []lister{{"health", func(ctx context.Context) ([]string, error) {
		_, err := h.Health(ctx)
		return nil, err
	}}}
	calls = append(calls, lists...)
	for _, c := range calls {
		// Success is fine too: a fast connector finishes before the deadline.
		call, cancel := context.WithTimeout(ctx, cancelAfter)
		_, _ = c.list(call)
		cancel()
	}
	call, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// Any answer counts, an error too: the check is about answering, not about health.
	if _, err := h.Health(call); errors.Is(err, context.DeadlineExceeded) ||
		sdk.IsPluginFault(err) {
		return Result{name, Failed, "health after cancelled calls: " + err.Error()}
	}
	return Result{name, Passed, fmt.Sprintf("%d calls cancelled", len(calls))}
}

// probe is the script run on a test agent: harmless, and the same in every language.
const probe = "echo steward-check"

// checkAgent runs the probe on agent and reads its identity, for a connector that declares
// those capabilities. The probe is tried in each language until the connector accepts one.
func checkAgent(ctx context.Context, p *sdk.Plugin, d sdk.Description, agent string,
	timeout time.Duration) []Result {
	if !d.Declares(sdk.CapRunScript) && !d.Declares(sdk.CapIdentify) {
		return nil
	}
	if agent == "" {
		return []Result{{Name: "checks on an agent", Status: Skipped,
			Detail: "no test agent given (steward plugin check --agent ID)"}}
	}
	var out []Result
	if d.Declares(sdk.CapRunScript) {
		out = append(out, runProbe(ctx, p, agent, timeout))
	}
	if d.Declares(sdk.CapIdentify) {
		call, cancel := context.WithTimeout(ctx, timeout)
		f, err := p.Identify(call, agent)
		cancel()
		switch {
		case err != nil:
			out = append(out, Result{Name: "identify", Status: Failed, Detail: err.Error()})
		case f == (sdk.IdentityFacts{}):
			out = append(out, Result{Name: "identify", Status: Failed,
				Detail: "no fact at all came back"})
		default:
			out = append(out, Result{Name: "identify", Status: Passed, Detail: fmt.Sprintf(
				"hostname %q, uuid %q, serial %q", f.Hostname, f.SMBIOSUUID, f.Serial)})
		}
	}
	return out
}

// runProbe runs the probe and checks that its output streams back with sequence numbers and
// that it ends with exit code 0.
func runProbe(ctx context.Context, p *sdk.Plugin, agent string, timeout time.Duration) Result {
	const name = "run a script"
	for _, lang := range []string{sdk.LanguageSh, sdk.LanguagePowerShell, sdk.LanguageCmd} {
		var lines []sdk.OutputLine
		call, cancel := context.WithTimeout(ctx, timeout)
		res, err := p.RunScript(call, agent, sdk.ScriptRequest{
			ID: fmt.Sprintf("sdktest-%d", time.Now().UnixNano()), Language: lang,
			Context: sdk.ContextSystem, Body: probe, Timeout: timeout},
			func(l sdk.OutputLine) { lines = append(lines, l) })
		cancel()
		if sdk.KindOf(err) == sdk.KindInvalid {
			continue
		}
		if err != nil {
			return Result{Name: name, Status: Failed, Detail: lang + ": " + err.Error()}
		}
		seen := slices.ContainsFunc(lines, func(l sdk.OutputLine) bool {
			return l.Stream == sdk.StreamStdout && strings.Contains(l.Text, "steward-check")
		})
		ordered := slices.IsSortedFunc(lines, func(a, b sdk.OutputLine) int {
			return int(a.Seq - b.Seq)
		}) && (len(lines) == 0 || lines[0].Seq > 0)
		switch {
		case res.ExitCode != 0 || res.Error != "":
			return Result{Name: name, Status: Failed, Detail: fmt.Sprintf(
				"%s: exit code %d %s", lang, res.ExitCode, res.Error)}
		case !seen:
			return Result{Name: name, Status: Failed,
				Detail: lang + ": the script's output did not come back"}
		case !ordered:
			return Result{Name: name, Status: Failed,
				Detail: lang + ": output lines lack rising sequence numbers"}
		}
		return Result{Name: name, Status: Passed, Detail: fmt.Sprintf("%s, %d lines, exit 0",
			lang, len(lines))}
	}
	return Result{Name: name, Status: Failed,
		Detail: "the connector refused the probe in sh, powershell and cmd"}
}
