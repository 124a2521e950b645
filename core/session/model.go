// Package session runs maintenance sessions: for one computer, the stages inventory,
// resolution, onboarding (first sessions only), detection and execution, each step recorded
// as an action with its reason, status and result, and every line logged live.
//
// A session runs as a durable job. Its progress is stored as it goes and every script it runs
// has an id derived from the session, the action and the step, so a session interrupted by a
// restart of the hub resumes where it was and no script runs twice.
package session

import (
	"time"

	"github.com/uptrace/bun"
)

// Session statuses.
const (
	StatusCreated             = "created"
	StatusPending             = "pending"
	StatusPendingConnectivity = "pending_connectivity"
	StatusRunning             = "running"
	StatusPostponed           = "postponed"
	StatusPassed              = "passed"
	StatusPartiallyPassed     = "partially_passed"
	StatusFailed              = "failed"
	StatusCancelled           = "cancelled"
	StatusMissed              = "missed"
)

// Final reports whether a session status is an end.
func Final(status string) bool {
	switch status {
	case StatusPassed, StatusPartiallyPassed, StatusFailed, StatusCancelled, StatusMissed:
		return true
	}
	return false
}

// Stages, in order.
const (
	StageInventory  = "inventory"
	StageResolution = "resolution"
	StageOnboarding = "onboarding"
	StageDetection  = "detection"
	StageExecution  = "execution"
	StageDone       = "done"
)

// Modes of a session.
const (
	// ModeFull detects and then executes every item.
	ModeFull = "full"
	// ModeDetect only detects: it decides the actions and changes nothing.
	ModeDetect = "detect"
	// ModeItem detects and executes one item.
	ModeItem = "item"
)

// Action types.
const (
	ActionInstall     = "install"
	ActionUpdate      = "update"
	ActionUninstall   = "uninstall"
	ActionReinstall   = "reinstall"
	ActionDowngrade   = "downgrade"
	ActionTaskEnforce = "task_enforce"
	ActionAudit       = "audit"
	ActionMonitor     = "monitor"
	ActionNone        = "none"
)

// Action statuses.
const (
	ActionPending   = "pending"
	ActionRunning   = "running"
	ActionPassed    = "passed"
	ActionFailed    = "failed"
	ActionSkipped   = "skipped"
	ActionCancelled = "cancelled"
)

// Session is one maintenance run for one computer.
type Session struct {
	bun.BaseModel `bun:"table:sessions,alias:s"`

	ID             string     `bun:"id,pk" json:"id"`
	TenantID       string     `bun:"tenant_id" json:"tenantId"`
	ComputerID     string     `bun:"computer_id" json:"computerId"`
	Mode           string     `bun:"mode" json:"mode"`
	ItemID         string     `bun:"item_id" json:"itemId,omitempty"`
	Status         string     `bun:"status" json:"status"`
	Stage          string     `bun:"stage" json:"stage,omitempty"`
	Onboarding     bool       `bun:"onboarding" json:"onboarding"`
	ApplyOnConnect bool       `bun:"apply_on_connect" json:"applyOnConnect"`
	Summary        string     `bun:"summary" json:"summary,omitempty"`
	RerunOf        *string    `bun:"rerun_of" json:"rerunOf,omitempty"`
	CreatedBy      string     `bun:"created_by" json:"createdBy"`
	CreatedAt      time.Time  `bun:"created_at" json:"createdAt"`
	StartedAt      *time.Time `bun:"started_at" json:"startedAt,omitempty"`
	FinishedAt     *time.Time `bun:"finished_at" json:"finishedAt,omitempty"`
	LeaseOwner     *string    `bun:"lease_owner" json:"-"`
	LeaseUntil     *time.Time `bun:"lease_until" json:"-"`
	RequeuedAt     *time.Time `bun:"requeued_at" json:"-"`

	Actions []Action `bun:"-" json:"actions"`
}

// Action is one thing a session does or checks for one item.
type Action struct {
	bun.BaseModel `bun:"table:session_actions,alias:a"`

	ID           string `bun:"id,pk" json:"id"`
	SessionID    string `bun:"session_id" json:"-"`
	Position     int    `bun:"position" json:"position"`
	ItemKind     string `bun:"item_kind" json:"itemKind"`
	ItemID       string `bun:"item_id" json:"itemId"`
	ItemName     string `bun:"item_name" json:"itemName"`
	DeploymentID string `bun:"deployment_id" json:"deploymentId"`
	// State is the winning deployment's desired state.
	State string `bun:"state" json:"state"`
	Type  string `bun:"action_type" json:"type"`
	// Reason says why the action exists: software missing, update available, up to date, …
	Reason          string `bun:"reason" json:"reason"`
	DetectedVersion string `bun:"detected_version" json:"detectedVersion,omitempty"`
	TargetVersion   string `bun:"target_version" json:"targetVersion,omitempty"`
	Status          string `bun:"status" json:"status"`
	// Result and ResultReason say how it ended and why.
	Result       string     `bun:"result" json:"result,omitempty"`
	ResultReason string     `bun:"result_reason" json:"resultReason,omitempty"`
	RebootNeeded bool       `bun:"reboot_needed" json:"rebootNeeded,omitempty"`
	StartedAt    *time.Time `bun:"started_at" json:"startedAt,omitempty"`
	FinishedAt   *time.Time `bun:"finished_at" json:"finishedAt,omitempty"`
}

// LogLine is one line of a session's log.
type LogLine struct {
	bun.BaseModel `bun:"table:session_log"`

	ID        int64     `bun:"id,pk,autoincrement" json:"id"`
	SessionID string    `bun:"session_id" json:"-"`
	ActionID  *string   `bun:"action_id" json:"actionId,omitempty"`
	At        time.Time `bun:"at" json:"at"`
	Level     string    `bun:"level" json:"level"`
	Stream    string    `bun:"stream" json:"stream,omitempty"`
	Text      string    `bun:"line" json:"text"`
	RunID     *string   `bun:"run_id" json:"runId,omitempty"`
	RunSeq    *int64    `bun:"run_seq" json:"-"`
}
