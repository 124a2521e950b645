package sdk

import (
	"net/http"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/stewardhq/steward/sdk/internal/proto/connectorv1"
)

// The conversions between the Go types and protocol version 1. A zero time travels as an
// absent timestamp so that "unknown" stays unknown.

func tsToPB(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func tsFromPB(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}

func capsToPB(cs []Capability) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return out
}

func capsFromPB(ss []string) []Capability {
	out := make([]Capability, len(ss))
	for i, s := range ss {
		out[i] = Capability(s)
	}
	return out
}

func descriptionToPB(d Description) *pb.Description {
	out := &pb.Description{
		Name: d.Name, DisplayName: d.DisplayName, Vendor: d.Vendor, Version: d.Version,
		Capabilities: capsToPB(d.Capabilities), Implemented: capsToPB(d.Implemented),
	}
	for _, v := range d.ProtocolVersions {
		out.ProtocolVersions = append(out.ProtocolVersions, int32(v))
	}
	for _, f := range d.Fields {
		out.Fields = append(out.Fields, &pb.ConfigField{
			Name: f.Name, Label: f.Label, Type: string(f.Type), Required: f.Required,
			Secret: f.Secret, Help: f.Help, Default: f.Default,
		})
	}
	return out
}

func descriptionFromPB(d *pb.Description) Description {
	out := Description{
		Name: d.GetName(), DisplayName: d.GetDisplayName(), Vendor: d.GetVendor(),
		Version: d.GetVersion(), Capabilities: capsFromPB(d.GetCapabilities()),
		Implemented: capsFromPB(d.GetImplemented()),
	}
	for _, v := range d.GetProtocolVersions() {
		out.ProtocolVersions = append(out.ProtocolVersions, int(v))
	}
	for _, f := range d.GetFields() {
		out.Fields = append(out.Fields, ConfigField{
			Name: f.GetName(), Label: f.GetLabel(), Type: FieldType(f.GetType()),
			Required: f.GetRequired(), Secret: f.GetSecret(), Help: f.GetHelp(),
			Default: f.GetDefault(),
		})
	}
	return out
}

func agentToPB(a Agent) *pb.Agent {
	return &pb.Agent{
		Id: a.ID, ClientId: a.ClientID, Name: a.Name, Serial: a.Serial,
		Manufacturer: a.Manufacturer, Model: a.Model, Os: a.OS, OsVersion: a.OSVersion,
		Online: a.Online, HardwareUuid: a.HardwareUUID, LastSeen: tsToPB(a.LastSeen),
	}
}

func agentFromPB(a *pb.Agent) Agent {
	return Agent{
		ID: a.GetId(), ClientID: a.GetClientId(), Name: a.GetName(), Serial: a.GetSerial(),
		Manufacturer: a.GetManufacturer(), Model: a.GetModel(), OS: a.GetOs(),
		OSVersion: a.GetOsVersion(), Online: a.GetOnline(), HardwareUUID: a.GetHardwareUuid(),
		LastSeen: tsFromPB(a.GetLastSeen()),
	}
}

func clientGroupToPB(g ClientGroup) *pb.ClientGroup {
	out := &pb.ClientGroup{Id: g.ID, Name: g.Name}
	for _, m := range g.Members {
		out.Members = append(out.Members, &pb.ClientGroupMember{
			ClientId: m.ClientID, ValidFrom: tsToPB(m.ValidFrom), ValidTo: tsToPB(m.ValidTo),
		})
	}
	return out
}

func clientGroupFromPB(g *pb.ClientGroup) ClientGroup {
	out := ClientGroup{ID: g.GetId(), Name: g.GetName()}
	for _, m := range g.GetMembers() {
		out.Members = append(out.Members, ClientGroupMember{
			ClientID: m.GetClientId(), ValidFrom: tsFromPB(m.GetValidFrom()),
			ValidTo: tsFromPB(m.GetValidTo()),
		})
	}
	return out
}

func factsToPB(f IdentityFacts) *pb.IdentityFacts {
	out := &pb.IdentityFacts{
		SmbiosUuid: f.SMBIOSUUID, Serial: f.Serial, Manufacturer: f.Manufacturer,
		Model: f.Model, Hostname: f.Hostname, OsName: f.OSName, OsVersion: f.OSVersion,
		OsInstallId: f.OSInstallID,
	}
	if f.OSInstallDate != nil {
		out.OsInstallDate = tsToPB(*f.OSInstallDate)
	}
	return out
}

func factsFromPB(f *pb.IdentityFacts) IdentityFacts {
	out := IdentityFacts{
		SMBIOSUUID: f.GetSmbiosUuid(), Serial: f.GetSerial(), Manufacturer: f.GetManufacturer(),
		Model: f.GetModel(), Hostname: f.GetHostname(), OSName: f.GetOsName(),
		OSVersion: f.GetOsVersion(), OSInstallID: f.GetOsInstallId(),
	}
	if ts := f.GetOsInstallDate(); ts != nil {
		t := ts.AsTime()
		out.OSInstallDate = &t
	}
	return out
}

func scriptRequestToPB(agentID string, r ScriptRequest) *pb.RunScriptRequest {
	out := &pb.RunScriptRequest{
		AgentId: agentID, Id: r.ID, Language: r.Language, Context: r.Context, Body: r.Body,
		Params: r.Params, Timeout: durationpb.New(r.Timeout),
	}
	for _, f := range r.Files {
		out.Files = append(out.Files, &pb.FileRef{
			Url: f.URL, Sha256: f.SHA256, Name: f.Name, Size: f.Size, Param: f.Param,
		})
	}
	return out
}

func scriptRequestFromPB(r *pb.RunScriptRequest) ScriptRequest {
	out := ScriptRequest{
		ID: r.GetId(), Language: r.GetLanguage(), Context: r.GetContext(), Body: r.GetBody(),
		Params: r.GetParams(), Timeout: r.GetTimeout().AsDuration(),
	}
	for _, f := range r.GetFiles() {
		out.Files = append(out.Files, FileRef{
			URL: f.GetUrl(), SHA256: f.GetSha256(), Name: f.GetName(), Size: f.GetSize(),
			Param: f.GetParam(),
		})
	}
	return out
}

func lineToPB(l OutputLine) *pb.OutputLine {
	return &pb.OutputLine{Seq: l.Seq, Stream: l.Stream, Text: l.Text, Time: tsToPB(l.Time)}
}

func lineFromPB(l *pb.OutputLine) OutputLine {
	return OutputLine{Seq: l.GetSeq(), Stream: l.GetStream(), Text: l.GetText(),
		Time: tsFromPB(l.GetTime())}
}

func resultToPB(r ScriptResult) *pb.ScriptResult {
	return &pb.ScriptResult{
		ExitCode: int64(r.ExitCode), TimedOut: r.TimedOut, Error: r.Error,
		DroppedBytes: r.DroppedBytes, StartedAt: tsToPB(r.StartedAt),
		FinishedAt: tsToPB(r.FinishedAt),
	}
}

func resultFromPB(r *pb.ScriptResult) ScriptResult {
	return ScriptResult{
		ExitCode: int(r.GetExitCode()), TimedOut: r.GetTimedOut(), Error: r.GetError(),
		DroppedBytes: r.GetDroppedBytes(), StartedAt: tsFromPB(r.GetStartedAt()),
		FinishedAt: tsFromPB(r.GetFinishedAt()),
	}
}

func headerToPB(h http.Header) map[string]*pb.HeaderValues {
	if len(h) == 0 {
		return nil
	}
	out := make(map[string]*pb.HeaderValues, len(h))
	for k, vs := range h {
		out[k] = &pb.HeaderValues{Values: vs}
	}
	return out
}

func headerFromPB(h map[string]*pb.HeaderValues) http.Header {
	if len(h) == 0 {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		out[k] = vs.GetValues()
	}
	return out
}
