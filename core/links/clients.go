package links

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/audit"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/store"
	"github.com/stewardhq/steward/core/tenant"
	"github.com/stewardhq/steward/sdk"
)

// ClientMapping is one of a link's external clients and the tenant its computers belong to.
type ClientMapping struct {
	ClientID string `json:"clientId"`
	Name     string `json:"name"`
	// TenantID is the mapped tenant; empty while the client is not mapped, and its agents are
	// skipped by sync.
	TenantID string `json:"tenantId,omitempty"`
	// SuggestedTenantID is the one tenant whose name matches the client's, for an unmapped
	// client.
	SuggestedTenantID string `json:"suggestedTenantId,omitempty"`
	// Reported is false for a stored mapping whose client the connector no longer lists.
	Reported bool `json:"reported"`
}

// MapInput maps a client: to TenantID, to a new tenant named after the client when
// CreateTenant is set, or to nothing when TenantID is null or empty.
type MapInput struct {
	TenantID     *string `json:"tenantId"`
	CreateTenant bool    `json:"createTenant,omitempty"`
}

// running returns the link's connector, which must run and declare capability c.
func (s *Service) running(ctx context.Context, id string, c sdk.Capability) (Link,
	*sdk.Plugin, error) {
	l, err := load(ctx, s.db, id)
	if err != nil {
		return Link{}, nil, err
	}
	p := s.host.plugin(id)
	if p == nil {
		return Link{}, nil, fmt.Errorf("link %s is not running (status %s): %w", l.Name,
			l.Status, errs.ErrConflict)
	}
	if !p.Has(c) {
		return Link{}, nil, fmt.Errorf("connector %s of link %s does not offer %s: %w",
			l.Connector, l.Name, c, errs.ErrConflict)
	}
	return l, p, nil
}

// externalClients asks the link's connector for its clients.
func (s *Service) externalClients(ctx context.Context, id string) ([]sdk.Client, error) {
	_, p, err := s.running(ctx, id, sdk.CapClients)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.callTimeout)
	defer cancel()
	clients, err := p.Clients(ctx)
	if err != nil {
		return nil, fmt.Errorf("list clients of link %s: %w", id, err)
	}
	return clients, nil
}

// Clients lists the link's external clients, as its running connector reports them, with
// their stored mappings and a suggested tenant for each unmapped one.
func (s *Service) Clients(ctx context.Context, id string) ([]ClientMapping, error) {
	if _, err := access.Require(ctx, readers...); err != nil {
		return nil, err
	}
	clients, err := s.externalClients(ctx, id)
	if err != nil {
		return nil, err
	}
	var stored []LinkClient
	if err := s.db.NewSelect().Model(&stored).Where("link_id = ?", id).Scan(ctx); err != nil {
		return nil, fmt.Errorf("load client mappings of link %s: %w", id, err)
	}
	var tenants []tenant.Tenant
	if err := s.db.NewSelect().Model(&tenants).Column("id", "name").Scan(ctx); err != nil {
		return nil, fmt.Errorf("load tenants: %w", err)
	}
	return mergeClients(clients, stored, tenants), nil
}

// mergeClients joins the reported clients with the stored mappings, by client name.
func mergeClients(clients []sdk.Client, stored []LinkClient,
	tenants []tenant.Tenant) []ClientMapping {
	byKey := map[string][]string{}
	for _, t := range tenants {
		k := nameKey(t.Name)
		byKey[k] = append(byKey[k], t.ID)
	}
	mapped := map[string]LinkClient{}
	for _, m := range stored {
		mapped[m.ClientID] = m
	}

	out := make([]ClientMapping, 0, len(clients)+len(stored))
	for _, c := range clients {
		m := ClientMapping{ClientID: c.ID, Name: c.Name, Reported: true}
		if lc, ok := mapped[c.ID]; ok && lc.TenantID != nil {
			m.TenantID = *lc.TenantID
		}
		// Only an unambiguous match is suggested; two tenants of one name need a person.
		if ids := byKey[nameKey(c.Name)]; m.TenantID == "" && len(ids) == 1 &&
			nameKey(c.Name) != "" {
			m.SuggestedTenantID = ids[0]
		}
		delete(mapped, c.ID)
		out = append(out, m)
	}
	for _, lc := range mapped {
		m := ClientMapping{ClientID: lc.ClientID, Name: lc.ClientName}
		if lc.TenantID != nil {
			m.TenantID = *lc.TenantID
		}
		out = append(out, m)
	}
	sort.SliceStable(out, func(i, j int) bool {
		return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name)
	})
	return out
}

// legalSuffixes are company-form words that a client's name in one system carries and the
// tenant's name often lacks.
var legalSuffixes = map[string]bool{
	"ltd": true, "limited": true, "inc": true, "incorporated": true, "gmbh": true,
	"llc": true, "llp": true, "plc": true, "corp": true, "corporation": true, "co": true,
	"ag": true, "sa": true, "sarl": true, "srl": true, "bv": true, "nv": true, "pty": true,
	"ab": true, "as": true, "oy": true, "kg": true, "spa": true,
}

// nameKey reduces a company name for comparison: case, punctuation and trailing legal-form
// words do not count, so "Contoso, Ltd." and "contoso" match.
func nameKey(name string) string {
	words := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return unicode.IsSpace(r) || r == '-' || r == '/' || r == ','
	})
	for i, w := range words {
		words[i] = strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return r
			}
			return -1
		}, w)
	}
	for len(words) > 1 && (words[len(words)-1] == "" || legalSuffixes[words[len(words)-1]]) {
		words = words[:len(words)-1]
	}
	return strings.Join(words, "")
}

// MapClient maps one of the link's external clients to a tenant, creates a tenant for it, or
// unmaps it. The client must be one the running connector reports.
func (s *Service) MapClient(ctx context.Context, id, clientID string, in MapInput) (
	ClientMapping, error) {
	if _, err := access.Require(ctx, access.MSPAdmin); err != nil {
		return ClientMapping{}, err
	}
	if in.CreateTenant && in.TenantID != nil && *in.TenantID != "" {
		return ClientMapping{}, fmt.Errorf("send either tenantId or createTenant: %w",
			errs.ErrInvalid)
	}
	clients, err := s.externalClients(ctx, id)
	if err != nil {
		return ClientMapping{}, err
	}
	var client *sdk.Client
	for i := range clients {
		if clients[i].ID == clientID {
			client = &clients[i]
		}
	}
	if client == nil {
		return ClientMapping{}, fmt.Errorf("client %s of link %s: %w", clientID, id,
			errs.ErrNotFound)
	}

	after := LinkClient{LinkID: id, ClientID: clientID, ClientName: client.Name}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		switch {
		case in.CreateTenant:
			t, err := s.createTenant(ctx, tx, client.Name)
			if err != nil {
				return err
			}
			after.TenantID = &t
		case in.TenantID != nil && *in.TenantID != "":
			n, err := tx.NewSelect().Table("tenants").Where("id = ?", *in.TenantID).Count(ctx)
			if err != nil {
				return fmt.Errorf("find tenant %s: %w", *in.TenantID, err)
			}
			if n == 0 {
				return fmt.Errorf("tenant %s does not exist: %w", *in.TenantID, errs.ErrInvalid)
			}
			after.TenantID = in.TenantID
		}
		return saveMapping(ctx, tx, after)
	})
	if err != nil {
		return ClientMapping{}, err
	}
	out := ClientMapping{ClientID: clientID, Name: client.Name, Reported: true}
	if after.TenantID != nil {
		out.TenantID = *after.TenantID
	}
	return out, nil
}

// saveMapping stores the mapping and records the change.
func saveMapping(ctx context.Context, tx bun.Tx, after LinkClient) error {
	var before *LinkClient
	var old LinkClient
	err := tx.NewSelect().Model(&old).Where("link_id = ?", after.LinkID).
		Where("client_id = ?", after.ClientID).Scan(ctx)
	switch {
	case err == nil:
		before = &old
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("load client mapping %s: %w", after.ClientID, err)
	}
	_, err = tx.NewInsert().Model(&after).On("CONFLICT (link_id, client_id) DO UPDATE").
		Set("client_name = EXCLUDED.client_name").Set("tenant_id = EXCLUDED.tenant_id").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("save client mapping %s: %w", after.ClientID, err)
	}
	action, tenantID := "map_client", ""
	if after.TenantID == nil {
		action = "unmap_client"
	} else {
		tenantID = *after.TenantID
	}
	return audit.Record(ctx, tx, audit.Change{Action: action, ObjectType: "link",
		ObjectID: after.LinkID, TenantID: tenantID, Before: before, After: after})
}

// createTenant adds a tenant named after a client and returns its id.
//
// TODO(tenants): this writes the row itself to share the mapping's transaction; a
// transaction-aware create in core/tenant would keep the name rules in one place.
func (s *Service) createTenant(ctx context.Context, tx bun.Tx, name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", fmt.Errorf("the client has no name to give a tenant: %w", errs.ErrInvalid)
	}
	now := s.now()
	t := tenant.Tenant{ID: uuid.Must(uuid.NewV7()).String(), Name: name,
		OnboardingEnabled: true, Tags: []string{}, CreatedAt: now, UpdatedAt: now}
	if _, err := tx.NewInsert().Model(&t).Exec(ctx); err != nil {
		if store.IsUniqueViolation(err) {
			return "", fmt.Errorf("a tenant named %q exists already: %w", name,
				errs.ErrConflict)
		}
		return "", fmt.Errorf("create tenant %q: %w", name, err)
	}
	err := audit.Record(ctx, tx, audit.Change{Action: "create", ObjectType: "tenant",
		ObjectID: t.ID, TenantID: t.ID, After: t})
	return t.ID, err
}
