package inventory

import (
	"context"

	"github.com/stewardhq/steward/sdk"
)

func (c *Collector) collectPlatform(ctx context.Context) (sdk.Inventory, error) {
	return c.collectDarwin(ctx)
}
