package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "github.com/stewardhq/steward"

type pkg struct {
	ImportPath string
	Name       string
	Doc        string
	Deps       []string
	GoFiles    []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Name,Doc,Deps,GoFiles",
		module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list: %s", stderr.String())

	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else {
			require.NoError(t, err)
		}
		pkgs = append(pkgs, p)
	}
	require.NotEmpty(t, pkgs)
	return pkgs
}

func under(path, folder string) bool {
	prefix := module + "/" + folder
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

func TestImportRules(t *testing.T) {
	rules := []struct {
		name      string
		applies   func(p pkg) bool
		forbidden func(dep string) bool
	}{
		{
			name:      "the SDK never imports the hub",
			applies:   func(p pkg) bool { return under(p.ImportPath, "sdk") },
			forbidden: func(dep string) bool { return under(dep, "core") },
		},
		{
			name:      "the agent never imports the hub",
			applies:   func(p pkg) bool { return under(p.ImportPath, "agent") },
			forbidden: func(dep string) bool { return under(dep, "core") },
		},
		{
			name:    "only plugins link the Microsoft Graph SDK",
			applies: func(p pkg) bool { return !under(p.ImportPath, "plugins") },
			forbidden: func(dep string) bool {
				return strings.HasPrefix(dep, "github.com/microsoftgraph/")
			},
		},
	}
	pkgs := listPackages(t)
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			for _, p := range pkgs {
				if !r.applies(p) {
					continue
				}
				for _, dep := range p.Deps {
					require.False(t, r.forbidden(dep), "%s imports %s", p.ImportPath, dep)
				}
			}
		})
	}
}

func TestEveryPackageHasAComment(t *testing.T) {
	for _, p := range listPackages(t) {
		if len(p.GoFiles) == 0 {
			continue
		}
		require.NotEmpty(t, strings.TrimSpace(p.Doc),
			"package %s has no package comment (add a doc.go)", p.ImportPath)
	}
}

// The rules above must catch a violation; this checks the checker on a known edge.
func TestRulesSeeRealDependencies(t *testing.T) {
	for _, p := range listPackages(t) {
		if p.ImportPath == module+"/core/hub" {
			require.Contains(t, p.Deps, module+"/core/store")
			return
		}
	}
	t.Fatal("core/hub not listed")
}
