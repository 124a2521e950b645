package session

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stewardhq/steward/core/catalog"
	"github.com/stewardhq/steward/core/scripts"
	"github.com/stewardhq/steward/core/version"
	"github.com/stewardhq/steward/sdk"
)

// Variables every step script of a session receives besides the hub's built-ins.
const (
	VarSoftwareName  = "SoftwareName"
	VarVersion       = "Version"
	VarInstallerFile = "InstallerFile"
	VarMethod        = "Method"
)

// step runs one catalog script as part of an action and returns its run and output. The run
// id is derived from the session, the action and the step, so a resumed session finds the run
// it started before instead of starting another.
func (r *run) step(ctx context.Context, a *Action, step, scriptID string,
	params map[string]string, files []sdk.FileRef) (scripts.Run, []string, error) {
	return r.secretStep(ctx, a, step, scriptID, params, nil, files)
}

// secretStep is step with password parameters, which the run keeps sealed and masks.
func (r *run) secretStep(ctx context.Context, a *Action, step, scriptID string,
	params, secrets map[string]string, files []sdk.FileRef) (scripts.Run, []string, error) {
	if scriptID == "" {
		return scripts.Run{}, nil, fmt.Errorf("%s has no %s script", a.ItemName, step)
	}
	sc, err := r.e.catalog.LoadScript(ctx, scriptID)
	if err != nil {
		return scripts.Run{}, nil, err
	}
	id := r.ses.ID + ":" + a.ItemID + ":" + step
	run, created, err := r.e.scripts.Ensure(ctx, scripts.Spec{ID: id, SessionID: r.ses.ID,
		ComputerID: r.ses.ComputerID, Language: sc.Language, Context: sc.Context,
		Body: sc.Body, Params: params, Secrets: secrets, Files: files,
		Timeout: time.Duration(sc.TimeoutSeconds) * time.Second, CreatedBy: "session:" + r.ses.ID})
	if err != nil {
		return scripts.Run{}, nil, err
	}
	if created {
		r.log(ctx, a, "info", "%s: running %s script %q", a.ItemName, step, sc.Name)
	} else if !scripts.Finished(run.Status) {
		r.log(ctx, a, "info", "%s: waiting for the %s script started earlier", a.ItemName, step)
	}

	var out []string
	done, err := r.e.scripts.Follow(ctx, run.ID, 0, func(lines []sdk.OutputLine) error {
		out = append(out, stdout(lines)...)
		return r.e.sessions.copyLines(ctx, r.ses.ID, a.ID, run.ID, lines)
	})
	if err != nil {
		return scripts.Run{}, nil, err
	}
	if done.Status == scripts.StatusCancelled {
		return done, out, fmt.Errorf("%s script was cancelled", step)
	}
	if done.Error != "" {
		return done, out, fmt.Errorf("%s script could not run: %s", step, done.Error)
	}
	if done.Status == scripts.StatusTimedOut {
		return done, out, fmt.Errorf("%s script timed out after %ds", step, done.TimeoutSeconds)
	}
	code := 0
	if done.ExitCode != nil {
		code = *done.ExitCode
	}
	r.log(ctx, a, "info", "%s: %s script exited with %d", a.ItemName, step, code)
	return done, out, nil
}

func exitCode(run scripts.Run) int {
	if run.ExitCode == nil {
		return -1
	}
	return *run.ExitCode
}

// detectVersion finds a software: by its detection script, or among the inventory's
// programs. step names the detection, so detecting again after a change is its own run.
func (r *run) detectVersion(ctx context.Context, a *Action, sw catalog.Software,
	step string) (Detected, error) {
	if sw.Detection.Method == catalog.DetectScript {
		_, out, err := r.step(ctx, a, step, sw.Detection.ScriptID,
			map[string]string{VarSoftwareName: sw.Name}, nil)
		if err != nil {
			return Detected{}, err
		}
		v, ok := sdk.DetectedVersion(out)
		return Detected{Found: ok, Version: v}, nil
	}
	v, ok, err := sw.Detection.Find(r.programs)
	if err != nil {
		return Detected{}, fmt.Errorf("detect %s: %w", sw.Name, err)
	}
	return Detected{Found: ok, Version: v}, nil
}

// refresh asks the computer for a new inventory and waits for one newer than the request.
// Through a link, which has no agent to report one, it reads the programs with a script.
func (r *run) refresh(ctx context.Context, a *Action) error {
	if link, ok, err := r.throughLink(ctx); err != nil {
		return err
	} else if ok {
		return r.programsByScript(ctx, a, link, "verify")
	}
	asked := r.e.now()
	if err := r.e.inv.RequestInventory(ctx, r.ses.ComputerID); err != nil {
		return err
	}
	deadline := asked.Add(r.e.cfg.InventoryWait)
	for {
		inv, at, err := r.e.sessions.inventory(ctx, r.ses.ComputerID)
		if err == nil && !at.Before(asked) {
			r.programs = inv.Programs
			return nil
		}
		if r.e.now().After(deadline) {
			return fmt.Errorf("the computer sent no new inventory within %s",
				r.e.cfg.InventoryWait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// perform executes one action and records its outcome. An error is returned only when the
// session cannot go on (the hub is stopping); an action's own failure is recorded on it.
func (r *run) perform(ctx context.Context, a *Action) error {
	now := r.e.now()
	a.Status, a.StartedAt = ActionRunning, &now
	if err := r.saveAction(ctx, a); err != nil {
		return err
	}
	r.log(ctx, a, "info", "%s: starting %s", a.ItemName, a.Type)

	var reboot bool
	var err error
	switch a.ItemKind {
	case "software":
		reboot, err = r.performSoftware(ctx, a)
	default:
		err = r.performTask(ctx, a)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	done := r.e.now()
	a.FinishedAt, a.RebootNeeded = &done, reboot
	if err != nil && r.cancelled(ctx) {
		a.Status, a.Result, a.ResultReason = ActionCancelled, "cancelled", err.Error()
		r.log(ctx, a, "warn", "%s: stopped by the cancel", a.ItemName)
		return r.saveAction(ctx, a)
	}
	if err != nil {
		a.Status, a.Result, a.ResultReason = ActionFailed, "failed", err.Error()
		r.log(ctx, a, "error", "%s: failed: %s", a.ItemName, err)
	} else {
		a.Status = ActionPassed
		r.log(ctx, a, "info", "%s: %s", a.ItemName, a.Result)
	}
	return r.saveAction(ctx, a)
}

func (r *run) saveAction(ctx context.Context, a *Action) error {
	_, err := r.e.db.NewUpdate().Model(a).WherePK().Exec(ctx)
	if err != nil {
		return fmt.Errorf("save action %s: %w", a.ID, err)
	}
	r.e.sessions.notify(r.ses.ID)
	return nil
}

// performSoftware follows the software path: prerequisites, the change, detection again,
// then the configuration task.
func (r *run) performSoftware(ctx context.Context, a *Action) (bool, error) {
	sw, err := r.e.catalog.LoadSoftware(ctx, a.ItemID)
	if err != nil {
		return false, err
	}
	if a.Type != ActionUninstall {
		if err := r.prerequisites(ctx, a, sw); err != nil {
			return false, fmt.Errorf("prerequisite: %w", err)
		}
	}
	reboot, err := r.change(ctx, a, sw, a.Type, a.TargetVersion, a.DetectedVersion, "")
	if err != nil {
		return reboot, err
	}

	// A detection script asks the computer itself; display names need a new inventory.
	if sw.Detection.Method == catalog.DetectScript {
		if err := r.e.inv.RequestInventory(ctx, r.ses.ComputerID); err != nil {
			r.log(ctx, a, "warn", "inventory not requested: %s", err)
		}
	} else if err := r.refresh(ctx, a); err != nil {
		return reboot, err
	}
	found, err := r.detectVersion(ctx, a, sw, "verify")
	if err != nil {
		return reboot, err
	}
	if err := verify(a.Type, a.TargetVersion, found); err != nil {
		return reboot, err
	}
	a.Result = fmt.Sprintf("%s done; detected %s", a.Type, describe(found))

	if sw.ConfigTaskID != "" && a.Type != ActionUninstall {
		t, err := r.e.catalog.LoadTask(ctx, sw.ConfigTaskID)
		if err != nil {
			return reboot, err
		}
		if err := r.enforce(ctx, a, t, taskValues{}, "config-"); err != nil {
			return reboot, fmt.Errorf("configuration task %s: %w", t.Name, err)
		}
		a.Result += "; configured"
	}
	return reboot, nil
}

func describe(d Detected) string {
	if !d.Found {
		return "not installed"
	}
	return "version " + d.Version
}

// verify checks that detecting again shows the change took effect.
func verify(action, target string, d Detected) error {
	switch action {
	case ActionUninstall:
		if d.Found {
			return fmt.Errorf("still installed (%s) after uninstalling", d.Version)
		}
	case ActionDowngrade:
		if !d.Found || version.Compare(d.Version, target) != 0 {
			return fmt.Errorf("%s after downgrading to %s", describe(d), target)
		}
	default:
		if !d.Found {
			return fmt.Errorf("still missing after %s", action)
		}
		if target != "" && version.Compare(d.Version, target) < 0 {
			return fmt.Errorf("at %s after %s to %s", d.Version, action, target)
		}
	}
	return nil
}

// change runs the scripts of one change to a software. prefix keeps the step names of a
// prerequisite apart from the action's own.
func (r *run) change(ctx context.Context, a *Action, sw catalog.Software, action, target,
	installed, prefix string) (bool, error) {
	switch action {
	case ActionInstall:
		return r.lifecycle(ctx, a, sw, prefix+"install", target)
	case ActionUninstall:
		return r.lifecycle(ctx, a, sw, prefix+"uninstall", installed)
	case ActionUpdate:
		switch sw.UpgradeStrategy {
		case catalog.UpgradeScript:
			return r.lifecycle(ctx, a, sw, prefix+"upgrade", target)
		case catalog.UpgradeUninstallInstall:
			return r.replace(ctx, a, sw, prefix, target, installed)
		default:
			return r.lifecycle(ctx, a, sw, prefix+"install", target)
		}
	case ActionDowngrade, ActionReinstall:
		return r.replace(ctx, a, sw, prefix, target, installed)
	}
	return false, fmt.Errorf("no change for action %q", action)
}

func (r *run) replace(ctx context.Context, a *Action, sw catalog.Software, prefix, target,
	installed string) (bool, error) {
	reboot1, err := r.lifecycle(ctx, a, sw, prefix+"uninstall", installed)
	if err != nil {
		return reboot1, err
	}
	reboot2, err := r.lifecycle(ctx, a, sw, prefix+"install", target)
	return reboot1 || reboot2, err
}

// lifecycle runs the install, uninstall or upgrade script of a version of the software, with
// its installer downloaded first, and reads the exit code by the installer convention.
func (r *run) lifecycle(ctx context.Context, a *Action, sw catalog.Software, step,
	ver string) (bool, error) {
	kind := step[strings.LastIndex(step, "-")+1:]
	v, _ := findVersion(sw, ver)
	all := sw.Scripts.Merge(v.Scripts)
	scriptID := map[string]string{"install": all.Install, "uninstall": all.Uninstall,
		"upgrade": all.Upgrade}[kind]
	params := map[string]string{VarSoftwareName: sw.Name, VarVersion: v.Version}
	var files []sdk.FileRef
	if v.Installer != nil && kind != "uninstall" {
		files = append(files, r.fileRef(*v.Installer))
	}
	run, _, err := r.step(ctx, a, step, scriptID, params, files)
	if err != nil {
		return false, err
	}
	ok, reboot := sdk.InstallOutcome(exitCode(run))
	if !ok {
		return false, fmt.Errorf("%s script failed with exit code %d", kind, exitCode(run))
	}
	return reboot || v.RebootNeeded || sw.RebootNeeded, nil
}

func (r *run) fileRef(in catalog.Installer) sdk.FileRef {
	url := in.URL
	if url == "" && r.e.files != nil {
		url = r.e.files.FileURL(in.SHA256)
	}
	name := in.Name
	if name == "" {
		// An installer uploaded without a name still needs one on the computer.
		name = "installer-" + in.SHA256[:min(12, len(in.SHA256))]
	}
	return sdk.FileRef{URL: url, SHA256: in.SHA256, Name: name, Size: in.Size,
		Param: VarInstallerFile}
}

// findVersion returns the version ver of the software, or the latest when ver is empty or
// unknown (an uninstall of a version the catalog no longer has uses the newest scripts).
func findVersion(sw catalog.Software, ver string) (catalog.Version, bool) {
	for _, v := range sw.Versions {
		if ver != "" && version.Equal(v.Version, ver) {
			return v, true
		}
	}
	latest, ok := catalog.Latest(sw)
	return latest, ok && ver == ""
}

// performTask enforces a task: set, then test; or for other modes records their finding.
func (r *run) performTask(ctx context.Context, a *Action) error {
	t, err := r.e.catalog.LoadTask(ctx, a.ItemID)
	if err != nil {
		return err
	}
	params, err := r.params(ctx, a.DeploymentID)
	if err != nil {
		return err
	}
	if err := r.enforce(ctx, a, t, params, ""); err != nil {
		return err
	}
	a.Result = "compliant after set"
	return nil
}

// enforce tests, sets when the test fails, and tests again.
func (r *run) enforce(ctx context.Context, a *Action, t catalog.Task, params taskValues,
	prefix string) error {
	ok, err := r.taskTest(ctx, a, t, params, prefix+"test")
	if err != nil || ok {
		return err
	}
	set, combined := t.ScriptFor("set")
	p := taskParams(t, params.plain, combined, "set")
	run, _, err := r.secretStep(ctx, a, prefix+"set", set, p, params.secret, nil)
	if err != nil {
		return err
	}
	if exitCode(run) != 0 {
		return fmt.Errorf("set script failed with exit code %d", exitCode(run))
	}
	ok, err = r.taskTest(ctx, a, t, params, prefix+"retest")
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("still not compliant after set")
	}
	return nil
}

func (r *run) taskTest(ctx context.Context, a *Action, t catalog.Task, params taskValues,
	step string) (bool, error) {
	test, combined := t.ScriptFor("test")
	run, out, err := r.secretStep(ctx, a, step, test,
		taskParams(t, params.plain, combined, "test"), params.secret, nil)
	if err != nil {
		return false, err
	}
	return sdk.TestOutcome(out, exitCode(run)), nil
}

func (r *run) taskGet(ctx context.Context, a *Action, t catalog.Task,
	params taskValues) (string, error) {
	get, combined := t.ScriptFor("get")
	_, out, err := r.secretStep(ctx, a, "detect-get", get,
		taskParams(t, params.plain, combined, "get"), params.secret, nil)
	if err != nil {
		return "", err
	}
	v, _ := sdk.DetectedVersion(out)
	return v, nil
}

// taskParams fills a task's parameters from the deployment, then the defaults.
func taskParams(t catalog.Task, given map[string]string, combined bool,
	method string) map[string]string {
	out := map[string]string{}
	for _, p := range t.Parameters {
		if p.Default != "" {
			out[p.Name] = p.Default
		}
	}
	for k, v := range given {
		out[k] = v
	}
	if combined {
		out[VarMethod] = method
	}
	return out
}

// taskValues are a deployment's parameters for a task's scripts.
type taskValues struct{ plain, secret map[string]string }

func (r *run) params(ctx context.Context, deploymentID string) (taskValues, error) {
	plain, secret, err := r.e.resolver.Parameters(ctx, deploymentID)
	return taskValues{plain: plain, secret: secret}, err
}

// cancelled reports whether the session was cancelled meanwhile.
func (r *run) cancelled(ctx context.Context) bool {
	var status string
	err := r.e.db.NewSelect().Model((*Session)(nil)).Column("status").
		Where("id = ?", r.ses.ID).Scan(ctx, &status)
	return err == nil && status == StatusCancelled
}
