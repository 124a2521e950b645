package identify

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stewardhq/steward/sdk"
)

// Outcome is what to do with an incoming computer record.
type Outcome string

// Outcomes of Match.
const (
	// OutcomeNew: no trusted match, so the record is a new computer.
	OutcomeNew Outcome = "new"
	// OutcomeSamePathway: a known computer already has exactly this pathway; update its facts.
	OutcomeSamePathway Outcome = "same_pathway"
	// OutcomeAttach: the hardware matches a known computer that has no pathway from this link
	// yet; attach the pathway to it.
	OutcomeAttach Outcome = "attach"
	// OutcomeNeedsDecision: the hardware matches a known computer that already has another
	// pathway from the same link; a technician decides, helped by Decision.Suggestion.
	OutcomeNeedsDecision Outcome = "needs_decision"
)

// Suggestion is the proposed answer to a decision.
type Suggestion string

// Suggestions for OutcomeNeedsDecision.
const (
	SuggestNone Suggestion = ""
	// SuggestOverwrite: the agent was reinstalled; the new pathway replaces the old one.
	SuggestOverwrite Suggestion = "overwrite"
	// SuggestKeepBoth: two machines (a clone, or a second operating system) share the
	// hardware ids; keep both records.
	SuggestKeepBoth Suggestion = "keep_both"
	// SuggestWiped: the machine was reinstalled; the new pathway replaces the old one and the
	// computer goes back to onboarding.
	SuggestWiped Suggestion = "wiped"
)

// Pathway is one way of reaching a computer: a computer record behind a link.
type Pathway struct {
	// LinkID names the link (a connector instance, or the fixed link of Steward's agent).
	LinkID string
	// ExternalID is the record's id in the system behind the link.
	ExternalID string
	// Online is taken as the pathway reports it; the caller keeps it current.
	Online bool
	// FirstSeen is when the record appeared; zero on an incoming record means now.
	FirstSeen time.Time
	// LastSeen is when the computer last made contact through this pathway.
	LastSeen time.Time
}

// Incoming is a computer record as a pathway reports it.
type Incoming struct {
	Facts   sdk.IdentityFacts
	Pathway Pathway
}

// Candidate is a known computer that shares a lookup key (see LookupKeys) or the pathway with
// the incoming record.
type Candidate struct {
	ComputerID string
	// UUIDKey is the stored UUIDKey; Serial may be stored raw or normalised.
	UUIDKey      string
	Serial       string
	Manufacturer string
	Model        string
	OSInstallID  string
	Hostname     string
	Pathways     []Pathway
}

// Decision is the result of Match.
type Decision struct {
	Outcome Outcome
	// ComputerID is the matched computer; empty for OutcomeNew.
	ComputerID string
	// Suggestion is set for OutcomeNeedsDecision.
	Suggestion Suggestion
	// Reason explains the decision to a technician.
	Reason string
	// Wiped is set when the operating system was reinstalled on a known computer, which
	// therefore goes back to onboarding. For OutcomeNeedsDecision, SuggestWiped says the same
	// and applies only once a technician agrees.
	Wiped bool
	// Existing is, for OutcomeNeedsDecision, the matched computer's pathway from the same
	// link that the decision is about.
	Existing *Pathway
	// AlsoMatched lists other computers whose facts matched too, least specific last.
	AlsoMatched []string
	// Distrust lists values learned to be shared by different machines; the caller persists
	// them and passes them in from now on. Set whatever the outcome.
	Distrust []DistrustedValue
}

// Keys are the values a store looks candidates up by. A store must also return the computer
// that already holds the incoming pathway, whatever its facts.
type Keys struct {
	// UUIDKey is the canonical UUID key, "" when the UUID is missing or a placeholder.
	UUIDKey string
	// UUIDForms are the normalised UUID in both byte orders, for stores that index the
	// reported value rather than the key.
	UUIDForms []string
	// Serial is the normalised serial, "" when missing or a placeholder.
	Serial string
}

// LookupKeys builds the lookup keys for facts. Placeholders are left out because they would
// fetch every machine with the same firmware; values learned to be untrustworthy are kept,
// since the store does not see the DistrustSet and Match ignores them.
func LookupKeys(facts sdk.IdentityFacts) Keys {
	var k Keys
	if u, ok := NormalizeUUID(facts.SMBIOSUUID); ok && !IsPlaceholderUUID(u) {
		k.UUIDKey = UUIDKey(u)
		k.UUIDForms = []string{u}
		if s := SwapUUID(u); s != u {
			k.UUIDForms = append(k.UUIDForms, s)
		}
	}
	if !IsPlaceholderSerial(facts.Serial) {
		k.Serial = NormalizeSerial(facts.Serial)
	}
	return k
}

// Scores of the ways a candidate can match; higher is more specific. OS installation id and
// host name only break ties: clones share the first, and strangers share the second.
const (
	scoreUUID        = 100
	scoreUUIDSerial  = 20
	scoreSerial      = 50
	scoreSerialModel = 10
	scoreOSInstall   = 2
	scoreHostname    = 1
)

// candidateMatch is a candidate whose facts matched, with how.
type candidateMatch struct {
	c     *Candidate
	score int
	basis string
}

// Match decides what an incoming record is: a new computer, a pathway already known, a new
// pathway to a known computer, or a case a technician must decide. distrusted holds the values
// learned so far; now is the current time.
func Match(in Incoming, candidates []Candidate, distrusted DistrustSet, now time.Time) Decision {
	inc := profileOf(in.Facts)
	if in.Pathway.FirstSeen.IsZero() {
		in.Pathway.FirstSeen = now
	}

	same := slices.IndexFunc(candidates, func(c Candidate) bool {
		return slices.ContainsFunc(c.Pathways, func(p Pathway) bool {
			return p.LinkID == in.Pathway.LinkID && p.ExternalID == in.Pathway.ExternalID
		})
	})

	// Learn first, so a value just found to be shared cannot match any candidate below.
	// TODO(identify-learning): candidates are compared with the incoming record only; two
	// known computers that already share a value (created before the value was learned) are
	// not compared with each other, so the value is learned only when a third record arrives.
	var learned []DistrustedValue
	var strangers []string
	for i := range candidates {
		if i == same {
			continue
		}
		cp := candidates[i].profile()
		if !sharesTrustedValue(inc, cp, distrusted) {
			continue
		}
		diff := compareProfiles(inc, cp, distrusted)
		if !diff.Different {
			continue
		}
		var shared []string
		for _, v := range diff.Distrust {
			shared = append(shared, inc.show(v))
			if !slices.ContainsFunc(learned, isValue(v.Kind, v.Value)) {
				learned = append(learned, v)
			}
		}
		strangers = append(strangers, fmt.Sprintf("Not merged with %s: it shares %s but is a "+
			"different machine (%s).", candidates[i].name(), strings.Join(shared, " and "),
			strings.Join(diff.Evidence, ", ")))
	}
	effective := distrusted.With(learned...)

	var matches []candidateMatch
	for i := range candidates {
		if i == same {
			continue
		}
		if m, ok := matchProfiles(inc, candidates[i].profile(), effective); ok {
			m.c = &candidates[i]
			matches = append(matches, m)
		}
	}
	slices.SortFunc(matches, func(a, b candidateMatch) int {
		if d := cmp.Compare(b.score, a.score); d != 0 {
			return d
		}
		if d := b.c.lastSeen().Compare(a.c.lastSeen()); d != 0 {
			return d
		}
		return cmp.Compare(a.c.ComputerID, b.c.ComputerID)
	})

	var d Decision
	switch {
	case same >= 0:
		d = samePathway(inc, &candidates[same], matches)
	case len(matches) == 0:
		d = newComputer(inc, effective, learned)
	default:
		d = matched(in, inc, matches)
	}

	for _, s := range strangers {
		d.Reason += " " + s
	}
	if len(learned) > 0 {
		values := make([]string, len(learned))
		for i, v := range learned {
			values[i] = inc.show(v)
		}
		d.Reason += " From now on " + strings.Join(values, " and ") + " identifies no machine."
	}
	d.Distrust = learned
	return d
}

// samePathway handles a record the hub already knows through this exact pathway. The pathway
// wins over the facts: the record in the system behind the link is the same record, even if
// a repair changed the hardware ids.
func samePathway(inc profile, c *Candidate, matches []candidateMatch) Decision {
	d := Decision{Outcome: OutcomeSamePathway, ComputerID: c.ComputerID}
	if compareOSInstalls(inc.osInstallID, c.OSInstallID) == disagree {
		d.Wiped = true
		d.Reason = fmt.Sprintf("Known as %s through this pathway, but its OS installation id "+
			"changed from %q to %q: the operating system was reinstalled, so the computer "+
			"goes back to onboarding.", c.name(), c.OSInstallID, inc.osInstallID)
	} else {
		d.Reason = fmt.Sprintf("Known as %s through this pathway; its facts are updated.",
			c.name())
	}

	for _, m := range matches {
		d.AlsoMatched = append(d.AlsoMatched, m.c.ComputerID)
	}
	if len(matches) > 0 {
		d.Reason += fmt.Sprintf(" The same hardware is also known as %s, with %s; the two may "+
			"be one machine.", names(matches), matches[0].basis)
	}
	return d
}

// newComputer explains why nothing matched.
func newComputer(inc profile, effective DistrustSet, learned []DistrustedValue) Decision {
	var why []string
	uuidOK := inc.uuid != "" && TrustedUUID(inc.uuid, effective)
	serialOK := TrustedSerial(inc.serial, effective)
	if !uuidOK {
		why = append(why, "the UUID "+untrustedUUID(inc, learned))
	}
	if !serialOK {
		why = append(why, "the serial "+untrustedSerial(inc, learned))
	}

	if !uuidOK && !serialOK {
		reason := "Neither the UUID nor the serial can identify this machine (" +
			strings.Join(why, "; ") + "), so it is a new computer. The host name alone " +
			"never matches."
		return Decision{Outcome: OutcomeNew, Reason: reason}
	}

	reason := "No known computer has the same " + trustedKeys(inc, uuidOK, serialOK)
	if len(why) > 0 {
		reason += " (" + strings.Join(why, "; ") + ")"
	}
	reason += ", so it is a new computer."
	return Decision{Outcome: OutcomeNew, Reason: reason}
}

// trustedKeys names the identifying values of inc, for reasons.
func trustedKeys(inc profile, uuidOK, serialOK bool) string {
	var keys []string
	if uuidOK {
		keys = append(keys, "UUID "+inc.uuid)
	}
	if serialOK {
		keys = append(keys, fmt.Sprintf("serial %q from %s", inc.serial,
			orUnknown(inc.manufacturer, "an unknown manufacturer")))
	}
	return strings.Join(keys, " or ")
}

func untrustedUUID(inc profile, learned []DistrustedValue) string {
	switch {
	case inc.uuid == "":
		return "is missing or malformed"
	case IsPlaceholderUUID(inc.uuid):
		return inc.uuid + " is a firmware placeholder"
	case slices.ContainsFunc(learned, isValue(KindUUID, UUIDKey(inc.uuid))):
		return inc.uuid + " was just found on a different machine"
	}
	return inc.uuid + " is known to be shared by different machines"
}

func untrustedSerial(inc profile, learned []DistrustedValue) string {
	switch {
	case strings.TrimSpace(inc.serial) == "":
		return "is empty"
	case IsPlaceholderSerial(inc.serial):
		return fmt.Sprintf("%q is a firmware placeholder", inc.serial)
	case slices.ContainsFunc(learned, isValue(KindSerial, NormalizeSerial(inc.serial))):
		return fmt.Sprintf("%q was just found on a different machine", inc.serial)
	}
	return fmt.Sprintf("%q is known to be shared by different machines", inc.serial)
}

func isValue(kind ValueKind, value string) func(DistrustedValue) bool {
	return func(v DistrustedValue) bool { return v.Kind == kind && v.Value == value }
}

// matched handles an incoming record whose hardware matched at least one known computer.
func matched(in Incoming, inc profile, matches []candidateMatch) Decision {
	best := matches[0]
	c := best.c
	d := Decision{ComputerID: c.ComputerID}
	intro := fmt.Sprintf("Same hardware as %s: %s.", c.name(), best.basis)
	if len(matches) > 1 {
		d.AlsoMatched = make([]string, 0, len(matches)-1)
		for _, m := range matches[1:] {
			d.AlsoMatched = append(d.AlsoMatched, m.c.ComputerID)
		}
		lead := "The most specific is"
		if matches[1].score == best.score {
			lead = "They match equally well; the one seen most recently is"
		}
		intro = fmt.Sprintf("Several known computers match. %s %s: %s. Also matched: %s, "+
			"with %s.", lead, c.name(), best.basis, names(matches[1:]), matches[1].basis)
	}

	var onLink []Pathway
	for _, p := range c.Pathways {
		if p.LinkID == in.Pathway.LinkID {
			onLink = append(onLink, p)
		}
	}
	osChange := compareOSInstalls(inc.osInstallID, c.OSInstallID)

	if len(onLink) == 0 {
		return attach(d, in, inc, c, intro, osChange)
	}

	// The most recently seen record from this link is the one the new record would replace.
	old := slices.MaxFunc(onLink, func(a, b Pathway) int { return a.LastSeen.Compare(b.LastSeen) })
	d.Outcome = OutcomeNeedsDecision
	d.Existing = &old
	intro += fmt.Sprintf(" It already has record %q from this link.", old.ExternalID)

	// Another link's record still in use proves the old installation runs on, but only
	// when the installations differ: after an agent reinstall the other links stay online.
	live := liveness(onLink, in.Pathway)
	if live == "" && osChange == disagree {
		live = liveness(c.Pathways, in.Pathway)
	}
	switch {
	case live != "":
		d.Suggestion = SuggestKeepBoth
		d.Reason = intro + " " + live + ", so this looks like a clone or a second machine " +
			"with the same hardware ids: suggest keeping both."
		if osChange == disagree {
			d.Reason += fmt.Sprintf(" The OS installations differ too (%q vs %q).",
				inc.osInstallID, c.OSInstallID)
		}
	case osChange == disagree:
		d.Suggestion = SuggestWiped
		d.Reason = intro + fmt.Sprintf(" That record is offline, last seen %s, before this one "+
			"appeared, and this one reports a new OS installation (%q, was %q): the machine "+
			"was probably wiped and reinstalled. Suggest replacing the old record and "+
			"onboarding the computer again.", stamp(old.LastSeen), inc.osInstallID, c.OSInstallID)
	default:
		d.Suggestion = SuggestOverwrite
		same := "the OS installation is the same"
		if osChange == unknown {
			same = "the OS installation id is not known on both sides"
		}
		d.Reason = intro + fmt.Sprintf(" That record is offline, last seen %s, before this one "+
			"appeared, and %s: the agent was probably reinstalled. Suggest replacing the old "+
			"record with this one.", stamp(old.LastSeen), same)
	}
	return d
}

// attach handles a match that has no pathway from this link yet. A different OS installation
// on the same hardware is either a reinstall (nothing else seen since) or a clone or second
// operating system (another record seen meanwhile); only the latter needs a technician.
func attach(d Decision, in Incoming, inc profile, c *Candidate, intro string,
	osChange agreement) Decision {
	if osChange != disagree {
		d.Outcome = OutcomeAttach
		d.Reason = intro + " It has no record from this link yet, so this one is attached to it."
		return d
	}

	if live := liveness(c.Pathways, in.Pathway); live != "" {
		d.Outcome = OutcomeNeedsDecision
		d.Suggestion = SuggestKeepBoth
		d.Reason = intro + fmt.Sprintf(" This record reports a different OS installation (%q, "+
			"the computer has %q) and %s: a clone or a second operating system on the same "+
			"hardware. Suggest keeping both.", inc.osInstallID, c.OSInstallID, lowerFirst(live))
		return d
	}

	d.Outcome = OutcomeAttach
	d.Wiped = true
	d.Reason = intro + fmt.Sprintf(" It reports a new OS installation (%q, was %q) and no "+
		"other record of the computer was seen since this one appeared: the machine was "+
		"reinstalled, so this record is attached and the computer goes back to onboarding.",
		inc.osInstallID, c.OSInstallID)
	return d
}

// liveness says why one of others is still in use alongside the incoming pathway, or "" when
// all of them went quiet before the incoming record appeared. A pathway still online is in use
// whatever the incoming record's state: replacing it would cut off a working machine.
func liveness(others []Pathway, incoming Pathway) string {
	for _, p := range others {
		if p.Online && incoming.Online {
			return fmt.Sprintf("Record %q is online at the same time as this one", p.ExternalID)
		}
		if p.Online {
			return fmt.Sprintf("Record %q is still online", p.ExternalID)
		}
	}
	for _, p := range others {
		if p.LastSeen.After(incoming.FirstSeen) {
			return fmt.Sprintf("Record %q was seen %s, after this one appeared %s",
				p.ExternalID, stamp(p.LastSeen), stamp(incoming.FirstSeen))
		}
	}
	return ""
}

// sharesTrustedValue reports whether a and b have a UUID or serial in common that identified a
// machine until now.
func sharesTrustedValue(a, b profile, distrusted DistrustSet) bool {
	if a.uuid != "" && UUIDKey(a.uuid) == UUIDKey(b.uuid) && TrustedUUID(a.uuid, distrusted) {
		return true
	}
	return compareSerials(a.serial, b.serial, distrusted) == agree
}

// matchProfiles applies the matching keys in order: a trusted UUID first, then a trusted
// serial from the same manufacturer (and model, when both are known). A UUID match whose
// trusted serials differ is no match: it is a UUID shared by two machines.
func matchProfiles(inc, cp profile, distrusted DistrustSet) (candidateMatch, bool) {
	var m candidateMatch
	serials := compareSerials(inc.serial, cp.serial, distrusted)
	manufacturers := compareManufacturers(inc.manufacturer, cp.manufacturer)
	models := compareModels(inc.model, cp.model, inc.manufacturer, cp.manufacturer)
	if serials == disagree || manufacturers == disagree || models == disagree {
		return m, false
	}

	uuid := inc.uuid != "" && UUIDKey(inc.uuid) == UUIDKey(cp.uuid) &&
		TrustedUUID(inc.uuid, distrusted)
	switch {
	case uuid && serials == agree:
		m.score = scoreUUID + scoreUUIDSerial
		m.basis = fmt.Sprintf("same UUID %s and serial %q", inc.uuid, inc.serial)
	case uuid:
		m.score = scoreUUID
		m.basis = "same UUID " + inc.uuid
	case serials == agree && manufacturers == agree:
		m.score = scoreSerial
		m.basis = fmt.Sprintf("same serial %q from %s", inc.serial, inc.manufacturer)
		if models == agree {
			m.score += scoreSerialModel
			m.basis += fmt.Sprintf(" and model %q", inc.model)
		}
		if inc.uuid != "" && cp.uuid != "" && UUIDKey(inc.uuid) != UUIDKey(cp.uuid) {
			m.basis += ", but another UUID, as after a system board replacement"
		}
	default:
		return m, false
	}

	if compareOSInstalls(inc.osInstallID, cp.osInstallID) == agree {
		m.score += scoreOSInstall
	}
	if inc.hostname != "" && strings.EqualFold(inc.hostname, cp.hostname) {
		m.score += scoreHostname
	}
	return m, true
}

func (c *Candidate) profile() profile {
	u, _ := NormalizeUUID(c.UUIDKey)
	return profile{
		uuid:         u,
		serial:       strings.TrimSpace(c.Serial),
		manufacturer: strings.TrimSpace(c.Manufacturer),
		model:        strings.TrimSpace(c.Model),
		osInstallID:  strings.TrimSpace(c.OSInstallID),
		hostname:     strings.TrimSpace(c.Hostname),
	}
}

// name is how reasons refer to a known computer: its host name if known, and always its id.
func (c *Candidate) name() string {
	if h := strings.TrimSpace(c.Hostname); h != "" {
		return fmt.Sprintf("computer %s (%s)", h, c.ComputerID)
	}
	return "computer " + c.ComputerID
}

func (c *Candidate) lastSeen() time.Time {
	var t time.Time
	for _, p := range c.Pathways {
		if p.LastSeen.After(t) {
			t = p.LastSeen
		}
	}
	return t
}

func names(matches []candidateMatch) string {
	n := make([]string, len(matches))
	for i, m := range matches {
		n[i] = m.c.name()
	}
	return strings.Join(n, ", ")
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func orUnknown(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
