// Command sshconnector is an example Steward connector written the way a third party would:
// on the public SDK alone. It lists computers from a file of hosts and runs sh and bash
// scripts, including the identity script, on them over SSH.
//
// Build it with `go build`, then try it with
//
//	steward plugin check ./sshconnector --config hostsFile=hosts.yaml \
//	    --config privateKeyFile=id_ed25519 --config knownHostsFile=known_hosts
package main

import "github.com/stewardhq/steward/sdk"

func main() {
	sdk.Serve(&connector{})
}
