package handlers_test

import (
	"fmt"
	"testing"

	"atelier/internal/apitest"
	"atelier/models"
)

// A booking that waits on the resource lock held by a limits change reads
// the site's old limits (statement snapshot) and may be stored over the new ones.
func TestBookingSeesNewSiteLimits(t *testing.T) {
	if apitest.DefaultDialect() != models.Postgres {
		t.Skip("postgres only")
	}
	env := apitest.New(t)
	both := 0
	for round := 0; round < 40; round++ {
		w := newLimitWorkshop(t, env)
		start, end := apitest.At(2027, 1, 5, 9, 0), apitest.At(2027, 1, 5, 10, 0)
		res := apitest.Burst(2, func(i int) *apitest.Response {
			if i == 0 {
				return env.Do("PATCH", fmt.Sprintf("/api/v1/sites/%d", w.SiteID), w.Admin.Token, map[string]any{"power_kw": 5})
			}
			return env.Do("POST", "/api/v1/bookings", w.Manager.Token, apitest.Slot(w.kiln, start, end))
		})
		if res[0].Code == 200 && res[1].Code == 201 {
			both++
			t.Logf("round %d: limit 5 kW set and a 7 kW kiln booking stored: %s", round, res[1].Body)
		}
	}
	if both > 0 {
		t.Errorf("%d rounds stored a booking over the new limit", both)
	}
}
