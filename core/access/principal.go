// Package access decides who may do what: the principal a request carries (a user, an API
// token, the system itself), the four roles, and the API tokens used by automation. Every
// service method starts by asking this package, so authorization never depends on the console.
package access

import (
	"context"
	"fmt"
	"slices"

	"github.com/stewardhq/steward/core/errs"
)

// Role is what a principal may do.
type Role string

// The roles, from broadest to narrowest.
const (
	// MSPAdmin may do everything.
	MSPAdmin Role = "msp_admin"
	// MSPUser works across tenants but manages no users, schedules or cross-tenant deployments.
	MSPUser Role = "msp_user"
	// TenantAdmin manages one tenant's computers, deployments, software and users.
	TenantAdmin Role = "tenant_admin"
	// TenantUser makes deployments for single computers and persons of one tenant.
	TenantUser Role = "tenant_user"
)

// Roles lists every role.
var Roles = []Role{MSPAdmin, MSPUser, TenantAdmin, TenantUser}

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !slices.Contains(Roles, r) {
		return "", fmt.Errorf("unknown role %q (want one of msp_admin, msp_user, "+
			"tenant_admin, tenant_user): %w", s, errs.ErrInvalid)
	}
	return r, nil
}

// IsTenantRole reports whether the role is bound to one tenant.
func (r Role) IsTenantRole() bool { return r == TenantAdmin || r == TenantUser }

// Principal kinds.
const (
	KindToken  = "token"
	KindUser   = "user"
	KindSystem = "system"
)

// Principal is who is acting.
type Principal struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
	Name string `json:"name"`
	Role Role   `json:"role"`
	// TenantID is the tenant a tenant role is bound to; empty for MSP roles.
	TenantID string `json:"tenantId,omitempty"`
}

// System is the principal of the hub's own work and of offline admin commands run on the
// server with access to its database.
func System() Principal {
	return Principal{Kind: KindSystem, ID: "system", Name: "system", Role: MSPAdmin}
}

// String names the principal for audit entries and logs.
func (p Principal) String() string { return p.Kind + ":" + p.Name }

// IsMSP reports whether the principal works across tenants.
func (p Principal) IsMSP() bool { return p.Role == MSPAdmin || p.Role == MSPUser }

// SeesTenant reports whether the principal may see the tenant's objects at all.
func (p Principal) SeesTenant(tenantID string) bool {
	return p.IsMSP() || (p.TenantID != "" && p.TenantID == tenantID)
}

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal the context carries.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// Require returns the context's principal when it holds one of the roles, ErrUnauthorized
// when there is none, and ErrForbidden otherwise.
func Require(ctx context.Context, roles ...Role) (Principal, error) {
	p, ok := FromContext(ctx)
	if !ok {
		return Principal{}, fmt.Errorf("no credentials: %w", errs.ErrUnauthorized)
	}
	if !slices.Contains(roles, p.Role) {
		return p, fmt.Errorf("role %s may not do this: %w", p.Role, errs.ErrForbidden)
	}
	return p, nil
}

// Anyone returns the context's principal whatever its role, or ErrUnauthorized.
func Anyone(ctx context.Context) (Principal, error) {
	return Require(ctx, Roles...)
}
