package inventory

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

// smbiosStruct builds one structure: header, the formatted bytes after it, the strings.
func smbiosStruct(typ byte, handle uint16, formatted []byte, strs ...string) []byte {
	var b bytes.Buffer
	b.WriteByte(typ)
	b.WriteByte(byte(4 + len(formatted)))
	_ = binary.Write(&b, binary.LittleEndian, handle)
	b.Write(formatted)
	for _, s := range strs {
		b.WriteString(s)
		b.WriteByte(0)
	}
	if len(strs) == 0 {
		b.WriteByte(0)
	}
	b.WriteByte(0)
	return b.Bytes()
}

// rawSMBIOS wraps structures in the RawSMBIOSData header GetSystemFirmwareTable returns.
func rawSMBIOS(major, minor byte, structs ...[]byte) []byte {
	data := bytes.Join(structs, nil)
	header := []byte{0, major, minor, 0, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(header[4:], uint32(len(data)))
	return append(header, data...)
}

// dellUUIDBytes is 4C4C4544-0042-3510-8048-B4C04F564433 as an SMBIOS 2.6+ table stores it.
var dellUUIDBytes = []byte{
	0x44, 0x45, 0x4c, 0x4c, 0x42, 0x00, 0x10, 0x35,
	0x80, 0x48, 0xb4, 0xc0, 0x4f, 0x56, 0x44, 0x33,
}

// systemStruct builds a type 1 structure of SMBIOS 2.4+ layout with the given UUID bytes.
func systemStruct(uuid []byte, serialIndex byte) []byte {
	f := []byte{1, 2, 0, serialIndex} // manufacturer, product, no version, serial
	f = append(f, uuid...)
	f = append(f, 6, 0, 0) // wake-up type, SKU, family
	return smbiosStruct(1, 0x0100, f, "Dell Inc.", "PowerEdge R640", "B5HVD43")
}

func TestSMBIOSSystemInfo(t *testing.T) {
	bios := smbiosStruct(0, 0x0000, []byte{1, 2, 0, 0}, "Dell Inc.", "2.19.1")
	chassis := smbiosStruct(3, 0x0300, []byte{1, 0x80 | 23, 0, 0, 0}, "Dell Inc.")
	end := smbiosStruct(127, 0xfeff, nil)

	tests := []struct {
		name string
		raw  []byte
		want smbiosSystem
	}{
		{
			name: "version 3.2 little-endian uuid",
			raw:  rawSMBIOS(3, 2, bios, systemStruct(dellUUIDBytes, 3), chassis, end),
			want: smbiosSystem{
				Manufacturer: "Dell Inc.", Product: "PowerEdge R640", Serial: "B5HVD43",
				UUID: "4C4C4544-0042-3510-8048-B4C04F564433", ChassisType: 23,
			},
		},
		{
			name: "version 2.4 uuid in network order",
			raw:  rawSMBIOS(2, 4, systemStruct(dellUUIDBytes, 3), end),
			want: smbiosSystem{
				Manufacturer: "Dell Inc.", Product: "PowerEdge R640", Serial: "B5HVD43",
				UUID: "44454C4C-4200-1035-8048-B4C04F564433",
			},
		},
		{
			name: "uuid not set and no serial string",
			raw:  rawSMBIOS(3, 0, systemStruct(bytes.Repeat([]byte{0xff}, 16), 0)),
			want: smbiosSystem{Manufacturer: "Dell Inc.", Product: "PowerEdge R640"},
		},
		{
			name: "uuid absent and serial index past the strings",
			raw:  rawSMBIOS(3, 0, systemStruct(make([]byte, 16), 9), chassis),
			want: smbiosSystem{
				Manufacturer: "Dell Inc.", Product: "PowerEdge R640", ChassisType: 23,
			},
		},
		{
			name: "version 2.0 structure without uuid",
			raw: rawSMBIOS(2, 0,
				smbiosStruct(1, 0x0100, []byte{1, 2, 0, 3}, "Acme", "Box", "SN1")),
			want: smbiosSystem{Manufacturer: "Acme", Product: "Box", Serial: "SN1"},
		},
		{
			name: "structures after end of table ignored",
			raw: rawSMBIOS(3, 0, end,
				smbiosStruct(1, 0x0100, []byte{1, 0, 0, 0}, "Late")),
			want: smbiosSystem{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table, err := parseRawSMBIOS(tt.raw)
			require.NoError(t, err)
			require.Equal(t, tt.want, table.systemInfo())
		})
	}
}

func TestSMBIOSStructureLayout(t *testing.T) {
	raw := rawSMBIOS(3, 4,
		smbiosStruct(0, 0x0000, []byte{1, 2, 0, 0}, "Vendor", "1.0"),
		smbiosStruct(32, 0x2000, make([]byte, 7)),
		smbiosStruct(127, 0xfeff, nil))

	table, err := parseRawSMBIOS(raw)
	require.NoError(t, err)

	require.Equal(t, uint8(3), table.Major)
	require.Equal(t, uint8(4), table.Minor)
	require.Len(t, table.Structures, 3)
	require.Equal(t, []string{"Vendor", "1.0"}, table.Structures[0].Strings)
	require.Equal(t, uint16(0x2000), table.Structures[1].Handle)
	require.Empty(t, table.Structures[1].Strings)
	require.Equal(t, uint8(127), table.Structures[2].Type)
}

func TestSMBIOSTruncated(t *testing.T) {
	good := systemStruct(dellUUIDBytes, 3)
	tests := []struct {
		name string
		raw  []byte
	}{
		{name: "short header", raw: []byte{0, 3, 0}},
		{name: "length beyond data", raw: rawSMBIOS(3, 0, good)[:20]},
		{name: "unterminated strings", raw: rawSMBIOS(3, 0, good[:len(good)-2])},
		{name: "formatted length too small", raw: rawSMBIOS(3, 0, []byte{1, 2, 0, 0, 0, 0})},
		{name: "stray bytes at the end", raw: rawSMBIOS(3, 0, good, []byte{1, 2})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseRawSMBIOS(tt.raw)
			require.ErrorIs(t, err, errSMBIOSTruncated)
		})
	}
}
