// Package catalog holds what can be maintained on a computer: software (how to detect it,
// its versions with installers and scripts, its prerequisites), maintenance tasks (get, set
// and test scripts with typed parameters) and the reusable scripts both are made of.
//
// Items are global (shipped with Steward, read-only), owned by the MSP, or owned by one tenant
// (visible only to that tenant and the MSP).
package catalog

import "time"

// Script is reusable code with a language, a context and a timeout.
type Script struct {
	ID       string `json:"id"`
	Global   bool   `json:"global"`
	TenantID string `json:"tenantId,omitempty"`
	Name     string `json:"name"`
	// Language is powershell, cmd, sh or bash.
	Language string `json:"language"`
	// Context is system or user.
	Context        string    `json:"context"`
	TimeoutSeconds int       `json:"timeoutSeconds"`
	Body           string    `json:"body"`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
}

// Detection methods of software.
const (
	DetectDisplayName = "display_name"
	DetectUpgradeCode = "upgrade_code"
	DetectScript      = "script"
)

// How a display name pattern is matched against installed programs.
const (
	MatchExact    = "exact"
	MatchContains = "contains"
	MatchWildcard = "wildcard"
	MatchRegex    = "regex"
)

// Detection says how to find a software among a computer's installed programs.
type Detection struct {
	Method string `json:"method"`
	// Match and Pattern apply to display_name; Pattern holds the upgrade code for
	// upgrade_code.
	Match   string `json:"match,omitempty"`
	Pattern string `json:"pattern,omitempty"`
	// ScriptID names a detection script: it prints the installed version as its last line,
	// or nothing when the software is absent.
	ScriptID string `json:"scriptId,omitempty"`
}

// Upgrade strategies.
const (
	UpgradeScript           = "upgrade_script"
	UpgradeInstallOver      = "install_over"
	UpgradeUninstallInstall = "uninstall_then_install"
)

// Scripts names the scripts of a software's lifecycle; empty means none. A version's own
// Scripts override the software's, one by one.
type Scripts struct {
	Install   string `json:"installScriptId,omitempty"`
	Uninstall string `json:"uninstallScriptId,omitempty"`
	Upgrade   string `json:"upgradeScriptId,omitempty"`
	Repair    string `json:"repairScriptId,omitempty"`
	Test      string `json:"testScriptId,omitempty"`
}

// Merge returns s with the non-empty fields of over replacing its own.
func (s Scripts) Merge(over Scripts) Scripts {
	for _, p := range []struct{ dst, src *string }{{&s.Install, &over.Install},
		{&s.Uninstall, &over.Uninstall}, {&s.Upgrade, &over.Upgrade},
		{&s.Repair, &over.Repair}, {&s.Test, &over.Test}} {
		if *p.src != "" {
			*p.dst = *p.src
		}
	}
	return s
}

// Software is something installable.
type Software struct {
	ID              string    `json:"id"`
	Global          bool      `json:"global"`
	TenantID        string    `json:"tenantId,omitempty"`
	Name            string    `json:"name"`
	Publisher       string    `json:"publisher,omitempty"`
	Description     string    `json:"description,omitempty"`
	Detection       Detection `json:"detection"`
	Scripts         Scripts   `json:"scripts"`
	UpgradeStrategy string    `json:"upgradeStrategy"`
	RebootNeeded    bool      `json:"rebootNeeded"`
	// ConfigTaskID names a task that configures the software after it is installed.
	ConfigTaskID  string         `json:"configTaskId,omitempty"`
	Prerequisites []Prerequisite `json:"prerequisites"`
	Versions      []Version      `json:"versions"`
	CreatedAt     time.Time      `json:"createdAt"`
	UpdatedAt     time.Time      `json:"updatedAt"`
}

// Prerequisite conditions.
const (
	IfAlways       = "always"
	IfAnyInstalled = "any_installed"
	IfAllInstalled = "all_installed"
	IfAnyMissing   = "any_missing"
	IfAllMissing   = "all_missing"
)

// Prerequisite actions.
const (
	ThenInstall   = "install"
	ThenUninstall = "uninstall"
	ThenFail      = "fail"
)

// Prerequisite is one rule a software puts before its own installation: if the condition
// holds over the Of software, then install, uninstall, or fail on the On software.
type Prerequisite struct {
	If   string   `json:"if"`
	Of   []string `json:"of,omitempty"`
	Then string   `json:"then"`
	On   []string `json:"on"`
}

// Installer is the file a version installs from: uploaded to the blob store, or a URL. It is
// always checked against its SHA-256 before anything runs.
type Installer struct {
	SHA256 string `json:"sha256"`
	Name   string `json:"name"`
	Size   int64  `json:"size,omitempty"`
	URL    string `json:"url,omitempty"`
}

// Version is one installable version of a software.
type Version struct {
	ID           string     `json:"id"`
	Version      string     `json:"version"`
	Installer    *Installer `json:"installer,omitempty"`
	Scripts      Scripts    `json:"scripts"`
	RebootNeeded bool       `json:"rebootNeeded"`
	CreatedAt    time.Time  `json:"createdAt"`
}

// Parameter types of tasks.
const (
	ParamText     = "text"
	ParamNumber   = "number"
	ParamBoolean  = "boolean"
	ParamSelect   = "select"
	ParamPassword = "password"
)

// Parameter is a typed input of a task.
type Parameter struct {
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	Required bool     `json:"required,omitempty"`
	Default  string   `json:"default,omitempty"`
	Options  []string `json:"options,omitempty"`
	Help     string   `json:"help,omitempty"`
}

// Task is a setting to enforce, audit or monitor. It has get, set and test scripts, or one
// combined script that receives the variable Method (get, set or test). The catalog requires
// a combined script or at least a test script; enforcing also needs a set script and
// monitoring a get script, which a deployment checks with Has.
type Task struct {
	ID          string      `json:"id"`
	Global      bool        `json:"global"`
	TenantID    string      `json:"tenantId,omitempty"`
	Name        string      `json:"name"`
	Description string      `json:"description,omitempty"`
	GetScript   string      `json:"getScriptId,omitempty"`
	SetScript   string      `json:"setScriptId,omitempty"`
	TestScript  string      `json:"testScriptId,omitempty"`
	Combined    string      `json:"combinedScriptId,omitempty"`
	Parameters  []Parameter `json:"parameters"`
	CreatedAt   time.Time   `json:"createdAt"`
	UpdatedAt   time.Time   `json:"updatedAt"`
}

// ScriptFor returns the script that performs method (get, set, test) and whether the
// combined script is used, which then receives the method as a variable.
func (t Task) ScriptFor(method string) (string, bool) {
	if t.Combined != "" {
		return t.Combined, true
	}
	switch method {
	case "get":
		return t.GetScript, false
	case "set":
		return t.SetScript, false
	default:
		return t.TestScript, false
	}
}
