package handlers_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"atelier/internal/apitest"
	"atelier/internal/apitest/testclock"
	"atelier/models"
)

// TestTwoServersRace starts two Atelier servers, each with its own pool,
// on one PostgreSQL database, and races them over real HTTP for the same
// slots: exactly the capacity wins, every round.
func TestTwoServersRace(t *testing.T) {
	a, b := apitest.TwoServers(t, models.Postgres)
	srvA, srvB := httptest.NewServer(a.E), httptest.NewServer(b.E)
	defer srvA.Close()
	defer srvB.Close()
	w := a.NewWorkshop(t)
	members := []apitest.User{a.NewUser(t, models.RoleMember, "Ana"), b.NewUser(t, models.RoleMember, "Bart")}

	post := func(base, token string, body map[string]any) int {
		req := apitest.Request("POST", "/api/v1/bookings", token, body)
		req.URL, _ = url.Parse(base + "/api/v1/bookings")
		req.RequestURI = ""
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return 0
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	for round := 0; round < 6; round++ {
		for _, c := range []struct {
			resource int64
			qty, n   int
			wins     int
		}{{w.Machine, 1, 40, 1}, {w.Space, 30, 12, 3}} {
			start, end := apitest.At(2027, 1, 5+round, 9, 0), apitest.At(2027, 1, 5+round, 11, 0)
			codes := apitest.Tally(apitest.Burst(c.n, func(i int) int {
				body := apitest.Slot(c.resource, start, end)
				body["quantity"] = c.qty
				return post([]string{srvA.URL, srvB.URL}[i%2], members[i%2].Token, body)
			}))
			if codes[201] != c.wins || codes[409] != c.n-c.wins {
				t.Fatalf("round %d resource %d: want %d wins and %d conflicts, got %v", round, c.resource, c.wins, c.n-c.wins, codes)
			}
		}
	}
	assertNoOverbooking(t, a, w.Machine, 1)
	assertNoOverbooking(t, b, w.Space, 100)
}

// TestLoginLimitAcrossServers fails logins on two servers sharing one
// database: the limit counts them together.
func TestLoginLimitAcrossServers(t *testing.T) {
	apitest.EachDialect(t, func(t *testing.T, d models.Dialect) {
		a, b := apitest.TwoServers(t, d)
		u := a.NewUser(t, models.RoleMember, "Target")
		wrong := map[string]string{"email": u.Email, "password": "not the password"}
		for i := 0; i < models.DefaultLoginLimits().PerAccount; i++ {
			env := []*apitest.Env{a, b}[i%2]
			if r := env.Do("POST", "/api/v1/auth/login", "", wrong); r.Code != 401 {
				t.Fatalf("failure %d: want 401, got %s", i, r)
			}
		}
		for _, env := range []*apitest.Env{a, b} {
			r := env.Do("POST", "/api/v1/auth/login", "", map[string]string{"email": u.Email, "password": apitest.Password})
			if r.Code != 429 || r.ErrorCode() != "rate_limited" || r.Header.Get("Retry-After") == "" {
				t.Fatalf("after %d failures on two servers: want 429 with Retry-After, got %s %v", models.DefaultLoginLimits().PerAccount, r, r.Header)
			}
		}
		// The window passes: the right password works again.
		a.Clock.Set(testclock.Start.Add(models.DefaultLoginLimits().Window + time.Minute))
		if r := a.Do("POST", "/api/v1/auth/login", "", map[string]string{"email": u.Email, "password": apitest.Password}); r.Code != 200 {
			t.Fatalf("after the window: want 200, got %s", r)
		}
	})
}

// proxy is a TCP relay to PostgreSQL that the test can cut and restore,
// to take the database away from Atelier without stopping the server
// other tests use.
type proxy struct {
	t      *testing.T
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	p := &proxy{t: t, target: target}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.stop)
	return p
}

func (p *proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
}

// stop refuses new connections and cuts the open ones, as a database
// that went down would.
func (p *proxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) start() {
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port may linger a moment after close
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			p.serve(ln)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.t.Fatal(err)
}

// TestDatabaseOutage takes PostgreSQL away while Atelier runs: /healthz
// and API requests answer 503 in the contract's shape, nothing leaks, and
// Atelier recovers by itself when the database is back.
func TestDatabaseOutage(t *testing.T) {
	dsn := apitest.PostgresDSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	p := newProxy(t, u.Host)
	u.Host = p.addr
	env := apitest.OpenDSN(t, u.String())
	w := env.NewWorkshop(t)
	m := env.NewUser(t, models.RoleMember, "Member")
	env.Must(t, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 5, 9, 0), apitest.At(2027, 1, 5, 10, 0)))

	p.stop()
	if r := env.Do("GET", "/healthz", "", nil); r.Code != 503 {
		t.Fatalf("healthz with the database down: want 503, got %s", r)
	}
	for _, req := range []struct{ method, path string }{
		{"GET", "/api/v1/bookings"}, {"POST", "/api/v1/bookings"}, {"GET", fmt.Sprintf("/api/v1/resources/%d", w.Machine)},
	} {
		r := env.Do(req.method, req.path, m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 6, 9, 0), apitest.At(2027, 1, 6, 10, 0)))
		if r.Code != 503 || r.ErrorCode() != "unavailable" {
			t.Fatalf("%s %s with the database down: want 503 unavailable, got %s", req.method, req.path, r)
		}
		if s := strings.ToLower(string(r.Body)); strings.Contains(s, "dial") || strings.Contains(s, "tcp") || strings.Contains(s, "pgx") {
			t.Fatalf("the 503 tells internals: %s", r.Body)
		}
	}

	p.start()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r := env.Do("GET", "/healthz", "", nil)
		if r.Code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Atelier did not recover after the database came back: %s", r)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var got *apitest.Response
	for i := 0; i < 20; i++ { // pooled connections cut by the outage are dropped as they are found
		if got = env.Do("POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 6, 9, 0), apitest.At(2027, 1, 6, 10, 0))); got.Code == 201 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got.Code != 201 {
		t.Fatalf("booking after recovery: want 201, got %s", got)
	}
	var list struct{ Total int }
	env.Must(t, 200, "GET", "/api/v1/bookings", m.Token, nil).Decode(t, &list)
	if list.Total != 2 {
		t.Fatalf("want the booking before and the one after the outage, got %d", list.Total)
	}
}
