package identify

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/sdk"
)

func TestIsPlaceholderUUID(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"all zero", "00000000-0000-0000-0000-000000000000", true},
		{"all F lower case", "ffffffff-ffff-ffff-ffff-ffffffffffff", true},
		{"one repeated digit", "{11111111-1111-1111-1111-111111111111}", true},
		{"never programmed", "FEFEFEFE-FEFE-FEFE-FEFE-FEFEFEFEFEFE", true},
		{"never programmed tail", "FEFEFEFE-0000-0000-0000-A1B2C3D4E5F6", true},
		{"reference bios", "03000200-0400-0500-0006-000700080009", true},
		{"reference bios swapped", "00020003-0004-0005-0006-000700080009", true},
		{"counting bytes", "03020100-0504-0706-0809-0a0b0c0d0e0f", true},
		{"counting bytes swapped", "00010203-0405-0607-0809-0A0B0C0D0E0F", true},
		{"embedded default", "10000000-0000-8000-0040-000000000000", true},
		{"embedded default swapped", "00000010-0000-0080-0040-000000000000", true},
		{"empty", "", true},
		{"not a uuid", "Not Settable", true},
		{"dell", "4C4C4544-0037-5810-804B-B7C04F4A3533", false},
		{"vmware", "564D8E1C-7A2B-3C4D-9E8F-0A1B2C3D4E5F", false},
		{"hyper-v", "7E0A3C9B-55D2-4F4B-9C61-3B8E2A1D0F47", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, IsPlaceholderUUID(tt.in))
			require.Equal(t, !tt.want, TrustedUUID(tt.in, DistrustSet{}))
		})
	}
}

func TestIsPlaceholderSerial(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"", true},
		{"   ", true},
		{"Default string", true},
		{"System Serial Number", true},
		{"To be filled by O.E.M.", true},
		{"TO BE FILLED BY O.E.M.", true},
		{"0", true},
		{"None", true},
		{"Not Specified", true},
		{"N/A", true},
		{" n/a ", true},
		{"Not Available", true},
		{"123456789", true},
		{"0123456789", true},
		{"xxxxxxxxxx", true},
		{strings.Repeat("X", 8), true},
		{"0000000000", true},
		{"..........", true},
		{"7XK2J53", false},
		{"PF2M7QKX", false},
		{"5CG1234XYZ", false},
		{"VMware-56 4d 8e 1c 7a 2b 3c 4d-9e 8f 0a 1b 2c 3d 4e 5f", false},
		{"0000-0017-4594-9396-2378-7536-29", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			require.Equal(t, tt.want, IsPlaceholderSerial(tt.in))
			require.Equal(t, !tt.want, TrustedSerial(tt.in, DistrustSet{}))
		})
	}
}

func TestDistrustSet(t *testing.T) {
	base := NewDistrustSet(DistrustedValue{Kind: KindUUID,
		Value: "{8a3f2c10-4b5d-11e9-8f3a-0c9d92b1e7a4}"})
	grown := base.With(DistrustedValue{Kind: KindSerial, Value: " abc  123 "})

	t.Run("uuid in either byte order", func(t *testing.T) {
		require.False(t, TrustedUUID("8A3F2C10-4B5D-11E9-8F3A-0C9D92B1E7A4", base))
		require.False(t, TrustedUUID("102C3F8A-5D4B-E911-8F3A-0C9D92B1E7A4", base))
		require.True(t, TrustedUUID("4C4C4544-0037-5810-804B-B7C04F4A3533", base))
	})
	t.Run("serial normalised", func(t *testing.T) {
		require.False(t, TrustedSerial("ABC 123", grown))
		require.True(t, TrustedSerial("ABC 123", base), "With must not change the original")
	})
	t.Run("zero value is empty", func(t *testing.T) {
		var s DistrustSet
		require.Zero(t, s.Len())
		require.False(t, s.Has(DistrustedValue{Kind: KindSerial, Value: "7XK2J53"}))
		require.Equal(t, 1, s.With(DistrustedValue{Kind: KindSerial, Value: "x1"}).Len())
	})
	t.Run("malformed uuid is not stored", func(t *testing.T) {
		require.Zero(t, NewDistrustSet(DistrustedValue{Kind: KindUUID, Value: "N/A"}).Len())
	})
}

func TestCompare(t *testing.T) {
	hp := sdk.IdentityFacts{
		SMBIOSUUID:   "8A3F2C10-4B5D-11E9-8F3A-0C9D92B1E7A4",
		Serial:       "5CG1234XYZ",
		Manufacturer: "HP",
		Model:        "HP EliteBook 840 G8 Notebook PC",
		OSInstallID:  "3f2a7c1e-9b4d-4e2a-8c6f-1d5e9a7b3c21",
	}
	with := func(f func(*sdk.IdentityFacts)) sdk.IdentityFacts {
		c := hp
		f(&c)
		return c
	}

	tests := []struct {
		name         string
		b            sdk.IdentityFacts
		distrusted   DistrustSet
		different    bool
		distrust     []DistrustedValue
		evidenceHint string
	}{
		{
			name: "clone with another os installation is the same hardware",
			b: with(func(f *sdk.IdentityFacts) {
				f.OSInstallID = "9c1d4e7a-2b3f-4a5c-8d6e-0f1a2b3c4d5e"
			}),
			different: false,
		},
		{
			name: "same uuid, both serials trusted and different",
			b: with(func(f *sdk.IdentityFacts) {
				f.Serial = "5CG9876QRS"
			}),
			different:    true,
			distrust:     []DistrustedValue{{Kind: KindUUID, Value: UUIDKey(hp.SMBIOSUUID)}},
			evidenceHint: `serial "5CG1234XYZ" vs "5CG9876QRS"`,
		},
		{
			name: "same uuid, different model",
			b: with(func(f *sdk.IdentityFacts) {
				f.Model = "HP ProDesk 600 G6 Desktop Mini PC"
				f.Serial = ""
			}),
			different:    true,
			distrust:     []DistrustedValue{{Kind: KindUUID, Value: UUIDKey(hp.SMBIOSUUID)}},
			evidenceHint: "model",
		},
		{
			name: "same uuid and serial, different manufacturer",
			b: with(func(f *sdk.IdentityFacts) {
				f.Manufacturer = "Dell Inc."
				f.Model = ""
			}),
			different: true,
			distrust: []DistrustedValue{
				{Kind: KindUUID, Value: UUIDKey(hp.SMBIOSUUID)},
				{Kind: KindSerial, Value: "5CG1234XYZ"},
			},
			evidenceHint: `manufacturer "HP" vs "Dell Inc."`,
		},
		{
			name: "placeholder uuid shared, nothing new to distrust",
			b: sdk.IdentityFacts{
				SMBIOSUUID: "03000200-0400-0500-0006-000700080009", Serial: "5CG9876QRS",
				Manufacturer: "HP",
			},
			different:    true,
			evidenceHint: "serial",
		},
		{
			name: "serial already distrusted is no evidence",
			b: with(func(f *sdk.IdentityFacts) {
				f.Serial = "5CG9876QRS"
			}),
			distrusted: NewDistrustSet(DistrustedValue{Kind: KindSerial, Value: "5cg9876qrs"}),
			different:  false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Compare(hp, tt.b, tt.distrusted)
			require.Equal(t, tt.different, d.Different, d.Evidence)
			require.Len(t, d.Distrust, len(tt.distrust))
			for i, want := range tt.distrust {
				require.Equal(t, want.Kind, d.Distrust[i].Kind)
				require.Equal(t, want.Value, d.Distrust[i].Value)
				require.Contains(t, d.Distrust[i].Reason, "two different machines")
			}
			if tt.evidenceHint != "" {
				require.Contains(t, d.Evidence[0], tt.evidenceHint)
			}
		})
	}
}

func TestLookupKeys(t *testing.T) {
	tests := []struct {
		name  string
		facts sdk.IdentityFacts
		want  Keys
	}{
		{
			name: "vmware",
			facts: sdk.IdentityFacts{
				SMBIOSUUID: "{564d8e1c-7a2b-3c4d-9e8f-0a1b2c3d4e5f}",
				Serial:     "VMware-56 4d 8e 1c 7a 2b 3c 4d-9e 8f 0a 1b 2c 3d 4e 5f",
			},
			want: Keys{
				UUIDKey: "1C8E4D56-2B7A-4D3C-9E8F-0A1B2C3D4E5F",
				UUIDForms: []string{"564D8E1C-7A2B-3C4D-9E8F-0A1B2C3D4E5F",
					"1C8E4D56-2B7A-4D3C-9E8F-0A1B2C3D4E5F"},
				Serial: "VMWARE-56 4D 8E 1C 7A 2B 3C 4D-9E 8F 0A 1B 2C 3D 4E 5F",
			},
		},
		{
			name: "placeholders left out",
			facts: sdk.IdentityFacts{
				SMBIOSUUID: "03000200-0400-0500-0006-000700080009",
				Serial:     "Default string",
			},
			want: Keys{},
		},
		{
			name:  "serial only",
			facts: sdk.IdentityFacts{Serial: " pf2m7qkx"},
			want:  Keys{Serial: "PF2M7QKX"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, LookupKeys(tt.facts))
		})
	}
}
