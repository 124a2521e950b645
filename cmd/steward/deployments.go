package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/stewardhq/steward/core/client"
	"github.com/stewardhq/steward/core/deploy"
	"github.com/stewardhq/steward/core/paging"
	"github.com/stewardhq/steward/core/resolve"
	"github.com/stewardhq/steward/core/session"
)

func deploymentsCommand() *cli.Command {
	return &cli.Command{
		Name:  "deployments",
		Usage: "say which item should be in which state on which computers",
		Commands: []*cli.Command{
			{
				Name: "list", Usage: "list deployments",
				Flags: append(remoteFlags(),
					&cli.StringFlag{Name: "item", Usage: "deployments of one item"}),
				Action: listDeployments,
			},
			{
				Name:  "create",
				Usage: "create a deployment (nothing changes until a session runs)",
				Flags: append(remoteFlags(),
					&cli.StringFlag{Name: "software", Usage: "software id"},
					&cli.StringFlag{Name: "task", Usage: "task id"},
					&cli.StringFlag{Name: "state", Required: true, Usage: "software: latest, " +
						"version, at_least, any, update_if_found, uninstalled, ignored; " +
						"task: enforce, audit, monitor, ignored"},
					&cli.StringFlag{Name: "version", Usage: "for the version and at_least states"},
					&cli.StringFlag{Name: "scope", Value: "cross_tenant",
						Usage: "cross_tenant, single_tenant or individual"},
					&cli.StringFlag{Name: "tenant", Usage: "tenant id, for single_tenant and " +
						"individual scope"},
					&cli.StringFlag{Name: "target", Value: "all", Usage: "all, tenant, " +
						"computer:ID, person:ID or tag:NAME"},
					&cli.StringSliceFlag{Name: "type", Usage: "narrow to a computer type, " +
						"repeatable: workstation, portable, server, domain_controller, " +
						"primary_domain_controller"},
					&cli.StringSliceFlag{Name: "param", Usage: "NAME=VALUE, repeatable"},
					&cli.IntFlag{Name: "priority", Value: 100, Usage: "lower wins ties"},
					&cli.BoolFlag{Name: "preview",
						Usage: "show which computers it would reach, and save nothing"}),
				Action: createDeployment,
			},
			{
				Name: "delete", Usage: "delete a deployment", ArgsUsage: "ID",
				Flags: remoteFlags(), Action: deleteDeployment,
			},
		},
	}
}

func listDeployments(ctx context.Context, cmd *cli.Command) error {
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	q := url.Values{"pageSize": {strconv.Itoa(paging.MaxSize)}}
	if v := cmd.String("item"); v != "" {
		q.Set("itemId", v)
	}
	var page paging.Page[resolve.Deployment]
	if err := c.Do(ctx, http.MethodGet, "/deployments?"+q.Encode(), nil, &page); err != nil {
		return err
	}
	rows := make([][]string, 0, len(page.Items))
	for _, d := range page.Items {
		state := string(d.State)
		if d.Version != "" {
			state += " " + d.Version
		}
		target := string(d.Target.Kind)
		if d.Target.Ref != "" {
			target += ":" + d.Target.Ref
		}
		rows = append(rows, []string{d.ID, string(d.ItemKind), d.ItemID, state,
			string(d.Scope), target, yesNo(d.Enabled)})
	}
	return output(cmd, page, []string{"ID", "KIND", "ITEM", "STATE", "SCOPE", "TARGET",
		"ENABLED"}, rows)
}

func createDeployment(ctx context.Context, cmd *cli.Command) error {
	in := deploy.Input{State: cmd.String("state"), Version: cmd.String("version"),
		Scope: cmd.String("scope"), TenantID: cmd.String("tenant"),
		ComputerTypes: cmd.StringSlice("type"), Parameters: map[string]string{}}
	switch sw, task := cmd.String("software"), cmd.String("task"); {
	case sw != "" && task == "":
		in.ItemKind, in.ItemID = "software", sw
	case task != "" && sw == "":
		in.ItemKind, in.ItemID = "task", task
	default:
		return fmt.Errorf("name the item with --software ID or --task ID")
	}
	kind, ref, _ := strings.Cut(cmd.String("target"), ":")
	in.Target = resolve.Target{Kind: resolve.TargetKind(kind), Ref: ref}
	for _, p := range cmd.StringSlice("param") {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return fmt.Errorf("--param %q must be NAME=VALUE", p)
		}
		in.Parameters[k] = v
	}
	prio := int(cmd.Int("priority"))
	in.Priority = &prio
	c, err := remote(cmd)
	if err != nil {
		return err
	}

	if cmd.Bool("preview") {
		var out []deploy.PreviewComputer
		if err := c.Do(ctx, http.MethodPost, "/deployments/preview", in, &out); err != nil {
			return err
		}
		rows := make([][]string, 0, len(out))
		for _, p := range out {
			rows = append(rows, []string{p.ComputerName, yesNo(p.Wins), p.Action, p.Reason})
		}
		return output(cmd, out, []string{"COMPUTER", "WINS", "ACTION", "WHY"}, rows)
	}
	var d resolve.Deployment
	if err := c.Do(ctx, http.MethodPost, "/deployments", in, &d); err != nil {
		return err
	}
	return output(cmd, d, []string{"ID", "ITEM", "STATE", "SCOPE"},
		[][]string{{d.ID, d.ItemID, string(d.State), string(d.Scope)}})
}

func deleteDeployment(ctx context.Context, cmd *cli.Command) error {
	id, err := oneArg(cmd, "deployments delete ID")
	if err != nil {
		return err
	}
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	return c.Do(ctx, http.MethodDelete, "/deployments/"+id, nil, nil)
}

// resolutionCommand is `steward computers resolution ID`.
func resolutionCommand() *cli.Command {
	return &cli.Command{
		Name:      "resolution",
		Usage:     "show which deployment wins for each item on a computer, and why",
		ArgsUsage: "ID",
		Flags: append(remoteFlags(),
			&cli.StringFlag{Name: "item", Usage: "one item only"}),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			id, err := oneArg(cmd, "computers resolution ID")
			if err != nil {
				return err
			}
			c, err := remote(cmd)
			if err != nil {
				return err
			}
			path := "/computers/" + id + "/resolution"
			if item := cmd.String("item"); item != "" {
				path += "?item=" + url.QueryEscape(item)
			}
			var out []resolve.Explanation
			if err := c.Do(ctx, http.MethodGet, path, nil, &out); err != nil {
				return err
			}
			if cmd.Bool("json") {
				return output(cmd, out, nil, nil)
			}
			for _, e := range out {
				fmt.Printf("%s\n", e.ItemID)
				if e.Winner != nil {
					fmt.Printf("  winner %s (%s): %s\n", e.Winner.ID, e.Winner.State,
						e.WinnerReason)
				} else {
					fmt.Println("  no deployment applies")
				}
				for _, cand := range e.Candidates {
					mark := "-"
					if cand.Matched {
						mark = "+"
					}
					fmt.Printf("  %s %s %s: %s\n", mark, cand.Deployment.ID,
						cand.Deployment.State, cand.Reason)
				}
			}
			return nil
		},
	}
}

func sessionsCommand() *cli.Command {
	return &cli.Command{
		Name:  "sessions",
		Usage: "run maintenance sessions and read their logs",
		Commands: []*cli.Command{
			{
				Name:  "run",
				Usage: "start a session on a computer",
				Flags: append(remoteFlags(),
					&cli.StringFlag{Name: "computer", Required: true, Usage: "computer id"},
					&cli.BoolFlag{Name: "detect-only",
						Usage: "only detect: decide the actions and change nothing"},
					&cli.StringFlag{Name: "item", Usage: "only this software or task"},
					&cli.BoolFlag{Name: "apply-on-connect",
						Usage: "wait for an offline computer instead of failing"},
					&cli.BoolFlag{Name: "follow", Aliases: []string{"f"},
						Usage: "print the live log until the session ends"}),
				Action: runSession,
			},
			{
				Name: "list", Usage: "list sessions, newest first",
				Flags: append(remoteFlags(),
					&cli.StringFlag{Name: "computer", Usage: "sessions of one computer"},
					&cli.StringFlag{Name: "status", Usage: "sessions in one status"}),
				Action: listSessions,
			},
			{
				Name: "get", Usage: "show a session and its actions", ArgsUsage: "ID",
				Flags: remoteFlags(), Action: getSession,
			},
			{
				Name: "cancel", Usage: "cancel a session", ArgsUsage: "ID",
				Flags: remoteFlags(), Action: cancelSession,
			},
		},
	}
}

func runSession(ctx context.Context, cmd *cli.Command) error {
	in := session.NewSession{ComputerID: cmd.String("computer"), Mode: session.ModeFull,
		ApplyOnConnect: cmd.Bool("apply-on-connect")}
	switch {
	case cmd.Bool("detect-only") && cmd.String("item") != "":
		return fmt.Errorf("--detect-only and --item do not go together")
	case cmd.Bool("detect-only"):
		in.Mode = session.ModeDetect
	case cmd.String("item") != "":
		in.Mode, in.ItemID = session.ModeItem, cmd.String("item")
	}
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	var s session.Session
	if err := c.Do(ctx, http.MethodPost, "/sessions", in, &s); err != nil {
		return err
	}
	if !cmd.Bool("follow") {
		return output(cmd, s, []string{"SESSION", "STATUS"}, [][]string{{s.ID, s.Status}})
	}
	fmt.Fprintf(os.Stderr, "session %s started\n", s.ID)
	var final session.Session
	err = c.Stream(ctx, "/sessions/"+s.ID+"/log?follow=1", func(ev client.Event) error {
		switch ev.Name {
		case "line":
			var l session.LogLine
			if err := json.Unmarshal([]byte(ev.Data), &l); err != nil {
				return fmt.Errorf("decode log line: %w", err)
			}
			prefix := ""
			if l.Level == "output" {
				prefix = "  | "
			}
			fmt.Println(l.At.Local().Format("15:04:05") + " " + prefix + l.Text)
		case "end":
			if err := json.Unmarshal([]byte(ev.Data), &final); err != nil {
				return fmt.Errorf("decode session: %w", err)
			}
			return client.ErrStop
		}
		return nil
	})
	if err != nil || final.ID == "" {
		why := "the hub closed it"
		if err != nil {
			why = err.Error()
		}
		return fmt.Errorf("the live log ended before the session did (%s); the session "+
			"goes on: see it with steward sessions get %s", why, s.ID)
	}
	printActions(final)
	if final.Status != session.StatusPassed {
		return cli.Exit(fmt.Sprintf("session %s %s: %s", final.ID, final.Status,
			final.Summary), 1)
	}
	return nil
}

func printActions(s session.Session) {
	rows := make([][]string, 0, len(s.Actions))
	for _, a := range s.Actions {
		why := a.Reason
		if a.ResultReason != "" {
			why += "; " + a.ResultReason
		}
		rows = append(rows, []string{a.ItemName, a.Type, a.Status, why})
	}
	fmt.Println()
	_ = table(os.Stdout, []string{"ITEM", "ACTION", "STATUS", "WHY"}, rows)
}

func getSession(ctx context.Context, cmd *cli.Command) error {
	id, err := oneArg(cmd, "sessions get ID")
	if err != nil {
		return err
	}
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	var s session.Session
	if err := c.Do(ctx, http.MethodGet, "/sessions/"+id, nil, &s); err != nil {
		return err
	}
	if cmd.Bool("json") {
		return output(cmd, s, nil, nil)
	}
	fmt.Printf("session %s on %s: %s (%s)\n%s\n", s.ID, s.ComputerID, s.Status, s.Mode,
		s.Summary)
	printActions(s)
	return nil
}

func cancelSession(ctx context.Context, cmd *cli.Command) error {
	id, err := oneArg(cmd, "sessions cancel ID")
	if err != nil {
		return err
	}
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	var s session.Session
	if err := c.Do(ctx, http.MethodPost, "/sessions/"+id+"/cancel", nil, &s); err != nil {
		return err
	}
	fmt.Println("session", s.ID, s.Status)
	return nil
}

func listSessions(ctx context.Context, cmd *cli.Command) error {
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	q := url.Values{}
	if v := cmd.String("computer"); v != "" {
		q.Set("computerId", v)
	}
	if v := cmd.String("status"); v != "" {
		q.Set("status", v)
	}
	var page paging.Page[session.Session]
	if err := c.Do(ctx, http.MethodGet, "/sessions?"+q.Encode(), nil, &page); err != nil {
		return err
	}
	rows := make([][]string, 0, len(page.Items))
	for _, s := range page.Items {
		rows = append(rows, []string{s.ID, s.ComputerID, s.Mode, s.Status,
			s.CreatedAt.Local().Format("2006-01-02 15:04:05"), s.Summary})
	}
	return output(cmd, page, []string{"ID", "COMPUTER", "MODE", "STATUS", "CREATED",
		"SUMMARY"}, rows)
}
