package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/stewardhq/steward/core/client"
	"github.com/stewardhq/steward/core/scripts"
	"github.com/stewardhq/steward/sdk"
)

func scriptsCommand() *cli.Command {
	return &cli.Command{
		Name:  "scripts",
		Usage: "run scripts on computers and read their output",
		Commands: []*cli.Command{
			{
				Name:  "run",
				Usage: "run a script on a computer",
				Flags: append(remoteFlags(),
					&cli.StringFlag{Name: "computer", Required: true, Usage: "computer id"},
					&cli.StringFlag{Name: "language", Value: "sh",
						Usage: "sh, bash, powershell or cmd"},
					&cli.StringFlag{Name: "context", Value: "system", Usage: "system or user"},
					&cli.StringFlag{Name: "e", Usage: "the script's text"},
					&cli.StringFlag{Name: "file", Usage: "read the script from this file"},
					&cli.StringSliceFlag{Name: "param", Usage: "NAME=VALUE, repeatable"},
					&cli.IntFlag{Name: "timeout", Value: 300, Usage: "seconds"},
					&cli.BoolFlag{Name: "follow", Aliases: []string{"f"},
						Usage: "print the output live and exit with the script's exit code"}),
				Action: runScript,
			},
			{
				Name: "get", Usage: "show a run's status and result", ArgsUsage: "RUN-ID",
				Flags: remoteFlags(), Action: getScriptRun,
			},
			{
				Name: "cancel", Usage: "stop a run", ArgsUsage: "RUN-ID",
				Flags: remoteFlags(), Action: cancelScriptRun,
			},
			{
				Name: "output", Usage: "print a run's output", ArgsUsage: "RUN-ID",
				Flags: append(remoteFlags(), &cli.BoolFlag{Name: "follow", Aliases: []string{"f"},
					Usage: "keep printing until the run ends"}),
				Action: scriptOutput,
			},
		},
	}
}

func runScript(ctx context.Context, cmd *cli.Command) error {
	body := cmd.String("e")
	if f := cmd.String("file"); f != "" {
		if body != "" {
			return errors.New("give the script with -e or --file, not both")
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("read script: %w", err)
		}
		body = string(b)
	}
	if body == "" {
		return errors.New("no script: pass -e 'TEXT' or --file PATH")
	}
	params := map[string]string{}
	for _, p := range cmd.StringSlice("param") {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return fmt.Errorf("--param %q must be NAME=VALUE", p)
		}
		params[k] = v
	}
	c, err := remote(cmd)
	if err != nil {
		return err
	}

	in := scripts.NewRun{Language: cmd.String("language"), Context: cmd.String("context"),
		Body: body, Params: params, TimeoutSeconds: int(cmd.Int("timeout"))}
	var run scripts.Run
	path := "/computers/" + url.PathEscape(cmd.String("computer")) + "/scripts/run"
	if err := c.Do(ctx, http.MethodPost, path, in, &run); err != nil {
		return err
	}
	if !cmd.Bool("follow") {
		if run.Via == "" {
			// The hub names the pathway when a run is read, not when it is created.
			if err := c.Do(ctx, http.MethodGet, "/script-runs/"+url.PathEscape(run.ID), nil,
				&run); err != nil {
				return err
			}
		}
		return output(cmd, run, []string{"RUN", "VIA", "STATUS"},
			[][]string{{run.ID, run.Via, run.Status}})
	}
	fmt.Fprintf(os.Stderr, "run %s queued\n", run.ID)
	return follow(ctx, c, run.ID)
}

// follow prints a run's output as it arrives and returns an exit error carrying the script's
// exit code when it is not zero.
func follow(ctx context.Context, c *client.Client, runID string) error {
	var final scripts.Run
	err := c.Stream(ctx, "/script-runs/"+url.PathEscape(runID)+"/output?follow=1",
		func(ev client.Event) error {
			switch ev.Name {
			case "line":
				var l sdk.OutputLine
				if err := json.Unmarshal([]byte(ev.Data), &l); err != nil {
					return fmt.Errorf("decode output line: %w", err)
				}
				if l.Stream == sdk.StreamStderr {
					fmt.Fprintln(os.Stderr, l.Text)
				} else {
					fmt.Println(l.Text)
				}
			case "end":
				if err := json.Unmarshal([]byte(ev.Data), &final); err != nil {
					return fmt.Errorf("decode run: %w", err)
				}
				return client.ErrStop
			case "error":
				return fmt.Errorf("output stream: %s", ev.Data)
			}
			return nil
		})
	if err != nil || final.ID == "" {
		why := "the hub closed it"
		if err != nil {
			why = err.Error()
		}
		return fmt.Errorf("the output stream ended before the run did (%s); the run goes "+
			"on: read it again with steward scripts output --follow %s", why, runID)
	}
	return runOutcome(final)
}

func runOutcome(r scripts.Run) error {
	switch {
	case r.Status == scripts.StatusTimedOut:
		return cli.Exit(fmt.Sprintf("run %s timed out", r.ID), 124)
	case r.Error != "":
		return cli.Exit(fmt.Sprintf("run %s failed: %s", r.ID, r.Error), 1)
	case r.ExitCode != nil && *r.ExitCode != 0:
		return cli.Exit(fmt.Sprintf("run %s exited with %d", r.ID, *r.ExitCode), *r.ExitCode)
	}
	return nil
}

func getScriptRun(ctx context.Context, cmd *cli.Command) error {
	id, err := oneArg(cmd, "scripts get RUN-ID")
	if err != nil {
		return err
	}
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	var r scripts.Run
	if err := c.Do(ctx, http.MethodGet, "/script-runs/"+id, nil, &r); err != nil {
		return err
	}
	code := ""
	if r.ExitCode != nil {
		code = fmt.Sprint(*r.ExitCode)
	}
	return output(cmd, r, []string{"RUN", "COMPUTER", "VIA", "STATUS", "EXIT", "ERROR"},
		[][]string{{r.ID, r.ComputerID, r.Via, r.Status, code, r.Error}})
}

func scriptOutput(ctx context.Context, cmd *cli.Command) error {
	id, err := oneArg(cmd, "scripts output RUN-ID")
	if err != nil {
		return err
	}
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	if cmd.Bool("follow") {
		return follow(ctx, c, cmd.Args().First())
	}
	for after := int64(0); ; {
		var out struct {
			Lines []sdk.OutputLine `json:"lines"`
			Next  int64            `json:"next"`
		}
		path := fmt.Sprintf("/script-runs/%s/output?after=%d", id, after)
		if err := c.Do(ctx, http.MethodGet, path, nil, &out); err != nil {
			return err
		}
		if len(out.Lines) == 0 {
			return nil
		}
		for _, l := range out.Lines {
			if l.Stream == sdk.StreamStderr {
				fmt.Fprintln(os.Stderr, l.Text)
			} else {
				fmt.Println(l.Text)
			}
		}
		after = out.Next
	}
}

func cancelScriptRun(ctx context.Context, cmd *cli.Command) error {
	id, err := oneArg(cmd, "scripts cancel RUN-ID")
	if err != nil {
		return err
	}
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	var r scripts.Run
	if err := c.Do(ctx, http.MethodPost, "/script-runs/"+id+"/cancel", nil, &r); err != nil {
		return err
	}
	fmt.Println("run", r.ID, r.Status)
	return nil
}
