package resolve

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/sdk"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

const (
	ws  = sdk.ComputerTypeWorkstation
	nb  = sdk.ComputerTypePortable
	srv = sdk.ComputerTypeServer
	dc  = sdk.ComputerTypeDomainController
	pdc = sdk.ComputerTypePrimaryDomainController
)

var contoso = tenant("ten-contoso", "Contoso")

type duel struct {
	name     string
	computer Computer
	win      Deployment
	lose     Deployment
	by       Criterion
	// reason is checked when set; every case checks the winner and the criterion.
	reason string
}

// checkDuel resolves both orders of input, so a winner never owes its place to position.
func checkDuel(t *testing.T, tt duel) {
	t.Helper()
	for _, in := range [][]Deployment{{tt.win, tt.lose}, {tt.lose, tt.win}} {
		e := Explain(tt.computer, "firefox", in, now)
		require.Len(t, e.Candidates, 2)
		require.True(t, e.Candidates[1].Matched, e.Candidates[1].Reason)
		require.NotNil(t, e.Winner, e.WinnerReason)
		require.Equal(t, tt.win.ID, e.Winner.ID, e.WinnerReason)
		require.Equal(t, tt.by, e.DecidedBy, e.WinnerReason)
		if tt.reason != "" {
			require.Equal(t, tt.reason, e.WinnerReason)
		}
	}
}

func TestRankingRulesInIsolation(t *testing.T) {
	task := item("firefox", ItemTask)
	tests := []duel{
		// Scope.
		{name: "individual computer beats single tenant", computer: laptop(),
			win: dep("a", forComputer("cmp-nb13")), lose: dep("b", contoso), by: CriterionScope,
			reason: "wins: individual scope for the computer beats single-tenant scope of " +
				"deployment b"},
		{name: "individual computer beats individual person", computer: laptop(),
			win: dep("a", forComputer("cmp-nb13")), lose: dep("b", forPerson("per-alice", "")),
			by: CriterionScope, reason: "wins: individual scope for the computer beats " +
				"individual scope for its person of deployment b"},
		{name: "individual person beats single tenant", computer: laptop(),
			win: dep("a", forPerson("per-alice", "")), lose: dep("b", contoso),
			by: CriterionScope},
		{name: "single tenant beats cross-tenant", computer: laptop(),
			win: dep("a", contoso), lose: dep("b"), by: CriterionScope,
			reason: "wins: single-tenant scope beats cross-tenant scope of deployment b"},

		// Target kind.
		{name: "filter script beats tag", computer: laptop(),
			win:  dep("dep-fs", target(TargetFilterScript, "scr")),
			lose: dep("b", target(TargetTag, "finance")), by: CriterionTarget,
			reason: "wins: same scope; filter-script target beats tag target of deployment b"},
		{name: "tag beats directory group", computer: laptop(),
			win:  dep("a", target(TargetTag, "vip")),
			lose: dep("b", target(TargetDirectoryGroup, "dir-sales")), by: CriterionTarget},
		{name: "directory group beats device group", computer: laptop(),
			win:  dep("a", target(TargetDirectoryGroup, "dir-sales")),
			lose: dep("b", target(TargetDeviceGroup, "dev-kiosk")), by: CriterionTarget},
		{name: "device group beats client group", computer: laptop(),
			win:  dep("a", target(TargetDeviceGroup, "dev-kiosk")),
			lose: dep("b", target(TargetClientGroup, "cg-managed")), by: CriterionTarget},
		{name: "client group beats all", computer: laptop(),
			win: dep("a", target(TargetClientGroup, "cg-managed")), lose: dep("b"),
			by: CriterionTarget, reason: "wins: same scope; client-group target beats " +
				"all-computers target of deployment b"},
		{name: "tenant ranks with all", computer: laptop(),
			win: dep("a", contoso, priority(10)), lose: dep("b", contoso,
				target(TargetTenant, ""), priority(20)), by: CriterionPriority},

		// Computer-type narrowing.
		{name: "primary domain controller beats domain controller", computer: laptop(ofType(pdc)),
			win: dep("a", types(pdc)), lose: dep("b", types(dc)), by: CriterionComputerType,
			reason: "wins: same scope and target kind; narrowing to primary domain " +
				"controllers beats narrowing to domain controllers of deployment b"},
		{name: "domain controller beats server", computer: laptop(ofType(dc)),
			win: dep("a", types(dc)), lose: dep("b", types(srv)), by: CriterionComputerType},
		{name: "server beats none", computer: laptop(ofType(pdc)),
			win: dep("a", types(srv)), lose: dep("b"), by: CriterionComputerType,
			reason: "wins: same scope and target kind; narrowing to servers beats no " +
				"narrowing of deployment b"},
		{name: "portable beats none", computer: laptop(),
			win: dep("a", types(nb)), lose: dep("b"), by: CriterionComputerType},
		{name: "workstation beats none", computer: laptop(ofType(ws)),
			win: dep("a", types(ws)), lose: dep("b"), by: CriterionComputerType},
		{name: "several types rank by the one that admitted this computer",
			computer: laptop(ofType(pdc)), win: dep("a", types(ws, pdc)),
			lose: dep("b", types(dc, nb)), by: CriterionComputerType},
		{name: "a broad type among several does not lift the rank",
			computer: laptop(ofType(dc)), win: dep("a", types(dc)),
			lose: dep("b", types(srv, pdc)), by: CriterionComputerType},

		// State.
		{name: "ignored beats uninstalled", computer: laptop(),
			win: dep("a", state(StateIgnored)), lose: dep("b", state(StateUninstalled)),
			by: CriterionState, reason: "wins: same scope, target kind and narrowing; " +
				"'ignored' beats 'uninstalled' of deployment b"},
		{name: "uninstalled beats version", computer: laptop(),
			win: dep("a", state(StateUninstalled)), lose: dep("b", pinned(StateVersion, "1")),
			by: CriterionState},
		{name: "version beats at least", computer: laptop(),
			win: dep("a", pinned(StateVersion, "1")), lose: dep("b", pinned(StateAtLeast, "2")),
			by: CriterionState},
		{name: "at least beats latest", computer: laptop(),
			win: dep("a", pinned(StateAtLeast, "1")), lose: dep("b"), by: CriterionState},
		{name: "latest beats any", computer: laptop(),
			win: dep("a"), lose: dep("b", state(StateAny)), by: CriterionState},
		{name: "any beats update if found", computer: laptop(),
			win: dep("a", state(StateAny)), lose: dep("b", state(StateUpdateIfFound)),
			by: CriterionState},
		{name: "ignored task beats enforce", computer: laptop(),
			win: dep("a", task, state(StateIgnored)), lose: dep("b", task, state(StateEnforce)),
			by: CriterionState},
		{name: "enforce beats audit", computer: laptop(),
			win: dep("a", task, state(StateEnforce)), lose: dep("b", task, state(StateAudit)),
			by: CriterionState},
		{name: "audit beats monitor", computer: laptop(),
			win: dep("a", task, state(StateAudit)), lose: dep("b", task, state(StateMonitor)),
			by: CriterionState},

		// Ties.
		{name: "lower priority number wins", computer: laptop(),
			win: dep("b", priority(10)), lose: dep("a", priority(50)), by: CriterionPriority,
			reason: "wins: equal in all rules; priority 10 beats 50 of deployment a"},
		{name: "negative priority is higher still", computer: laptop(),
			win: dep("b", priority(-5)), lose: dep("a", priority(0)), by: CriterionPriority},
		{name: "oldest wins at equal priority", computer: laptop(),
			win:  dep("b", created(time.Date(2024, 1, 2, 9, 30, 0, 0, time.UTC))),
			lose: dep("a", created(time.Date(2024, 3, 4, 10, 0, 0, 0, time.UTC))),
			by:   CriterionAge,
			reason: "wins: equal in all rules and priority; created first (2024-01-02 " +
				"09:30:00 UTC, deployment a on 2024-03-04 10:00:00 UTC)"},
		{name: "lower id wins at equal age", computer: laptop(),
			win: dep("dep-1"), lose: dep("dep-2"), by: CriterionID,
			reason: "wins: equal in all rules, priority and creation time; id 'dep-1' sorts " +
				"before 'dep-2'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkDuel(t, tt) })
	}
}

// Each case sets the loser ahead on every later rule, so only the named rule can decide.
func TestRankingRulesCombined(t *testing.T) {
	best := func(d *Deployment) { d.Priority, d.CreatedAt = -100, now.AddDate(-10, 0, 0) }
	tests := []duel{
		{name: "scope over target, narrowing, state and priority", computer: laptop(),
			win: dep("z", forPerson("per-alice", ""), priority(99), created(now)),
			lose: dep("a", contoso, target(TargetTag, "finance"), types(nb),
				state(StateIgnored), best),
			by: CriterionScope},
		{name: "target over narrowing, state and priority", computer: laptop(ofType(pdc)),
			win: dep("z", target(TargetTag, "finance"), state(StateUpdateIfFound), priority(99)),
			lose: dep("a", target(TargetDirectoryGroup, "dir-sales"), types(pdc),
				state(StateIgnored), best),
			by: CriterionTarget},
		{name: "narrowing over state and priority", computer: laptop(),
			win:  dep("z", types(nb), state(StateAny), priority(99)),
			lose: dep("a", state(StateIgnored), best),
			by:   CriterionComputerType},
		{name: "state over priority and age", computer: laptop(),
			win:  dep("z", state(StateUninstalled), priority(99), created(now)),
			lose: dep("a", best),
			by:   CriterionState},
		{name: "priority over age and id", computer: laptop(),
			win:  dep("z", priority(1), created(now)),
			lose: dep("a", priority(2), created(now.AddDate(-1, 0, 0))),
			by:   CriterionPriority},
		{name: "age over id", computer: laptop(),
			win: dep("z", created(now.AddDate(-2, 0, 0))), lose: dep("a", created(now)),
			by: CriterionAge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkDuel(t, tt) })
	}
}

func TestDisabledNeverWins(t *testing.T) {
	off := dep("a", forComputer("cmp-nb13"), state(StateIgnored), priority(0), disabled)
	on := dep("b", pinned(StateAtLeast, "115"))

	e := Explain(laptop(), "firefox", []Deployment{off, on}, now)
	require.NotNil(t, e.Winner)
	require.Equal(t, "b", e.Winner.ID)
	require.Equal(t, "wins: the only matching deployment", e.WinnerReason)
	require.Equal(t, CriterionNone, e.DecidedBy)
	require.False(t, e.Candidates[1].Matched)
	require.Equal(t, "not matched: disabled (would match if enabled: deployment is for this "+
		"computer)", e.Candidates[1].Reason)

	e = Explain(laptop(), "firefox", []Deployment{off}, now)
	require.Nil(t, e.Winner)
	require.Equal(t, "no deployment matches this computer", e.WinnerReason)
	require.Len(t, e.Candidates, 1)
}

func TestCandidatesOrder(t *testing.T) {
	deployments := []Deployment{
		dep("no-tag", target(TargetTag, "lab"), contoso),
		dep("weak", priority(90)),
		dep("no-group", target(TargetDeviceGroup, "dev-lab")),
		dep("winner", contoso),
		dep("off", forComputer("cmp-nb13"), disabled),
		dep("strong", priority(10)),
	}
	e := Explain(laptop(), "firefox", deployments, now)

	var ids []string
	for _, c := range e.Candidates {
		ids = append(ids, c.Deployment.ID)
	}
	// Matches by rank, then non-matches by rank: the individual one, then single tenant,
	// then cross-tenant.
	require.Equal(t, []string{"winner", "strong", "weak", "off", "no-tag", "no-group"}, ids)
	require.Equal(t, "winner", e.Winner.ID)
	require.Equal(t, "wins: single-tenant scope beats cross-tenant scope of deployment strong",
		e.WinnerReason)
	require.Equal(t, deployments[1], e.Candidates[2].Deployment, "deployments are kept whole")
}

func TestResolveByItem(t *testing.T) {
	deployments := []Deployment{
		dep("ff-all"),
		dep("ff-finance", target(TargetTag, "finance"), state(StateIgnored)),
		dep("7z-lab", item("7zip", ItemSoftware), target(TargetTag, "lab")),
		dep("defrag", item("defrag", ItemTask), state(StateAudit), types(srv)),
		dep("defrag-nb", item("defrag", ItemTask), state(StateMonitor), types(nb)),
	}
	got := Resolve(laptop(), deployments, now)

	require.Len(t, got, 3)
	require.Equal(t, "ff-finance", got["firefox"].Winner.ID)
	require.Equal(t, CriterionTarget, got["firefox"].DecidedBy)
	require.Nil(t, got["7zip"].Winner)
	require.Equal(t, "defrag-nb", got["defrag"].Winner.ID)
	for itemID, e := range got {
		require.Equal(t, itemID, e.ItemID)
		require.Equal(t, "cmp-nb13", e.ComputerID)
		for _, c := range e.Candidates {
			require.Equal(t, itemID, c.Deployment.ItemID)
		}
	}

	e := Explain(laptop(), "firefox", deployments, now)
	require.Equal(t, got["firefox"], e, "Explain agrees with Resolve")
	require.Empty(t, Explain(laptop(), "nothing", deployments, now).Candidates)
}

func TestResolveDoesNotModifyInput(t *testing.T) {
	deployments := []Deployment{dep("b"), dep("a", contoso), dep("c", disabled)}
	before := slices.Clone(deployments)
	e := Explain(laptop(), "firefox", deployments, now)
	require.Equal(t, "a", e.Winner.ID)
	require.Equal(t, before, deployments)
	require.Same(t, e.Winner, &e.Candidates[0].Deployment)
}

func TestExplanationGolden(t *testing.T) {
	c := laptop(ofType(dc), func(c *Computer) { c.ID = "cmp-dc01" })
	deployments := []Deployment{
		dep("dep-msp-baseline", pinned(StateAtLeast, "115.0"), priority(50)),
		dep("dep-contoso-latest", contoso, priority(50)),
		dep("dep-contoso-servers", contoso, types(srv, ws), state(StateUpdateIfFound),
			func(d *Deployment) { d.Notes = "servers update only what they have" }),
		dep("dep-contoso-dc-ignore", contoso, types(dc), state(StateIgnored)),
		dep("dep-contoso-dc-pin", contoso, types(dc), pinned(StateVersion, "115.12.0esr"),
			func(d *Deployment) { d.Parameters = map[string]string{"channel": "esr"} }),
		dep("dep-finance", target(TargetTag, "finance"), types(ws), state(StateUninstalled)),
		dep("dep-old-agreement", target(TargetClientGroup, "cg-expired"),
			labelled("Backup 2024")),
		dep("dep-alice", forPerson("per-alice", "Alice"), state(StateAny), disabled),
		dep("dep-7zip", item("7zip", ItemSoftware)),
	}
	e := Explain(c, "firefox", deployments, now)
	require.Equal(t, "dep-contoso-dc-ignore", e.Winner.ID)

	got, err := json.MarshalIndent(e, "", "  ")
	require.NoError(t, err)
	checkGolden(t, "explanation.golden.json", string(got)+"\n")
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), got, "run go test -update to accept the new output")
}
