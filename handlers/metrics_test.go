package handlers_test

import (
	"strings"
	"testing"

	"atelier/internal/apitest"
)

// TestMetrics: the Prometheus endpoint counts requests by route and
// bookings created and refused by code.
func TestMetrics(t *testing.T) {
	env, w, m := apitest.NewWithMember(t, "Member")
	env.Must(t, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 5, 9, 0), apitest.At(2027, 1, 5, 10, 0)))
	env.Must(t, 409, "POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 5, 9, 0), apitest.At(2027, 1, 5, 10, 0)))
	env.Must(t, 422, "POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 5, 21, 0), apitest.At(2027, 1, 5, 22, 0)))
	body := string(env.Must(t, 200, "GET", "/metrics", "", nil).Body)
	for _, want := range []string{
		`atelier_bookings_created_total{status="approved"} 1`,
		`atelier_bookings_refused_total{code="conflict"} 1`,
		`atelier_bookings_refused_total{code="outside_opening_hours"} 1`,
		`atelier_http_requests_total{method="POST",route="/api/v1/bookings",status="201"} 1`,
		`atelier_http_requests_total{method="POST",route="/api/v1/bookings",status="409"} 1`,
		`atelier_http_request_duration_seconds_bucket{method="POST",route="/api/v1/bookings"`,
		`atelier_pending_approvals 0`,
		`atelier_db_connections_open`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
