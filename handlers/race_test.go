package handlers_test

import (
	"fmt"
	"testing"
	"time"

	"atelier/internal/apitest"
	"atelier/internal/apitest/testclock"
	"atelier/models"
)

// TestMachineSlotRace sends 50 requests for one machine slot at once, over
// several rounds: exactly one wins each time, the others get 409 conflict.
func TestMachineSlotRace(t *testing.T) {
	for _, d := range apitest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			env := apitest.NewOn(t, d)
			w := env.NewWorkshop(t)
			members := make([]apitest.User, 5)
			for i := range members {
				members[i] = env.NewUser(t, models.RoleMember, fmt.Sprintf("Member %d", i))
			}
			for round := 0; round < 8; round++ {
				start := apitest.At(2027, 1, 5+round, 9, 0)
				end := apitest.At(2027, 1, 5+round, 10, 0)
				codes := apitest.Tally(apitest.Burst(50, func(i int) int {
					return env.Do("POST", "/api/v1/bookings", members[i%len(members)].Token, apitest.Slot(w.Machine, start, end)).Code
				}))
				if codes[201] != 1 || codes[409] != 49 {
					t.Fatalf("round %d: want one 201 and 49 409, got %v", round, codes)
				}
			}
			assertNoOverbooking(t, env, w.Machine, 1)
		})
	}
}

// TestSpaceCapacityRace asks for 30 m² of a 100 m² space ten times at once:
// exactly three fit.
func TestSpaceCapacityRace(t *testing.T) {
	for _, d := range apitest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			env := apitest.NewOn(t, d)
			w := env.NewWorkshop(t)
			m := env.NewUser(t, models.RoleMember, "Member")
			for round := 0; round < 5; round++ {
				start := apitest.At(2027, 1, 5+round, 9, 0)
				end := apitest.At(2027, 1, 5+round, 12, 0)
				codes := apitest.Tally(apitest.Burst(10, func(int) int {
					body := apitest.Slot(w.Space, start, end)
					body["quantity"] = 30
					return env.Do("POST", "/api/v1/bookings", m.Token, body).Code
				}))
				if codes[201] != 3 || codes[409] != 7 {
					t.Fatalf("round %d: want three 201 and seven 409, got %v", round, codes)
				}
			}
			assertNoOverbooking(t, env, w.Space, 100)
		})
	}
}

// assertNoOverbooking reads every live booking of a resource back from the
// database and sweeps them: at no instant may they hold more than capacity.
func assertNoOverbooking(t *testing.T, env *apitest.Env, resource int64, capacity int) {
	t.Helper()
	admin := env.NewUser(t, models.RoleAdmin, "Auditor")
	var list struct {
		Bookings []struct {
			Start, End time.Time
			Quantity   int
			Status     string
		} `json:"bookings"`
	}
	env.Must(t, 200, "GET", fmt.Sprintf("/api/v1/bookings?resource_id=%d&limit=1000", resource), admin.Token, nil).Decode(t, &list)
	for i, a := range list.Bookings {
		if a.Status != "pending" && a.Status != "approved" {
			continue
		}
		held := a.Quantity
		for j, b := range list.Bookings {
			if i == j || (b.Status != "pending" && b.Status != "approved") {
				continue
			}
			// Two bookings overlap when each starts before the other ends;
			// checking at each start is enough for a peak.
			if !b.Start.After(a.Start) && a.Start.Before(b.End) {
				held += b.Quantity
			}
		}
		if held > capacity {
			t.Fatalf("at %s the live bookings hold %d > capacity %d", a.Start, held, capacity)
		}
	}
}

// TestConflictSuggestsNextStart: a refused slot says when the same length
// would fit next.
func TestConflictSuggestsNextStart(t *testing.T) {
	env := apitest.New(t)
	w := env.NewWorkshop(t)
	m := env.NewUser(t, models.RoleMember, "Member")
	env.Must(t, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 5, 9, 0), apitest.At(2027, 1, 5, 11, 0)))
	r := env.Must(t, 409, "POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 5, 10, 0), apitest.At(2027, 1, 5, 11, 0)))
	var body struct {
		Error struct {
			Details struct {
				NextStart time.Time `json:"next_start"`
			} `json:"details"`
		} `json:"error"`
	}
	r.Decode(t, &body)
	if want := time.Date(2027, 1, 5, 11, 0, 0, 0, testclock.Brussels); !body.Error.Details.NextStart.Equal(want) {
		t.Fatalf("next_start = %v, want %v (%s)", body.Error.Details.NextStart, want, r)
	}
}

// TestLongBookingsStayInTheWay: a host holds the machine for ten days; on
// its ninth day a member's request still meets it, and availability shows
// it taken: the overlap queries look back as far as the longest booking
// the machine holds, whatever that is.
func TestLongBookingsStayInTheWay(t *testing.T) {
	for _, d := range apitest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			env := apitest.NewOn(t, d)
			w := env.NewWorkshop(t)
			m := env.NewUser(t, models.RoleMember, "Member")
			env.Must(t, 201, "POST", "/api/v1/bookings", w.Manager.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 5, 8, 0), apitest.At(2027, 1, 15, 8, 0)))
			if r := env.Do("POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 14, 10, 0), apitest.At(2027, 1, 14, 11, 0))); r.ErrorCode() != "conflict" {
				t.Fatalf("on the ninth day of a ten-day booking: want conflict, got %s", r)
			}
			var av struct{ Intervals []struct{ Available int } }
			env.Must(t, 200, "GET", fmt.Sprintf("/api/v1/resources/%d/availability?from=%s&to=%s", w.Machine,
				urlq(apitest.At(2027, 1, 14, 10, 0)), urlq(apitest.At(2027, 1, 14, 11, 0))), m.Token, nil).Decode(t, &av)
			if len(av.Intervals) != 1 || av.Intervals[0].Available != 0 {
				t.Fatalf("availability on the ninth day: %+v", av)
			}
		})
	}
}
