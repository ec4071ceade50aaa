package handlers_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"sync/atomic"
	"testing"

	"atelier/internal/apitest"
	"atelier/models"
)

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
	path := fmt.Sprintf("/api/v1/resources/%d/availability?from=%s&to=%s", w.Machine, url.QueryEscape(from), url.QueryEscape(to))
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
