package catalog_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/catalog"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/paging"
	"github.com/stewardhq/steward/core/store"
	"github.com/stewardhq/steward/core/store/storetest"
)

func TestTaskValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		test := catalog.Inline("sh", `grep -qx "$Line" "$Path"`)
		param := func(p catalog.Parameter) catalog.TaskInput {
			return catalog.TaskInput{Name: ptr("T"), TestScript: test,
				Parameters: []catalog.Parameter{p}}
		}
		tests := []struct {
			name string
			in   catalog.TaskInput
			msg  string
		}{
			{"no scripts", catalog.TaskInput{Name: ptr("T")},
				"needs a combined script or at least a test script"},
			{"only a set script", catalog.TaskInput{Name: ptr("T"),
				SetScript: catalog.Inline("sh", "true")}, "at least a test script"},
			{"combined and separate", catalog.TaskInput{Name: ptr("T"), TestScript: test,
				Combined: catalog.Inline("sh", "true")}, "not both"},
			{"select without options", param(catalog.Parameter{Name: "Mode", Type: "select"}),
				"a select parameter needs options"},
			{"select default outside options", param(catalog.Parameter{Name: "Mode",
				Type: "select", Options: []string{"on", "off"}, Default: "auto"}),
				`default "auto" is not one of the options`},
			{"select with repeated options", param(catalog.Parameter{Name: "Mode",
				Type: "select", Options: []string{"on", "on"}}), "non-empty and distinct"},
			{"number default that is no number", param(catalog.Parameter{Name: "Size",
				Type: "number", Default: "ten"}), `default "ten" is not a number`},
			{"boolean default", param(catalog.Parameter{Name: "On", Type: "boolean",
				Default: "yes"}), "must be true or false"},
			{"password default", param(catalog.Parameter{Name: "Secret", Type: "password",
				Default: "hunter2"}), "cannot have a default"},
			{"unknown type", param(catalog.Parameter{Name: "X", Type: "date"}),
				`type "date" must be one of`},
			{"bad name", param(catalog.Parameter{Name: "my-path"}), "a name starts with"},
			{"reserved name", param(catalog.Parameter{Name: "method"}), "reserved"},
			{"same name twice", catalog.TaskInput{Name: ptr("T"), TestScript: test,
				Parameters: []catalog.Parameter{{Name: "Path"}, {Name: "PATH"}}},
				"the name is used twice"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := e.svc.CreateTask(e.adminA, tt.in)
				require.ErrorIs(t, err, errs.ErrInvalid)
				require.Contains(t, err.Error(), tt.msg)
			})
		}

		task, err := e.svc.CreateTask(e.adminA, catalog.TaskInput{Name: ptr("Line in file"),
			GetScript: catalog.Inline("sh", "cat \"$Path\""), TestScript: test,
			Parameters: []catalog.Parameter{
				{Name: "Path", Required: true},
				{Name: "Count", Type: "number", Default: "2.5"},
				{Name: "Mode", Type: "select", Options: []string{"append", "replace"},
					Default: "append"},
				{Name: "Strict", Type: "boolean", Default: "false"},
				{Name: "Token", Type: "password"},
			}})
		require.NoError(t, err)
		require.Equal(t, "text", task.Parameters[0].Type, "the default type is text")
		require.True(t, task.Has("get"))
		require.True(t, task.Has("test"))
		require.False(t, task.Has("set"), "without a set script the task only audits")
		require.NoError(t, task.Parameters[1].CheckValue("10"))
		require.ErrorIs(t, task.Parameters[1].CheckValue("ten"), errs.ErrInvalid)
		require.ErrorIs(t, task.Parameters[0].CheckValue(""), errs.ErrInvalid)
		require.ErrorIs(t, task.Parameters[2].CheckValue("merge"), errs.ErrInvalid)

		combined, err := e.svc.UpdateTask(e.adminA, task.ID, catalog.TaskInput{
			GetScript: catalog.Ref(""), TestScript: catalog.Ref(""),
			Combined: catalog.Inline("sh", `case "$Method" in get) ;; esac`)})
		require.NoError(t, err)
		id, isCombined := combined.ScriptFor("set")
		require.True(t, isCombined)
		require.Equal(t, combined.Combined, id)
		require.True(t, combined.Has("set"))
		_, err = e.svc.GetScript(e.adminA, task.GetScript)
		require.ErrorIs(t, err, errs.ErrNotFound, "replaced inline scripts go")

		loaded, err := e.svc.LoadTask(context.Background(), task.ID)
		require.NoError(t, err)
		require.Equal(t, combined.Combined, loaded.Combined)
		require.Len(t, loaded.Parameters, 5)

		page, err := e.svc.ListTasks(e.adminB, catalog.Filter{}, paging.Request{})
		require.NoError(t, err)
		require.Zero(t, page.Total, "another tenant's tasks are invisible")

		sw := nameDetected("Configured")
		sw.ConfigTaskID = ptr(task.ID)
		mustSoftware(t, e.adminA, e.svc, sw)
		err = e.svc.DeleteTask(e.adminA, task.ID)
		require.ErrorIs(t, err, errs.ErrConflict)
		require.Contains(t, err.Error(), "configures software Configured")
	})
}

func TestScripts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		for name, in := range map[string]catalog.ScriptInput{
			"no name":     {Language: ptr("sh"), Body: ptr("true")},
			"no language": {Name: ptr("x"), Body: ptr("true")},
			"bad context": {Name: ptr("x"), Language: ptr("sh"), Context: ptr("root"),
				Body: ptr("true")},
			"timeout too long": {Name: ptr("x"), Language: ptr("sh"),
				TimeoutSeconds: ptr(100000), Body: ptr("true")},
			"no body": {Name: ptr("x"), Language: ptr("powershell")},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := e.svc.CreateScript(e.msp, in)
				require.ErrorIs(t, err, errs.ErrInvalid)
			})
		}

		sc := mustScript(t, e.msp, e.svc, "Disk usage", "")
		require.Equal(t, "system", sc.Context)
		changed, err := e.svc.UpdateScript(e.msp, sc.ID, catalog.ScriptInput{
			Context: ptr("user"), TimeoutSeconds: ptr(60)})
		require.NoError(t, err)
		require.Equal(t, "user", changed.Context)
		require.Equal(t, sc.Body, changed.Body)
		_, err = e.svc.UpdateScript(e.adminA, sc.ID, catalog.ScriptInput{Body: ptr("rm")})
		require.ErrorIs(t, err, errs.ErrForbidden)

		page, err := e.svc.ListScripts(e.userA, catalog.Filter{Query: "disk"}, paging.Request{})
		require.NoError(t, err)
		require.Equal(t, 1, page.Total)
		loaded, err := e.svc.LoadScript(context.Background(), sc.ID)
		require.NoError(t, err)
		require.Equal(t, 60, loaded.TimeoutSeconds)

		require.NoError(t, e.svc.DeleteScript(e.msp, sc.ID))
		_, err = e.svc.GetScript(e.msp, sc.ID)
		require.ErrorIs(t, err, errs.ErrNotFound)
	})
}
