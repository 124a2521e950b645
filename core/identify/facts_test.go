package identify

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNormalizeUUID(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
		ok   bool
	}{
		{"dell upper case", "4C4C4544-0037-5810-804B-B7C04F4A3533",
			"4C4C4544-0037-5810-804B-B7C04F4A3533", true},
		{"lower case", "6b1c8a4c-2f3e-11b2-a85c-9a2d1f6e4b10",
			"6B1C8A4C-2F3E-11B2-A85C-9A2D1F6E4B10", true},
		{"braces and spaces", "  {7e0a3c9b-55d2-4f4b-9c61-3b8e2a1d0f47}\n",
			"7E0A3C9B-55D2-4F4B-9C61-3B8E2A1D0F47", true},
		{"no dashes", "564D8E1C7A2B3C4D9E8F0A1B2C3D4E5F",
			"564D8E1C-7A2B-3C4D-9E8F-0A1B2C3D4E5F", true},
		{"empty", "", "", false},
		{"too short", "4C4C4544-0037-5810-804B-B7C04F4A35", "", false},
		{"not hex", "4C4C4544-0037-5810-804B-B7C04F4A35ZZ", "", false},
		{"text", "Not Settable", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := NormalizeUUID(tt.in)
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestSwapUUID(t *testing.T) {
	require.Equal(t, "1C8E4D56-2B7A-4D3C-9E8F-0A1B2C3D4E5F",
		SwapUUID("564D8E1C-7A2B-3C4D-9E8F-0A1B2C3D4E5F"))
	require.Equal(t, "564D8E1C-7A2B-3C4D-9E8F-0A1B2C3D4E5F",
		SwapUUID(SwapUUID("564D8E1C-7A2B-3C4D-9E8F-0A1B2C3D4E5F")))
}

func TestUUIDKey(t *testing.T) {
	tests := []struct {
		name  string
		forms []string
		want  string
	}{
		{"vmware in both byte orders", []string{
			"564D8E1C-7A2B-3C4D-9E8F-0A1B2C3D4E5F",
			"{1c8e4d56-2b7a-4d3c-9e8f-0a1b2c3d4e5f}",
			"1C8E4D562B7A4D3C9E8F0A1B2C3D4E5F",
		}, "1C8E4D56-2B7A-4D3C-9E8F-0A1B2C3D4E5F"},
		{"dell in both byte orders", []string{
			"4C4C4544-0037-5810-804B-B7C04F4A3533",
			"44454C4C-3700-1058-804B-B7C04F4A3533",
		}, "44454C4C-3700-1058-804B-B7C04F4A3533"},
		{"hyper-v", []string{
			"7E0A3C9B-55D2-4F4B-9C61-3B8E2A1D0F47",
			"9b3c0a7e-d255-4b4f-9c61-3b8e2a1d0f47",
		}, "7E0A3C9B-55D2-4F4B-9C61-3B8E2A1D0F47"},
		{"not a uuid", []string{"", "N/A"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, f := range tt.forms {
				require.Equal(t, tt.want, UUIDKey(f), f)
				require.Equal(t, tt.want, UUIDKey(UUIDKey(f)), "key of key of %s", f)
			}
		})
	}
}

func TestNormalizeSerial(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"dell service tag", " 7xk2j53 ", "7XK2J53"},
		{"vmware", "VMware-56 4d 8e 1c 7a 2b 3c 4d-9e 8f 0a 1b 2c 3d 4e 5f",
			"VMWARE-56 4D 8E 1C 7A 2B 3C 4D-9E 8F 0A 1B 2C 3D 4E 5F"},
		{"vmware padded", "VMware-56  4d 8e\t1c 7a 2b 3c 4d-9e 8f 0a 1b 2c 3d 4e 5f ",
			"VMWARE-56 4D 8E 1C 7A 2B 3C 4D-9E 8F 0A 1B 2C 3D 4E 5F"},
		{"hyper-v", "0000-0017-4594-9396-2378-7536-29", "0000-0017-4594-9396-2378-7536-29"},
		{"empty", "   ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, NormalizeSerial(tt.in))
		})
	}
}

func TestCompareManufacturers(t *testing.T) {
	tests := []struct {
		a, b string
		want agreement
	}{
		{"Dell Inc.", "Dell", agree},
		{"DELL INC", "dell inc.", agree},
		{"HP", "Hewlett-Packard", agree},
		{"HPE", "HP", agree},
		{"ASUSTeK COMPUTER INC.", "ASUS", agree},
		{"Gigabyte Technology Co., Ltd.", "GIGABYTE", agree},
		{"Micro-Star International Co., Ltd.", "MSI", agree},
		{"VMware, Inc.", "VMware", agree},
		{"LENOVO", "Lenovo", agree},
		{"Microsoft Corporation", "Microsoft Corp.", agree},
		{"Dell Inc.", "HP", disagree},
		{"VMware, Inc.", "Microsoft Corporation", disagree},
		{"LENOVO", "", unknown},
		{"To be filled by O.E.M.", "Dell Inc.", unknown},
		{"System manufacturer", "ASUS", unknown},
	}
	for _, tt := range tests {
		t.Run(tt.a+" vs "+tt.b, func(t *testing.T) {
			require.Equal(t, tt.want, compareManufacturers(tt.a, tt.b))
			require.Equal(t, tt.want, compareManufacturers(tt.b, tt.a))
		})
	}
}

func TestCompareModels(t *testing.T) {
	tests := []struct {
		name           string
		a, b           string
		manufacturerAB [2]string
		want           agreement
	}{
		{"same", "OptiPlex 7090", "OPTIPLEX 7090", [2]string{"Dell Inc.", "Dell"}, agree},
		{"shortened by an rmm", "HP EliteBook 840 G8 Notebook PC", "EliteBook 840 G8",
			[2]string{"HP", "HP"}, agree},
		{"different generation", "HP EliteBook 840 G8 Notebook PC", "HP EliteBook 840 G7",
			[2]string{"HP", "HP"}, disagree},
		{"different line", "Latitude 5520", "OptiPlex 7090", [2]string{"Dell", "Dell"},
			disagree},
		{"lenovo code vs marketing name", "20XW0026GE", "ThinkPad X1 Carbon Gen 9",
			[2]string{"LENOVO", "Lenovo"}, unknown},
		{"lenovo codes of one machine type", "20XW0026GE", "20XW0027GE",
			[2]string{"LENOVO", "LENOVO"}, agree},
		{"lenovo codes of two machine types", "20XW0026GE", "10MQS0KD00",
			[2]string{"LENOVO", "LENOVO"}, disagree},
		{"placeholder", "System Product Name", "PRIME B450M-A", [2]string{"ASUS", "ASUS"},
			unknown},
		{"one missing", "Virtual Machine", "", [2]string{"Microsoft Corporation", ""}, unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.manufacturerAB
			require.Equal(t, tt.want, compareModels(tt.a, tt.b, m[0], m[1]))
			require.Equal(t, tt.want, compareModels(tt.b, tt.a, m[1], m[0]))
		})
	}
}
