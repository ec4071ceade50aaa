package handlers_test

// Who may read which calendar feed, and what a rotated feed URL answers.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"atelier/internal/apitest"
	"atelier/models"

	"github.com/emersion/go-ical"
)

// TestCalendarFeedRotation: a rotated URL is dead, and answers exactly what
// a URL that never existed answers; the new one works.
func TestCalendarFeedRotation(t *testing.T) {
	env, w, m := apitest.NewWithMember(t, "Rosa Rotate")
	b := book(t, env, m.Token, w.Machine, apitest.At(2027, 1, 5, 9, 0), apitest.At(2027, 1, 5, 10, 0), "")
	uid := uidOf(t, env, m.Token, b.ID)

	old := myFeed(t, env, m.Token)
	if again := myFeed(t, env, m.Token); again != old {
		t.Fatalf("the feed URL changed without a rotation: %s then %s", old, again)
	}
	get(t, env, old, "").event(t, uid)

	secret := strings.TrimSuffix(strings.TrimPrefix(old, "/calendar/"), ".ics")
	flipped := []byte(secret)
	flipped[len(flipped)-1] ^= 1 // still the same alphabet: A<->B, g<->f, 0<->1, -<->,
	if flipped[len(flipped)-1] == ',' {
		flipped[len(flipped)-1] = '_'
	}
	never := env.Do("GET", "/calendar/"+string(flipped)+".ics", "", nil)
	if never.Code != 404 {
		t.Fatalf("a made-up token: %s", never)
	}
	for _, p := range []string{"/calendar/" + strings.Repeat("A", len(secret)) + ".ics", "/calendar/nope.ics", "/calendar/" + secret} {
		if r := env.Do("GET", p, "", nil); r.Code != 404 || !bytes.Equal(r.Body, never.Body) {
			t.Fatalf("GET %s: %s, want the 404 of a made-up token %s", p, r, never)
		}
	}

	rotated := feedPath(t, env, "POST", "/api/v1/me/calendar/rotate", m.Token)
	if rotated == old {
		t.Fatalf("rotation kept the URL %s", old)
	}
	if now := myFeed(t, env, m.Token); now != rotated {
		t.Fatalf("after rotation GET /me/calendar says %s, want %s", now, rotated)
	}
	dead := func(p string) {
		t.Helper()
		r := env.Do("GET", p, "", nil)
		if r.Code != 404 || !bytes.Equal(r.Body, never.Body) || r.Header.Get("Content-Type") != never.Header.Get("Content-Type") {
			t.Fatalf("rotated URL %s: %s, want what a never-existing token gets: %s", p, r, never)
		}
		if r.Header.Get("ETag") != "" || r.Header.Get("Last-Modified") != "" {
			t.Fatalf("rotated URL %s still hints at a feed: %v", p, r.Header)
		}
	}
	dead(old)
	get(t, env, rotated, "").event(t, uid)

	third := feedPath(t, env, "POST", "/api/v1/me/calendar/rotate", m.Token)
	dead(old)
	dead(rotated)
	get(t, env, third, "").event(t, uid)

	// The resource's public feed: hosts only, rotatable the same way.
	res := fmt.Sprintf("/api/v1/resources/%d/feed", w.Machine)
	if r := env.Do("GET", res, m.Token, nil); r.Code != 403 {
		t.Fatalf("a member asked for the public feed URL: %s", r)
	}
	if r := env.Do("POST", res+"/rotate", m.Token, nil); r.Code != 403 {
		t.Fatalf("a member rotated the public feed: %s", r)
	}
	pub := feedPath(t, env, "GET", res, w.Manager.Token)
	if again := feedPath(t, env, "GET", res, w.Admin.Token); again != pub {
		t.Fatalf("the public feed URL changed without a rotation: %s then %s", pub, again)
	}
	// Busy views have opaque UIDs: the event is found by its time.
	get(t, env, pub, "").startingAt(t, b.Start)
	pub2 := feedPath(t, env, "POST", res+"/rotate", w.Manager.Token)
	if pub2 == pub {
		t.Fatal("rotation kept the public feed URL")
	}
	dead(pub)
	get(t, env, pub2, "").startingAt(t, b.Start)
	// Rotating the resource's feed leaves the member's alone, and back.
	get(t, env, third, "").event(t, uid)
	if r := env.Do("GET", fmt.Sprintf("/api/v1/resources/%d/feed", 999999), w.Manager.Token, nil); r.Code != 404 {
		t.Fatalf("feed of a resource that does not exist: %s", r)
	}

	// A deactivated member's feed dies with the account.
	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/members/%d", m.ID), w.Admin.Token, map[string]any{"active": false})
	dead(third)
	get(t, env, pub2, "").startingAt(t, b.Start)
}

// TestCalendarFeedIsolation: one member's feed and .ics never show
// another's bookings.
func TestCalendarFeedIsolation(t *testing.T) {
	env, w, alice := apitest.NewWithMember(t, "Alice Arbre")
	bob := env.NewUser(t, models.RoleMember, "Bob Bouleau")
	var aIDs, bIDs []booking
	for i := 0; i < 3; i++ {
		aIDs = append(aIDs, book(t, env, alice.Token, w.Machine, apitest.At(2027, 1, 5+i, 9, 0), apitest.At(2027, 1, 5+i, 10, 0), fmt.Sprintf("alice-note-%d", i)))
		bIDs = append(bIDs, book(t, env, bob.Token, w.Space, apitest.At(2027, 1, 5+i, 9, 0), apitest.At(2027, 1, 5+i, 10, 0), fmt.Sprintf("bob-note-%d", i)))
	}
	decide(t, env, bob.Token, bIDs[2].ID, "cancel", "")
	// A host books for Alice: it is Alice's booking, in her feed only.
	forAlice := apitest.Slot(w.Machine, apitest.At(2027, 1, 12, 9, 0), apitest.At(2027, 1, 12, 10, 0))
	forAlice["member_id"], forAlice["note"] = alice.ID, "alice-note-by-host"
	var hosted booking
	env.Must(t, 201, "POST", "/api/v1/bookings", w.Manager.Token, forAlice).Decode(t, &hosted)
	aIDs = append(aIDs, hosted)
	// A member without bookings has an empty, valid feed.
	if f := get(t, env, myFeed(t, env, env.NewUser(t, models.RoleMember, "Carol Chene").Token), ""); len(f.events) != 0 {
		t.Fatalf("a member without bookings has %d events:\n%s", len(f.events), f.raw)
	}

	aFeed, bFeed := myFeed(t, env, alice.Token), myFeed(t, env, bob.Token)
	if aFeed == bFeed {
		t.Fatalf("two members share the feed %s", aFeed)
	}
	check := func(own apitest.User, path string, mine, theirs []booking, theirNote, theirResource, theirName string) {
		t.Helper()
		f := get(t, env, path, "")
		if len(f.events) != len(mine) {
			t.Fatalf("feed has %d events, want %d\n%s", len(f.events), len(mine), f.raw)
		}
		for _, b := range mine {
			f.event(t, uidOf(t, env, own.Token, b.ID))
		}
		other := map[string]bool{}
		for _, b := range theirs {
			other[fmt.Sprintf("booking-%d", b.ID)] = true
		}
		for uid := range f.byUID {
			for o := range other {
				if strings.HasPrefix(uid, o+"@") {
					t.Fatalf("feed holds the other member's UID %s", uid)
				}
			}
		}
		for _, s := range f.summaries(t) {
			if strings.Contains(s, theirResource) {
				t.Fatalf("feed holds the other member's booking: SUMMARY %q", s)
			}
		}
		for _, leak := range []string{theirNote, theirName} {
			if bytes.Contains(f.raw, []byte(leak)) {
				t.Fatalf("feed leaks %q:\n%s", leak, f.raw)
			}
		}
	}
	check(alice, aFeed, aIDs, bIDs, "bob-note", "Assembly floor", "Bob Bouleau")
	check(bob, bFeed, bIDs, aIDs, "alice-note", "Laser cutter", "Alice Arbre")

	// The other member's UIDs, read as the owner, are absent too.
	af := get(t, env, aFeed, "")
	for _, b := range bIDs {
		if _, ok := af.byUID[uidOf(t, env, bob.Token, b.ID)]; ok {
			t.Fatalf("Alice's feed holds Bob's booking %d", b.ID)
		}
	}

	// Another member's one-booking .ics is a 404 like a booking that does not exist.
	missing := env.Do("GET", "/api/v1/bookings/999999/ics", alice.Token, nil)
	if missing.Code != 404 || missing.ErrorCode() != "not_found" {
		t.Fatalf("a booking that does not exist: %s", missing)
	}
	for _, b := range bIDs {
		r := env.Do("GET", fmt.Sprintf("/api/v1/bookings/%d/ics", b.ID), alice.Token, nil)
		if r.Code != 404 || !bytes.Equal(r.Body, missing.Body) {
			t.Fatalf("Alice asked for Bob's booking %d .ics: %s, want %s", b.ID, r, missing)
		}
	}
	// A manager may read any booking's .ics.
	get(t, env, fmt.Sprintf("/api/v1/bookings/%d/ics", bIDs[0].ID), w.Manager.Token)
	if r := env.Do("GET", fmt.Sprintf("/api/v1/bookings/%d/ics", aIDs[0].ID), "", nil); r.Code != 401 {
		t.Fatalf("a .ics without authentication: %s", r)
	}
}

// TestCalendarResourceViews: a resource's busy time for members and for the
// public shows neither names nor notes; hosts see who booked.
func TestCalendarResourceViews(t *testing.T) {
	env, w, alice := apitest.NewWithMember(t, "Alice Arbre")
	bob := env.NewUser(t, models.RoleMember, "Bob Bouleau")
	carol := env.NewUser(t, models.RoleMember, "Carol Chene")
	bs := []booking{
		book(t, env, alice.Token, w.Machine, apitest.At(2027, 1, 5, 9, 0), apitest.At(2027, 1, 5, 10, 30), "secret-alice-note"),
		book(t, env, bob.Token, w.Machine, apitest.At(2027, 1, 5, 11, 0), apitest.At(2027, 1, 5, 12, 0), "secret-bob-note"),
		book(t, env, bob.Token, w.Machine, apitest.At(2027, 1, 6, 11, 0), apitest.At(2027, 1, 6, 12, 0), "secret-bob-note-2"),
	}
	owners := []apitest.User{alice, bob, bob}
	decide(t, env, bob.Token, bs[2].ID, "cancel", "changed my mind")
	uids := make([]string, len(bs))
	for i, b := range bs {
		uids[i] = uidOf(t, env, owners[i].Token, b.ID)
	}
	private := []string{"Alice", "Arbre", "Bob", "Bouleau", "secret-", "changed my mind"}

	path := fmt.Sprintf("/api/v1/resources/%d/calendar.ics", w.Machine)
	views := map[string]*feed{
		"member carol": get(t, env, path, carol.Token),
		"member alice": get(t, env, path, alice.Token),
		"public feed":  get(t, env, feedPath(t, env, "GET", fmt.Sprintf("/api/v1/resources/%d/feed", w.Machine), w.Manager.Token), ""),
	}
	// Busy time only (issue 16): the cancelled booking is not in these
	// views (it was CANCELLED before), and the UIDs are opaque, so events
	// are found by their times.
	for view, f := range views {
		if len(f.events) != len(bs)-1 {
			t.Fatalf("%s: %d events, want %d\n%s", view, len(f.events), len(bs)-1, f.raw)
		}
		for i, b := range bs[:2] {
			ev := f.startingAt(t, b.Start)
			checkTimes(t, f, ev, b.Start, b.End)
			if propText(t, ev.Component, ical.PropUID) == uids[i] {
				t.Fatalf("%s: the busy view shows the booking's own UID %s", view, uids[i])
			}
		}
		for _, leak := range private {
			if bytes.Contains(f.raw, []byte(leak)) {
				t.Fatalf("%s leaks %q:\n%s", view, leak, f.raw)
			}
		}
	}

	hosts := get(t, env, path, w.Manager.Token)
	for i, b := range bs {
		ev := hosts.event(t, uids[i])
		checkTimes(t, hosts, ev, b.Start, b.End)
		name := map[int64]string{alice.ID: "Alice Arbre", bob.ID: "Bob Bouleau"}[owners[i].ID]
		if s := propText(t, ev.Component, ical.PropSummary); !strings.Contains(s, name) {
			t.Fatalf("the manager's view of booking %d: SUMMARY %q lacks %q", b.ID, s, name)
		}
	}

	if r := env.Do("GET", path, "", nil); r.Code != 401 {
		t.Fatalf("resource calendar without authentication: %s", r)
	}
	if r := env.Do("GET", "/api/v1/resources/999999/calendar.ics", carol.Token, nil); r.Code != 404 {
		t.Fatalf("calendar of a resource that does not exist: %s", r)
	}
}

// TestCalendarFeedRotationRace rotates one member's feed from many requests
// at once, and asks for a first URL from many requests at once: afterwards
// exactly one of the URLs handed out works, the one GET /me/calendar gives.
func TestCalendarFeedRotationRace(t *testing.T) {
	apitest.EachDialect(t, func(t *testing.T, d models.Dialect) {
		env := apitest.NewOn(t, d)
		w := env.NewWorkshop(t)
		m := env.NewUser(t, models.RoleMember, "Rita Race")
		res := fmt.Sprintf("/api/v1/resources/%d/feed", w.Machine)
		for _, c := range []struct {
			name, method, route, token, current string
		}{
			{"first member URL", "GET", "/api/v1/me/calendar", m.Token, "/api/v1/me/calendar"},
			{"member rotation", "POST", "/api/v1/me/calendar/rotate", m.Token, "/api/v1/me/calendar"},
			{"first resource URL", "GET", res, w.Manager.Token, res},
			{"resource rotation", "POST", res + "/rotate", w.Manager.Token, res},
		} {
			urls := apitest.Burst(12, func(int) string {
				r := env.Do(c.method, c.route, c.token, nil)
				var u struct {
					URL string `json:"url"`
				}
				json.Unmarshal(r.Body, &u)
				return fmt.Sprintf("%d %s", r.Code, strings.TrimPrefix(u.URL, publicURL))
			})
			current := feedPath(t, env, "GET", c.current, c.token)
			live := map[string]bool{}
			for _, u := range urls {
				code, path, _ := strings.Cut(u, " ")
				if code != "200" {
					t.Fatalf("%s: a request answered %s", c.name, u)
				}
				if env.Do("GET", path, "", nil).Code == 200 {
					live[path] = true
				}
			}
			if len(live) != 1 || !live[current] {
				t.Fatalf("%s: %d of the URLs handed out work (%v); want only the current one, %s", c.name, len(live), live, current)
			}
		}
	})
}

// TestFeedRateLimit: one address polling feeds far faster than a calendar
// client would is told to slow down, in the contract's shape.
func TestFeedRateLimit(t *testing.T) {
	env := apitest.New(t)
	codes := map[int]int{}
	var last *apitest.Response
	for i := 0; i < 80; i++ {
		last = env.Do("GET", "/calendar/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.ics", "", nil)
		codes[last.Code]++
	}
	if codes[404] < 50 || codes[429] == 0 {
		t.Fatalf("80 quick feed requests from one address: got %v, want about 60 404s then 429s", codes)
	}
	if last.ErrorCode() != "rate_limited" || last.Header.Get("Retry-After") == "" {
		t.Fatalf("the limited answer: %s %v", last, last.Header)
	}
}
