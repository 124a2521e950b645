package sdk

import (
	"net/http"
	"time"
)

// Description says what a connector is. The console draws a link's form from Fields.
type Description struct {
	// Name identifies the connector kind: short, lower case, stable across versions.
	Name string `json:"name"`
	// DisplayName is what the console shows, e.g. "SSH hosts".
	DisplayName string `json:"displayName,omitempty"`
	// Vendor is who wrote and supports the connector.
	Vendor string `json:"vendor,omitempty"`
	// Version is the connector's own semantic version, e.g. "1.4.0".
	Version string `json:"version"`
	// ProtocolVersions lists the protocol versions the connector speaks. Serve fills it in;
	// a connector leaves it empty.
	ProtocolVersions []int `json:"protocolVersions,omitempty"`
	// Capabilities are the optional capabilities the hub may use.
	Capabilities []Capability `json:"capabilities,omitempty"`
	// Fields are the configuration a link needs.
	Fields []ConfigField `json:"fields,omitempty"`
	// Implemented lists the capabilities the connector's code provides. Serve fills it in
	// from the interfaces the connector value implements; the hub uses Capabilities.
	Implemented []Capability `json:"implemented,omitempty"`
}

// Declares reports whether d lists capability c.
func (d Description) Declares(c Capability) bool {
	for _, have := range d.Capabilities {
		if have == c {
			return true
		}
	}
	return false
}

// FieldType says how the console edits a configuration value and how the SDK checks it.
// Every value travels as a string.
type FieldType string

// Field types.
const (
	// FieldString is one line of text.
	FieldString FieldType = "string"
	// FieldText is several lines of text, such as a certificate.
	FieldText FieldType = "text"
	// FieldInt is a whole number in decimal.
	FieldInt FieldType = "int"
	// FieldBool is "true" or "false".
	FieldBool FieldType = "bool"
	// FieldURL is an absolute URL.
	FieldURL FieldType = "url"
	// FieldPath is a file path on the machine that runs the connector.
	FieldPath FieldType = "path"
	// FieldDuration is a Go duration such as "30s" or "5m".
	FieldDuration FieldType = "duration"
)

// Known reports whether t is a field type this version of the SDK knows.
func (t FieldType) Known() bool {
	switch t {
	case FieldString, FieldText, FieldInt, FieldBool, FieldURL, FieldPath, FieldDuration:
		return true
	}
	return false
}

// ConfigField is one setting of a link.
type ConfigField struct {
	// Name is the key in Config: letters, digits and underscores, starting with a letter.
	Name string `json:"name"`
	// Label is the form's caption; the console falls back to Name.
	Label    string    `json:"label,omitempty"`
	Type     FieldType `json:"type"`
	Required bool      `json:"required,omitempty"`
	// Secret values (passwords, API keys, key files) are stored encrypted, never shown
	// again and left out of logs.
	Secret bool `json:"secret,omitempty"`
	// Help is one or two sentences for the administrator filling in the form.
	Help string `json:"help"`
	// Default is used when the value is absent. Secrets have none.
	Default string `json:"default,omitempty"`
}

// HealthStatus is a healthy connector's short report, e.g. "42 hosts, key loaded".
type HealthStatus struct {
	Message string `json:"message,omitempty"`
}

// Client is one of the external system's customers.
type Client struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Agent is one computer as the external system knows it. Empty strings mean unknown.
type Agent struct {
	// ID is the external system's id for the computer, unique within the link.
	ID           string `json:"id"`
	ClientID     string `json:"clientId,omitempty"`
	Name         string `json:"name"`
	Serial       string `json:"serial,omitempty"`
	Manufacturer string `json:"manufacturer,omitempty"`
	Model        string `json:"model,omitempty"`
	OS           string `json:"os,omitempty"`
	OSVersion    string `json:"osVersion,omitempty"`
	Online       bool   `json:"online"`
	// HardwareUUID is the SMBIOS system UUID, when the external system reports it.
	HardwareUUID string `json:"hardwareUuid,omitempty"`
	// LastSeen is when the external system last heard from the computer; zero if unknown.
	LastSeen time.Time `json:"lastSeen,omitempty"`
}

// ClientGroup is a named group of clients, such as a contract or a service tier.
type ClientGroup struct {
	ID      string              `json:"id"`
	Name    string              `json:"name"`
	Members []ClientGroupMember `json:"members,omitempty"`
}

// ClientGroupMember is one client's membership of a group, for the time it is valid. A zero
// ValidFrom or ValidTo leaves that end open.
type ClientGroupMember struct {
	ClientID  string    `json:"clientId"`
	ValidFrom time.Time `json:"validFrom,omitempty"`
	ValidTo   time.Time `json:"validTo,omitempty"`
}

// DeviceGroup is one of the external system's computer groups.
type DeviceGroup struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// ClientID is set when the group belongs to one client.
	ClientID string `json:"clientId,omitempty"`
	// AgentIDs are the members, as Agent.ID values.
	AgentIDs []string `json:"agentIds,omitempty"`
}

// Person is a user account in a directory.
type Person struct {
	// ID is the directory's object id.
	ID          string `json:"id"`
	ClientID    string `json:"clientId,omitempty"`
	UPN         string `json:"upn"`
	Email       string `json:"email,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	// Disabled accounts cannot sign in; the zero value is an enabled account.
	Disabled bool `json:"disabled,omitempty"`
}

// Group is a group in a directory.
type Group struct {
	// ID is the directory's object id.
	ID       string `json:"id"`
	ClientID string `json:"clientId,omitempty"`
	Name     string `json:"name"`
	Email    string `json:"email,omitempty"`
}

// RemoteSessionRequest asks for a remote-control session to one agent.
type RemoteSessionRequest struct {
	AgentID string `json:"agentId"`
	// Technician is the UPN of the person who will use the session, for the external
	// system's audit log.
	Technician string `json:"technician,omitempty"`
}

// RemoteSession is where a technician opens the session.
type RemoteSession struct {
	URL string `json:"url"`
	// ExpiresAt is when URL stops working; zero if the system does not say.
	ExpiresAt time.Time `json:"expiresAt,omitempty"`
}

// InstallToken lets a computer install the external system's agent into one client.
type InstallToken struct {
	Token string `json:"token"`
	// InstallerURL is where to download the installer, if the system has one per client.
	InstallerURL string    `json:"installerUrl,omitempty"`
	ExpiresAt    time.Time `json:"expiresAt,omitempty"`
}

// WebhookRequest is an HTTP request that reached the hub at this link's webhook address.
type WebhookRequest struct {
	Method string `json:"method"`
	// Path is the part after the link's webhook prefix, starting with "/".
	Path   string      `json:"path"`
	Query  string      `json:"query,omitempty"`
	Header http.Header `json:"header,omitempty"`
	Body   []byte      `json:"body,omitempty"`
}

// WebhookResponse is what the hub answers the sender.
type WebhookResponse struct {
	// Status is the HTTP status code; zero means 200.
	Status int         `json:"status"`
	Header http.Header `json:"header,omitempty"`
	Body   []byte      `json:"body,omitempty"`
}
