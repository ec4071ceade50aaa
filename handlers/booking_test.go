package handlers_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"atelier/internal/apitest"
	"atelier/internal/apitest/testclock"
	"atelier/models"
)

// TestCapacityRace asks for the same slot many times at once, round after
// round: exactly what fits wins each time (one of 50 requests from five
// members for a machine; three of ten asking for 30 m² of the 100 m²
// space), the others get 409 conflict, and nothing is overbooked.
func TestCapacityRace(t *testing.T) {
	for _, c := range []struct {
		name                     string
		space                    bool
		members, requests, wins  int
		quantity, rounds, length int // quantity 0: none sent; length in hours
	}{
		{name: "machine slot", members: 5, requests: 50, wins: 1, rounds: 8, length: 1},
		{name: "space capacity", space: true, members: 1, requests: 10, wins: 3, quantity: 30, rounds: 5, length: 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			apitest.EachDialect(t, func(t *testing.T, d models.Dialect) {
				env := apitest.NewOn(t, d)
				w := env.NewWorkshop(t)
				resource, capacity := w.Machine, 1
				if c.space {
					resource, capacity = w.Space, 100
				}
				members := make([]apitest.User, c.members)
				for i := range members {
					members[i] = env.NewUser(t, models.RoleMember, fmt.Sprintf("Member %d", i))
				}
				for round := range c.rounds {
					start := apitest.At(2027, 1, 5+round, 9, 0)
					end := apitest.At(2027, 1, 5+round, 9+c.length, 0)
					codes := apitest.Tally(apitest.Burst(c.requests, func(i int) int {
						body := apitest.Slot(resource, start, end)
						if c.quantity != 0 {
							body["quantity"] = c.quantity
						}
						return env.Do("POST", "/api/v1/bookings", members[i%len(members)].Token, body).Code
					}))
					if codes[201] != c.wins || codes[409] != c.requests-c.wins {
						t.Fatalf("round %d: want %d 201 and %d 409, got %v", round, c.wins, c.requests-c.wins, codes)
					}
				}
				assertNoOverbooking(t, env, resource, capacity)
			})
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
	env, w, m := apitest.NewWithMember(t, "Member")
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
	apitest.EachDialect(t, func(t *testing.T, d models.Dialect) {
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

// The answer of a booking creation equals the booking read back.
func TestBookingAnswerEqualsReadBack(t *testing.T) {
	apitest.EachDialect(t, func(t *testing.T, d models.Dialect) {
		env := apitest.NewOn(t, d)
		w := env.NewWorkshop(t)
		m := env.NewUser(t, models.RoleMember, "Mina")
		appr := env.Must(t, 201, "POST", "/api/v1/resources", w.Manager.Token, map[string]any{
			"zone_id": w.ZoneID, "name": "Lathe", "kind": "machine", "slot_minutes": 30, "requires_approval": true, "buffer_minutes": 15}).ID()
		cases := []struct {
			token string
			body  map[string]any
		}{
			{m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 5, 9, 0), apitest.At(2027, 1, 5, 10, 0))},
			{m.Token, apitest.Slot(appr, apitest.At(2027, 1, 5, 9, 0), apitest.At(2027, 1, 5, 10, 0))},
			{w.Manager.Token, map[string]any{"resource_id": w.Machine, "member_id": m.ID, "start": apitest.At(2027, 1, 6, 9, 0), "end": apitest.At(2027, 1, 6, 10, 0), "note": "  hi  "}},
			{m.Token, map[string]any{"resource_id": w.Space, "quantity": 3, "start": "2027-01-07T09:00:00.1234567+01:00", "end": "2027-01-07T10:00:00.9999999+01:00"}},
		}
		for i, c := range cases {
			r := env.Do("POST", "/api/v1/bookings", c.token, c.body)
			if r.Code != 201 {
				t.Logf("case %d: %s", i, r)
				continue
			}
			g := env.Must(t, 200, "GET", fmt.Sprintf("/api/v1/bookings/%d", r.ID()), c.token, nil)
			if !bytes.Equal(bytes.TrimSpace(r.Body), bytes.TrimSpace(g.Body)) {
				t.Errorf("case %d differs:\nPOST %s\nGET  %s", i, r.Body, g.Body)
			}
		}
	})
}

// TestQuotaRace sends two bookings at once that each fit the weekly quota
// alone but not together: exactly one is refused, on both databases.
func TestQuotaRace(t *testing.T) {
	apitest.EachDialect(t, func(t *testing.T, d models.Dialect) {
		env := apitest.NewOn(t, d)
		w := env.NewWorkshop(t)
		env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/resources/%d", w.Machine), w.Manager.Token, map[string]any{"max_hours_per_week": 3})
		m := env.NewUser(t, models.RoleMember, "Member")
		for round := 0; round < 6; round++ {
			day := 5 + round*7 // a fresh ISO week each round
			codes := apitest.Tally(apitest.Burst(2, func(i int) int {
				return env.Do("POST", "/api/v1/bookings", m.Token,
					apitest.Slot(w.Machine, apitest.At(2027, 1, day, 9+i*4, 0), apitest.At(2027, 1, day, 11+i*4, 0))).Code
			}))
			if codes[201] != 1 || codes[422] != 1 {
				t.Fatalf("round %d: want one 201 and one 422 quota_exceeded, got %v", round, codes)
			}
		}
	})
}

// TestQuotaWeekStartsAtLocalMidnight: a booking in the first hours of a
// local Monday counts in that week's quota.
func TestQuotaWeekStartsAtLocalMidnight(t *testing.T) {
	env := apitest.New(t)
	w := env.NewWorkshop(t)
	all := []int{1, 2, 3, 4, 5, 6, 7}
	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/sites/%d", w.SiteID), w.Admin.Token, map[string]any{
		"opening_hours": []map[string]any{{"days": all, "from": "00:00", "to": "24:00"}}, "quiet_hours": []any{}})
	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/resources/%d", w.Machine), w.Manager.Token, map[string]any{"max_hours_per_week": 2})
	m := env.NewUser(t, models.RoleMember, "Member")
	env.Must(t, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 11, 0, 0), apitest.At(2027, 1, 11, 1, 0)))
	r := env.Do("POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 11, 2, 0), apitest.At(2027, 1, 11, 4, 0)))
	if r.Code != 422 || r.ErrorCode() != "quota_exceeded" {
		t.Fatalf("3 h in a week with a 2 h quota: want 422 quota_exceeded, got %s", r)
	}
}
