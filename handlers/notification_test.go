package handlers_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"atelier/internal/apitest"
	"atelier/models"
)

type noticeList struct {
	Notifications []struct {
		ID        int64
		Kind      string
		BookingID *int64 `json:"booking_id"`
		SeriesID  *int64 `json:"series_id"`
		Message   string
		CreatedAt time.Time `json:"created_at"`
		Read      bool
	}
	Unread int
	Total  int
}

func notices(t *testing.T, env *apitest.Env, u apitest.User) noticeList {
	t.Helper()
	var l noticeList
	env.Must(t, 200, "GET", "/api/v1/me/notifications", u.Token, nil).Decode(t, &l)
	return l
}

// kinds lists a user's notification kinds, newest first.
func kinds(t *testing.T, env *apitest.Env, u apitest.User) string {
	t.Helper()
	var ks []string
	for _, n := range notices(t, env, u).Notifications {
		ks = append(ks, n.Kind)
	}
	return strings.Join(ks, " ")
}

// TestNotificationsReachTheRightPeople: each event notifies exactly those
// it concerns, once (one per series, not one per occurrence), in their
// language, with the reason; nobody is told of their own cancellation.
func TestNotificationsReachTheRightPeople(t *testing.T) {
	env, w, m := apitest.NewWithMember(t, "Pieter")
	bystander := env.NewUser(t, models.RoleMember, "Bystander")
	env.Must(t, 200, "PATCH", "/api/v1/me", m.Token, map[string]any{"language": "nl"})
	kiln := env.Must(t, 201, "POST", "/api/v1/resources", w.Manager.Token, map[string]any{"zone_id": w.ZoneID,
		"name": "Oven", "kind": "machine", "requires_approval": true}).ID()
	hosts := []apitest.User{w.Manager, w.Admin}

	one := env.Must(t, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(kiln, apitest.At(2027, 1, 6, 9, 0), apitest.At(2027, 1, 6, 10, 0))).ID()
	series := seriesOf(kiln, apitest.At(2027, 1, 7, 9, 0), apitest.At(2027, 1, 7, 10, 0), "FREQ=WEEKLY;COUNT=3")
	var s seriesBody
	env.Must(t, 201, "POST", "/api/v1/series", m.Token, series).Decode(t, &s)
	for _, h := range hosts {
		l := notices(t, env, h)
		if kinds(t, env, h) != "approval_requested approval_requested" || l.Unread != 2 {
			t.Fatalf("%d: want two requests (one booking, one series of 3), got %+v", h.ID, l)
		}
		if l.Notifications[0].SeriesID == nil || *l.Notifications[0].SeriesID != s.ID || !strings.Contains(l.Notifications[0].Message, "3") {
			t.Fatalf("the series request: %+v", l.Notifications[0])
		}
	}
	if k := kinds(t, env, m); k != "" {
		t.Fatalf("the member who asked was notified: %s", k)
	}
	env.Must(t, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/reject", one), w.Manager.Token, map[string]string{"reason": "de oven is in onderhoud"})
	env.Must(t, 200, "POST", fmt.Sprintf("/api/v1/series/%d/approve", s.ID), w.Admin.Token, nil)
	l := notices(t, env, m)
	if kinds(t, env, m) != "booking_approved booking_rejected" {
		t.Fatalf("the member's kinds, newest first: %s", kinds(t, env, m))
	}
	if msg := l.Notifications[1].Message; !strings.Contains(msg, "geweigerd: de oven is in onderhoud") || !strings.Contains(msg, "Oven") {
		t.Fatalf("the rejection in Dutch with its reason: %q", msg)
	}
	if msg := l.Notifications[0].Message; !strings.Contains(msg, "3 reserveringen") {
		t.Fatalf("one approval for the whole series: %q", msg)
	}
	// Cancelling one's own booking tells nobody; a host's cancellation and
	// a closure tell the member, with the reason.
	env.Must(t, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/cancel", s.Bookings[0].ID), m.Token, nil)
	env.Must(t, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/cancel", s.Bookings[1].ID), w.Manager.Token, map[string]string{"reason": "cursus"})
	env.Must(t, 201, "POST", fmt.Sprintf("/api/v1/resources/%d/closures", kiln), w.Manager.Token, map[string]string{
		"start": apitest.At(2027, 1, 21, 0, 0), "end": apitest.At(2027, 1, 22, 0, 0), "reason": "nieuwe weerstand"})
	if k := kinds(t, env, m); k != "booking_cancelled booking_cancelled booking_approved booking_rejected" {
		t.Fatalf("after the cancellations: %s", k)
	}
	if msg := notices(t, env, m).Notifications[0].Message; !strings.Contains(msg, "nieuwe weerstand") {
		t.Fatalf("the closure's reason: %q", msg)
	}
	for _, h := range hosts {
		if k := kinds(t, env, h); k != "approval_requested approval_requested" {
			t.Fatalf("a host got more: %s", k)
		}
	}
	if k := kinds(t, env, bystander); k != "" {
		t.Fatalf("a bystander was notified: %s", k)
	}
}

// TestNotificationsReadState: unread counts, marking one or all read, the
// unread filter, and another user's notification is 404.
func TestNotificationsReadState(t *testing.T) {
	env, w, m := apitest.NewWithMember(t, "Member")
	for day := range 3 {
		id := env.Must(t, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 6+day, 9, 0), apitest.At(2027, 1, 6+day, 10, 0))).ID()
		env.Clock.Set(env.Clock.Now().Add(time.Minute))
		env.Must(t, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/cancel", id), w.Manager.Token, map[string]string{"reason": "course"})
	}
	l := notices(t, env, m)
	if l.Unread != 3 || l.Total != 3 || !l.Notifications[0].CreatedAt.After(l.Notifications[2].CreatedAt) {
		t.Fatalf("three unread, newest first: %+v", l)
	}
	first := l.Notifications[0].ID
	if r := env.Do("POST", fmt.Sprintf("/api/v1/me/notifications/%d/read", first), w.Manager.Token, nil); r.Code != 404 {
		t.Fatalf("marking someone else's notification: want 404, got %s", r)
	}
	env.Must(t, 204, "POST", fmt.Sprintf("/api/v1/me/notifications/%d/read", first), m.Token, nil)
	var unread noticeList
	env.Must(t, 200, "GET", "/api/v1/me/notifications?unread=true", m.Token, nil).Decode(t, &unread)
	if unread.Unread != 2 || len(unread.Notifications) != 2 {
		t.Fatalf("after reading one: %+v", unread)
	}
	env.Must(t, 204, "POST", "/api/v1/me/notifications/read", m.Token, nil)
	if l := notices(t, env, m); l.Unread != 0 || l.Total != 3 || !l.Notifications[2].Read {
		t.Fatalf("after reading all: %+v", l)
	}
	if r := env.Do("GET", "/api/v1/me/notifications?unread=maybe", m.Token, nil); r.Code != 422 {
		t.Fatalf("unread=maybe: want 422, got %s", r)
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
