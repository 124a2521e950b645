package sdk

import "context"

// Capability names one optional ability of a connector. A connector lists the ones it offers
// in Description.Capabilities, and the hub calls only those.
type Capability string

// The optional capabilities. Describe, Configure and Health are not among them: every
// connector answers those.
const (
	// CapClients lists the external system's customers (ClientLister).
	CapClients Capability = "clients"
	// CapAgents lists the computers the external system manages (AgentLister).
	CapAgents Capability = "agents"
	// CapIdentify reads a computer's identity facts through the connector (Identifier).
	CapIdentify Capability = "identify"
	// CapRunScript runs scripts on the external system's computers (ScriptRunner).
	CapRunScript Capability = "run_script"
	// CapClientGroups lists groups of clients with validity dates (ClientGroupLister).
	CapClientGroups Capability = "client_groups"
	// CapDeviceGroups lists the external system's computer groups (DeviceGroupLister).
	CapDeviceGroups Capability = "device_groups"
	// CapDirectory reads persons, groups and group members (Directory).
	CapDirectory Capability = "directory"
	// CapRemoteSession opens remote-control sessions (RemoteSessionOpener).
	CapRemoteSession Capability = "remote_session"
	// CapInstallToken issues tokens for installing the system's own agent
	// (InstallTokenIssuer).
	CapInstallToken Capability = "install_token"
	// CapWebhook handles HTTP requests the external system sends to the hub
	// (WebhookHandler).
	CapWebhook Capability = "webhook"
)

// AllCapabilities returns every optional capability this version of the SDK knows, in a
// stable order.
func AllCapabilities() []Capability {
	return []Capability{CapClients, CapAgents, CapIdentify, CapRunScript, CapClientGroups,
		CapDeviceGroups, CapDirectory, CapRemoteSession, CapInstallToken, CapWebhook}
}

// Known reports whether c is a capability this version of the SDK knows.
func (c Capability) Known() bool {
	for _, k := range AllCapabilities() {
		if k == c {
			return true
		}
	}
	return false
}

// Connector is the least a connector implements. The optional capabilities are further
// interfaces (ClientLister, ScriptRunner, …) that the same value implements and declares in
// its Description.
type Connector interface {
	Describer
	Configurer
	HealthChecker
}

// Implemented returns the optional capabilities whose interfaces c implements, in the order
// of AllCapabilities. Serve reports them so a conformance check can compare them with the
// declared ones.
func Implemented(c any) []Capability {
	var caps []Capability
	for _, cp := range AllCapabilities() {
		if implements(c, cp) {
			caps = append(caps, cp)
		}
	}
	return caps
}

func implements(c any, cp Capability) bool {
	var ok bool
	switch cp {
	case CapClients:
		_, ok = c.(ClientLister)
	case CapAgents:
		_, ok = c.(AgentLister)
	case CapIdentify:
		_, ok = c.(Identifier)
	case CapRunScript:
		_, ok = c.(ScriptRunner)
	case CapClientGroups:
		_, ok = c.(ClientGroupLister)
	case CapDeviceGroups:
		_, ok = c.(DeviceGroupLister)
	case CapDirectory:
		_, ok = c.(Directory)
	case CapRemoteSession:
		_, ok = c.(RemoteSessionOpener)
	case CapInstallToken:
		_, ok = c.(InstallTokenIssuer)
	case CapWebhook:
		_, ok = c.(WebhookHandler)
	}
	return ok
}

// Describer says what a connector is and what it can do. The answer must not depend on the
// configuration: the hub asks before configuring, to draw the link's form.
type Describer interface {
	Describe(ctx context.Context) (Description, error)
}

// Configurer applies a link's configuration. The hub calls it after start and whenever an
// administrator changes the link; the SDK has already checked the values against the
// declared fields and filled in defaults.
type Configurer interface {
	Configure(ctx context.Context, cfg Config) error
}

// HealthChecker says whether the connector can reach and use the external system with its
// current configuration. A nil error means healthy.
type HealthChecker interface {
	Health(ctx context.Context) (HealthStatus, error)
}

// ClientLister lists the external system's customers.
type ClientLister interface {
	Clients(ctx context.Context) ([]Client, error)
}

// AgentLister lists the computers the external system knows.
type AgentLister interface {
	Agents(ctx context.Context) ([]Agent, error)
}

// Identifier runs an identity script on one agent through the connector's pathway.
type Identifier interface {
	Identify(ctx context.Context, agentID string) (IdentityFacts, error)
}

// OutputFunc receives a script's output lines in order. The SDK fills in Seq and Time when
// the connector leaves them zero.
type OutputFunc func(OutputLine)

// ScriptRunner runs a script on one agent, passing each output line to out as it arrives. The
// returned error means the pathway failed (the computer could not be reached); a script that
// ran and failed is a ScriptResult with its exit code.
type ScriptRunner interface {
	RunScript(ctx context.Context, agentID string, req ScriptRequest,
		out OutputFunc) (ScriptResult, error)
}

// ClientGroupLister lists groups of clients, such as contracts or service tiers.
type ClientGroupLister interface {
	ClientGroups(ctx context.Context) ([]ClientGroup, error)
}

// DeviceGroupLister lists the external system's own computer groups.
type DeviceGroupLister interface {
	DeviceGroups(ctx context.Context) ([]DeviceGroup, error)
}

// Directory reads persons and groups from a directory service.
type Directory interface {
	Persons(ctx context.Context) ([]Person, error)
	Groups(ctx context.Context) ([]Group, error)
	// GroupMembers returns the ids of the persons in a group, through nested groups.
	GroupMembers(ctx context.Context, groupID string) ([]string, error)
}

// RemoteSessionOpener opens a remote-control session to an agent.
type RemoteSessionOpener interface {
	OpenRemoteSession(ctx context.Context, req RemoteSessionRequest) (RemoteSession, error)
}

// InstallTokenIssuer issues a token for installing the external system's own agent at one
// client.
type InstallTokenIssuer interface {
	IssueInstallToken(ctx context.Context, clientID string) (InstallToken, error)
}

// WebhookHandler answers an HTTP request that the external system sent to the hub for this
// link.
type WebhookHandler interface {
	HandleWebhook(ctx context.Context, req WebhookRequest) (WebhookResponse, error)
}
