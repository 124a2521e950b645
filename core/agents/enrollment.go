// Package agents manages Steward's own agents: the enrollment tokens a technician hands out,
// the agents that enrolled with them (each known by the public key it generated), their
// revocation, and whether each is connected now.
package agents

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/audit"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/store"
	"github.com/stewardhq/steward/core/tenant"
)

const enrollPrefix = "stwe_"

// EnrollmentToken lets agents join one tenant until it expires or is used up.
type EnrollmentToken struct {
	bun.BaseModel `bun:"table:enrollment_tokens,alias:e"`

	ID        string     `bun:"id,pk" json:"id"`
	TenantID  string     `bun:"tenant_id" json:"tenantId"`
	Name      string     `bun:"name" json:"name"`
	Hash      string     `bun:"token_hash" json:"-"`
	Tags      []string   `bun:"tags,type:text" json:"tags"`
	MaxUses   *int       `bun:"max_uses" json:"maxUses,omitempty"`
	Uses      int        `bun:"uses" json:"uses"`
	ExpiresAt time.Time  `bun:"expires_at" json:"expiresAt"`
	CreatedAt time.Time  `bun:"created_at" json:"createdAt"`
	RevokedAt *time.Time `bun:"revoked_at" json:"revokedAt,omitempty"`
}

// NewEnrollmentToken describes a token to create.
type NewEnrollmentToken struct {
	Name string `json:"name"`
	// ExpiresInSeconds is the token's lifetime; default one week, at most one year.
	ExpiresInSeconds int `json:"expiresInSeconds,omitempty"`
	// MaxUses limits how many agents may enroll; nil or 0 means no limit.
	MaxUses *int `json:"maxUses,omitempty"`
	// Tags are given to every computer that enrolls with the token.
	Tags []string `json:"tags,omitempty"`
}

// CreatedEnrollmentToken is a new token with its secret, shown once.
type CreatedEnrollmentToken struct {
	EnrollmentToken
	Token string `json:"token"`
}

const (
	defaultEnrollTTL = 7 * 24 * time.Hour
	maxEnrollTTL     = 365 * 24 * time.Hour
)

// CreateEnrollmentToken makes a token for the tenant.
func (s *Service) CreateEnrollmentToken(ctx context.Context, tenantID string,
	in NewEnrollmentToken) (CreatedEnrollmentToken, error) {
	p, err := access.Require(ctx, access.MSPAdmin, access.MSPUser, access.TenantAdmin)
	if err != nil {
		return CreatedEnrollmentToken{}, err
	}
	if !p.SeesTenant(tenantID) {
		return CreatedEnrollmentToken{}, fmt.Errorf("tenant %s: %w", tenantID, errs.ErrNotFound)
	}

	ttl := time.Duration(in.ExpiresInSeconds) * time.Second
	switch {
	case in.ExpiresInSeconds < 0:
		return CreatedEnrollmentToken{}, fmt.Errorf("expiresInSeconds must not be negative: %w",
			errs.ErrInvalid)
	case ttl == 0:
		ttl = defaultEnrollTTL
	case ttl > maxEnrollTTL:
		return CreatedEnrollmentToken{}, fmt.Errorf("enrollment tokens live at most a year: %w",
			errs.ErrInvalid)
	}
	if in.MaxUses != nil && *in.MaxUses < 0 {
		return CreatedEnrollmentToken{}, fmt.Errorf("maxUses must not be negative: %w",
			errs.ErrInvalid)
	}
	if in.MaxUses != nil && *in.MaxUses == 0 {
		in.MaxUses = nil
	}
	tags, err := tenant.CleanTags(in.Tags)
	if err != nil {
		return CreatedEnrollmentToken{}, err
	}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		name = "enrollment token"
	}

	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return CreatedEnrollmentToken{}, fmt.Errorf("generate enrollment token: %w", err)
	}
	secret := enrollPrefix + base64.RawURLEncoding.EncodeToString(raw)
	now := s.now()
	tok := EnrollmentToken{ID: uuid.Must(uuid.NewV7()).String(), TenantID: tenantID, Name: name,
		Hash: hash(secret), Tags: tags, MaxUses: in.MaxUses, ExpiresAt: now.Add(ttl),
		CreatedAt: now}

	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&tok).Exec(ctx); err != nil {
			if store.IsForeignKeyViolation(err) {
				return fmt.Errorf("tenant %s: %w", tenantID, errs.ErrNotFound)
			}
			return fmt.Errorf("insert enrollment token: %w", err)
		}
		return audit.Record(ctx, tx, audit.Change{Action: "create",
			ObjectType: "enrollment_token", ObjectID: tok.ID, TenantID: tenantID, After: tok})
	})
	if err != nil {
		return CreatedEnrollmentToken{}, err
	}
	return CreatedEnrollmentToken{EnrollmentToken: tok, Token: secret}, nil
}

// ListEnrollmentTokens lists a tenant's tokens, newest first.
func (s *Service) ListEnrollmentTokens(ctx context.Context, tenantID string) (
	[]EnrollmentToken, error) {
	p, err := access.Require(ctx, access.MSPAdmin, access.MSPUser, access.TenantAdmin)
	if err != nil {
		return nil, err
	}
	if !p.SeesTenant(tenantID) {
		return nil, fmt.Errorf("tenant %s: %w", tenantID, errs.ErrNotFound)
	}
	out := []EnrollmentToken{}
	err = s.db.NewSelect().Model(&out).Where("tenant_id = ?", tenantID).
		Order("created_at DESC").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list enrollment tokens: %w", err)
	}
	return out, nil
}

// RevokeEnrollmentToken stops a token from enrolling more agents. Agents already enrolled
// stay.
func (s *Service) RevokeEnrollmentToken(ctx context.Context, id string) error {
	p, err := access.Require(ctx, access.MSPAdmin, access.MSPUser, access.TenantAdmin)
	if err != nil {
		return err
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var tok EnrollmentToken
		err := tx.NewSelect().Model(&tok).Where("id = ?", id).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !p.SeesTenant(tok.TenantID)) {
			return fmt.Errorf("enrollment token %s: %w", id, errs.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("load enrollment token: %w", err)
		}
		if tok.RevokedAt != nil {
			return nil
		}
		before := tok
		now := s.now()
		tok.RevokedAt = &now
		if _, err := tx.NewUpdate().Model(&tok).Column("revoked_at").WherePK().
			Exec(ctx); err != nil {
			return fmt.Errorf("revoke enrollment token: %w", err)
		}
		return audit.Record(ctx, tx, audit.Change{Action: "revoke",
			ObjectType: "enrollment_token", ObjectID: id, TenantID: tok.TenantID,
			Before: before, After: tok})
	})
}

// useEnrollmentToken checks a token secret and counts one use, inside tx.
func (s *Service) useEnrollmentToken(ctx context.Context, tx bun.Tx, secret string) (
	EnrollmentToken, error) {
	var tok EnrollmentToken
	err := tx.NewSelect().Model(&tok).Where("token_hash = ?", hash(secret)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return tok, fmt.Errorf("unknown enrollment token: %w", errs.ErrUnauthorized)
	}
	if err != nil {
		return tok, fmt.Errorf("look up enrollment token: %w", err)
	}
	now := s.now()
	switch {
	case tok.RevokedAt != nil:
		return tok, fmt.Errorf("enrollment token %q was revoked: %w", tok.Name,
			errs.ErrUnauthorized)
	case !now.Before(tok.ExpiresAt):
		return tok, fmt.Errorf("enrollment token %q expired at %s: %w", tok.Name,
			tok.ExpiresAt.Format(time.RFC3339), errs.ErrUnauthorized)
	case tok.MaxUses != nil && tok.Uses >= *tok.MaxUses:
		return tok, fmt.Errorf("enrollment token %q has been used up (%d of %d uses): %w",
			tok.Name, tok.Uses, *tok.MaxUses, errs.ErrUnauthorized)
	}
	// The condition on uses makes two simultaneous enrollments unable to both take the last use.
	q := tx.NewUpdate().Model(&tok).Set("uses = uses + 1").WherePK()
	if tok.MaxUses != nil {
		q = q.Where("uses < ?", *tok.MaxUses)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return tok, fmt.Errorf("count enrollment token use: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return tok, fmt.Errorf("enrollment token %q has been used up: %w", tok.Name,
			errs.ErrUnauthorized)
	}
	tok.Uses++
	return tok, nil
}

func hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
