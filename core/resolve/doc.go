// Package resolve decides which deployment applies to a computer for each maintenance item, and
// explains the decision. A deployment says: this item (a software or a maintenance task), in
// this desired state, for these computers. Many deployments may match one computer; exactly one
// wins per item. The package is pure: callers load deployments and computer facts, and every
// function here is deterministic given its inputs and the time passed in.
//
// # Matching
//
// A deployment matches a computer when it is enabled and valid (see [Validate]), its tenant is
// the computer's tenant (single-tenant and individual scope), its target picks the computer,
// and its computer-type narrowing admits the computer. Targets:
//
//   - all: every computer of the scope (every tenant for cross-tenant scope);
//   - tenant: every computer of the deployment's tenant; the same set as all in a
//     single-tenant deployment, and only used there;
//   - computer: one computer; person: the computers whose primary person (by user affinity)
//     is the person. Both are used by individual deployments and only by them;
//   - tag: computers carrying the tag, or whose tenant or primary person carries it; tags
//     compare without regard to case;
//   - directory group, device group, client group: members as the links report them. Client
//     group memberships may carry an agreement window; outside it the computer is not a
//     member, and the reason says when the agreement starts or expired;
//   - filter script: the computers the deployment's filter script selected, given as input.
//
// Narrowing to computer types follows the type hierarchy: a primary domain controller is a
// domain controller and a domain controller is a server, so a deployment narrowed to servers
// applies to all three. Workstations and portables are distinct: a portable is not a
// workstation. A computer of unknown type never matches a narrowed deployment.
//
// # Ranking
//
// Among the matching deployments of an item, the most specific wins. Two deployments are
// compared rule by rule, and the first rule that tells them apart decides:
//
//  1. Scope: individual for a computer > individual for a person > single tenant > cross
//     tenant. A deployment for the very computer beats one that reaches it through its person.
//  2. Target kind: filter script > tag > directory group > device group > client group > all.
//     A tenant target ranks with all, since both mean the whole tenant. Computer and person
//     targets rank above filter script, but only individual deployments use them and scope
//     has already separated those from the rest.
//  3. Computer-type narrowing: primary domain controller > domain controller > server >
//     portable > workstation > none. A deployment narrowed to several types ranks by the most
//     specific of them that admitted this computer: narrowed to servers and workstations, it
//     ranks as a server narrowing on a domain controller and as a workstation narrowing on a
//     workstation.
//  4. Desired state: ignored beats everything, so a technician can exempt computers from a
//     broader deployment. Then the stricter state wins. Software: uninstalled > version >
//     at_least > latest > any > update_if_found. Removal contradicts every installed state; an
//     exact pin allows one version where a floor allows many; a floor is a version a
//     technician chose, where latest follows whatever the vendor ships; any accepts an
//     outdated copy; update_if_found never installs. Tasks: enforce > audit > monitor.
//  5. Priority: the lower number wins, like a position in a queue (0 is the highest).
//  6. Age: the deployment created first wins, then the lower id, so the order is total and
//     two hubs given the same input agree.
//
// Disabled deployments never win; they are listed with the reason "disabled" and whether
// they would match if enabled.
//
// Every candidate carries a [Rank] with its level under each rule, and the [Explanation]
// names the rule that made the winner beat the runner-up ("wins: individual scope for the
// computer beats single-tenant scope of deployment d-17").
//
// Tasks that run in the hub once per tenant match tenants with [MatchesTenant]: the all,
// tenant, tag (tenant tags) and client group targets describe tenants; the others describe
// computers.
package resolve
