package inventory

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// errSMBIOSTruncated reports a table that ends inside a structure.
var errSMBIOSTruncated = errors.New("smbios table truncated")

// SMBIOS structure types used here (DSP0134).
const (
	smbiosTypeSystem    = 1
	smbiosTypeChassis   = 3
	smbiosTypeEndOfData = 127
)

// smbiosTable is a parsed SMBIOS structure table and the version it follows.
type smbiosTable struct {
	Major, Minor uint8
	Structures   []smbiosStructure
}

// smbiosStructure is one structure: its formatted area, header included, and its strings.
type smbiosStructure struct {
	Type      uint8
	Handle    uint16
	Formatted []byte
	Strings   []string
}

// parseRawSMBIOS parses what GetSystemFirmwareTable('RSMB', 0) returns: the RawSMBIOSData
// header (calling method, major and minor version, DMI revision, table length as a
// little-endian uint32) followed by the structure table.
func parseRawSMBIOS(b []byte) (smbiosTable, error) {
	const headerLen = 8
	if len(b) < headerLen {
		return smbiosTable{}, fmt.Errorf("read smbios header: %w", errSMBIOSTruncated)
	}
	n := binary.LittleEndian.Uint32(b[4:8])
	if uint64(n) > uint64(len(b)-headerLen) {
		return smbiosTable{}, fmt.Errorf("read smbios header: length %d: %w",
			n, errSMBIOSTruncated)
	}

	structs, err := parseSMBIOSStructures(b[headerLen : headerLen+int(n)])
	if err != nil {
		return smbiosTable{}, err
	}
	return smbiosTable{Major: b[1], Minor: b[2], Structures: structs}, nil
}

// parseSMBIOSStructures walks a structure table up to the end-of-table structure or the end
// of the data. Each structure is a formatted area whose length is in its second byte,
// followed by NUL-terminated strings and one more NUL; a structure without strings ends in
// two NULs.
func parseSMBIOSStructures(data []byte) ([]smbiosStructure, error) {
	var structs []smbiosStructure
	for off := 0; off < len(data); {
		if len(data)-off < 4 {
			return structs, fmt.Errorf("read smbios structure at %d: %w", off, errSMBIOSTruncated)
		}
		length := int(data[off+1])
		if length < 4 || off+length > len(data) {
			return structs, fmt.Errorf("read smbios structure at %d: length %d: %w",
				off, length, errSMBIOSTruncated)
		}
		s := smbiosStructure{
			Type:      data[off],
			Handle:    binary.LittleEndian.Uint16(data[off+2:]),
			Formatted: data[off : off+length],
		}

		rest := data[off+length:]
		end := bytes.Index(rest, []byte{0, 0})
		if end < 0 {
			return structs, fmt.Errorf("read smbios strings at %d: %w", off, errSMBIOSTruncated)
		}
		if end > 0 {
			s.Strings = strings.Split(string(rest[:end]), "\x00")
		}
		structs = append(structs, s)
		if s.Type == smbiosTypeEndOfData {
			break
		}
		off += length + end + 2
	}
	return structs, nil
}

// str returns the string whose 1-based number is at offset of the formatted area; 0 or an
// offset beyond the area (an older SMBIOS version) gives "".
func (s smbiosStructure) str(offset int) string {
	if offset >= len(s.Formatted) {
		return ""
	}
	i := int(s.Formatted[offset])
	if i == 0 || i > len(s.Strings) {
		return ""
	}
	return strings.TrimSpace(s.Strings[i-1])
}

// smbiosSystem holds the values taken from the System Information and Chassis structures.
type smbiosSystem struct {
	Manufacturer string
	Product      string
	Serial       string
	UUID         string
	// ChassisType is the chassis type code, 0 when there is no chassis structure.
	ChassisType int
}

// systemInfo extracts the system (type 1: manufacturer 04h, product 05h, serial 07h, UUID
// 08h) and first chassis (type 3: type 05h) values.
func (t smbiosTable) systemInfo() smbiosSystem {
	var sys smbiosSystem
	haveSystem, haveChassis := false, false
	for _, s := range t.Structures {
		switch {
		case s.Type == smbiosTypeSystem && !haveSystem:
			haveSystem = true
			sys.Manufacturer = s.str(0x04)
			sys.Product = s.str(0x05)
			sys.Serial = s.str(0x07)
			if len(s.Formatted) >= 0x18 {
				sys.UUID = smbiosUUID(s.Formatted[0x08:0x18], t.Major, t.Minor)
			}
		case s.Type == smbiosTypeChassis && !haveChassis && len(s.Formatted) > 0x05:
			haveChassis = true
			sys.ChassisType = int(s.Formatted[0x05] & 0x7f)
		}
	}
	return sys
}

// smbiosUUID formats the 16 UUID bytes of a type 1 structure. From SMBIOS 2.6 on, the first
// three fields are little-endian (DSP0134 section 7.2.1); earlier tables gave no rule, and,
// as the Linux kernel does, they are read in network order. All zeros means "not present"
// and all FF "not set", both given as "".
func smbiosUUID(b []byte, major, minor uint8) string {
	if len(b) != 16 || allBytes(b, 0x00) || allBytes(b, 0xff) {
		return ""
	}
	u := make([]byte, 16)
	copy(u, b)
	if major > 2 || (major == 2 && minor >= 6) {
		reverse(u[0:4])
		reverse(u[4:6])
		reverse(u[6:8])
	}
	return fmt.Sprintf("%X-%X-%X-%X-%X", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

func allBytes(b []byte, v byte) bool {
	for _, x := range b {
		if x != v {
			return false
		}
	}
	return true
}

func reverse(b []byte) {
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
}
