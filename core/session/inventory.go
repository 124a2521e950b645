package session

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/stewardhq/steward/core/computer"
	"github.com/stewardhq/steward/core/scripts"
	"github.com/stewardhq/steward/sdk"
)

// programsScript lists installed packages as tab-separated lines of source, name, version and
// publisher, from the same package databases Steward's agent reads. It brings a computer's
// programs back through a pathway that has no agent of its own to report them.
const programsScript = `if command -v dpkg-query >/dev/null 2>&1; then
  dpkg-query -W -f '${db:Status-Abbrev}\t${Package}\t${Version}\t${Maintainer}\n' 2>/dev/null |
    awk -F '\t' 'substr($1, 2, 1) == "i" { print "dpkg\t" $2 "\t" $3 "\t" $4 }'
fi
if command -v rpm >/dev/null 2>&1; then
  rpm -qa --qf 'rpm\t%{NAME}\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\t%{VENDOR}\n' \
    2>/dev/null
fi
exit 0
`

// programsTimeout bounds the programs script, which only reads package databases.
const programsTimeout = 5 * time.Minute

// throughLink reports whether the computer's next run goes through a link rather than
// Steward's agent, and the link's name.
func (r *run) throughLink(ctx context.Context) (string, bool, error) {
	p, err := r.e.scripts.NextPathway(ctx, r.ses.ComputerID)
	if err != nil {
		return "", false, err
	}
	return p.Link, p.PathwayID != "", nil
}

// programsByScript runs the programs script through the computer's pathway and stores what
// it lists as the computer's programs, keeping the rest of the stored inventory. step names
// the run, so each refresh of a session is its own run.
func (r *run) programsByScript(ctx context.Context, a *Action, link, step string) error {
	inv, _, err := r.e.sessions.inventory(ctx, r.ses.ComputerID)
	if err != nil {
		inv = sdk.Inventory{}
	}
	if strings.Contains(strings.ToLower(inv.Facts.OSName), "windows") {
		// TODO(inventory-windows): a PowerShell programs script reading the Uninstall keys
		// would serve Windows computers reached through links; until then use detection
		// scripts for them.
		return fmt.Errorf("programs of a Windows computer cannot be read through link %s; "+
			"use a detection script for this software", link)
	}

	itemID := "session"
	if a != nil {
		itemID = a.ItemID
	}
	run, _, err := r.e.scripts.Ensure(ctx, scripts.Spec{
		ID:        r.ses.ID + ":" + itemID + ":programs-" + step,
		SessionID: r.ses.ID, ComputerID: r.ses.ComputerID, Language: sdk.LanguageSh,
		Context: sdk.ContextSystem, Body: programsScript, Timeout: programsTimeout,
		CreatedBy: "session:" + r.ses.ID})
	if err != nil {
		return err
	}
	var out []string
	done, err := r.e.scripts.Follow(ctx, run.ID, 0, func(lines []sdk.OutputLine) error {
		out = append(out, stdout(lines)...)
		return nil
	})
	if err != nil {
		return err
	}
	if done.Status != scripts.StatusCompleted || exitCode(done) != 0 {
		return fmt.Errorf("the programs script through link %s ended %s %s", link,
			done.Status, done.Error)
	}

	inv.Programs = parsePrograms(out)
	if _, err := computer.SaveInventory(ctx, r.e.db, r.ses.ComputerID, inv, "",
		r.e.now()); err != nil {
		return err
	}
	r.programs = inv.Programs
	r.log(ctx, a, "info", "programs read through link %s: %d", link, len(inv.Programs))
	return nil
}

// parsePrograms reads the programs script's lines; others are ignored.
func parsePrograms(lines []string) []sdk.Program {
	out := []sdk.Program{}
	for _, l := range lines {
		f := strings.Split(l, "\t")
		if len(f) < 3 || (f[0] != "dpkg" && f[0] != "rpm") || f[1] == "" {
			continue
		}
		p := sdk.Program{Source: f[0], Name: f[1], Version: f[2]}
		if len(f) > 3 {
			// "Name <address>" as dpkg gives it; rpm prints "(none)" for no vendor.
			pub, _, _ := strings.Cut(f[3], " <")
			if pub = strings.TrimSpace(pub); pub != "(none)" {
				p.Publisher = pub
			}
		}
		out = append(out, p)
	}
	return out
}
