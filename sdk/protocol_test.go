package sdk_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/reflect/protoreflect"

	pb "github.com/stewardhq/steward/sdk/internal/proto/connectorv1"
)

var update = flag.Bool("update", false, "record additions to the protocol in testdata")

const protocolGolden = "testdata/protocol-v1.golden"

// shape lists every method and field of a protocol version as "key: value" entries. A key
// that disappears or a value that changes is a breaking change.
func shape(fd protoreflect.FileDescriptor) map[string]string {
	out := map[string]string{}
	services := fd.Services()
	for i := 0; i < services.Len(); i++ {
		s := services.Get(i)
		methods := s.Methods()
		for j := 0; j < methods.Len(); j++ {
			m := methods.Get(j)
			stream := ""
			if m.IsStreamingServer() {
				stream = "stream "
			}
			if m.IsStreamingClient() {
				stream = "client-stream " + stream
			}
			out[fmt.Sprintf("rpc %s.%s", s.Name(), m.Name())] = fmt.Sprintf("%s -> %s%s",
				m.Input().FullName(), stream, m.Output().FullName())
		}
	}
	var addMessages func(ms protoreflect.MessageDescriptors)
	addMessages = func(ms protoreflect.MessageDescriptors) {
		for i := 0; i < ms.Len(); i++ {
			m := ms.Get(i)
			if m.IsMapEntry() {
				continue
			}
			out["message "+string(m.FullName())] = "present"
			fields := m.Fields()
			for j := 0; j < fields.Len(); j++ {
				f := fields.Get(j)
				out[fmt.Sprintf("field %s.%s", m.FullName(), f.Name())] = fmt.Sprintf("%d %s",
					f.Number(), fieldType(f))
			}
			addMessages(m.Messages())
		}
	}
	addMessages(fd.Messages())
	enums := fd.Enums()
	for i := 0; i < enums.Len(); i++ {
		vals := enums.Get(i).Values()
		for j := 0; j < vals.Len(); j++ {
			out["enum "+string(vals.Get(j).FullName())] = fmt.Sprint(vals.Get(j).Number())
		}
	}
	return out
}

func fieldType(f protoreflect.FieldDescriptor) string {
	kind := func(f protoreflect.FieldDescriptor) string {
		switch f.Kind() {
		case protoreflect.MessageKind, protoreflect.GroupKind:
			return string(f.Message().FullName())
		case protoreflect.EnumKind:
			return string(f.Enum().FullName())
		}
		return f.Kind().String()
	}
	switch {
	case f.IsMap():
		return fmt.Sprintf("map<%s, %s>", kind(f.MapKey()), kind(f.MapValue()))
	case f.IsList():
		return "repeated " + kind(f)
	case f.ContainingOneof() != nil && !f.ContainingOneof().IsSynthetic():
		return kind(f) + " oneof " + string(f.ContainingOneof().Name())
	}
	return kind(f)
}

// compare returns the breaking differences and the additions of now against recorded.
func compare(recorded, now map[string]string) (breaking, added []string) {
	for k, v := range recorded {
		switch got, ok := now[k]; {
		case !ok:
			breaking = append(breaking, fmt.Sprintf("removed %s (was %s)", k, v))
		case got != v:
			breaking = append(breaking, fmt.Sprintf("changed %s from %q to %q", k, v, got))
		}
	}
	for k, v := range now {
		if _, ok := recorded[k]; !ok {
			added = append(added, k+": "+v)
		}
	}
	sort.Strings(breaking)
	sort.Strings(added)
	return breaking, added
}

func render(s map[string]string) string {
	lines := make([]string, 0, len(s))
	for k, v := range s {
		lines = append(lines, k+": "+v)
	}
	sort.Strings(lines)
	return "# Connector protocol version 1. Lines may be added (go test ./sdk -run " +
		"TestProtocol -update),\n# never removed or changed: that needs protocol version 2.\n" +
		strings.Join(lines, "\n") + "\n"
}

func parseGolden(t *testing.T, text string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ": ")
		require.True(t, ok, "malformed golden line %q", line)
		out[k] = v
	}
	return out
}

func TestProtocolV1HasNoBreakingChange(t *testing.T) {
	now := shape(pb.File_connector_proto)
	data, err := os.ReadFile(protocolGolden)
	if os.IsNotExist(err) && *update {
		data = nil
	} else {
		require.NoError(t, err)
	}
	recorded := parseGolden(t, string(data))

	breaking, added := compare(recorded, now)
	require.Empty(t, breaking, "breaking change to connector protocol version 1: connectors "+
		"built on older SDKs would stop working. A breaking change needs a new major "+
		"protocol version (internal/proto/connectorv2, a new entry in versionedPlugins; see "+
		"docs/decisions/0007-connector-protocol.md). Adding fields and methods is fine.")
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(protocolGolden), 0o755))
		require.NoError(t, os.WriteFile(protocolGolden, []byte(render(now)), 0o644))
		return
	}
	require.Empty(t, added, "protocol additions are not recorded yet; run "+
		"go test ./sdk -run TestProtocol -update and commit %s", protocolGolden)
}

func TestProtocolCompareFindsBreakingChanges(t *testing.T) {
	recorded := shape(pb.File_connector_proto)
	cases := []struct {
		name     string
		edit     func(m map[string]string)
		breaking string
		added    string
	}{
		{name: "field removed", edit: func(m map[string]string) {
			delete(m, "field steward.connector.v1.Agent.serial")
		}, breaking: "removed field steward.connector.v1.Agent.serial"},
		{name: "field renumbered", edit: func(m map[string]string) {
			m["field steward.connector.v1.Agent.serial"] = "40 string"
		}, breaking: `changed field steward.connector.v1.Agent.serial from "4 string"`},
		{name: "method removed", edit: func(m map[string]string) {
			delete(m, "rpc Connector.RunScript")
		}, breaking: "removed rpc Connector.RunScript"},
		{name: "method no longer streams", edit: func(m map[string]string) {
			m["rpc Connector.ListAgents"] = "steward.connector.v1.ListAgentsRequest -> " +
				"steward.connector.v1.AgentBatch"
		}, breaking: "changed rpc Connector.ListAgents"},
		{name: "field added", edit: func(m map[string]string) {
			m["field steward.connector.v1.Agent.domain"] = "12 string"
		}, added: "field steward.connector.v1.Agent.domain: 12 string"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			now := map[string]string{}
			for k, v := range recorded {
				now[k] = v
			}
			tc.edit(now)
			breaking, added := compare(recorded, now)
			if tc.breaking == "" {
				require.Empty(t, breaking)
				require.Equal(t, []string{tc.added}, added)
				return
			}
			require.Len(t, breaking, 1)
			require.Contains(t, breaking[0], tc.breaking)
		})
	}
}
