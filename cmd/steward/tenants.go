package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/urfave/cli/v3"

	"github.com/stewardhq/steward/core/paging"
	"github.com/stewardhq/steward/core/tenant"
)

func tenantsCommand() *cli.Command {
	return &cli.Command{
		Name:  "tenants",
		Usage: "list and manage tenants on a running hub",
		Commands: []*cli.Command{
			{
				Name: "list", Usage: "list tenants",
				Flags: append(remoteFlags(),
					&cli.StringFlag{Name: "query", Aliases: []string{"q"}, Usage: "name contains"},
					&cli.IntFlag{Name: "page", Value: 1},
					&cli.IntFlag{Name: "page-size", Value: paging.DefaultSize}),
				Action: listTenants,
			},
			{
				Name: "get", Usage: "show one tenant", ArgsUsage: "ID",
				Flags: remoteFlags(), Action: getTenant,
			},
			{
				Name: "create", Usage: "create a tenant", ArgsUsage: "NAME",
				Flags: append(remoteFlags(),
					&cli.StringFlag{Name: "parent", Usage: "parent tenant id"},
					&cli.BoolFlag{Name: "no-onboarding",
						Usage: "new computers skip the onboarding session"}),
				Action: createTenant,
			},
		},
	}
}

func tenantRows(ts ...tenant.Tenant) [][]string {
	rows := make([][]string, 0, len(ts))
	for _, t := range ts {
		parent := ""
		if t.ParentID != nil {
			parent = *t.ParentID
		}
		rows = append(rows, []string{t.ID, t.Name, yesNo(t.IsMSP), yesNo(t.OnboardingEnabled),
			parent})
	}
	return rows
}

var tenantHeader = []string{"ID", "NAME", "MSP", "ONBOARDING", "PARENT"}

func listTenants(ctx context.Context, cmd *cli.Command) error {
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	q := url.Values{}
	q.Set("page", strconv.Itoa(int(cmd.Int("page"))))
	q.Set("pageSize", strconv.Itoa(int(cmd.Int("page-size"))))
	if s := cmd.String("query"); s != "" {
		q.Set("q", s)
	}
	var page paging.Page[tenant.Tenant]
	if err := c.Do(ctx, http.MethodGet, "/tenants?"+q.Encode(), nil, &page); err != nil {
		return err
	}
	if err := output(cmd, page, tenantHeader, tenantRows(page.Items...)); err != nil {
		return err
	}
	if !cmd.Bool("json") && page.Total > len(page.Items) {
		fmt.Printf("(page %d, %d of %d tenants)\n", page.Page, len(page.Items), page.Total)
	}
	return nil
}

func getTenant(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Len() != 1 {
		return fmt.Errorf("usage: steward tenants get ID")
	}
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	var t tenant.Tenant
	path := "/tenants/" + url.PathEscape(cmd.Args().First())
	if err := c.Do(ctx, http.MethodGet, path, nil, &t); err != nil {
		return err
	}
	return output(cmd, t, tenantHeader, tenantRows(t))
}

func createTenant(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Len() != 1 {
		return fmt.Errorf("usage: steward tenants create NAME")
	}
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	in := tenant.Input{Name: cmd.Args().First()}
	if p := cmd.String("parent"); p != "" {
		in.ParentID = &p
	}
	if cmd.Bool("no-onboarding") {
		off := false
		in.OnboardingEnabled = &off
	}
	var t tenant.Tenant
	if err := c.Do(ctx, http.MethodPost, "/tenants", in, &t); err != nil {
		return err
	}
	return output(cmd, t, tenantHeader, tenantRows(t))
}
