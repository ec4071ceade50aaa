package handlers_test

import (
	"fmt"
	"testing"

	"atelier/internal/apitest"
	"atelier/models"
)

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
