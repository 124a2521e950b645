package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// InlineScript is a script given in place of a script id when creating or changing software,
// versions or tasks. The service stores it as a Script named after the item and removes it
// with the item.
type InlineScript struct {
	Language string `json:"language"`
	// Context defaults to system.
	Context string `json:"context,omitempty"`
	// TimeoutSeconds defaults to 300.
	TimeoutSeconds int    `json:"timeoutSeconds,omitempty"`
	Body           string `json:"body"`
}

// ScriptRef names a script by id, or gives one inline. In JSON it is either a string (the id;
// "" clears the reference) or an InlineScript object.
type ScriptRef struct {
	ID     string
	Inline *InlineScript
}

// Ref returns a reference to the script with id.
func Ref(id string) *ScriptRef { return &ScriptRef{ID: id} }

// Inline returns a reference that creates a script of language with body.
func Inline(language, body string) *ScriptRef {
	return &ScriptRef{Inline: &InlineScript{Language: language, Body: body}}
}

// MarshalJSON writes the id as a string, or the inline script as an object.
func (r ScriptRef) MarshalJSON() ([]byte, error) {
	if r.Inline != nil {
		return json.Marshal(r.Inline)
	}
	return json.Marshal(r.ID)
}

// UnmarshalJSON reads a string id or an inline script object, refusing unknown fields.
func (r *ScriptRef) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		*r = ScriptRef{}
		return json.Unmarshal(b, &r.ID)
	}
	if len(b) == 0 || b[0] != '{' {
		return fmt.Errorf("a script reference must be a script id or an object with " +
			"language and body")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var in InlineScript
	if err := dec.Decode(&in); err != nil {
		return fmt.Errorf("inline script: %w", err)
	}
	*r = ScriptRef{Inline: &in}
	return nil
}

// ScriptRefs names the lifecycle scripts of a software or version in an input. A nil field
// leaves the script as it is; an empty id clears it.
type ScriptRefs struct {
	Install   *ScriptRef `json:"installScriptId,omitempty"`
	Uninstall *ScriptRef `json:"uninstallScriptId,omitempty"`
	Upgrade   *ScriptRef `json:"upgradeScriptId,omitempty"`
	Repair    *ScriptRef `json:"repairScriptId,omitempty"`
	Test      *ScriptRef `json:"testScriptId,omitempty"`
}

// DetectionInput is a Detection whose script may be given inline.
type DetectionInput struct {
	Method   string     `json:"method"`
	Match    string     `json:"match,omitempty"`
	Pattern  string     `json:"pattern,omitempty"`
	ScriptID *ScriptRef `json:"scriptId,omitempty"`
}

// ScriptInput creates or, with pointers, changes a script. TenantID applies to creation only:
// empty makes an MSP-owned script for MSP roles and an own-tenant script for tenant roles.
type ScriptInput struct {
	TenantID       string  `json:"tenantId,omitempty"`
	Name           *string `json:"name,omitempty"`
	Language       *string `json:"language,omitempty"`
	Context        *string `json:"context,omitempty"`
	TimeoutSeconds *int    `json:"timeoutSeconds,omitempty"`
	Body           *string `json:"body,omitempty"`
}

// SoftwareInput creates or, with pointers, changes a software. Fields left out stay as they
// are; Detection is replaced whole; Prerequisites, when given, replace the list ([] clears).
type SoftwareInput struct {
	TenantID        string          `json:"tenantId,omitempty"`
	Name            *string         `json:"name,omitempty"`
	Publisher       *string         `json:"publisher,omitempty"`
	Description     *string         `json:"description,omitempty"`
	Detection       *DetectionInput `json:"detection,omitempty"`
	Scripts         *ScriptRefs     `json:"scripts,omitempty"`
	UpgradeStrategy *string         `json:"upgradeStrategy,omitempty"`
	RebootNeeded    *bool           `json:"rebootNeeded,omitempty"`
	ConfigTaskID    *string         `json:"configTaskId,omitempty"`
	Prerequisites   []Prerequisite  `json:"prerequisites,omitempty"`
}

// VersionInput adds a version to a software. An installer without URL must have been uploaded
// to the blob store first (PUT /api/v1/blobs); its size and name come from there.
type VersionInput struct {
	Version      string     `json:"version"`
	Installer    *Installer `json:"installer,omitempty"`
	Scripts      ScriptRefs `json:"scripts"`
	RebootNeeded bool       `json:"rebootNeeded,omitempty"`
}

// TaskInput creates or, with pointers, changes a task. Parameters, when given, replace the list.
type TaskInput struct {
	TenantID    string      `json:"tenantId,omitempty"`
	Name        *string     `json:"name,omitempty"`
	Description *string     `json:"description,omitempty"`
	GetScript   *ScriptRef  `json:"getScriptId,omitempty"`
	SetScript   *ScriptRef  `json:"setScriptId,omitempty"`
	TestScript  *ScriptRef  `json:"testScriptId,omitempty"`
	Combined    *ScriptRef  `json:"combinedScriptId,omitempty"`
	Parameters  []Parameter `json:"parameters,omitempty"`
}

// Filter narrows a list of catalog items.
type Filter struct {
	// Query matches names containing it, case-insensitively.
	Query string
	// TenantID keeps only the items owned by that tenant.
	TenantID string
}

// trimmed returns *p trimmed, or "" for nil.
func trimmed(p *string) string {
	if p == nil {
		return ""
	}
	return strings.TrimSpace(*p)
}
