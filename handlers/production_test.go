package handlers_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"atelier/internal/apitest"
	"atelier/internal/apitest/testclock"
	"atelier/models"
)

// TestAuditEntries checks that each decision writes its audit entry, with
// who did it, and that only admins read the log.
func TestAuditEntries(t *testing.T) {
	env, w, m := apitest.NewWithMember(t, "Member")
	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/resources/%d", w.Machine), w.Manager.Token, map[string]any{"requires_approval": true})
	b1 := env.Must(t, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 5, 9, 0), apitest.At(2027, 1, 5, 10, 0))).ID()
	b2 := env.Must(t, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 5, 10, 0), apitest.At(2027, 1, 5, 11, 0))).ID()
	b3 := env.Must(t, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 6, 10, 0), apitest.At(2027, 1, 6, 11, 0))).ID()

	steps := []struct {
		method, path, token string
		body                any
		action              string
		actor               int64
		subject             int64
	}{
		{"POST", fmt.Sprintf("/api/v1/bookings/%d/approve", b1), w.Manager.Token, nil, "booking.approve", 0, b1},
		{"POST", fmt.Sprintf("/api/v1/bookings/%d/reject", b2), w.Manager.Token, map[string]string{"reason": "Entretien"}, "booking.reject", 0, b2},
		{"POST", fmt.Sprintf("/api/v1/bookings/%d/cancel", b3), m.Token, nil, "booking.cancel", m.ID, b3},
		{"POST", fmt.Sprintf("/api/v1/members/%d/certifications", m.ID), w.Manager.Token, map[string]any{"resource_id": w.Machine}, "certification.grant", 0, m.ID},
		{"DELETE", fmt.Sprintf("/api/v1/members/%d/certifications/%d", m.ID, w.Machine), w.Manager.Token, nil, "certification.revoke", 0, m.ID},
		{"PATCH", fmt.Sprintf("/api/v1/members/%d", m.ID), w.Admin.Token, map[string]string{"role": "manager"}, "member.role", w.Admin.ID, m.ID},
		{"POST", fmt.Sprintf("/api/v1/resources/%d/closures", w.Space), w.Manager.Token,
			map[string]string{"start": apitest.At(2027, 2, 1, 8, 0), "end": apitest.At(2027, 2, 2, 8, 0), "reason": "Peinture du sol"}, "closure.create", 0, 0},
	}
	managerID := func() int64 {
		var me struct{ ID int64 }
		env.Must(t, 200, "GET", "/api/v1/me", w.Manager.Token, nil).Decode(t, &me)
		return me.ID
	}()
	for _, s := range steps {
		r := env.Do(s.method, s.path, s.token, s.body)
		if r.Code >= 300 {
			t.Fatalf("%s %s: %s", s.method, s.path, r)
		}
		var log struct {
			Entries []struct {
				ActorID     int64           `json:"actor_id"`
				Action      string          `json:"action"`
				SubjectID   int64           `json:"subject_id"`
				SubjectType string          `json:"subject_type"`
				Details     json.RawMessage `json:"details"`
			} `json:"entries"`
		}
		env.Must(t, 200, "GET", "/api/v1/audit?limit=1", w.Admin.Token, nil).Decode(t, &log)
		if len(log.Entries) != 1 {
			t.Fatalf("after %s: no audit entry", s.action)
		}
		e := log.Entries[0]
		actor := s.actor
		if actor == 0 {
			actor = managerID
		}
		if e.Action != s.action || e.ActorID != actor || (s.subject != 0 && e.SubjectID != s.subject) {
			t.Fatalf("after %s: the newest entry is %+v, want action %s by %d on %d", s.action, e, s.action, actor, s.subject)
		}
	}
	env.Must(t, 403, "GET", "/api/v1/audit", w.Manager.Token, nil)
	env.Must(t, 403, "GET", "/api/v1/audit", m.Token, nil)
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

// TestTokensExpire: a token stops working after its lifetime.
func TestTokensExpire(t *testing.T) {
	env := apitest.New(t)
	m := env.NewUser(t, models.RoleMember, "Member")
	env.Must(t, 200, "GET", "/api/v1/me", m.Token, nil)
	env.Clock.Set(testclock.Start.Add(models.TokenLifetime - time.Minute))
	env.Must(t, 200, "GET", "/api/v1/me", m.Token, nil)
	env.Clock.Set(testclock.Start.Add(models.TokenLifetime + time.Minute))
	if r := env.Do("GET", "/api/v1/me", m.Token, nil); r.Code != 401 || r.ErrorCode() != "unauthorized" {
		t.Fatalf("an expired token: want 401, got %s", r)
	}
}

// TestFeedRateLimit: one address polling feeds far faster than a calendar
// client would is told to slow down, in the contract's shape.
func TestFeedRateLimit(t *testing.T) {
	env := apitest.New(t)
	codes := map[int]int{}
	var last *apitest.Response
	for i := 0; i < 80; i++ {
		last = env.Do("GET", "/calendar/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.ics", "", nil)
		codes[last.Code]++
	}
	if codes[404] < 50 || codes[429] == 0 {
		t.Fatalf("80 quick feed requests from one address: got %v, want about 60 404s then 429s", codes)
	}
	if last.ErrorCode() != "rate_limited" || last.Header.Get("Retry-After") == "" {
		t.Fatalf("the limited answer: %s %v", last, last.Header)
	}
}

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

// TestLastAdminStays: the only admin cannot demote or deactivate
// themselves, and a host changes their own password only with the current
// one.
func TestLastAdminStays(t *testing.T) {
	env := apitest.New(t)
	admin := env.NewUser(t, models.RoleAdmin, "Only Admin")
	path := fmt.Sprintf("/api/v1/members/%d", admin.ID)
	for _, body := range []map[string]any{{"role": "manager"}, {"active": false}} {
		if r := env.Do("PATCH", path, admin.Token, body); r.Code != 409 || r.ErrorCode() != "conflict" {
			t.Fatalf("the last admin %v: want 409 conflict, got %s", body, r)
		}
	}
	if r := env.Do("PATCH", path, admin.Token, map[string]any{"password": "a brand new passphrase"}); r.Code != 422 {
		t.Fatalf("own password through /members: want 422, got %s", r)
	}
	env.Must(t, 200, "GET", "/api/v1/me", admin.Token, nil)
	second := env.NewUser(t, models.RoleAdmin, "Second Admin")
	env.Must(t, 200, "PATCH", path, second.Token, map[string]any{"role": "manager"})
}
