package sdk

import "time"

// IdentityFacts are what a pathway knows about the hardware and operating system of the
// computer behind it. The hub uses them to decide whether two pathways reach the same computer.
// Empty strings mean "unknown"; the hub normalises case, braces and byte order itself.
type IdentityFacts struct {
	// SMBIOSUUID is the system UUID from the firmware (SMBIOS type 1).
	SMBIOSUUID string `json:"smbiosUuid,omitempty"`
	// Serial is the system serial number from the firmware.
	Serial string `json:"serial,omitempty"`
	// Manufacturer and Model come from the firmware as well.
	Manufacturer string `json:"manufacturer,omitempty"`
	Model        string `json:"model,omitempty"`
	// Hostname is the computer's network name, without the domain.
	Hostname string `json:"hostname,omitempty"`
	// OSName and OSVersion name the operating system, e.g. "Debian GNU/Linux" and "12".
	OSName    string `json:"osName,omitempty"`
	OSVersion string `json:"osVersion,omitempty"`
	// OSInstallID identifies one installation of the operating system: the Windows
	// MachineGuid, /etc/machine-id on Linux, the platform UUID on macOS.
	OSInstallID string `json:"osInstallId,omitempty"`
	// OSInstallDate is when the operating system was installed, if known.
	OSInstallDate *time.Time `json:"osInstallDate,omitempty"`
}

// Computer types, from least to most specific in resolution.
const (
	ComputerTypeWorkstation             = "workstation"
	ComputerTypePortable                = "portable"
	ComputerTypeServer                  = "server"
	ComputerTypeDomainController        = "domain_controller"
	ComputerTypePrimaryDomainController = "primary_domain_controller"
)

// Program is one entry of a computer's installed software.
type Program struct {
	Name      string `json:"name"`
	Version   string `json:"version,omitempty"`
	Publisher string `json:"publisher,omitempty"`
	// ProductCode and UpgradeCode are the MSI codes on Windows, in braces, upper case.
	ProductCode string `json:"productCode,omitempty"`
	UpgradeCode string `json:"upgradeCode,omitempty"`
	// Source says where the entry was read: "dpkg", "rpm", "registry-machine",
	// "registry-user", "macos-app", "macos-pkg".
	Source string `json:"source,omitempty"`
}

// Inventory is what a pathway reports about one computer at a moment.
type Inventory struct {
	Facts IdentityFacts `json:"facts"`
	// ComputerType is one of the ComputerType constants, or empty when unknown.
	ComputerType string `json:"computerType,omitempty"`
	// Users are the people signed in now, as UPNs where the platform has them
	// (user@domain), otherwise as local account names.
	Users    []string  `json:"users,omitempty"`
	Programs []Program `json:"programs,omitempty"`
}

// Script languages.
const (
	LanguagePowerShell = "powershell"
	LanguageCmd        = "cmd"
	LanguageSh         = "sh"
	LanguageBash       = "bash"
)

// Script contexts that run on a computer. Metascript and cloud contexts run in the hub.
const (
	ContextSystem = "system"
	ContextUser   = "user"
)

// ScriptRequest asks a pathway to run one script on one computer.
type ScriptRequest struct {
	// ID identifies this run; a pathway must never run the same ID twice.
	ID       string `json:"id"`
	Language string `json:"language"`
	Context  string `json:"context"`
	Body     string `json:"body"`
	// Params become variables of the same name in every language: PowerShell variables,
	// environment variables for sh, bash and cmd.
	Params  map[string]string `json:"params,omitempty"`
	Timeout time.Duration     `json:"timeout"`
	// Files are downloaded before the script starts and checked against their SHA-256; a
	// file that does not match fails the run before anything executes.
	Files []FileRef `json:"files,omitempty"`
}

// FileRef is a file a script needs, such as an installer.
type FileRef struct {
	// URL is where to download it; for the hub's own files it is short-lived and signed.
	URL string `json:"url"`
	// SHA256 is the file's expected hash, lower-case hex.
	SHA256 string `json:"sha256"`
	// Name is the file name to save it under.
	Name string `json:"name"`
	Size int64  `json:"size,omitempty"`
	// Param is the variable that receives the downloaded file's local path.
	Param string `json:"param"`
}

// Output streams.
const (
	StreamStdout = "stdout"
	StreamStderr = "stderr"
)

// OutputLine is one line a script printed, decoded to UTF-8, without its line ending.
type OutputLine struct {
	Seq    int64     `json:"seq"`
	Stream string    `json:"stream"`
	Text   string    `json:"text"`
	Time   time.Time `json:"time"`
}

// ScriptResult is how a script ended.
type ScriptResult struct {
	ExitCode int  `json:"exitCode"`
	TimedOut bool `json:"timedOut,omitempty"`
	// Error says why the script could not run or finish (no signed-in user, interpreter
	// missing); empty when it ran to an exit code.
	Error string `json:"error,omitempty"`
	// DroppedBytes counts output left out between the kept head and tail.
	DroppedBytes int64     `json:"droppedBytes,omitempty"`
	StartedAt    time.Time `json:"startedAt"`
	FinishedAt   time.Time `json:"finishedAt"`
}
