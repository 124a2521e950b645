package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/stewardhq/steward/sdk"
)

// Hostname names simulated agent i (counting from 0): sim-00001, sim-00002, …
func Hostname(i int) string { return fmt.Sprintf("sim-%05d", i+1) }

// serialChars are the characters vendors use in serial numbers; I and O are left out, as
// most vendors do, so they cannot be mistaken for 1 and 0.
const serialChars = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// Inventory returns what simulated agent i of the fleet seed reports: the same facts for the
// same seed and index on every call, different ones for different indexes. programs is about
// how many packages to list, at most as many as the catalogue holds.
func Inventory(seed uint64, i, programs int) sdk.Inventory {
	// The index goes into both PCG words so neighbouring indexes are not correlated streams.
	r := rand.New(rand.NewPCG(seed, uint64(i)*0x9e3779b97f4a7c15+1))

	hw := models[pick(r, len(models))]
	sys := systems[r.IntN(len(systems))]
	installed := time.Date(2021, 1, 4, 9, 0, 0, 0, time.UTC).
		Add(time.Duration(r.IntN(4*365*24)) * time.Hour)
	facts := sdk.IdentityFacts{
		SMBIOSUUID:    uuidFrom(r),
		Serial:        serial(r, hw),
		Manufacturer:  hw.manufacturer,
		Model:         hw.model,
		Hostname:      Hostname(i),
		OSName:        sys.name,
		OSVersion:     sys.version,
		OSInstallID:   hex32(r),
		OSInstallDate: &installed,
	}

	inv := sdk.Inventory{Facts: facts, ComputerType: hw.kind,
		Programs: packages(r, sys.col, programs)}
	if hw.kind == sdk.ComputerTypeWorkstation || hw.kind == sdk.ComputerTypePortable {
		inv.Users = []string{users[r.IntN(len(users))]}
	}
	return inv
}

// pick chooses an index below n, favouring the low ones: the first entries of models are
// the common office machines.
func pick(r *rand.Rand, n int) int {
	return min(r.IntN(n), r.IntN(n))
}

// uuidFrom makes a random (version 4) UUID in the upper-case form firmware reports.
func uuidFrom(r *rand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := strings.ToUpper(hex.EncodeToString(b[:]))
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func serial(r *rand.Rand, hw hardware) string {
	if hw.serialLen == 0 {
		return ""
	}
	var sb strings.Builder
	sb.WriteString(hw.serialPrefix)
	for range hw.serialLen {
		sb.WriteByte(serialChars[r.IntN(len(serialChars))])
	}
	return sb.String()
}

// hex32 makes a machine-id: 32 lower-case hex digits.
func hex32(r *rand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return hex.EncodeToString(b[:])
}

// packages lists every base package of the system and enough randomly chosen extras to
// reach about n, sorted by name as dpkg lists them.
func packages(r *rand.Rand, col, n int) []sdk.Program {
	out := make([]sdk.Program, 0, n)
	add := func(p pkg) {
		if p.versions[col] != "" {
			out = append(out, sdk.Program{Name: p.name, Version: p.versions[col],
				Publisher: p.maintainer[col], Source: "dpkg"})
		}
	}
	for _, p := range basePackages {
		add(p)
	}
	for _, k := range r.Perm(len(extraPackages)) {
		if len(out) >= n {
			break
		}
		add(extraPackages[k])
	}
	slices.SortFunc(out, func(a, b sdk.Program) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// fingerprint is a stable hash of an inventory, sent beside it as the real agent does.
func fingerprint(inv sdk.Inventory) string {
	// Marshalling plain structs and slices cannot fail.
	b, _ := json.Marshal(inv)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
