package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v3"

	"github.com/stewardhq/steward/core/client"
)

// remoteFlags are the flags of every command that calls a running hub.
func remoteFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "server", Value: "http://127.0.0.1:8080",
			Sources: cli.EnvVars("STEWARD_SERVER"), Usage: "the hub's address"},
		&cli.StringFlag{Name: "token", Sources: cli.EnvVars("STEWARD_TOKEN"),
			Usage: "API token (steward token create)"},
		&cli.BoolFlag{Name: "json", Usage: "print JSON instead of a table"},
	}
}

func remote(cmd *cli.Command) (*client.Client, error) {
	if cmd.String("token") == "" {
		return nil, errors.New("no API token: pass --token or set STEWARD_TOKEN " +
			"(create one with `steward token create --name NAME`)")
	}
	return client.New(cmd.String("server"), cmd.String("token"))
}

// output prints v as JSON with --json, else as a table of the columns.
func output(cmd *cli.Command, v any, header []string, rows [][]string) error {
	if cmd.Bool("json") {
		return printJSON(v)
	}
	return table(os.Stdout, header, rows)
}

// printJSON prints v as indented JSON.
func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func table(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
