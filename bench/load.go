package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"atelier/handlers"
)

// server is Atelier on a loopback port.
type server struct {
	base string
	srv  *http.Server
}

func startServer(w *world) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	base := "http://" + ln.Addr().String()
	s := &server{base: base, srv: &http.Server{
		Handler:           handlers.New(w.db, handlers.Config{PublicURL: base}),
		ReadHeaderTimeout: 10 * time.Second,
	}}
	go s.srv.Serve(ln)
	return s, nil
}

func (s *server) Close() { s.srv.Close() }

// client is one simulated user agent: one keep-alive connection from its
// own loopback address.
type client struct {
	hc   *http.Client
	base string
	ip   net.IP
}

// nextIP hands out source addresses in 127.1.0.0/16 (all loopback on
// Linux), so that each simulated calendar client is a household of its
// own for the feed rate limiter, as it would be in the city.
var ipSeq atomic.Uint32

func newClient(base string, rotate bool) *client {
	c := &client{base: base}
	if rotate {
		n := ipSeq.Add(1)
		c.ip = net.IPv4(127, 1, byte(n>>8), byte(n))
	}
	d := &net.Dialer{Timeout: 5 * time.Second}
	if c.ip != nil {
		d.LocalAddr = &net.TCPAddr{IP: c.ip}
	}
	c.hc = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: d.DialContext, MaxIdleConnsPerHost: 2, DisableCompression: true,
		IdleConnTimeout: 30 * time.Second,
	}}
	return c
}

func (c *client) close() { c.hc.CloseIdleConnections() }

// do sends a request and reads the whole answer; anything but want is an
// error carrying the start of the body.
func (c *client) do(ctx context.Context, method, path, token string, body []byte, want int) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return b, fmt.Errorf("%s %s: %d %.200s", method, path, resp.StatusCode, b)
	}
	return b, nil
}

// signIn logs the clients' members in and fetches their feed URLs.
func (w *world) signIn(ctx context.Context, s *server, clients int) error {
	c := newClient(s.base, false)
	defer c.close()
	login := func(id int64) (string, error) {
		body, _ := json.Marshal(map[string]string{"email": w.emails[id], "password": password})
		b, err := c.do(ctx, "POST", "/api/v1/auth/login", "", body, 200)
		if err != nil {
			return "", err
		}
		var v struct {
			Token string `json:"token"`
		}
		return v.Token, json.Unmarshal(b, &v)
	}
	feed := func(token string) (string, error) {
		b, err := c.do(ctx, "GET", "/api/v1/me/calendar", token, nil, 200)
		if err != nil {
			return "", err
		}
		var v struct {
			URL string `json:"url"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			return "", err
		}
		return strings.TrimPrefix(v.URL, s.base), nil
	}
	for i := range clients {
		tok, err := login(w.typical[i])
		if err != nil {
			return err
		}
		w.typicalTokens = append(w.typicalTokens, tok)
		f, err := feed(tok)
		if err != nil {
			return err
		}
		w.typicalFeeds = append(w.typicalFeeds, f)
		if tok, err = login(w.creators[i]); err != nil {
			return err
		}
		w.creatorTokens = append(w.creatorTokens, tok)
		if i < len(w.heavy) {
			if tok, err = login(w.heavy[i]); err != nil {
				return err
			}
			if f, err = feed(tok); err != nil {
				return err
			}
			w.heavyFeeds = append(w.heavyFeeds, f)
		}
	}
	for i := len(w.heavyFeeds); i < clients; i++ {
		w.heavyFeeds = append(w.heavyFeeds, w.heavyFeeds[i%len(w.heavy)])
	}
	return nil
}

// sample is what one workload measured.
type sample struct {
	name, limit string
	clients     int
	n, errs     int
	firstErr    string
	elapsed     time.Duration
	lat         []time.Duration
	bytes       int64
	cpu         time.Duration // of the whole process: server and clients
	mem         memPeak
}

func (s *sample) rate() float64 {
	if s.elapsed <= 0 {
		return 0
	}
	return float64(s.n) / s.elapsed.Seconds()
}

func (s *sample) quantile(q float64) time.Duration {
	if len(s.lat) == 0 {
		return 0
	}
	return s.lat[int(q*float64(len(s.lat)-1))]
}

// merge adds another round of the same workload.
func (s *sample) merge(o *sample) {
	s.n += o.n
	s.errs += o.errs
	if s.firstErr == "" {
		s.firstErr = o.firstErr
	}
	s.elapsed += o.elapsed
	s.lat = append(s.lat, o.lat...)
	s.bytes += o.bytes
	s.cpu += o.cpu
	s.mem = s.mem.max(o.mem)
	slices.Sort(s.lat)
}

// op is one request of a workload by client c; i counts the workload's
// requests from 0. It returns the bytes it received.
type op func(ctx context.Context, c int, i int64) (int, error)

// drive runs op from the given number of clients until d has passed or
// max requests were sent, sampling the process's memory meanwhile.
func drive(ctx context.Context, clients int, d time.Duration, max int, fn op) *sample {
	ctx, cancel := context.WithTimeout(ctx, d+30*time.Second)
	defer cancel()
	var next atomic.Int64
	lats := make([][]time.Duration, clients)
	errs := make([]int, clients)
	firstErr := make([]string, clients)
	bytes := make([]int64, clients)
	stopMem := make(chan memPeak)
	done := make(chan struct{})
	go sampleMemory(done, stopMem)
	deadline := time.Now().Add(d)
	cpu0 := cpuTime()
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				i := next.Add(1) - 1
				if i >= int64(max) {
					return
				}
				t0 := time.Now()
				n, err := fn(ctx, c, i)
				lats[c] = append(lats[c], time.Since(t0))
				bytes[c] += int64(n)
				if err != nil {
					if errs[c]++; firstErr[c] == "" {
						firstErr[c] = err.Error()
					}
				}
			}
		})
	}
	wg.Wait()
	s := &sample{clients: clients, elapsed: time.Since(start), cpu: cpuTime() - cpu0}
	close(done)
	s.mem = <-stopMem
	for c := range clients {
		s.lat = append(s.lat, lats[c]...)
		s.errs += errs[c]
		s.bytes += bytes[c]
		if s.firstErr == "" {
			s.firstErr = firstErr[c]
		}
	}
	s.n = len(s.lat)
	slices.Sort(s.lat)
	return s
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuPerRequest is the process's CPU time per request.
func (s *sample) cpuPerRequest() time.Duration {
	if s.n == 0 {
		return 0
	}
	return s.cpu / time.Duration(s.n)
}

// memPeak is the largest memory the process showed during a workload.
type memPeak struct {
	HeapInuse, Sys, RSS uint64
}

func (m memPeak) max(o memPeak) memPeak {
	return memPeak{HeapInuse: max(m.HeapInuse, o.HeapInuse), Sys: max(m.Sys, o.Sys), RSS: max(m.RSS, o.RSS)}
}

func sampleMemory(done <-chan struct{}, out chan<- memPeak) {
	var peak memPeak
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	read := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = peak.max(memPeak{HeapInuse: ms.HeapInuse, Sys: ms.Sys, RSS: procStatus("VmRSS")})
	}
	read()
	for {
		select {
		case <-t.C:
			read()
		case <-done:
			read()
			out <- peak
			return
		}
	}
}

// procStatus reads a kB figure of /proc/self/status, in bytes (0 where
// there is no /proc).
func procStatus(field string) uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			v, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return v * 1024
		}
	}
	return 0
}
