package handlers_test

import (
	"fmt"
	"testing"
	"time"

	"atelier/internal/apitest"
	"atelier/internal/apitest/testclock"
	"atelier/models"
)

// TestLongClosureBlocksLateBookings: a closure longer than a booking can
// be still refuses bookings deep inside it.
func TestLongClosureBlocksLateBookings(t *testing.T) {
	env, w, m := apitest.NewWithMember(t, "Member")
	env.Must(t, 201, "POST", fmt.Sprintf("/api/v1/resources/%d/closures", w.Machine), w.Manager.Token,
		map[string]string{"start": apitest.At(2027, 1, 4, 8, 0), "end": apitest.At(2027, 3, 10, 8, 0), "reason": "Rénovation"})
	for _, day := range []time.Time{time.Date(2027, 1, 11, 0, 0, 0, 0, testclock.Brussels), time.Date(2027, 2, 20, 0, 0, 0, 0, testclock.Brussels)} {
		r := env.Do("POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine,
			apitest.At(day.Year(), day.Month(), day.Day(), 9, 0), apitest.At(day.Year(), day.Month(), day.Day(), 10, 0)))
		if r.Code != 422 || r.ErrorCode() != "closed" {
			t.Fatalf("a booking on %s inside a 65-day closure: want 422 closed, got %s", day.Format(time.DateOnly), r)
		}
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

// TestClosureFromThePastKeepsHistory: a closure that started earlier
// cancels what has not ended yet, not what already happened.
func TestClosureFromThePastKeepsHistory(t *testing.T) {
	env, w, m := apitest.NewWithMember(t, "Member")
	done := env.Must(t, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 4, 8, 0), apitest.At(2027, 1, 4, 9, 0))).ID()
	later := env.Must(t, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 4, 14, 0), apitest.At(2027, 1, 4, 15, 0))).ID()
	env.Clock.Set(time.Date(2027, 1, 4, 12, 0, 0, 0, testclock.Brussels))
	var res struct {
		Cancelled []struct{ ID int64 } `json:"cancelled"`
	}
	env.Must(t, 201, "POST", fmt.Sprintf("/api/v1/resources/%d/closures", w.Machine), w.Manager.Token,
		map[string]string{"start": apitest.At(2027, 1, 4, 7, 0), "end": apitest.At(2027, 1, 5, 8, 0), "reason": "Panne"}).Decode(t, &res)
	if len(res.Cancelled) != 1 || res.Cancelled[0].ID != later {
		t.Fatalf("the closure cancelled %+v, want only the afternoon booking %d (not %d, already over)", res.Cancelled, later, done)
	}
}

// TestConcurrentAccountChanges: a deactivation racing with a rename is
// never undone by it, and hosts certifying at once all succeed.
func TestConcurrentAccountChanges(t *testing.T) {
	apitest.EachDialect(t, func(t *testing.T, d models.Dialect) {
		env := apitest.NewOn(t, d)
		w := env.NewWorkshop(t)
		for round := 0; round < 10; round++ {
			m := env.NewUser(t, models.RoleMember, fmt.Sprintf("Member %d", round))
			path := fmt.Sprintf("/api/v1/members/%d", m.ID)
			changes := []struct {
				token string
				body  map[string]any
			}{{w.Admin.Token, map[string]any{"active": false}}, {w.Manager.Token, map[string]any{"name": "Renamed"}}}
			codes := apitest.Burst(len(changes), func(i int) int {
				return env.Do("PATCH", path, changes[i].token, changes[i].body).Code
			})
			if a, b := codes[0], codes[1]; a != 200 || b != 200 {
				t.Fatalf("round %d: %d and %d", round, a, b)
			}
			var got struct {
				Name   string
				Active bool
			}
			env.Must(t, 200, "GET", path, w.Admin.Token, nil).Decode(t, &got)
			if got.Active || got.Name != "Renamed" {
				t.Fatalf("round %d: after a deactivation and a rename at once: %+v", round, got)
			}
		}
		m := env.NewUser(t, models.RoleMember, "Certified")
		codes := apitest.Burst(8, func(int) int {
			return env.Do("POST", fmt.Sprintf("/api/v1/members/%d/certifications", m.ID), w.Manager.Token,
				map[string]any{"resource_id": w.Machine}).Code
		})
		for _, c := range codes {
			if c != 201 {
				t.Fatalf("certifying at once: got %d, want 201 every time", c)
			}
		}
	})
}
