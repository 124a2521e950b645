package sdk

import (
	"context"
	"sort"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pb "github.com/stewardhq/steward/sdk/internal/proto/connectorv1"
)

// ProtocolVersion is the newest connector protocol version this SDK speaks. Serve and Open
// agree on the highest version both sides list; see VersionedPlugins below.
const ProtocolVersion = 1

// The handshake's magic cookie. It is not a secret: it only makes a connector that someone
// starts by hand say so, instead of waiting for a handshake that never comes.
const (
	// MagicCookieKey is the environment variable the hub sets for a connector.
	MagicCookieKey = "STEWARD_CONNECTOR"
	// MagicCookieValue is the value it holds.
	MagicCookieValue = "b7f1d0c4-connector-protocol"
)

// pluginName is the one plugin every protocol version's set dispenses.
const pluginName = "connector"

var handshake = plugin.HandshakeConfig{
	// ProtocolVersion here is only the fallback for a host that sends no version list; the
	// versions really offered are the keys of versionedPlugins.
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   MagicCookieKey,
	MagicCookieValue: MagicCookieValue,
}

// versionedPlugins is the plugin set of every protocol version, for both sides: impl is nil
// on the hub's side. go-plugin picks the highest version in both maps. A protocol 2 adds a
// line `2: {pluginName: &grpcV2{impl: impl}}` with its own generated package
// (internal/proto/connectorv2) and keeps version 1 for as long as connectors built on older
// SDKs are supported.
func versionedPlugins(impl Connector) map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{
		1: {pluginName: &grpcV1{impl: impl}},
	}
}

// protocolVersions lists the keys of versionedPlugins in ascending order.
func protocolVersions() []int {
	var vs []int
	for v := range versionedPlugins(nil) {
		vs = append(vs, v)
	}
	sort.Ints(vs)
	return vs
}

// remote is what the hub's side of one protocol version offers: every capability, as plain
// Go calls. Plugin checks declarations before it calls one.
type remote interface {
	Connector
	ClientLister
	AgentLister
	Identifier
	ScriptRunner
	ClientGroupLister
	DeviceGroupLister
	Directory
	RemoteSessionOpener
	InstallTokenIssuer
	WebhookHandler
}

// grpcV1 binds protocol version 1 to go-plugin.
type grpcV1 struct {
	plugin.NetRPCUnsupportedPlugin
	impl Connector
}

// GRPCServer registers the connector's service; go-plugin calls it in the connector process.
func (p *grpcV1) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterConnectorServer(s, newServerV1(p.impl))
	return nil
}

// GRPCClient returns the hub's side; go-plugin calls it when the hub dispenses.
func (p *grpcV1) GRPCClient(_ context.Context, _ *plugin.GRPCBroker,
	conn *grpc.ClientConn) (any, error) {
	return &clientV1{rpc: pb.NewConnectorClient(conn)}, nil
}
