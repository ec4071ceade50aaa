package feeds_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"atelier/feeds"
	"atelier/internal/apitest"
	"atelier/models"
)

// TestMemberFollowsChanges: a feed served from a server's cache still
// shows every change, including ones no booking records (a zone renamed,
// the reader's language) and ones made through another server.
func TestMemberFollowsChanges(t *testing.T) {
	env := apitest.New(t)
	ctx := context.Background()
	w := env.NewWorkshop(t)
	m := env.NewUser(t, models.RoleMember, "Member")
	book := func(day int, note string) {
		t.Helper()
		body := apitest.Slot(w.Machine, apitest.At(2027, 1, day, 9, 0), apitest.At(2027, 1, day, 10, 0))
		body["note"] = note
		env.Must(t, 201, "POST", "/api/v1/bookings", m.Token, body)
	}
	book(5, "first")
	a, b := feeds.New(env.DB, "http://atelier.test", 0), feeds.New(env.DB, "http://atelier.test", 0)
	member := func(f *feeds.Feeds) *feeds.Calendar {
		t.Helper()
		u, err := env.DB.User(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		cal, err := f.Member(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		return cal
	}
	first := member(a)
	if again := member(a); again != first {
		t.Fatal("an unchanged feed was rendered again")
	}
	if other := member(b); string(other.Body) != string(first.Body) || other.ETag != first.ETag || !other.LastModified.Equal(first.LastModified) {
		t.Fatal("two servers rendered one feed differently")
	}
	prev := first
	for _, step := range []struct {
		what, want string
		change     func()
	}{
		{"a booking made", "second", func() { book(6, "second") }},
		{"the zone renamed", "Atelier bois", func() {
			env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/zones/%d", w.ZoneID), w.Manager.Token, map[string]any{"name": "Atelier bois"})
		}},
		{"the language changed", "mijn reserveringen", func() {
			env.Must(t, 200, "PATCH", "/api/v1/me", m.Token, map[string]any{"language": "nl"})
		}},
	} {
		env.Clock.Set(env.Clock.Now().Add(time.Hour))
		step.change()
		for i, f := range []*feeds.Feeds{a, b} {
			cal := member(f)
			if cal.ETag == prev.ETag || !cal.LastModified.After(prev.LastModified) ||
				!strings.Contains(strings.ReplaceAll(string(cal.Body), "\r\n ", ""), step.want) {
				t.Fatalf("after %s, server %d: ETag %s (was %s), Last-Modified %s (was %s), body without %q",
					step.what, i, cal.ETag, prev.ETag, cal.LastModified, prev.LastModified, step.want)
			}
		}
		prev = member(a)
	}
}
