package handlers_test

// What an independent attack got through (issue 16), each closed: metrics
// labels a client chooses, password checks without bound, lock-outs by
// strangers, guesses through PATCH /me, forged client addresses, feed URLs
// that outlive a reset, busy views that tell of others' accounts, names and
// emails that hide what they hold, unknown fields, repeated days, and the
// headers and content types of a hardened server.

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"atelier/handlers"
	"atelier/internal/apitest"
	"atelier/models"
)

// TestMetricsMethodsBounded: made-up methods, thousands of them or one
// of 900 KB, add nothing to /metrics but one "OTHER" series.
func TestMetricsMethodsBounded(t *testing.T) {
	env := apitest.New(t)
	scrape := func() []byte { return env.Must(t, 200, "GET", "/metrics", "", nil).Body }
	for _, m := range []string{"GET", "POST", "BREW"} { // every label seen once
		env.Serve(httptest.NewRequest(m, "/api/v1/me", nil))
	}
	before := scrape()
	for i := range 3000 {
		req := httptest.NewRequest("GET", "/api/v1/me", nil)
		req.Method = fmt.Sprintf("X%dMETHOD", i)
		env.Serve(req)
	}
	req := httptest.NewRequest("GET", "/healthz", nil)
	req.Method = strings.Repeat("A", 900<<10)
	env.Serve(req)
	after := scrape()
	if grown := len(after) - len(before); grown > 4096 {
		t.Fatalf("/metrics grew by %d bytes after 3001 made-up methods (from %d)", grown, len(before))
	}
	if !bytes.Contains(after, []byte(`method="OTHER"`)) || bytes.Contains(after, []byte("X1METHOD")) {
		t.Fatalf("made-up methods are not counted as OTHER:\n%.2000s", after)
	}
}

// TestPasswordChecksBoundedMemory: 100 password checks arriving at once
// (100 accounts signing in from 100 addresses, none of them limited) keep
// the process's peak memory bounded: a few argon2 checks (19 MiB each) run
// at a time, a short queue waits, the rest get 503 with Retry-After. The
// peak is the kernel's (VmHWM) of a process running only this test.
func TestPasswordChecksBoundedMemory(t *testing.T) {
	if os.Getenv("ATELIER_MEMORY_CHILD") == "1" {
		passwordBurst(t)
		return
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("skipped: no /proc/self/status to read the peak memory from")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestPasswordChecksBoundedMemory$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "ATELIER_MEMORY_CHILD=1")
	out, err := cmd.CombinedOutput()
	m := regexp.MustCompile(`PEAK_GROWTH_MIB=(\d+) CODES=(.*)`).FindSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("the child test failed (%v):\n%s", err, out)
	}
	growth, _ := strconv.Atoi(string(m[1]))
	t.Logf("peak memory grew by %d MiB under 100 concurrent sign-ins; answers %s", growth, m[2])
	// Unbounded, 100 checks take 100 x 19 MiB = 1900 MiB at once.
	if growth > 500 {
		t.Fatalf("peak memory grew by %d MiB under 100 concurrent password checks", growth)
	}
}

func peakRSS(t *testing.T) int {
	t.Helper()
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`VmHWM:\s+(\d+) kB`).FindSubmatch(raw)
	if m == nil {
		t.Fatalf("no VmHWM in /proc/self/status")
	}
	kb, _ := strconv.Atoi(string(m[1]))
	return kb / 1024
}

// passwordBurst is the child of TestPasswordChecksBoundedMemory.
func passwordBurst(t *testing.T) {
	env := apitest.New(t)
	first := env.NewUser(t, models.RoleMember, "Burst")
	emails := copyAccount(t, env, first.ID, 99)
	emails = append(emails, first.Email)
	base := peakRSS(t)
	codes := apitest.Tally(apitest.Burst(len(emails), func(i int) string {
		req := apitest.Request("POST", "/api/v1/auth/login", "", map[string]any{"email": emails[i], "password": apitest.Password})
		req.RemoteAddr = fmt.Sprintf("198.51.100.%d:4000", i+1)
		r := env.Serve(req)
		if r.Code == 503 && r.Header.Get("Retry-After") == "" {
			return "503 without Retry-After"
		}
		return strconv.Itoa(r.Code)
	}))
	for code := range codes {
		if code != "200" && code != "503" {
			t.Fatalf("100 right pairs at once: want 200 or 503 (busy), got %v", codes)
		}
	}
	if codes["200"] == 0 {
		t.Fatalf("no sign-in got through: %v", codes)
	}
	fmt.Printf("PEAK_GROWTH_MIB=%d CODES=%v\n", peakRSS(t)-base, codes)
}

// copyAccount stores n accounts with the password of the account id,
// straight in the database (hashing each would take seconds), and returns
// their emails.
func copyAccount(t *testing.T, env *apitest.Env, id int64, n int) []string {
	t.Helper()
	driver, dsn, ph := "pgx", env.DSN, []string{"$1", "$2"}
	if env.DB.Dialect == models.SQLite {
		driver, dsn, ph = "sqlite3", "file:"+(&url.URL{Path: env.DSN}).EscapedPath()+"?_busy_timeout=10000", []string{"?", "?"}
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var emails []string
	for i := range n {
		e := fmt.Sprintf("copy.%d.%d@atelier.test", i, time.Now().UnixNano())
		if _, err := db.Exec(`INSERT INTO users (email, name, role, language, password_hash, active, email_notifications,
			password_changed_at, created_at, updated_at) SELECT CAST(`+ph[0]+` AS TEXT), name, role, language, password_hash, active,
			email_notifications, password_changed_at, created_at, updated_at FROM users WHERE id = `+ph[1], e, id); err != nil {
			t.Fatal(err)
		}
		emails = append(emails, e)
	}
	return emails
}

// clientFrom returns an HTTP client whose connections come from the
// loopback address addr (127.0.0.2, 127.0.0.3: Linux answers the whole
// 127/8), so that a real server sees two clients.
func clientFrom(t *testing.T, addr string) *http.Client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(addr)}, Timeout: 5 * time.Second}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

type liveResponse struct {
	Code int
	Body string
}

func (r liveResponse) String() string { return fmt.Sprintf("%d %s", r.Code, r.Body) }

func send(t *testing.T, c *http.Client, method, url, token, body string) liveResponse {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Skipf("skipped: cannot connect from a second loopback address (%v)", err)
	}
	defer res.Body.Close()
	var b strings.Builder
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		b.WriteString(sc.Text())
	}
	return liveResponse{res.StatusCode, b.String()}
}

// TestOwnerGetsInWhileAttackerIsLimited: a real server, an attacker on
// 127.0.0.2 and the owner on 127.0.0.3. The attacker's wrong passwords
// lock the account from the attacker's address only (even the right
// password gets 429 there); the owner signs in; wrong current_password
// guesses through PATCH /me count the same way and end in 429.
func TestOwnerGetsInWhileAttackerIsLimited(t *testing.T) {
	env := apitest.New(t)
	owner := env.NewUser(t, models.RoleMember, "Olga Owner")
	srv := httptest.NewServer(env.E)
	defer srv.Close()
	attacker, home := clientFrom(t, "127.0.0.2"), clientFrom(t, "127.0.0.3")
	login := func(c *http.Client, password string) liveResponse {
		return send(t, c, "POST", srv.URL+"/api/v1/auth/login", "", fmt.Sprintf(`{"email":%q,"password":%q}`, owner.Email, password))
	}
	for i := range models.DefaultLoginLimits().PerAccount {
		if r := login(attacker, "guess "+strconv.Itoa(i)); r.Code != 401 {
			t.Fatalf("guess %d: want 401, got %s", i, r)
		}
	}
	if r := login(attacker, apitest.Password); r.Code != 429 {
		t.Fatalf("the attacker's address after 5 failures: want 429 even for the right password, got %s", r)
	}
	r := login(home, apitest.Password)
	if r.Code != 200 {
		t.Fatalf("the owner from another address: want 200, got %s", r)
	}

	// A stolen token guessing its account's current password.
	other := env.NewUser(t, models.RoleMember, "Vic Victim")
	patch := func(c *http.Client, current string) liveResponse {
		return send(t, c, "PATCH", srv.URL+"/api/v1/me", other.Token, fmt.Sprintf(`{"password":"a brand new password","current_password":%q}`, current))
	}
	for i := range models.DefaultLoginLimits().PerAccount {
		if r := patch(attacker, "guess "+strconv.Itoa(i)); r.Code != 422 || !strings.Contains(r.Body, "current_password") {
			t.Fatalf("current_password guess %d: want 422 on current_password, got %s", i, r)
		}
	}
	if r := patch(attacker, "guess again"); r.Code != 429 {
		t.Fatalf("the sixth current_password guess: want 429, got %s", r)
	}
	if r := patch(attacker, apitest.Password); r.Code != 429 {
		t.Fatalf("the right current_password from the limited address: want 429, got %s", r)
	}
	// They count like failed sign-ins: the account is limited there too...
	if r := send(t, attacker, "POST", srv.URL+"/api/v1/auth/login", "", fmt.Sprintf(`{"email":%q,"password":%q}`, other.Email, apitest.Password)); r.Code != 429 {
		t.Fatalf("sign-in after 5 wrong current_password from the same address: want 429, got %s", r)
	}
	// ...and only there.
	if r := patch(home, apitest.Password); r.Code != 200 {
		t.Fatalf("the right current_password from another address: want 200, got %s", r)
	}
}

// TestConcurrentRightSignInsAllSucceed: ten right sign-ins at once from
// one address, and then twenty, are never taken for failures.
func TestConcurrentRightSignInsAllSucceed(t *testing.T) {
	env := apitest.New(t)
	m := env.NewUser(t, models.RoleMember, "Cora Concurrent")
	for _, n := range []int{10, 20} {
		codes := apitest.Tally(apitest.Burst(n, func(i int) int {
			route := "/api/v1/auth/login"
			if i%2 == 1 {
				route = "/api/v1/auth/session"
			}
			return loginFrom(env, "198.51.100.7", route, m.Email, apitest.Password).Code
		}))
		if codes[200] != n {
			t.Fatalf("%d right sign-ins at once: want all 200, got %v", n, codes)
		}
	}
	// Right ones mixed with wrong ones at once: the right ones all get in.
	codes := apitest.Tally(apitest.Burst(16, func(i int) int {
		pw := apitest.Password
		if i%4 == 0 {
			pw = "not the password"
		}
		return loginFrom(env, "198.51.100.8", "/api/v1/auth/login", m.Email, pw).Code
	}))
	if codes[200] != 12 || codes[401] != 4 {
		t.Fatalf("12 right and 4 wrong at once: got %v", codes)
	}
}

// TestDistributedGuessesCeiling: past the account's ceiling from every
// address together, an address that failed for the account already is
// refused, a fresh one gets one check, and the owner still gets in.
func TestDistributedGuessesCeiling(t *testing.T) {
	env := apitest.New(t)
	m := env.NewUser(t, models.RoleMember, "Dora Distributed")
	lim := models.LoginLimits{Window: 15 * time.Minute, PerAccount: 5, PerAddress: 30, AccountCeiling: 3}
	login := func(addr, pw string) error {
		_, _, err := env.DB.Login(context.Background(), m.Email, pw, addr, models.TokenBearer, lim)
		return err
	}
	for i := range 3 {
		if err := login(fmt.Sprintf("203.0.113.%d", i+1), "wrong"); models.ErrorCode(err) != models.CodeUnauthorized {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	if err := login("203.0.113.1", "wrong"); models.ErrorCode(err) != models.CodeRateLimited {
		t.Fatalf("an address that failed before, past the ceiling: want rate_limited, got %v", err)
	}
	if err := login("203.0.113.50", "wrong"); models.ErrorCode(err) != models.CodeUnauthorized {
		t.Fatalf("a fresh address past the ceiling: want its one check, got %v", err)
	}
	if err := login("203.0.113.50", "wrong"); models.ErrorCode(err) != models.CodeRateLimited {
		t.Fatalf("that address again: want rate_limited, got %v", err)
	}
	if err := login("198.51.100.9", apitest.Password); err != nil {
		t.Fatalf("the owner from their address: %v", err)
	}
}

// TestTrustedProxies: X-Forwarded-For is believed only from the proxies
// configured. A client on the LAN (a private address, which echo trusts by
// default) cannot choose its address to escape the per-address limit; a
// configured proxy passes its clients' addresses on.
func TestTrustedProxies(t *testing.T) {
	env := apitest.New(t)
	m := env.NewUser(t, models.RoleMember, "Pia Proxy")
	e := handlers.New(env.DB, handlers.Config{PublicURL: "http://atelier.test",
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.1.2.0/24")}})
	signIn := func(from, xff, email, pw string) int {
		req := apitest.Request("POST", "/api/v1/auth/login", "", map[string]any{"email": email, "password": pw})
		req.RemoteAddr = from + ":40000"
		req.Header.Set("X-Forwarded-For", xff)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec.Code
	}
	login := func(from, xff, pw string) int { return signIn(from, xff, m.Email, pw) }
	// A LAN client guessing many accounts, a new X-Forwarded-For each time.
	perAddress := models.DefaultLoginLimits().PerAddress
	for i := range perAddress {
		if c := signIn("192.168.1.20", fmt.Sprintf("203.0.113.%d", i), fmt.Sprintf("guess.%d@atelier.test", i), "wrong"); c != 401 {
			t.Fatalf("LAN guess %d: %d", i, c)
		}
	}
	if c := signIn("192.168.1.20", "203.0.113.99", "guess.more@atelier.test", "wrong"); c != 429 {
		t.Fatalf("a LAN client choosing its X-Forwarded-For: want 429 (its own address is limited), got %d", c)
	}
	for i := range 5 {
		if c := login("10.1.2.3", "198.51.100.1", "wrong"); c != 401 {
			t.Fatalf("guess %d through the proxy: %d", i, c)
		}
	}
	if c := login("127.0.0.1", "198.51.100.1", apitest.Password); c != 429 {
		t.Fatalf("the same client through the other proxy: want 429, got %d", c)
	}
	if c := login("10.1.2.3", "198.51.100.2", apitest.Password); c != 200 {
		t.Fatalf("another client through the proxy: want 200, got %d", c)
	}
	// A forged hop before the proxy's is not believed: the nearest
	// untrusted one is the client.
	if c := login("10.1.2.3", "198.51.100.2, 198.51.100.1", apitest.Password); c != 429 {
		t.Fatalf("the limited client behind a forged hop: want 429, got %d", c)
	}
}

// TestFeedURLDiesOnResetAndDeactivation: a host's password reset and a
// deactivation revoke the member's feed URL for good; reactivation does
// not bring it back; the member's own password change keeps it.
func TestFeedURLDiesOnResetAndDeactivation(t *testing.T) {
	env, w, m := apitest.NewWithMember(t, "Fern Feed")
	book(t, env, m.Token, w.Machine, apitest.At(2027, 1, 5, 9, 0), apitest.At(2027, 1, 5, 10, 0), "")
	member := fmt.Sprintf("/api/v1/members/%d", m.ID)
	signIn := func(pw string) string { return loginToken(t, env, m.Email, pw) }

	own := myFeed(t, env, m.Token)
	env.Must(t, 200, "PATCH", "/api/v1/me", m.Token, map[string]any{"password": "my own new password", "current_password": apitest.Password})
	if r := env.Do("GET", own, "", nil); r.Code != 200 {
		t.Fatalf("the member's own password change killed the feed: %s", r)
	}

	env.Must(t, 200, "PATCH", member, w.Admin.Token, map[string]any{"password": "reset by the admin"})
	if r := env.Do("GET", own, "", nil); r.Code != 404 {
		t.Fatalf("after a reset by the admin, the old feed URL: want 404, got %d", r.Code)
	}
	tok := signIn("reset by the admin")
	fresh := myFeed(t, env, tok)
	if fresh == own {
		t.Fatal("the reset handed out the old URL again")
	}
	if r := env.Do("GET", fresh, "", nil); r.Code != 200 {
		t.Fatalf("the new URL: %s", r)
	}

	env.Must(t, 200, "PATCH", member, w.Admin.Token, map[string]any{"active": false})
	env.Must(t, 200, "PATCH", member, w.Admin.Token, map[string]any{"active": true})
	if r := env.Do("GET", fresh, "", nil); r.Code != 404 {
		t.Fatalf("after deactivation and reactivation, the old URL: want 404, got %d", r.Code)
	}
	again := myFeed(t, env, signIn("reset by the admin"))
	if again == fresh || again == own {
		t.Fatal("reactivation brought an old URL back")
	}
	if r := env.Do("GET", again, "", nil); r.Code != 200 {
		t.Fatalf("the URL after reactivation: %s", r)
	}
}

// TestBusyViewTellsNothingOfOthers: a member's busy view of a resource
// (and the public feed) is the same, byte for byte, with the same ETag and
// Last-Modified, after another member changes their account; it shows only
// pending and approved bookings, with opaque UIDs and no CREATED.
func TestBusyViewTellsNothingOfOthers(t *testing.T) {
	env, w, carol := apitest.NewWithMember(t, "Carol Reader")
	bob := env.NewUser(t, models.RoleMember, "Bob Other")
	approval := env.Must(t, 201, "POST", "/api/v1/resources", w.Manager.Token, map[string]any{
		"zone_id": w.ZoneID, "name": "Kiln", "kind": "machine", "requires_approval": true}).ID()
	kept := book(t, env, bob.Token, approval, apitest.At(2027, 1, 5, 9, 0), apitest.At(2027, 1, 5, 10, 0), "")
	rejected := book(t, env, bob.Token, approval, apitest.At(2027, 1, 6, 9, 0), apitest.At(2027, 1, 6, 10, 0), "")
	cancelled := book(t, env, bob.Token, approval, apitest.At(2027, 1, 7, 9, 0), apitest.At(2027, 1, 7, 10, 0), "")
	decide(t, env, w.Manager.Token, rejected.ID, "reject", "no")
	decide(t, env, bob.Token, cancelled.ID, "cancel", "")
	path := fmt.Sprintf("/api/v1/resources/%d/calendar.ics", approval)
	public := feedPath(t, env, "GET", fmt.Sprintf("/api/v1/resources/%d/feed", approval), w.Manager.Token)

	type view struct{ body, etag, modified string }
	read := func(p, token string) view {
		r := env.Must(t, 200, "GET", p, token, nil)
		return view{string(r.Body), r.Header.Get("ETag"), r.Header.Get("Last-Modified")}
	}
	before, pubBefore := read(path, carol.Token), read(public, "")
	for _, v := range []view{before, pubBefore} {
		f := parseICS(t, []byte(v.body))
		if len(f.events) != 1 {
			t.Fatalf("the busy view shows %d events, want only the pending one:\n%s", len(f.events), v.body)
		}
		for _, bad := range []string{"CREATED", fmt.Sprintf("booking-%d@", kept.ID), "CANCELLED", "Bob"} {
			if strings.Contains(v.body, bad) {
				t.Fatalf("the busy view holds %q:\n%s", bad, v.body)
			}
		}
		f.startingAt(t, kept.Start)
	}
	// The host's view is whole.
	if host := parseICS(t, []byte(read(path, w.Manager.Token).body)); len(host.events) != 3 {
		t.Fatalf("the host's view shows %d events, want 3", len(host.events))
	}

	// Bob changes his name, language and password, an hour later.
	env.Clock.Set(env.Clock.Now().Add(time.Hour))
	env.Must(t, 200, "PATCH", "/api/v1/me", bob.Token, map[string]any{"name": "Robert Renamed", "language": "nl"})
	env.Must(t, 200, "PATCH", "/api/v1/me", bob.Token, map[string]any{"password": "bob's new password", "current_password": apitest.Password})
	if after := read(path, carol.Token); after != before {
		t.Fatalf("another member's account change shows in the busy view:\nbefore %+v\nafter  %+v", before, after)
	}
	if after := read(public, ""); after != pubBefore {
		t.Fatalf("another member's account change shows in the public feed:\nbefore %+v\nafter  %+v", pubBefore, after)
	}
	// A booking changing does show.
	decide(t, env, w.Manager.Token, kept.ID, "approve", "")
	if after := read(path, carol.Token); after.etag == before.etag || after.modified == before.modified {
		t.Fatalf("an approval did not change the busy view: %+v", after)
	}
}

// TestNamesAndEmailsThatHide: names with control characters, direction
// overrides or nothing visible are refused; an email with an invisible
// character is refused, and look-alikes of an existing address (fullwidth
// letters, another case) are that address: 409, and signing in with them
// reaches it.
func TestNamesAndEmailsThatHide(t *testing.T) {
	env := apitest.New(t)
	w := env.NewWorkshop(t)
	mgr := w.Manager.Token
	env.Must(t, 201, "POST", "/api/v1/members", mgr, map[string]any{"email": "t1@x.test", "name": "T One", "password": apitest.Password})
	for _, name := range []string{"\u202eevil", "bell\a", "esc\x1b[31m", "\u200b", "\u3164"} {
		r := env.Do("POST", "/api/v1/members", mgr, map[string]any{"email": fmt.Sprintf("n%d@x.test", len(name)), "name": name, "password": apitest.Password})
		wantFields(t, expect(t, r, 422, "validation"), "name")
		r = env.Do("PATCH", "/api/v1/me", w.Manager.Token, map[string]any{"name": name})
		wantFields(t, expect(t, r, 422, "validation"), "name")
		r = env.Do("POST", "/api/v1/zones", mgr, map[string]any{"site_id": w.SiteID, "name": name, "use": "storage", "area_m2": 1})
		wantFields(t, expect(t, r, 422, "validation"), "name")
	}
	r := env.Do("POST", "/api/v1/bookings", w.Manager.Token, map[string]any{"resource_id": w.Machine,
		"start": apitest.At(2027, 1, 5, 9, 0), "end": apitest.At(2027, 1, 5, 10, 0), "note": "\u202egnp.exe"})
	wantFields(t, expect(t, r, 422, "validation"), "note")

	for _, email := range []string{"t1@x.test\u200b", "t1\u2060@x.test"} {
		r := env.Do("POST", "/api/v1/members", mgr, map[string]any{"email": email, "name": "Twin", "password": apitest.Password})
		wantFields(t, expect(t, r, 422, "validation"), "email")
	}
	for _, email := range []string{"ｔ1@x.test", "T1@X.TEST", "ｔ１@ｘ.ｔｅｓｔ"} {
		r := env.Do("POST", "/api/v1/members", mgr, map[string]any{"email": email, "name": "Twin", "password": apitest.Password})
		expect(t, r, 409, "conflict")
		loginToken(t, env, email, apitest.Password)
	}
	var u struct{ Email string }
	env.Must(t, 201, "POST", "/api/v1/members", mgr, map[string]any{"email": "ＡＮＡ@x.test", "name": "Ana", "password": apitest.Password}).Decode(t, &u)
	if u.Email != "ana@x.test" {
		t.Fatalf("the stored email is %q, want its normal form ana@x.test", u.Email)
	}
}

// TestUnknownFieldsRefused: a field the body's type does not read is 422
// validation naming it by its path, on every kind of body (embedded
// structs included), and nothing is stored; known fields in another case
// are read as encoding/json reads them.
func TestUnknownFieldsRefused(t *testing.T) {
	env, w, m := apitest.NewWithMember(t, "Una Unknown")
	slot := func(day int) map[string]any {
		return apitest.Slot(w.Space, apitest.At(2027, 1, day, 9, 0), apitest.At(2027, 1, day, 10, 0))
	}
	for _, c := range []struct {
		name, method, path, token string
		body                      map[string]any
		field                     string
	}{
		{"a typo in a booking", "POST", "/api/v1/bookings", m.Token, with(slot(5), "quantitiy", 2), "quantitiy"},
		{"a series (embedded booking fields)", "POST", "/api/v1/series", m.Token, with(with(slot(5), "rrule", "FREQ=WEEKLY;COUNT=2"), "on_confict", "skip"), "on_confict"},
		{"a series preview", "POST", "/api/v1/series/preview", m.Token, with(with(slot(5), "rrule", "FREQ=WEEKLY;COUNT=2"), "rule", "x"), "rule"},
		{"a waiting list entry", "POST", "/api/v1/waitlist", m.Token, with(slot(5), "priority", 1), "priority"},
		{"a site", "POST", "/api/v1/sites", w.Admin.Token, map[string]any{"name": "S", "floor_area_m2": 10, "floor_area": 20}, "floor_area"},
		{"a nested window", "POST", "/api/v1/sites", w.Admin.Token, map[string]any{"name": "S", "floor_area_m2": 10,
			"opening_hours": []map[string]any{{"days": []int{1}, "from": "08:00", "to": "09:00"}, {"dayz": []int{2}, "from": "08:00", "to": "09:00"}}}, "opening_hours[1].dayz"},
		{"a site patch (embedded SitePatch)", "PATCH", fmt.Sprintf("/api/v1/sites/%d", w.SiteID), w.Admin.Token, map[string]any{"power_kw": 5, "forse": true}, "forse"},
		{"PATCH /me", "PATCH", "/api/v1/me", m.Token, map[string]any{"nmae": "x"}, "nmae"},
		{"a sign-in", "POST", "/api/v1/auth/login", "", map[string]any{"email": m.Email, "password": apitest.Password, "remember": true}, "remember"},
		{"a cancellation", "POST", "/api/v1/bookings/1/cancel", m.Token, map[string]any{"raeson": "x"}, "raeson"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := state(t, env, w.Admin.Token)
			wantFields(t, expect(t, env.Do(c.method, c.path, c.token, c.body), 422, "validation"), c.field)
			if state(t, env, w.Admin.Token) != before {
				t.Fatal("a refused body stored something")
			}
		})
	}
	// The embedded structs' fields are known.
	env.Must(t, 200, "POST", "/api/v1/series/preview", m.Token, with(with(slot(5), "rrule", "FREQ=WEEKLY;COUNT=2"), "on_conflict", "skip"))
	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/sites/%d", w.SiteID), w.Admin.Token, map[string]any{"power_kw": 50, "force": false, "reason": ""})
	var b struct{ Quantity int }
	env.Must(t, 201, "POST", "/api/v1/bookings", m.Token, with(slot(6), "Quantity", 3)).Decode(t, &b)
	if b.Quantity != 3 {
		t.Fatalf("a known field in another case: quantity %d", b.Quantity)
	}
}

// TestRepeatedDaysRefused: a window naming a day twice, or thousands of
// days, is refused and stores nothing.
func TestRepeatedDaysRefused(t *testing.T) {
	env := apitest.New(t)
	w := env.NewWorkshop(t)
	long := make([]int, 170000)
	for i := range long {
		long[i] = 1 + i%7
	}
	for _, days := range [][]int{{1, 1}, {1, 2, 3, 4, 5, 6, 7, 1}, long} {
		for _, quiet := range []bool{false, true} {
			field := "opening_hours"
			if quiet {
				field = "quiet_hours"
			}
			body := map[string]any{field: []map[string]any{{"days": days, "from": "08:00", "to": "18:00"}}}
			r := env.Do("PATCH", fmt.Sprintf("/api/v1/sites/%d", w.SiteID), w.Admin.Token, body)
			wantFields(t, expect(t, r, 422, "validation"), field+"[0].days")
		}
	}
	var site struct {
		OpeningHours []struct{ Days []int } `json:"opening_hours"`
	}
	env.Must(t, 200, "GET", fmt.Sprintf("/api/v1/sites/%d", w.SiteID), w.Admin.Token, nil).Decode(t, &site)
	if len(site.OpeningHours) != 1 || len(site.OpeningHours[0].Days) != 7 {
		t.Fatalf("a refused change stored %+v", site)
	}
}

// TestSecureHeadersAndRequestIDs: HSTS behind an https public address
// only; the request id is the server's own, whatever the client sends,
// and the client's is logged beside it.
func TestSecureHeadersAndRequestIDs(t *testing.T) {
	env := apitest.New(t)
	var logs bytes.Buffer
	secure := handlers.New(env.DB, handlers.Config{PublicURL: "https://atelier.example",
		Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	serve := func(e http.Handler, id string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/healthz", nil)
		if id != "" {
			req.Header.Set("X-Request-Id", id)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}
	if h := serve(secure, "").Header().Get("Strict-Transport-Security"); !strings.HasPrefix(h, "max-age=") {
		t.Fatalf("behind https: Strict-Transport-Security %q", h)
	}
	if h := serve(env.E, "").Header().Get("Strict-Transport-Security"); h != "" {
		t.Fatalf("behind http: Strict-Transport-Security %q", h)
	}
	forged := "forged-id-of-another-request"
	rec := serve(secure, forged)
	id := rec.Header().Get("X-Request-Id")
	if id == "" || id == forged || serve(secure, forged).Header().Get("X-Request-Id") == id {
		t.Fatalf("the request id %q: want one the server makes, new for every request", id)
	}
	if !strings.Contains(logs.String(), `"request_id":"`+id+`"`) || !strings.Contains(logs.String(), `"client_request_id":"`+forged+`"`) {
		t.Fatalf("the log lacks the server's id and the client's beside it:\n%s", logs.String())
	}
	serve(secure, strings.Repeat("x", 5000))
	if strings.Contains(logs.String(), strings.Repeat("x", 100)) {
		t.Fatal("a long client id was logged whole")
	}
}

// TestLoginNeedsJSON: POST /auth/login, like /auth/session, takes only a
// body declared application/json: a cross-site form cannot spend a
// visitor's sign-in attempts or sign them in.
func TestLoginNeedsJSON(t *testing.T) {
	env := apitest.New(t)
	m := env.NewUser(t, models.RoleMember, "Jo Json")
	body := fmt.Sprintf(`{"email":%q,"password":%q}`, m.Email, apitest.Password)
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""} {
		req := apitest.Request("POST", "/api/v1/auth/login", "", body)
		req.Header.Set("Content-Type", ct)
		r := env.Serve(req)
		if r.Code != 400 || r.ErrorCode() != "bad_request" || strings.Contains(string(r.Body), "token") {
			t.Fatalf("Content-Type %q: want 400 bad_request, got %s", ct, r)
		}
	}
	req := apitest.Request("POST", "/api/v1/auth/login", "", body)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if r := env.Serve(req); r.Code != 200 {
		t.Fatalf("application/json; charset=utf-8: %s", r)
	}
}

// TestSecurityHeaders: every answer carries the headers that keep the
// frontend to itself.
func TestSecurityHeaders(t *testing.T) {
	env := apitest.New(t)
	for _, path := range []string{"/healthz", "/api/v1/me", "/api/v1/nowhere"} {
		r := env.Do("GET", path, "", nil)
		for h, want := range map[string]string{
			"Content-Security-Policy": "default-src 'self'",
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "same-origin",
			"X-Frame-Options":         "DENY",
		} {
			if got := r.Header.Get(h); !strings.Contains(got, want) {
				t.Errorf("%s: %s = %q, want it to hold %q", path, h, got, want)
			}
		}
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q does not forbid framing", path, csp)
		}
	}
}
