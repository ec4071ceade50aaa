package handlers

import (
	"atelier/models"
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are one server's Prometheus collectors, in a registry of its
// own (no global state, so tests can run several servers).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	created  *prometheus.CounterVec
	refused  *prometheus.CounterVec
}

func newMetrics(db *models.DB) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "atelier_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "atelier_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"method", "route"}),
		created: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "atelier_bookings_created_total", Help: "Bookings created, by initial status.",
		}, []string{"status"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "atelier_bookings_refused_total", Help: "Booking requests refused, by error code.",
		}, []string{"code"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.created, m.refused,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "atelier_pending_approvals", Help: "Booking requests waiting for a host's decision.",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			n, err := db.CountPending(ctx)
			if err != nil {
				return -1
			}
			return float64(n)
		}),
		&countsCollector{
			desc: prometheus.NewDesc("atelier_notifications", "Notifications stored, by kind (all servers).", []string{"kind"}, nil),
			keys: []string{models.KindApprovalRequested, models.KindBookingApproved, models.KindBookingRejected,
				models.KindBookingCancelled, models.KindWaitlistBooked, models.KindBookingReminder},
			read: db.NotificationCounts,
		},
		&countsCollector{
			desc: prometheus.NewDesc("atelier_outbox_messages", "Notification emails by state: pending (waiting or between retries), sending, sent, failed.", []string{"status"}, nil),
			keys: []string{models.OutboxPending, models.OutboxSending, models.OutboxSent, models.OutboxFailed},
			read: db.OutboxCounts,
		},
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "atelier_db_connections_open", Help: "Open connections of the database write pool.",
		}, func() float64 { open, _ := db.PoolStats(); return float64(open) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "atelier_db_connections_in_use", Help: "Connections of the database write pool in use.",
		}, func() float64 { _, inUse := db.PoolStats(); return float64(inUse) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "atelier_write_batches_total", Help: "SQLite group commit: write transactions run, each carrying one or more requests.",
		}, func() float64 { b, _, _ := db.WriteBatches(); return float64(b) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "atelier_write_requests_total", Help: "SQLite group commit: write requests carried by those transactions.",
		}, func() float64 { _, r, _ := db.WriteBatches(); return float64(r) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "atelier_write_requests_waiting", Help: "SQLite group commit: write requests waiting for the writer.",
		}, func() float64 { _, _, w := db.WriteBatches(); return float64(w) }),
	)
	return m
}

// countsCollector reports a count per key, read from the database at
// scrape time (so every server tells the same figures), every key always
// present so that a series never vanishes.
type countsCollector struct {
	desc *prometheus.Desc
	keys []string
	read func(context.Context) (map[string]int64, error)
}

func (c *countsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *countsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	n, err := c.read(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for _, k := range c.keys {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n[k]), k)
	}
}

// middleware counts every request by its route pattern (never the raw
// path, whose ids would explode the label space).
func (m *metrics) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err) // render now, so the status is known
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		method := methodLabel(c.Request().Method)
		m.requests.WithLabelValues(method, route, strconv.Itoa(c.Response().Status)).Inc()
		m.latency.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
		return nil
	}
}

// methodLabel returns the request's method when it is one HTTP defines, and
// "OTHER" otherwise: a label value a client can choose would create a new
// series, kept for good, for every made-up method.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "OTHER"
}

func (m *metrics) handler() echo.HandlerFunc {
	return echo.WrapHandler(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
}
