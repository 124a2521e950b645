package gateway

import (
	"context"
	"time"

	"github.com/stewardhq/steward/agent/wire"
)

// Run passes on, until ctx ends, what other instances asked of agents connected here:
// revocations and inventory requests. Runs reach agents through the script dispatcher.
func (g *Gateway) Run(ctx context.Context) {
	tick := time.NewTicker(g.cfg.PollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			g.poll(ctx)
		}
	}
}

func (g *Gateway) poll(ctx context.Context) {
	revoked, err := g.agents.RevokedOn(ctx, g.cfg.Instance)
	if err != nil && ctx.Err() == nil {
		g.log.Warn("revocations not loaded", "err", err)
	}
	for _, id := range revoked {
		g.drop(id)
	}
	asked, err := g.agents.TakeInventoryRequests(ctx, g.cfg.Instance)
	if err != nil && ctx.Err() == nil {
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
