package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"atelier/bench/dataset"
)

// measure runs every workload and its limit, filling rep.
func measure(ctx context.Context, cfg config, w *world, srv *server, rep *report, out io.Writer) error {
	d := cfg.Duration
	plain := make([]*client, cfg.Clients)
	for c := range plain {
		plain[c] = newClient(srv.base, false)
		defer plain[c].close()
	}
	progress := func(s *sample) {
		fmt.Fprintf(out, "  %-40s %7d requests %5d errors %8.0f/s  p50 %7.2f ms  p99 %7.2f ms  CPU %.3f ms/req\n",
			s.name, s.n, s.errs, s.rate(), ms(s.quantile(0.5)), ms(s.quantile(0.99)), float64(s.cpuPerRequest().Microseconds())/1000)
		if s.firstErr != "" {
			fmt.Fprintf(out, "    first error: %s\n", s.firstErr)
		}
	}
	fmt.Fprintln(out, "measuring:")

	if cfg.wants("create") {
		// Creation and the raw insert limit alternate in one-second rounds:
		// a shared disk's sync rate drifts, and both must see the same one.
		create := &sample{name: "create booking (POST)", limit: "raw insert", clients: cfg.Clients}
		raw := &sample{name: "raw single-row insert tx", limit: "(limit)", clients: cfg.Clients}
		var slot, rawSeq atomic.Int64
		createOp := func(ctx context.Context, c int, _ int64) (int, error) {
			res, at, err := w.creationSlot(slot.Add(1) - 1)
			if err != nil {
				return 0, err
			}
			body, _ := json.Marshal(map[string]any{"resource_id": res, "start": at.Format(time.RFC3339),
				"end": at.Add(time.Hour).Format(time.RFC3339)})
			b, err := plain[c].do(ctx, "POST", "/api/v1/bookings", w.creatorTokens[c], body, 201)
			return len(b), err
		}
		rawOp := func(ctx context.Context, _ int, _ int64) (int, error) {
			at := w.rawFrom.Add(time.Duration(rawSeq.Add(1)) * time.Hour)
			return 0, dataset.InsertOne(ctx, w.limitDB, w.dialect, w.rawResource, w.rawMember, at)
		}
		rounds := max(1, int(d/time.Second))
		for range rounds {
			create.merge(drive(ctx, cfg.Clients, d/time.Duration(rounds), max(1, cfg.MaxCount-create.n), createOp))
			raw.merge(drive(ctx, cfg.Clients, d/time.Duration(rounds), max(1, cfg.MaxCount-raw.n), rawOp))
		}
		progress(create)
		progress(raw)
		rep.create, rep.raw = create, raw
	}

	reads := []struct {
		name string
		fn   op
		rot  bool
	}{
		{"availability (resource-week)", w.availabilityOp(plain), false},
		{"availability (one machine-week, again)", w.sameWeekOp(plain), false},
		{"member's booking list", func(ctx context.Context, c int, _ int64) (int, error) {
			b, err := plain[c].do(ctx, "GET", "/api/v1/bookings", w.typicalTokens[c], nil, 200)
			return len(b), err
		}, false},
		{"member feed, ~2,000 events", w.feedOp(srv.base, cfg.Clients, w.heavyFeeds), true},
		{"member feed, typical", w.feedOp(srv.base, cfg.Clients, w.typicalFeeds), true},
	}
	keys := []string{"availability", "availability-same", "list", "feed", "feed-typical"}
	for k, r := range reads {
		if !cfg.wants(keys[k]) {
			continue
		}
		// Alone first (the service time), then under the full load.
		one := drive(ctx, 1, min(d/4, 3*time.Second), 500, r.fn)
		one.name, one.limit = r.name+", 1 client", "bare"
		s := drive(ctx, cfg.Clients, d, cfg.MaxCount, r.fn)
		s.name, s.limit = r.name, "bare"
		progress(one)
		progress(s)
		rep.reads = append(rep.reads, one, s)
	}
	if cfg.wants("feed") && len(w.heavyFeeds) > 0 {
		n, size, err := w.countEvents(ctx, srv.base, w.heavyFeeds[0])
		if err != nil {
			return err
		}
		rep.feedEvents, rep.feedBytes = n, size
	}
	if cfg.wants("feed-typical") && len(w.typicalFeeds) > 0 {
		n, _, err := w.countEvents(ctx, srv.base, w.typicalFeeds[0])
		if err != nil {
			return err
		}
		rep.typicalEvents = n
	}

	if cfg.wants("bare") {
		bare, err := startBare()
		if err != nil {
			return err
		}
		defer bare.Close()
		bc := make([]*client, cfg.Clients)
		for c := range bc {
			bc[c] = newClient(bare.base, false)
			defer bc[c].close()
		}
		s := drive(ctx, cfg.Clients, d, cfg.MaxCount, func(ctx context.Context, c int, _ int64) (int, error) {
			b, err := bc[c].do(ctx, "GET", "/", "", nil, 200)
			return len(b), err
		})
		s.name, s.limit = "bare net/http JSON handler", "(limit)"
		progress(s)
		rep.bare = s
	}
	rep.hwm = procStatus("VmHWM")
	return nil
}

// availabilityOp asks for a random resource's week within the history.
func (w *world) availabilityOp(plain []*client) op {
	weeks := int(w.To.Sub(w.From).Hours() / (24 * 7))
	return func(ctx context.Context, c int, i int64) (int, error) {
		r := rand.New(rand.NewPCG(uint64(c), uint64(i)))
		res := w.resources[r.IntN(len(w.resources))]
		day := w.From.Add(time.Duration(r.IntN(weeks)) * 7 * 24 * time.Hour).In(w.loc)
		day = day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
		from := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, w.loc)
		to := from.AddDate(0, 0, 7)
		path := fmt.Sprintf("/api/v1/resources/%d/availability?from=%s&to=%s", res,
			url.QueryEscape(from.Format(time.RFC3339)), url.QueryEscape(to.Format(time.RFC3339)))
		b, err := plain[c].do(ctx, "GET", path, w.typicalTokens[c], nil, 200)
		return len(b), err
	}
}

// sameWeekOp asks for one machine's week in the middle of the history,
// again and again: the week a booking screen shows, which every member
// looking at that machine asks for. After the first answer it comes from
// the cache until a write touches the machine.
func (w *world) sameWeekOp(plain []*client) op {
	day := w.From.Add(w.To.Sub(w.From) / 2).In(w.loc)
	day = day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	from := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, w.loc)
	path := fmt.Sprintf("/api/v1/resources/%d/availability?from=%s&to=%s", w.resources[0],
		url.QueryEscape(from.Format(time.RFC3339)), url.QueryEscape(from.AddDate(0, 0, 7).Format(time.RFC3339)))
	return func(ctx context.Context, c int, _ int64) (int, error) {
		b, err := plain[c].do(ctx, "GET", path, w.typicalTokens[c], nil, 200)
		return len(b), err
	}
}

// feedOp fetches feeds as calendar clients do: without a cookie or a
// token, each household from its own address. The server allows one
// address a burst of 60 feeds then one a second, so a client moves to a
// fresh loopback address every 50 requests.
func (w *world) feedOp(base string, clients int, feeds []string) op {
	cs := make([]*client, clients)
	counts := make([]int, clients)
	return func(ctx context.Context, c int, _ int64) (int, error) {
		if counts[c]%50 == 0 {
			if cs[c] != nil {
				cs[c].close()
			}
			cs[c] = newClient(base, true)
		}
		counts[c]++
		b, err := cs[c].do(ctx, "GET", feeds[c], "", nil, 200)
		return len(b), err
	}
}

func (w *world) countEvents(ctx context.Context, base, path string) (int, int, error) {
	c := newClient(base, true)
	defer c.close()
	b, err := c.do(ctx, "GET", path, "", nil, 200)
	if err != nil {
		return 0, 0, err
	}
	return strings.Count(string(b), "BEGIN:VEVENT"), len(b), nil
}

// startBare serves the smallest JSON answer net/http can give: the
// ceiling of any handler on this machine under the same clients.
func startBare() (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"status": "ok"})
	})
	s := &server{base: "http://" + ln.Addr().String(), srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}}
	go s.srv.Serve(ln)
	return s, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
