//go:build !linux && !darwin && !windows

package inventory

import (
	"context"

	"github.com/stewardhq/steward/sdk"
)

// collectPlatform reports the host name alone on systems without a collector.
// TODO(platforms): the BSDs have sysctl hw.uuid/kern.hostuuid and pkg(8); add them when an
// agent is built for one.
func (c *Collector) collectPlatform(context.Context) (sdk.Inventory, error) {
	host, err := c.hostFact()
	return sdk.Inventory{Facts: sdk.IdentityFacts{Hostname: host}}, err
}
