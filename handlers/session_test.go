package handlers_test

import (
	"fmt"
	"testing"
	"time"

	"atelier/internal/apitest"
	"atelier/internal/apitest/testclock"
	"atelier/models"
)

// me returns the answer of GET /api/v1/me with token: 200 with the
// account while the token is good.
func me(t *testing.T, env *apitest.Env, token string) (int, map[string]any) {
	t.Helper()
	r := env.Do("GET", "/api/v1/me", token, nil)
	var user map[string]any
	if r.Code == 200 {
		r.Decode(t, &user)
	}
	return r.Code, user
}

// TestTokenCacheDroppedAtOnce: a token this server has just checked, and
// so keeps for models.SessionCacheTTL, is refused or seen changed at once
// after a logout, a password change or reset, a deactivation, a role or a
// name change. The clock never moves here: an entry kept past its change
// would be answered.
func TestTokenCacheDroppedAtOnce(t *testing.T) {
	for _, tt := range []struct {
		name string
		// change acts on m's account; the token must then be refused, or,
		// when check is set, still work and pass check.
		change func(t *testing.T, env *apitest.Env, w apitest.Workshop, m apitest.User)
		check  func(t *testing.T, env *apitest.Env, m apitest.User)
	}{
		{name: "logout", change: func(t *testing.T, env *apitest.Env, w apitest.Workshop, m apitest.User) {
			env.Must(t, 204, "POST", "/api/v1/auth/logout", m.Token, nil)
		}},
		{name: "own password", change: func(t *testing.T, env *apitest.Env, w apitest.Workshop, m apitest.User) {
			env.Must(t, 200, "PATCH", "/api/v1/me", m.Token,
				map[string]any{"password": "a brand new password", "current_password": apitest.Password})
		}},
		{name: "password reset by a host", change: func(t *testing.T, env *apitest.Env, w apitest.Workshop, m apitest.User) {
			env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/members/%d", m.ID), w.Manager.Token,
				map[string]any{"password": "a brand new password"})
		}},
		{name: "deactivation", change: func(t *testing.T, env *apitest.Env, w apitest.Workshop, m apitest.User) {
			env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/members/%d", m.ID), w.Admin.Token, map[string]any{"active": false})
		}},
		{name: "role", change: func(t *testing.T, env *apitest.Env, w apitest.Workshop, m apitest.User) {
			env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/members/%d", m.ID), w.Admin.Token, map[string]any{"role": "manager"})
		}, check: func(t *testing.T, env *apitest.Env, m apitest.User) {
			env.Must(t, 200, "GET", "/api/v1/members", m.Token, nil)
		}},
		{name: "name", change: func(t *testing.T, env *apitest.Env, w apitest.Workshop, m apitest.User) {
			env.Must(t, 200, "PATCH", "/api/v1/me", m.Token, map[string]any{"name": "Mina Renamed"})
		}, check: func(t *testing.T, env *apitest.Env, m apitest.User) {
			if code, u := me(t, env, m.Token); code != 200 || u["name"] != "Mina Renamed" {
				t.Fatalf("after the rename /me answers %d %v", code, u)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := apitest.New(t)
			w := env.NewWorkshop(t)
			m := env.NewUser(t, models.RoleMember, "Mina Member")
			other := env.NewUser(t, models.RoleMember, "Olga Other")
			for _, u := range []apitest.User{m, other, w.Admin, w.Manager} {
				if code, _ := me(t, env, u.Token); code != 200 {
					t.Fatalf("%s's token before the change: %d", u.Email, code)
				}
			}
			tt.change(t, env, w, m)
			if tt.check != nil {
				tt.check(t, env, m)
			} else if r := env.Do("GET", "/api/v1/me", m.Token, nil); r.Code != 401 || r.ErrorCode() != "unauthorized" {
				t.Fatalf("the token after the change: want 401 unauthorized at once, got %s", r)
			}
			if code, _ := me(t, env, other.Token); code != 200 {
				t.Fatalf("another account's token after the change: %d", code)
			}
		})
	}
}

// TestTokenCacheOtherServer: two servers share one database. A token
// revoked on one is refused there at once; the other, which checked it a
// moment before, may accept it until models.SessionCacheTTL has passed
// (README says so), and not a moment longer. Each server has its own
// clock, moved by hand.
func TestTokenCacheOtherServer(t *testing.T) {
	for _, d := range apitest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			dsn := apitest.DSN(t, d)
			a, b := apitest.OpenDSN(t, dsn), apitest.OpenDSN(t, dsn)
			m := a.NewUser(t, models.RoleMember, "Mina Member")
			for _, env := range []*apitest.Env{a, b} {
				if code, _ := me(t, env, m.Token); code != 200 {
					t.Fatalf("the token before the logout: %d", code)
				}
			}
			a.Must(t, 204, "POST", "/api/v1/auth/logout", m.Token, nil)
			if r := a.Do("GET", "/api/v1/me", m.Token, nil); r.Code != 401 {
				t.Fatalf("on the server that logged out: want 401 at once, got %s", r)
			}
			// What the cache is for: the other server does not ask the
			// database again within the TTL.
			if code, _ := me(t, b, m.Token); code != 200 {
				t.Fatalf("on the other server, within the TTL: want the cached 200, got %d", code)
			}
			b.Clock.Set(testclock.Start.Add(models.SessionCacheTTL))
			if r := b.Do("GET", "/api/v1/me", m.Token, nil); r.Code != 401 || r.ErrorCode() != "unauthorized" {
				t.Fatalf("on the other server, once the TTL has passed: want 401 unauthorized, got %s", r)
			}
		})
	}
}

// TestTokensExpire: a token stops working at the end of its lifetime,
// also a token checked a moment before, which the session cache would
// otherwise keep for longer.
func TestTokensExpire(t *testing.T) {
	for _, c := range []struct {
		name          string
		before, after time.Duration // from the end of the lifetime
	}{
		{"a minute either side", time.Minute, time.Minute},
		{"cached a second before the end", time.Second, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := apitest.New(t)
			m := env.NewUser(t, models.RoleMember, "Member")
			env.Must(t, 200, "GET", "/api/v1/me", m.Token, nil)
			env.Clock.Set(testclock.Start.Add(models.TokenLifetime - c.before))
			env.Must(t, 200, "GET", "/api/v1/me", m.Token, nil)
			env.Clock.Set(testclock.Start.Add(models.TokenLifetime + c.after))
			if r := env.Do("GET", "/api/v1/me", m.Token, nil); r.Code != 401 || r.ErrorCode() != "unauthorized" {
				t.Fatalf("an expired token: want 401 unauthorized, got %s", r)
			}
		})
	}
}
