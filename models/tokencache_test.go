package models

import (
	"crypto/sha256"
	"fmt"
	"sync"
	"testing"
	"time"
)

func cacheKey(i int) [sha256.Size]byte { return sha256.Sum256(fmt.Appendf(nil, "secret %d", i)) }

func cachedSessionOf(userID, tokenID int64) *Session {
	return &Session{User: &User{ID: userID, Name: "Mina", Role: RoleMember, Active: true}, TokenID: tokenID, Kind: TokenBearer}
}

var cacheNow = time.Date(2027, 1, 4, 6, 0, 0, 0, time.UTC)

// TestSessionCacheBounded: however many tokens are checked, the cache
// keeps at most sessionCacheSize, the latest among them.
func TestSessionCacheBounded(t *testing.T) {
	var c sessionCache
	far := cacheNow.Add(TokenLifetime)
	for i := range 3 * sessionCacheSize {
		c.put(cacheKey(i), cachedSessionOf(1, int64(i)), c.generation(), cacheNow, far)
		if n := len(c.entries); n > sessionCacheSize {
			t.Fatalf("after %d tokens the cache holds %d, more than %d", i+1, n, sessionCacheSize)
		}
	}
	last := 3*sessionCacheSize - 1
	if s, ok := c.get(cacheKey(last), cacheNow); !ok || s.TokenID != int64(last) {
		t.Fatalf("the token checked last is not kept: %v %v", s, ok)
	}
	c = sessionCache{size: 3}
	for i := range 10 {
		c.put(cacheKey(i), cachedSessionOf(1, int64(i)), c.generation(), cacheNow, far)
	}
	if len(c.entries) != 3 {
		t.Fatalf("a cache of 3 holds %d", len(c.entries))
	}
}

// TestSessionCacheFreshness: an entry answers from when it was read
// until SessionCacheTTL later or its token's expiry, whichever is first,
// and not at all once the clock is set back before it was read.
func TestSessionCacheFreshness(t *testing.T) {
	for _, tt := range []struct {
		name    string
		expires time.Time
		at      time.Duration // after the read
		hit     bool
	}{
		{"at once", cacheNow.Add(TokenLifetime), 0, true},
		{"just within the TTL", cacheNow.Add(TokenLifetime), SessionCacheTTL - time.Microsecond, true},
		{"at the TTL", cacheNow.Add(TokenLifetime), SessionCacheTTL, false},
		{"just before the token expires", cacheNow.Add(time.Second), time.Second - time.Microsecond, true},
		{"when the token expires", cacheNow.Add(time.Second), time.Second, false},
		{"clock set back", cacheNow.Add(TokenLifetime), -time.Microsecond, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var c sessionCache
			c.put(cacheKey(1), cachedSessionOf(1, 1), c.generation(), cacheNow, tt.expires)
			if _, ok := c.get(cacheKey(1), cacheNow.Add(tt.at)); ok != tt.hit {
				t.Fatalf("get %s after the read: hit %v, want %v", tt.at, ok, tt.hit)
			}
		})
	}
}

// TestSessionCacheDrop: a drop forgets the sessions it matches, and turns
// away a lookup that read the database before it, which may hold what the
// dropping write replaced.
func TestSessionCacheDrop(t *testing.T) {
	var c sessionCache
	far := cacheNow.Add(TokenLifetime)
	c.put(cacheKey(1), cachedSessionOf(1, 11), c.generation(), cacheNow, far)
	c.put(cacheKey(2), cachedSessionOf(1, 12), c.generation(), cacheNow, far)
	c.put(cacheKey(3), cachedSessionOf(2, 21), c.generation(), cacheNow, far)
	inFlight := c.generation()
	c.drop(func(s *Session) bool { return s.User.ID == 1 })
	for key, want := range map[int]bool{1: false, 2: false, 3: true} {
		if _, ok := c.get(cacheKey(key), cacheNow); ok != want {
			t.Errorf("secret %d after dropping user 1: cached %v, want %v", key, ok, want)
		}
	}
	c.put(cacheKey(1), cachedSessionOf(1, 11), inFlight, cacheNow, far)
	if _, ok := c.get(cacheKey(1), cacheNow); ok {
		t.Fatal("a lookup from before the drop was kept")
	}
	c.put(cacheKey(1), cachedSessionOf(1, 11), c.generation(), cacheNow, far)
	if _, ok := c.get(cacheKey(1), cacheNow); !ok {
		t.Fatal("a lookup from after the drop was not kept")
	}
}

// TestSessionCacheCopies: what a request does to its session stays its own.
func TestSessionCacheCopies(t *testing.T) {
	var c sessionCache
	read := cachedSessionOf(1, 1)
	c.put(cacheKey(1), read, c.generation(), cacheNow, cacheNow.Add(TokenLifetime))
	read.User.Role = RoleAdmin
	got, _ := c.get(cacheKey(1), cacheNow)
	got.User.Name = "Changed"
	again, _ := c.get(cacheKey(1), cacheNow)
	if again.User.Role != RoleMember || again.User.Name != "Mina" {
		t.Fatalf("the cached session changed with its copies: %+v", again.User)
	}
}

// TestSessionCacheConcurrent: lookups, fills and drops from many requests
// at once (run with -race).
func TestSessionCacheConcurrent(t *testing.T) {
	c := sessionCache{size: 64}
	far := cacheNow.Add(TokenLifetime)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				key := cacheKey(i % 100)
				if s, ok := c.get(key, cacheNow); ok {
					s.User.Name = "mine" // a copy: no race with the others
				} else {
					c.put(key, cachedSessionOf(int64(i%7), int64(i%100)), c.generation(), cacheNow, far)
				}
				if i%97 == g {
					c.drop(func(s *Session) bool { return s.User.ID == int64(g%7) })
				}
			}
		})
	}
	wg.Wait()
	if n := len(c.entries); n > 64 {
		t.Fatalf("the cache holds %d, more than 64", n)
	}
}
