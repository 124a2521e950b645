package sdk

import (
	"context"
	"errors"
	"io"

	"google.golang.org/grpc"

	pb "github.com/stewardhq/steward/sdk/internal/proto/connectorv1"
)

// clientV1 is the hub's side of protocol version 1: plain Go calls over the gRPC client.
type clientV1 struct {
	rpc pb.ConnectorClient
}

var _ remote = (*clientV1)(nil)

// collect reads every batch of a list stream.
func collect[B any, T any](ctx context.Context, op string, stream grpc.ServerStreamingClient[B],
	err error, items func(*B) []T) ([]T, error) {
	if err != nil {
		return nil, fromStatus(ctx, op, err)
	}
	var out []T
	for {
		b, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fromStatus(ctx, op, err)
		}
		out = append(out, items(b)...)
	}
}

func (c *clientV1) Describe(ctx context.Context) (Description, error) {
	d, err := c.rpc.Describe(ctx, &pb.DescribeRequest{})
	if err != nil {
		return Description{}, fromStatus(ctx, "describe", err)
	}
	return descriptionFromPB(d), nil
}

func (c *clientV1) Configure(ctx context.Context, cfg Config) error {
	_, err := c.rpc.Configure(ctx, &pb.ConfigureRequest{Values: cfg})
	return fromStatus(ctx, "configure", err)
}

func (c *clientV1) Health(ctx context.Context) (HealthStatus, error) {
	h, err := c.rpc.Health(ctx, &pb.HealthRequest{})
	if err != nil {
		return HealthStatus{}, fromStatus(ctx, "health", err)
	}
	return HealthStatus{Message: h.GetMessage()}, nil
}

func (c *clientV1) Clients(ctx context.Context) ([]Client, error) {
	s, err := c.rpc.ListClients(ctx, &pb.ListClientsRequest{})
	return collect(ctx, "list clients", s, err, func(b *pb.ClientBatch) []Client {
		out := make([]Client, 0, len(b.GetClients()))
		for _, it := range b.GetClients() {
			out = append(out, Client{ID: it.GetId(), Name: it.GetName()})
		}
		return out
	})
}

func (c *clientV1) Agents(ctx context.Context) ([]Agent, error) {
	s, err := c.rpc.ListAgents(ctx, &pb.ListAgentsRequest{})
	return collect(ctx, "list agents", s, err, func(b *pb.AgentBatch) []Agent {
		out := make([]Agent, 0, len(b.GetAgents()))
		for _, it := range b.GetAgents() {
			out = append(out, agentFromPB(it))
		}
		return out
	})
}

func (c *clientV1) ClientGroups(ctx context.Context) ([]ClientGroup, error) {
	s, err := c.rpc.ListClientGroups(ctx, &pb.ListClientGroupsRequest{})
	return collect(ctx, "list client groups", s, err,
		func(b *pb.ClientGroupBatch) []ClientGroup {
			out := make([]ClientGroup, 0, len(b.GetGroups()))
			for _, it := range b.GetGroups() {
				out = append(out, clientGroupFromPB(it))
			}
			return out
		})
}

func (c *clientV1) DeviceGroups(ctx context.Context) ([]DeviceGroup, error) {
	s, err := c.rpc.ListDeviceGroups(ctx, &pb.ListDeviceGroupsRequest{})
	return collect(ctx, "list device groups", s, err,
		func(b *pb.DeviceGroupBatch) []DeviceGroup {
			out := make([]DeviceGroup, 0, len(b.GetGroups()))
			for _, it := range b.GetGroups() {
				out = append(out, DeviceGroup{ID: it.GetId(), Name: it.GetName(),
					ClientID: it.GetClientId(), AgentIDs: it.GetAgentIds()})
			}
			return out
		})
}

func (c *clientV1) Persons(ctx context.Context) ([]Person, error) {
	s, err := c.rpc.ListPersons(ctx, &pb.ListPersonsRequest{})
	return collect(ctx, "list persons", s, err, func(b *pb.PersonBatch) []Person {
		out := make([]Person, 0, len(b.GetPersons()))
		for _, it := range b.GetPersons() {
			out = append(out, Person{ID: it.GetId(), ClientID: it.GetClientId(),
				UPN: it.GetUpn(), Email: it.GetEmail(), DisplayName: it.GetDisplayName(),
				Disabled: it.GetDisabled()})
		}
		return out
	})
}

func (c *clientV1) Groups(ctx context.Context) ([]Group, error) {
	s, err := c.rpc.ListGroups(ctx, &pb.ListGroupsRequest{})
	return collect(ctx, "list groups", s, err, func(b *pb.GroupBatch) []Group {
		out := make([]Group, 0, len(b.GetGroups()))
		for _, it := range b.GetGroups() {
			out = append(out, Group{ID: it.GetId(), ClientID: it.GetClientId(),
				Name: it.GetName(), Email: it.GetEmail()})
		}
		return out
	})
}

func (c *clientV1) GroupMembers(ctx context.Context, groupID string) ([]string, error) {
	s, err := c.rpc.ListGroupMembers(ctx, &pb.ListGroupMembersRequest{GroupId: groupID})
	return collect(ctx, "list group members", s, err, func(b *pb.IDBatch) []string {
		return b.GetIds()
	})
}

func (c *clientV1) Identify(ctx context.Context, agentID string) (IdentityFacts, error) {
	f, err := c.rpc.Identify(ctx, &pb.IdentifyRequest{AgentId: agentID})
	if err != nil {
		return IdentityFacts{}, fromStatus(ctx, "identify", err)
	}
	return factsFromPB(f), nil
}

// errNoResult is a script stream that ended without a result.
var errNoResult = errors.New("script stream ended without a result")

func (c *clientV1) RunScript(ctx context.Context, agentID string, req ScriptRequest,
	out OutputFunc) (ScriptResult, error) {
	stream, err := c.rpc.RunScript(ctx, scriptRequestToPB(agentID, req))
	if err != nil {
		return ScriptResult{}, fromStatus(ctx, "run script", err)
	}
	for {
		ev, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return ScriptResult{}, &Error{Kind: KindPlugin, Err: errNoResult}
		}
		if err != nil {
			return ScriptResult{}, fromStatus(ctx, "run script", err)
		}
		if l := ev.GetLine(); l != nil && out != nil {
			out(lineFromPB(l))
		}
		if r := ev.GetResult(); r != nil {
			return resultFromPB(r), nil
		}
	}
}

func (c *clientV1) OpenRemoteSession(ctx context.Context,
	req RemoteSessionRequest) (RemoteSession, error) {
	rs, err := c.rpc.OpenRemoteSession(ctx, &pb.RemoteSessionRequest{AgentId: req.AgentID,
		Technician: req.Technician})
	if err != nil {
		return RemoteSession{}, fromStatus(ctx, "open remote session", err)
	}
	return RemoteSession{URL: rs.GetUrl(), ExpiresAt: tsFromPB(rs.GetExpiresAt())}, nil
}

func (c *clientV1) IssueInstallToken(ctx context.Context, clientID string) (InstallToken,
	error) {
	t, err := c.rpc.IssueInstallToken(ctx, &pb.InstallTokenRequest{ClientId: clientID})
	if err != nil {
		return InstallToken{}, fromStatus(ctx, "issue install token", err)
	}
	return InstallToken{Token: t.GetToken(), InstallerURL: t.GetInstallerUrl(),
		ExpiresAt: tsFromPB(t.GetExpiresAt())}, nil
}

func (c *clientV1) HandleWebhook(ctx context.Context,
	req WebhookRequest) (WebhookResponse, error) {
	resp, err := c.rpc.HandleWebhook(ctx, &pb.WebhookRequest{Method: req.Method,
		Path: req.Path, Query: req.Query, Headers: headerToPB(req.Header), Body: req.Body})
	if err != nil {
		return WebhookResponse{}, fromStatus(ctx, "handle webhook", err)
	}
	return WebhookResponse{Status: int(resp.GetStatus()), Header: headerFromPB(resp.GetHeaders()),
		Body: resp.GetBody()}, nil
}
