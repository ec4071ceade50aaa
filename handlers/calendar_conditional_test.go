package handlers_test

// Conditional requests for calendar feeds: validators, 304 and 200, also
// when a feed is served again from a server's cache.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"atelier/internal/apitest"
	"atelier/internal/apitest/testclock"
	"atelier/models"
)

// TestCalendarFeedConditional: validators, 304 to an unchanged feed, 200
// with a new ETag once something changed.
func TestCalendarFeedConditional(t *testing.T) {
	env, w, m := apitest.NewWithMember(t, "Connie Cache")
	book(t, env, m.Token, w.Machine, apitest.At(2027, 1, 5, 9, 0), apitest.At(2027, 1, 5, 10, 0), "")
	path := myFeed(t, env, m.Token)

	// getWith sends a GET with the conditional headers h.
	getWith := func(p, token string, h map[string]string) *apitest.Response {
		req := apitest.Request("GET", p, token, nil)
		for k, v := range h {
			req.Header.Set(k, v)
		}
		return env.Serve(req)
	}
	validators := func(p, token string) (string, string) {
		t.Helper()
		r := env.Must(t, 200, "GET", p, token, nil)
		etag, lm := r.Header.Get("ETag"), r.Header.Get("Last-Modified")
		if etag == "" || lm == "" {
			t.Fatalf("GET %s: ETag %q, Last-Modified %q: both are needed", p, etag, lm)
		}
		if _, err := http.ParseTime(lm); err != nil {
			t.Fatalf("Last-Modified %q: %v", lm, err)
		}
		return etag, lm
	}
	notModified := func(p, token string, h map[string]string) {
		t.Helper()
		r := getWith(p, token, h)
		if r.Code != 304 || len(r.Body) != 0 {
			t.Fatalf("GET %s with %v: %d with %d bytes, want 304 with no body", p, h, r.Code, len(r.Body))
		}
	}
	modified := func(p, token string, h map[string]string) *feed {
		t.Helper()
		r := getWith(p, token, h)
		if r.Code != 200 {
			t.Fatalf("GET %s with %v after a change: %d, want 200", p, h, r.Code)
		}
		return parseICS(t, r.Body)
	}

	etag, lm := validators(path, "")
	if again, _ := validators(path, ""); again != etag {
		t.Fatalf("the ETag of an unchanged feed moved: %s then %s", etag, again)
	}
	notModified(path, "", map[string]string{"If-None-Match": etag})
	notModified(path, "", map[string]string{"If-None-Match": `"other", ` + etag})
	notModified(path, "", map[string]string{"If-Modified-Since": lm})
	if r := getWith(path, "", map[string]string{"If-None-Match": `"something-else"`}); r.Code != 200 {
		t.Fatalf("a stale ETag: %d, want 200", r.Code)
	}

	// A new booking, a little later.
	env.Clock.Set(testclock.Start.Add(30 * time.Minute))
	b := book(t, env, m.Token, w.Space, apitest.At(2027, 1, 6, 9, 0), apitest.At(2027, 1, 6, 10, 0), "")
	f := modified(path, "", map[string]string{"If-None-Match": etag})
	f.event(t, uidOf(t, env, m.Token, b.ID))
	modified(path, "", map[string]string{"If-Modified-Since": lm})
	etag2, lm2 := validators(path, "")
	if etag2 == etag {
		t.Fatalf("the ETag %s did not change with the feed", etag)
	}
	notModified(path, "", map[string]string{"If-None-Match": etag2})

	// A cancellation changes it again.
	env.Clock.Set(testclock.Start.Add(time.Hour))
	decide(t, env, m.Token, b.ID, "cancel", "")
	modified(path, "", map[string]string{"If-None-Match": etag2})
	modified(path, "", map[string]string{"If-Modified-Since": lm2})

	// The member switches to Dutch: every prefix and label changes, and so
	// must both validators, or a client polling with either keeps French.
	etag3, lm3 := validators(path, "")
	env.Clock.Set(testclock.Start.Add(2 * time.Hour))
	setLanguage(t, env, m.Token, "nl")
	f = modified(path, "", map[string]string{"If-None-Match": etag3})
	if n := calName(t, f); !strings.Contains(n, "reserveringen") {
		t.Fatalf("calendar name %q after switching to Dutch", n)
	}
	modified(path, "", map[string]string{"If-Modified-Since": lm3})

	// The resource calendar and the public feed validate the same way.
	for i, v := range []struct{ path, token string }{
		{fmt.Sprintf("/api/v1/resources/%d/calendar.ics", w.Space), m.Token},
		{feedPath(t, env, "GET", fmt.Sprintf("/api/v1/resources/%d/feed", w.Space), w.Manager.Token), ""},
	} {
		etag, _ := validators(v.path, v.token)
		notModified(v.path, v.token, map[string]string{"If-None-Match": etag})
		env.Clock.Set(env.Clock.Now().Add(time.Minute))
		book(t, env, w.Manager.Token, w.Space, apitest.At(2027, 1, 20+i, 9, 0), apitest.At(2027, 1, 20+i, 10, 0), "")
		modified(v.path, v.token, map[string]string{"If-None-Match": etag})
	}

	// Renaming the resource renames every event of its feeds.
	pub := feedPath(t, env, "GET", fmt.Sprintf("/api/v1/resources/%d/feed", w.Space), w.Manager.Token)
	etag4, lm4 := validators(pub, "")
	env.Clock.Set(env.Clock.Now().Add(time.Hour))
	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/resources/%d", w.Space), w.Manager.Token, map[string]any{"name": "Big floor"})
	f = modified(pub, "", map[string]string{"If-None-Match": etag4})
	if s := f.summaries(t); len(s) == 0 || !strings.Contains(s[0], "Big floor") {
		t.Fatalf("after the rename the public feed says %q", s)
	}
	modified(pub, "", map[string]string{"If-Modified-Since": lm4})
}

// TestFeedCacheFollowsChanges: a feed served again from a server's cache
// must still show every change, including ones no booking records (a zone
// renamed) and ones made through another server on the same database.
func TestFeedCacheFollowsChanges(t *testing.T) {
	a := apitest.New(t)
	b := apitest.OpenDSN(t, a.DSN) // a second server, its cache still empty
	b.Clock = a.Clock
	b.DB.Now = a.Clock.Now
	w := a.NewWorkshop(t)
	m := a.NewUser(t, models.RoleMember, "Member")
	book(t, a, m.Token, w.Machine, apitest.At(2027, 1, 5, 9, 0), apitest.At(2027, 1, 5, 10, 0), "first")
	path := myFeed(t, a, m.Token)

	first := a.Must(t, 200, "GET", path, "", nil)
	etag, lastMod := first.Header.Get("ETag"), first.Header.Get("Last-Modified")
	if again := a.Do("GET", path, "", nil); string(again.Body) != string(first.Body) || again.Header.Get("ETag") != etag {
		t.Fatal("an unchanged feed changed between two reads")
	}

	step := func(what string, change func(), want string) {
		t.Helper()
		a.Clock.Set(a.Clock.Now().Add(time.Hour))
		change()
		fresh := apitest.OpenDSN(t, a.DSN) // a server that never rendered the feed
		fresh.DB.Now = a.Clock.Now
		for _, env := range []*apitest.Env{a, b, fresh} {
			r := env.Serve(conditional(path, etag, ""))
			if r.Code != 200 || !strings.Contains(unfold(r.Body), want) {
				t.Fatalf("after %s, If-None-Match with the old ETag: want 200 holding %q, got %d %s", what, want, r.Code, tail(r.Body))
			}
			if r := env.Serve(conditional(path, "", lastMod)); r.Code != 200 {
				t.Fatalf("after %s, If-Modified-Since the old date: want 200, got %d", what, r.Code)
			}
		}
		r := a.Do("GET", path, "", nil)
		etag, lastMod = r.Header.Get("ETag"), r.Header.Get("Last-Modified")
		if r := a.Serve(conditional(path, etag, "")); r.Code != 304 {
			t.Fatalf("after %s, the new ETag: want 304, got %d", what, r.Code)
		}
	}
	step("a booking made through the other server", func() {
		book(t, b, m.Token, w.Machine, apitest.At(2027, 1, 6, 9, 0), apitest.At(2027, 1, 6, 10, 0), "second")
	}, "second")
	b.Do("GET", path, "", nil) // b's cache holds the feed from now on
	step("the zone renamed", func() {
		b.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/zones/%d", w.ZoneID), w.Manager.Token, map[string]any{"name": "Atelier bois"})
	}, "Atelier bois")
	step("the language changed", func() {
		setLanguage(t, b, m.Token, "nl")
	}, "mijn reserveringen")
}

// conditional is a GET of path with the validators a client kept (either
// may be empty).
func conditional(path, etag, since string) *http.Request {
	req := apitest.Request("GET", path, "", nil)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	if since != "" {
		req.Header.Set("If-Modified-Since", since)
	}
	return req
}

// unfold joins folded iCalendar lines, so a phrase split at 75 octets is
// found again.
func unfold(body []byte) string { return strings.ReplaceAll(string(body), "\r\n ", "") }
