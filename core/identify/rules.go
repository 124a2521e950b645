package identify

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/stewardhq/steward/sdk"
)

// placeholderUUIDKeys are UUID keys of firmware defaults shipped on many unrelated boards:
// reference BIOS images that count up byte by byte, and a value common on embedded boards.
// Keys cover both byte orders.
var placeholderUUIDKeys = map[string]bool{
	UUIDKey("03000200-0400-0500-0006-000700080009"): true,
	UUIDKey("03020100-0504-0706-0809-0a0b0c0d0e0f"): true,
	UUIDKey("10000000-0000-8000-0040-000000000000"): true,
}

// IsPlaceholderUUID reports whether s says nothing about which machine reported it: not a
// UUID at all, one hex digit repeated (all zero, all F), the FEFEFEFE-prefixed value some
// firmware reports when the field was never programmed, or a known firmware default.
func IsPlaceholderUUID(s string) bool {
	u, ok := NormalizeUUID(s)
	if !ok {
		return true
	}

	digits := strings.ReplaceAll(u, "-", "")
	if strings.Count(digits, digits[:1]) == len(digits) {
		return true
	}
	return strings.HasPrefix(u, "FEFEFEFE-") || placeholderUUIDKeys[UUIDKey(u)]
}

// placeholderSerials are serial numbers that firmware and virtual machines report when nobody
// programmed one, compared as lower-case letters and digits only (see serialCore).
var placeholderSerials = map[string]bool{
	"":                      true,
	"defaultstring":         true,
	"default":               true,
	"systemserialnumber":    true,
	"chassisserialnumber":   true,
	"baseboardserialnumber": true,
	"serialnumber":          true,
	"tobefilledbyoem":       true,
	"oem":                   true,
	"none":                  true,
	"notspecified":          true,
	"na":                    true,
	"notavailable":          true,
	"notapplicable":         true,
	"unknown":               true,
	"invalid":               true,
	"123456789":             true,
	"0123456789":            true,
	"1234567890":            true,
}

// serialCore keeps only the letters and digits of a serial, lower-cased, so "N/A", "n.a." and
// "To be filled by O.E.M." compare with their listed forms.
func serialCore(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

// IsPlaceholderSerial reports whether s says nothing about which machine reported it: empty, a
// known firmware default ("Default string", "To be filled by O.E.M.", "0", ...), or one
// character repeated ("xxxxxxxxxx", "0000000000").
func IsPlaceholderSerial(s string) bool {
	core := serialCore(s)
	if placeholderSerials[core] {
		return true
	}
	return strings.Count(core, core[:1]) == len(core)
}

// ValueKind names which fact a distrusted value belongs to.
type ValueKind string

// Kinds of distrusted values.
const (
	KindUUID   ValueKind = "uuid"
	KindSerial ValueKind = "serial"
)

// DistrustedValue is a UUID or serial that was seen on machines that are clearly different, so it
// can no longer tell machines apart. The caller persists these and passes them back in a
// DistrustSet.
type DistrustedValue struct {
	Kind ValueKind
	// Value is the UUID key (UUIDKey) or the normalised serial (NormalizeSerial).
	Value string
	// Reason says, for a technician, which machines shared the value.
	Reason string
}

// describe names the value for reasons.
func (v DistrustedValue) describe() string {
	if v.Kind == KindUUID {
		return "UUID " + v.Value
	}
	return fmt.Sprintf("serial %q", v.Value)
}

// DistrustSet holds values learned to be untrustworthy at run time. The zero value is an empty
// set. Values are normalised on the way in, so raw values may be passed.
type DistrustSet struct {
	uuids   map[string]bool
	serials map[string]bool
}

// NewDistrustSet returns a set holding values.
func NewDistrustSet(values ...DistrustedValue) DistrustSet {
	return DistrustSet{}.With(values...)
}

// With returns a copy of s that also holds values; s itself is left unchanged.
func (s DistrustSet) With(values ...DistrustedValue) DistrustSet {
	out := DistrustSet{uuids: map[string]bool{}, serials: map[string]bool{}}
	for k := range s.uuids {
		out.uuids[k] = true
	}
	for k := range s.serials {
		out.serials[k] = true
	}

	for _, v := range values {
		switch v.Kind {
		case KindUUID:
			if key := UUIDKey(v.Value); key != "" {
				out.uuids[key] = true
			}
		case KindSerial:
			out.serials[NormalizeSerial(v.Value)] = true
		}
	}
	return out
}

// Has reports whether the set holds v's value (v.Reason is ignored).
func (s DistrustSet) Has(v DistrustedValue) bool {
	switch v.Kind {
	case KindUUID:
		return s.uuids[UUIDKey(v.Value)]
	case KindSerial:
		return s.serials[NormalizeSerial(v.Value)]
	}
	return false
}

// Len returns how many values the set holds.
func (s DistrustSet) Len() int {
	return len(s.uuids) + len(s.serials)
}

// TrustedUUID reports whether s can identify a machine: a UUID that is neither a placeholder
// nor learned to be shared.
func TrustedUUID(s string, distrusted DistrustSet) bool {
	return !IsPlaceholderUUID(s) && !distrusted.Has(DistrustedValue{Kind: KindUUID, Value: s})
}

// TrustedSerial reports whether s can identify a machine: neither a placeholder nor learned to
// be shared.
func TrustedSerial(s string, distrusted DistrustSet) bool {
	return !IsPlaceholderSerial(s) &&
		!distrusted.Has(DistrustedValue{Kind: KindSerial, Value: s})
}

// agreement is how two facts relate; unknown when either side is missing or untrusted.
type agreement int

const (
	unknown agreement = iota
	agree
	disagree
)

// compareManufacturers agrees when the names match after dropping legal forms and folding
// aliases, or when one name continues the other ("Gigabyte" and "Gigabyte Technology Co.").
func compareManufacturers(a, b string) agreement {
	ta, tb := normalizeManufacturer(a), normalizeManufacturer(b)
	if len(ta) == 0 || len(tb) == 0 {
		return unknown
	}
	if hasPrefixTokens(ta, tb) || hasPrefixTokens(tb, ta) {
		return agree
	}
	return disagree
}

// compareModels agrees when one model name contains the other as whole words, because RMMs
// often shorten the firmware's name ("EliteBook 840 G8" for "HP EliteBook 840 G8 Notebook PC").
func compareModels(a, b, manufacturerA, manufacturerB string) agreement {
	ta, tb := normalizeModel(a), normalizeModel(b)
	if len(ta) == 0 || len(tb) == 0 {
		return unknown
	}

	// Lenovo firmware puts the machine type and model code ("20XW0026GE") in the product
	// name and the marketing name ("ThinkPad X1 Carbon Gen 9") in the version field; tools
	// pick either. The two forms cannot be compared, and two codes name the same model
	// when their four-character machine type matches.
	if isLenovo(manufacturerA) || isLenovo(manufacturerB) {
		codeA, codeB := lenovoMachineType(ta), lenovoMachineType(tb)
		switch {
		case codeA != "" && codeB != "":
			if codeA == codeB {
				return agree
			}
			return disagree
		case codeA != "" || codeB != "":
			return unknown
		}
	}

	if containsTokens(ta, tb) || containsTokens(tb, ta) {
		return agree
	}
	return disagree
}

func isLenovo(manufacturer string) bool {
	return slices.Equal(normalizeManufacturer(manufacturer), []string{"lenovo"})
}

// lenovoMachineType returns the four-character machine type of a Lenovo model code such as
// "20XW0026GE" or "10MQS0KD00", or "" when the model is a marketing name.
func lenovoMachineType(tokens []string) string {
	if len(tokens) != 1 || len(tokens[0]) != 10 {
		return ""
	}
	code := tokens[0]
	if code[0] < '0' || code[0] > '9' || !strings.ContainsFunc(code, unicode.IsLetter) {
		return ""
	}
	return code[:4]
}

// compareSerials compares two serials that are both trusted; unknown otherwise.
func compareSerials(a, b string, distrusted DistrustSet) agreement {
	if !TrustedSerial(a, distrusted) || !TrustedSerial(b, distrusted) {
		return unknown
	}
	if NormalizeSerial(a) == NormalizeSerial(b) {
		return agree
	}
	return disagree
}

// compareOSInstalls compares OS installation ids, which tools print in varying case and, for
// the Windows MachineGuid, sometimes in braces.
func compareOSInstalls(a, b string) agreement {
	na, nb := normalizeOSInstall(a), normalizeOSInstall(b)
	if na == "" || nb == "" {
		return unknown
	}
	if na == nb {
		return agree
	}
	return disagree
}

func normalizeOSInstall(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	return strings.ToLower(strings.TrimSpace(s))
}

// hasPrefixTokens reports whether long starts with all of short.
func hasPrefixTokens(long, short []string) bool {
	return len(short) <= len(long) && slices.Equal(long[:len(short)], short)
}

// containsTokens reports whether long holds short as a run of whole tokens.
func containsTokens(long, short []string) bool {
	for i := 0; i+len(short) <= len(long); i++ {
		if slices.Equal(long[i:i+len(short)], short) {
			return true
		}
	}
	return false
}

// Difference is the verdict on two fact sets that share a UUID or serial.
type Difference struct {
	// Different is true when the facts belong to clearly different machines: different
	// manufacturers, different models, or different serials that are both trusted. Different
	// OS installation ids alone are not enough, because a cloned machine has those too.
	Different bool
	// Evidence lists the facts that differ, for people to read.
	Evidence []string
	// Distrust lists the shared values that were trusted so far and must not be from now on.
	// It is empty unless Different is set.
	Distrust []DistrustedValue
}

// Compare decides whether two fact sets that share a value describe clearly different
// machines, and if so which shared values can no longer be trusted.
func Compare(a, b sdk.IdentityFacts, distrusted DistrustSet) Difference {
	return compareProfiles(profileOf(a), profileOf(b), distrusted)
}

// profile is the part of a computer's facts that identification compares; it lets incoming
// facts and stored candidates go through the same rules.
type profile struct {
	uuid         string // normalised, or "" when not a UUID
	serial       string // as reported
	manufacturer string
	model        string
	osInstallID  string
	hostname     string
}

func profileOf(f sdk.IdentityFacts) profile {
	u, _ := NormalizeUUID(f.SMBIOSUUID)
	return profile{
		uuid:         u,
		serial:       strings.TrimSpace(f.Serial),
		manufacturer: strings.TrimSpace(f.Manufacturer),
		model:        strings.TrimSpace(f.Model),
		osInstallID:  strings.TrimSpace(f.OSInstallID),
		hostname:     strings.TrimSpace(f.Hostname),
	}
}

// show names one of p's values for reasons, in the form p reported rather than as a key.
func (p profile) show(v DistrustedValue) string {
	switch {
	case v.Kind == KindUUID && p.uuid != "" && UUIDKey(p.uuid) == v.Value:
		return "UUID " + p.uuid
	case v.Kind == KindSerial && NormalizeSerial(p.serial) == v.Value:
		return fmt.Sprintf("serial %q", p.serial)
	}
	return v.describe()
}

func compareProfiles(a, b profile, distrusted DistrustSet) Difference {
	var d Difference
	if compareManufacturers(a.manufacturer, b.manufacturer) == disagree {
		d.Evidence = append(d.Evidence,
			fmt.Sprintf("manufacturer %q vs %q", a.manufacturer, b.manufacturer))
	}
	if compareModels(a.model, b.model, a.manufacturer, b.manufacturer) == disagree {
		d.Evidence = append(d.Evidence, fmt.Sprintf("model %q vs %q", a.model, b.model))
	}
	if compareSerials(a.serial, b.serial, distrusted) == disagree {
		d.Evidence = append(d.Evidence, fmt.Sprintf("serial %q vs %q", a.serial, b.serial))
	}
	if len(d.Evidence) == 0 {
		return d
	}
	d.Different = true

	if a.uuid != "" && UUIDKey(a.uuid) == UUIDKey(b.uuid) && TrustedUUID(a.uuid, distrusted) {
		d.Distrust = append(d.Distrust, DistrustedValue{Kind: KindUUID, Value: UUIDKey(a.uuid)})
	}
	if compareSerials(a.serial, b.serial, distrusted) == agree {
		d.Distrust = append(d.Distrust,
			DistrustedValue{Kind: KindSerial, Value: NormalizeSerial(a.serial)})
	}
	for i, v := range d.Distrust {
		d.Distrust[i].Reason = a.show(v) + " is reported by two different machines (" +
			strings.Join(d.Evidence, ", ") + ")"
	}
	return d
}
