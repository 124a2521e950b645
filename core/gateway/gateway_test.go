package gateway_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/agent/wire"
	"github.com/stewardhq/steward/core/agents"
	"github.com/stewardhq/steward/core/computer"
	"github.com/stewardhq/steward/core/hub/hubtest"
	"github.com/stewardhq/steward/core/paging"
	"github.com/stewardhq/steward/core/scripts"
	"github.com/stewardhq/steward/core/tenant"
	"github.com/stewardhq/steward/sdk"
)

// testAgent speaks the wire protocol by hand, so the hub side is tested on its own.
type testAgent struct {
	id   string
	priv ed25519.PrivateKey
	ws   *websocket.Conn
}

func mspTenant(t *testing.T, h *hubtest.Hub) tenant.Tenant {
	var page paging.Page[tenant.Tenant]
	require.NoError(t, h.Client.Do(context.Background(), http.MethodGet, "/tenants", nil, &page))
	return page.Items[0]
}

func enrollmentToken(t *testing.T, h *hubtest.Hub, tenantID string, body any) string {
	var tok agents.CreatedEnrollmentToken
	require.NoError(t, h.Client.Do(context.Background(), http.MethodPost,
		"/tenants/"+tenantID+"/enrollment-tokens", body, &tok))
	require.True(t, strings.HasPrefix(tok.Token, "stwe_"))
	return tok.Token
}

func enroll(t *testing.T, h *hubtest.Hub, token string) (*testAgent, int, string) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	body, _ := json.Marshal(wire.EnrollRequest{Token: token,
		PublicKey: base64.StdEncoding.EncodeToString(pub), Hostname: "pc-1"})
	resp, err := http.Post(h.URL+wire.EnrollPath, "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	var out wire.EnrollResponse
	_ = json.Unmarshal(buf.Bytes(), &out)
	return &testAgent{id: out.AgentID, priv: priv}, resp.StatusCode, buf.String()
}

// connect runs the handshake and returns the hub's answer to it.
func (a *testAgent) connect(t *testing.T, h *hubtest.Hub) wire.Envelope {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(h.URL, "http")+wire.ConnectPath,
		nil)
	require.NoError(t, err)
	ws.SetReadLimit(wire.MaxMessageBytes)
	a.ws = ws
	t.Cleanup(func() { ws.CloseNow() })

	hello := a.read(t)
	require.Equal(t, wire.TypeHello, hello.Type)
	var hl wire.Hello
	require.NoError(t, hello.Decode(&hl))
	sig := ed25519.Sign(a.priv, wire.SignedChallenge(a.id, hl.Nonce))
	a.send(t, wire.TypeAuth, wire.Auth{AgentID: a.id, Protocol: wire.Protocol,
		Signature: base64.StdEncoding.EncodeToString(sig)})
	return a.read(t)
}

func (a *testAgent) send(t *testing.T, typ string, v any) {
	env, err := wire.Encode(typ, v)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, wsjson.Write(ctx, a.ws, env))
}

func (a *testAgent) read(t *testing.T) wire.Envelope {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var env wire.Envelope
	require.NoError(t, wsjson.Read(ctx, a.ws, &env))
	return env
}

func (a *testAgent) readType(t *testing.T, typ string) wire.Envelope {
	for {
		env := a.read(t)
		if env.Type == typ {
			return env
		}
	}
}

func inventory(host string) wire.InventoryReport {
	return wire.InventoryReport{Fingerprint: "fp-" + host, Inventory: sdk.Inventory{
		Facts: sdk.IdentityFacts{Hostname: host, SMBIOSUUID: "{4c4c4544-0042-3510-8050-b4c04f4e3232}",
			Serial: "5B2PN22", Manufacturer: "Dell Inc.", Model: "OptiPlex 7090"},
		ComputerType: sdk.ComputerTypeWorkstation,
		Programs: []sdk.Program{{Name: "curl", Version: "7.88.1-10+deb12u5", Source: "dpkg"},
			{Name: "bash", Version: "5.2.15-2+b2", Source: "dpkg"}}}}
}

func TestAgentEnrollsReportsAndRunsAScript(t *testing.T) {
	hubtest.Each(t, func(t *testing.T, h *hubtest.Hub) {
		ctx := context.Background()
		msp := mspTenant(t, h)
		token := enrollmentToken(t, h, msp.ID, map[string]any{"maxUses": 1,
			"tags": []string{"lab"}})

		a, status, body := enroll(t, h, token)
		require.Equal(t, http.StatusCreated, status, body)
		_, status, body = enroll(t, h, token)
		require.Equal(t, http.StatusUnauthorized, status)
		require.Contains(t, body, "used up")

		welcome := a.connect(t, h)
		require.Equal(t, wire.TypeWelcome, welcome.Type)
		a.send(t, wire.TypeInventory, inventory("pc-1"))

		var comps paging.Page[computer.Computer]
		require.Eventually(t, func() bool {
			require.NoError(t, h.Client.Do(ctx, http.MethodGet, "/computers", nil, &comps))
			return comps.Total == 1 && comps.Items[0].Online
		}, 20*time.Second, 50*time.Millisecond)
		pc := comps.Items[0]
		require.Equal(t, "pc-1", pc.Name)
		require.Equal(t, "4C4C4544-0042-3510-8050-B4C04F4E3232", pc.SMBIOSUUID)
		require.Equal(t, computer.StatusNeedsOnboarding, pc.Status)
		require.Equal(t, []string{"lab"}, pc.Tags)

		var progs paging.Page[computer.Program]
		require.NoError(t, h.Client.Do(ctx, http.MethodGet,
			"/computers/"+pc.ID+"/software?pageSize=1", nil, &progs))
		require.Equal(t, 2, progs.Total)
		require.Len(t, progs.Items, 1)
		require.Equal(t, "bash", progs.Items[0].Name)
		require.NoError(t, h.Client.Do(ctx, http.MethodGet,
			"/computers/"+pc.ID+"/software?q=CUR", nil, &progs))
		require.Len(t, progs.Items, 1)
		require.Equal(t, "curl", progs.Items[0].Name)

		var run scripts.Run
		require.NoError(t, h.Client.Do(ctx, http.MethodPost, "/computers/"+pc.ID+"/scripts/run",
			map[string]any{"language": "sh", "body": "echo hi", "params": map[string]string{
				"Greeting": "hello"}}, &run))
		require.Equal(t, scripts.StatusQueued, run.Status)

		var delivered wire.Run
		require.NoError(t, a.readType(t, wire.TypeRun).Decode(&delivered))
		require.Equal(t, run.ID, delivered.Request.ID)
		require.Equal(t, "hello", delivered.Request.Params["Greeting"])
		require.Equal(t, "pc-1", delivered.Request.Params[scripts.VarComputerName])
		require.Equal(t, msp.Name, delivered.Request.Params[scripts.VarTenantName])

		now := time.Now()
		lines := []sdk.OutputLine{{Seq: 1, Stream: "stdout", Text: "hi", Time: now}}
		a.send(t, wire.TypeOutput, wire.Output{RunID: run.ID, Lines: lines})
		a.send(t, wire.TypeOutput, wire.Output{RunID: run.ID, Lines: lines}) // resent
		a.send(t, wire.TypeResult, wire.Result{RunID: run.ID, Result: sdk.ScriptResult{
			ExitCode: 0, StartedAt: now, FinishedAt: now}})
		var ack wire.Ack
		require.NoError(t, a.readType(t, wire.TypeAck).Decode(&ack))
		require.Equal(t, run.ID, ack.RunID)

		require.NoError(t, h.Client.Do(ctx, http.MethodGet, "/script-runs/"+run.ID, nil, &run))
		require.Equal(t, scripts.StatusCompleted, run.Status)
		require.NotNil(t, run.ExitCode)
		var out struct {
			Lines    []sdk.OutputLine `json:"lines"`
			Finished bool             `json:"finished"`
		}
		require.NoError(t, h.Client.Do(ctx, http.MethodGet, "/script-runs/"+run.ID+"/output",
			nil, &out))
		require.True(t, out.Finished)
		require.Len(t, out.Lines, 1, "a resent line is stored once")
		require.Equal(t, "hi", out.Lines[0].Text)

		var tagged computer.Computer
		require.NoError(t, h.Client.Do(ctx, http.MethodPut, "/computers/"+pc.ID+"/tags",
			map[string]any{"tags": []string{" finance ", "FINANCE", "kiosk"}}, &tagged))
		require.Equal(t, []string{"finance", "kiosk"}, tagged.Tags)
		err := h.Client.Do(ctx, http.MethodPut, "/computers/"+pc.ID+"/tags",
			map[string]any{"tags": []string{"a,b"}}, nil)
		require.ErrorContains(t, err, "commas")

		require.NoError(t, h.Client.Do(ctx, http.MethodDelete, "/computers/"+pc.ID, nil, nil))
		err = h.Client.Do(ctx, http.MethodGet, "/computers/"+pc.ID, nil, nil)
		require.ErrorContains(t, err, "not found")
		var ref wire.Refused
		require.NoError(t, a.readType(t, wire.TypeRefused).Decode(&ref),
			"a deleted computer's agent is revoked and dropped")
		require.Equal(t, wire.RefusedRevoked, ref.Code)
	})
}

func TestRevokedAgentIsDroppedAndRefused(t *testing.T) {
	h := hubtest.Start(t, "sqlite")
	msp := mspTenant(t, h)
	a, status, _ := enroll(t, h, enrollmentToken(t, h, msp.ID, map[string]any{}))
	require.Equal(t, http.StatusCreated, status)
	require.Equal(t, wire.TypeWelcome, a.connect(t, h).Type)

	require.NoError(t, h.Client.Do(context.Background(), http.MethodDelete, "/agents/"+a.id,
		nil, nil))
	env := a.readType(t, wire.TypeRefused)
	var ref wire.Refused
	require.NoError(t, env.Decode(&ref))
	require.Equal(t, wire.RefusedRevoked, ref.Code)

	again := a.connect(t, h)
	require.Equal(t, wire.TypeRefused, again.Type)
	require.NoError(t, again.Decode(&ref))
	require.True(t, ref.Final())
}

func TestBadSignatureAndBadEnrollment(t *testing.T) {
	h := hubtest.Start(t, "sqlite")
	msp := mspTenant(t, h)
	a, _, _ := enroll(t, h, enrollmentToken(t, h, msp.ID, map[string]any{}))
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	a.priv = other
	env := a.connect(t, h)
	require.Equal(t, wire.TypeRefused, env.Type)
	var ref wire.Refused
	require.NoError(t, env.Decode(&ref))
	require.Equal(t, wire.RefusedSignature, ref.Code)

	_, status, body := enroll(t, h, "stwe_nonsense")
	require.Equal(t, http.StatusUnauthorized, status)
	require.Contains(t, body, `"code":"unauthorized"`)

	expired := enrollmentToken(t, h, msp.ID, map[string]any{"expiresInSeconds": 1})
	time.Sleep(1100 * time.Millisecond)
	_, status, body = enroll(t, h, expired)
	require.Equal(t, http.StatusUnauthorized, status)
	require.Contains(t, body, "expired")
}
