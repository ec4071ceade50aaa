package handlers_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"atelier/internal/apitest"
	"atelier/models"
)

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
