package identify

import "strings"

// HistorySize is how many signed-in users a computer remembers.
const HistorySize = 10

// PushUPN returns history with upn appended as the newest entry, keeping the last HistorySize
// entries. The caller pushes each user of an agent report in the order reported. The input
// slice is never modified.
//
// A user equal (ignoring case) to the newest entry is not added again. Agents report every few
// minutes, so without this rule whoever happened to be signed in during the last hour would
// fill the whole history; with it, each entry stands for a change of user, and the count in
// PrimaryPerson measures how often someone comes back to the computer rather than how long
// they stayed. Empty names are ignored.
func PushUPN(history []string, upn string) []string {
	upn = strings.TrimSpace(upn)
	out := append([]string(nil), history...)
	if upn == "" || (len(out) > 0 && strings.EqualFold(out[len(out)-1], upn)) {
		return out
	}

	out = append(out, upn)
	if len(out) > HistorySize {
		out = out[len(out)-HistorySize:]
	}
	return out
}

// PrimaryPerson returns the id of the person a computer belongs to, or "" when none is known.
//
// A non-empty override (a person id set by a technician) wins. Otherwise each history entry
// that matches a known person (persons maps lower-case UPN to person id) counts for that
// person, and the person counted most often wins; between equal counts the one seen most
// recently wins. Entries of unknown users, such as local accounts, count for nobody.
func PrimaryPerson(history []string, persons map[string]string, override string) string {
	if override != "" {
		return override
	}

	counts := map[string]int{}
	latest := map[string]int{}
	for i, upn := range history {
		id, ok := persons[strings.ToLower(strings.TrimSpace(upn))]
		if !ok || id == "" {
			continue
		}
		counts[id]++
		latest[id] = i
	}

	best := ""
	for id, n := range counts {
		if best == "" || n > counts[best] || (n == counts[best] && latest[id] > latest[best]) {
			best = id
		}
	}
	return best
}
