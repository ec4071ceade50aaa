// Command bench measures Atelier against the limits of the machine it runs
// on, in one run: it builds a city-sized workshop cluster (5 sites, 200
// resources, 2,000 members, up to a million bookings over three years, in
// every state), starts the real server on a loopback port, drives it with
// concurrent HTTP clients for a bounded time per workload, and compares
// each figure with a limit measured in the same run: the raw single-row
// insert transaction of the same database with the same durability, and a
// bare net/http JSON handler under the same client load.
//
//	go run ./bench -db /tmp/bench.db [-bookings 1000000] [-duration 10s] [-clients 16]
//	go run ./bench -db 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
//
// A SQLite path must not exist yet (or give -reuse to measure a file an
// earlier run built); a PostgreSQL URL gets a fresh schema, dropped at the
// end unless -keep. The dataset is built by a child process, so that the
// bulk load's page cache does not count in the server's memory. Traffic
// goes to 127.0.0.0/8 only, and every workload is bounded in time and
// count.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// config is the run's settings, from flags.
type config struct {
	DB        string
	Bookings  int
	Members   int
	Duration  time.Duration
	Clients   int
	MaxCount  int
	Keep      bool
	Seed      uint64
	Workloads string
	Profile   string
	Reuse     bool
	BuildOnly bool
}

func parse(args []string, out io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&c.DB, "db", "", "a SQLite file path that does not exist yet, or a postgres:// URL (a fresh schema is made in it)")
	fs.IntVar(&c.Bookings, "bookings", 1_000_000, "bookings of history to build")
	fs.IntVar(&c.Members, "members", 2_000, "members to create")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "how long each workload runs")
	fs.IntVar(&c.Clients, "clients", 16, "concurrent HTTP clients")
	fs.IntVar(&c.MaxCount, "max-requests", 1_000_000, "upper bound of requests per workload")
	fs.BoolVar(&c.Keep, "keep", false, "keep the PostgreSQL schema afterwards")
	fs.Uint64Var(&c.Seed, "seed", 1, "seed of the generated history")
	fs.StringVar(&c.Workloads, "only", "", "comma-separated workloads to run (create,availability,availability-same,list,feed,feed-typical,bare); all when empty")
	fs.BoolVar(&c.Reuse, "reuse", false, "measure an existing SQLite file built by an earlier run instead of building one")
	fs.BoolVar(&c.BuildOnly, "build-only", false, "only build the dataset into -db as given (used by the bench itself, in a child process)")
	fs.StringVar(&c.Profile, "cpuprofile", "", "write a CPU profile of the measurements (not of the build) to this file")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case c.DB == "":
		return c, errors.New("-db is required: a SQLite file path or a postgres:// URL")
	case c.Clients < 1 || c.Clients > 256:
		return c, errors.New("-clients must be between 1 and 256")
	case c.Duration <= 0 || c.Duration > 10*time.Minute:
		return c, errors.New("-duration must be positive and at most 10m")
	case c.Bookings < 0 || c.Bookings > 5_000_000:
		return c, errors.New("-bookings must be between 0 and 5,000,000")
	case c.Members < heavyMembers+2*c.Clients+16:
		return c, fmt.Errorf("-members must be at least %d for %d clients", heavyMembers+2*c.Clients+16, c.Clients)
	}
	return c, nil
}

func (c config) wants(name string) bool {
	if c.Workloads == "" {
		return true
	}
	for _, w := range strings.Split(c.Workloads, ",") {
		if strings.TrimSpace(w) == name {
			return true
		}
	}
	return false
}

func run(ctx context.Context, args []string, out io.Writer) error {
	cfg, err := parse(args, out)
	if err != nil {
		return err
	}
	if cfg.BuildOnly {
		return buildInto(ctx, cfg, out)
	}
	fmt.Fprintf(out, "Atelier bench: %s, GOMAXPROCS %d, %d clients, %s per workload\n",
		runtime.Version(), runtime.GOMAXPROCS(0), cfg.Clients, cfg.Duration)
	fmt.Fprintln(out, machine())
	w, err := prepare(ctx, cfg, out)
	if err != nil {
		return err
	}
	defer w.Close()
	if err := w.explain(ctx, out); err != nil {
		return err
	}
	srv, err := startServer(w)
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := w.signIn(ctx, srv, cfg.Clients); err != nil {
		return err
	}
	rep := &report{cfg: cfg, dialect: string(w.dialect), bookings: w.bookings}
	if cfg.Profile != "" {
		f, err := os.Create(cfg.Profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if err := measure(ctx, cfg, w, srv, rep, out); err != nil {
		return err
	}
	rep.print(out)
	return nil
}
