package catalog_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/catalog"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/store"
	"github.com/stewardhq/steward/core/store/storetest"
)

var sha = strings.Repeat("ab", 32)

func TestVersions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		sw := mustSoftware(t, e.adminA, e.svc, nameDetected("Hello"))

		tests := []struct {
			name string
			in   catalog.VersionInput
			want error
			msg  string
		}{
			{"not a version", catalog.VersionInput{Version: "latest"}, errs.ErrInvalid,
				`version "latest"`},
			{"empty version", catalog.VersionInput{}, errs.ErrInvalid, `version ""`},
			{"installer not uploaded", catalog.VersionInput{Version: "1.0",
				Installer: &catalog.Installer{SHA256: sha}}, errs.ErrInvalid,
				"has not been uploaded"},
			{"installer hash malformed", catalog.VersionInput{Version: "1.0",
				Installer: &catalog.Installer{SHA256: "abc"}}, errs.ErrInvalid,
				"must be 64 hexadecimal digits"},
			{"installer url not http", catalog.VersionInput{Version: "1.0",
				Installer: &catalog.Installer{SHA256: sha, URL: "ftp://x/y.msi"}},
				errs.ErrInvalid, "must be an http:// or https:// address"},
			{"unknown script", catalog.VersionInput{Version: "1.0",
				Scripts: catalog.ScriptRefs{Repair: catalog.Ref("nope")}}, errs.ErrInvalid,
				"repair script nope does not exist"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := e.svc.AddVersion(e.adminA, sw.ID, tt.in)
				require.ErrorIs(t, err, tt.want)
				require.Contains(t, err.Error(), tt.msg)
			})
		}

		_, err := e.svc.StoreBlob(e.adminA, fakeBlobs{sha, 1234}, nil, "hello_1.1.deb")
		require.NoError(t, err)
		v11, err := e.svc.AddVersion(e.adminA, sw.ID, catalog.VersionInput{Version: "1.1",
			Installer: &catalog.Installer{SHA256: strings.ToUpper(sha)}})
		require.NoError(t, err)
		require.Equal(t, &catalog.Installer{SHA256: sha, Name: "hello_1.1.deb", Size: 1234},
			v11.Installer, "size and name come from the upload")

		_, err = e.svc.AddVersion(e.adminA, sw.ID, catalog.VersionInput{Version: "1.1.0"})
		require.ErrorIs(t, err, errs.ErrConflict, "1.1.0 is the same version as 1.1")
		require.Contains(t, err.Error(), "has version 1.1.0 already (as 1.1)")

		_, err = e.svc.AddVersion(e.adminA, sw.ID, catalog.VersionInput{Version: "1.10",
			Installer: &catalog.Installer{SHA256: sha, URL: "https://example.test/h.deb"}})
		require.NoError(t, err)
		_, err = e.svc.AddVersion(e.adminA, sw.ID, catalog.VersionInput{Version: "1.9"})
		require.NoError(t, err)

		got, err := e.svc.GetSoftware(e.userA, sw.ID)
		require.NoError(t, err)
		var order []string
		for _, v := range got.Versions {
			order = append(order, v.Version)
		}
		require.Equal(t, []string{"1.10", "1.9", "1.1"}, order, "newest first, by version order")
		latest, ok := catalog.Latest(got)
		require.True(t, ok)
		require.Equal(t, "1.10", latest.Version)
		require.Equal(t, "h.deb", latest.Installer.Name, "the name defaults to the URL's file")
		found, ok := got.FindVersion("1.1.0")
		require.True(t, ok)
		require.Equal(t, v11.ID, found.ID)
		require.Equal(t, got.Scripts.Install, got.ScriptsFor(found).Install)

		err = e.svc.DeleteVersion(e.adminB, sw.ID, v11.ID)
		require.ErrorIs(t, err, errs.ErrNotFound)
		err = e.svc.DeleteVersion(e.adminA, sw.ID, "nope")
		require.ErrorIs(t, err, errs.ErrNotFound)
		owner, loaded, err := e.svc.LoadVersion(context.Background(), v11.ID)
		require.NoError(t, err)
		require.Equal(t, sw.ID, owner.ID)
		require.WithinDuration(t, v11.CreatedAt, loaded.CreatedAt, time.Millisecond)
		loaded.CreatedAt = v11.CreatedAt
		require.Equal(t, v11, loaded)
		require.NoError(t, e.svc.DeleteVersion(e.adminA, sw.ID, v11.ID))
		_, _, err = e.svc.LoadVersion(context.Background(), v11.ID)
		require.ErrorIs(t, err, errs.ErrNotFound)
		got, err = e.svc.LoadSoftware(context.Background(), sw.ID)
		require.NoError(t, err)
		require.Len(t, got.Versions, 2)
		_, ok = catalog.Latest(catalog.Software{})
		require.False(t, ok)
	})
}

// A version needs an install script, its own or the software's, and the upgrade script that
// the software's strategy asks for.
func TestVersionScriptsMustCoverTheLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		bare := nameDetected("Bare")
		bare.Scripts = nil
		sw := mustSoftware(t, e.msp, e.svc, bare)
		_, err := e.svc.AddVersion(e.msp, sw.ID, catalog.VersionInput{Version: "1.0"})
		require.ErrorIs(t, err, errs.ErrInvalid)
		require.Contains(t, err.Error(), "has no install script")

		v, err := e.svc.AddVersion(e.msp, sw.ID, catalog.VersionInput{Version: "1.0",
			Scripts: catalog.ScriptRefs{Install: catalog.Inline("sh", "true")}})
		require.NoError(t, err)
		require.NotEmpty(t, v.Scripts.Install)

		withSw := nameDetected("Scripted")
		withSw.Scripts.Upgrade = catalog.Inline("sh", "upgrade")
		withSw.UpgradeStrategy = ptr(catalog.UpgradeScript)
		sw2 := mustSoftware(t, e.msp, e.svc, withSw)
		_, err = e.svc.AddVersion(e.msp, sw2.ID, catalog.VersionInput{Version: "2"})
		require.NoError(t, err)
		_, err = e.svc.UpdateSoftware(e.msp, sw2.ID, catalog.SoftwareInput{
			Scripts: &catalog.ScriptRefs{Install: catalog.Ref("")}})
		require.ErrorIs(t, err, errs.ErrInvalid)
		require.Contains(t, err.Error(), "version 2 would have no install script")
	})
}

// fakeBlobs stores nothing and answers with a fixed hash and size.
type fakeBlobs struct {
	sum  string
	size int64
}

func (f fakeBlobs) Put(context.Context, io.Reader) (string, int64, error) {
	if f.sum == "" {
		return "", 0, errors.New("disk full")
	}
	return f.sum, f.size, nil
}

func TestStoreBlob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		b, err := e.svc.StoreBlob(e.adminA, fakeBlobs{sha, 10}, nil, " first.msi ")
		require.NoError(t, err)
		require.Equal(t, catalog.Blob{SHA256: sha, Size: 10, Name: "first.msi",
			TenantID: e.a, CreatedAt: b.CreatedAt}, b)
		again, err := e.svc.StoreBlob(e.msp, fakeBlobs{sha, 10}, nil, "second.msi")
		require.NoError(t, err)
		require.Equal(t, "first.msi", again.Name, "identical content is recorded once")
		_, err = e.svc.StoreBlob(e.userA, fakeBlobs{sha, 10}, nil, "x")
		require.ErrorIs(t, err, errs.ErrForbidden)
		_, err = e.svc.StoreBlob(e.msp, fakeBlobs{}, nil, "x")
		require.ErrorContains(t, err, "disk full")
	})
}
