// Package testbin builds the SDK's test connectors, so tests run real connector processes.
package testbin

import (
	"fmt"
	"os/exec"
	"path"
	"path/filepath"
)

// FakeConnector is the import path of the test connector that declares every capability.
const FakeConnector = "github.com/stewardhq/steward/sdk/internal/fakeconnector"

// Build compiles the main package pkg into dir and returns the executable's path.
func Build(dir, pkg string) (string, error) {
	bin := filepath.Join(dir, path.Base(pkg))
	out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build %s: %w: %s", pkg, err, out)
	}
	return bin, nil
}
