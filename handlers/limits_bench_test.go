package handlers_test

import (
	"fmt"
	"testing"

	"atelier/internal/apitest"
	"atelier/models"
)

// BenchmarkCreateWithSiteLimits books the 40 machines of a site with and
// without power and noise limits (never reached here, so both store every
// booking): the limits' sweep and the site's lock must stay within 20 %.
func BenchmarkCreateWithSiteLimits(b *testing.B) {
	for _, limits := range []bool{false, true} {
		b.Run(fmt.Sprintf("limits=%v", limits), func(b *testing.B) {
			env := apitest.New(b)
			w := env.NewWorkshop(b)
			if limits {
				env.Must(b, 200, "PATCH", fmt.Sprintf("/api/v1/sites/%d", w.SiteID), w.Admin.Token, map[string]any{"power_kw": 1000, "loud_at_once": 40})
			}
			m := env.NewUser(b, models.RoleMember, "Member")
			machines := make([]int64, 40)
			for i := range machines {
				machines[i] = env.Must(b, 201, "POST", "/api/v1/resources", w.Manager.Token, map[string]any{"zone_id": w.ZoneID,
					"name": fmt.Sprintf("Machine %d", i), "kind": "machine", "power_kw": 3, "nuisance": []string{"loud", "quiet"}[i%2]}).ID()
			}
			for i := 0; b.Loop(); i++ {
				slot := i / 40
				day, hour := 5+slot/12%300, 8+slot%12
				env.Must(b, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(machines[i%40],
					apitest.At(2027, 1, day, hour, 0), apitest.At(2027, 1, day, hour+1, 0)))
			}
		})
	}
}
