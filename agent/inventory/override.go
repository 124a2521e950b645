package inventory

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/stewardhq/steward/sdk"
)

// Override holds values that replace collected ones, so a tester can make a computer pose as
// a clone, a freshly wiped machine or one with a placeholder UUID. A nil field keeps the
// collected value; a present one replaces it, even when empty.
type Override struct {
	SMBIOSUUID    *string    `json:"smbiosUuid"`
	Serial        *string    `json:"serial"`
	Manufacturer  *string    `json:"manufacturer"`
	Model         *string    `json:"model"`
	Hostname      *string    `json:"hostname"`
	OSName        *string    `json:"osName"`
	OSVersion     *string    `json:"osVersion"`
	OSInstallID   *string    `json:"osInstallId"`
	OSInstallDate *time.Time `json:"osInstallDate"`
	ComputerType  *string    `json:"computerType"`
	Users         *[]string  `json:"users"`
	// ExtraPrograms are added to the collected programs, which cannot be replaced.
	ExtraPrograms []sdk.Program `json:"extraPrograms"`
}

// LoadOverride reads an override file. Unknown fields are an error, so that a misspelt name
// does not silently leave the real value in place. A missing file gives an error wrapping
// fs.ErrNotExist.
func LoadOverride(path string) (Override, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Override{}, fmt.Errorf("read override: %w", err)
	}

	var o Override
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		return Override{}, fmt.Errorf("decode override %s: %w", path, err)
	}
	return o, nil
}

// Apply returns inv with the override's values in place.
func (o Override) Apply(inv sdk.Inventory) sdk.Inventory {
	f := &inv.Facts
	replace(&f.SMBIOSUUID, o.SMBIOSUUID)
	replace(&f.Serial, o.Serial)
	replace(&f.Manufacturer, o.Manufacturer)
	replace(&f.Model, o.Model)
	replace(&f.Hostname, o.Hostname)
	replace(&f.OSName, o.OSName)
	replace(&f.OSVersion, o.OSVersion)
	replace(&f.OSInstallID, o.OSInstallID)
	if o.OSInstallDate != nil {
		d := *o.OSInstallDate
		f.OSInstallDate = &d
	}
	replace(&inv.ComputerType, o.ComputerType)
	if o.Users != nil {
		inv.Users = slices.Clone(*o.Users)
	}

	if len(o.ExtraPrograms) > 0 {
		progs := make([]sdk.Program, 0, len(inv.Programs)+len(o.ExtraPrograms))
		progs = append(progs, inv.Programs...)
		inv.Programs = append(progs, o.ExtraPrograms...)
	}
	return inv
}

func replace(dst *string, src *string) {
	if src != nil {
		*dst = *src
	}
}
