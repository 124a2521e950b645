package catalog

import (
	"time"

	"github.com/uptrace/bun"
)

// The rows below are how the items are stored: script references are columns with foreign
// keys (so a used script cannot be deleted), lists are JSON text.

type scriptRow struct {
	bun.BaseModel `bun:"table:catalog_scripts,alias:cs"`

	ID             string    `bun:"id,pk"`
	Global         bool      `bun:"is_global"`
	TenantID       string    `bun:"tenant_id,nullzero"`
	ItemID         string    `bun:"item_id,nullzero"`
	Name           string    `bun:"name"`
	Language       string    `bun:"language"`
	Context        string    `bun:"context"`
	TimeoutSeconds int       `bun:"timeout_seconds"`
	Body           string    `bun:"body"`
	CreatedAt      time.Time `bun:"created_at"`
	UpdatedAt      time.Time `bun:"updated_at"`
}

func (r scriptRow) owner() owner { return owner{global: r.Global, tenantID: r.TenantID} }

func (r scriptRow) script() Script {
	return Script{ID: r.ID, Global: r.Global, TenantID: r.TenantID, Name: r.Name,
		Language: r.Language, Context: r.Context, TimeoutSeconds: r.TimeoutSeconds, Body: r.Body,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func scriptRowOf(s Script, itemID string) scriptRow {
	return scriptRow{ID: s.ID, Global: s.Global, TenantID: s.TenantID, ItemID: itemID,
		Name: s.Name, Language: s.Language, Context: s.Context, TimeoutSeconds: s.TimeoutSeconds,
		Body: s.Body, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

// scriptCols are the lifecycle script columns shared by software and versions.
type scriptCols struct {
	Install   string `bun:"install_script_id,nullzero"`
	Uninstall string `bun:"uninstall_script_id,nullzero"`
	Upgrade   string `bun:"upgrade_script_id,nullzero"`
	Repair    string `bun:"repair_script_id,nullzero"`
	Test      string `bun:"test_script_id,nullzero"`
}

func (c scriptCols) scripts() Scripts {
	return Scripts{Install: c.Install, Uninstall: c.Uninstall, Upgrade: c.Upgrade,
		Repair: c.Repair, Test: c.Test}
}

func colsOf(s Scripts) scriptCols {
	return scriptCols{Install: s.Install, Uninstall: s.Uninstall, Upgrade: s.Upgrade,
		Repair: s.Repair, Test: s.Test}
}

type softwareRow struct {
	bun.BaseModel `bun:"table:software,alias:sw"`

	ID              string         `bun:"id,pk"`
	Global          bool           `bun:"is_global"`
	TenantID        string         `bun:"tenant_id,nullzero"`
	Name            string         `bun:"name"`
	Publisher       string         `bun:"publisher"`
	Description     string         `bun:"description"`
	DetectMethod    string         `bun:"detect_method"`
	DetectMatch     string         `bun:"detect_match"`
	DetectPattern   string         `bun:"detect_pattern"`
	DetectScriptID  string         `bun:"detect_script_id,nullzero"`
	Scripts         scriptCols     `bun:"embed:"`
	UpgradeStrategy string         `bun:"upgrade_strategy"`
	RebootNeeded    bool           `bun:"reboot_needed"`
	ConfigTaskID    string         `bun:"config_task_id,nullzero"`
	Prerequisites   []Prerequisite `bun:"prerequisites,type:text"`
	CreatedAt       time.Time      `bun:"created_at"`
	UpdatedAt       time.Time      `bun:"updated_at"`
}

func (r softwareRow) software() Software {
	pre := r.Prerequisites
	if pre == nil {
		pre = []Prerequisite{}
	}
	return Software{ID: r.ID, Global: r.Global, TenantID: r.TenantID, Name: r.Name,
		Publisher: r.Publisher, Description: r.Description,
		Detection: Detection{Method: r.DetectMethod, Match: r.DetectMatch,
			Pattern: r.DetectPattern, ScriptID: r.DetectScriptID},
		Scripts: r.Scripts.scripts(), UpgradeStrategy: r.UpgradeStrategy,
		RebootNeeded: r.RebootNeeded, ConfigTaskID: r.ConfigTaskID, Prerequisites: pre,
		Versions: []Version{}, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func softwareRowOf(s Software) softwareRow {
	pre := s.Prerequisites
	if pre == nil {
		pre = []Prerequisite{}
	}
	return softwareRow{ID: s.ID, Global: s.Global, TenantID: s.TenantID, Name: s.Name,
		Publisher: s.Publisher, Description: s.Description, DetectMethod: s.Detection.Method,
		DetectMatch: s.Detection.Match, DetectPattern: s.Detection.Pattern,
		DetectScriptID: s.Detection.ScriptID, Scripts: colsOf(s.Scripts),
		UpgradeStrategy: s.UpgradeStrategy, RebootNeeded: s.RebootNeeded,
		ConfigTaskID: s.ConfigTaskID, Prerequisites: pre, CreatedAt: s.CreatedAt,
		UpdatedAt: s.UpdatedAt}
}

type versionRow struct {
	bun.BaseModel `bun:"table:software_versions,alias:sv"`

	ID              string     `bun:"id,pk"`
	SoftwareID      string     `bun:"software_id"`
	Version         string     `bun:"version"`
	InstallerSHA256 string     `bun:"installer_sha256"`
	InstallerName   string     `bun:"installer_name"`
	InstallerSize   int64      `bun:"installer_size"`
	InstallerURL    string     `bun:"installer_url"`
	Scripts         scriptCols `bun:"embed:"`
	RebootNeeded    bool       `bun:"reboot_needed"`
	CreatedAt       time.Time  `bun:"created_at"`
}

func (r versionRow) version() Version {
	v := Version{ID: r.ID, Version: r.Version, Scripts: r.Scripts.scripts(),
		RebootNeeded: r.RebootNeeded, CreatedAt: r.CreatedAt}
	if r.InstallerSHA256 != "" {
		v.Installer = &Installer{SHA256: r.InstallerSHA256, Name: r.InstallerName,
			Size: r.InstallerSize, URL: r.InstallerURL}
	}
	return v
}

func versionRowOf(softwareID string, v Version) versionRow {
	r := versionRow{ID: v.ID, SoftwareID: softwareID, Version: v.Version,
		Scripts: colsOf(v.Scripts), RebootNeeded: v.RebootNeeded, CreatedAt: v.CreatedAt}
	if v.Installer != nil {
		r.InstallerSHA256, r.InstallerName = v.Installer.SHA256, v.Installer.Name
		r.InstallerSize, r.InstallerURL = v.Installer.Size, v.Installer.URL
	}
	return r
}

type taskRow struct {
	bun.BaseModel `bun:"table:tasks,alias:tk"`

	ID          string      `bun:"id,pk"`
	Global      bool        `bun:"is_global"`
	TenantID    string      `bun:"tenant_id,nullzero"`
	Name        string      `bun:"name"`
	Description string      `bun:"description"`
	GetScript   string      `bun:"get_script_id,nullzero"`
	SetScript   string      `bun:"set_script_id,nullzero"`
	TestScript  string      `bun:"test_script_id,nullzero"`
	Combined    string      `bun:"combined_script_id,nullzero"`
	Parameters  []Parameter `bun:"parameters,type:text"`
	CreatedAt   time.Time   `bun:"created_at"`
	UpdatedAt   time.Time   `bun:"updated_at"`
}

func (r taskRow) task() Task {
	ps := r.Parameters
	if ps == nil {
		ps = []Parameter{}
	}
	return Task{ID: r.ID, Global: r.Global, TenantID: r.TenantID, Name: r.Name,
		Description: r.Description, GetScript: r.GetScript, SetScript: r.SetScript,
		TestScript: r.TestScript, Combined: r.Combined, Parameters: ps,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func taskRowOf(t Task) taskRow {
	ps := t.Parameters
	if ps == nil {
		ps = []Parameter{}
	}
	return taskRow{ID: t.ID, Global: t.Global, TenantID: t.TenantID, Name: t.Name,
		Description: t.Description, GetScript: t.GetScript, SetScript: t.SetScript,
		TestScript: t.TestScript, Combined: t.Combined, Parameters: ps,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

// Blob is a file in the blob store, recorded when it was uploaded.
type Blob struct {
	bun.BaseModel `bun:"table:blobs,alias:b"`

	SHA256    string    `bun:"sha256,pk" json:"sha256"`
	Size      int64     `bun:"size" json:"size"`
	Name      string    `bun:"name" json:"name,omitempty"`
	TenantID  string    `bun:"tenant_id,nullzero" json:"tenantId,omitempty"`
	CreatedAt time.Time `bun:"created_at" json:"createdAt"`
}
