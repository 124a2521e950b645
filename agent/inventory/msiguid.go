package inventory

import (
	"errors"
	"fmt"
	"strings"
)

// errBadGUID reports a string that is not a GUID in the expected form.
var errBadGUID = errors.New("not a guid")

// packedGUIDGroups are the hex digit counts of the GUID's groups in order: Windows Installer
// reverses the digits of the first three whole and swaps the two digits of every byte of the
// last two ("compressed" or "packed" GUIDs, as under Installer\UpgradeCodes).
var packedGUIDGroups = []struct {
	digits  int
	reverse bool
}{{8, true}, {4, true}, {4, true}, {4, false}, {12, false}}

// unpackGUID turns a 32-digit packed GUID into the braced, upper-case form.
func unpackGUID(packed string) (string, error) {
	if len(packed) != 32 || !isHex(packed) {
		return "", fmt.Errorf("unpack %q: %w", packed, errBadGUID)
	}
	packed = strings.ToUpper(packed)

	groups := make([]string, 0, len(packedGUIDGroups))
	off := 0
	for _, g := range packedGUIDGroups {
		part := []byte(packed[off : off+g.digits])
		off += g.digits
		if g.reverse {
			reverse(part)
		} else {
			swapNibbles(part)
		}
		groups = append(groups, string(part))
	}
	return "{" + strings.Join(groups, "-") + "}", nil
}

// packGUID is the inverse of unpackGUID; braces are optional on input.
func packGUID(guid string) (string, error) {
	norm, ok := normalizeGUID(guid)
	if !ok {
		return "", fmt.Errorf("pack %q: %w", guid, errBadGUID)
	}
	parts := strings.Split(strings.Trim(norm, "{}"), "-")

	var b strings.Builder
	for i, g := range packedGUIDGroups {
		part := []byte(parts[i])
		if g.reverse {
			reverse(part)
		} else {
			swapNibbles(part)
		}
		b.Write(part)
	}
	return b.String(), nil
}

// normalizeGUID checks the 8-4-4-4-12 form, with or without braces, and returns it braced
// and upper case.
func normalizeGUID(s string) (string, bool) {
	inner := s
	if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
		inner = s[1 : len(s)-1]
	}
	parts := strings.Split(inner, "-")
	if len(parts) != len(packedGUIDGroups) {
		return "", false
	}
	for i, p := range parts {
		if len(p) != packedGUIDGroups[i].digits || !isHex(p) {
			return "", false
		}
	}
	return "{" + strings.ToUpper(inner) + "}", true
}

// productCodeFromKey returns the MSI product code an uninstall key is named after. Windows
// Installer names the key exactly "{GUID}"; other installers use names like "App_is1" or
// "{GUID}_is1", which are not product codes.
func productCodeFromKey(name string) string {
	if !strings.HasPrefix(name, "{") || !strings.HasSuffix(name, "}") {
		return ""
	}
	code, ok := normalizeGUID(name)
	if !ok {
		return ""
	}
	return code
}

// upgradeCodeIndex inverts the Installer\UpgradeCodes layout, where each subkey is a packed
// upgrade code and its value names are the packed product codes of that family, into a map
// from product code to upgrade code, both braced and upper case. Malformed names are skipped.
func upgradeCodeIndex(packed map[string][]string) map[string]string {
	index := map[string]string{}
	for upgradeKey, products := range packed {
		upgrade, err := unpackGUID(upgradeKey)
		if err != nil {
			continue
		}
		for _, p := range products {
			if product, err := unpackGUID(p); err == nil {
				index[product] = upgrade
			}
		}
	}
	return index
}

func swapNibbles(b []byte) {
	for i := 0; i+1 < len(b); i += 2 {
		b[i], b[i+1] = b[i+1], b[i]
	}
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return s != ""
}
