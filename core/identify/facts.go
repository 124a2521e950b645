// Package identify decides whether a computer record reported by a pathway (Steward's own agent,
// or a computer record in an RMM reached through a link) is a computer the hub already knows.
//
// The package holds only pure rules: normalising identity facts, telling trustworthy values from
// firmware placeholders, matching incoming facts against candidate computers, and tracking which
// user a computer belongs to. Loading candidates and saving decisions is left to the caller,
// which also persists the values this package learns to distrust.
//
// A wrong answer is costly both ways: merging two strangers mixes their software and settings,
// and splitting one machine makes technicians onboard it twice. Where the facts are ambiguous the
// rules prefer a new computer or a question to a technician over a silent merge.
package identify

import (
	"encoding/hex"
	"strings"
	"unicode"
)

// NormalizeUUID returns an SMBIOS UUID in upper case, dashed 8-4-4-4-12 form, without the
// braces or spaces some tools add, and reports whether s held a UUID at all. Dashes are optional
// on input because some inventory exports print the 32 hex digits bare.
func NormalizeUUID(s string) (string, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "{")
	s = strings.TrimSuffix(s, "}")
	s = strings.ReplaceAll(strings.TrimSpace(s), "-", "")
	if len(s) != 32 {
		return "", false
	}
	if _, err := hex.DecodeString(s); err != nil {
		return "", false
	}

	s = strings.ToUpper(s)
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32], true
}

// SwapUUID returns the other byte order of a normalised UUID: the first three fields
// (time_low, time_mid, time_hi_and_version) with their bytes reversed.
//
// SMBIOS 2.6 and later store those fields little-endian, and readers written for older
// specifications print them as if they were big-endian, so one machine shows up in both forms
// depending on the tool (see DMTF DSP0134, section 7.2.1). The last two fields are plain byte
// strings and never change.
func SwapUUID(u string) string {
	if len(u) != 36 {
		return u
	}
	return reversePairs(u[0:8]) + "-" + reversePairs(u[9:13]) + "-" + reversePairs(u[14:18]) +
		u[18:]
}

// reversePairs reverses the order of the two-digit bytes in a hex string.
func reversePairs(h string) string {
	var b strings.Builder
	for i := len(h) - 2; i >= 0; i -= 2 {
		b.WriteString(h[i : i+2])
	}
	return b.String()
}

// UUIDKey returns the canonical key of an SMBIOS UUID, or "" when s is not a UUID.
//
// The key is the lexicographically smaller of the normalised UUID and its byte-swapped form
// (SwapUUID), so a machine gets the same key whichever byte order a tool printed. The key is
// itself a valid normalised UUID string; it is not necessarily the form the firmware reports,
// so show the normalised value to people and compare keys. UUIDKey(UUIDKey(s)) == UUIDKey(s).
func UUIDKey(s string) string {
	u, ok := NormalizeUUID(s)
	if !ok {
		return ""
	}
	return min(u, SwapUUID(u))
}

// NormalizeSerial returns a serial number in the form used for comparison: trimmed, inner runs
// of white space collapsed to one space, upper case. Vendors and tools disagree on case and
// padding (VMware prints "VMware-56 4d 8e ..." with single spaces, some exports double them).
func NormalizeSerial(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), " "))
}

// textTokens lower-cases s and splits it into runs of letters and digits, so "Dell Inc." and
// "DELL, INC" give the same tokens.
func textTokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// placeholderTexts are firmware defaults seen in manufacturer and model fields of boards whose
// builder never filled them in; they say nothing about the machine.
var placeholderTexts = map[string]bool{
	"":                        true,
	"to be filled by o e m":   true,
	"system manufacturer":     true,
	"system product name":     true,
	"default string":          true,
	"not specified":           true,
	"not applicable":          true,
	"not available":           true,
	"none":                    true,
	"n a":                     true,
	"unknown":                 true,
	"oem":                     true,
	"o e m":                   true,
	"type1productconfigid":    true,
	"system version":          true,
	"invalid":                 true,
	"to be filled by oem":     true,
	"default":                 true,
	"product name":            true,
	"manufacturer":            true,
	"motherboard":             true,
	"base board manufacturer": true,
}

// companySuffixes are legal-form words dropped from manufacturer names, because firmware says
// "Dell Inc." while an RMM may say "Dell".
var companySuffixes = map[string]bool{
	"inc": true, "corp": true, "corporation": true, "co": true, "ltd": true, "limited": true,
	"llc": true, "gmbh": true, "ag": true, "sa": true, "bv": true, "company": true,
	"computer": true, "computers": true, "technology": true, "international": true,
}

// manufacturerAliases maps the names some tools use to the short name others use. HP and HPE
// fold together because server firmware switched from one to the other in updates.
var manufacturerAliases = map[string]string{
	"hewlett packard":            "hp",
	"hewlett packard enterprise": "hp",
	"hpe":                        "hp",
	"asustek":                    "asus",
	"micro star":                 "msi",
	"lenovo group":               "lenovo",
	"fujitsu siemens":            "fujitsu",
}

// normalizeManufacturer returns the comparable tokens of a manufacturer name, or nil when the
// name is unknown or a placeholder.
func normalizeManufacturer(s string) []string {
	tokens := textTokens(s)
	if placeholderTexts[strings.Join(tokens, " ")] {
		return nil
	}

	var kept []string
	for _, t := range tokens {
		if !companySuffixes[t] {
			kept = append(kept, t)
		}
	}
	if alias, ok := manufacturerAliases[strings.Join(kept, " ")]; ok {
		return strings.Fields(alias)
	}
	return kept
}

// normalizeModel returns the comparable tokens of a model name, or nil when it is unknown or a
// placeholder.
func normalizeModel(s string) []string {
	tokens := textTokens(s)
	if placeholderTexts[strings.Join(tokens, " ")] {
		return nil
	}
	return tokens
}
