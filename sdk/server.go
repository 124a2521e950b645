package sdk

import (
	"context"
	"fmt"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/stewardhq/steward/sdk/internal/proto/connectorv1"
)

// batchSize bounds the items per streamed message, well under gRPC's 4 MiB default limit
// even for records with long names.
const batchSize = 500

// serverV1 answers protocol version 1 in the connector process by calling the connector.
type serverV1 struct {
	pb.UnimplementedConnectorServer
	impl Connector

	// fields caches the declared configuration fields, which Configure checks values
	// against; Describe's answer does not change while the process runs.
	mu     sync.Mutex
	fields []ConfigField
	known  bool
}

func newServerV1(impl Connector) *serverV1 { return &serverV1{impl: impl} }

func (s *serverV1) describe(ctx context.Context) (Description, error) {
	d, err := s.impl.Describe(ctx)
	if err != nil {
		return Description{}, err
	}
	d.ProtocolVersions = protocolVersions()
	d.Implemented = Implemented(s.impl)

	s.mu.Lock()
	s.fields, s.known = d.Fields, true
	s.mu.Unlock()
	return d, nil
}

// Describe answers with the connector's description and the SDK's own facts.
func (s *serverV1) Describe(ctx context.Context, _ *pb.DescribeRequest) (*pb.Description, error) {
	d, err := s.describe(ctx)
	if err != nil {
		return nil, toStatus(fmt.Errorf("describe: %w", err))
	}
	return descriptionToPB(d), nil
}

// Configure checks the values against the declared fields before the connector sees them,
// so that every connector rejects a missing required field the same way.
func (s *serverV1) Configure(ctx context.Context,
	req *pb.ConfigureRequest) (*pb.ConfigureResponse, error) {
	s.mu.Lock()
	fields, known := s.fields, s.known
	s.mu.Unlock()
	if !known {
		d, err := s.describe(ctx)
		if err != nil {
			return nil, toStatus(fmt.Errorf("describe: %w", err))
		}
		fields = d.Fields
	}

	cfg := Config(req.GetValues()).WithDefaults(fields)
	if err := ValidateConfig(fields, cfg); err != nil {
		return nil, toStatus(err)
	}
	if err := s.impl.Configure(ctx, cfg); err != nil {
		return nil, toStatus(err)
	}
	return &pb.ConfigureResponse{}, nil
}

// Health asks the connector.
func (s *serverV1) Health(ctx context.Context, _ *pb.HealthRequest) (*pb.HealthResponse, error) {
	h, err := s.impl.Health(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.HealthResponse{Message: h.Message}, nil
}

// notImplemented answers a call to a capability the connector's code lacks.
func notImplemented(c Capability) error {
	st := status.New(codes.Unimplemented, fmt.Sprintf("capability %s is not implemented", c))
	detailed, err := st.WithDetails(&pb.ErrorDetail{Kind: string(KindPlugin),
		Message: fmt.Sprintf("the connector does not implement capability %s", c)})
	if err != nil {
		return st.Err()
	}
	return detailed.Err()
}

// sendBatches streams items in slices of batchSize; an empty list sends nothing.
func sendBatches[T any](items []T, send func([]T) error) error {
	for start := 0; start < len(items); start += batchSize {
		end := min(start+batchSize, len(items))
		if err := send(items[start:end]); err != nil {
			return err
		}
	}
	return nil
}

// ListClients streams the connector's clients.
func (s *serverV1) ListClients(_ *pb.ListClientsRequest,
	stream grpc.ServerStreamingServer[pb.ClientBatch]) error {
	c, ok := s.impl.(ClientLister)
	if !ok {
		return notImplemented(CapClients)
	}
	items, err := c.Clients(stream.Context())
	if err != nil {
		return toStatus(err)
	}
	return sendBatches(items, func(b []Client) error {
		msg := &pb.ClientBatch{}
		for _, it := range b {
			msg.Clients = append(msg.Clients, &pb.Client{Id: it.ID, Name: it.Name})
		}
		return stream.Send(msg)
	})
}

// ListAgents streams the connector's agents.
func (s *serverV1) ListAgents(_ *pb.ListAgentsRequest,
	stream grpc.ServerStreamingServer[pb.AgentBatch]) error {
	c, ok := s.impl.(AgentLister)
	if !ok {
		return notImplemented(CapAgents)
	}
	items, err := c.Agents(stream.Context())
	if err != nil {
		return toStatus(err)
	}
	return sendBatches(items, func(b []Agent) error {
		msg := &pb.AgentBatch{}
		for _, it := range b {
			msg.Agents = append(msg.Agents, agentToPB(it))
		}
		return stream.Send(msg)
	})
}

// ListClientGroups streams the connector's client groups.
func (s *serverV1) ListClientGroups(_ *pb.ListClientGroupsRequest,
	stream grpc.ServerStreamingServer[pb.ClientGroupBatch]) error {
	c, ok := s.impl.(ClientGroupLister)
	if !ok {
		return notImplemented(CapClientGroups)
	}
	items, err := c.ClientGroups(stream.Context())
	if err != nil {
		return toStatus(err)
	}
	return sendBatches(items, func(b []ClientGroup) error {
		msg := &pb.ClientGroupBatch{}
		for _, it := range b {
			msg.Groups = append(msg.Groups, clientGroupToPB(it))
		}
		return stream.Send(msg)
	})
}

// ListDeviceGroups streams the connector's device groups.
func (s *serverV1) ListDeviceGroups(_ *pb.ListDeviceGroupsRequest,
	stream grpc.ServerStreamingServer[pb.DeviceGroupBatch]) error {
	c, ok := s.impl.(DeviceGroupLister)
	if !ok {
		return notImplemented(CapDeviceGroups)
	}
	items, err := c.DeviceGroups(stream.Context())
	if err != nil {
		return toStatus(err)
	}
	return sendBatches(items, func(b []DeviceGroup) error {
		msg := &pb.DeviceGroupBatch{}
		for _, it := range b {
			msg.Groups = append(msg.Groups, &pb.DeviceGroup{Id: it.ID, Name: it.Name,
				ClientId: it.ClientID, AgentIds: it.AgentIDs})
		}
		return stream.Send(msg)
	})
}

// ListPersons streams the directory's persons.
func (s *serverV1) ListPersons(_ *pb.ListPersonsRequest,
	stream grpc.ServerStreamingServer[pb.PersonBatch]) error {
	c, ok := s.impl.(Directory)
	if !ok {
		return notImplemented(CapDirectory)
	}
	items, err := c.Persons(stream.Context())
	if err != nil {
		return toStatus(err)
	}
	return sendBatches(items, func(b []Person) error {
		msg := &pb.PersonBatch{}
		for _, it := range b {
			msg.Persons = append(msg.Persons, &pb.Person{Id: it.ID, ClientId: it.ClientID,
				Upn: it.UPN, Email: it.Email, DisplayName: it.DisplayName,
				Disabled: it.Disabled})
		}
		return stream.Send(msg)
	})
}

// ListGroups streams the directory's groups.
func (s *serverV1) ListGroups(_ *pb.ListGroupsRequest,
	stream grpc.ServerStreamingServer[pb.GroupBatch]) error {
	c, ok := s.impl.(Directory)
	if !ok {
		return notImplemented(CapDirectory)
	}
	items, err := c.Groups(stream.Context())
	if err != nil {
		return toStatus(err)
	}
	return sendBatches(items, func(b []Group) error {
		msg := &pb.GroupBatch{}
		for _, it := range b {
			msg.Groups = append(msg.Groups, &pb.Group{Id: it.ID, ClientId: it.ClientID,
				Name: it.Name, Email: it.Email})
		}
		return stream.Send(msg)
	})
}

// ListGroupMembers streams a group's transitive members.
func (s *serverV1) ListGroupMembers(req *pb.ListGroupMembersRequest,
	stream grpc.ServerStreamingServer[pb.IDBatch]) error {
	c, ok := s.impl.(Directory)
	if !ok {
		return notImplemented(CapDirectory)
	}
	ids, err := c.GroupMembers(stream.Context(), req.GetGroupId())
	if err != nil {
		return toStatus(err)
	}
	return sendBatches(ids, func(b []string) error {
		return stream.Send(&pb.IDBatch{Ids: b})
	})
}

// Identify asks the connector for one agent's identity facts.
func (s *serverV1) Identify(ctx context.Context, req *pb.IdentifyRequest) (*pb.IdentityFacts,
	error) {
	c, ok := s.impl.(Identifier)
	if !ok {
		return nil, notImplemented(CapIdentify)
	}
	f, err := c.Identify(ctx, req.GetAgentId())
	if err != nil {
		return nil, toStatus(err)
	}
	return factsToPB(f), nil
}

// RunScript streams output lines while the script runs, then the result.
func (s *serverV1) RunScript(req *pb.RunScriptRequest,
	stream grpc.ServerStreamingServer[pb.ScriptEvent]) error {
	c, ok := s.impl.(ScriptRunner)
	if !ok {
		return notImplemented(CapRunScript)
	}

	// The connector may call out from several goroutines (one per stream); the stream
	// allows one sender at a time, and a failed send ends the run through ctx.
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()
	var mu sync.Mutex
	var seq int64
	var sendErr error
	var finished bool
	out := func(l OutputLine) {
		mu.Lock()
		defer mu.Unlock()
		// A line after RunScript returned would race the result; it is dropped.
		if sendErr != nil || finished {
			return
		}
		seq++
		if l.Seq == 0 {
			l.Seq = seq
		}
		if l.Time.IsZero() {
			l.Time = time.Now()
		}
		if l.Stream == "" {
			l.Stream = StreamStdout
		}
		ev := &pb.ScriptEvent{Event: &pb.ScriptEvent_Line{Line: lineToPB(l)}}
		if err := stream.Send(ev); err != nil {
			sendErr = err
			cancel()
		}
	}

	res, err := c.RunScript(ctx, req.GetAgentId(), scriptRequestFromPB(req), out)
	mu.Lock()
	defer mu.Unlock()
	finished = true
	if sendErr != nil {
		return sendErr
	}
	if err != nil {
		return toStatus(err)
	}
	return stream.Send(&pb.ScriptEvent{Event: &pb.ScriptEvent_Result{Result: resultToPB(res)}})
}

// OpenRemoteSession asks the connector for a session URL.
func (s *serverV1) OpenRemoteSession(ctx context.Context,
	req *pb.RemoteSessionRequest) (*pb.RemoteSession, error) {
	c, ok := s.impl.(RemoteSessionOpener)
	if !ok {
		return nil, notImplemented(CapRemoteSession)
	}
	rs, err := c.OpenRemoteSession(ctx, RemoteSessionRequest{AgentID: req.GetAgentId(),
		Technician: req.GetTechnician()})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.RemoteSession{Url: rs.URL, ExpiresAt: tsToPB(rs.ExpiresAt)}, nil
}

// IssueInstallToken asks the connector for a client's install token.
func (s *serverV1) IssueInstallToken(ctx context.Context,
	req *pb.InstallTokenRequest) (*pb.InstallToken, error) {
	c, ok := s.impl.(InstallTokenIssuer)
	if !ok {
		return nil, notImplemented(CapInstallToken)
	}
	t, err := c.IssueInstallToken(ctx, req.GetClientId())
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.InstallToken{Token: t.Token, InstallerUrl: t.InstallerURL,
		ExpiresAt: tsToPB(t.ExpiresAt)}, nil
}

// HandleWebhook passes an HTTP request to the connector.
func (s *serverV1) HandleWebhook(ctx context.Context,
	req *pb.WebhookRequest) (*pb.WebhookResponse, error) {
	c, ok := s.impl.(WebhookHandler)
	if !ok {
		return nil, notImplemented(CapWebhook)
	}
	resp, err := c.HandleWebhook(ctx, WebhookRequest{Method: req.GetMethod(),
		Path: req.GetPath(), Query: req.GetQuery(), Header: headerFromPB(req.GetHeaders()),
		Body: req.GetBody()})
	if err != nil {
		return nil, toStatus(err)
	}
	code := resp.Status
	if code == 0 {
		code = 200
	}
	return &pb.WebhookResponse{Status: int32(code), Headers: headerToPB(resp.Header),
		Body: resp.Body}, nil
}
