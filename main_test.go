package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"atelier/internal/apitest"
	"atelier/internal/apitest/testclock"
	"atelier/models"
)

// The tests in this file drive run() in the test process, as main does,
// over a real listener on 127.0.0.1 and a real database.

const (
	adminEmail    = "ada@atelier.test"
	adminPassword = "correct horse battery"
)

// output collects what Atelier writes on stdout, line by line, and reports
// the address of its "atelier listening" log record.
type output struct {
	mu      sync.Mutex
	lines   []string
	partial []byte
	addr    chan string // receives the listen address once
}

func newOutput() *output { return &output{addr: make(chan string, 1)} }

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.partial = append(o.partial, p...)
	for {
		i := bytes.IndexByte(o.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(o.partial[:i])
		o.partial = o.partial[i+1:]
		o.lines = append(o.lines, line)
		var rec struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "atelier listening" {
			select {
			case o.addr <- rec.Addr:
			default:
			}
		}
	}
}

// Lines returns the complete lines written so far.
func (o *output) Lines() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.lines...)
}

// String returns the last lines, for failure messages.
func (o *output) String() string {
	lines := o.Lines()
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return strings.Join(lines, "\n")
}

// instance is one run() of Atelier inside the test process.
type instance struct {
	addr   string
	out    *output
	cancel context.CancelFunc
	done   chan error // receives run's result once
	result *error     // run's result, once stop has seen it
}

// startRun starts run() with env as its whole environment and waits until
// /healthz answers 200. The test's cleanup stops it.
func startRun(t *testing.T, env map[string]string, args ...string) *instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{out: newOutput(), cancel: cancel, done: make(chan error, 1)}
	getenv := func(name string) string { return env[name] }
	go func() { in.done <- run(ctx, append([]string{"atelier"}, args...), getenv, in.out) }()
	t.Cleanup(func() { in.stop(t) })
	select {
	case in.addr = <-in.out.addr:
	case err := <-in.done:
		in.result = &err
		t.Fatalf("run returned before listening: %v\n%s", err, in.out)
	case <-time.After(20 * time.Second):
		t.Fatalf("run did not listen within 20s\n%s", in.out)
	}
	waitHealthy(t, in.addr, nil)
	return in
}

// stop cancels run's context and returns what run returned. It fails the
// test when run does not return within 25 s (the shutdown grace is 20 s).
func (in *instance) stop(t *testing.T) error {
	t.Helper()
	in.cancel()
	if in.result == nil {
		select {
		case err := <-in.done:
			in.result = &err
		case <-time.After(25 * time.Second):
			t.Fatalf("run did not return within 25s of its context ending\n%s", in.out)
		}
	}
	return *in.result
}

// waitHealthy polls /healthz at addr until it answers 200, for at most 20 s
// or until exited is closed.
func waitHealthy(t *testing.T, addr string, exited <-chan struct{}) {
	t.Helper()
	hc := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := hc.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz at %s did not answer 200 within 20s (last: %v)", addr, describe(resp, err))
		}
		select {
		case <-exited:
			t.Fatalf("the server exited before /healthz answered 200")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func describe(resp *http.Response, err error) string {
	if err != nil {
		return err.Error()
	}
	return resp.Status
}

// client calls Atelier's API over the network as one signed-in user.
type client struct {
	base  string
	token string
	hc    *http.Client
}

func newClient(addr string) *client {
	return &client{base: "http://" + addr, hc: &http.Client{
		Timeout:   15 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 32},
	}}
}

// do sends a request with body as JSON (when not nil) and returns the
// status and body; err is a transport error, when no answer came.
func (c *client) do(method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// must sends a request and fails the test unless the answer has status want.
func (c *client) must(t testing.TB, want int, method, path string, body any) []byte {
	t.Helper()
	code, b, err := c.do(method, path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if code != want {
		t.Fatalf("%s %s: want %d, got %d %s", method, path, want, code, b)
	}
	return b
}

// login signs in and keeps the bearer token; it returns the status.
func (c *client) login(t testing.TB, email, password string) int {
	t.Helper()
	code, b, err := c.do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": password})
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	if code == http.StatusOK {
		var r struct{ Token string }
		if err := json.Unmarshal(b, &r); err != nil || r.Token == "" {
			t.Fatalf("login answered 200 without a token: %s", b)
		}
		c.token = r.Token
	}
	return code
}

func idOf(t testing.TB, body []byte) int64 {
	t.Helper()
	var v struct{ ID int64 }
	if err := json.Unmarshal(body, &v); err != nil || v.ID <= 0 {
		t.Fatalf("no id in %s", body)
	}
	return v.ID
}

// newMachines creates, through the API, a site open every day 08:00-20:00
// with one zone holding n machines on a 30-minute grid, and returns the
// machines' ids. c must be signed in as an admin.
func newMachines(t testing.TB, c *client, n int) []int64 {
	t.Helper()
	all := []int{1, 2, 3, 4, 5, 6, 7}
	site := idOf(t, c.must(t, 201, "POST", "/api/v1/sites", map[string]any{
		"name": "Atelier Process", "timezone": "Europe/Brussels", "floor_area_m2": 500,
		"opening_hours": []map[string]any{{"days": all, "from": "08:00", "to": "20:00"}},
		"quiet_hours":   []map[string]any{{"days": all, "from": "22:00", "to": "07:00"}},
	}))
	zone := idOf(t, c.must(t, 201, "POST", "/api/v1/zones", map[string]any{
		"site_id": site, "name": "Production", "use": "production", "area_m2": 300}))
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = idOf(t, c.must(t, 201, "POST", "/api/v1/resources", map[string]any{
			"zone_id": zone, "name": fmt.Sprintf("Machine %d", i+1), "kind": "machine", "slot_minutes": 30}))
	}
	return ids
}

// slotsPerDay is the number of 30-minute slots in the 08:00-20:00 day.
const slotsPerDay = 24

// slot returns the k-th 30-minute slot of the opening hours from Monday
// 4 January of next year on: in the future by the server's real clock, and
// before any daylight-saving change for k < 60*slotsPerDay.
func slot(k int) (start, end string) {
	day := time.Date(time.Now().Year()+1, time.January, 4, 8, 0, 0, 0, testclock.Brussels).AddDate(0, 0, k/slotsPerDay)
	s := day.Add(time.Duration(k%slotsPerDay) * 30 * time.Minute)
	return s.Format(time.RFC3339), s.Add(30 * time.Minute).Format(time.RFC3339)
}

func bookingBody(resource int64, k int, note string) map[string]any {
	start, end := slot(k)
	return map[string]any{"resource_id": resource, "start": start, "end": end, "note": note}
}

// sameJSON reports whether a and b hold the same JSON value.
func sameJSON(a, b []byte) bool {
	var va, vb any
	return json.Unmarshal(a, &va) == nil && json.Unmarshal(b, &vb) == nil && reflect.DeepEqual(va, vb)
}

// slowRequest is a POST whose body the test sends in two halves, so that
// the server holds it in flight for as long as the test wants.
type slowRequest struct {
	conn net.Conn
	rest []byte
}

// startSlowRequest opens a connection of its own to addr, sends the
// headers and half the body, and leaves the server waiting for the rest.
func startSlowRequest(t testing.TB, addr, path, token string, body any) *slowRequest {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	half := len(b) / 2
	if _, err := fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		path, addr, token, len(b), b[:half]); err != nil {
		t.Fatal(err)
	}
	// The server must have accepted the connection and read the headers
	// before the test starts a shutdown; a connection it has accepted but
	// not read yet is kept for 5 s by http.Server.Shutdown anyway.
	time.Sleep(200 * time.Millisecond)
	return &slowRequest{conn: conn, rest: b[half:]}
}

// finish sends the rest of the body and returns the answer.
func (r *slowRequest) finish(t testing.TB) (int, []byte) {
	t.Helper()
	if _, err := r.conn.Write(r.rest); err != nil {
		t.Fatalf("sending the rest of the in-flight request: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(r.conn), nil)
	if err != nil {
		t.Fatalf("the in-flight request got no answer: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the in-flight request's answer: %v", err)
	}
	return resp.StatusCode, b
}

// waitRefused waits, at most 10 s, until addr refuses new connections: the
// server has closed its listener.
func waitRefused(t testing.TB, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("%s still accepts connections 10s after the shutdown began", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func adminEnv(dsn string) map[string]string {
	return map[string]string{
		"ATELIER_ADDR": "127.0.0.1:0", "ATELIER_DB": dsn,
		"ATELIER_ADMIN_EMAIL": adminEmail, "ATELIER_ADMIN_PASSWORD": adminPassword,
	}
}

// TestGracefulShutdown cancels run's context while a booking request is
// half sent: the listener closes at once, but run waits for the request,
// which completes with 201; run then returns nil, and the booking and the
// bearer token are there after a restart on the same database.
func TestGracefulShutdown(t *testing.T) {
	apitest.EachDialect(t, func(t *testing.T, d models.Dialect) {
		t.Parallel()
		env := adminEnv(apitest.DSN(t, d))
		in := startRun(t, env)
		c := newClient(in.addr)
		if code := c.login(t, adminEmail, adminPassword); code != 200 {
			t.Fatalf("admin login: %d", code)
		}
		c.must(t, 200, "GET", "/api/v1/me", nil)
		machines := newMachines(t, c, 1)

		slow := startSlowRequest(t, in.addr, "/api/v1/bookings", c.token, bookingBody(machines[0], 0, "in flight"))
		in.cancel()
		waitRefused(t, in.addr)
		select {
		case err := <-in.done:
			in.result = &err
			t.Fatalf("run returned (%v) while a request was in flight", err)
		case <-time.After(300 * time.Millisecond):
		}
		code, created := slow.finish(t)
		if code != http.StatusCreated {
			t.Fatalf("the in-flight booking: want 201, got %d %s", code, created)
		}
		if err := in.stop(t); err != nil {
			t.Fatalf("run after a graceful shutdown: want nil, got %v", err)
		}

		again := startRun(t, env)
		c2 := newClient(again.addr)
		c2.token = c.token
		got := c2.must(t, 200, "GET", fmt.Sprintf("/api/v1/bookings/%d", idOf(t, created)), nil)
		if !sameJSON(created, got) {
			t.Errorf("the booking acknowledged during the shutdown changed:\nwas %s\nnow %s", created, got)
		}
	})
}

// TestConfigErrors gives run a configuration it must refuse: run returns
// an error at once, before it touches the database or listens.
func TestConfigErrors(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"public URL without a scheme", map[string]string{"ATELIER_PUBLIC_URL": "atelier.example.org"}, nil, "ATELIER_PUBLIC_URL"},
		{"public URL of another scheme", map[string]string{"ATELIER_PUBLIC_URL": "ftp://atelier.example.org"}, nil, "ATELIER_PUBLIC_URL"},
		{"public URL flag", nil, []string{"--public-url", "atelier.example.org"}, "ATELIER_PUBLIC_URL"},
		{"admin email alone", map[string]string{"ATELIER_ADMIN_EMAIL": adminEmail}, nil, "ATELIER_ADMIN_PASSWORD"},
		{"admin password alone", map[string]string{"ATELIER_ADMIN_PASSWORD": adminPassword}, nil, "ATELIER_ADMIN_EMAIL"},
		{"log level", map[string]string{"ATELIER_LOG_LEVEL": "loud"}, nil, "ATELIER_LOG_LEVEL"},
		{"unknown flag", nil, []string{"--colour", "blue"}, "colour"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dbPath := apitest.SQLiteDSN(t)
			env := map[string]string{"ATELIER_ADDR": "127.0.0.1:0", "ATELIER_DB": dbPath}
			for k, v := range tc.env {
				env[k] = v
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			out := newOutput()
			err := run(ctx, append([]string{"atelier"}, tc.args...), func(k string) string { return env[k] }, out)
			if err == nil {
				t.Fatalf("run returned nil; want an error mentioning %q\n%s", tc.want, out)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("run: %v; want an error mentioning %q", err, tc.want)
			}
			if ctx.Err() != nil {
				t.Errorf("run took until its context ended to refuse the configuration")
			}
			if _, serr := os.Stat(dbPath); !errors.Is(serr, os.ErrNotExist) {
				t.Errorf("run created the database before refusing its configuration (stat: %v)", serr)
			}
		})
	}
}

// TestStartFailures: when the database cannot be opened or the address is
// taken, run returns an error instead of serving.
func TestStartFailures(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	cases := []struct{ name, addr, db string }{
		{"address in use", taken.Addr().String(), apitest.SQLiteDSN(t)},
		{"database directory missing", "127.0.0.1:0", filepath.Join(t.TempDir(), "missing", "atelier.db")},
		{"in-memory SQLite", "127.0.0.1:0", ":memory:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := adminEnv(tc.db)
			env["ATELIER_ADDR"] = tc.addr
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			out := newOutput()
			if err := run(ctx, []string{"atelier"}, func(k string) string { return env[k] }, out); err == nil {
				t.Fatalf("run returned nil; want an error\n%s", out)
			}
			if ctx.Err() != nil {
				t.Errorf("run served until its context ended instead of failing")
			}
		})
	}
}

// TestStopWhileStarting: a stop asked for before run listens (SIGTERM
// while the database is still being opened) is a clean stop: run returns
// nil at once instead of blaming the database.
func TestStopWhileStarting(t *testing.T) {
	apitest.EachDialect(t, func(t *testing.T, d models.Dialect) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		env := adminEnv(apitest.DSN(t, d))
		out := newOutput()
		if err := run(ctx, []string{"atelier"}, func(k string) string { return env[k] }, out); err != nil {
			t.Fatalf("run stopped while starting: want nil, got %v\n%s", err, out)
		}
		select {
		case addr := <-out.addr:
			t.Errorf("run listened on %s although it was stopped before", addr)
		default:
		}
	})
}

var generatedPassword = regexp.MustCompile(`sign in as admin@atelier\.local with the password (\S+) \(shown once\)`)

// TestGeneratedAdminPassword starts on an empty database without admin
// variables: a random password for admin@atelier.local is printed once and
// signs in. A second start on the same database prints nothing of the
// kind, and admin variables given then create no account: the database
// already has a user.
func TestGeneratedAdminPassword(t *testing.T) {
	t.Parallel()
	dsn := apitest.SQLiteDSN(t)
	env := map[string]string{"ATELIER_ADDR": "127.0.0.1:0", "ATELIER_DB": dsn}
	first := startRun(t, env)
	var password string
	for _, line := range first.out.Lines() {
		if m := generatedPassword.FindStringSubmatch(line); m != nil {
			if password != "" {
				t.Fatalf("the generated password was printed twice:\n%s", first.out)
			}
			password = m[1]
		}
	}
	if len(password) < 12 {
		t.Fatalf("no generated password of at least 12 characters in the output:\n%s", first.out)
	}
	c := newClient(first.addr)
	if code := c.login(t, "admin@atelier.local", password); code != 200 {
		t.Fatalf("signing in with the printed password: %d", code)
	}
	var me struct{ Email, Role string }
	if err := json.Unmarshal(c.must(t, 200, "GET", "/api/v1/me", nil), &me); err != nil {
		t.Fatal(err)
	}
	if me.Email != "admin@atelier.local" || me.Role != "admin" {
		t.Errorf("/me: want admin@atelier.local as admin, got %+v", me)
	}
	if code := newClient(first.addr).login(t, "admin@atelier.local", password+"x"); code != 401 {
		t.Errorf("a wrong password: want 401, got %d", code)
	}
	if err := first.stop(t); err != nil {
		t.Fatalf("run: %v", err)
	}

	env["ATELIER_ADMIN_EMAIL"], env["ATELIER_ADMIN_PASSWORD"] = adminEmail, adminPassword
	second := startRun(t, env)
	for _, line := range second.out.Lines() {
		if strings.Contains(line, "First admin") || strings.Contains(line, password) {
			t.Errorf("the second start printed an admin password: %s", line)
		}
	}
	if code := newClient(second.addr).login(t, "admin@atelier.local", password); code != 200 {
		t.Errorf("the printed password after a restart: want 200, got %d", code)
	}
	if code := newClient(second.addr).login(t, adminEmail, adminPassword); code != 401 {
		t.Errorf("admin variables on a database with users created an account: login answered %d", code)
	}
}

// TestFlagsMirrorVariables: --addr and --db do what ATELIER_ADDR and
// ATELIER_DB do, and win over them.
func TestFlagsMirrorVariables(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	flagDB, envDB := filepath.Join(dir, "flag.db"), filepath.Join(dir, "env.db")
	env := adminEnv(envDB)
	env["ATELIER_ADDR"] = "192.0.2.1:1" // TEST-NET-1: listening there would fail
	in := startRun(t, env, "--addr", "127.0.0.1:0", "--db", flagDB)
	if host, _, _ := net.SplitHostPort(in.addr); host != "127.0.0.1" {
		t.Errorf("listening on %s, want 127.0.0.1 from --addr", in.addr)
	}
	if code := newClient(in.addr).login(t, adminEmail, adminPassword); code != 200 {
		t.Errorf("admin login: %d", code)
	}
	if err := in.stop(t); err != nil {
		t.Fatalf("run: %v", err)
	}
	if _, err := os.Stat(flagDB); err != nil {
		t.Errorf("the database of --db: %v", err)
	}
	if _, err := os.Stat(envDB); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ATELIER_DB was used although --db was given (stat: %v)", err)
	}
}
