package handlers_test

import (
	"fmt"
	"testing"

	"atelier/internal/apitest"
	"atelier/models"
)

// BenchmarkSeries52 judges and stores a weekly series of 52 occurrences
// through the whole HTTP stack, on a fresh machine each time (the target:
// under 50 ms on SQLite, one transaction).
func BenchmarkSeries52(b *testing.B) {
	env, w, m := apitest.NewWithMember(b, "Member")
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		machine := env.Must(b, 201, "POST", "/api/v1/resources", w.Manager.Token, map[string]any{
			"zone_id": w.ZoneID, "name": fmt.Sprintf("Laser %d", i), "kind": "machine"}).ID()
		body := apitest.Slot(machine, apitest.At(2027, 1, 5, 18, 0), apitest.At(2027, 1, 5, 20, 0))
		body["rrule"] = "FREQ=WEEKLY;COUNT=52"
		b.StartTimer()
		env.Must(b, 201, "POST", "/api/v1/series", m.Token, body)
	}
}

// BenchmarkCancel compares a plain cancellation with one that promotes a
// waiter in the same transaction (the target: at most twice as long).
func BenchmarkCancel(b *testing.B) {
	for _, waiter := range []bool{false, true} {
		b.Run(fmt.Sprintf("waiter=%v", waiter), func(b *testing.B) {
			env := apitest.New(b)
			w := env.NewWorkshop(b)
			holder, other := env.NewUser(b, models.RoleMember, "Holder"), env.NewUser(b, models.RoleMember, "Waiter")
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				day, hour := 5+i/12%300, 8+i%12
				slot := apitest.Slot(w.Machine, apitest.At(2027, 1, day, hour, 0), apitest.At(2027, 1, day, hour+1, 0))
				id := env.Must(b, 201, "POST", "/api/v1/bookings", holder.Token, slot).ID()
				if waiter {
					env.Must(b, 201, "POST", "/api/v1/waitlist", other.Token, slot)
				}
				b.StartTimer()
				env.Must(b, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/cancel", id), holder.Token, nil)
			}
		})
	}
}

// BenchmarkCreateNotifying compares creating a booking that needs no
// decision with one that notifies every host in its transaction (two
// hosts here; the target: at most 10 % slower).
func BenchmarkCreateNotifying(b *testing.B) {
	for _, approval := range []bool{false, true} {
		b.Run(fmt.Sprintf("notify_hosts=%v", approval), func(b *testing.B) {
			env, w, m := apitest.NewWithMember(b, "Member")
			machine := env.Must(b, 201, "POST", "/api/v1/resources", w.Manager.Token, map[string]any{
				"zone_id": w.ZoneID, "name": "Router", "kind": "machine", "requires_approval": approval}).ID()
			for i := 0; b.Loop(); i++ {
				day, hour := 5+i/12%300, 8+i%12
				env.Must(b, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(machine,
					apitest.At(2027, 1, day, hour, 0), apitest.At(2027, 1, day, hour+1, 0)))
			}
		})
	}
}
