package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/stewardhq/steward/sdk"
)

// version is this connector's own version, set at build time with -ldflags "-X main.version=…".
var version = "0.1.0"

// probeConcurrency bounds the parallel port probes of Agents.
const probeConcurrency = 16

var fields = []sdk.ConfigField{
	{Name: "hostsFile", Label: "Hosts file", Type: sdk.FieldPath, Required: true,
		Help: "A YAML or JSON list of hosts with name, address, port, user and client."},
	{Name: "privateKeyFile", Label: "Private key file", Type: sdk.FieldPath, Required: true,
		Secret: true, Help: "The SSH private key (OpenSSH or PEM format) used for every host."},
	{Name: "privateKeyPassphrase", Label: "Key passphrase", Type: sdk.FieldString,
		Secret: true, Help: "The private key's passphrase, if it has one."},
	{Name: "knownHostsFile", Label: "known_hosts file", Type: sdk.FieldPath,
		Help: "The hosts' public keys in known_hosts format. Required unless host key " +
			"checking is switched off."},
	{Name: "insecureIgnoreHostKey", Label: "Skip host key checking", Type: sdk.FieldBool,
		Default: "false", Help: "Accept any host key. Only for a lab: anyone on the path " +
			"can then read the scripts and their output."},
	{Name: "defaultUser", Label: "Default user", Type: sdk.FieldString,
		Help: "The SSH user for hosts that name none."},
	{Name: "connectTimeout", Label: "Connect timeout", Type: sdk.FieldDuration,
		Default: "10s", Help: "How long to wait for a host to accept the SSH connection."},
}

// settings is one applied configuration; Configure swaps it whole.
type settings struct {
	hostsFile      string
	defaultUser    string
	signer         ssh.Signer
	hostKey        ssh.HostKeyCallback
	checksHostKeys bool
	connectTimeout time.Duration
}

// connector implements the SDK's capabilities over SSH.
type connector struct {
	mu  sync.Mutex
	cur *settings
	// facts remembers what Identify read on each host, so Agents can report serials and
	// UUIDs. It holds the host's own values: the hosts file's are merged in on every read,
	// so an edited file counts.
	facts map[string]sdk.IdentityFacts
}

func (c *connector) Describe(context.Context) (sdk.Description, error) {
	return sdk.Description{
		Name: "sshhosts", DisplayName: "SSH hosts", Vendor: "Steward examples",
		Version: version,
		Capabilities: []sdk.Capability{sdk.CapClients, sdk.CapAgents, sdk.CapIdentify,
			sdk.CapRunScript},
		Fields: fields,
	}, nil
}

func (c *connector) Configure(_ context.Context, cfg sdk.Config) error {
	s := &settings{hostsFile: cfg.String("hostsFile"), defaultUser: cfg.String("defaultUser")}
	var err error
	if s.connectTimeout, err = cfg.Duration("connectTimeout"); err != nil {
		return err
	}
	if s.connectTimeout <= 0 {
		return sdk.ConfigError("connectTimeout", errors.New("must be positive"))
	}
	if _, err := loadHosts(s.hostsFile, s.defaultUser); err != nil {
		return sdk.ConfigError("hostsFile", err)
	}

	key, err := os.ReadFile(cfg.String("privateKeyFile"))
	if err != nil {
		return sdk.ConfigError("privateKeyFile", fmt.Errorf("read private key: %w", err))
	}
	if pass := cfg.String("privateKeyPassphrase"); pass != "" {
		s.signer, err = ssh.ParsePrivateKeyWithPassphrase(key, []byte(pass))
	} else {
		s.signer, err = ssh.ParsePrivateKey(key)
	}
	var missing *ssh.PassphraseMissingError
	switch {
	case errors.As(err, &missing):
		return sdk.ConfigError("privateKeyPassphrase",
			errors.New("the private key is encrypted: give its passphrase"))
	case err != nil:
		return sdk.ConfigError("privateKeyFile", fmt.Errorf("parse private key: %w", err))
	}

	insecure, err := cfg.Bool("insecureIgnoreHostKey")
	if err != nil {
		return err
	}
	switch known := cfg.String("knownHostsFile"); {
	case insecure:
		sdk.Logger().Warn("host key checking is off: connections can be intercepted")
		s.hostKey = ssh.InsecureIgnoreHostKey()
	case known == "":
		return sdk.ConfigError("knownHostsFile",
			errors.New("required unless insecureIgnoreHostKey is true"))
	default:
		if s.hostKey, err = knownhosts.New(known); err != nil {
			return sdk.ConfigError("knownHostsFile", fmt.Errorf("load known hosts: %w", err))
		}
		s.checksHostKeys = true
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	c.cur = s
	return nil
}

// settings returns the applied configuration, or a configuration error before the first.
func (c *connector) settings() (*settings, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur == nil {
		return nil, sdk.ConfigError("", errors.New("the link is not configured yet"))
	}
	return c.cur, nil
}

// hosts reads the hosts file again, so an edited file counts without reconfiguring.
func (c *connector) hosts() (*settings, []host, error) {
	s, err := c.settings()
	if err != nil {
		return nil, nil, err
	}
	hosts, err := loadHosts(s.hostsFile, s.defaultUser)
	if err != nil {
		return nil, nil, sdk.ConfigError("hostsFile", err)
	}
	return s, hosts, nil
}

func (c *connector) host(agentID string) (*settings, host, error) {
	s, hosts, err := c.hosts()
	if err != nil {
		return nil, host{}, err
	}
	for _, h := range hosts {
		if h.Name == agentID {
			return s, h, nil
		}
	}
	return nil, host{}, sdk.NotFound(fmt.Errorf("no host %q in %s", agentID, s.hostsFile))
}

// Health checks the files only: a link with a thousand hosts must not dial them all.
func (c *connector) Health(context.Context) (sdk.HealthStatus, error) {
	s, hosts, err := c.hosts()
	if err != nil {
		return sdk.HealthStatus{}, err
	}
	check := "host keys checked"
	if !s.checksHostKeys {
		check = "host keys NOT checked"
	}
	return sdk.HealthStatus{Message: fmt.Sprintf("%d hosts, %s key loaded, %s", len(hosts),
		s.signer.PublicKey().Type(), check)}, nil
}

func (c *connector) Clients(context.Context) ([]sdk.Client, error) {
	_, hosts, err := c.hosts()
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []sdk.Client
	for _, h := range hosts {
		if h.Client != "" && !seen[h.Client] {
			seen[h.Client] = true
			out = append(out, sdk.Client{ID: h.Client, Name: h.Client})
		}
	}
	return out, nil
}

// Agents lists the hosts; a host is online when its SSH port accepts a connection.
func (c *connector) Agents(ctx context.Context) ([]sdk.Agent, error) {
	s, hosts, err := c.hosts()
	if err != nil {
		return nil, err
	}
	out := make([]sdk.Agent, len(hosts))
	probeTimeout := min(s.connectTimeout, 3*time.Second)
	sem := make(chan struct{}, probeConcurrency)
	var wg sync.WaitGroup
	for i, h := range hosts {
		c.mu.Lock()
		f := withKnown(c.facts[h.Name], h)
		c.mu.Unlock()
		out[i] = sdk.Agent{ID: h.Name, ClientID: h.Client, Name: h.Name, Serial: f.Serial,
			Manufacturer: f.Manufacturer, Model: f.Model, OS: f.OSName, OSVersion: f.OSVersion,
			HardwareUUID: f.SMBIOSUUID}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if sshAnswers(ctx, h, probeTimeout) {
				out[i].Online, out[i].LastSeen = true, time.Now().UTC()
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// sshAnswers reports whether an SSH server greets on h's port. It reads the greeting only:
// a full login per host and listing would be slow and fill the hosts' auth logs.
func sshAnswers(ctx context.Context, h host, timeout time.Duration) bool {
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(h.Address, strconv.Itoa(h.Port)))
	if err != nil {
		return false
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(timeout))
	greeting := make([]byte, 4)
	_, err = io.ReadFull(conn, greeting)
	return err == nil && string(greeting) == "SSH-"
}

func (c *connector) remember(agentID string, f sdk.IdentityFacts) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.facts == nil {
		c.facts = map[string]sdk.IdentityFacts{}
	}
	c.facts[agentID] = f
}
