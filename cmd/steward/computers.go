package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/stewardhq/steward/core/agents"
	"github.com/stewardhq/steward/core/computer"
	"github.com/stewardhq/steward/core/paging"
	"github.com/stewardhq/steward/core/scripts"
)

func computersCommand() *cli.Command {
	return &cli.Command{
		Name:  "computers",
		Usage: "list computers and what is installed on them",
		Commands: []*cli.Command{
			{
				Name: "list", Usage: "list computers",
				Flags: append(remoteFlags(),
					&cli.StringFlag{Name: "tenant", Usage: "only this tenant's computers"},
					&cli.StringFlag{Name: "status", Usage: "only computers in this status"},
					&cli.StringFlag{Name: "query", Aliases: []string{"q"}, Usage: "name contains"},
					&cli.IntFlag{Name: "page", Value: 1},
					&cli.IntFlag{Name: "page-size", Value: paging.DefaultSize}),
				Action: listComputers,
			},
			{
				Name: "get", Usage: "show one computer", ArgsUsage: "ID",
				Flags: remoteFlags(), Action: getComputer,
			},
			{
				Name: "software", Usage: "list a computer's installed programs", ArgsUsage: "ID",
				Flags: append(remoteFlags(), &cli.StringFlag{Name: "query",
					Aliases: []string{"q"}, Usage: "name contains"}),
				Action: computerSoftware,
			},
			{
				Name:      "pathways",
				Usage:     "how the hub reaches a computer; the first line is the next run's",
				ArgsUsage: "ID", Flags: remoteFlags(), Action: computerPathways,
			},
			resolutionCommand(),
			{
				Name:  "new",
				Usage: "list computers waiting for a decision, identification or onboarding",
				Flags: append(remoteFlags(),
					&cli.StringFlag{Name: "status", Usage: "only this status"}),
				Action: newComputers,
			},
			{
				Name:      "decide",
				Usage:     "settle a computer that matched a known one",
				ArgsUsage: "ID overwrite|keep-both|wiped",
				Flags:     remoteFlags(), Action: decideComputer,
			},
			{
				Name: "onboarded", Usage: "mark a computer onboarded", ArgsUsage: "ID",
				Flags: remoteFlags(), Action: setComputerStatus("onboarded"),
			},
			{
				Name: "needs-onboarding", Usage: "send a computer back to onboarding",
				ArgsUsage: "ID", Flags: remoteFlags(),
				Action: setComputerStatus("needs-onboarding"),
			},
		},
	}
}

var computerHeader = []string{"ID", "NAME", "STATUS", "ONLINE", "OS", "LAST SEEN"}

func computerRows(cs ...computer.Computer) [][]string {
	rows := make([][]string, 0, len(cs))
	for _, c := range cs {
		seen := "never"
		if c.LastSeenAt != nil {
			seen = c.LastSeenAt.Local().Format(time.DateTime)
		}
		rows = append(rows, []string{c.ID, c.Name, c.Status, yesNo(c.Online),
			c.OSName + " " + c.OSVersion, seen})
	}
	return rows
}

func listComputers(ctx context.Context, cmd *cli.Command) error {
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	q := url.Values{}
	q.Set("page", strconv.Itoa(int(cmd.Int("page"))))
	q.Set("pageSize", strconv.Itoa(int(cmd.Int("page-size"))))
	for flag, param := range map[string]string{"tenant": "tenantId", "status": "status",
		"query": "q"} {
		if v := cmd.String(flag); v != "" {
			q.Set(param, v)
		}
	}
	var page paging.Page[computer.Computer]
	if err := c.Do(ctx, http.MethodGet, "/computers?"+q.Encode(), nil, &page); err != nil {
		return err
	}
	if err := output(cmd, page, computerHeader, computerRows(page.Items...)); err != nil {
		return err
	}
	if !cmd.Bool("json") && page.Total > len(page.Items) {
		fmt.Printf("(page %d, %d of %d computers)\n", page.Page, len(page.Items), page.Total)
	}
	return nil
}

func oneArg(cmd *cli.Command, usage string) (string, error) {
	if cmd.Args().Len() != 1 {
		return "", fmt.Errorf("usage: steward %s", usage)
	}
	return url.PathEscape(cmd.Args().First()), nil
}

func getComputer(ctx context.Context, cmd *cli.Command) error {
	id, err := oneArg(cmd, "computers get ID")
	if err != nil {
		return err
	}
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	var comp computer.Computer
	if err := c.Do(ctx, http.MethodGet, "/computers/"+id, nil, &comp); err != nil {
		return err
	}
	return output(cmd, comp, computerHeader, computerRows(comp))
}

func computerSoftware(ctx context.Context, cmd *cli.Command) error {
	id, err := oneArg(cmd, "computers software ID")
	if err != nil {
		return err
	}
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	var all []computer.Program
	for page := 1; ; page++ {
		var p paging.Page[computer.Program]
		path := fmt.Sprintf("/computers/%s/software?pageSize=%d&page=%d&q=%s", id,
			paging.MaxSize, page, url.QueryEscape(cmd.String("query")))
		if err := c.Do(ctx, http.MethodGet, path, nil, &p); err != nil {
			return err
		}
		all = append(all, p.Items...)
		if len(p.Items) == 0 || len(all) >= p.Total {
			break
		}
	}
	rows := make([][]string, 0, len(all))
	for _, p := range all {
		rows = append(rows, []string{p.Name, p.Version, p.Publisher, p.Source})
	}
	return output(cmd, all, []string{"NAME", "VERSION", "PUBLISHER", "SOURCE"}, rows)
}

func computerPathways(ctx context.Context, cmd *cli.Command) error {
	id, err := oneArg(cmd, "computers pathways ID")
	if err != nil {
		return err
	}
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	var ps []scripts.Pathway
	if err := c.Do(ctx, http.MethodGet, "/computers/"+id+"/pathways", nil, &ps); err != nil {
		return err
	}
	rows := make([][]string, 0, len(ps))
	for _, p := range ps {
		via := "agent"
		if p.Link != "" {
			via = "link " + p.Link
		}
		rows = append(rows, []string{via, p.ExternalID, fmt.Sprint(p.Online),
			fmt.Sprint(p.Priority)})
	}
	return output(cmd, ps, []string{"VIA", "ID", "ONLINE", "PRIORITY"}, rows)
}

func agentsCommand() *cli.Command {
	return &cli.Command{
		Name:  "agents",
		Usage: "enroll and revoke Steward agents",
		Commands: []*cli.Command{
			{
				Name:  "token",
				Usage: "create an enrollment token for a tenant's computers and print it",
				Flags: append(remoteFlags(),
					&cli.StringFlag{Name: "tenant", Required: true, Usage: "tenant id"},
					&cli.StringFlag{Name: "name", Usage: "what the token is for"},
					&cli.DurationFlag{Name: "expires", Value: 7 * 24 * time.Hour,
						Usage: "lifetime"},
					&cli.IntFlag{Name: "max-uses", Usage: "how many agents may enroll (0: any)"},
					&cli.StringSliceFlag{Name: "tag", Usage: "tag given to enrolled computers"}),
				Action: createEnrollmentToken,
			},
			{
				Name: "list", Usage: "list agents",
				Flags: append(remoteFlags(), &cli.IntFlag{Name: "page", Value: 1},
					&cli.IntFlag{Name: "page-size", Value: paging.DefaultSize}),
				Action: listAgents,
			},
			{
				Name: "revoke", Usage: "disconnect an agent and refuse it from now on",
				ArgsUsage: "ID", Flags: remoteFlags(), Action: revokeAgent,
			},
		},
	}
}

func createEnrollmentToken(ctx context.Context, cmd *cli.Command) error {
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	in := agents.NewEnrollmentToken{Name: cmd.String("name"),
		ExpiresInSeconds: int(cmd.Duration("expires").Seconds()), Tags: cmd.StringSlice("tag")}
	if n := int(cmd.Int("max-uses")); n > 0 {
		in.MaxUses = &n
	}
	var tok agents.CreatedEnrollmentToken
	path := "/tenants/" + url.PathEscape(cmd.String("tenant")) + "/enrollment-tokens"
	if err := c.Do(ctx, http.MethodPost, path, in, &tok); err != nil {
		return err
	}
	if cmd.Bool("json") {
		return output(cmd, tok, nil, nil)
	}
	fmt.Println(tok.Token)
	return nil
}

func listAgents(ctx context.Context, cmd *cli.Command) error {
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	q := url.Values{}
	q.Set("page", strconv.Itoa(int(cmd.Int("page"))))
	q.Set("pageSize", strconv.Itoa(int(cmd.Int("page-size"))))
	var page paging.Page[agents.Agent]
	if err := c.Do(ctx, http.MethodGet, "/agents?"+q.Encode(), nil, &page); err != nil {
		return err
	}
	rows := make([][]string, 0, len(page.Items))
	for _, a := range page.Items {
		comp, state := "", "enrolled"
		if a.ComputerID != nil {
			comp = *a.ComputerID
		}
		if a.RevokedAt != nil {
			state = "revoked"
		}
		rows = append(rows, []string{a.ID, a.Hostname, comp, state, yesNo(a.Online), a.Version})
	}
	return output(cmd, page, []string{"ID", "HOST", "COMPUTER", "STATE", "ONLINE", "VERSION"},
		rows)
}

func revokeAgent(ctx context.Context, cmd *cli.Command) error {
	id, err := oneArg(cmd, "agents revoke ID")
	if err != nil {
		return err
	}
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	if err := c.Do(ctx, http.MethodDelete, "/agents/"+id, nil, nil); err != nil {
		return err
	}
	fmt.Println("revoked", cmd.Args().First())
	return nil
}

func newComputers(ctx context.Context, cmd *cli.Command) error {
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	q := url.Values{}
	if st := cmd.String("status"); st != "" {
		q.Set("status", st)
	}
	var page paging.Page[computer.Computer]
	if err := c.Do(ctx, http.MethodGet, "/new-computers?"+q.Encode(), nil, &page); err != nil {
		return err
	}
	rows := make([][]string, 0, len(page.Items))
	for _, comp := range page.Items {
		why := comp.StatusReason
		if comp.DecisionSuggestion != "" {
			why = "suggested: " + comp.DecisionSuggestion + " - " + comp.DecisionReason
		}
		rows = append(rows, []string{comp.ID, comp.Name, comp.Status, why})
	}
	return output(cmd, page, []string{"ID", "NAME", "STATUS", "WHY"}, rows)
}

func decideComputer(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Len() != 2 {
		return fmt.Errorf("usage: steward computers decide ID overwrite|keep-both|wiped")
	}
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	var out struct {
		ComputerID string `json:"computerId"`
	}
	path := "/computers/" + url.PathEscape(cmd.Args().Get(0)) + "/decide"
	body := map[string]string{"decision": cmd.Args().Get(1)}
	if err := c.Do(ctx, http.MethodPost, path, body, &out); err != nil {
		return err
	}
	fmt.Println("computer", out.ComputerID)
	return nil
}

func setComputerStatus(action string) cli.ActionFunc {
	return func(ctx context.Context, cmd *cli.Command) error {
		id, err := oneArg(cmd, "computers "+action+" ID")
		if err != nil {
			return err
		}
		c, err := remote(cmd)
		if err != nil {
			return err
		}
		var comp computer.Computer
		if err := c.Do(ctx, http.MethodPost, "/computers/"+id+"/"+action, nil,
			&comp); err != nil {
			return err
		}
		return output(cmd, comp, computerHeader, computerRows(comp))
	}
}
