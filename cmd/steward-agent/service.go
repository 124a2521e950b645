package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"runtime"

	"github.com/kardianos/service"
	"github.com/urfave/cli/v3"

	"github.com/stewardhq/steward/agent/state"
)

// serviceName names the service to systemd, the Windows service manager and launchd.
const serviceName = "steward-agent"

// serviceConfig describes the service that runs `steward-agent run --state-dir dir`.
func serviceConfig(dir string) *service.Config {
	return &service.Config{
		Name:        serviceName,
		DisplayName: "Steward Agent",
		Description: "Reports this computer to its Steward hub and runs the hub's scripts.",
		Arguments:   []string{"run", "--state-dir", dir},
		Option: service.KeyValue{
			// launchd only starts a daemon at boot when asked, and sends its output nowhere
			// unless told; systemd keeps it in the journal by itself.
			"RunAtLoad": true,
			"LogOutput": runtime.GOOS == "darwin",
		},
	}
}

// newService returns the system's service for dir; p is nil for commands that only manage
// the service.
func newService(dir string, p service.Interface) (service.Service, error) {
	if p == nil {
		p = &program{}
	}
	s, err := service.New(p, serviceConfig(dir))
	if err != nil {
		return nil, fmt.Errorf("service manager: %w", err)
	}
	return s, nil
}

// serviceState says whether the service is installed and running, for people.
func serviceState(dir string) string {
	s, err := newService(dir, nil)
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	st, err := s.Status()
	switch {
	case errors.Is(err, service.ErrNotInstalled):
		return "not installed"
	case err != nil:
		return "unknown (" + err.Error() + ")"
	case st == service.StatusRunning:
		return "running"
	case st == service.StatusStopped:
		return "stopped"
	default:
		return "unknown"
	}
}

// adminHint adds what to do when the state directory or the service manager needs more
// rights than the user has.
func adminHint(err error) error {
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("%w (run as root or administrator)", err)
	}
	return err
}

func statusCommand() *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "show the enrollment and whether the service runs",
		Flags: []cli.Flag{stateDirFlag()},
		Action: func(_ context.Context, cmd *cli.Command) error {
			dir := cmd.String("state-dir")
			fmt.Printf("state dir:   %s\n", dir)
			st, err := state.Read(dir)
			switch {
			case errors.Is(err, state.ErrNotEnrolled):
				fmt.Println("enrolled:    no")
			case err != nil:
				fmt.Printf("enrolled:    unknown (%v)\n", err)
			default:
				fmt.Println("enrolled:    yes")
				fmt.Printf("server:      %s\n", st.Server)
				fmt.Printf("agent id:    %s\n", st.AgentID)
				fmt.Printf("tenant id:   %s\n", st.TenantID)
				fmt.Printf("enrolled at: %s\n",
					st.EnrolledAt.Local().Format("2006-01-02 15:04:05"))
			}
			fmt.Printf("service:     %s\n", serviceState(dir))
			return nil
		},
	}
}

func installCommand() *cli.Command {
	return &cli.Command{
		Name:  "install",
		Usage: "install and start the agent as a system service",
		Flags: []cli.Flag{stateDirFlag()},
		Action: func(_ context.Context, cmd *cli.Command) error {
			dir, err := filepath.Abs(cmd.String("state-dir"))
			if err != nil {
				return fmt.Errorf("state dir: %w", err)
			}
			if _, err := state.Read(dir); err != nil {
				if errors.Is(err, state.ErrNotEnrolled) {
					return fmt.Errorf("%w: run steward-agent enroll first", err)
				}
				return adminHint(err)
			}
			s, err := newService(dir, nil)
			if err != nil {
				return err
			}
			if err := s.Install(); err != nil {
				return adminHint(fmt.Errorf("install service: %w", err))
			}
			if err := s.Start(); err != nil {
				return fmt.Errorf("service installed; start it: %w", err)
			}
			fmt.Printf("Service %s installed and started.\n", serviceName)
			return nil
		},
	}
}

func uninstallCommand() *cli.Command {
	return &cli.Command{
		Name:  "uninstall",
		Usage: "stop and remove the agent's system service (the enrollment stays)",
		Action: func(context.Context, *cli.Command) error {
			s, err := newService(state.DefaultDir(), nil)
			if err != nil {
				return err
			}
			// Stopping a service that is not running fails; removing it is what matters.
			_ = s.Stop()
			if err := s.Uninstall(); err != nil {
				return adminHint(fmt.Errorf("uninstall service: %w", err))
			}
			fmt.Printf("Service %s removed.\n", serviceName)
			return nil
		},
	}
}
