package main

import (
	"context"
	"fmt"

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
				// Opening the hub migrates the database and makes the MSP tenant, so a token
				// can be created before the first `steward serve`.
				h, err := hub.Open(ctx, hub.Config{DataDir: cmd.String("data"),
					DatabaseURL: cmd.String("database-url")})
				if err != nil {
					return err
				}
				defer h.Close()
				ctx = access.WithPrincipal(ctx, access.System())
				secret, _, err := h.Tokens.Create(ctx, apitoken.NewToken{
					Name: cmd.String("name"), Role: role,
					TenantID: cmd.String("tenant"), TTL: cmd.Duration("ttl")})
				if err != nil {
					return err
				}
				fmt.Println(secret)
				return nil
			},
		}},
	}
}
