package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// report gathers the figures of a run.
type report struct {
	cfg                   config
	dialect               string
	bookings              int
	create, raw, bare     *sample
	reads                 []*sample
	feedEvents, feedBytes int
	typicalEvents         int
	hwm                   uint64
}

func (r *report) print(out io.Writer) {
	fmt.Fprintf(out, "\nresults on %s (%d clients, %s per workload; ratios are to the limit measured in this run)\n",
		r.dialect, r.cfg.Clients, r.cfg.Duration)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\tclients\trequests\terrors\treq/s\tp50 ms\tp99 ms\tCPU ms/req\tlimit\tratio\t")
	row := func(s *sample, limit *sample) {
		if s == nil {
			return
		}
		ratio := "-"
		if limit != nil && limit.rate() > 0 && s != limit {
			ratio = fmt.Sprintf("%.2f", s.rate()/limit.rate())
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.0f\t%.2f\t%.2f\t%.3f\t%s\t%s\t\n", s.name, s.clients, s.n, s.errs, s.rate(),
			ms(s.quantile(0.5)), ms(s.quantile(0.99)), float64(s.cpuPerRequest().Microseconds())/1000, s.limit, ratio)
	}
	row(r.create, r.raw)
	row(r.raw, nil)
	for _, s := range r.reads {
		row(s, r.bare)
	}
	row(r.bare, nil)
	tw.Flush()

	fmt.Fprintln(out, "\nmemory of the process (server and clients) at its peak during each workload")
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\tHeapInuse MiB\tSys MiB\tRSS MiB\t")
	for _, s := range append([]*sample{r.create, r.raw}, append(r.reads, r.bare)...) {
		if s != nil {
			fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t\n", s.name, mib(s.mem.HeapInuse), mib(s.mem.Sys), mib(s.mem.RSS))
		}
	}
	tw.Flush()
	fmt.Fprintf(out, "machine at the end: %s\n", loadAverage())
	fmt.Fprintf(out, "peak RSS of the measuring process (VmHWM; the bulk load ran in a child process): %.1f MiB\n", mib(r.hwm))

	fmt.Fprintln(out, "\ntargets")
	if r.create != nil && r.raw != nil && r.raw.rate() > 0 {
		ratio := r.create.rate() / r.raw.rate()
		fmt.Fprintf(out, "  creation at half the raw insert rate or more: %.0f/s of %.0f/s = %.2f  %s\n",
			r.create.rate(), r.raw.rate(), ratio, verdict(ratio >= 0.5))
	}
	for _, s := range r.reads {
		switch {
		case strings.HasPrefix(s.name, "availability"):
			fmt.Fprintf(out, "  availability p99 under 5 ms (%s, %d bookings): %.2f ms  %s\n", clientsOf(s), r.bookings,
				ms(s.quantile(0.99)), verdict(s.quantile(0.99) < 5*time.Millisecond))
		case strings.HasPrefix(s.name, "member feed, ~2,000"):
			fmt.Fprintf(out, "  feed of %d events (%d KiB) under 20 ms (%s): p50 %.2f ms, p99 %.2f ms  %s\n", r.feedEvents,
				r.feedBytes/1024, clientsOf(s), ms(s.quantile(0.5)), ms(s.quantile(0.99)), verdict(s.quantile(0.99) < 20*time.Millisecond))
		}
	}
	if r.typicalEvents > 0 {
		fmt.Fprintf(out, "  (a typical member's feed holds %d events)\n", r.typicalEvents)
	}
}

func clientsOf(s *sample) string {
	if s.clients == 1 {
		return "1 client"
	}
	return fmt.Sprintf("%d clients", s.clients)
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// machine describes where the run happens.
func machine() string {
	model, mem := "?", "?"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
		f.Close()
	}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
				mem = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return fmt.Sprintf("machine: %d CPUs (%s), memory %s, Linux %s, %s/%s, %s", runtime.NumCPU(), model, mem,
		strings.TrimSpace(string(kernel)), runtime.GOOS, runtime.GOARCH, loadAverage())
}

// loadAverage tells how busy the machine is with other work: figures
// taken on a shared machine move with it.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "load average unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "load average unknown"
	}
	return "load average " + strings.Join(f[:3], " ")
}

// explain prints the database's plans of the queries the workloads run.
func (w *world) explain(ctx context.Context, out io.Writer) error {
	week := time.Date(w.Now.Year()-1, w.Now.Month(), 1, 0, 0, 0, 0, w.loc)
	week = week.AddDate(0, 0, -((int(week.Weekday()) + 6) % 7))
	end := week.AddDate(0, 0, 7)
	since := w.Now.Add(-90 * 24 * time.Hour)
	const maxBooking = 31 * 24 * time.Hour
	queries := []struct {
		what string
		sql  string
		args []any
	}{
		{"busy time of a resource-week (models.busyAndClosed, availability and creation)",
			"SELECT `start_at`,`busy_until`,`quantity` FROM `bookings` WHERE resource_id = ? AND start_at < ? AND start_at >= ? AND busy_until > ? AND status IN (?,?)",
			[]any{w.resources[1], end.UTC(), week.UTC().Add(-maxBooking - 24*time.Hour), week.UTC(), "pending", "approved"}},
		{"a member's feed (models.FeedBookings)",
			"SELECT bookings.id, bookings.resource_id, bookings.member_id, bookings.start_at, bookings.end_at, bookings.quantity, bookings.status, bookings.note, bookings.reason, bookings.sequence, bookings.created_at, bookings.updated_at, resources.name, users.name, zones.name, sites.name, sites.timezone FROM `bookings` JOIN resources ON resources.id = bookings.resource_id JOIN zones ON zones.id = resources.zone_id JOIN sites ON sites.id = zones.site_id JOIN users ON users.id = bookings.member_id WHERE bookings.end_at > ? AND bookings.start_at >= ? AND bookings.member_id = ? ORDER BY bookings.start_at, bookings.id",
			[]any{since, since.Add(-maxBooking), w.heavy[0]}},
		{"a member's booking list, count (models.ListBookings)",
			"SELECT count(*) FROM `bookings` WHERE bookings.member_id = ?",
			[]any{w.typical[0]}},
		{"a member's booking list, page (models.ListBookings)",
			"SELECT bookings.*, resources.name AS resource_name, users.name AS member_name, zones.name AS zone_name, sites.name AS site_name, sites.timezone AS timezone FROM `bookings` JOIN resources ON resources.id = bookings.resource_id JOIN zones ON zones.id = resources.zone_id JOIN sites ON sites.id = zones.site_id JOIN users ON users.id = bookings.member_id WHERE bookings.member_id = ? ORDER BY bookings.start_at, bookings.id LIMIT 100",
			[]any{w.typical[0]}},
	}
	fmt.Fprintln(out, "query plans:")
	for _, q := range queries {
		text, prefix := q.sql, "EXPLAIN QUERY PLAN "
		if w.dialect == "postgres" {
			text, prefix = pgText(text), "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
		}
		rows, err := w.limitDB.QueryContext(ctx, prefix+text, q.args...)
		if err != nil {
			return fmt.Errorf("explain %s: %w", q.what, err)
		}
		fmt.Fprintf(out, "  %s:\n", q.what)
		cols, _ := rows.Columns()
		err = eachRow(rows, func(rows *sql.Rows) error {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			fmt.Fprintf(out, "    %v\n", vals[len(vals)-1])
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// pgText turns gorm's SQLite text into its PostgreSQL text.
func pgText(s string) string {
	var sb strings.Builder
	n := 0
	for _, r := range s {
		switch r {
		case '`':
			sb.WriteByte('"')
		case '?':
			n++
			fmt.Fprintf(&sb, "$%d", n)
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}
