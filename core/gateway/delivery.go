package gateway

import (
	"context"
	"slices"
	"time"

	"github.com/stewardhq/steward/agent/wire"
	"github.com/stewardhq/steward/core/scripts"
)

// cancelKick wakes the delivery loop to pass cancels on rather than runs.
const cancelKick = "\x00cancel"

// Run delivers queued runs until ctx ends: at once for runs queued through this instance,
// and by polling for runs queued through others and for agents revoked elsewhere.
func (g *Gateway) Run(ctx context.Context) {
	tick := time.NewTicker(g.cfg.PollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case agentID := <-g.kicks:
			if agentID == cancelKick {
				g.passCancels(ctx)
				continue
			}
			g.deliverPending(ctx, agentID, false)
		case <-tick.C:
			g.poll(ctx)
		}
	}
}

// deliverPending offers an agent its queued runs, and with again also those dispatched
// before: after a reconnect the agent resends their output, or runs them if it never got
// them.
func (g *Gateway) deliverPending(ctx context.Context, agentID string, again bool) {
	c := g.lookup(agentID)
	if c == nil {
		return
	}
	runs, err := g.scripts.Pending(ctx, agentID)
	if err != nil {
		g.log.Warn("pending runs not loaded", "agent_id", agentID, "err", err)
		return
	}
	if !again {
		runs = slices.DeleteFunc(runs, func(r scripts.Run) bool {
			return r.Status != scripts.StatusQueued
		})
	}
	g.deliver(ctx, c, runs)
}

func (g *Gateway) deliver(ctx context.Context, c *conn, runs []scripts.Run) {
	for _, r := range runs {
		req, err := g.scripts.RequestFor(r)
		if err != nil {
			g.log.Error("run cannot be delivered", "run_id", r.ID, "err", err)
			continue
		}
		if err := c.send(ctx, wire.TypeRun, wire.Run{Request: req}); err != nil {
			g.log.Info("run not delivered; it waits for the next connection",
				"agent_id", c.agentID, "run_id", r.ID, "err", err)
			return
		}
		if r.Status == scripts.StatusQueued {
			if err := g.scripts.MarkDispatched(ctx, r.ID); err != nil {
				g.log.Warn("run dispatch not recorded", "run_id", r.ID, "err", err)
			}
		}
	}
}

func (g *Gateway) poll(ctx context.Context) {
	queued, err := g.scripts.QueuedOn(ctx, g.cfg.Instance)
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		g.log.Warn("queued runs not loaded", "err", err)
	}
	for _, r := range queued {
		if c := g.lookup(r.AgentID); c != nil {
			g.deliver(ctx, c, []scripts.Run{r})
		}
	}
	revoked, err := g.agents.RevokedOn(ctx, g.cfg.Instance)
	if err != nil {
		g.log.Warn("revocations not loaded", "err", err)
	}
	for _, id := range revoked {
		g.drop(id)
	}
	g.passCancels(ctx)
	asked, err := g.agents.TakeInventoryRequests(ctx, g.cfg.Instance)
	if err != nil {
		g.log.Warn("inventory requests not loaded", "err", err)
	}
	for _, id := range asked {
		if c := g.lookup(id); c != nil {
			if err := c.send(ctx, wire.TypeInventoryRequest, nil); err != nil {
				g.log.Info("inventory request not sent", "agent_id", id, "err", err)
			}
		}
	}
}

// passCancels tells agents connected here to stop the runs whose cancel was asked.
func (g *Gateway) passCancels(ctx context.Context) {
	runs, err := g.scripts.TakeCancels(ctx, g.cfg.Instance)
	if err != nil {
		if ctx.Err() == nil {
			g.log.Warn("cancel requests not loaded", "err", err)
		}
		return
	}
	for _, r := range runs {
		if c := g.lookup(r.AgentID); c != nil {
			if err := c.send(ctx, wire.TypeCancel, wire.Cancel{RunID: r.ID}); err != nil {
				g.log.Info("cancel not sent", "agent_id", r.AgentID, "run_id", r.ID, "err", err)
			}
		}
	}
}
