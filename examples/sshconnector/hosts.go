package main

import (
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/stewardhq/steward/sdk"
)

// host is one line of the hosts file.
type host struct {
	Name    string `yaml:"name"`
	Address string `yaml:"address"`
	Port    int    `yaml:"port"`
	User    string `yaml:"user"`
	Client  string `yaml:"client"`
	// The hardware facts an asset list knows. They stand in for what the host cannot
	// report itself: the DMI files are often readable by root only, or absent in VMs.
	UUID         string `yaml:"uuid"`
	Serial       string `yaml:"serial"`
	Manufacturer string `yaml:"manufacturer"`
	Model        string `yaml:"model"`
}

// withKnown fills the hardware facts the host did not report from its hosts file entry.
// What the host reports wins: the file may be out of date after a repair or a swap.
func withKnown(f sdk.IdentityFacts, h host) sdk.IdentityFacts {
	fill := func(dst *string, known string) {
		if *dst == "" {
			*dst = known
		}
	}
	fill(&f.SMBIOSUUID, h.UUID)
	fill(&f.Serial, h.Serial)
	fill(&f.Manufacturer, h.Manufacturer)
	fill(&f.Model, h.Model)
	return f
}

// loadHosts reads a YAML or JSON list of hosts (JSON is YAML too) and fills in defaults: the
// name as address, port 22 and defaultUser.
func loadHosts(path, defaultUser string) ([]host, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read hosts file: %w", err)
	}
	var hosts []host
	if err := yaml.Unmarshal(data, &hosts); err != nil {
		return nil, fmt.Errorf("parse hosts file %s: %w", path, err)
	}

	seen := map[string]bool{}
	for i := range hosts {
		h := &hosts[i]
		switch {
		case h.Name == "":
			return nil, fmt.Errorf("hosts file %s: entry %d has no name", path, i+1)
		case seen[h.Name]:
			return nil, fmt.Errorf("hosts file %s: name %q appears twice", path, h.Name)
		case h.Port < 0 || h.Port > 65535:
			return nil, fmt.Errorf("hosts file %s: %s: port %d out of range", path, h.Name,
				h.Port)
		}
		seen[h.Name] = true
		if h.Address == "" {
			h.Address = h.Name
		}
		if h.Port == 0 {
			h.Port = 22
		}
		if h.User == "" {
			h.User = defaultUser
		}
		if h.User == "" {
			return nil, fmt.Errorf("hosts file %s: %s: no user and no defaultUser", path,
				h.Name)
		}
	}
	return hosts, nil
}
