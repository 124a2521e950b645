package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

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
// the first record, whose name and tenant stay. RemoveUnusedBlobs clears what no version
// names.
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

// BlobDeleter removes stored content; core/blob's Store is one.
type BlobDeleter interface {
	Delete(ctx context.Context, sha256 string) error
}

// RemoveUnusedBlobs deletes the blobs no version names that were uploaded before cutoff: the
// grace period covers an upload followed by the version that names it. It returns how many
// went. No access check: for the hub's housekeeping.
func (s *Service) RemoveUnusedBlobs(ctx context.Context, blobs BlobDeleter,
	cutoff time.Time) (int, error) {
	var unused []string
	err := s.db.NewSelect().Table("blobs").Column("sha256").
		Where("created_at < ?", cutoff).
		Where("NOT EXISTS (SELECT 1 FROM software_versions v "+
			"WHERE v.installer_sha256 = blobs.sha256)").Limit(500).Scan(ctx, &unused)
	if err != nil {
		return 0, fmt.Errorf("find unused blobs: %w", err)
	}
	n := 0
	for _, sum := range unused {
		// The row goes first: a version that names the blob from now on fails cleanly
		// instead of pointing at content that is about to vanish.
		if _, err := s.db.NewDelete().Table("blobs").Where("sha256 = ?", sum).
			Exec(ctx); err != nil {
			return n, fmt.Errorf("forget blob %s: %w", sum, err)
		}
		if err := blobs.Delete(ctx, sum); err != nil {
			return n, fmt.Errorf("delete blob %s: %w", sum, err)
		}
		n++
	}
	return n, nil
}
