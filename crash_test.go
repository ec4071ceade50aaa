package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"atelier/internal/apitest"
	"atelier/models"
)

// The tests in this file build the atelier binary and run it as a child
// process on 127.0.0.1, to kill it for real while bookings pour in.

// TestProcess builds the binary once and, on each database, kills it with
// SIGKILL and stops it with SIGTERM under load.
func TestProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: builds the binary and runs it under load")
	}
	bin := buildAtelier(t)
	for _, d := range apitest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Run("SIGKILL", func(t *testing.T) { testSIGKILL(t, bin, d) })
			t.Run("SIGTERM", func(t *testing.T) { testSIGTERM(t, bin, d) })
		})
	}
}

func buildAtelier(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build atelier: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "atelier")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	began := time.Now()
	if out, err := exec.CommandContext(ctx, gobin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built %s in %v", bin, time.Since(began).Round(time.Millisecond))
	return bin
}

// process is the atelier binary running as a child process.
type process struct {
	cmd     *exec.Cmd
	addr    string
	out     *output
	exited  chan struct{} // closed when the process has exited
	waitErr error         // what Wait returned, once exited is closed
}

// startProcess runs bin on the database dsn, listening on a port of
// 127.0.0.1 the system picks, and waits until /healthz answers 200. The
// process is killed, at the latest, when the test ends or after 3 minutes.
func startProcess(t *testing.T, bin, dsn string) *process {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	p := &process{out: newOutput(), exited: make(chan struct{})}
	p.cmd = exec.CommandContext(ctx, bin)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ATELIER_") {
			p.cmd.Env = append(p.cmd.Env, kv)
		}
	}
	for k, v := range adminEnv(dsn) {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.WaitDelay = 5 * time.Second
	if err := p.cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		cancel()
		<-p.exited
	})
	select {
	case p.addr = <-p.out.addr:
	case <-p.exited:
		t.Fatalf("atelier exited before listening: %v\n%s", p.waitErr, p.out)
	case <-time.After(30 * time.Second):
		t.Fatalf("atelier did not listen within 30s\n%s", p.out)
	}
	waitHealthy(t, p.addr, p.exited)
	return p
}

// wait waits, at most 30 s, for the process to exit and returns what Wait
// returned.
func (p *process) wait(t *testing.T) error {
	t.Helper()
	select {
	case <-p.exited:
		return p.waitErr
	case <-time.After(30 * time.Second):
		t.Fatalf("atelier still runs 30s after it was told to stop\n%s", p.out)
		return nil
	}
}

func (p *process) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("sending %v: %v", sig, err)
	}
}

// ack is a booking the server answered 201 for, with the body it sent.
type ack struct {
	id   int64
	body []byte
}

// load pours bookings into a server from one goroutine per machine, each
// walking through its machine's free slots, so every request should be
// granted. It keeps every acknowledged booking.
type load struct {
	t        *testing.T
	c        *client
	inFlight atomic.Int64
	acked    atomic.Int64
	stopping atomic.Bool // set before the server is stopped: requests may fail from then on
	stop     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup

	mu      sync.Mutex
	acks    []ack
	unknown int // requests that got no answer: their outcome is unknown
}

// maxSlotsPerMachine bounds each goroutine: 60 days of slots, all in
// January and February.
const maxSlotsPerMachine = 60 * slotsPerDay

func pour(t *testing.T, c *client, machines []int64) *load {
	l := &load{t: t, c: c, stop: make(chan struct{})}
	t.Cleanup(func() { l.finish() }) // no goroutine outlives the test, even when it fails early
	for w, m := range machines {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for k := 0; k < maxSlotsPerMachine; k++ {
				select {
				case <-l.stop:
					return
				default:
				}
				if !l.book(m, k, fmt.Sprintf("worker %d slot %d", w, k)) {
					return
				}
			}
		}()
	}
	return l
}

// book asks for slot k of machine m and reports whether to go on.
func (l *load) book(m int64, k int, note string) bool {
	l.inFlight.Add(1)
	code, body, err := l.c.do("POST", "/api/v1/bookings", bookingBody(m, k, note))
	l.inFlight.Add(-1)
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case err != nil:
		l.unknown++
		if !l.stopping.Load() {
			l.t.Errorf("booking slot %d of machine %d: no answer before the server was stopped: %v", k, m, err)
		}
		return false
	case code != http.StatusCreated:
		l.t.Errorf("booking slot %d of machine %d: want 201, got %d %s", k, m, code, body)
		return false
	}
	var b struct{ ID int64 }
	if err := json.Unmarshal(body, &b); err != nil || b.ID <= 0 {
		l.t.Errorf("booking slot %d of machine %d: 201 without an id: %s", k, m, body)
		return false
	}
	l.acks = append(l.acks, ack{id: b.ID, body: body})
	l.acked.Add(1)
	return true
}

// waitAcked waits until n bookings are acknowledged and a request is in
// flight, for at most a minute.
func (l *load) waitAcked(n int64) {
	l.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for l.acked.Load() < n || l.inFlight.Load() == 0 {
		if l.t.Failed() {
			l.t.FailNow() // a booking failed: the goroutines have said why
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("%d bookings acknowledged and %d in flight after a minute; want %d and at least one",
				l.acked.Load(), l.inFlight.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// finish stops the goroutines, at most 30 s after the server went down,
// and returns the acknowledged bookings and the count of unknown outcomes.
func (l *load) finish() ([]ack, int) {
	l.t.Helper()
	l.stopOnce.Do(func() { close(l.stop) })
	done := make(chan struct{})
	go func() { l.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		l.t.Fatalf("the booking goroutines did not stop within 30s")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.acks, l.unknown
}

// checkKept reads every acknowledged booking from a server and compares
// it with what the server answered when it was made. It returns the number
// of bookings the server holds.
func checkKept(t *testing.T, c *client, acks []ack) int64 {
	t.Helper()
	bad := 0
	for _, a := range acks {
		code, got, err := c.do("GET", fmt.Sprintf("/api/v1/bookings/%d", a.id), nil)
		if err != nil {
			t.Fatalf("reading booking %d: %v", a.id, err)
		}
		if code == http.StatusOK && sameJSON(a.body, got) {
			continue
		}
		if bad++; bad <= 5 {
			t.Errorf("acknowledged booking %d lost or changed:\nwas %s\nnow %d %s", a.id, a.body, code, got)
		}
	}
	if bad > 0 {
		t.Fatalf("%d of %d acknowledged bookings lost or changed", bad, len(acks))
	}
	var list struct{ Total int64 }
	if err := json.Unmarshal(c.must(t, 200, "GET", "/api/v1/bookings?limit=1", nil), &list); err != nil {
		t.Fatal(err)
	}
	return list.Total
}

// testSIGKILL kills the server with SIGKILL after 300 acknowledged
// bookings, with requests in flight, and restarts it on the same database,
// three times over: every booking acknowledged in any round is there,
// unchanged, and nothing is there beyond the bookings whose requests were
// cut off.
func testSIGKILL(t *testing.T, bin string, d models.Dialect) {
	const (
		rounds = 3
		kill   = 300
	)
	dsn := apitest.DSN(t, d)
	p := startProcess(t, bin, dsn)
	c := newClient(p.addr)
	if code := c.login(t, adminEmail, adminPassword); code != 200 {
		t.Fatalf("admin login: %d", code)
	}
	var (
		acks    []ack
		unknown int
	)
	for round := 1; round <= rounds; round++ {
		machines := newMachines(t, c, 8) // fresh machines: the slots cut off last round stay out of the way
		began := time.Now()
		l := pour(t, c, machines)
		l.waitAcked(kill)
		l.stopping.Store(true)
		inFlight := l.inFlight.Load()
		if d == models.SQLite {
			requireBatches(t, c)
		}
		p.signal(t, syscall.SIGKILL)
		err := p.wait(t)
		roundAcks, roundUnknown := l.finish()
		t.Logf("%s round %d: SIGKILL after %d acknowledged bookings in %v, %d requests in flight, %d cut off",
			d, round, len(roundAcks), time.Since(began).Round(time.Millisecond), inFlight, roundUnknown)
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("want the process killed by SIGKILL, got %v", err)
		}
		if roundUnknown == 0 {
			t.Errorf("no request was cut off by the kill: it did not happen mid-stream")
		}
		acks, unknown = append(acks, roundAcks...), unknown+roundUnknown

		p = startProcess(t, bin, dsn)
		token := c.token // a bearer token survives the crash too
		c = newClient(p.addr)
		c.token = token
		total := checkKept(t, c, acks)
		t.Logf("%s round %d: after the restart %d bookings, %d acknowledged", d, round, total, len(acks))
		if total < int64(len(acks)) || total > int64(len(acks)+unknown) {
			t.Fatalf("after crash %d the database holds %d bookings; want between the %d acknowledged and %d (with those cut off)",
				round, total, len(acks), len(acks)+unknown)
		}
	}
	p.signal(t, syscall.SIGTERM)
	if err := p.wait(t); err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, p.out)
	}
}

// testSIGTERM stops the server with SIGTERM while bookings pour in and one
// request is half sent: the server closes its listener, finishes the
// requests in flight (the half-sent one included), exits with status 0,
// and after a restart holds exactly the bookings it acknowledged.
func testSIGTERM(t *testing.T, bin string, d models.Dialect) {
	const term = 150
	dsn := apitest.DSN(t, d)
	p := startProcess(t, bin, dsn)
	c := newClient(p.addr)
	if code := c.login(t, adminEmail, adminPassword); code != 200 {
		t.Fatalf("admin login: %d", code)
	}
	machines := newMachines(t, c, 9)

	began := time.Now()
	l := pour(t, c, machines[1:])
	l.waitAcked(term)
	slow := startSlowRequest(t, p.addr, "/api/v1/bookings", c.token, bookingBody(machines[0], 0, "half sent at SIGTERM"))
	l.waitAcked(term)
	l.stopping.Store(true)
	inFlight := l.inFlight.Load()
	p.signal(t, syscall.SIGTERM)
	waitRefused(t, p.addr)
	select {
	case <-p.exited:
		t.Fatalf("atelier exited (%v) with a request in flight\n%s", p.waitErr, p.out)
	case <-time.After(300 * time.Millisecond):
	}
	code, slowBody := slow.finish(t)
	if code != http.StatusCreated {
		t.Fatalf("the half-sent booking: want 201, got %d %s", code, slowBody)
	}
	if err := p.wait(t); err != nil {
		t.Fatalf("exit after SIGTERM: want status 0, got %v\n%s", err, p.out)
	}
	acks, unknown := l.finish()
	t.Logf("%s: SIGTERM after %d acknowledged bookings in %v, %d requests in flight, %d unanswered (sent after the listener closed)",
		d, len(acks), time.Since(began).Round(time.Millisecond), inFlight, unknown)
	acks = append(acks, ack{id: idOf(t, slowBody), body: slowBody})

	again := startProcess(t, bin, dsn)
	c2 := newClient(again.addr)
	c2.token = c.token
	if total := checkKept(t, c2, acks); total != int64(len(acks)) {
		t.Errorf("after SIGTERM the database holds %d bookings; want exactly the %d acknowledged", total, len(acks))
	}
	again.signal(t, syscall.SIGTERM)
	if err := again.wait(t); err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, again.out)
	}
}

// requireBatches checks, from the server's metrics, that its group commit
// has been carrying several requests per transaction, so that the kill
// that follows comes among batches, not single requests.
func requireBatches(t *testing.T, c *client) {
	t.Helper()
	code, body, err := c.do("GET", "/metrics", nil)
	if err != nil || code != 200 {
		t.Fatalf("GET /metrics: %d %v", code, err)
	}
	read := func(name string) float64 {
		for _, line := range strings.Split(string(body), "\n") {
			if v, ok := strings.CutPrefix(line, name+" "); ok {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil {
					t.Fatal(err)
				}
				return f
			}
		}
		t.Fatalf("/metrics has no %s", name)
		return 0
	}
	batches, requests := read("atelier_write_batches_total"), read("atelier_write_requests_total")
	t.Logf("group commit so far: %.0f requests in %.0f transactions", requests, batches)
	if requests <= batches {
		t.Fatalf("no transaction carried more than one request (%.0f requests, %.0f transactions)", requests, batches)
	}
}
