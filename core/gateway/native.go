package gateway

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stewardhq/steward/agent/wire"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/paging"
	"github.com/stewardhq/steward/core/scripts"
	"github.com/stewardhq/steward/sdk"
)

// cancelWait bounds how long a cancelled run waits for its agent to report how it ended.
const cancelWait = time.Minute

// Native is Steward's own agent behind the SDK's capability interfaces, in process, so the
// hub drives it with the same calls it makes to a connector.
type Native struct{ g *Gateway }

var (
	_ sdk.Connector    = Native{}
	_ sdk.AgentLister  = Native{}
	_ sdk.ScriptRunner = Native{}
)

// Native returns the gateway as a connector.
func (g *Gateway) Native() Native { return Native{g: g} }

// Describe names the built-in pathway.
func (n Native) Describe(context.Context) (sdk.Description, error) {
	return sdk.Description{Name: "steward-agent", DisplayName: "Steward agent",
		Vendor: "Steward", Version: fmt.Sprintf("%d.0.0", wire.Protocol),
		Capabilities: []sdk.Capability{sdk.CapAgents, sdk.CapRunScript}}, nil
}

// Configure accepts no settings: the agent is configured where it is enrolled.
func (n Native) Configure(context.Context, sdk.Config) error { return nil }

// Health reports how many agents this instance holds.
func (n Native) Health(context.Context) (sdk.HealthStatus, error) {
	return sdk.HealthStatus{Message: fmt.Sprintf("%d agents connected to this instance",
		n.g.Connected())}, nil
}

// Agents lists the enrolled agents the caller of ctx may see, revoked ones left out; the
// client id is the agent's tenant.
func (n Native) Agents(ctx context.Context) ([]sdk.Agent, error) {
	var out []sdk.Agent
	for page := 1; ; page++ {
		p, err := n.g.agents.List(ctx, "", paging.Request{Page: page, PageSize: paging.MaxSize})
		if err != nil {
			return nil, err
		}
		for _, a := range p.Items {
			if a.RevokedAt != nil {
				continue
			}
			ag := sdk.Agent{ID: a.ID, ClientID: a.TenantID, Name: a.Hostname,
				Online: a.Online}
			if a.LastSeenAt != nil {
				ag.LastSeen = *a.LastSeenAt
			}
			out = append(out, ag)
		}
		if len(p.Items) < paging.MaxSize {
			return out, nil
		}
	}
}

// RunScript hands the run to the agent, if it is connected here, and waits for its result,
// passing its output on as it arrives. The agent never runs one id twice, so a run offered
// again after a reconnect only brings back what it printed and how it ended.
//
// A cancelled ctx whose cause is scripts.ErrCancelRequested stops the script on the agent;
// any other end of ctx (the hub stopping) leaves it running, and the agent reports it when
// it reconnects.
func (n Native) RunScript(ctx context.Context, agentID string, req sdk.ScriptRequest,
	out sdk.OutputFunc) (sdk.ScriptResult, error) {
	c := n.g.lookup(agentID)
	if c == nil {
		return sdk.ScriptResult{}, sdk.Retryable(fmt.Errorf(
			"agent %s is not connected to this instance", agentID))
	}
	w := &waiter{agentID: agentID, out: out, result: make(chan sdk.ScriptResult, 1)}
	n.g.await(req.ID, w)
	defer n.g.unawait(req.ID, w)

	// The connection library closes a connection whose write context ends mid-write; the
	// run's own end must never cut the agent off, so the write has its own deadline only.
	if err := c.send(context.WithoutCancel(ctx), wire.TypeRun,
		wire.Run{Request: req}); err != nil {
		return sdk.ScriptResult{}, fmt.Errorf("send run to agent %s: %v: %w", agentID, err,
			scripts.ErrDetached)
	}
	detached := fmt.Errorf("agent %s disconnected: %w", agentID, scripts.ErrDetached)
	select {
	case res := <-w.result:
		return res, nil
	case <-c.gone:
		return sdk.ScriptResult{}, detached
	case <-ctx.Done():
	}
	if !errors.Is(context.Cause(ctx), scripts.ErrCancelRequested) {
		return sdk.ScriptResult{}, detached
	}
	if err := c.send(context.Background(), wire.TypeCancel,
		wire.Cancel{RunID: req.ID}); err != nil {
		n.g.log.Info("cancel not sent", "agent_id", agentID, "run_id", req.ID, "err", err)
	}
	select {
	case res := <-w.result:
		return res, nil
	case <-c.gone:
		return sdk.ScriptResult{}, detached
	case <-time.After(cancelWait):
		return sdk.ScriptResult{}, fmt.Errorf("agent %s did not confirm the cancel: %w",
			agentID, context.Cause(ctx))
	}
}

// waiter is a RunScript call waiting for its run's output and result.
type waiter struct {
	agentID string
	out     sdk.OutputFunc
	result  chan sdk.ScriptResult
}

func (g *Gateway) await(runID string, w *waiter) {
	g.mu.Lock()
	g.waiters[runID] = w
	g.mu.Unlock()
}

func (g *Gateway) unawait(runID string, w *waiter) {
	g.mu.Lock()
	if g.waiters[runID] == w {
		delete(g.waiters, runID)
	}
	g.mu.Unlock()
}

// waiterFor returns the call waiting for a run of the agent, or nil.
func (g *Gateway) waiterFor(agentID, runID string) *waiter {
	g.mu.Lock()
	defer g.mu.Unlock()
	if w := g.waiters[runID]; w != nil && w.agentID == agentID {
		return w
	}
	return nil
}

// output passes an agent's output on to the call waiting for it, or, when nobody waits (the
// agent resends after a reconnect, before its runs are offered again), stores it directly.
func (g *Gateway) output(ctx context.Context, c *conn, o wire.Output) error {
	if w := g.waiterFor(c.agentID, o.RunID); w != nil && w.out != nil {
		for _, l := range o.Lines {
			w.out(l)
		}
		return nil
	}
	return g.scripts.AppendOutput(ctx, c.agentID, o.RunID, o.Lines)
}

// result stores how a run ended before the agent is told it may forget it, then hands it to
// the waiting call; the dispatcher's own attempt to store it again changes nothing.
func (g *Gateway) result(ctx context.Context, c *conn, res wire.Result) error {
	err := g.scripts.Complete(ctx, c.agentID, res.RunID, res.Result)
	if errors.Is(err, errs.ErrForbidden) || errors.Is(err, errs.ErrNotFound) {
		// A result the hub will never store: acknowledge it so the agent lets it go.
		g.log.Warn("result of an unknown run dropped", "agent_id", c.agentID,
			"run_id", res.RunID, "err", err)
	} else if err != nil {
		return err
	}
	if err := c.send(ctx, wire.TypeAck, wire.Ack{RunID: res.RunID}); err != nil {
		return err
	}
	if w := g.waiterFor(c.agentID, res.RunID); w != nil {
		select {
		case w.result <- res.Result:
		default:
		}
	}
	return nil
}
