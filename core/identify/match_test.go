package identify

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/sdk"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

var now = time.Date(2025, 3, 14, 10, 0, 0, 0, time.UTC)

const (
	linkAgent = "agent"
	linkRMM   = "link-rmm-1"

	osDell    = "3f2a7c1e-9b4d-4e2a-8c6f-1d5e9a7b3c21"
	osDellNew = "b7e41d09-62c3-4a8f-9d15-7c2e0f3a6b84"
	osVM      = "5d0c8b2a-1e7f-4c39-a6d4-92f1e8b7c053"
	osVMClone = "e8a19f3c-7b52-4d06-8e2f-c41a5d9b7306"
)

func ago(d time.Duration) time.Time { return now.Add(-d) }

const day = 24 * time.Hour

// Realistic facts as the agent reports them; cases copy and adjust them.
var (
	dellFacts = sdk.IdentityFacts{
		SMBIOSUUID: "4C4C4544-0037-5810-804B-B7C04F4A3533", Serial: "7XK2J53",
		Manufacturer: "Dell Inc.", Model: "OptiPlex 7090", Hostname: "ACME-PC-042",
		OSName: "Microsoft Windows 11 Pro", OSVersion: "10.0.22631", OSInstallID: osDell,
	}
	lenovoFacts = sdk.IdentityFacts{
		SMBIOSUUID: "6b1c8a4c2f3e11b2a85c9a2d1f6e4b10", Serial: "pf2m7qkx",
		Manufacturer: "LENOVO", Model: "20XW0026GE", Hostname: "ACME-NB-007",
		OSInstallID: "0c5e2f7a-3d91-4b68-a2e4-6f1b9c8d7e05",
	}
	hpFacts = sdk.IdentityFacts{
		SMBIOSUUID: "8A3F2C10-4B5D-11E9-8F3A-0C9D92B1E7A4", Serial: "5CG1234XYZ",
		Manufacturer: "HP", Model: "HP EliteBook 840 G8 Notebook PC", Hostname: "ACME-NB-013",
	}
	vmwareFacts = sdk.IdentityFacts{
		SMBIOSUUID:   "{1c8e4d56-2b7a-4d3c-9e8f-0a1b2c3d4e5f}",
		Serial:       "VMware-56 4d 8e 1c 7a 2b 3c 4d-9e 8f 0a 1b 2c 3d 4e 5f",
		Manufacturer: "VMware, Inc.", Model: "VMware7,1", Hostname: "ACME-APP-01",
		OSName: "Debian GNU/Linux", OSVersion: "12",
		OSInstallID: "c0ffee5e1d2a4b3c8d7e6f5a4b3c2d1e",
	}
	hypervFacts = sdk.IdentityFacts{
		SMBIOSUUID: "7E0A3C9B-55D2-4F4B-9C61-3B8E2A1D0F47",
		Serial:     "0000-0017-4594-9396-2378-7536-29", Manufacturer: "Microsoft Corporation",
		Model: "Virtual Machine", Hostname: "ACME-SQL-01", OSInstallID: osVM,
	}
	qemuFacts = sdk.IdentityFacts{
		SMBIOSUUID: "00000000-0000-0000-0000-000000000000", Serial: "",
		Manufacturer: "QEMU", Model: "Standard PC (Q35 + ICH9, 2009)", Hostname: "ubuntu",
	}
)

func facts(base sdk.IdentityFacts, edit func(*sdk.IdentityFacts)) sdk.IdentityFacts {
	if edit != nil {
		edit(&base)
	}
	return base
}

// known builds the candidate a store would return for a computer first seen with f.
func known(id string, f sdk.IdentityFacts, pathways ...Pathway) Candidate {
	return Candidate{
		ComputerID: id, UUIDKey: UUIDKey(f.SMBIOSUUID), Serial: NormalizeSerial(f.Serial),
		Manufacturer: f.Manufacturer, Model: f.Model, OSInstallID: f.OSInstallID,
		Hostname: f.Hostname, Pathways: pathways,
	}
}

func edited(c Candidate, edit func(*Candidate)) Candidate {
	edit(&c)
	return c
}

func online(link, ext string) Pathway {
	return Pathway{LinkID: link, ExternalID: ext, Online: true, FirstSeen: ago(90 * day),
		LastSeen: ago(2 * time.Minute)}
}

func offline(link, ext string, lastSeen time.Time) Pathway {
	return Pathway{LinkID: link, ExternalID: ext, FirstSeen: ago(90 * day), LastSeen: lastSeen}
}

func arriving(f sdk.IdentityFacts, link, ext string) Incoming {
	return Incoming{Facts: f, Pathway: Pathway{LinkID: link, ExternalID: ext, Online: true}}
}

type matchCase struct {
	name        string
	in          Incoming
	candidates  []Candidate
	distrusted  DistrustSet
	outcome     Outcome
	computerID  string
	suggestion  Suggestion
	wiped       bool
	existing    string   // external id of Decision.Existing
	alsoMatched []string // computer ids
	distrust    []string // kind:value
	reasonHas   []string
}

func matchCases() []matchCase {
	dell := known("cmp-dell", facts(dellFacts, func(f *sdk.IdentityFacts) {
		f.Manufacturer = "Dell" // the RMM shortens it
	}), online(linkRMM, "rmm-1001"))
	hyperv := known("cmp-sql", hypervFacts, online(linkRMM, "rmm-2001"))
	qemuA := known("cmp-qemu-a", qemuFacts, online(linkAgent, "agt-q1"))
	qemuB := known("cmp-qemu-b", qemuFacts, online(linkAgent, "agt-q2"))

	return []matchCase{
		{
			name: "unknown machine is a new computer", in: arriving(dellFacts, linkAgent, "agt-1"),
			outcome: OutcomeNew, reasonHas: []string{"UUID 4C4C4544-0037", `serial "7XK2J53"`},
		},
		{
			name: "same pathway updates facts", in: arriving(dellFacts, linkRMM, "rmm-1001"),
			candidates: []Candidate{dell}, outcome: OutcomeSamePathway, computerID: "cmp-dell",
		},
		{
			name: "same pathway reporting a new os installation is wiped",
			in: arriving(facts(dellFacts, func(f *sdk.IdentityFacts) {
				f.OSInstallID = osDellNew
			}), linkRMM, "rmm-1001"),
			candidates: []Candidate{dell}, outcome: OutcomeSamePathway, computerID: "cmp-dell",
			wiped: true, reasonHas: []string{osDell, osDellNew, "onboarding"},
		},
		{
			name: "agent attaches to a machine known through an rmm",
			in:   arriving(dellFacts, linkAgent, "agt-1"), candidates: []Candidate{dell},
			outcome: OutcomeAttach, computerID: "cmp-dell", reasonHas: []string{"UUID", "serial"},
		},
		{
			name: "byte-swapped lower-case uuid through a second pathway",
			in:   arriving(vmwareFacts, linkAgent, "agt-vm"),
			candidates: []Candidate{edited(known("cmp-app", vmwareFacts,
				online(linkRMM, "rmm-3001")), func(c *Candidate) {
				c.UUIDKey = UUIDKey("564D8E1C-7A2B-3C4D-9E8F-0A1B2C3D4E5F")
				c.Serial = "VMware-56 4D 8E 1C 7A 2B 3C 4D-9E 8F 0A 1B 2C 3D 4E 5F"
			})},
			outcome: OutcomeAttach, computerID: "cmp-app",
		},
		{
			name: "braces, lower case and missing dashes on a lenovo",
			in:   arriving(lenovoFacts, linkAgent, "agt-nb7"),
			candidates: []Candidate{edited(known("cmp-nb7", lenovoFacts,
				online(linkRMM, "rmm-4001")), func(c *Candidate) {
				c.UUIDKey = UUIDKey("{4C8A1C6B-3E2F-B211-A85C-9A2D1F6E4B10}")
				c.Manufacturer, c.Model = "Lenovo", "ThinkPad X1 Carbon Gen 9"
			})},
			outcome: OutcomeAttach, computerID: "cmp-nb7",
			reasonHas: []string{`serial "pf2m7qkx"`},
		},
		{
			name: "serial and manufacturer match when the rmm has no uuid",
			in:   arriving(hpFacts, linkAgent, "agt-nb13"),
			candidates: []Candidate{edited(known("cmp-nb13", hpFacts, online(linkRMM, "rmm-5001")),
				func(c *Candidate) { c.UUIDKey, c.Model = "", "EliteBook 840 G8" })},
			outcome: OutcomeAttach, computerID: "cmp-nb13",
			reasonHas: []string{`serial "5CG1234XYZ" from HP`},
		},
		{
			name: "same serial on another model is no match and distrusts the serial",
			in:   arriving(hpFacts, linkAgent, "agt-nb13"),
			candidates: []Candidate{edited(known("cmp-mini", hpFacts, online(linkRMM, "rmm-5002")),
				func(c *Candidate) {
					c.UUIDKey, c.Model = "", "HP ProDesk 600 G6 Desktop Mini PC"
				})},
			outcome: OutcomeNew, distrust: []string{"serial:5CG1234XYZ"},
			reasonHas: []string{"Not merged", "model"},
		},
		{
			name: "same serial from another manufacturer is no match",
			in:   arriving(dellFacts, linkAgent, "agt-1"),
			candidates: []Candidate{edited(known("cmp-hp", hpFacts, online(linkRMM, "rmm-5003")),
				func(c *Candidate) { c.UUIDKey, c.Serial = "", "7XK2J53" })},
			outcome: OutcomeNew, distrust: []string{"serial:7XK2J53"},
			reasonHas: []string{`manufacturer "Dell Inc." vs "HP"`},
		},
		{
			name: "system board replaced keeps the service tag",
			in:   arriving(dellFacts, linkAgent, "agt-1"),
			candidates: []Candidate{edited(dell, func(c *Candidate) {
				c.UUIDKey = UUIDKey("4C4C4544-0051-4A10-8039-C2C04F5A4E31")
			})},
			outcome: OutcomeAttach, computerID: "cmp-dell",
			reasonHas: []string{"system board replacement"},
		},
		{
			name: "agent reinstalled",
			in:   arriving(dellFacts, linkAgent, "agt-new"),
			candidates: []Candidate{edited(dell, func(c *Candidate) {
				c.Pathways = []Pathway{online(linkRMM, "rmm-1001"),
					offline(linkAgent, "agt-old", ago(26*time.Hour))}
			})},
			outcome: OutcomeNeedsDecision, computerID: "cmp-dell", suggestion: SuggestOverwrite,
			existing: "agt-old", reasonHas: []string{"reinstalled", "2025-03-13 08:00 UTC"},
		},
		{
			name: "agent reinstalled, os installation id unknown",
			in: arriving(facts(dellFacts, func(f *sdk.IdentityFacts) { f.OSInstallID = "" }),
				linkAgent, "agt-new"),
			candidates: []Candidate{edited(dell, func(c *Candidate) {
				c.Pathways = []Pathway{offline(linkAgent, "agt-old", ago(3*day))}
			})},
			outcome: OutcomeNeedsDecision, computerID: "cmp-dell", suggestion: SuggestOverwrite,
			existing: "agt-old", reasonHas: []string{"not known on both sides"},
		},
		{
			name: "cloned vm online at the same time as its source",
			in: arriving(facts(hypervFacts, func(f *sdk.IdentityFacts) {
				f.Hostname, f.OSInstallID = "ACME-SQL-02", osVMClone
			}), linkRMM, "rmm-2002"),
			candidates: []Candidate{hyperv},
			outcome:    OutcomeNeedsDecision, computerID: "cmp-sql", suggestion: SuggestKeepBoth,
			existing: "rmm-2001", reasonHas: []string{"online at the same time", "clone"},
		},
		{
			name: "clone that was not generalised keeps the os installation id",
			in:   arriving(hypervFacts, linkRMM, "rmm-2002"), candidates: []Candidate{hyperv},
			outcome: OutcomeNeedsDecision, computerID: "cmp-sql", suggestion: SuggestKeepBoth,
			existing: "rmm-2001",
		},
		{
			name: "old record seen after the new one appeared is a clone",
			in: Incoming{Facts: facts(hypervFacts, func(f *sdk.IdentityFacts) {
				f.OSInstallID = osVMClone
			}), Pathway: Pathway{LinkID: linkRMM, ExternalID: "rmm-2002",
				FirstSeen: ago(3 * time.Hour), LastSeen: ago(2 * time.Hour)}},
			candidates: []Candidate{edited(hyperv, func(c *Candidate) {
				c.Pathways = []Pathway{offline(linkRMM, "rmm-2001", ago(time.Hour))}
			})},
			outcome: OutcomeNeedsDecision, computerID: "cmp-sql", suggestion: SuggestKeepBoth,
			existing: "rmm-2001", reasonHas: []string{"after this one appeared"},
		},
		{
			name: "wiped machine reporting through a second record",
			in: Incoming{Facts: facts(dellFacts, func(f *sdk.IdentityFacts) {
				f.OSInstallID = osDellNew
			}), Pathway: Pathway{LinkID: linkRMM, ExternalID: "rmm-1107", Online: true,
				FirstSeen: ago(time.Hour), LastSeen: now}},
			candidates: []Candidate{edited(dell, func(c *Candidate) {
				c.Pathways = []Pathway{offline(linkRMM, "rmm-1001", ago(2*day))}
			})},
			outcome: OutcomeNeedsDecision, computerID: "cmp-dell", suggestion: SuggestWiped,
			existing: "rmm-1001", reasonHas: []string{"wiped", osDellNew},
		},
		{
			name: "new os installation through another link attaches as wiped",
			in: arriving(facts(dellFacts, func(f *sdk.IdentityFacts) {
				f.OSInstallID = osDellNew
			}), linkAgent, "agt-1"),
			candidates: []Candidate{edited(dell, func(c *Candidate) {
				c.Pathways = []Pathway{offline(linkRMM, "rmm-1001", ago(2*day))}
			})},
			outcome: OutcomeAttach, computerID: "cmp-dell", wiped: true,
			reasonHas: []string{"reinstalled"},
		},
		{
			name: "another os installation while the other record is online",
			in: arriving(facts(dellFacts, func(f *sdk.IdentityFacts) {
				f.OSName, f.OSInstallID = "Ubuntu", "4b9e3c1d7a2f4e6b8c0d1e2f3a4b5c6d"
			}), linkAgent, "agt-1"),
			candidates: []Candidate{dell},
			outcome:    OutcomeNeedsDecision, computerID: "cmp-dell", suggestion: SuggestKeepBoth,
			reasonHas: []string{"second operating system"},
		},
		{
			name: "two boards share a placeholder uuid, serials differ",
			in: arriving(sdk.IdentityFacts{
				SMBIOSUUID: "03000200-0400-0500-0006-000700080009", Serial: "SN2104A55231",
				Manufacturer: "Gigabyte Technology Co., Ltd.", Model: "B450M DS3H",
				Hostname: "DESKTOP-7Q2L9KD",
			}, linkAgent, "agt-g1"),
			candidates: []Candidate{known("cmp-g2", sdk.IdentityFacts{
				SMBIOSUUID: "00020003-0004-0005-0006-000700080009", Serial: "SN2104A55987",
				Manufacturer: "Gigabyte Technology Co., Ltd.", Model: "B450M DS3H",
			}, online(linkAgent, "agt-g2"))},
			outcome: OutcomeNew, reasonHas: []string{"firmware placeholder"},
		},
		{
			name: "two boards of different makers share a placeholder uuid",
			in: arriving(sdk.IdentityFacts{
				SMBIOSUUID: "03020100-0504-0706-0809-0A0B0C0D0E0F", Serial: "System Serial Number",
				Manufacturer: "ASUSTeK COMPUTER INC.", Model: "PRIME B450M-A",
			}, linkAgent, "agt-a1"),
			candidates: []Candidate{known("cmp-m1", sdk.IdentityFacts{
				SMBIOSUUID:   "03020100-0504-0706-0809-0a0b0c0d0e0f",
				Serial:       "To be filled by O.E.M.",
				Manufacturer: "Micro-Star International Co., Ltd.", Model: "MS-7C02",
			}, online(linkAgent, "agt-m1"))},
			outcome: OutcomeNew, reasonHas: []string{"Neither the UUID nor the serial"},
		},
		{
			name: "real uuid shared by two machines becomes distrusted",
			in:   arriving(hpFacts, linkAgent, "agt-nb13"),
			candidates: []Candidate{known("cmp-nb21", facts(hpFacts, func(f *sdk.IdentityFacts) {
				f.Serial, f.Hostname = "5CG9876QRS", "ACME-NB-021"
			}), online(linkRMM, "rmm-5021"))},
			outcome:  OutcomeNew,
			distrust: []string{"uuid:102C3F8A-5D4B-E911-8F3A-0C9D92B1E7A4"},
			reasonHas: []string{"Not merged with computer ACME-NB-021",
				`serial "5CG1234XYZ" vs "5CG9876QRS"`, "identifies no machine"},
		},
		{
			name: "a uuid proven shared no longer merges with a lookalike",
			in: arriving(sdk.IdentityFacts{
				SMBIOSUUID: "2E5B7D91-0C4A-4F83-B6E2-9A1D3C5F7B08", Manufacturer: "LENOVO",
				Model: "11DT0045GE",
			}, linkAgent, "agt-tc1"),
			candidates: []Candidate{
				known("cmp-tc2", sdk.IdentityFacts{
					SMBIOSUUID: "2E5B7D91-0C4A-4F83-B6E2-9A1D3C5F7B08", Manufacturer: "LENOVO",
					Model: "11DT0045GE",
				}, online(linkAgent, "agt-tc2")),
				known("cmp-opti", facts(dellFacts, func(f *sdk.IdentityFacts) {
					f.SMBIOSUUID = "2E5B7D91-0C4A-4F83-B6E2-9A1D3C5F7B08"
				}), online(linkAgent, "agt-opti")),
			},
			outcome:   OutcomeNew,
			distrust:  []string{"uuid:2E5B7D91-0C4A-4F83-B6E2-9A1D3C5F7B08"},
			reasonHas: []string{"was just found on a different machine"},
		},
		{
			name: "a uuid learned earlier never merges",
			in: arriving(facts(hpFacts, func(f *sdk.IdentityFacts) { f.Serial = "" }), linkAgent,
				"agt-nb13"),
			candidates: []Candidate{edited(known("cmp-nb21", hpFacts, online(linkRMM, "rmm-5021")),
				func(c *Candidate) { c.Serial = "" })},
			distrusted: NewDistrustSet(DistrustedValue{Kind: KindUUID,
				Value: "8a3f2c10-4b5d-11e9-8f3a-0c9d92b1e7a4"}),
			outcome: OutcomeNew, reasonHas: []string{"known to be shared"},
		},
		{
			name: "empty serial and zero uuid is a new computer every time",
			in:   arriving(qemuFacts, linkAgent, "agt-q3"), candidates: []Candidate{qemuA, qemuB},
			outcome: OutcomeNew, reasonHas: []string{"host name alone never matches"},
		},
		{
			name: "placeholder machine reporting again through its own pathway",
			in:   arriving(qemuFacts, linkAgent, "agt-q2"), candidates: []Candidate{qemuA, qemuB},
			outcome: OutcomeSamePathway, computerID: "cmp-qemu-b",
		},
		{
			name: "host name alone never matches",
			in:   arriving(dellFacts, linkAgent, "agt-1"),
			candidates: []Candidate{known("cmp-other", sdk.IdentityFacts{
				Hostname: "ACME-PC-042", Manufacturer: "Dell Inc.", Model: "OptiPlex 7090",
			}, online(linkRMM, "rmm-9001"))},
			outcome: OutcomeNew,
		},
		{
			name: "several matches: the most specific wins",
			in:   arriving(dellFacts, linkAgent, "agt-1"),
			candidates: []Candidate{
				edited(dell, func(c *Candidate) { c.ComputerID, c.UUIDKey = "cmp-serial", "" }),
				dell,
			},
			outcome: OutcomeAttach, computerID: "cmp-dell", alsoMatched: []string{"cmp-serial"},
			reasonHas: []string{"Several known computers match"},
		},
		{
			name: "equal matches: the one seen most recently wins",
			in:   arriving(dellFacts, linkAgent, "agt-1"),
			candidates: []Candidate{
				edited(dell, func(c *Candidate) {
					c.ComputerID = "cmp-stale"
					c.Pathways = []Pathway{offline(linkRMM, "rmm-0999", ago(40*day))}
				}),
				dell,
			},
			outcome: OutcomeAttach, computerID: "cmp-dell", alsoMatched: []string{"cmp-stale"},
			reasonHas: []string{"match equally well"},
		},
		{
			name: "wiped machine whose other link is still online is no wipe",
			in: Incoming{Facts: facts(dellFacts, func(f *sdk.IdentityFacts) {
				f.OSInstallID = osDellNew
			}), Pathway: Pathway{LinkID: linkAgent, ExternalID: "agt-new", Online: true}},
			candidates: []Candidate{edited(dell, func(c *Candidate) {
				c.Pathways = []Pathway{online(linkRMM, "rmm-1001"),
					offline(linkAgent, "agt-old", ago(2*day))}
			})},
			outcome: OutcomeNeedsDecision, computerID: "cmp-dell", suggestion: SuggestKeepBoth,
			existing: "agt-old", reasonHas: []string{`record "rmm-1001" is online`},
		},
		{
			name: "same pathway while another computer has the same hardware",
			in:   arriving(dellFacts, linkRMM, "rmm-1001"),
			candidates: []Candidate{dell, edited(dell, func(c *Candidate) {
				c.ComputerID, c.Pathways = "cmp-dup", []Pathway{online(linkAgent, "agt-1")}
			})},
			outcome: OutcomeSamePathway, computerID: "cmp-dell", alsoMatched: []string{"cmp-dup"},
			reasonHas: []string{"may be one machine"},
		},
	}
}

func TestMatch(t *testing.T) {
	var golden strings.Builder
	for _, tt := range matchCases() {
		t.Run(tt.name, func(t *testing.T) {
			d := Match(tt.in, tt.candidates, tt.distrusted, now)
			fmt.Fprintf(&golden, "## %s\n%s %s %s wiped=%v\n%s\n\n", tt.name, d.Outcome,
				d.ComputerID, d.Suggestion, d.Wiped, d.Reason)

			require.Equal(t, tt.outcome, d.Outcome, d.Reason)
			require.Equal(t, tt.computerID, d.ComputerID, d.Reason)
			require.Equal(t, tt.suggestion, d.Suggestion, d.Reason)
			require.Equal(t, tt.wiped, d.Wiped, d.Reason)
			require.Equal(t, tt.alsoMatched, d.AlsoMatched, d.Reason)
			if tt.existing == "" {
				require.Nil(t, d.Existing)
			} else {
				require.NotNil(t, d.Existing)
				require.Equal(t, tt.existing, d.Existing.ExternalID)
			}

			var learned []string
			for _, v := range d.Distrust {
				learned = append(learned, string(v.Kind)+":"+v.Value)
				require.NotEmpty(t, v.Reason)
			}
			require.Equal(t, tt.distrust, learned)
			for _, s := range tt.reasonHas {
				require.Contains(t, strings.ToLower(d.Reason), strings.ToLower(s))
			}
		})
	}
	checkGolden(t, "match_reasons.golden", golden.String())
}

// TestMatchLearnedDistrustSticks feeds the values one decision learned into the next, as the
// caller does, and checks that the shared UUID merges nobody afterwards.
func TestMatchLearnedDistrustSticks(t *testing.T) {
	nb21 := known("cmp-nb21", facts(hpFacts, func(f *sdk.IdentityFacts) {
		f.Serial = "5CG9876QRS"
	}), online(linkRMM, "rmm-5021"))

	first := Match(arriving(hpFacts, linkAgent, "agt-nb13"), []Candidate{nb21}, DistrustSet{}, now)
	require.Equal(t, OutcomeNew, first.Outcome)
	require.Len(t, first.Distrust, 1)
	distrusted := NewDistrustSet(first.Distrust...)

	// A third record with the shared UUID and no serial would have matched either machine.
	nb13 := known("cmp-nb13", hpFacts, online(linkAgent, "agt-nb13"))
	third := arriving(facts(hpFacts, func(f *sdk.IdentityFacts) { f.Serial = "" }),
		linkAgent, "agt-x")
	got := Match(third, []Candidate{nb21, nb13}, distrusted, now)
	require.Equal(t, OutcomeNew, got.Outcome, got.Reason)
	require.Empty(t, got.Distrust)
}

func TestMatchDoesNotModifyCandidates(t *testing.T) {
	c := known("cmp-dell", dellFacts, offline(linkAgent, "agt-old", ago(day)))
	before := slices.Clone(c.Pathways)
	d := Match(arriving(dellFacts, linkAgent, "agt-new"), []Candidate{c}, DistrustSet{}, now)
	require.Equal(t, OutcomeNeedsDecision, d.Outcome)

	d.Existing.ExternalID = "changed"
	require.Equal(t, before, c.Pathways)
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), got, "run go test -update to accept the new output")
}
