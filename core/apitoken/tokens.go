// Package apitoken issues and checks the API tokens that automation and the CLI use. Only a
// hash of each secret is stored; the secret is shown once, when the token is made.
package apitoken

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
)

// tokenPrefix marks Steward API tokens so secret scanners and people recognise them.
const tokenPrefix = "stw_"

// Token is an API token as stored: only a hash of the secret is kept.
type Token struct {
	bun.BaseModel `bun:"table:api_tokens"`

	ID         string      `bun:"id,pk" json:"id"`
	Name       string      `bun:"name" json:"name"`
	Hash       string      `bun:"token_hash" json:"-"`
	Role       access.Role `bun:"role" json:"role"`
	TenantID   *string     `bun:"tenant_id" json:"tenantId,omitempty"`
	CreatedAt  time.Time   `bun:"created_at" json:"createdAt"`
	ExpiresAt  *time.Time  `bun:"expires_at" json:"expiresAt,omitempty"`
	LastUsedAt *time.Time  `bun:"last_used_at" json:"lastUsedAt,omitempty"`
}

// NewToken describes a token to create.
type NewToken struct {
	Name     string
	Role     access.Role
	TenantID string
	// TTL is how long the token is valid; zero means it does not expire.
	TTL time.Duration
}

// Service creates and checks API tokens.
type Service struct {
	db  *bun.DB
	now func() time.Time
}

// NewService returns the token service over db.
func NewService(db *bun.DB) *Service {
	return &Service{db: db, now: func() time.Time { return time.Now().UTC() }}
}

// Create makes a token and returns its secret, which is shown once and never stored.
func (t *Service) Create(ctx context.Context, in NewToken) (string, Token, error) {
	if _, err := access.Require(ctx, access.MSPAdmin); err != nil {
		return "", Token{}, err
	}

	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		return "", Token{}, fmt.Errorf("token name is required: %w", errs.ErrInvalid)
	}
	if _, err := access.ParseRole(string(in.Role)); err != nil {
		return "", Token{}, err
	}
	if in.Role.IsTenantRole() != (in.TenantID != "") {
		return "", Token{}, fmt.Errorf("a tenant is required for tenant roles and refused "+
			"for MSP roles: %w", errs.ErrInvalid)
	}
	if in.TTL < 0 {
		return "", Token{}, fmt.Errorf("token lifetime must not be negative: %w", errs.ErrInvalid)
	}

	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", Token{}, fmt.Errorf("generate token: %w", err)
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	now := t.now()
	tok := Token{ID: uuid.Must(uuid.NewV7()).String(), Name: in.Name, Hash: hashSecret(secret),
		Role: in.Role, CreatedAt: now}
	if in.TenantID != "" {
		tok.TenantID = &in.TenantID
	}
	if in.TTL > 0 {
		exp := now.Add(in.TTL)
		tok.ExpiresAt = &exp
	}

	err := t.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&tok).Exec(ctx); err != nil {
			if store.IsForeignKeyViolation(err) {
				return fmt.Errorf("tenant %s does not exist: %w", in.TenantID, errs.ErrInvalid)
			}
			return fmt.Errorf("insert token: %w", err)
		}
		return audit.Record(ctx, tx, audit.Change{Action: "create", ObjectType: "api_token",
			ObjectID: tok.ID, TenantID: in.TenantID, After: tok})
	})
	if err != nil {
		return "", Token{}, err
	}
	return secret, tok, nil
}

// Authenticate returns the principal of a token secret, or ErrUnauthorized for an unknown,
// malformed or expired token.
func (t *Service) Authenticate(ctx context.Context, secret string) (access.Principal, error) {
	if !strings.HasPrefix(secret, tokenPrefix) {
		return access.Principal{}, fmt.Errorf("malformed token: %w", errs.ErrUnauthorized)
	}
	var tok Token
	err := t.db.NewSelect().Model(&tok).Where("token_hash = ?", hashSecret(secret)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return access.Principal{}, fmt.Errorf("unknown token: %w", errs.ErrUnauthorized)
	}
	if err != nil {
		return access.Principal{}, fmt.Errorf("look up token: %w", err)
	}
	now := t.now()
	if tok.ExpiresAt != nil && !now.Before(*tok.ExpiresAt) {
		return access.Principal{}, fmt.Errorf("token %s expired: %w", tok.Name, errs.ErrUnauthorized)
	}

	// Last use is kept to the minute so busy automation does not write on every request.
	if tok.LastUsedAt == nil || now.Sub(*tok.LastUsedAt) > time.Minute {
		_, err := t.db.NewUpdate().Model(&tok).Set("last_used_at = ?", now).
			WherePK().Exec(ctx)
		if err != nil {
			return access.Principal{}, fmt.Errorf("note token use: %w", err)
		}
	}

	p := access.Principal{Kind: access.KindToken, ID: tok.ID, Name: tok.Name, Role: tok.Role}
	if tok.TenantID != nil {
		p.TenantID = *tok.TenantID
	}
	return p, nil
}

// DeleteExpired removes tokens whose expiry has passed and returns how many.
func (t *Service) DeleteExpired(ctx context.Context) (int, error) {
	res, err := t.db.NewDelete().Model((*Token)(nil)).
		Where("expires_at IS NOT NULL").Where("expires_at <= ?", t.now()).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("delete expired tokens: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// List returns every API token, newest first. Secrets are never shown; only their names,
// roles and use.
func (t *Service) List(ctx context.Context) ([]Token, error) {
	if _, err := access.Require(ctx, access.MSPAdmin); err != nil {
		return nil, err
	}
	out := []Token{}
	if err := t.db.NewSelect().Model(&out).Order("created_at DESC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

// Revoke deletes a token; requests that carry it are refused from then on.
func (t *Service) Revoke(ctx context.Context, id string) error {
	if _, err := access.Require(ctx, access.MSPAdmin); err != nil {
		return err
	}
	return t.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var tok Token
		err := tx.NewSelect().Model(&tok).Where("id = ?", id).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("token %s: %w", id, errs.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("load token %s: %w", id, err)
		}
		if _, err := tx.NewDelete().Model(&tok).WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("revoke token %s: %w", id, err)
		}
		tenantID := ""
		if tok.TenantID != nil {
			tenantID = *tok.TenantID
		}
		return audit.Record(ctx, tx, audit.Change{Action: "revoke", ObjectType: "api_token",
			ObjectID: id, TenantID: tenantID, Before: tok})
	})
}
