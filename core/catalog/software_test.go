package catalog_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/catalog"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/store"
	"github.com/stewardhq/steward/core/store/storetest"
)

func TestSoftwareValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		other := mustSoftware(t, e.msp, e.svc, nameDetected("Other"))
		bScript := mustScript(t, e.adminB, e.svc, "B only", "")

		tests := []struct {
			name   string
			change func(in *catalog.SoftwareInput)
			msg    string
		}{
			{"no name", func(in *catalog.SoftwareInput) { in.Name = ptr("  ") },
				"software name is required"},
			{"no detection", func(in *catalog.SoftwareInput) { in.Detection = nil },
				"detection is required"},
			{"unknown detection method", func(in *catalog.SoftwareInput) {
				in.Detection.Method = "wmi"
			}, `detection method "wmi"`},
			{"unknown match", func(in *catalog.SoftwareInput) { in.Detection.Match = "like" },
				`detection match "like"`},
			{"regex that does not compile", func(in *catalog.SoftwareInput) {
				in.Detection = &catalog.DetectionInput{Method: "display_name", Match: "regex",
					Pattern: "Tool ("}
			}, "is not a valid regular expression"},
			{"upgrade code that is no GUID", func(in *catalog.SoftwareInput) {
				in.Detection = &catalog.DetectionInput{Method: "upgrade_code", Pattern: "Tool"}
			}, "needs an MSI upgrade code"},
			{"script detection without script", func(in *catalog.SoftwareInput) {
				in.Detection = &catalog.DetectionInput{Method: "script"}
			}, "needs a scriptId"},
			{"script detection with unknown script", func(in *catalog.SoftwareInput) {
				in.Detection = &catalog.DetectionInput{Method: "script",
					ScriptID: catalog.Ref("nope")}
			}, "detect script nope does not exist"},
			{"install script of another tenant", func(in *catalog.SoftwareInput) {
				in.Scripts.Install = catalog.Ref(bScript.ID)
			}, "does not exist"},
			{"inline script in an unknown language", func(in *catalog.SoftwareInput) {
				in.Scripts.Install = catalog.Inline("perl", "print 1")
			}, `language "perl" is not one of`},
			{"inline script without body", func(in *catalog.SoftwareInput) {
				in.Scripts.Install = catalog.Inline("sh", "  ")
			}, "body is empty"},
			{"unknown upgrade strategy", func(in *catalog.SoftwareInput) {
				in.UpgradeStrategy = ptr("reinstall")
			}, `upgradeStrategy "reinstall" must be one of`},
			{"upgrade script strategy without upgrade script", func(in *catalog.SoftwareInput) {
				in.UpgradeStrategy = ptr("upgrade_script")
			}, "needs an upgrade script"},
			{"unknown config task", func(in *catalog.SoftwareInput) {
				in.ConfigTaskID = ptr("nope")
			}, "config task nope does not exist"},
			{"prerequisite with unknown condition", func(in *catalog.SoftwareInput) {
				in.Prerequisites = []catalog.Prerequisite{{If: "sometimes", Then: "install",
					On: []string{other.ID}}}
			}, `prerequisite 1: if "sometimes"`},
			{"prerequisite condition without of", func(in *catalog.SoftwareInput) {
				in.Prerequisites = []catalog.Prerequisite{{If: "any_missing", Then: "install",
					On: []string{other.ID}}}
			}, "needs the software it looks at"},
			{"prerequisite with unknown action", func(in *catalog.SoftwareInput) {
				in.Prerequisites = []catalog.Prerequisite{{If: "always", Then: "ignore",
					On: []string{other.ID}}}
			}, `then "ignore"`},
			{"prerequisite install without on", func(in *catalog.SoftwareInput) {
				in.Prerequisites = []catalog.Prerequisite{{If: "always", Then: "install"}}
			}, "needs the software to act on"},
			{"prerequisite on unknown software", func(in *catalog.SoftwareInput) {
				in.Prerequisites = []catalog.Prerequisite{{If: "always", Then: "install",
					On: []string{"ghost"}}}
			}, "prerequisite software ghost does not exist"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := nameDetected("Candidate")
				tt.change(&in)
				_, err := e.svc.CreateSoftware(e.adminA, in)
				require.ErrorIs(t, err, errs.ErrInvalid)
				require.Contains(t, err.Error(), tt.msg)
			})
		}

		// The same rules hold for a change.
		sw := mustSoftware(t, e.adminA, e.svc, nameDetected("Valid"))
		require.Equal(t, catalog.UpgradeInstallOver, sw.UpgradeStrategy, "the default strategy")
		require.Equal(t, catalog.MatchExact, sw.Detection.Match, "the default match")
		_, err := e.svc.UpdateSoftware(e.adminA, sw.ID, catalog.SoftwareInput{
			Detection: &catalog.DetectionInput{Method: "display_name", Match: "regex",
				Pattern: "[z-a]"}})
		require.ErrorIs(t, err, errs.ErrInvalid)

		code, err := e.svc.UpdateSoftware(e.adminA, sw.ID, catalog.SoftwareInput{
			Detection: &catalog.DetectionInput{Method: "upgrade_code",
				Pattern: "36f68a90-239c-34df-b58c-64b30153ce35"}})
		require.NoError(t, err)
		require.Equal(t, "{36F68A90-239C-34DF-B58C-64B30153CE35}", code.Detection.Pattern,
			"upgrade codes are kept in the inventory's form")
	})
}

func TestPrerequisiteCycleIsRefusedWithItsPath(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		alpha := mustSoftware(t, e.msp, e.svc, nameDetected("Alpha"))
		beta := mustSoftware(t, e.msp, e.svc, nameDetected("Beta"))
		gamma := mustSoftware(t, e.msp, e.svc, nameDetected("Gamma"))

		needs := func(ids ...string) []catalog.Prerequisite {
			return []catalog.Prerequisite{{If: "any_missing", Of: ids, Then: "install", On: ids}}
		}
		_, err := e.svc.UpdateSoftware(e.msp, alpha.ID,
			catalog.SoftwareInput{Prerequisites: needs(beta.ID)})
		require.NoError(t, err)
		_, err = e.svc.UpdateSoftware(e.msp, beta.ID,
			catalog.SoftwareInput{Prerequisites: needs(gamma.ID)})
		require.NoError(t, err)

		_, err = e.svc.UpdateSoftware(e.msp, gamma.ID,
			catalog.SoftwareInput{Prerequisites: needs(alpha.ID)})
		require.ErrorIs(t, err, errs.ErrInvalid)
		require.Contains(t, err.Error(), "prerequisite cycle: Gamma → Alpha → Beta → Gamma")

		_, err = e.svc.UpdateSoftware(e.msp, beta.ID,
			catalog.SoftwareInput{Prerequisites: needs(alpha.ID)})
		require.ErrorIs(t, err, errs.ErrInvalid)
		require.Contains(t, err.Error(), "prerequisite cycle: Beta → Alpha → Beta")

		_, err = e.svc.UpdateSoftware(e.msp, alpha.ID,
			catalog.SoftwareInput{Prerequisites: needs(alpha.ID)})
		require.ErrorIs(t, err, errs.ErrInvalid)
		require.Contains(t, err.Error(), "prerequisite cycle: Alpha → Alpha")

		// A tenant's software may depend on the MSP's; a rule that fails names no edge.
		own := nameDetected("Tenant App")
		own.Prerequisites = append(needs(alpha.ID), catalog.Prerequisite{
			If: "any_installed", Of: []string{gamma.ID}, Then: "fail", On: []string{}})
		app := mustSoftware(t, e.adminA, e.svc, own)
		require.Len(t, app.Prerequisites, 2)

		err = e.svc.DeleteSoftware(e.msp, alpha.ID)
		require.ErrorIs(t, err, errs.ErrConflict)
		require.Contains(t, err.Error(), `"Alpha" is a prerequisite of`)
		require.True(t, strings.Contains(err.Error(), "Tenant App"), err.Error())
	})
}

func TestInlineScriptsLiveAndDieWithTheirItem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		in := nameDetected("Hello")
		in.Scripts.Uninstall = catalog.Inline("sh", "dpkg -r hello")
		sw := mustSoftware(t, e.adminA, e.svc, in)

		install, err := e.svc.GetScript(e.adminA, sw.Scripts.Install)
		require.NoError(t, err)
		require.Equal(t, "Hello: install", install.Name)
		require.Equal(t, "system", install.Context)
		require.Equal(t, catalog.DefaultTimeoutSeconds, install.TimeoutSeconds)
		require.Equal(t, e.a, install.TenantID)

		err = e.svc.DeleteScript(e.adminA, install.ID)
		require.ErrorIs(t, err, errs.ErrConflict, "a used script stays")
		require.Contains(t, err.Error(), "software Hello")

		// A new inline script for the same slot changes the item's own script in place.
		changed, err := e.svc.UpdateSoftware(e.adminA, sw.ID, catalog.SoftwareInput{
			Scripts: &catalog.ScriptRefs{Install: catalog.Inline("sh", "apt-get install hello")}})
		require.NoError(t, err)
		require.Equal(t, install.ID, changed.Scripts.Install)
		require.Equal(t, sw.Scripts.Uninstall, changed.Scripts.Uninstall)
		again, err := e.svc.GetScript(e.adminA, install.ID)
		require.NoError(t, err)
		require.Equal(t, "apt-get install hello", again.Body)
		require.Equal(t, "Hello: install", again.Name)

		// Once another item uses it too, an inline change makes a new script instead.
		reuse := nameDetected("Hello Twin")
		reuse.Scripts = &catalog.ScriptRefs{Install: catalog.Ref(install.ID)}
		twin := mustSoftware(t, e.adminA, e.svc, reuse)
		changed, err = e.svc.UpdateSoftware(e.adminA, sw.ID, catalog.SoftwareInput{
			Scripts: &catalog.ScriptRefs{Install: catalog.Inline("sh", "snap install hello")}})
		require.NoError(t, err)
		require.NotEqual(t, install.ID, changed.Scripts.Install)
		fresh, err := e.svc.GetScript(e.adminA, changed.Scripts.Install)
		require.NoError(t, err)
		require.Equal(t, "Hello: install (2)", fresh.Name)
		kept, err := e.svc.GetScript(e.adminA, install.ID)
		require.NoError(t, err, "the twin still uses the old script")
		require.Equal(t, "apt-get install hello", kept.Body)
		require.NoError(t, e.svc.DeleteSoftware(e.adminA, twin.ID))
		_, err = e.svc.GetScript(e.adminA, install.ID)
		require.ErrorIs(t, err, errs.ErrNotFound,
			"the old inline script goes once nothing uses it")

		v, err := e.svc.AddVersion(e.adminA, sw.ID, catalog.VersionInput{Version: "2.0",
			Scripts: catalog.ScriptRefs{Install: catalog.Inline("bash", "echo 2")}})
		require.NoError(t, err)
		vs, err := e.svc.GetScript(e.adminA, v.Scripts.Install)
		require.NoError(t, err)
		require.Equal(t, "Hello 2.0: install", vs.Name)

		require.NoError(t, e.svc.DeleteSoftware(e.adminA, sw.ID))
		for _, id := range []string{changed.Scripts.Install, changed.Scripts.Uninstall,
			v.Scripts.Install} {
			_, err = e.svc.GetScript(e.adminA, id)
			require.ErrorIs(t, err, errs.ErrNotFound, "inline scripts go with their item")
		}
		_, err = e.svc.GetSoftware(e.adminA, sw.ID)
		require.ErrorIs(t, err, errs.ErrNotFound)
	})
}
