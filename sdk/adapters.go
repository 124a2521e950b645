package sdk

import "context"

// DescribeFunc adapts a function to Describer.
type DescribeFunc func(ctx context.Context) (Description, error)

// Describe calls f.
func (f DescribeFunc) Describe(ctx context.Context) (Description, error) { return f(ctx) }

// ConfigureFunc adapts a function to Configurer.
type ConfigureFunc func(ctx context.Context, cfg Config) error

// Configure calls f.
func (f ConfigureFunc) Configure(ctx context.Context, cfg Config) error { return f(ctx, cfg) }

// HealthFunc adapts a function to HealthChecker.
type HealthFunc func(ctx context.Context) (HealthStatus, error)

// Health calls f.
func (f HealthFunc) Health(ctx context.Context) (HealthStatus, error) { return f(ctx) }

// ClientsFunc adapts a function to ClientLister.
type ClientsFunc func(ctx context.Context) ([]Client, error)

// Clients calls f.
func (f ClientsFunc) Clients(ctx context.Context) ([]Client, error) { return f(ctx) }

// AgentsFunc adapts a function to AgentLister.
type AgentsFunc func(ctx context.Context) ([]Agent, error)

// Agents calls f.
func (f AgentsFunc) Agents(ctx context.Context) ([]Agent, error) { return f(ctx) }

// IdentifyFunc adapts a function to Identifier.
type IdentifyFunc func(ctx context.Context, agentID string) (IdentityFacts, error)

// Identify calls f.
func (f IdentifyFunc) Identify(ctx context.Context, agentID string) (IdentityFacts, error) {
	return f(ctx, agentID)
}

// RunScriptFunc adapts a function to ScriptRunner.
type RunScriptFunc func(ctx context.Context, agentID string, req ScriptRequest,
	out OutputFunc) (ScriptResult, error)

// RunScript calls f.
func (f RunScriptFunc) RunScript(ctx context.Context, agentID string, req ScriptRequest,
	out OutputFunc) (ScriptResult, error) {
	return f(ctx, agentID, req, out)
}

// ClientGroupsFunc adapts a function to ClientGroupLister.
type ClientGroupsFunc func(ctx context.Context) ([]ClientGroup, error)

// ClientGroups calls f.
func (f ClientGroupsFunc) ClientGroups(ctx context.Context) ([]ClientGroup, error) {
	return f(ctx)
}

// DeviceGroupsFunc adapts a function to DeviceGroupLister.
type DeviceGroupsFunc func(ctx context.Context) ([]DeviceGroup, error)

// DeviceGroups calls f.
func (f DeviceGroupsFunc) DeviceGroups(ctx context.Context) ([]DeviceGroup, error) {
	return f(ctx)
}

// DirectoryFuncs adapts three functions to Directory. A nil function answers with an empty
// list.
type DirectoryFuncs struct {
	PersonsFunc      func(ctx context.Context) ([]Person, error)
	GroupsFunc       func(ctx context.Context) ([]Group, error)
	GroupMembersFunc func(ctx context.Context, groupID string) ([]string, error)
}

// Persons calls d.PersonsFunc.
func (d DirectoryFuncs) Persons(ctx context.Context) ([]Person, error) {
	if d.PersonsFunc == nil {
		return nil, nil
	}
	return d.PersonsFunc(ctx)
}

// Groups calls d.GroupsFunc.
func (d DirectoryFuncs) Groups(ctx context.Context) ([]Group, error) {
	if d.GroupsFunc == nil {
		return nil, nil
	}
	return d.GroupsFunc(ctx)
}

// GroupMembers calls d.GroupMembersFunc.
func (d DirectoryFuncs) GroupMembers(ctx context.Context, groupID string) ([]string, error) {
	if d.GroupMembersFunc == nil {
		return nil, nil
	}
	return d.GroupMembersFunc(ctx, groupID)
}

// RemoteSessionFunc adapts a function to RemoteSessionOpener.
type RemoteSessionFunc func(ctx context.Context, req RemoteSessionRequest) (RemoteSession, error)

// OpenRemoteSession calls f.
func (f RemoteSessionFunc) OpenRemoteSession(ctx context.Context,
	req RemoteSessionRequest) (RemoteSession, error) {
	return f(ctx, req)
}

// InstallTokenFunc adapts a function to InstallTokenIssuer.
type InstallTokenFunc func(ctx context.Context, clientID string) (InstallToken, error)

// IssueInstallToken calls f.
func (f InstallTokenFunc) IssueInstallToken(ctx context.Context,
	clientID string) (InstallToken, error) {
	return f(ctx, clientID)
}

// WebhookFunc adapts a function to WebhookHandler.
type WebhookFunc func(ctx context.Context, req WebhookRequest) (WebhookResponse, error)

// HandleWebhook calls f.
func (f WebhookFunc) HandleWebhook(ctx context.Context,
	req WebhookRequest) (WebhookResponse, error) {
	return f(ctx, req)
}
