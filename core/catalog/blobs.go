package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/uptrace/bun"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/audit"
	"github.com/stewardhq/steward/core/errs"
)

// BlobPutter stores content and returns its SHA-256 and size; core/blob's Store is one.
type BlobPutter interface {
	Put(ctx context.Context, r io.Reader) (string, int64, error)
}

// StoreBlob stores an uploaded file with blobs and records it, so versions can name it as
// their installer. Identical content is stored and recorded once: uploading it again returns
// the first record, whose name and tenant stay.
//
// TODO(blob): nothing removes blobs that no version names (abandoned uploads, deleted
// versions); housekeeping should, after a grace period that covers an upload followed by
// its version.
func (s *Service) StoreBlob(ctx context.Context, blobs BlobPutter, r io.Reader, name string) (
	Blob, error) {
	p, err := access.Require(ctx, writers...)
	if err != nil {
		return Blob{}, err
	}
	sum, size, err := blobs.Put(ctx, r)
	if err != nil {
		return Blob{}, fmt.Errorf("store upload: %w", err)
	}
	b := Blob{SHA256: strings.ToLower(sum), Size: size, Name: strings.TrimSpace(name),
		CreatedAt: s.now()}
	if !p.IsMSP() {
		b.TenantID = p.TenantID
	}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewInsert().Model(&b).On("CONFLICT (sha256) DO NOTHING").Exec(ctx)
		if err != nil {
			return fmt.Errorf("record blob %s: %w", b.SHA256, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			b, err = loadBlob(ctx, tx, b.SHA256)
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "create", ObjectType: "blob",
			ObjectID: b.SHA256, TenantID: b.TenantID, After: b})
	})
	return b, err
}

func loadBlob(ctx context.Context, db bun.IDB, sha256 string) (Blob, error) {
	var b Blob
	err := db.NewSelect().Model(&b).Where("b.sha256 = ?", strings.ToLower(sha256)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return Blob{}, fmt.Errorf("blob %s: %w", sha256, errs.ErrNotFound)
	}
	if err != nil {
		return Blob{}, fmt.Errorf("load blob %s: %w", sha256, err)
	}
	return b, nil
}
