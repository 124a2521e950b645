package catalog

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/audit"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/store"
	"github.com/stewardhq/steward/core/version"
)

// AddVersion adds a version to a software the caller may change. The version string must
// parse as a version and differ from the existing ones in version order (1.0 and 1.0.0 are the
// same version). Scripts given inline are named after the software and version.
func (s *Service) AddVersion(ctx context.Context, softwareID string, in VersionInput) (Version,
	error) {
	p, err := access.Require(ctx, writers...)
	if err != nil {
		return Version{}, err
	}
	var out Version
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		row, err := s.visibleSoftware(ctx, tx, p, softwareID)
		if err != nil {
			return err
		}
		o := owner{row.Global, row.TenantID}
		if err := mayChange(p, o, "software "+row.Name); err != nil {
			return err
		}
		list, err := withVersions(ctx, tx, []softwareRow{row})
		if err != nil {
			return err
		}
		c := &saving{s: s, tx: tx, p: p, owner: o, itemID: softwareID}
		if out, err = c.version(ctx, list[0], in, uuid.Must(uuid.NewV7()).String()); err != nil {
			return err
		}
		return s.insertVersion(ctx, tx, list[0], out)
	})
	return out, err
}

func (s *Service) insertVersion(ctx context.Context, tx bun.Tx, sw Software, v Version) error {
	row := versionRowOf(sw.ID, v)
	if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
		if store.IsUniqueViolation(err) {
			return fmt.Errorf("software %q has version %s already: %w", sw.Name, v.Version,
				errs.ErrConflict)
		}
		return fmt.Errorf("save version %s: %w", v.Version, err)
	}
	if _, err := tx.NewUpdate().Table("software").Set("updated_at = ?", s.now()).
		Where("id = ?", sw.ID).Exec(ctx); err != nil {
		return fmt.Errorf("touch software %s: %w", sw.ID, err)
	}
	return audit.Record(ctx, tx, audit.Change{Action: "create", ObjectType: "software_version",
		ObjectID: v.ID, TenantID: sw.TenantID, After: v})
}

// version builds a version of sw from in and checks it.
func (c *saving) version(ctx context.Context, sw Software, in VersionInput, id string) (
	Version, error) {
	raw := strings.TrimSpace(in.Version)
	if _, err := version.Parse(raw); err != nil {
		return Version{}, fmt.Errorf("version %q: %s: %w", raw, versionProblem(err),
			errs.ErrInvalid)
	}
	for _, v := range sw.Versions {
		if v.ID != id && version.Equal(v.Version, raw) {
			return Version{}, fmt.Errorf("software %q has version %s already (as %s): %w",
				sw.Name, raw, v.Version, errs.ErrConflict)
		}
	}
	out := Version{ID: id, Version: raw, RebootNeeded: in.RebootNeeded, CreatedAt: c.s.now()}
	if in.Installer != nil {
		inst, err := c.installer(ctx, *in.Installer)
		if err != nil {
			return Version{}, err
		}
		out.Installer = &inst
	}
	err := c.scripts(ctx, &out.Scripts, in.Scripts, sw.Name+" "+raw, raw+"/")
	if err != nil {
		return Version{}, err
	}
	merged := sw.Scripts.Merge(out.Scripts)
	if merged.Install == "" {
		return Version{}, fmt.Errorf("version %s has no install script: give one to the "+
			"version or to the software: %w", raw, errs.ErrInvalid)
	}
	if sw.UpgradeStrategy == UpgradeScript && merged.Upgrade == "" {
		return Version{}, fmt.Errorf("version %s has no upgrade script, which upgradeStrategy "+
			"%s needs: %w", raw, UpgradeScript, errs.ErrInvalid)
	}
	return out, nil
}

func versionProblem(err error) string {
	msg := err.Error()
	return strings.TrimSuffix(msg, ": "+version.ErrInvalid.Error())
}

// installer checks an installer: an uploaded one must be in the blob store, a downloaded one
// needs an http(s) URL; both need the SHA-256 the agent checks the file against.
func (c *saving) installer(ctx context.Context, in Installer) (Installer, error) {
	in.SHA256 = strings.ToLower(strings.TrimSpace(in.SHA256))
	in.Name = strings.TrimSpace(in.Name)
	in.URL = strings.TrimSpace(in.URL)
	if b, err := hex.DecodeString(in.SHA256); err != nil || len(b) != 32 {
		return Installer{}, fmt.Errorf("installer sha256 %q must be 64 hexadecimal digits: %w",
			in.SHA256, errs.ErrInvalid)
	}
	if strings.ContainsAny(in.Name, `/\`) {
		return Installer{}, fmt.Errorf("installer name %q must be a file name without "+
			"folders: %w", in.Name, errs.ErrInvalid)
	}
	if in.URL != "" {
		u, err := url.Parse(in.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Installer{}, fmt.Errorf("installer url %q must be an http:// or https:// "+
				"address: %w", in.URL, errs.ErrInvalid)
		}
		if in.Name == "" {
			in.Name = path.Base(u.Path)
		}
		if in.Size < 0 {
			return Installer{}, fmt.Errorf("installer size must not be negative: %w",
				errs.ErrInvalid)
		}
		return in, nil
	}
	b, err := loadBlob(ctx, c.tx, in.SHA256)
	if err != nil {
		return Installer{}, fmt.Errorf("installer %s has not been uploaded (PUT /api/v1/blobs) "+
			"and has no url: %w", in.SHA256, errs.ErrInvalid)
	}
	in.Size = b.Size
	if in.Name == "" {
		in.Name = b.Name
	}
	return in, nil
}

// DeleteVersion removes a version of a software the caller may change, with the scripts that
// were given inline for it.
func (s *Service) DeleteVersion(ctx context.Context, softwareID, versionID string) error {
	p, err := access.Require(ctx, writers...)
	if err != nil {
		return err
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		row, err := s.visibleSoftware(ctx, tx, p, softwareID)
		if err != nil {
			return err
		}
		if err := mayChange(p, owner{row.Global, row.TenantID}, "software "+row.Name); err != nil {
			return err
		}
		var v versionRow
		err = tx.NewSelect().Model(&v).Where("sv.id = ?", versionID).
			Where("sv.software_id = ?", softwareID).Scan(ctx)
		if err != nil {
			return fmt.Errorf("version %s of software %s: %w", versionID, softwareID,
				errs.ErrNotFound)
		}
		if _, err := tx.NewDelete().Model(&v).WherePK().Exec(ctx); err != nil {
			return deleteErr(err, "version", row.Name+" "+v.Version)
		}
		if err := dropUnusedInline(ctx, tx, softwareID,
			v.Scripts.scripts().ids()...); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "delete",
			ObjectType: "software_version", ObjectID: versionID, TenantID: row.TenantID,
			Before: v.version()})
	})
}

// sortVersions orders versions newest first.
func sortVersions(vs []Version) {
	slices.SortStableFunc(vs, func(a, b Version) int {
		return version.Compare(b.Version, a.Version)
	})
}
