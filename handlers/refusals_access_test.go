package handlers_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"atelier/internal/apitest"
	"atelier/internal/apitest/testclock"
	"atelier/models"
)

// Refusals of who asks: ids that do not exist or are not the caller's,
// missing or dead credentials, wrong sign-ins.

// TestNotFound asks for ids that do not exist, and for ids that are not
// ids at all: 404 not_found, nothing stored.
func TestNotFound(t *testing.T) {
	t.Parallel()
	env, w, g := newGuarded(t)
	admin, mgr := w.Admin.Token, w.Manager.Token
	member, mine := memberWithBooking(t, env, w, "Nina Member")
	other := env.NewUser(t, models.RoleMember, "Omar Other")
	clo := env.Must(t, 201, "POST", fmt.Sprintf("/api/v1/resources/%d/closures", w.Machine), mgr, map[string]any{
		"start": jan(9, 8, 0), "end": jan(9, 20, 0), "reason": "Inventory"})
	var cl struct{ Closure struct{ ID int64 } }
	clo.Decode(t, &cl)
	avail := "/availability?from=" + strings.ReplaceAll(jan(5, 0, 0), "+", "%2B") + "&to=" + strings.ReplaceAll(jan(6, 0, 0), "+", "%2B")
	closure := map[string]any{"start": jan(6, 8, 0), "end": jan(6, 12, 0), "reason": "Blade change"}

	type req struct {
		method, path, token string
		body                any
	}
	var cases []req
	for _, id := range []string{"987654", "abc", "0", "-1", "1.5", "1e3", "99999999999999999999", "%20", "1;DROP"} {
		cases = append(cases,
			req{"GET", "/api/v1/sites/" + id, admin, nil},
			req{"PATCH", "/api/v1/sites/" + id, admin, map[string]any{"name": "Renamed"}},
			req{"GET", "/api/v1/zones/" + id, admin, nil},
			req{"PATCH", "/api/v1/zones/" + id, mgr, map[string]any{"name": "Renamed"}},
			req{"GET", "/api/v1/resources/" + id, admin, nil},
			req{"PATCH", "/api/v1/resources/" + id, mgr, map[string]any{"name": "Renamed"}},
			req{"GET", "/api/v1/resources/" + id + avail, member.Token, nil},
			req{"GET", "/api/v1/resources/" + id + "/closures", member.Token, nil},
			req{"POST", "/api/v1/resources/" + id + "/closures", mgr, closure},
			req{"DELETE", fmt.Sprintf("/api/v1/resources/%d/closures/%s", w.Machine, id), mgr, nil},
			req{"DELETE", fmt.Sprintf("/api/v1/resources/%s/closures/%d", id, cl.Closure.ID), mgr, nil},
			req{"GET", "/api/v1/members/" + id, mgr, nil},
			req{"PATCH", "/api/v1/members/" + id, admin, map[string]any{"name": "Renamed"}},
			req{"GET", "/api/v1/members/" + id + "/certifications", mgr, nil},
			req{"POST", "/api/v1/members/" + id + "/certifications", mgr, map[string]any{"resource_id": w.Machine}},
			req{"DELETE", fmt.Sprintf("/api/v1/members/%d/certifications/%s", member.ID, id), mgr, nil},
			req{"DELETE", fmt.Sprintf("/api/v1/members/%s/certifications/%d", id, w.Machine), mgr, nil},
			req{"GET", "/api/v1/bookings/" + id, admin, nil},
			req{"POST", "/api/v1/bookings/" + id + "/approve", mgr, nil},
			req{"POST", "/api/v1/bookings/" + id + "/reject", mgr, map[string]any{"reason": "No"}},
			req{"POST", "/api/v1/bookings/" + id + "/cancel", mgr, nil},
			req{"POST", "/api/v1/bookings/" + id + "/cancel", member.Token, nil},
		)
	}
	cases = append(cases,
		// Something that exists but is not the caller's is as if it did not.
		req{"GET", fmt.Sprintf("/api/v1/bookings/%d", mine), other.Token, nil},
		req{"POST", fmt.Sprintf("/api/v1/bookings/%d/cancel", mine), other.Token, nil},
		// A certification that was never granted.
		req{"DELETE", fmt.Sprintf("/api/v1/members/%d/certifications/%d", member.ID, w.Machine), mgr, nil},
		// A closure of another resource.
		req{"DELETE", fmt.Sprintf("/api/v1/resources/%d/closures/%d", w.Space, cl.Closure.ID), mgr, nil},
		// Routes that do not exist.
		req{"GET", "/api/v1/nothing", admin, nil},
		req{"POST", "/api/v1/bookings/1/destroy", admin, nil},
		req{"GET", "/api/v2/bookings", admin, nil},
	)
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			g.refuse(t, 404, "not_found", c.method, c.path, c.token, c.body)
		})
	}
}

// TestUnauthorized calls routes without a token, with a malformed one, a
// made-up one, a revoked one and an expired one: 401, nothing stored.
func TestUnauthorized(t *testing.T) {
	t.Parallel()
	env, w, g := newGuarded(t)
	gone := env.NewUser(t, models.RoleManager, "Gone Manager")
	env.Must(t, 204, "POST", "/api/v1/auth/logout", gone.Token, nil)

	routes := []struct {
		method, path string
		body         any
	}{
		{"GET", "/api/v1/me", nil},
		{"POST", "/api/v1/auth/logout", nil},
		{"GET", "/api/v1/sites", nil},
		{"POST", "/api/v1/sites", map[string]any{"name": "Pirate", "floor_area_m2": 10}},
		{"POST", "/api/v1/zones", map[string]any{"site_id": w.SiteID, "name": "Pirate", "use": "storage", "area_m2": 10}},
		{"PATCH", fmt.Sprintf("/api/v1/resources/%d", w.Machine), map[string]any{"name": "Pirate"}},
		{"POST", "/api/v1/members", map[string]any{"email": "pirate@atelier.test", "name": "Pirate", "password": "long enough secret"}},
		{"GET", "/api/v1/members", nil},
		{"POST", "/api/v1/bookings", bookingBody(w.Machine, 5, 10, 0, 5, 11, 0)},
		{"GET", "/api/v1/bookings", nil},
		{"POST", "/api/v1/bookings/1/approve", nil},
		{"POST", fmt.Sprintf("/api/v1/resources/%d/closures", w.Machine), map[string]any{"start": jan(6, 8, 0), "end": jan(6, 9, 0), "reason": "x"}},
	}
	auths := map[string]string{
		"no header":      "",
		"made-up token":  "Bearer not-a-token",
		"empty bearer":   "Bearer ",
		"bearer only":    "Bearer",
		"basic auth":     "Basic YWRtaW46YWRtaW4=",
		"revoked token":  "Bearer " + gone.Token,
		"token in clear": gone.Token,
	}
	for _, rt := range routes {
		for name, h := range auths {
			t.Run(rt.method+" "+rt.path+" "+name, func(t *testing.T) {
				req := apitest.Request(rt.method, rt.path, "", rt.body)
				if h != "" {
					req.Header.Set("Authorization", h)
				}
				g.refuseReq(t, 401, "unauthorized", req)
			})
		}
	}

	t.Run("a session cookie that is not one", func(t *testing.T) {
		req := apitest.Request("GET", "/api/v1/me", "", nil)
		req.AddCookie(&http.Cookie{Name: "atelier_session", Value: "forged"})
		g.refuseReq(t, 401, "unauthorized", req)
	})

	t.Run("an expired token", func(t *testing.T) {
		u := env.NewUser(t, models.RoleMember, "Old Member")
		t.Cleanup(func() { env.Clock.Set(testclock.Start) })
		env.Clock.Set(testclock.Start.Add(models.TokenLifetime + time.Minute))
		r := env.Do("POST", "/api/v1/bookings", u.Token, apitest.Slot(w.Machine, apitest.At(2027, 2, 10, 10, 0), apitest.At(2027, 2, 10, 11, 0)))
		expect(t, r, 401, "unauthorized")
		env.Clock.Set(testclock.Start)
		var list struct{ Total int64 }
		env.Must(t, 200, "GET", "/api/v1/bookings", w.Admin.Token, nil).Decode(t, &list)
		if list.Total != 0 {
			t.Fatalf("an expired token booked")
		}
	})
}

// TestLoginRefusals: every wrong pair is the same 401, whatever the email
// looks like.
func TestLoginRefusals(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	u := env.NewUser(t, models.RoleMember, "Lou Login")
	bodies := map[string]any{
		"wrong password":       map[string]any{"email": u.Email, "password": "wrong password!"},
		"unknown email":        map[string]any{"email": "nobody@atelier.test", "password": apitest.Password},
		"no password":          map[string]any{"email": u.Email},
		"empty object":         map[string]any{},
		"password over 1 KiB":  map[string]any{"email": u.Email, "password": strings.Repeat("p", 1025)},
		"email over 254 bytes": map[string]any{"email": strings.Repeat("e", 300) + "@atelier.test", "password": "whatever123"},
		"NUL in the email":     map[string]any{"email": "a\x00b@atelier.test", "password": "whatever123"},
	}
	var first string
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			r := env.Do("POST", "/api/v1/auth/login", "", body)
			e := expect(t, r, 401, "unauthorized")
			if name == "wrong password" || name == "unknown email" {
				if first == "" {
					first = e.Message
				} else if e.Message != first {
					t.Fatalf("an unknown email and a wrong password answer differently: %q, %q", first, e.Message)
				}
			}
		})
	}
}
