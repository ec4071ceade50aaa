package handlers_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"atelier/internal/apitest"
	"atelier/internal/apitest/testclock"
	"atelier/models"
)

// Refused moves in the life of a booking, alone and racing each other.

// TestInvalidTransitions makes every move the life of a booking does not
// allow: 409 invalid_transition, and the booking stays as it was.
func TestInvalidTransitions(t *testing.T) {
	t.Parallel()
	env, w, g := newGuarded(t)
	mgr := w.Manager.Token
	member := env.NewUser(t, models.RoleMember, "Max Member")
	other := env.NewUser(t, models.RoleMember, "Olga Other")
	kiln := env.Must(t, 201, "POST", "/api/v1/resources", mgr, map[string]any{
		"zone_id": w.ZoneID, "name": "Kiln", "kind": "machine", "slot_minutes": 30, "requires_approval": true}).ID()

	n := 0
	// next returns the day and hour of a fresh one-hour slot.
	next := func() (int, int) {
		n++
		return 5 + n/10, 8 + n%10
	}
	// booking makes a booking of member on res and brings it through moves.
	booking := func(t *testing.T, res int64, moves ...string) int64 {
		t.Helper()
		day, hour := next()
		id := env.Must(t, 201, "POST", "/api/v1/bookings", member.Token, bookingBody(res, day, hour, 0, day, hour+1, 0)).ID()
		for _, mv := range moves {
			env.Must(t, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/%s", id, mv), mgr, map[string]any{"reason": "Because"})
		}
		return id
	}
	move := func(id int64, mv string) string { return fmt.Sprintf("/api/v1/bookings/%d/%s", id, mv) }
	reason := map[string]any{"reason": "No room"}

	cases := []struct {
		name        string
		res         int64
		moves       []string
		move, token string
		status      string // the booking's status, named in details
	}{
		{"approve an approved booking", w.Machine, nil, "approve", mgr, "approved"},
		{"reject an approved booking", w.Machine, nil, "reject", mgr, "approved"},
		{"approve twice", kiln, []string{"approve"}, "approve", mgr, "approved"},
		{"approve a cancelled booking", kiln, []string{"cancel"}, "approve", mgr, "cancelled"},
		{"reject a cancelled booking", kiln, []string{"cancel"}, "reject", mgr, "cancelled"},
		{"cancel twice (member)", w.Machine, []string{"cancel"}, "cancel", member.Token, "cancelled"},
		{"cancel twice (manager)", kiln, []string{"cancel"}, "cancel", mgr, "cancelled"},
		{"approve a rejected booking", kiln, []string{"reject"}, "approve", mgr, "rejected"},
		{"reject a rejected booking", kiln, []string{"reject"}, "reject", mgr, "rejected"},
		{"cancel a rejected booking (member)", kiln, []string{"reject"}, "cancel", member.Token, "rejected"},
		{"cancel a rejected booking (manager)", kiln, []string{"reject"}, "cancel", mgr, "rejected"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := booking(t, c.res, c.moves...)
			e := g.refuse(t, 409, "invalid_transition", "POST", move(id, c.move), c.token, reason)
			if e.Details["status"] != c.status {
				t.Fatalf("details.status = %v, want %s", e.Details["status"], c.status)
			}
		})
	}

	t.Run("approve a booking a closure cancelled", func(t *testing.T) {
		day, hour := next()
		id := env.Must(t, 201, "POST", "/api/v1/bookings", member.Token, bookingBody(kiln, day, hour, 0, day, hour+1, 0)).ID()
		env.Must(t, 201, "POST", fmt.Sprintf("/api/v1/resources/%d/closures", kiln), mgr, map[string]any{
			"start": jan(day, hour, 0), "end": jan(day, hour+1, 0), "reason": "Kiln cracked"})
		g.refuse(t, 409, "invalid_transition", "POST", move(id, "approve"), mgr, nil)
	})

	// Refusals of the decision routes that are not transitions.
	day, hour := next()
	p := env.Must(t, 201, "POST", "/api/v1/bookings", member.Token, bookingBody(kiln, day, hour, 0, day, hour+1, 0)).ID()
	t.Run("reject without a reason", func(t *testing.T) {
		wantFields(t, g.refuse(t, 422, "validation", "POST", move(p, "reject"), mgr, map[string]any{}), "reason")
	})
	t.Run("reject with a blank reason", func(t *testing.T) {
		wantFields(t, g.refuse(t, 422, "validation", "POST", move(p, "reject"), mgr, map[string]any{"reason": "  "}), "reason")
	})
	t.Run("reason over 2000 characters", func(t *testing.T) {
		wantFields(t, g.refuse(t, 422, "validation", "POST", move(p, "cancel"), mgr, map[string]any{"reason": strings.Repeat("r", 2001)}), "reason")
	})
	t.Run("a member approves their own booking", func(t *testing.T) {
		g.refuse(t, 403, "forbidden", "POST", move(p, "approve"), member.Token, nil)
	})
	t.Run("a member rejects their own booking", func(t *testing.T) {
		g.refuse(t, 403, "forbidden", "POST", move(p, "reject"), member.Token, reason)
	})
	t.Run("another member cancels it", func(t *testing.T) {
		g.refuse(t, 404, "not_found", "POST", move(p, "cancel"), other.Token, nil)
	})
	t.Run("another member approves it", func(t *testing.T) {
		g.refuse(t, 404, "not_found", "POST", move(p, "approve"), other.Token, nil)
	})

	t.Run("a member cancels a booking that is over", func(t *testing.T) {
		id := env.Must(t, 201, "POST", "/api/v1/bookings", member.Token, bookingBody(w.Machine, 4, 18, 0, 4, 19, 0)).ID()
		t.Cleanup(func() { env.Clock.Set(testclock.Start) })
		env.Clock.Set(time.Date(2027, 1, 4, 19, 0, 0, 0, testclock.Brussels))
		g.refuse(t, 409, "invalid_transition", "POST", move(id, "cancel"), member.Token, nil)
	})
}

// TestConcurrentDecisions has two managers decide the same pending booking
// at once, over many rounds: exactly one 200, and one 409
// invalid_transition naming the status the winner left.
func TestConcurrentDecisions(t *testing.T) {
	apitest.EachDialect(t, func(t *testing.T, d models.Dialect) {
		env := apitest.NewOn(t, d)
		w := env.NewWorkshop(t)
		m1, m2 := w.Manager, env.NewUser(t, models.RoleManager, "Mia Manager")
		member := env.NewUser(t, models.RoleMember, "Paul Pending")
		kiln := env.Must(t, 201, "POST", "/api/v1/resources", m1.Token, map[string]any{
			"zone_id": w.ZoneID, "name": "Kiln", "kind": "machine", "requires_approval": true}).ID()
		type decision struct {
			who  apitest.User
			move string
		}
		pairs := [][2]decision{
			{{m1, "approve"}, {m2, "approve"}},
			{{m1, "approve"}, {m2, "reject"}},
			{{m1, "reject"}, {m2, "approve"}},
			{{m1, "reject"}, {m2, "reject"}},
		}
		const rounds = 40
		for round := 0; round < rounds; round++ {
			day, hour := 5+round/10, 8+round%10
			r := env.Must(t, 201, "POST", "/api/v1/bookings", member.Token, bookingBody(kiln, day, hour, 0, day, hour+1, 0))
			var b struct{ ID int64 }
			r.Decode(t, &b)
			if s := statusOf(t, r); s != "pending" {
				t.Fatalf("a booking of a resource that needs approval is %s", s)
			}
			pair := pairs[round%len(pairs)]
			got := apitest.Burst(len(pair), func(i int) *apitest.Response {
				return env.Do("POST", fmt.Sprintf("/api/v1/bookings/%d/%s", b.ID, pair[i].move), pair[i].who.Token,
					map[string]any{"reason": "Round " + fmt.Sprint(round)})
			})
			win, lose := 0, 1
			if got[1].Code == 200 {
				win, lose = 1, 0
			}
			if got[win].Code != 200 || got[lose].Code != 409 || got[lose].ErrorCode() != "invalid_transition" {
				t.Fatalf("round %d (%v): want one 200 and one 409 invalid_transition, got %s and %s", round, pair, got[0], got[1])
			}
			e := errorOf(t, got[lose])
			wantStatus := map[string]string{"approve": "approved", "reject": "rejected"}[pair[win].move]
			if e.Details["status"] != wantStatus {
				t.Fatalf("round %d: the loser was told %v, the winner made it %s", round, e.Details["status"], wantStatus)
			}
			var final struct {
				Status    string
				DecidedBy int64 `json:"decided_by"`
			}
			env.Must(t, 200, "GET", fmt.Sprintf("/api/v1/bookings/%d", b.ID), m1.Token, nil).Decode(t, &final)
			if final.Status != wantStatus || final.DecidedBy != pair[win].who.ID {
				t.Fatalf("round %d: stored %s by %d, want %s by %d", round, final.Status, final.DecidedBy, wantStatus, pair[win].who.ID)
			}
		}
	})
}

func statusOf(t testing.TB, r *apitest.Response) string {
	var b struct{ Status string }
	r.Decode(t, &b)
	return b.Status
}
