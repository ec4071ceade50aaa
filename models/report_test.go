package models_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"atelier/bench/dataset"
	"atelier/internal/apitest"
	"atelier/internal/apitest/testclock"
	"atelier/models"
)

// BenchmarkUsageReportYear times the usage report of a busy site over a
// year: 200 resources (one in five a 20 m² space), open Monday to Saturday
// 08:00-20:00, about 300,000 approved bookings in the year among 430,000.
// It runs again after 430,000 more bookings in the year before: the time
// must not grow with bookings outside the window.
//
//	go test -run '^$' -bench UsageReportYear -benchtime 10x ./models
func BenchmarkUsageReportYear(b *testing.B) {
	env := apitest.NewOn(b, apitest.DefaultDialect())
	ctx := context.Background()
	admin := env.NewUser(b, models.RoleAdmin, "Ada Admin")
	all := []int{1, 2, 3, 4, 5, 6}
	site := apitest.Store(b, env.DB.CreateSite, &models.Site{Name: "Atelier", Timezone: "Europe/Brussels", FloorAreaM2: 5000,
		OpeningHours: models.Hours{{Days: all, From: "08:00", To: "20:00"}}})
	zone := apitest.Store(b, env.DB.CreateZone, &models.Zone{SiteID: site.ID, Name: "Production", Use: "production", AreaM2: 4000})
	res := benchResources(b, env.DB, zone.ID, 200, all, func(i int) *models.Resource {
		r := &models.Resource{Name: fmt.Sprintf("Resource %03d", i), Kind: models.KindMachine, SlotMinutes: 30}
		if i%5 == 4 {
			r.Kind, r.Capacity, r.Unit = models.KindSpace, 20, models.UnitM2
		}
		return r
	})
	driver, d := "sqlite3", dataset.Dialect("sqlite")
	dsn := dataset.SQLiteDSN(env.DSN)
	if env.DB.Dialect == models.Postgres {
		driver, d, dsn = "pgx", "postgres", env.DSN
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	members, err := dataset.Members(ctx, raw, d, 500, "bench.atelier.test", "x", testclock.Start)
	if err != nil {
		b.Fatal(err)
	}
	pick := func(r *rand.Rand, _ time.Time) int64 { return members[r.IntN(len(members))] }
	from := time.Date(2027, 1, 1, 0, 0, 0, 0, testclock.Brussels)
	to := from.AddDate(1, 0, 0)
	load := func(from, to time.Time, seed uint64) {
		began := time.Now()
		n, err := dataset.Load(ctx, raw, d, dataset.Spec{Resources: res, Member: pick, Host: admin.ID,
			From: from, To: to, Now: testclock.Start, Count: 430_000, Seed: seed})
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%d bookings from %s loaded in %s", n, from.Format(time.DateOnly), time.Since(began).Round(time.Millisecond))
		if d == "postgres" { // as autovacuum would after a bulk load
			if _, err := raw.ExecContext(ctx, "ANALYZE bookings"); err != nil {
				b.Fatal(err)
			}
		}
	}
	load(from, to, 1)
	for _, history := range []string{"none", "a year"} {
		if history != "none" {
			load(from.AddDate(-1, 0, 0), from.AddDate(0, 0, -1), 2)
		}
		b.Run("before="+history, func(b *testing.B) {
			var r *models.UsageReport
			for b.Loop() {
				if r, err = env.DB.UsageReport(ctx, site.ID, from, to); err != nil {
					b.Fatal(err)
				}
			}
			var n int64
			for _, u := range r.Resources {
				n += u.Bookings
			}
			b.ReportMetric(float64(n), "approved")
		})
	}
}
