// Package audit records every change made through the hub: who, when, what, and the object
// before and after. Services call Record inside the transaction that makes the change, so an
// entry exists exactly when the change does.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/stewardhq/steward/core/access"
)

// Entry is one recorded change.
type Entry struct {
	bun.BaseModel `bun:"table:audit_log"`

	ID         int64     `bun:"id,pk,autoincrement" json:"id"`
	At         time.Time `bun:"at" json:"at"`
	Actor      string    `bun:"actor" json:"actor"`
	Action     string    `bun:"action" json:"action"`
	ObjectType string    `bun:"object_type" json:"objectType"`
	ObjectID   string    `bun:"object_id" json:"objectId"`
	TenantID   string    `bun:"tenant_id,nullzero" json:"tenantId,omitempty"`
	Before     string    `bun:"before,nullzero" json:"before,omitempty"`
	After      string    `bun:"after,nullzero" json:"after,omitempty"`
}

// Change describes what happened to one object. Before and After are the object's API form
// (which never holds secrets); nil where the object did not exist.
type Change struct {
	Action     string
	ObjectType string
	ObjectID   string
	TenantID   string
	Before     any
	After      any
}

// Record writes the change with the context's principal as actor.
func Record(ctx context.Context, db bun.IDB, c Change) error {
	actor := "unknown"
	if p, ok := access.FromContext(ctx); ok {
		actor = p.String()
	}
	e := Entry{At: time.Now().UTC(), Actor: actor, Action: c.Action,
		ObjectType: c.ObjectType, ObjectID: c.ObjectID, TenantID: c.TenantID}
	var err error
	if e.Before, err = encode(c.Before); err != nil {
		return err
	}
	if e.After, err = encode(c.After); err != nil {
		return err
	}
	if _, err := db.NewInsert().Model(&e).Exec(ctx); err != nil {
		return fmt.Errorf("record %s of %s %s: %w", c.Action, c.ObjectType, c.ObjectID, err)
	}
	return nil
}

func encode(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode audit value: %w", err)
	}
	return string(b), nil
}

// List returns the newest entries for one object, newest first.
func List(ctx context.Context, db bun.IDB, objectType, objectID string) ([]Entry, error) {
	var out []Entry
	err := db.NewSelect().Model(&out).
		Where("object_type = ?", objectType).Where("object_id = ?", objectID).
		Order("id DESC").Limit(100).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list audit entries: %w", err)
	}
	return out, nil
}
