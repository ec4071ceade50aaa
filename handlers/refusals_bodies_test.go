package handlers_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"atelier/internal/apitest"
	"atelier/models"
)

// Refused request bodies: malformed, too large, or holding text that
// cannot be stored.

// TestMalformedBodies sends bodies that are not JSON objects, or whose
// values have the wrong JSON type, to every route that reads one: 400
// bad_request, nothing stored.
func TestMalformedBodies(t *testing.T) {
	t.Parallel()
	env, w, g := newGuarded(t)
	admin, mgr := w.Admin.Token, w.Manager.Token
	member, booked := memberWithBooking(t, env, w, "Bea Body")

	// The body of approve and cancel is optional, but one that is sent must
	// still be a JSON object.
	routes := []struct {
		method, path, token string
	}{
		{"POST", "/api/v1/bookings", member.Token},
		{"POST", "/api/v1/sites", admin},
		{"PATCH", fmt.Sprintf("/api/v1/sites/%d", w.SiteID), admin},
		{"POST", "/api/v1/zones", mgr},
		{"PATCH", fmt.Sprintf("/api/v1/zones/%d", w.ZoneID), mgr},
		{"POST", "/api/v1/resources", mgr},
		{"PATCH", fmt.Sprintf("/api/v1/resources/%d", w.Machine), mgr},
		{"POST", fmt.Sprintf("/api/v1/resources/%d/closures", w.Machine), mgr},
		{"POST", "/api/v1/members", mgr},
		{"PATCH", fmt.Sprintf("/api/v1/members/%d", member.ID), admin},
		{"POST", fmt.Sprintf("/api/v1/members/%d/certifications", member.ID), mgr},
		{"PATCH", "/api/v1/me", member.Token},
		{"POST", fmt.Sprintf("/api/v1/bookings/%d/reject", booked), mgr},
		{"POST", fmt.Sprintf("/api/v1/bookings/%d/approve", booked), mgr},
		{"POST", fmt.Sprintf("/api/v1/bookings/%d/cancel", booked), member.Token},
		{"POST", "/api/v1/auth/login", ""},
	}
	bodies := map[string]string{
		"truncated object":      `{"name": "x"`,
		"open brace":            `{`,
		"trailing comma":        `{"name": "x",}`,
		"single quotes":         `{'name': 'x'}`,
		"bare word":             `hello`,
		"unquoted key":          `{name: "x"}`,
		"an array":              `[]`,
		"an array of an object": `[{"name": "x"}]`,
		"a number":              `42`,
		"a string":              `"name"`,
		"a boolean":             `true`,
		"null":                  `null`,
		"two objects":           `{} {}`,
		"trailing garbage":      `{"reason": "x"} xyz`,
		"trailing bracket":      `{"reason": "x"}]`,
		"byte order mark":       "\ufeff{}",
		"deeply nested":         `{"note": ` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`,
		"NaN":                   `{"quantity": NaN}`,
		"comment":               `{/* hi */}`,
	}
	for _, rt := range routes {
		for name, body := range bodies {
			t.Run(rt.method+" "+rt.path+" "+name, func(t *testing.T) {
				g.refuse(t, 400, "bad_request", rt.method, rt.path, rt.token, body)
			})
		}
		if strings.HasSuffix(rt.path, "/approve") || strings.HasSuffix(rt.path, "/cancel") {
			continue // their body is optional: no body is fine
		}
		t.Run(rt.method+" "+rt.path+" empty body", func(t *testing.T) {
			switch {
			case strings.HasSuffix(rt.path, "/reject"):
				// Without a body, reject lacks its required reason.
				wantFields(t, g.refuse(t, 422, "validation", rt.method, rt.path, rt.token, ""), "reason")
			default:
				g.refuse(t, 400, "bad_request", rt.method, rt.path, rt.token, "")
			}
		})
	}

	// Wrong JSON types, field by field.
	types := []struct {
		method, path, token, body, field string
	}{
		{"POST", "/api/v1/bookings", member.Token, `{"resource_id": "1"}`, "resource_id"},
		{"POST", "/api/v1/bookings", member.Token, `{"resource_id": 1.5}`, "resource_id"},
		{"POST", "/api/v1/bookings", member.Token, `{"resource_id": true}`, "resource_id"},
		{"POST", "/api/v1/bookings", member.Token, `{"resource_id": 99999999999999999999}`, "resource_id"},
		{"POST", "/api/v1/bookings", member.Token, `{"resource_id": 1e400}`, "resource_id"},
		{"POST", "/api/v1/bookings", member.Token, `{"start": 20270105}`, "start"},
		{"POST", "/api/v1/bookings", member.Token, `{"end": ["2027-01-05T11:00:00+01:00"]}`, "end"},
		{"POST", "/api/v1/bookings", member.Token, `{"quantity": "2"}`, "quantity"},
		{"POST", "/api/v1/bookings", member.Token, `{"quantity": 1.5}`, "quantity"},
		{"POST", "/api/v1/bookings", member.Token, `{"quantity": 9223372036854775808}`, "quantity"},
		{"POST", "/api/v1/bookings", member.Token, `{"note": {"text": "hi"}}`, "note"},
		{"POST", "/api/v1/bookings", member.Token, `{"member_id": "me"}`, "member_id"},
		{"POST", "/api/v1/sites", admin, `{"name": 7}`, "name"},
		{"POST", "/api/v1/sites", admin, `{"floor_area_m2": "100"}`, "floor_area_m2"},
		{"POST", "/api/v1/sites", admin, `{"floor_area_m2": 1e400}`, "floor_area_m2"},
		{"POST", "/api/v1/sites", admin, `{"timezone": ["Europe/Brussels"]}`, "timezone"},
		{"POST", "/api/v1/sites", admin, `{"opening_hours": {"days": [1]}}`, "opening_hours"},
		{"POST", "/api/v1/sites", admin, `{"opening_hours": [{"days": "1-5"}]}`, "opening_hours.days"},
		{"POST", "/api/v1/sites", admin, `{"opening_hours": [{"days": [1.5]}]}`, "opening_hours.days"},
		{"POST", "/api/v1/sites", admin, `{"quiet_hours": [{"from": 22}]}`, "quiet_hours.from"},
		{"POST", "/api/v1/zones", mgr, `{"site_id": "1"}`, "site_id"},
		{"POST", "/api/v1/zones", mgr, `{"area_m2": "fifty"}`, "area_m2"},
		{"POST", "/api/v1/zones", mgr, `{"use": 1}`, "use"},
		{"POST", "/api/v1/resources", mgr, `{"capacity": "1"}`, "capacity"},
		{"POST", "/api/v1/resources", mgr, `{"requires_approval": "yes"}`, "requires_approval"},
		{"POST", "/api/v1/resources", mgr, `{"requires_certification": 1}`, "requires_certification"},
		{"POST", "/api/v1/resources", mgr, `{"zone_id": 1.5}`, "zone_id"},
		{"PATCH", fmt.Sprintf("/api/v1/resources/%d", w.Machine), mgr, `{"slot_minutes": "30"}`, "slot_minutes"},
		{"POST", "/api/v1/members", mgr, `{"email": 1}`, "email"},
		{"POST", "/api/v1/members", mgr, `{"role": ["admin"]}`, "role"},
		{"PATCH", fmt.Sprintf("/api/v1/members/%d", member.ID), admin, `{"active": "no"}`, "active"},
		{"POST", fmt.Sprintf("/api/v1/resources/%d/closures", w.Machine), mgr, `{"reason": false}`, "reason"},
		{"POST", fmt.Sprintf("/api/v1/members/%d/certifications", member.ID), mgr, `{"resource_id": "1"}`, "resource_id"},
		{"POST", fmt.Sprintf("/api/v1/bookings/%d/reject", booked), mgr, `{"reason": 1}`, "reason"},
		{"POST", "/api/v1/auth/login", "", `{"email": 1, "password": 2}`, "email"},
	}
	for _, c := range types {
		t.Run("type "+c.method+" "+c.path+" "+c.body, func(t *testing.T) {
			e := g.refuse(t, 400, "bad_request", c.method, c.path, c.token, c.body)
			if e.Details["field"] != c.field {
				t.Fatalf("details.field = %v, want %s", e.Details["field"], c.field)
			}
		})
	}

	var b struct{ Status string }
	env.Must(t, 200, "GET", fmt.Sprintf("/api/v1/bookings/%d", booked), admin, nil).Decode(t, &b)
	if b.Status != "approved" {
		t.Fatalf("a refused decision changed the booking: %s", b.Status)
	}
}

// TestPayloadTooLarge sends bodies over 1 MiB, with and without a
// Content-Length: 413 payload_too_large, nothing stored. A body of exactly
// 1 MiB is still read.
func TestPayloadTooLarge(t *testing.T) {
	t.Parallel()
	env, w, g := newGuarded(t)
	member := env.NewUser(t, models.RoleMember, "Hugo Huge")
	const MiB = 1 << 20

	// padded returns a valid booking body of exactly size bytes.
	padded := func(size int, day int) string {
		b, _ := json.Marshal(bookingBody(w.Machine, day, 10, 0, day, 11, 0))
		return string(b[:len(b)-1]) + strings.Repeat(" ", size-len(b)) + "}"
	}
	huge := `{"name": "` + strings.Repeat("a", 2*MiB) + `"}`

	for _, chunked := range []bool{false, true} {
		name := "with Content-Length"
		if chunked {
			name = "chunked"
		}
		t.Run(name, func(t *testing.T) {
			send := func(t *testing.T, method, path, token, body string) {
				req := apitest.Request(method, path, token, body)
				if chunked {
					req.ContentLength = -1
				}
				g.refuseReq(t, 413, "payload_too_large", req)
			}
			t.Run("booking 1 MiB + 1", func(t *testing.T) { send(t, "POST", "/api/v1/bookings", member.Token, padded(MiB+1, 5)) })
			t.Run("booking 2 MiB note", func(t *testing.T) {
				send(t, "POST", "/api/v1/bookings", member.Token, `{"note": "`+strings.Repeat("n", 2*MiB)+`"}`)
			})
			t.Run("site", func(t *testing.T) { send(t, "POST", "/api/v1/sites", w.Admin.Token, huge) })
			t.Run("member", func(t *testing.T) { send(t, "POST", "/api/v1/members", w.Manager.Token, huge) })
			t.Run("reject", func(t *testing.T) {
				send(t, "POST", "/api/v1/bookings/1/reject", w.Manager.Token, `{"reason": "`+strings.Repeat("r", 2*MiB)+`"}`)
			})
			if !chunked {
				// Without a length, the server cannot know the size before
				// it reads: signing in, then the first bad byte, come first.
				t.Run("anonymous", func(t *testing.T) { send(t, "POST", "/api/v1/bookings", "", huge) })
				t.Run("garbage", func(t *testing.T) { send(t, "POST", "/api/v1/bookings", member.Token, strings.Repeat("x", MiB+1)) })
			}
			t.Run("whitespace after the object", func(t *testing.T) {
				send(t, "POST", "/api/v1/bookings", member.Token, `{"note": "x"}`+strings.Repeat(" ", MiB))
			})
		})
	}

	for i, size := range []int{MiB, MiB - 1, 1_000_001} {
		t.Run(fmt.Sprintf("%d bytes is read", size), func(t *testing.T) {
			r := env.Do("POST", "/api/v1/bookings", member.Token, padded(size, 5+i))
			if r.Code != 201 {
				t.Fatalf("a body of %d bytes (not over 1 MiB): want 201, got %d %.300s", size, r.Code, r.Body)
			}
		})
	}
}

// TestTextThatCannotBeStored sends texts with a NUL character, which
// PostgreSQL cannot store in a text column: a validation error on every
// database, never a 500, and nothing stored.
func TestTextThatCannotBeStored(t *testing.T) {
	t.Parallel()
	env, w, g := newGuarded(t)
	admin, mgr := w.Admin.Token, w.Manager.Token
	member, pending := memberWithBooking(t, env, w, "Nul Member")
	nul := "a\x00b"
	cases := []struct {
		name, method, path, token string
		body                      map[string]any
		field                     string
	}{
		{"site name", "POST", "/api/v1/sites", admin, map[string]any{"name": nul, "floor_area_m2": 10}, "name"},
		{"patch site name", "PATCH", fmt.Sprintf("/api/v1/sites/%d", w.SiteID), admin, map[string]any{"name": nul}, "name"},
		{"zone name", "POST", "/api/v1/zones", mgr, map[string]any{"site_id": w.SiteID, "name": nul, "use": "storage", "area_m2": 10}, "name"},
		{"resource name", "POST", "/api/v1/resources", mgr, map[string]any{"zone_id": w.ZoneID, "name": nul, "kind": "machine"}, "name"},
		{"member name", "POST", "/api/v1/members", mgr, map[string]any{"email": "nul@atelier.test", "name": nul, "password": "long enough secret"}, "name"},
		{"member email", "POST", "/api/v1/members", mgr, map[string]any{"email": "n\x00l@atelier.test", "name": "Nul", "password": "long enough secret"}, "email"},
		{"booking note", "POST", "/api/v1/bookings", member.Token, with(bookingBody(w.Machine, 6, 10, 0, 6, 11, 0), "note", nul), "note"},
		{"closure reason", "POST", fmt.Sprintf("/api/v1/resources/%d/closures", w.Space), mgr, map[string]any{"start": jan(6, 8, 0), "end": jan(6, 9, 0), "reason": nul}, "reason"},
		{"cancel reason", "POST", fmt.Sprintf("/api/v1/bookings/%d/cancel", pending), member.Token, map[string]any{"reason": nul}, "reason"},
		{"time zone", "POST", "/api/v1/sites", admin, map[string]any{"name": "Tz", "floor_area_m2": 10, "timezone": "Europe/Brus\x00sels"}, "timezone"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantFields(t, g.refuse(t, 422, "validation", c.method, c.path, c.token, c.body), c.field)
		})
	}
}

// TestClosureWithLongReason closes a resource with a reason of the
// largest allowed length over a booking: the booking is cancelled with it,
// on every database.
func TestClosureWithLongReason(t *testing.T) {
	t.Parallel()
	env, w, member := apitest.NewWithMember(t, "Rita Reason")
	env.Must(t, 201, "POST", "/api/v1/bookings", member.Token, bookingBody(w.Machine, 5, 10, 0, 5, 11, 0))
	reason := strings.Repeat("é", 2000)
	r := env.Must(t, 201, "POST", fmt.Sprintf("/api/v1/resources/%d/closures", w.Machine), w.Manager.Token, map[string]any{
		"start": jan(5, 8, 0), "end": jan(5, 20, 0), "reason": reason})
	var out struct {
		Cancelled []struct{ Status, Reason string }
	}
	r.Decode(t, &out)
	if len(out.Cancelled) != 1 || out.Cancelled[0].Status != "cancelled" {
		t.Fatalf("the closure did not cancel the booking: %+v", out)
	}
	got := out.Cancelled[0].Reason
	if !strings.HasPrefix(got, "Closed: éé") || utf8.RuneCountInString(got) != 2000 {
		t.Fatalf("the booking's reason is %d characters, %.20q...: want the closure's, cut to 2000", utf8.RuneCountInString(got), got)
	}
}
