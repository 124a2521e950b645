package client

import (
	"context"
	"errors"
	"time"

	"github.com/stewardhq/steward/agent/inventory"
	"github.com/stewardhq/steward/agent/wire"
)

// inventoryLoop sends the inventory on every new connection and on the hub's request, and
// in between collects it every InventoryInterval and sends it when its fingerprint changed.
func (a *agent) inventoryLoop(ctx context.Context) {
	t := time.NewTicker(a.cfg.InventoryInterval)
	defer t.Stop()
	var sent, lastErr string
	for {
		force := false
		select {
		case <-ctx.Done():
			return
		case <-a.inventoryNow:
			force = true
		case <-t.C:
		}
		if a.current() == nil {
			continue
		}

		inv, err := a.cfg.Inventory.Collect(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			// The same failing source every interval is logged once.
			if msg := err.Error(); msg != lastErr {
				a.log.Warn("collect inventory", "err", err)
				lastErr = msg
			}
			if !errors.Is(err, inventory.ErrIncomplete) {
				continue
			}
		} else {
			lastErr = ""
		}

		fp := inventory.Fingerprint(inv)
		if !force && fp == sent {
			a.log.Debug("inventory unchanged")
			continue
		}
		sess := a.current()
		if sess == nil {
			continue
		}
		err = sess.send(ctx, wire.TypeInventory,
			wire.InventoryReport{Inventory: inv, Fingerprint: fp})
		if errors.Is(err, errTooLarge) {
			a.log.Warn("inventory too large to send", "err", err)
			continue
		}
		if err != nil {
			a.log.Debug("send inventory", "err", err)
			continue
		}
		sent = fp
		a.log.Debug("sent inventory", "fingerprint", fp)
	}
}
