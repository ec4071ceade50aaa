package handlers_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"atelier/handlers"
	"atelier/internal/apitest"
	"atelier/internal/apitest/testclock"
	"atelier/models"
)

// sessionBrowser is a signed-in browser session: the cookie the server set and
// the CSRF token the page received.
type sessionBrowser struct {
	env    *apitest.Env
	cookie *http.Cookie
	csrf   string
}

// responseCookies reads the Set-Cookie headers of a response.
func responseCookies(r *apitest.Response) []*http.Cookie {
	return (&http.Response{Header: r.Header}).Cookies()
}

func sessionCookieOf(t *testing.T, r *apitest.Response) *http.Cookie {
	t.Helper()
	for _, c := range responseCookies(r) {
		if c.Name == handlers.SessionCookie {
			return c
		}
	}
	t.Fatalf("no %s cookie in %v", handlers.SessionCookie, r.Header.Values("Set-Cookie"))
	return nil
}

// browserSignIn opens a browser session for email.
func browserSignIn(t *testing.T, env *apitest.Env, email string) sessionBrowser {
	t.Helper()
	r := env.Must(t, 200, "POST", "/api/v1/auth/session", "", map[string]any{"email": email, "password": apitest.Password})
	var v struct {
		CSRFToken string `json:"csrf_token"`
	}
	r.Decode(t, &v)
	return sessionBrowser{env: env, cookie: sessionCookieOf(t, r), csrf: v.CSRFToken}
}

// do sends a request with the session cookie and, when csrf is not empty,
// that X-CSRF-Token header.
func (b sessionBrowser) do(method, path string, body any, csrf string) *apitest.Response {
	req := apitest.Request(method, path, "", body)
	req.AddCookie(&http.Cookie{Name: b.cookie.Name, Value: b.cookie.Value})
	if csrf != "" {
		req.Header.Set(handlers.CSRFHeader, csrf)
	}
	return b.env.Serve(req)
}

// TestSessionCookie: a browser sign-in sets a cookie scripts cannot read
// and that no other site sends, and hands the page its CSRF token; the
// session secret itself is never in a body.
func TestSessionCookie(t *testing.T) {
	env := apitest.New(t)
	m := env.NewUser(t, models.RoleMember, "Mina Member")
	r := env.Must(t, 200, "POST", "/api/v1/auth/session", "", map[string]any{"email": m.Email, "password": apitest.Password})
	c := sessionCookieOf(t, r)
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Value == "" {
		t.Fatalf("want an HttpOnly SameSite=Strict cookie on /, got %q", r.Header.Values("Set-Cookie"))
	}
	var v struct {
		CSRFToken string `json:"csrf_token"`
		Token     string `json:"token"`
		User      struct {
			ID int64 `json:"id"`
		} `json:"user"`
	}
	r.Decode(t, &v)
	if v.CSRFToken == "" || v.User.ID != m.ID || v.Token != "" {
		t.Fatalf("want the user and a csrf_token, no token: %s", r)
	}
	if strings.Contains(string(r.Body), c.Value) || v.CSRFToken == c.Value {
		t.Fatalf("the body shows the session secret: %s", r)
	}

	b := sessionBrowser{env: env, cookie: c, csrf: v.CSRFToken}
	me := b.do("GET", "/api/v1/me", nil, "")
	var got struct {
		ID        int64  `json:"id"`
		CSRFToken string `json:"csrf_token"`
	}
	if me.Code != 200 {
		t.Fatalf("GET /me with the cookie: %s", me)
	}
	me.Decode(t, &got)
	if got.ID != m.ID || got.CSRFToken != v.CSRFToken {
		t.Fatalf("GET /me with the cookie: want id %d and the session's csrf_token, got %s", m.ID, me)
	}
	// A bearer token has no CSRF token to give.
	if r := env.Must(t, 200, "GET", "/api/v1/me", m.Token, nil); strings.Contains(string(r.Body), "csrf_token") {
		t.Fatalf("GET /me by bearer token shows a csrf_token: %s", r)
	}
}

// TestCSRF: with the session cookie, a change needs the session's own
// X-CSRF-Token; without it, or with a wrong one, it is refused and stores
// nothing. A bearer token needs none.
func TestCSRF(t *testing.T) {
	env, w, m := apitest.NewWithMember(t, "Mina Member")
	b := browserSignIn(t, env, m.Email)
	otherSession := browserSignIn(t, env, env.NewUser(t, models.RoleMember, "Otto Other").Email)
	slot := apitest.Slot(w.Machine, apitest.At(2027, 1, 5, 9, 0), apitest.At(2027, 1, 5, 10, 0))

	bookings := func() int {
		t.Helper()
		var v struct{ Total int }
		env.Must(t, 200, "GET", "/api/v1/bookings", w.Admin.Token, nil).Decode(t, &v)
		return v.Total
	}
	name := func() string {
		t.Helper()
		var v struct{ Name string }
		env.Must(t, 200, "GET", "/api/v1/me", m.Token, nil).Decode(t, &v)
		return v.Name
	}

	changes := []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/bookings", slot},
		{"PATCH", "/api/v1/me", map[string]any{"name": "Mallory"}},
		{"POST", "/api/v1/auth/logout", nil},
	}
	for _, ch := range changes {
		for _, bad := range []struct{ name, csrf string }{
			{"no header", ""},
			{"wrong header", "not-the-token"},
			{"another session's token", otherSession.csrf},
			{"the cookie as token", b.cookie.Value},
		} {
			t.Run(ch.method+" "+ch.path+"/"+bad.name, func(t *testing.T) {
				r := b.do(ch.method, ch.path, ch.body, bad.csrf)
				if r.Code != 403 || r.ErrorCode() != "forbidden" {
					t.Fatalf("want 403 forbidden, got %s", r)
				}
				if n := bookings(); n != 0 {
					t.Fatalf("a refused request stored %d bookings", n)
				}
				if got := name(); got != "Mina Member" {
					t.Fatalf("a refused request renamed the member to %q", got)
				}
				if r := b.do("GET", "/api/v1/me", nil, ""); r.Code != 200 {
					t.Fatalf("a refused logout ended the session: %s", r)
				}
			})
		}
	}

	mustCode := func(want int, r *apitest.Response) {
		t.Helper()
		if r.Code != want {
			t.Fatalf("want %d, got %s", want, r)
		}
	}
	mustCode(201, b.do("POST", "/api/v1/bookings", slot, b.csrf))
	mustCode(200, b.do("PATCH", "/api/v1/me", map[string]any{"name": "Mina M."}, b.csrf))
	if n, got := bookings(), name(); n != 1 || got != "Mina M." {
		t.Fatalf("with the right token: want 1 booking and the new name, got %d and %q", n, got)
	}

	// A bearer token is not sent by other sites: no CSRF token needed.
	env.Must(t, 201, "POST", "/api/v1/bookings", m.Token,
		apitest.Slot(w.Machine, apitest.At(2027, 1, 5, 11, 0), apitest.At(2027, 1, 5, 12, 0)))
	// The Authorization header decides, whatever the cookie says.
	req := apitest.Request("PATCH", "/api/v1/me", m.Token, map[string]any{"language": "en"})
	req.AddCookie(&http.Cookie{Name: handlers.SessionCookie, Value: b.cookie.Value})
	if r := env.Serve(req); r.Code != 200 {
		t.Fatalf("bearer token next to a cookie: want 200, got %s", r)
	}
}

// TestBearerTokenAsCookie: a session cookie must hold a session; a bearer
// token planted as the cookie (it has no CSRF token) signs nobody in.
func TestBearerTokenAsCookie(t *testing.T) {
	env, w, m := apitest.NewWithMember(t, "Mina Member")
	planted := sessionBrowser{env: env, cookie: &http.Cookie{Name: handlers.SessionCookie, Value: m.Token}}
	for _, r := range []*apitest.Response{
		planted.do("GET", "/api/v1/me", nil, ""),
		planted.do("GET", "/api/v1/bookings", nil, ""),
		planted.do("POST", "/api/v1/bookings", apitest.Slot(w.Machine, apitest.At(2027, 1, 5, 9, 0), apitest.At(2027, 1, 5, 10, 0)), ""),
		planted.do("POST", "/api/v1/auth/logout", nil, ""),
	} {
		if r.Code != 401 || r.ErrorCode() != "unauthorized" {
			t.Fatalf("bearer token as cookie: want 401 unauthorized, got %s", r)
		}
	}
	var v struct{ Total int }
	env.Must(t, 200, "GET", "/api/v1/bookings", w.Admin.Token, nil).Decode(t, &v)
	if v.Total != 0 {
		t.Fatalf("a refused request stored %d bookings", v.Total)
	}
	assertTokenWorks(t, env, m.Token, true)
}

// TestSessionLogout: logging out with the cookie ends the session on the
// server and tells the browser to drop the cookie.
func TestSessionLogout(t *testing.T) {
	env := apitest.New(t)
	m := env.NewUser(t, models.RoleMember, "Mina Member")
	b := browserSignIn(t, env, m.Email)
	other := browserSignIn(t, env, m.Email)

	r := b.do("POST", "/api/v1/auth/logout", nil, b.csrf)
	if r.Code != 204 {
		t.Fatalf("logout: want 204, got %s", r)
	}
	if c := sessionCookieOf(t, r); c.Value != "" || c.MaxAge >= 0 || !c.HttpOnly || c.Path != "/" {
		t.Fatalf("logout should clear the cookie, got %q", r.Header.Values("Set-Cookie"))
	}
	for _, r := range []*apitest.Response{
		b.do("GET", "/api/v1/me", nil, ""),
		b.do("POST", "/api/v1/auth/logout", nil, b.csrf),
	} {
		if r.Code != 401 || r.ErrorCode() != "unauthorized" {
			t.Fatalf("after logout: want 401 unauthorized, got %s", r)
		}
	}
	// Only that session ends.
	if r := other.do("GET", "/api/v1/me", nil, ""); r.Code != 200 {
		t.Fatalf("another session of the account ended too: %s", r)
	}
	assertTokenWorks(t, env, m.Token, true)
}

// loginFrom sends a login from a client address.
func loginFrom(env *apitest.Env, addr, route, email, password string, header ...string) *apitest.Response {
	req := apitest.Request("POST", route, "", map[string]any{"email": email, "password": password})
	req.RemoteAddr = addr + ":40000"
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return env.Serve(req)
}

func assertRateLimited(t *testing.T, r *apitest.Response) {
	t.Helper()
	if r.Code != 429 || r.ErrorCode() != "rate_limited" {
		t.Fatalf("want 429 rate_limited, got %s", r)
	}
	secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > int(models.DefaultLoginLimits().Window.Seconds())+1 {
		t.Fatalf("want Retry-After in seconds within the window, got %q", r.Header.Get("Retry-After"))
	}
}

// TestLoginLockoutPerAccount: after 5 failures for one email from one
// address, even the right password is refused from there for the window;
// the owner signing in from another address gets in, on both sign-in
// routes (a stranger's failures never lock the owner out); other accounts
// are untouched.
func TestLoginLockoutPerAccount(t *testing.T) {
	env := apitest.New(t)
	m := env.NewUser(t, models.RoleMember, "Mina Member")
	bystander := env.NewUser(t, models.RoleMember, "Otto Other")
	lim := models.DefaultLoginLimits().PerAccount
	if lim != 5 {
		t.Fatalf("DefaultLoginLimits.PerAccount is %d, the contract's tests expect 5", lim)
	}
	for i := 0; i < lim; i++ {
		r := loginFrom(env, "198.51.100.7", "/api/v1/auth/login", m.Email, "not the password")
		if r.Code != 401 || r.ErrorCode() != "unauthorized" {
			t.Fatalf("failure %d: want 401 unauthorized, got %s", i+1, r)
		}
	}
	r := loginFrom(env, "198.51.100.7", "/api/v1/auth/session", m.Email, apitest.Password)
	assertRateLimited(t, r)
	if len(r.Header.Values("Set-Cookie")) != 0 {
		t.Fatalf("a refused sign-in set a cookie: %v", r.Header.Values("Set-Cookie"))
	}
	assertRateLimited(t, loginFrom(env, "198.51.100.7", "/api/v1/auth/login", strings.ToUpper(m.Email), apitest.Password))
	// The contract (Auth): the owner, from another address, gets in.
	if r := loginFrom(env, "203.0.113.9", "/api/v1/auth/login", strings.ToUpper(m.Email), apitest.Password); r.Code != 200 {
		t.Fatalf("the owner from another address: want 200, got %s", r)
	}
	if r := loginFrom(env, "203.0.113.9", "/api/v1/auth/session", m.Email, apitest.Password); r.Code != 200 || len(r.Header.Values("Set-Cookie")) != 1 {
		t.Fatalf("the owner's session from another address: want 200 with a cookie, got %s", r)
	}
	assertRateLimited(t, loginFrom(env, "198.51.100.7", "/api/v1/auth/login", m.Email, apitest.Password))
	// The lockout ends nobody's session and touches no other account.
	assertTokenWorks(t, env, m.Token, true)
	if r := loginFrom(env, "198.51.100.7", "/api/v1/auth/login", bystander.Email, apitest.Password); r.Code != 200 {
		t.Fatalf("another account from the same address: want 200, got %s", r)
	}

	env.Clock.Set(testclock.Start.Add(models.DefaultLoginLimits().Window + time.Second))
	if r := loginFrom(env, "198.51.100.7", "/api/v1/auth/login", m.Email, apitest.Password); r.Code != 200 {
		t.Fatalf("after the window: want 200, got %s", r)
	}
}

// TestLoginSameAnswer: an unknown email and a wrong password get the very
// same answer.
func TestLoginSameAnswer(t *testing.T) {
	env := apitest.New(t)
	m := env.NewUser(t, models.RoleMember, "Mina Member")
	for _, route := range []string{"/api/v1/auth/login", "/api/v1/auth/session"} {
		wrong := loginFrom(env, "198.51.100.7", route, m.Email, "not the password")
		unknown := loginFrom(env, "198.51.100.7", route, "nobody@atelier.test", "not the password")
		if wrong.Code != 401 || wrong.ErrorCode() != "unauthorized" {
			t.Fatalf("%s wrong password: want 401 unauthorized, got %s", route, wrong)
		}
		if unknown.Code != wrong.Code || string(unknown.Body) != string(wrong.Body) {
			t.Fatalf("%s: unknown email answered %s, wrong password %s", route, unknown, wrong)
		}
		for _, h := range []string{"Set-Cookie", "Retry-After", "Www-Authenticate"} {
			if fmt.Sprint(unknown.Header.Values(h)) != fmt.Sprint(wrong.Header.Values(h)) {
				t.Fatalf("%s: header %s differs: %v vs %v", route, h, unknown.Header.Values(h), wrong.Header.Values(h))
			}
		}
	}
}

// TestLoginLockoutPerAddress: failures from one client address across many
// emails are refused once they reach the limit, even for a right pair;
// another address is not, and a forged X-Forwarded-For does not help (the
// client sits on the workshop's LAN, a private range some proxy setups
// trust).
func TestLoginLockoutPerAddress(t *testing.T) {
	env := apitest.New(t)
	m := env.NewUser(t, models.RoleMember, "Mina Member")
	lim := models.DefaultLoginLimits().PerAddress
	if lim != 30 {
		t.Fatalf("DefaultLoginLimits.PerAddress is %d, the contract's tests expect 30", lim)
	}
	for i := 0; i < lim; i++ {
		r := loginFrom(env, "192.168.1.20", "/api/v1/auth/login", fmt.Sprintf("guess.%d@atelier.test", i), "not the password",
			"X-Forwarded-For", fmt.Sprintf("10.0.0.%d", i), "X-Real-Ip", fmt.Sprintf("10.0.1.%d", i))
		if r.Code != 401 || r.ErrorCode() != "unauthorized" {
			t.Fatalf("failure %d: want 401 unauthorized, got %s", i+1, r)
		}
	}
	assertRateLimited(t, loginFrom(env, "192.168.1.20", "/api/v1/auth/login", "guess.new@atelier.test", "not the password",
		"X-Forwarded-For", "10.0.9.9"))
	assertRateLimited(t, loginFrom(env, "192.168.1.20", "/api/v1/auth/login", m.Email, apitest.Password))
	if r := loginFrom(env, "203.0.113.9", "/api/v1/auth/login", m.Email, apitest.Password); r.Code != 200 {
		t.Fatalf("from another address: want 200, got %s", r)
	}
}

// TestSuccessfulLoginsNotThrottled: right pairs are never rate limited, and
// a success clears the account's earlier failures.
func TestSuccessfulLoginsNotThrottled(t *testing.T) {
	env := apitest.New(t)
	m := env.NewUser(t, models.RoleMember, "Mina Member")
	for i := 0; i < 20; i++ {
		route := "/api/v1/auth/login"
		if i%2 == 1 {
			route = "/api/v1/auth/session"
		}
		if r := loginFrom(env, "198.51.100.7", route, m.Email, apitest.Password); r.Code != 200 {
			t.Fatalf("good login %d: want 200, got %s", i+1, r)
		}
	}
	for round := 0; round < 3; round++ {
		for i := 0; i < models.DefaultLoginLimits().PerAccount-1; i++ {
			if r := loginFrom(env, "198.51.100.7", "/api/v1/auth/login", m.Email, "not the password"); r.Code != 401 {
				t.Fatalf("round %d failure %d: want 401, got %s", round, i+1, r)
			}
		}
		if r := loginFrom(env, "198.51.100.7", "/api/v1/auth/login", m.Email, apitest.Password); r.Code != 200 {
			t.Fatalf("round %d: a good login after %d failures: want 200, got %s", round, models.DefaultLoginLimits().PerAccount-1, r)
		}
	}
}

// TestLoginBurst: guesses sent all at once get no more password checks
// than guesses sent one after the other: of a burst, at most the limit are
// answered 401 and the rest 429.
func TestLoginBurst(t *testing.T) {
	env := apitest.New(t)
	m := env.NewUser(t, models.RoleMember, "Mina Member")
	lim := models.DefaultLoginLimits()

	// The contract counts one account per client address: the burst comes
	// from one address (from many, each address has its own 5).
	codes := apitest.Tally(apitest.Burst(40, func(i int) int {
		return loginFrom(env, "198.51.100.1", "/api/v1/auth/login", m.Email, "not the password").Code
	}))
	t.Logf("40 guesses at one account: %v", codes)
	if codes[401] > lim.PerAccount || codes[401]+codes[429] != 40 {
		t.Fatalf("40 guesses at one account at once: want at most %d 401 and the rest 429, got %v", lim.PerAccount, codes)
	}

	codes = apitest.Tally(apitest.Burst(2*lim.PerAddress, func(i int) int {
		return loginFrom(env, "203.0.113.9", "/api/v1/auth/login", fmt.Sprintf("guess.%d@atelier.test", i), "not the password").Code
	}))
	t.Logf("%d guesses from one address: %v", 2*lim.PerAddress, codes)
	if codes[401] > lim.PerAddress || codes[401]+codes[429] != 2*lim.PerAddress {
		t.Fatalf("%d guesses from one address at once: want at most %d 401 and the rest 429, got %v", 2*lim.PerAddress, lim.PerAddress, codes)
	}
}

// TestSessionSignInNeedsJSON: a page on another site can post a form whose
// text/plain body reads as JSON, and so sign the visitor's browser in to the
// attacker's account (login CSRF). A session is opened only for a request
// that declares JSON, which no cross-site form can send without a CORS
// preflight that Atelier never grants.
func TestSessionSignInNeedsJSON(t *testing.T) {
	env := apitest.New(t)
	m := env.NewUser(t, models.RoleMember, "Mina Member")
	body := fmt.Sprintf(`{"email":%q,"password":%q,"x":"="}`, m.Email, apitest.Password)
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""} {
		req := apitest.Request("POST", "/api/v1/auth/session", "", body)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Origin", "https://elsewhere.example")
		r := env.Serve(req)
		if r.Code != 400 || r.ErrorCode() != "bad_request" || len(r.Header.Values("Set-Cookie")) != 0 {
			t.Fatalf("Content-Type %q: want 400 bad_request and no cookie, got %s %v", ct, r, r.Header.Values("Set-Cookie"))
		}
	}
	// Without the form's padding field: an unknown field is 422 now.
	req := apitest.Request("POST", "/api/v1/auth/session", "", fmt.Sprintf(`{"email":%q,"password":%q}`, m.Email, apitest.Password))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if r := env.Serve(req); r.Code != 200 {
		t.Fatalf("application/json; charset=utf-8: want 200, got %s", r)
	}
}
