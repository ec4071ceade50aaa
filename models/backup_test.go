package models_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"atelier/internal/apitest"
	"atelier/internal/apitest/testclock"
	"atelier/models"
)

func openFile(t *testing.T, path string, now time.Time) *models.DB {
	t.Helper()
	db, err := models.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Now = testclock.New(now).Now
	return db
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestBackupRoundTrip backs up a live database while bookings keep coming,
// changes it, restores the backup the way README says, and compares.
func TestBackupRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	live, backup := filepath.Join(dir, "atelier.db"), filepath.Join(dir, "backup.db")
	now := testclock.Start
	db := openFile(t, live, now)

	admin, err := db.CreateUser(ctx, nil, models.NewUser{Email: "admin@x.be", Name: "Admin", Password: "long enough password", Role: models.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	site := apitest.Store(t, db.CreateSite, &models.Site{Name: "Site", FloorAreaM2: 100})
	zone := apitest.Store(t, db.CreateZone, &models.Zone{SiteID: site.ID, Name: "Zone", Use: "production", AreaM2: 50})
	res := apitest.Store(t, db.CreateResource, &models.Resource{ZoneID: zone.ID, Name: "Saw", Kind: models.KindMachine})
	book := func(i int) (*models.Booking, error) {
		start := now.Add(time.Duration(24+i) * time.Hour)
		return db.CreateBooking(ctx, admin, models.BookingRequest{ResourceID: res.ID, Start: start, End: start.Add(time.Hour), Quantity: 1})
	}
	for i := 0; i < 50; i++ {
		if _, err := book(i); err != nil {
			t.Fatal(err)
		}
	}
	// Writers keep going while the backup runs: it must still be one
	// consistent snapshot, and must not stop them.
	var (
		wg      sync.WaitGroup
		stop    atomic.Bool
		written atomic.Int64
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 50; !stop.Load() && i < 5000; i++ {
			if _, err := book(i); err != nil {
				t.Error(err)
				return
			}
			written.Add(1)
		}
	}()
	time.Sleep(20 * time.Millisecond)
	if err := db.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	stop.Store(true)
	wg.Wait()
	if written.Load() == 0 {
		t.Fatal("no booking was written while the backup ran")
	}

	// What the backup holds, read from a copy so the backup stays intact.
	check := filepath.Join(dir, "check.db")
	copyFile(t, backup, check)
	snap := openFile(t, check, now)
	atBackup, total, err := snap.ListBookings(ctx, admin, models.BookingFilter{Page: models.Page{Limit: 10000}})
	if err != nil {
		t.Fatal(err)
	}
	snap.Close()
	if total < 50 {
		t.Fatalf("the backup holds %d bookings, want at least the 50 made before it", total)
	}

	// A change after the backup, then the restore: stop, replace the file
	// and drop its WAL, start again.
	if _, err := db.Decide(ctx, admin, atBackup[0].ID, models.Cancel, "changed after the backup"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(live + suffix)
	}
	copyFile(t, backup, live)
	restored := openFile(t, live, now)
	defer restored.Close()
	got, gotTotal, err := restored.ListBookings(ctx, admin, models.BookingFilter{Page: models.Page{Limit: 10000}})
	if err != nil {
		t.Fatal(err)
	}
	if gotTotal != total {
		t.Fatalf("restored %d bookings, the backup had %d", gotTotal, total)
	}
	for i := range got {
		a, b := got[i], atBackup[i]
		if a.ID != b.ID || !a.StartAt.Equal(b.StartAt) || !a.EndAt.Equal(b.EndAt) || a.Status != b.Status || a.Sequence != b.Sequence {
			t.Fatalf("booking %d differs after restore: %+v vs %+v", a.ID, a, b)
		}
	}
	if got[0].Status != models.StatusApproved {
		t.Fatalf("the change made after the backup survived the restore: %s", got[0].Status)
	}
}
