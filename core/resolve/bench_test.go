package resolve

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkResolve resolves 200 deployments of 40 items over 10,000 computers of 20 tenants;
// one operation is the whole fleet.
func BenchmarkResolve(b *testing.B) {
	const tenants, computers, items = 20, 10_000, 40
	allTypes := []string{ws, nb, srv, dc, pdc}

	fleet := make([]Computer, computers)
	for i := range fleet {
		fleet[i] = Computer{
			ID:                fmt.Sprintf("cmp-%05d", i),
			TenantID:          fmt.Sprintf("ten-%02d", i%tenants),
			Type:              allTypes[i%len(allTypes)],
			Tags:              []string{fmt.Sprintf("tag-%d", i%7)},
			TenantTags:        []string{fmt.Sprintf("ttag-%d", i%tenants%3)},
			PrimaryPersonID:   fmt.Sprintf("per-%04d", i/2),
			PrimaryPersonTags: []string{fmt.Sprintf("ptag-%d", i%5)},
			DirectoryGroups:   []string{fmt.Sprintf("dir-%d", i%11), fmt.Sprintf("dir-%d", i%13)},
			DeviceGroups:      []string{fmt.Sprintf("dev-%d", i%17)},
			ClientGroups:      []string{fmt.Sprintf("cg-%d", i%4)},
			FilterScripts:     []string{fmt.Sprintf("dep-%03d", i%200)},
		}
	}

	// Five deployments per item, one of each shape, so every item resolves across scopes,
	// targets and narrowings.
	shapes := []func(i int) []func(*Deployment){
		func(i int) []func(*Deployment) { return nil },
		func(i int) []func(*Deployment) {
			return []func(*Deployment){tenant(fmt.Sprintf("ten-%02d", i%tenants), ""),
				types(srv), state(StateAny)}
		},
		func(i int) []func(*Deployment) {
			return []func(*Deployment){target(TargetTag, fmt.Sprintf("tag-%d", i%7)),
				state(StateUninstalled)}
		},
		func(i int) []func(*Deployment) {
			return []func(*Deployment){target(TargetDirectoryGroup, fmt.Sprintf("dir-%d", i%11)),
				types(ws, nb), priority(i % 3)}
		},
		func(i int) []func(*Deployment) {
			return []func(*Deployment){forComputer(fmt.Sprintf("cmp-%05d", i*37)),
				state(StateIgnored)}
		},
	}
	var deployments []Deployment
	for i := range items * len(shapes) {
		opts := append(shapes[i%len(shapes)](i),
			item(fmt.Sprintf("item-%02d", i/len(shapes)), ItemSoftware),
			created(now.Add(-time.Duration(i)*time.Hour)))
		deployments = append(deployments, dep(fmt.Sprintf("dep-%03d", i), opts...))
	}

	winners := 0
	for b.Loop() {
		winners = 0
		for _, c := range fleet {
			for _, e := range Resolve(c, deployments, now) {
				if e.Winner != nil {
					winners++
				}
			}
		}
	}
	if winners == 0 {
		b.Fatal("no deployment won anywhere")
	}
}
