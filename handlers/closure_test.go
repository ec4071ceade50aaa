package handlers_test

import (
	"fmt"
	"testing"
	"time"

	"atelier/internal/apitest"
	"atelier/internal/apitest/testclock"
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
