package sdk

import "context"

// The capability calls of the hub's side. Describe, Configure and Health are always
// available; every other call checks the declaration first.

// Describe asks the connector again; Description returns the answer from the start.
func (p *Plugin) Describe(ctx context.Context) (Description, error) {
	return p.remote.Describe(ctx)
}

// Configure applies a link's configuration.
func (p *Plugin) Configure(ctx context.Context, cfg Config) error {
	return p.remote.Configure(ctx, cfg)
}

// Health asks whether the connector can use the external system.
func (p *Plugin) Health(ctx context.Context) (HealthStatus, error) {
	return p.remote.Health(ctx)
}

// Clients lists the external system's customers.
func (p *Plugin) Clients(ctx context.Context) ([]Client, error) {
	if err := p.declared(CapClients); err != nil {
		return nil, err
	}
	return p.remote.Clients(ctx)
}

// Agents lists the external system's computers.
func (p *Plugin) Agents(ctx context.Context) ([]Agent, error) {
	if err := p.declared(CapAgents); err != nil {
		return nil, err
	}
	return p.remote.Agents(ctx)
}

// Identify reads one agent's identity facts through the connector.
func (p *Plugin) Identify(ctx context.Context, agentID string) (IdentityFacts, error) {
	if err := p.declared(CapIdentify); err != nil {
		return IdentityFacts{}, err
	}
	return p.remote.Identify(ctx, agentID)
}

// RunScript runs a script on one agent, calling out for each output line as it arrives.
func (p *Plugin) RunScript(ctx context.Context, agentID string, req ScriptRequest,
	out OutputFunc) (ScriptResult, error) {
	if err := p.declared(CapRunScript); err != nil {
		return ScriptResult{}, err
	}
	return p.remote.RunScript(ctx, agentID, req, out)
}

// ClientGroups lists the external system's client groups.
func (p *Plugin) ClientGroups(ctx context.Context) ([]ClientGroup, error) {
	if err := p.declared(CapClientGroups); err != nil {
		return nil, err
	}
	return p.remote.ClientGroups(ctx)
}

// DeviceGroups lists the external system's computer groups.
func (p *Plugin) DeviceGroups(ctx context.Context) ([]DeviceGroup, error) {
	if err := p.declared(CapDeviceGroups); err != nil {
		return nil, err
	}
	return p.remote.DeviceGroups(ctx)
}

// Persons lists the directory's persons.
func (p *Plugin) Persons(ctx context.Context) ([]Person, error) {
	if err := p.declared(CapDirectory); err != nil {
		return nil, err
	}
	return p.remote.Persons(ctx)
}

// Groups lists the directory's groups.
func (p *Plugin) Groups(ctx context.Context) ([]Group, error) {
	if err := p.declared(CapDirectory); err != nil {
		return nil, err
	}
	return p.remote.Groups(ctx)
}

// GroupMembers lists the ids of a directory group's persons, through nested groups.
func (p *Plugin) GroupMembers(ctx context.Context, groupID string) ([]string, error) {
	if err := p.declared(CapDirectory); err != nil {
		return nil, err
	}
	return p.remote.GroupMembers(ctx, groupID)
}

// OpenRemoteSession opens a remote-control session to an agent.
func (p *Plugin) OpenRemoteSession(ctx context.Context,
	req RemoteSessionRequest) (RemoteSession, error) {
	if err := p.declared(CapRemoteSession); err != nil {
		return RemoteSession{}, err
	}
	return p.remote.OpenRemoteSession(ctx, req)
}

// IssueInstallToken issues a token for installing the external system's agent at a client.
func (p *Plugin) IssueInstallToken(ctx context.Context, clientID string) (InstallToken,
	error) {
	if err := p.declared(CapInstallToken); err != nil {
		return InstallToken{}, err
	}
	return p.remote.IssueInstallToken(ctx, clientID)
}

// HandleWebhook passes an HTTP request for this link to the connector.
func (p *Plugin) HandleWebhook(ctx context.Context,
	req WebhookRequest) (WebhookResponse, error) {
	if err := p.declared(CapWebhook); err != nil {
		return WebhookResponse{}, err
	}
	return p.remote.HandleWebhook(ctx, req)
}
