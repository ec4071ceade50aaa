package handlers_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"atelier/internal/apitest"
	"atelier/internal/apitest/testclock"
	"atelier/models"
)

// availabilityPath is the availability route of resource id from from to
// to (RFC 3339), query-escaped.
func availabilityPath(id int64, from, to string) string {
	return fmt.Sprintf("/api/v1/resources/%d/availability?from=%s&to=%s", id, url.QueryEscape(from), url.QueryEscape(to))
}

// freeAt returns what availability on env says is free at the instant at
// (RFC 3339) of resource id, over the day around it.
func freeAt(t *testing.T, env *apitest.Env, token string, id int64, from, to, at string) int {
	t.Helper()
	var av struct {
		Intervals []struct {
			Start, End time.Time
			Available  int
		}
	}
	env.Must(t, 200, "GET", availabilityPath(id, from, to), token, nil).Decode(t, &av)
	when, err := time.Parse(time.RFC3339, at)
	if err != nil {
		t.Fatal(err)
	}
	for _, iv := range av.Intervals {
		if !iv.Start.After(when) && iv.End.After(when) {
			return iv.Available
		}
	}
	t.Fatalf("no interval covers %s", at)
	return 0
}

// TestAvailabilityCacheNeverStale races the cache of two servers on one
// database: server B answers availability again and again while server A
// books and cancels; once A has acknowledged a booking, neither server
// shows its slot free, and once A has acknowledged the cancellation both
// show it free again. On PostgreSQL B learns of A's writes by
// LISTEN/NOTIFY; on SQLite (two processes on one file) by data_version.
func TestAvailabilityCacheNeverStale(t *testing.T) {
	apitest.EachDialect(t, func(t *testing.T, d models.Dialect) {
		a, b := apitest.TwoServers(t, d)
		w := a.NewWorkshop(t)
		m := a.NewUser(t, models.RoleMember, "Mina")
		from, to := apitest.At(2027, 1, 5, 0, 0), apitest.At(2027, 1, 6, 0, 0)
		for round := 0; round < 24; round++ {
			start := apitest.At(2027, 1, 5, 8+round/2, 30*(round%2))
			end := apitest.At(2027, 1, 5, 8+round/2, 30*(round%2)+30)
			for _, env := range []*apitest.Env{a, b} {
				if n := freeAt(t, env, m.Token, w.Machine, from, to, start); n != 1 {
					t.Fatalf("round %d: the slot should be free before the booking, got %d", round, n)
				}
			}
			// Readers keep B's cache busy while A writes.
			var stop atomic.Bool
			var wg sync.WaitGroup
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					path := availabilityPath(w.Machine, from, to)
					for !stop.Load() {
						if r := b.Do("GET", path, m.Token, nil); r.Code != 200 {
							t.Errorf("reader: %s", r)
							return
						}
					}
				}()
			}
			stopReaders := func() { stop.Store(true); wg.Wait() }
			id := a.Must(t, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, start, end)).ID()
			for _, env := range []*apitest.Env{b, a} {
				if n := freeAt(t, env, m.Token, w.Machine, from, to, start); n != 0 {
					stopReaders()
					t.Fatalf("round %d: booking %d acknowledged, yet a server shows its slot free", round, id)
				}
			}
			a.Must(t, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/cancel", id), m.Token, map[string]any{})
			for _, env := range []*apitest.Env{b, a} {
				if n := freeAt(t, env, m.Token, w.Machine, from, to, start); n != 1 {
					stopReaders()
					t.Fatalf("round %d: cancellation acknowledged, yet a server shows the slot taken", round)
				}
			}
			stopReaders()
		}
	})
}

// TestAvailabilityCacheFollowsEveryWrite: on one server, a closure, its
// removal and a change of the site's opening hours show at once in an
// answer that was cached before them.
func TestAvailabilityCacheFollowsEveryWrite(t *testing.T) {
	apitest.EachDialect(t, func(t *testing.T, d models.Dialect) {
		env := apitest.NewOn(t, d)
		w := env.NewWorkshop(t)
		m := env.NewUser(t, models.RoleMember, "Mina")
		from, to := apitest.At(2027, 1, 5, 0, 0), apitest.At(2027, 1, 6, 0, 0)
		at := apitest.At(2027, 1, 5, 9, 0)
		free := func() int { return freeAt(t, env, m.Token, w.Machine, from, to, at) }
		if free() != 1 {
			t.Fatal("the slot should be free at first")
		}
		var closed struct{ Closure struct{ ID int64 } }
		env.Must(t, 201, "POST", fmt.Sprintf("/api/v1/resources/%d/closures", w.Machine), w.Manager.Token,
			map[string]any{"start": apitest.At(2027, 1, 5, 8, 0), "end": apitest.At(2027, 1, 5, 12, 0), "reason": "Maintenance"}).Decode(t, &closed)
		c := closed.Closure.ID
		if free() != 0 {
			t.Fatal("a closure should show at once")
		}
		env.Must(t, 204, "DELETE", fmt.Sprintf("/api/v1/resources/%d/closures/%d", w.Machine, c), w.Manager.Token, nil)
		if free() != 1 {
			t.Fatal("removing the closure should show at once")
		}
		env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/sites/%d", w.SiteID), w.Admin.Token, map[string]any{
			"opening_hours": []map[string]any{{"days": []int{1, 2, 3, 4, 5, 6, 7}, "from": "10:00", "to": "20:00"}}})
		if free() != 0 {
			t.Fatal("new opening hours should show at once")
		}
		space := func() int { return freeAt(t, env, m.Token, w.Space, from, to, apitest.At(2027, 1, 5, 11, 0)) }
		if got := space(); got != 100 {
			t.Fatalf("want the whole floor free, got %d", got)
		}
		env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/resources/%d", w.Space), w.Manager.Token, map[string]any{"capacity": 50})
		if got := space(); got != 50 {
			t.Fatalf("a new capacity should show at once, got %d free", got)
		}
	})
}

// TestAvailabilityPretty: ?pretty indents the cached answer as echo
// indents any other, and the answer is the same JSON.
func TestAvailabilityPretty(t *testing.T) {
	env, w, m := apitest.NewWithMember(t, "Mina")
	path := availabilityPath(w.Machine, apitest.At(2027, 1, 5, 0, 0), apitest.At(2027, 1, 6, 0, 0))
	plain := env.Must(t, 200, "GET", path, m.Token, nil)
	pretty := env.Must(t, 200, "GET", path+"&pretty", m.Token, nil)
	if !strings.Contains(string(pretty.Body), "\n  \"") || strings.Contains(string(plain.Body), "\n  \"") {
		t.Fatalf("want only the ?pretty answer indented:\n%s\n%s", plain.Body, pretty.Body)
	}
	var a, b any
	plain.Decode(t, &a)
	pretty.Decode(t, &b)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("?pretty changed the answer")
	}
}

// A power-limited site: the kiln's booking blocks the welder (7+5 > 10 kW).
// Writes that free the kiln's time must show in the welder's cached availability.
func TestAvailabilityCacheSiteLimits(t *testing.T) {
	cases := []string{"cancel", "closure", "patch_power", "patch_zone"}
	apitest.EachDialect(t, func(t *testing.T, d models.Dialect) {
		for _, c := range cases {
			t.Run(c, func(t *testing.T) {
				env := apitest.NewOn(t, d)
				w := newLimitWorkshop(t, env)
				m := env.NewUser(t, models.RoleMember, "Mina")
				from, to := apitest.At(2027, 1, 5, 0, 0), apitest.At(2027, 1, 6, 0, 0)
				at := apitest.At(2027, 1, 5, 9, 15)
				id := env.Do("POST", "/api/v1/bookings", w.Manager.Token, apitest.Slot(w.kiln, apitest.At(2027, 1, 5, 9, 0), apitest.At(2027, 1, 5, 10, 0)))
				if id.Code != 201 {
					t.Fatalf("book: %s", id)
				}
				if n := freeAt(t, env, m.Token, w.welder, from, to, at); n != 0 {
					t.Fatalf("welder should be blocked by power, got %d", n)
				}
				switch c {
				case "cancel":
					env.Must(t, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/cancel", id.ID()), w.Manager.Token, map[string]any{})
				case "closure":
					env.Must(t, 201, "POST", fmt.Sprintf("/api/v1/resources/%d/closures", w.kiln), w.Manager.Token,
						map[string]any{"start": apitest.At(2027, 1, 5, 8, 0), "end": apitest.At(2027, 1, 5, 12, 0), "reason": "Maintenance"})
				case "patch_power":
					env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/resources/%d", w.kiln), w.Manager.Token, map[string]any{"power_kw": 1})
				case "patch_zone":
					site2 := env.Must(t, 201, "POST", "/api/v1/sites", w.Admin.Token, map[string]any{
						"name": "Other", "timezone": "Europe/Brussels", "floor_area_m2": 500,
						"opening_hours": []map[string]any{{"days": []int{1, 2, 3, 4, 5, 6, 7}, "from": "08:00", "to": "20:00"}}}).ID()
					z2 := env.Must(t, 201, "POST", "/api/v1/zones", w.Manager.Token, map[string]any{
						"site_id": site2, "name": "Prod2", "use": "production", "area_m2": 300}).ID()
					r := env.Do("PATCH", fmt.Sprintf("/api/v1/resources/%d", w.kiln), w.Manager.Token, map[string]any{"zone_id": z2})
					if r.Code != 200 {
						t.Skipf("zone move refused: %s", r)
					}
				}
				// Fresh view, bypassing the cache: another window key.
				fresh := freeAt(t, env, m.Token, w.welder, from, apitest.At(2027, 1, 6, 1, 0), at)
				cached := freeAt(t, env, m.Token, w.welder, from, to, at)
				if fresh != cached {
					t.Errorf("%s: welder cached answer %d, fresh answer %d: stale cache", c, cached, fresh)
				}
			})
		}
	})
}

// The dangerous direction: a write makes a slot unavailable, the cache still shows it free.
func TestAvailabilityCacheSiteLimitsNeverFreeWrongly(t *testing.T) {
	env := apitest.NewOn(t, models.SQLite)
	w := newLimitWorkshop(t, env)
	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/resources/%d", w.kiln), w.Manager.Token, map[string]any{"power_kw": 3})
	from, to := apitest.At(2027, 1, 5, 0, 0), apitest.At(2027, 1, 6, 0, 0)
	at := apitest.At(2027, 1, 5, 9, 15)
	env.Must(t, 201, "POST", "/api/v1/bookings", w.Manager.Token, apitest.Slot(w.kiln, apitest.At(2027, 1, 5, 9, 0), apitest.At(2027, 1, 5, 10, 0)))
	if n := freeAt(t, env, w.Manager.Token, w.welder, from, to, at); n != 1 {
		t.Fatalf("welder should be free (3+5 <= 10 kW), got %d", n)
	}
	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/resources/%d", w.kiln), w.Manager.Token, map[string]any{"power_kw": 7})
	if n := freeAt(t, env, w.Manager.Token, w.welder, from, to, at); n != 0 {
		fresh := freeAt(t, env, w.Manager.Token, w.welder, from, apitest.At(2027, 1, 6, 1, 0), at)
		t.Errorf("after the kiln's PATCH to 7 kW the cached welder answer still shows free (fresh answer: %d)", fresh)
	}
	r := env.Do("POST", "/api/v1/bookings", w.Manager.Token, apitest.Slot(w.welder, apitest.At(2027, 1, 5, 9, 0), apitest.At(2027, 1, 5, 9, 30)))
	t.Logf("booking the welder now: %d %s", r.Code, r.ErrorCode())
}

// Server A's sync counter runs ahead of B's; B then takes A's "sync<n>"
// for its own and serves from its cache before A's write has been seen.
func TestAvailabilityCacheOwnSyncOnly(t *testing.T) {
	if apitest.DefaultDialect() != models.Postgres {
		t.Skip("postgres only")
	}
	a, b := apitest.TwoServers(t, models.Postgres)
	w := a.NewWorkshop(t)
	m := a.NewUser(t, models.RoleMember, "Mina")
	from, to := apitest.At(2027, 1, 5, 0, 0), apitest.At(2027, 1, 6, 0, 0)
	path := availabilityPath(w.Machine, from, to)
	warm := 2000
	for i := 0; i < warm; i++ { // A's syncs: 1..warm
		a.Must(t, 200, "GET", path, m.Token, nil)
	}
	// Flood the channel so that listeners lag behind.
	flood, err := sql.Open("pgx", a.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer flood.Close()
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		for !stop.Load() {
			flood.ExecContext(context.Background(), "SELECT pg_notify('atelier_availability', 'x' || g) FROM generate_series(1, 20000) g")
		}
	}()
	stale := 0
	rounds := 20
	for round := 0; round < rounds; round++ {
		start := apitest.At(2027, 1, 5, 8+round/2, 30*(round%2))
		end := apitest.At(2027, 1, 5, 8+round/2, 30*(round%2)+30)
		if n := freeAt(t, b, m.Token, w.Machine, from, to, start); n != 1 {
			t.Fatalf("round %d: should be free before, got %d", round, n)
		}
		a.Must(t, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, start, end))
		if n := freeAt(t, b, m.Token, w.Machine, from, to, start); n != 0 {
			stale++
		}
	}
	stop.Store(true)
	<-done
	if stale > 0 {
		t.Errorf("B showed an acknowledged booking's slot free in %d of %d rounds", stale, rounds)
	}
}

// TestQueryOffsetsDoNotMatter: the same instants asked with any offset
// give the same answers (SQLite compares times as text).
func TestQueryOffsetsDoNotMatter(t *testing.T) {
	env, w, m := apitest.NewWithMember(t, "Member")
	env.Must(t, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 5, 10, 0), apitest.At(2027, 1, 5, 11, 0)))
	free := func(from, to string) int {
		var av struct {
			Intervals []struct {
				Start     time.Time
				Available int
			}
		}
		env.Must(t, 200, "GET", fmt.Sprintf("/api/v1/resources/%d/availability?from=%s&to=%s", w.Machine, from, to), m.Token, nil).Decode(t, &av)
		for _, iv := range av.Intervals {
			if iv.Start.Equal(time.Date(2027, 1, 5, 10, 0, 0, 0, testclock.Brussels)) {
				return iv.Available
			}
		}
		return -1
	}
	for _, q := range [][2]string{{"2027-01-05T09:00:00Z", "2027-01-05T11:00:00Z"}, {"2027-01-05T10:00:00%2B01:00", "2027-01-05T12:00:00%2B01:00"},
		{"2027-01-05T05:00:00-04:00", "2027-01-05T07:00:00-04:00"}} {
		if got := free(q[0], q[1]); got != 0 {
			t.Errorf("availability asked as %s..%s shows %d free at 10:00, want 0 (taken)", q[0], q[1], got)
		}
	}
	var list struct{ Total int }
	env.Must(t, 200, "GET", "/api/v1/bookings?from=2027-01-05T10:30:00%2B01:00&to=2027-01-05T10:45:00%2B01:00", m.Token, nil).Decode(t, &list)
	if list.Total != 1 {
		t.Errorf("the booking list from an offset range holds %d, want 1", list.Total)
	}
}
