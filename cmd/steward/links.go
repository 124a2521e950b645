package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/stewardhq/steward/core/client"
	"github.com/stewardhq/steward/core/links"
	"github.com/stewardhq/steward/core/paging"
)

func linksCommand() *cli.Command {
	return &cli.Command{
		Name:  "links",
		Usage: "connect the systems the MSP already runs through connectors",
		Commands: []*cli.Command{
			{
				Name: "connectors", Usage: "list the connectors the hub found",
				Flags: remoteFlags(), Action: listConnectors,
			},
			{
				Name: "list", Usage: "list links", Flags: remoteFlags(), Action: listLinks,
			},
			{
				Name: "create", Usage: "configure a link of a connector", ArgsUsage: "NAME",
				Flags: append(remoteFlags(),
					&cli.StringFlag{Name: "connector", Required: true, Usage: "connector name"},
					&cli.StringSliceFlag{Name: "config", Usage: "NAME=VALUE, repeatable"},
					&cli.BoolFlag{Name: "disabled", Usage: "create it without starting it"},
					&cli.IntFlag{Name: "priority", Usage: "order among links that reach the " +
						"same computer; higher goes first (the agent always goes first)"}),
				Action: createLink,
			},
			{
				Name: "update", Usage: "rename a link, change its priority or its configuration",
				ArgsUsage: "LINK-ID",
				Flags: append(remoteFlags(),
					&cli.StringFlag{Name: "name", Usage: "new name"},
					&cli.IntFlag{Name: "priority", Usage: "new priority; higher goes first"},
					&cli.StringSliceFlag{Name: "config", Usage: "NAME=VALUE, repeatable; " +
						"replaces the whole configuration (a secret given as ******** " +
						"keeps its stored value)"}),
				Action: updateLink,
			},
			linkAction("enable", "start a link", printLink(http.MethodPost, "/enable")),
			linkAction("disable", "stop a link", printLink(http.MethodPost, "/disable")),
			linkAction("pin", "accept a link's connector executable as it is now (after "+
				"an upgrade) and enable the link", printLink(http.MethodPost, "/pin")),
			linkAction("delete", "delete a link", deleteLink),
			linkAction("health", "check a running link", linkHealth),
			linkAction("sync", "read a link's computers now", syncLink),
			{
				Name: "clients", Usage: "list a link's clients and the tenants they map to",
				ArgsUsage: "LINK-ID", Flags: remoteFlags(), Action: listLinkClients,
			},
			{
				Name: "map", Usage: "map a link's client to a tenant",
				ArgsUsage: "LINK-ID CLIENT-ID",
				Flags: append(remoteFlags(),
					&cli.StringFlag{Name: "tenant", Usage: "tenant id; empty unmaps"},
					&cli.BoolFlag{Name: "create-tenant",
						Usage: "create a tenant named after the client"}),
				Action: mapLinkClient,
			},
		},
	}
}

func listConnectors(ctx context.Context, cmd *cli.Command) error {
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	var out []links.Connector
	if err := c.Do(ctx, http.MethodGet, "/connectors", nil, &out); err != nil {
		return err
	}
	rows := make([][]string, 0, len(out))
	for _, k := range out {
		caps := make([]string, len(k.Capabilities))
		for i, cp := range k.Capabilities {
			caps[i] = string(cp)
		}
		rows = append(rows, []string{k.Name, k.Version, strings.Join(caps, ","), k.Path})
	}
	return output(cmd, out, []string{"NAME", "VERSION", "CAPABILITIES", "PATH"}, rows)
}

func listLinks(ctx context.Context, cmd *cli.Command) error {
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	var page paging.Page[links.Link]
	if err := c.Do(ctx, http.MethodGet, "/links?pageSize=500", nil, &page); err != nil {
		return err
	}
	rows := make([][]string, 0, len(page.Items))
	for _, l := range page.Items {
		rows = append(rows, []string{l.ID, l.Name, l.Connector, l.Status, yesNo(l.Enabled),
			fmt.Sprint(l.Priority), l.StatusReason})
	}
	return output(cmd, page, []string{"ID", "NAME", "CONNECTOR", "STATUS", "ENABLED",
		"PRIORITY", "WHY"}, rows)
}

func createLink(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Len() != 1 {
		return fmt.Errorf("usage: steward links create --connector NAME LINK-NAME")
	}
	cfg, err := configFlag(cmd)
	if err != nil {
		return err
	}
	enabled := !cmd.Bool("disabled")
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	var l links.Link
	if err := c.Do(ctx, http.MethodPost, "/links", links.Input{Connector: cmd.String("connector"),
		Name: cmd.Args().First(), Config: cfg, Enabled: &enabled,
		Priority: int(cmd.Int("priority"))}, &l); err != nil {
		return err
	}
	return output(cmd, l, []string{"ID", "NAME", "STATUS"}, [][]string{{l.ID, l.Name, l.Status}})
}

func updateLink(ctx context.Context, cmd *cli.Command) error {
	id, err := oneArg(cmd, "links update LINK-ID")
	if err != nil {
		return err
	}
	var patch links.Patch
	if cmd.IsSet("name") {
		name := cmd.String("name")
		patch.Name = &name
	}
	if cmd.IsSet("priority") {
		prio := int(cmd.Int("priority"))
		patch.Priority = &prio
	}
	if cmd.IsSet("config") {
		if patch.Config, err = configFlag(cmd); err != nil {
			return err
		}
	}
	if patch.Name == nil && patch.Priority == nil && patch.Config == nil {
		return fmt.Errorf("nothing to change: give --name, --priority or --config")
	}
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	var l links.Link
	if err := c.Do(ctx, http.MethodPatch, "/links/"+id, patch, &l); err != nil {
		return err
	}
	return output(cmd, l, []string{"ID", "NAME", "PRIORITY", "STATUS"},
		[][]string{{l.ID, l.Name, fmt.Sprint(l.Priority), l.Status}})
}

// configFlag reads the repeated --config NAME=VALUE flags.
func configFlag(cmd *cli.Command) (map[string]string, error) {
	cfg := map[string]string{}
	for _, kv := range cmd.StringSlice("config") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("--config %q must be NAME=VALUE", kv)
		}
		cfg[k] = v
	}
	return cfg, nil
}

// linkAction is a command on one link; do calls the hub and prints the answer.
func linkAction(name, usage string,
	do func(ctx context.Context, cmd *cli.Command, c *client.Client, id string) error,
) *cli.Command {
	return &cli.Command{
		Name: name, Usage: usage, ArgsUsage: "LINK-ID", Flags: remoteFlags(),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			id, err := oneArg(cmd, "links "+name+" LINK-ID")
			if err != nil {
				return err
			}
			c, err := remote(cmd)
			if err != nil {
				return err
			}
			return do(ctx, cmd, c, id)
		},
	}
}

// printLink posts to a link and prints the link the hub answers with. The whole link, with
// its connector's field definitions, is only for --json: people want to see its state.
func printLink(method, suffix string) func(context.Context, *cli.Command, *client.Client,
	string) error {
	return func(ctx context.Context, cmd *cli.Command, c *client.Client, id string) error {
		var l links.Link
		if err := c.Do(ctx, method, "/links/"+url.PathEscape(id)+suffix, nil, &l); err != nil {
			return err
		}
		return output(cmd, l, []string{"ID", "NAME", "STATUS", "ENABLED", "PRIORITY"},
			[][]string{{l.ID, l.Name, l.Status, yesNo(l.Enabled), fmt.Sprint(l.Priority)}})
	}
}

func deleteLink(ctx context.Context, cmd *cli.Command, c *client.Client, id string) error {
	if err := c.Do(ctx, http.MethodDelete, "/links/"+url.PathEscape(id), nil, nil); err != nil {
		return err
	}
	fmt.Println("link", id, "deleted")
	return nil
}

func linkHealth(ctx context.Context, cmd *cli.Command, c *client.Client, id string) error {
	var h links.HealthResult
	path := "/links/" + url.PathEscape(id) + "/health"
	if err := c.Do(ctx, http.MethodPost, path, nil, &h); err != nil {
		return err
	}
	return output(cmd, h, []string{"HEALTHY", "KIND", "MESSAGE", "ERROR"},
		[][]string{{yesNo(h.Healthy), string(h.Kind), h.Message, h.Error}})
}

func syncLink(ctx context.Context, cmd *cli.Command, c *client.Client, id string) error {
	var sum links.SyncSummary
	path := "/links/" + url.PathEscape(id) + "/sync"
	if err := c.Do(ctx, http.MethodPost, path, nil, &sum); err != nil {
		return err
	}
	return output(cmd, sum, []string{"SEEN", "IDENTIFIED", "SKIPPED", "GONE", "ERRORS"},
		[][]string{{fmt.Sprint(sum.Seen), fmt.Sprint(sum.Identified), fmt.Sprint(sum.Skipped),
			fmt.Sprint(sum.Gone), fmt.Sprint(sum.Errors)}})
}

func listLinkClients(ctx context.Context, cmd *cli.Command) error {
	id, err := oneArg(cmd, "links clients LINK-ID")
	if err != nil {
		return err
	}
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	var out []links.ClientMapping
	if err := c.Do(ctx, http.MethodGet, "/links/"+id+"/clients", nil, &out); err != nil {
		return err
	}
	rows := make([][]string, 0, len(out))
	for _, m := range out {
		rows = append(rows, []string{m.ClientID, m.Name, m.TenantID, m.SuggestedTenantID})
	}
	return output(cmd, out, []string{"CLIENT", "NAME", "TENANT", "SUGGESTED"}, rows)
}

func mapLinkClient(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Len() != 2 {
		return fmt.Errorf("usage: steward links map LINK-ID CLIENT-ID --tenant ID")
	}
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	in := links.MapInput{CreateTenant: cmd.Bool("create-tenant")}
	if !in.CreateTenant {
		t := cmd.String("tenant")
		in.TenantID = &t
	}
	var m links.ClientMapping
	path := "/links/" + url.PathEscape(cmd.Args().Get(0)) + "/clients/" +
		url.PathEscape(cmd.Args().Get(1))
	if err := c.Do(ctx, http.MethodPut, path, in, &m); err != nil {
		return err
	}
	return output(cmd, m, []string{"CLIENT", "NAME", "TENANT"},
		[][]string{{m.ClientID, m.Name, m.TenantID}})
}
