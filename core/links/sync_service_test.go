package links_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/identify"
	"github.com/stewardhq/steward/core/links"
	"github.com/stewardhq/steward/core/secrets"
	"github.com/stewardhq/steward/core/store"
	"github.com/stewardhq/steward/core/store/storetest"
	"github.com/stewardhq/steward/core/tenant"
	"github.com/stewardhq/steward/sdk"
)

// recorder keeps the reports it receives and fails those of the agents in fail.
type recorder struct {
	mu      sync.Mutex
	reports map[string]identify.Report
	fail    map[string]bool
}

func (r *recorder) Report(_ context.Context, rep identify.Report) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail[rep.Pathway.ExternalID] {
		return "", errors.New("no computer for you")
	}
	r.reports[rep.Pathway.ExternalID] = rep
	return "computer-" + rep.Pathway.ExternalID, nil
}

// jobRecorder keeps the jobs it is asked to queue.
type jobRecorder struct{ args []river.JobArgs }

func (q *jobRecorder) Insert(_ context.Context, args river.JobArgs, _ *river.InsertOpts) error {
	q.args = append(q.args, args)
	return nil
}

// serviceWithFake runs the link service over st with the fake connector and rec, and
// returns it with a running link whose client c1 is mapped to a new tenant.
func serviceWithFake(t *testing.T, st *store.Store, rec links.Reporter) (*links.Service,
	links.Link, string) {
	ctx := access.WithPrincipal(context.Background(), access.System())
	dir := t.TempDir()
	b, err := os.ReadFile(fakeBinary)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "fake"), b, 0o755))
	box, err := secrets.New(make([]byte, 32))
	require.NoError(t, err)

	svc := links.NewService(st.DB, box, links.Config{PluginsDir: dir, NoExecutableDir: true,
		Reporter: rec, MinBackoff: 100 * time.Millisecond})
	require.NoError(t, svc.Start(ctx))
	t.Cleanup(svc.Stop)
	l, err := svc.Create(ctx, links.Input{Connector: "fake", Name: "Fake",
		Config: map[string]string{"endpoint": "https://api.example.test", "apiKey": "k"}})
	require.NoError(t, err)
	waitRunning(t, svc, l.ID)

	ten, err := tenant.NewService(st.DB).Create(ctx, tenant.Input{Name: "Contoso"})
	require.NoError(t, err)
	_, err = svc.MapClient(ctx, l.ID, "c1", links.MapInput{TenantID: &ten.ID})
	require.NoError(t, err)
	return svc, l, ten.ID
}

func waitRunning(t *testing.T, svc *links.Service, id string) {
	t.Helper()
	ctx := access.WithPrincipal(context.Background(), access.System())
	require.Eventually(t, func() bool {
		l, err := svc.Get(ctx, id)
		return err == nil && l.Status == links.StatusRunning
	}, 30*time.Second, 50*time.Millisecond)
}

func TestSyncReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := access.WithPrincipal(context.Background(), access.System())
		rec := &recorder{reports: map[string]identify.Report{},
			fail: map[string]bool{"a0004": true}}
		svc, l, tenantID := serviceWithFake(t, st, rec)

		sum, err := svc.Sync(ctx, l.ID)
		require.NoError(t, err)
		require.Equal(t, links.SyncSummary{Seen: fakeAgents, Identified: perClient - 1,
			Skipped: perClient, Errors: 1}, sum)

		t.Run("facts come from the agent record", func(t *testing.T) {
			seen := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
			for id, online := range map[string]bool{"a0000": true, "a0002": false} {
				got := rec.reports[id]
				got.Pathway.LastSeen = got.Pathway.LastSeen.UTC()
				require.Equal(t, identify.Report{TenantID: tenantID,
					Pathway: identify.Pathway{LinkID: l.ID, ExternalID: id, Online: online,
						LastSeen: seen},
					Inventory: sdk.Inventory{Facts: sdk.IdentityFacts{
						SMBIOSUUID: "00000000-0000-0000-0000-00000000000" + id[4:],
						Serial:     "SN000" + id[4:], Manufacturer: "Acme",
						Hostname: "pc-000" + id[4:], OSName: "Debian GNU/Linux",
						OSVersion: "12"}}}, got)
			}
			require.NotContains(t, rec.reports, "a0001", "client c2 is not mapped")
		})

		t.Run("an online agent without a UUID is identified by the connector", func(t *testing.T) {
			got := rec.reports["a0006"].Inventory.Facts
			require.Empty(t, got.SMBIOSUUID)
			require.Equal(t, "mid-a0006", got.OSInstallID, "facts from Identify")
			require.Equal(t, "SN0006", got.Serial, "the record's facts stay")
			require.Empty(t, rec.reports["a0016"].Inventory.Facts.OSInstallID,
				"an offline agent cannot be asked")
			require.Empty(t, rec.reports["a0000"].Inventory.Facts.OSInstallID,
				"an agent with a UUID needs no identity script")
		})

		t.Run("a connector killed mid-sync comes back and the sync completes",
			func(t *testing.T) {
				marker := filepath.Join(t.TempDir(), "hung")
				_, err := svc.Update(ctx, l.ID, links.Patch{Config: map[string]string{
					"endpoint": "https://api.example.test", "apiKey": links.Masked,
					"failWith": "hangonce:" + marker}})
				require.NoError(t, err)
				waitRunning(t, svc, l.ID)
				pid := onePid(t, l.BinaryPath)

				type result struct {
					sum links.SyncSummary
					err error
				}
				done := make(chan result, 1)
				go func() {
					sum, err := svc.Sync(ctx, l.ID)
					done <- result{sum, err}
				}()
				require.Eventually(t, func() bool {
					_, err := os.Stat(marker)
					return err == nil
				}, 30*time.Second, 20*time.Millisecond, "the sync never reached the connector")
				require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))

				select {
				case r := <-done:
					require.NoError(t, r.err)
					require.Equal(t, fakeAgents, r.sum.Seen)
					require.Equal(t, perClient-1, r.sum.Identified)
				case <-time.After(60 * time.Second):
					t.Fatal("the sync did not finish after the connector came back")
				}
				require.NotEqual(t, pid, onePid(t, l.BinaryPath), "a new process answered")
			})

		t.Run("a failing connector marks nothing gone", func(t *testing.T) {
			row := pathway{ID: uuid.NewString(), LinkID: l.ID, ExternalID: "a9999",
				TenantID: tenantID, FirstSeenAt: time.Now().UTC()}
			_, err := st.DB.NewInsert().Model(&row).Exec(ctx)
			require.NoError(t, err)
			_, err = svc.Update(ctx, l.ID, links.Patch{Config: map[string]string{
				"endpoint": "https://api.example.test", "apiKey": links.Masked,
				"failWith": "downstream"}})
			require.NoError(t, err)
			waitRunning(t, svc, l.ID)

			_, err = svc.Sync(ctx, l.ID)
			require.ErrorContains(t, err, "upstream answered 502")
			n, err := st.DB.NewSelect().Table("pathways").Where("gone").Count(ctx)
			require.NoError(t, err)
			require.Zero(t, n)
		})

		t.Run("each link has its own sync job, retried when it fails", func(t *testing.T) {
			var q jobRecorder
			require.NoError(t, svc.QueueSyncs(context.Background(), &q))
			require.Equal(t, []river.JobArgs{links.SyncArgs{LinkID: l.ID}}, q.args)
			w := &links.SyncWorker{Links: svc}
			err := w.Work(context.Background(), &river.Job[links.SyncArgs]{
				JobRow: &rivertype.JobRow{Attempt: 1}, Args: links.SyncArgs{LinkID: l.ID}})
			require.ErrorContains(t, err, "upstream answered 502")

			require.NoError(t, w.Work(context.Background(), &river.Job[links.SyncArgs]{
				JobRow: &rivertype.JobRow{Attempt: 1}, Args: links.SyncArgs{LinkID: "gone"}}),
				"a deleted link's job ends quietly")
		})

		t.Run("only an admin syncs", func(t *testing.T) {
			user := access.WithPrincipal(context.Background(),
				access.Principal{Kind: "token", Name: "u", Role: access.MSPUser})
			_, err := svc.Sync(user, l.ID)
			require.ErrorIs(t, err, errs.ErrForbidden)
			_, err = svc.MapClient(user, l.ID, "c1", links.MapInput{})
			require.ErrorIs(t, err, errs.ErrForbidden)
		})
	})
}
