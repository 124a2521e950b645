package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v3"

	"github.com/stewardhq/steward/agent/client"
)

func enrollCommand() *cli.Command {
	return &cli.Command{
		Name:  "enroll",
		Usage: "join a hub with an enrollment token (once per computer)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "server", Required: true,
				Sources: cli.EnvVars("STEWARD_AGENT_SERVER"),
				Usage:   "the hub's address, https://…"},
			&cli.StringFlag{Name: "token", Required: true,
				Sources: cli.EnvVars("STEWARD_AGENT_TOKEN"),
				Usage:   "enrollment token; the variable keeps it off the process list"},
			&cli.BoolFlag{Name: "force", Sources: cli.EnvVars("STEWARD_AGENT_FORCE"),
				Usage: "replace an existing enrollment"},
			stateDirFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			dir := cmd.String("state-dir")
			st, err := client.Enroll(ctx, cmd.String("server"), cmd.String("token"), dir,
				client.EnrollConfig{Force: cmd.Bool("force"), Version: version})
			if err != nil {
				return adminHint(err)
			}
			fmt.Printf("Enrolled with %s as agent %s.\n", st.Server, st.AgentID)
			if serviceState(dir) == "not installed" {
				fmt.Println("Next, as administrator: steward-agent install")
			}
			return nil
		},
	}
}
