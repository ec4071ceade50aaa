package handlers_test

import (
	"fmt"
	"strings"
	"testing"

	"atelier/internal/apitest"
	"atelier/models"
)

type waitBody struct {
	ID        int64  `json:"id"`
	Status    string `json:"status"`
	BookingID *int64 `json:"booking_id"`
	MemberID  int64  `json:"member_id"`
}

func waitlistOf(t *testing.T, env *apitest.Env, token string) map[int64]waitBody {
	t.Helper()
	var l struct{ Waitlist []waitBody }
	env.Must(t, 200, "GET", "/api/v1/waitlist", token, nil).Decode(t, &l)
	out := map[int64]waitBody{}
	for _, w := range l.Waitlist {
		out[w.ID] = w
	}
	return out
}

// TestWaitlistPromotesTheOldestThatFits: a free slot cannot be waited for;
// a taken one can; its cancellation books the waiter, who is told.
func TestWaitlistPromotesTheOldestThatFits(t *testing.T) {
	env := apitest.New(t)
	w := env.NewWorkshop(t)
	a, b, c := env.NewUser(t, models.RoleMember, "A"), env.NewUser(t, models.RoleMember, "B"), env.NewUser(t, models.RoleMember, "C")
	slot := apitest.Slot(w.Machine, apitest.At(2027, 1, 6, 9, 0), apitest.At(2027, 1, 6, 11, 0))
	if r := env.Do("POST", "/api/v1/waitlist", b.Token, slot); r.Code != 422 || r.ErrorCode() != "slot_free" {
		t.Fatalf("waiting for a free slot: want 422 slot_free, got %s", r)
	}
	held := env.Must(t, 201, "POST", "/api/v1/bookings", a.Token, slot).ID()
	var wb, wc waitBody
	env.Must(t, 201, "POST", "/api/v1/waitlist", b.Token, slot).Decode(t, &wb)
	env.Must(t, 201, "POST", "/api/v1/waitlist", c.Token, slot).Decode(t, &wc)
	if wb.Status != "waiting" || wb.BookingID != nil {
		t.Fatalf("a new entry: %+v", wb)
	}
	if r := env.Do("POST", "/api/v1/waitlist", b.Token, slot); r.Code != 409 {
		t.Fatalf("waiting twice for the same slot: want 409, got %s", r)
	}
	// The other refusals of a booking still answer first.
	past := apitest.Slot(w.Machine, apitest.At(2027, 1, 4, 5, 0), apitest.At(2027, 1, 4, 6, 0))
	if r := env.Do("POST", "/api/v1/waitlist", b.Token, past); r.ErrorCode() != "in_the_past" {
		t.Fatalf("waiting for the past: want in_the_past, got %s", r)
	}
	// Privacy: C neither sees nor removes B's entry.
	if _, seen := waitlistOf(t, env, c.Token)[wb.ID]; seen {
		t.Fatalf("a member sees another member's entry")
	}
	if r := env.Do("DELETE", fmt.Sprintf("/api/v1/waitlist/%d", wb.ID), c.Token, nil); r.Code != 404 {
		t.Fatalf("removing another member's entry: want 404, got %s", r)
	}
	env.Must(t, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/cancel", held), a.Token, map[string]string{"reason": "plans changed"})
	got := waitlistOf(t, env, w.Manager.Token)
	if got[wb.ID].Status != "booked" || got[wb.ID].BookingID == nil || got[wc.ID].Status != "waiting" {
		t.Fatalf("after the cancellation: want B booked and C waiting, got %+v", got)
	}
	var booking struct {
		MemberID int64 `json:"member_id"`
		Status   string
	}
	env.Must(t, 200, "GET", fmt.Sprintf("/api/v1/bookings/%d", *got[wb.ID].BookingID), b.Token, nil).Decode(t, &booking)
	if booking.MemberID != b.ID || booking.Status != "approved" {
		t.Fatalf("the promoted booking: %+v", booking)
	}
	var notes struct {
		Notifications []struct {
			Kind    string
			Message string
		}
		Unread int
	}
	env.Must(t, 200, "GET", "/api/v1/me/notifications", b.Token, nil).Decode(t, &notes)
	if notes.Unread != 1 || notes.Notifications[0].Kind != "waitlist_booked" || !strings.Contains(notes.Notifications[0].Message, "Laser cutter") {
		t.Fatalf("B's notifications: %+v", notes)
	}
	if r := env.Do("DELETE", fmt.Sprintf("/api/v1/waitlist/%d", wb.ID), b.Token, nil); r.Code != 409 || r.ErrorCode() != "invalid_transition" {
		t.Fatalf("leaving once booked: want 409 invalid_transition, got %s", r)
	}
	env.Must(t, 204, "DELETE", fmt.Sprintf("/api/v1/waitlist/%d", wc.ID), c.Token, nil)
	// Once its start has passed, an entry reads expired.
	env.Must(t, 201, "POST", "/api/v1/waitlist", c.Token, slot)
	env.Clock.Set(env.Clock.Now().Add(3 * 24 * 60 * 60 * 1e9))
	for _, e := range waitlistOf(t, env, c.Token) {
		if e.Status != "expired" {
			t.Fatalf("an entry whose start has passed reads %s", e.Status)
		}
	}
}

// TestWaitlistPassesOverWhatDoesNotFit: on a 100 m² space, 60 and 40 m²
// are booked; B waits for 80 first, then C for 30. When the 40 free up,
// B still does not fit and C, who fits, gets them.
func TestWaitlistPassesOverWhatDoesNotFit(t *testing.T) {
	env := apitest.New(t)
	w := env.NewWorkshop(t)
	a, x := env.NewUser(t, models.RoleMember, "A"), env.NewUser(t, models.RoleMember, "X")
	b, c := env.NewUser(t, models.RoleMember, "B"), env.NewUser(t, models.RoleMember, "C")
	qty := func(n int) map[string]any {
		s := apitest.Slot(w.Space, apitest.At(2027, 1, 7, 9, 0), apitest.At(2027, 1, 7, 12, 0))
		s["quantity"] = n
		return s
	}
	env.Must(t, 201, "POST", "/api/v1/bookings", a.Token, qty(60))
	forty := env.Must(t, 201, "POST", "/api/v1/bookings", x.Token, qty(40)).ID()
	wb := env.Must(t, 201, "POST", "/api/v1/waitlist", b.Token, qty(80)).ID()
	wc := env.Must(t, 201, "POST", "/api/v1/waitlist", c.Token, qty(30)).ID()
	env.Must(t, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/cancel", forty), x.Token, nil)
	got := waitlistOf(t, env, w.Manager.Token)
	if got[wb].Status != "waiting" || got[wc].Status != "booked" {
		t.Fatalf("want B (80 m²) waiting and C (30 m²) booked, got %+v", got)
	}
	assertNoOverbooking(t, env, w.Space, 100)
}

// TestWaitlistKeepsAnEntryThatBreaksItsQuota: the waiter has used the
// week's quota meanwhile: the entry stays waiting and the next one fits.
func TestWaitlistKeepsAnEntryThatBreaksItsQuota(t *testing.T) {
	env := apitest.New(t)
	w := env.NewWorkshop(t)
	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/resources/%d", w.Machine), w.Manager.Token, map[string]any{"max_hours_per_week": 2})
	a, b, c := env.NewUser(t, models.RoleMember, "A"), env.NewUser(t, models.RoleMember, "B"), env.NewUser(t, models.RoleMember, "C")
	slot := apitest.Slot(w.Machine, apitest.At(2027, 1, 6, 9, 0), apitest.At(2027, 1, 6, 11, 0))
	held := env.Must(t, 201, "POST", "/api/v1/bookings", a.Token, slot).ID()
	wb := env.Must(t, 201, "POST", "/api/v1/waitlist", b.Token, slot).ID()
	wc := env.Must(t, 201, "POST", "/api/v1/waitlist", c.Token, slot).ID()
	env.Must(t, 201, "POST", "/api/v1/bookings", b.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 7, 9, 0), apitest.At(2027, 1, 7, 10, 0)))
	env.Must(t, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/cancel", held), a.Token, nil)
	got := waitlistOf(t, env, w.Manager.Token)
	if got[wb].Status != "waiting" || got[wc].Status != "booked" {
		t.Fatalf("want B (over quota now) waiting and C booked, got %+v", got)
	}
}

// TestWaitlistWinsTheRaceForAFreedSlot: a cancellation races eight direct
// booking attempts, round after round, on every database and on two
// servers: the waiter gets the slot, the eight get 409.
func TestWaitlistWinsTheRaceForAFreedSlot(t *testing.T) {
	apitest.EachDialect(t, func(t *testing.T, d models.Dialect) {
		one, two := apitest.TwoServers(t, d)
		w := one.NewWorkshop(t)
		holder, waiter := one.NewUser(t, models.RoleMember, "Holder"), one.NewUser(t, models.RoleMember, "Waiter")
		rushers := make([]apitest.User, 4)
		for i := range rushers {
			rushers[i] = one.NewUser(t, models.RoleMember, fmt.Sprintf("Rusher %d", i))
		}
		for round := range 6 {
			slot := apitest.Slot(w.Machine, apitest.At(2027, 1, 5+round, 9, 0), apitest.At(2027, 1, 5+round, 10, 0))
			held := one.Must(t, 201, "POST", "/api/v1/bookings", holder.Token, slot).ID()
			entry := one.Must(t, 201, "POST", "/api/v1/waitlist", waiter.Token, slot).ID()
			res := apitest.Burst(9, func(i int) *apitest.Response {
				srv := []*apitest.Env{one, two}[i%2]
				if i == 0 {
					return srv.Do("POST", fmt.Sprintf("/api/v1/bookings/%d/cancel", held), holder.Token, nil)
				}
				return srv.Do("POST", "/api/v1/bookings", rushers[i%len(rushers)].Token, slot)
			})
			if res[0].Code != 200 {
				t.Fatalf("round %d: the cancellation: %s", round, res[0])
			}
			for i, r := range res[1:] {
				if r.Code != 409 {
					t.Fatalf("round %d: rusher %d: want 409, got %s", round, i, r)
				}
			}
			if e := waitlistOf(t, one, waiter.Token)[entry]; e.Status != "booked" {
				t.Fatalf("round %d: the waiter's entry is %s", round, e.Status)
			}
		}
		assertNoOverbooking(t, one, w.Machine, 1)
	})
}

// TestWaitlistOnRejection: a rejection frees a pending request's slot for
// the waiter, whose booking waits for approval in turn.
func TestWaitlistOnRejection(t *testing.T) {
	env := apitest.New(t)
	w := env.NewWorkshop(t)
	kiln := env.Must(t, 201, "POST", "/api/v1/resources", w.Manager.Token, map[string]any{"zone_id": w.ZoneID,
		"name": "Kiln", "kind": "machine", "requires_approval": true}).ID()
	a, b := env.NewUser(t, models.RoleMember, "A"), env.NewUser(t, models.RoleMember, "B")
	slot := apitest.Slot(kiln, apitest.At(2027, 1, 6, 9, 0), apitest.At(2027, 1, 6, 11, 0))
	req := env.Must(t, 201, "POST", "/api/v1/bookings", a.Token, slot).ID()
	entry := env.Must(t, 201, "POST", "/api/v1/waitlist", b.Token, slot).ID()
	env.Must(t, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/reject", req), w.Manager.Token, map[string]string{"reason": "kiln reserved for a course"})
	e := waitlistOf(t, env, b.Token)[entry]
	if e.Status != "booked" {
		t.Fatalf("after a rejection the waiter's entry is %s", e.Status)
	}
	var bk struct{ Status string }
	env.Must(t, 200, "GET", fmt.Sprintf("/api/v1/bookings/%d", *e.BookingID), b.Token, nil).Decode(t, &bk)
	if bk.Status != "pending" {
		t.Fatalf("a promotion on a machine that needs approval is %s, want pending", bk.Status)
	}
}

// TestWaitlistPages: the list comes a page at a time with its total, as
// every list that can grow long.
func TestWaitlistPages(t *testing.T) {
	env, w, m := apitest.NewWithMember(t, "Mina")
	holder := env.NewUser(t, models.RoleMember, "Holder")
	for h := 9; h < 12; h++ {
		slot := apitest.Slot(w.Machine, apitest.At(2027, 1, 6, h, 0), apitest.At(2027, 1, 6, h+1, 0))
		env.Must(t, 201, "POST", "/api/v1/bookings", holder.Token, slot)
		env.Must(t, 201, "POST", "/api/v1/waitlist", m.Token, slot)
	}
	var page struct {
		Waitlist []waitBody
		Total    int64
	}
	env.Must(t, 200, "GET", "/api/v1/waitlist?limit=2", m.Token, nil).Decode(t, &page)
	if len(page.Waitlist) != 2 || page.Total != 3 {
		t.Fatalf("first page: want 2 of 3, got %d of %d", len(page.Waitlist), page.Total)
	}
	env.Must(t, 200, "GET", "/api/v1/waitlist?limit=2&offset=2", m.Token, nil).Decode(t, &page)
	if len(page.Waitlist) != 1 || page.Total != 3 {
		t.Fatalf("second page: want 1 of 3, got %d of %d", len(page.Waitlist), page.Total)
	}
	if r := env.Do("GET", "/api/v1/waitlist?limit=1001", m.Token, nil); r.Code != 422 {
		t.Fatalf("a page over 1000: want 422, got %s", r)
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
