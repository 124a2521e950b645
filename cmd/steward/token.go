package main

import (
	"context"
	"fmt"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/apitoken"
	"github.com/stewardhq/steward/core/hub"
)

func tokenCommand() *cli.Command {
	return &cli.Command{
		Name:  "token",
		Usage: "manage API tokens on this server's database (works without a running hub)",
		Commands: []*cli.Command{{
			Name:  "create",
			Usage: "create an API token and print it once",
			Flags: append(databaseFlags(),
				&cli.StringFlag{Name: "name", Required: true, Usage: "what the token is for"},
				&cli.StringFlag{Name: "role", Value: string(access.MSPAdmin),
					Usage: "msp_admin, msp_user, tenant_admin or tenant_user"},
				&cli.StringFlag{Name: "tenant", Usage: "tenant id, for tenant roles"},
				&cli.DurationFlag{Name: "ttl", Usage: "lifetime, e.g. 720h; 0 never expires"},
			),
			Action: func(ctx context.Context, cmd *cli.Command) error {
				role, err := access.ParseRole(cmd.String("role"))
				if err != nil {
					return err
				}
				return withHub(ctx, cmd, func(ctx context.Context, h *hub.Hub) error {
					secret, _, err := h.Tokens.Create(ctx, apitoken.NewToken{
						Name: cmd.String("name"), Role: role,
						TenantID: cmd.String("tenant"), TTL: cmd.Duration("ttl")})
					if err != nil {
						return err
					}
					fmt.Println(secret)
					return nil
				})
			},
		}, {
			Name:  "list",
			Usage: "list API tokens (their secrets are never stored)",
			Flags: append(databaseFlags(), &cli.BoolFlag{Name: "json"}),
			Action: func(ctx context.Context, cmd *cli.Command) error {
				return withHub(ctx, cmd, func(ctx context.Context, h *hub.Hub) error {
					toks, err := h.Tokens.List(ctx)
					if err != nil {
						return err
					}
					rows := make([][]string, 0, len(toks))
					for _, t := range toks {
						exp, used := "never", "never"
						if t.ExpiresAt != nil {
							exp = t.ExpiresAt.Local().Format(time.DateTime)
						}
						if t.LastUsedAt != nil {
							used = t.LastUsedAt.Local().Format(time.DateTime)
						}
						rows = append(rows, []string{t.ID, t.Name, string(t.Role), exp, used})
					}
					return output(cmd, toks, []string{"ID", "NAME", "ROLE", "EXPIRES",
						"LAST USED"}, rows)
				})
			},
		}, {
			Name:      "revoke",
			Usage:     "revoke an API token",
			ArgsUsage: "ID",
			Flags:     databaseFlags(),
			Action: func(ctx context.Context, cmd *cli.Command) error {
				if cmd.Args().Len() != 1 {
					return fmt.Errorf("usage: steward token revoke ID")
				}
				return withHub(ctx, cmd, func(ctx context.Context, h *hub.Hub) error {
					if err := h.Tokens.Revoke(ctx, cmd.Args().First()); err != nil {
						return err
					}
					fmt.Println("revoked", cmd.Args().First())
					return nil
				})
			},
		}},
	}
}

// withHub opens the hub's database for an offline admin command, acting as the system. Opening
// migrates the database and makes the MSP tenant, so tokens can be managed before the first
// `steward serve`.
func withHub(ctx context.Context, cmd *cli.Command,
	fn func(context.Context, *hub.Hub) error) error {
	h, err := hub.Open(ctx, hub.Config{DataDir: cmd.String("data"),
		DatabaseURL: cmd.String("database-url")})
	if err != nil {
		return err
	}
	defer h.Close()
	return fn(access.WithPrincipal(ctx, access.System()), h)
}
