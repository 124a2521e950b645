package resolve

import "time"

// Computer holds the facts about one computer that deployments match on. The caller loads
// them; the engine does no I/O.
type Computer struct {
	ID string `json:"id"`
	// Name is the computer's display name, for callers that show the facts next to an
	// explanation; reasons speak of "the computer".
	Name     string `json:"name,omitempty"`
	TenantID string `json:"tenantId"`
	// TenantName and PrimaryPersonName are display names, used only in reasons.
	TenantName string `json:"tenantName,omitempty"`
	// Type is one sdk.ComputerType* value, or empty when unknown.
	Type       string   `json:"type,omitempty"`
	Tags       []string `json:"tags,omitempty"`
	TenantTags []string `json:"tenantTags,omitempty"`
	// PrimaryPersonID is the person the computer is attributed to by user affinity.
	PrimaryPersonID   string   `json:"primaryPersonId,omitempty"`
	PrimaryPersonName string   `json:"primaryPersonName,omitempty"`
	PrimaryPersonTags []string `json:"primaryPersonTags,omitempty"`
	// DirectoryGroups, DeviceGroups and ClientGroups are the ids of the link-provided groups
	// the computer belongs to now.
	DirectoryGroups []string `json:"directoryGroups,omitempty"`
	DeviceGroups    []string `json:"deviceGroups,omitempty"`
	ClientGroups    []string `json:"clientGroups,omitempty"`
	// ClientGroupValidity holds the agreement window of client group memberships where the
	// caller knows it, expired ones included. A group listed here is a membership whether or
	// not ClientGroups lists it, and its window decides over ClientGroups: that lets the
	// engine say an agreement expired instead of only "not a member".
	ClientGroupValidity map[string]Validity `json:"clientGroupValidity,omitempty"`
	// FilterScripts are the ids of the filter-script deployments whose script selected this
	// computer at its last run.
	FilterScripts []string `json:"filterScripts,omitempty"`
}

// Validity is a window of time: From is the first instant inside it, To the first instant
// after it. A zero bound leaves that side open.
type Validity struct {
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
}

// Tenant holds the facts about one tenant that deployments of cloud tasks match on.
type Tenant struct {
	ID string `json:"id"`
	// Name is a display name, used only in reasons.
	Name string   `json:"name,omitempty"`
	Tags []string `json:"tags,omitempty"`
	// ClientGroups are the client groups whose agreement covers the tenant now; the caller
	// filters by validity dates.
	ClientGroups []string `json:"clientGroups,omitempty"`
}
