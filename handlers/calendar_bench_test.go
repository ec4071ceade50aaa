//go:build unix

package handlers_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"atelier/handlers"
	"atelier/internal/apitest"
	"atelier/internal/apitest/testclock"
	"atelier/models"
)

// BenchmarkMemberFeed2000 serves the secret feed of a member who holds
// 2,000 bookings (some cancelled, all with a note) through the whole echo
// stack, database read included. The target is under 20 ms.
// Besides ns/op (wall time) it reports cpu-ns/op, the CPU time the process
// spent per feed (GC included), which other load on the machine inflates
// far less.
func BenchmarkMemberFeed2000(b *testing.B) {
	const n = 2000
	env := apitest.New(b)
	w := env.NewWorkshop(b)
	openAllDay(b, env, w) // 24 bookings a day without touching the opening-hours rule
	m := env.NewUser(b, models.RoleMember, "Benoît Bench")
	ctx := context.Background()
	member, err := env.DB.User(ctx, m.ID)
	if err != nil {
		b.Fatal(err)
	}
	day0 := time.Date(2027, 1, 5, 0, 0, 0, 0, testclock.Brussels)
	for i := 0; i < n; i++ {
		// Twelve two-hour slots a day on each of the two resources, one
		// hour booked in each: 84 days of a busy member.
		resource := w.Machine
		if i%2 == 1 {
			resource = w.Space
		}
		k := i / 2
		start := day0.AddDate(0, 0, k/12).Add(time.Duration(k%12) * 2 * time.Hour)
		bk, err := env.DB.CreateBooking(ctx, member, models.BookingRequest{ResourceID: resource, Start: start,
			End: start.Add(time.Hour), Quantity: 1, Note: fmt.Sprintf("Job %d: oak, beech; walnut — façade panels", i)})
		if err != nil {
			b.Fatalf("booking %d at %s: %v", i, start, err)
		}
		if i%10 == 0 {
			if _, err := env.DB.Decide(ctx, member, bk.ID, models.Cancel, "plans changed"); err != nil {
				b.Fatal(err)
			}
		}
	}
	path := myFeed(b, env, m.Token)
	if f := get(b, env, path, ""); len(f.events) != n {
		b.Fatalf("the feed has %d events, want %d", len(f.events), n)
	}

	// rendered: every request reads and writes the whole feed (no cache);
	// polled: the same feed polled again, unchanged, from the server's cache.
	for _, c := range []struct {
		name  string
		cache int
	}{{"rendered", -1}, {"polled", 0}} {
		b.Run(c.name, func(b *testing.B) {
			e := handlers.New(env.DB, handlers.Config{PublicURL: publicURL, FeedCacheSize: c.cache})
			b.ReportAllocs()
			var size int
			cpu0 := cpuTime(b)
			for b.Loop() {
				rec := httptest.NewRecorder()
				e.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
				if rec.Code != 200 {
					b.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
				}
				size = rec.Body.Len()
			}
			b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(b.N), "cpu-ns/op")
			b.SetBytes(int64(size))
		})
	}
}

// cpuTime is the CPU time the process has used so far, in nanoseconds.
func cpuTime(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
