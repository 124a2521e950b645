package resolve

import (
	"cmp"
	"slices"
	"time"
)

// Candidate is one deployment of an item as seen from one computer.
type Candidate struct {
	Deployment Deployment `json:"deployment"`
	Matched    bool       `json:"matched"`
	// Reason says why the deployment matched or not, for technicians.
	Reason string `json:"reason"`
	Rank   Rank   `json:"rank"`
}

// Explanation is the outcome of resolving one item for one computer, with everything a
// technician needs to see why.
type Explanation struct {
	ComputerID string `json:"computerId"`
	ItemID     string `json:"itemId"`
	// Winner points at the deployment of the first candidate; nil when no deployment matched.
	Winner *Deployment `json:"winner"`
	// WinnerReason says which rule made the winner beat the runner-up.
	WinnerReason string    `json:"winnerReason"`
	DecidedBy    Criterion `json:"decidedBy,omitempty"`
	// Candidates holds every deployment of the item: the winner first, then the other matches
	// by rank, then the deployments that did not match, also by rank.
	Candidates []Candidate `json:"candidates"`
}

// Resolve decides, for every item that has deployments, which deployment applies to c at now.
//
// TODO(resolve-fleet): a pass over the whole fleet validates the same deployments and builds
// every explanation again for each computer, most of it garbage at once (see BenchmarkResolve);
// a form compiled once per deployment set, with a winners-only variant, would cut that.
func Resolve(c Computer, deployments []Deployment, now time.Time) map[string]Explanation {
	// Fleet-wide runs call this once per computer. Sorting small keys by index and copying
	// each deployment once into a single array shared by all items keeps that cheap.
	group := make(map[string]int)
	var sizes []int
	keys := make([]sortKey, len(deployments))
	order := make([]int, len(deployments))
	for i, d := range deployments {
		g, ok := group[d.ItemID]
		if !ok {
			g = len(sizes)
			group[d.ItemID] = g
			sizes = append(sizes, 0)
		}
		sizes[g]++
		v := match(c, d, now)
		keys[i] = sortKey{group: g, ok: v.ok, why: v.why, rank: rankOf(d, v.typeLevel)}
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		ka, kb := &keys[a], &keys[b]
		if n := cmp.Compare(ka.group, kb.group); n != 0 {
			return n
		}
		return ka.compare(kb)
	})

	all := make([]Candidate, len(deployments))
	for i, k := range order {
		all[i] = Candidate{Deployment: deployments[k], Matched: keys[k].ok, Reason: keys[k].why,
			Rank: keys[k].rank}
	}
	starts := make([]int, len(sizes)+1)
	for g, n := range sizes {
		starts[g+1] = starts[g] + n
	}

	out := make(map[string]Explanation, len(sizes))
	for item, g := range group {
		end := starts[g+1]
		out[item] = explain(c.ID, item, all[starts[g]:end:end])
	}
	return out
}

// Explain resolves one item for c at now; deployments of other items are left out.
func Explain(c Computer, itemID string, deployments []Deployment, now time.Time) Explanation {
	cands := []Candidate{}
	for _, d := range deployments {
		if d.ItemID == itemID {
			v := match(c, d, now)
			cands = append(cands, Candidate{Deployment: d, Matched: v.ok, Reason: v.why,
				Rank: rankOf(d, v.typeLevel)})
		}
	}
	slices.SortFunc(cands, func(a, b Candidate) int {
		return (&sortKey{ok: a.Matched, rank: a.Rank}).compare(&sortKey{ok: b.Matched,
			rank: b.Rank})
	})
	return explain(c.ID, itemID, cands)
}

// sortKey is what orders the candidates of one item: matches first, then by rank.
type sortKey struct {
	group int
	ok    bool
	why   string
	rank  Rank
}

func (k *sortKey) compare(o *sortKey) int {
	switch {
	case k.ok && !o.ok:
		return -1
	case !k.ok && o.ok:
		return 1
	}
	n, _ := k.rank.Compare(o.rank)
	return n
}

// explain builds the explanation from candidates already in order.
func explain(computerID, itemID string, cands []Candidate) Explanation {
	e := Explanation{ComputerID: computerID, ItemID: itemID, Candidates: cands}
	switch {
	case len(cands) == 0 || !cands[0].Matched:
		e.WinnerReason = "no deployment matches this computer"
		return e
	case len(cands) == 1 || !cands[1].Matched:
		e.WinnerReason = "wins: the only matching deployment"
	default:
		_, e.DecidedBy = cands[0].Rank.Compare(cands[1].Rank)
		e.WinnerReason = winReason(cands[0], cands[1], e.DecidedBy)
	}
	e.Winner = &cands[0].Deployment
	return e
}
