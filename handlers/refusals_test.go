package handlers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"atelier/internal/apitest"
	"atelier/models"
)

// This file holds every refusal the API can give, each asserted by status,
// error code and the contract's error shape, with a check that the refused
// request stored nothing.

// leakMarkers are fragments of SQL, driver errors and Go stack traces that
// must never reach a client. The first group is matched as written (SQL
// keywords are upper case), the second ignoring case.
var (
	leakMarkersExact = []string{"SELECT", "INSERT", "UPDATE ", "DELETE FROM", " WHERE ", "SQLSTATE"}
	leakMarkersFold  = []string{"sqlite", "pq:", "pgx", "pgconn", "gorm", "goroutine", ".go:", "runtime error", "panic:", "database/sql"}
)

// leaks returns the first internal marker found in body, ignoring markers
// that the client itself sent (an error may quote a bad value back).
func leaks(body []byte, sent string) string {
	lower, sentLower := strings.ToLower(string(body)), strings.ToLower(sent)
	for _, m := range leakMarkersExact {
		if strings.Contains(string(body), m) && !strings.Contains(sent, m) {
			return m
		}
	}
	for _, m := range leakMarkersFold {
		if strings.Contains(lower, m) && !strings.Contains(sentLower, m) {
			return m
		}
	}
	return ""
}

func assertNoLeak(t testing.TB, r *apitest.Response) {
	t.Helper()
	if m := leaks(r.Body, ""); m != "" {
		t.Fatalf("the response shows internals (%q): %s", m, r)
	}
}

// apiError is the contract's error object.
type apiError struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details"`
}

// shapeError returns why body is not the contract's error shape
// {"error": {"code", "message", "details"?}}, or "" when it is.
func shapeError(body []byte) (apiError, string) {
	var e apiError
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return e, "not a JSON object: " + err.Error()
	}
	if len(top) != 1 || top["error"] == nil {
		return e, "want exactly one top-level key, error"
	}
	var inner map[string]json.RawMessage
	if err := json.Unmarshal(top["error"], &inner); err != nil {
		return e, "error is not an object"
	}
	for k := range inner {
		if k != "code" && k != "message" && k != "details" {
			return e, "unexpected key error." + k
		}
	}
	if d, ok := inner["details"]; ok && !bytes.HasPrefix(bytes.TrimSpace(d), []byte("{")) {
		return e, "error.details is not an object"
	}
	dec := json.NewDecoder(bytes.NewReader(top["error"]))
	if err := dec.Decode(&e); err != nil {
		return e, "error does not decode: " + err.Error()
	}
	if e.Code == "" || e.Message == "" {
		return e, "error.code and error.message must be non-empty strings"
	}
	return e, ""
}

// errorOf checks that r is an error in the contract's shape, served as
// JSON, with nothing internal in it, and returns it.
func errorOf(t testing.TB, r *apitest.Response) apiError {
	t.Helper()
	assertNoLeak(t, r)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("an error served as %q: %s", ct, r)
	}
	e, why := shapeError(r.Body)
	if why != "" {
		t.Fatalf("not the contract's error shape (%s): %s", why, r)
	}
	return e
}

// expect fails unless r is status with the error code, and returns the error.
func expect(t testing.TB, r *apitest.Response, status int, code string) apiError {
	t.Helper()
	if r.Code != status || r.ErrorCode() != code {
		t.Fatalf("want %d %s, got %s", status, code, r)
	}
	return errorOf(t, r)
}

// fields returns details.fields of a validation error.
func fields(t testing.TB, e apiError) map[string]any {
	t.Helper()
	f, ok := e.Details["fields"].(map[string]any)
	if !ok || len(f) == 0 {
		t.Fatalf("a validation error without details.fields: %+v", e)
	}
	for k, v := range f {
		if s, ok := v.(string); !ok || s == "" {
			t.Fatalf("details.fields.%s is not a message: %#v", k, v)
		}
	}
	return f
}

// wantFields fails unless every name is in details.fields.
func wantFields(t testing.TB, e apiError, names ...string) {
	t.Helper()
	if len(names) == 0 {
		return
	}
	f := fields(t, e)
	for _, n := range names {
		if _, ok := f[n]; !ok {
			t.Fatalf("details.fields lacks %q: %v", n, f)
		}
	}
}

// state reads, through the API, everything a refused request could have
// written: sites, zones, resources with their closures, members with their
// certifications, and bookings, byte for byte.
func state(t testing.TB, env *apitest.Env, admin string) string {
	t.Helper()
	var b strings.Builder
	get := func(path string) []byte {
		r := env.Do("GET", path, admin, nil)
		if r.Code != http.StatusOK {
			t.Fatalf("GET %s: %s", path, r)
		}
		fmt.Fprintf(&b, "%s %s\n", path, r.Body)
		return r.Body
	}
	get("/api/v1/sites")
	get("/api/v1/zones")
	var rs struct{ Resources []struct{ ID int64 } }
	json.Unmarshal(get("/api/v1/resources"), &rs)
	for _, r := range rs.Resources {
		get(fmt.Sprintf("/api/v1/resources/%d/closures", r.ID))
	}
	var ms struct{ Members []struct{ ID int64 } }
	json.Unmarshal(get("/api/v1/members?limit=1000"), &ms)
	for _, m := range ms.Members {
		get(fmt.Sprintf("/api/v1/members/%d/certifications", m.ID))
	}
	get("/api/v1/bookings?limit=1000")
	return b.String()
}

// firstDiff returns the first line that differs between two states.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return fmt.Sprintf("before: %.600s\nafter:  %.600s", al[i], bl[i])
		}
	}
	return fmt.Sprintf("%d lines before, %d after", len(al), len(bl))
}

// guard wraps an Env with an admin token to read the whole state.
type guard struct {
	env   *apitest.Env
	admin string
}

// refuse sends a request and fails unless it is refused with status and
// code in the contract's shape and leaves everything stored as it was.
func (g guard) refuse(t testing.TB, status int, code, method, path, token string, body any) apiError {
	t.Helper()
	return g.refuseReq(t, status, code, apitest.Request(method, path, token, body))
}

func (g guard) refuseReq(t testing.TB, status int, code string, req *http.Request) apiError {
	t.Helper()
	before := state(t, g.env, g.admin)
	r := g.env.Serve(req)
	if r.Code != status || r.ErrorCode() != code {
		t.Fatalf("%s %s: want %d %s, got %s", req.Method, req.URL, status, code, r)
	}
	e := errorOf(t, r)
	if after := state(t, g.env, g.admin); after != before {
		t.Fatalf("%s %s was refused but changed what is stored:\n%s", req.Method, req.URL, firstDiff(before, after))
	}
	return e
}

// jan returns an RFC 3339 string for a Brussels wall-clock time in January 2027.
func jan(day, hour, min int) string { return apitest.At(2027, time.January, day, hour, min) }

// book is a booking body from day/hour/minute to day/hour/minute in January 2027.
func bookingBody(resource int64, d1, h1, m1, d2, h2, m2 int) map[string]any {
	return apitest.Slot(resource, jan(d1, h1, m1), jan(d2, h2, m2))
}

func with(body map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range body {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

var everyDay = []int{1, 2, 3, 4, 5, 6, 7}

// bookingWorld is the test workshop with a resource for every rule and the
// bookings and closures the rules need, on Monday 2027-01-04 07:00:
//
//   - Strict, a loud table saw needing a certification, bookable 30 days
//     ahead, in 30-minute slots, for 60 to 240 minutes, 3 hours a week;
//     Member holds 2 h of it on Tue 5 10:00-12:00, Other on Thu 7
//     10:00-12:00, and it is closed on Fri 8 08:00-20:00.
//   - Night, a loud planer on a second site open round the clock with quiet
//     hours 22:00-07:00, closed from Tue 5 12:00 to Wed 6 00:00.
//   - Kiln, a machine with a 30-minute buffer, held by Other Tue 5 10:00-11:00.
//   - The 100 m² space, 80 m² of it held by Other on Tue 5 10:00-12:00.
type bookingWorld struct {
	guard
	w                                 apitest.Workshop
	member, other, uncertified, lapse apitest.User
	strict, night, kiln               int64
}

func newBookingWorld(t *testing.T) *bookingWorld {
	t.Helper()
	env := apitest.New(t)
	w := env.NewWorkshop()
	bw := &bookingWorld{guard: guard{env, w.Admin.Token}, w: w,
		member: env.NewUser(models.RoleMember, "Mira Member"), other: env.NewUser(models.RoleMember, "Otto Other"),
		uncertified: env.NewUser(models.RoleMember, "Ugo Uncertified"), lapse: env.NewUser(models.RoleMember, "Lea Lapsed")}
	mgr := w.Manager.Token
	bw.strict = env.Must(201, "POST", "/api/v1/resources", mgr, map[string]any{
		"zone_id": w.ZoneID, "name": "Table saw", "kind": "machine", "nuisance": "loud",
		"requires_certification": true, "slot_minutes": 30, "min_minutes": 60, "max_minutes": 240,
		"max_hours_per_week": 3, "max_advance_days": 30}).ID()
	for _, u := range []apitest.User{bw.member, bw.other} {
		env.Must(201, "POST", fmt.Sprintf("/api/v1/members/%d/certifications", u.ID), mgr, map[string]any{"resource_id": bw.strict})
	}
	env.Must(201, "POST", fmt.Sprintf("/api/v1/members/%d/certifications", bw.lapse.ID), mgr,
		map[string]any{"resource_id": bw.strict, "expires_on": "2027-01-04"})

	nightSite := env.Must(201, "POST", "/api/v1/sites", w.Admin.Token, map[string]any{
		"name": "Night hall", "timezone": "Europe/Brussels", "floor_area_m2": 200,
		"opening_hours": []map[string]any{{"days": everyDay, "from": "00:00", "to": "24:00"}},
		"quiet_hours":   []map[string]any{{"days": everyDay, "from": "22:00", "to": "07:00"}},
	}).ID()
	nightZone := env.Must(201, "POST", "/api/v1/zones", mgr, map[string]any{
		"site_id": nightSite, "name": "Hall", "use": "production", "area_m2": 150}).ID()
	bw.night = env.Must(201, "POST", "/api/v1/resources", mgr, map[string]any{
		"zone_id": nightZone, "name": "Planer", "kind": "machine", "slot_minutes": 30}).ID()
	env.Must(200, "PATCH", fmt.Sprintf("/api/v1/resources/%d", bw.night), mgr, map[string]any{"nuisance": "loud"})
	bw.kiln = env.Must(201, "POST", "/api/v1/resources", mgr, map[string]any{
		"zone_id": w.ZoneID, "name": "Kiln", "kind": "machine", "slot_minutes": 30, "buffer_minutes": 30}).ID()

	env.Must(201, "POST", "/api/v1/bookings", bw.member.Token, bookingBody(bw.strict, 5, 10, 0, 5, 12, 0))
	env.Must(201, "POST", "/api/v1/bookings", bw.other.Token, bookingBody(bw.strict, 7, 10, 0, 7, 12, 0))
	env.Must(201, "POST", "/api/v1/bookings", bw.other.Token, bookingBody(bw.kiln, 5, 10, 0, 5, 11, 0))
	env.Must(201, "POST", "/api/v1/bookings", bw.other.Token, with(bookingBody(w.Space, 5, 10, 0, 5, 12, 0), "quantity", 80))
	env.Must(201, "POST", fmt.Sprintf("/api/v1/resources/%d/closures", bw.strict), mgr, map[string]any{
		"start": jan(8, 8, 0), "end": jan(8, 20, 0), "reason": "Annual maintenance"})
	env.Must(201, "POST", fmt.Sprintf("/api/v1/resources/%d/closures", bw.night), mgr, map[string]any{
		"start": jan(5, 12, 0), "end": jan(6, 0, 0), "reason": "Floor sealing"})
	return bw
}

// bookingCase is one request to POST /api/v1/bookings and the refusal it must get.
type bookingCase struct {
	name   string
	token  string
	body   any
	status int
	code   string
	fields []string           // for validation: the fields named in details
	check  func(apiError) any // optional: returns a non-nil complaint
}

func (bw *bookingWorld) run(t *testing.T, cases []bookingCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := bw.refuse(t, c.status, c.code, "POST", "/api/v1/bookings", c.token, c.body)
			if c.code == "validation" {
				wantFields(t, e, c.fields...)
			}
			if c.check != nil {
				if complaint := c.check(e); complaint != nil {
					t.Fatalf("%v: %+v", complaint, e)
				}
			}
		})
	}
}

// TestBookingRefusals asserts every refusal of the contract's table, each
// alone, with its status, code and details.
func TestBookingRefusals(t *testing.T) {
	t.Parallel()
	bw := newBookingWorld(t)
	w, m := bw.w, bw.member.Token
	note := strings.Repeat("é", 2001)
	detail := func(key string, want any) func(apiError) any {
		return func(e apiError) any {
			if got := fmt.Sprint(e.Details[key]); got != fmt.Sprint(want) {
				return fmt.Sprintf("details.%s = %s, want %v", key, got, want)
			}
			return nil
		}
	}
	conflicts := func(ranges ...[2]string) func(apiError) any {
		return func(e apiError) any {
			list, ok := e.Details["conflicts"].([]any)
			if !ok || len(list) != len(ranges) {
				return fmt.Sprintf("want %d details.conflicts", len(ranges))
			}
			for i, want := range ranges {
				c, _ := list[i].(map[string]any)
				if c["start"] != want[0] || c["end"] != want[1] {
					return fmt.Sprintf("conflict %d is %v, want %v", i, c, want)
				}
			}
			return nil
		}
	}
	bw.run(t, []bookingCase{
		// validation: end not after start, quantity, unknown ids, bad times.
		{name: "end equals start", token: m, body: bookingBody(w.Machine, 5, 10, 0, 5, 10, 0), status: 422, code: "validation", fields: []string{"end"}},
		{name: "end before start", token: m, body: bookingBody(w.Machine, 5, 11, 0, 5, 10, 0), status: 422, code: "validation", fields: []string{"end"}},
		{name: "longer than 31 days", token: m, body: apitest.Slot(w.Machine, jan(5, 10, 0), apitest.At(2027, 2, 6, 10, 0)), status: 422, code: "validation", fields: []string{"end"}},
		{name: "quantity zero", token: m, body: with(bookingBody(w.Machine, 5, 10, 0, 5, 11, 0), "quantity", 0), status: 422, code: "validation", fields: []string{"quantity"}},
		{name: "quantity negative", token: m, body: with(bookingBody(w.Space, 5, 14, 0, 5, 15, 0), "quantity", -3), status: 422, code: "validation", fields: []string{"quantity"}},
		{name: "quantity over a space's capacity", token: m, body: with(bookingBody(w.Space, 5, 14, 0, 5, 15, 0), "quantity", 101), status: 422, code: "validation", fields: []string{"quantity"}},
		{name: "quantity 2 of a machine", token: m, body: with(bookingBody(w.Machine, 5, 10, 0, 5, 11, 0), "quantity", 2), status: 422, code: "validation", fields: []string{"quantity"}},
		{name: "resource does not exist", token: m, body: bookingBody(987654, 5, 10, 0, 5, 11, 0), status: 422, code: "validation", fields: []string{"resource_id"}},
		{name: "resource id zero", token: m, body: bookingBody(0, 5, 10, 0, 5, 11, 0), status: 422, code: "validation", fields: []string{"resource_id"}},
		{name: "resource id negative", token: m, body: bookingBody(-4, 5, 10, 0, 5, 11, 0), status: 422, code: "validation", fields: []string{"resource_id"}},
		{name: "resource id missing", token: m, body: map[string]any{"start": jan(5, 10, 0), "end": jan(5, 11, 0)}, status: 422, code: "validation", fields: []string{"resource_id"}},
		{name: "resource id null", token: m, body: with(bookingBody(w.Machine, 5, 10, 0, 5, 11, 0), "resource_id", json.RawMessage("null")), status: 422, code: "validation", fields: []string{"resource_id"}},
		{name: "start missing", token: m, body: map[string]any{"resource_id": w.Machine, "end": jan(5, 11, 0)}, status: 422, code: "validation", fields: []string{"start"}},
		{name: "end missing", token: m, body: map[string]any{"resource_id": w.Machine, "start": jan(5, 10, 0)}, status: 422, code: "validation", fields: []string{"end"}},
		{name: "empty body object", token: m, body: map[string]any{}, status: 422, code: "validation", fields: []string{"resource_id", "start", "end"}},
		{name: "start empty string", token: m, body: apitest.Slot(w.Machine, "", jan(5, 11, 0)), status: 422, code: "validation", fields: []string{"start"}},
		{name: "start without offset", token: m, body: apitest.Slot(w.Machine, "2027-01-05T10:00:00", jan(5, 11, 0)), status: 422, code: "validation", fields: []string{"start"}},
		{name: "start a date only", token: m, body: apitest.Slot(w.Machine, "2027-01-05", jan(5, 11, 0)), status: 422, code: "validation", fields: []string{"start"}},
		{name: "start in words", token: m, body: apitest.Slot(w.Machine, "tomorrow at ten", jan(5, 11, 0)), status: 422, code: "validation", fields: []string{"start"}},
		{name: "start with a space for T", token: m, body: apitest.Slot(w.Machine, "2027-01-05 10:00:00+01:00", jan(5, 11, 0)), status: 422, code: "validation", fields: []string{"start"}},
		{name: "start on 30 February", token: m, body: apitest.Slot(w.Machine, "2027-02-30T10:00:00+01:00", jan(5, 11, 0)), status: 422, code: "validation", fields: []string{"start"}},
		{name: "start at hour 25", token: m, body: apitest.Slot(w.Machine, "2027-01-05T25:00:00+01:00", jan(5, 11, 0)), status: 422, code: "validation", fields: []string{"start"}},
		{name: "start at a leap second", token: m, body: apitest.Slot(w.Machine, "2027-01-05T09:59:60+01:00", jan(5, 11, 0)), status: 422, code: "validation", fields: []string{"start"}},
		{name: "start before 2000", token: m, body: apitest.Slot(w.Machine, "1999-12-31T10:00:00+01:00", jan(5, 11, 0)), status: 422, code: "validation", fields: []string{"start"}},
		{name: "end after 2200", token: m, body: apitest.Slot(w.Machine, jan(5, 10, 0), "2201-01-05T11:00:00+01:00"), status: 422, code: "validation", fields: []string{"end"}},
		{name: "end garbage", token: m, body: apitest.Slot(w.Machine, jan(5, 10, 0), "11h"), status: 422, code: "validation", fields: []string{"end"}},
		{name: "both times bad", token: m, body: apitest.Slot(w.Machine, "x", "y"), status: 422, code: "validation", fields: []string{"start", "end"}},
		{name: "note over 2000 characters", token: m, body: with(bookingBody(w.Machine, 5, 10, 0, 5, 11, 0), "note", note), status: 422, code: "validation", fields: []string{"note"}},
		{name: "host books for a member who does not exist", token: w.Manager.Token, body: with(bookingBody(w.Machine, 5, 10, 0, 5, 11, 0), "member_id", 987654), status: 422, code: "validation", fields: []string{"member_id"}},
		{name: "member books for someone else", token: m, body: with(bookingBody(w.Machine, 5, 10, 0, 5, 11, 0), "member_id", bw.other.ID), status: 403, code: "forbidden"},

		{name: "certification_required", token: bw.uncertified.Token, body: bookingBody(bw.strict, 5, 14, 0, 5, 15, 0), status: 403, code: "certification_required", check: detail("resource_id", bw.strict)},
		{name: "certification_required: expired the day before", token: bw.lapse.Token, body: bookingBody(bw.strict, 5, 14, 0, 5, 15, 0), status: 403, code: "certification_required"},
		{name: "certification_required: even for a host", token: w.Manager.Token, body: bookingBody(bw.strict, 5, 14, 0, 5, 15, 0), status: 403, code: "certification_required"},

		{name: "in_the_past: yesterday", token: m, body: bookingBody(w.Machine, 3, 10, 0, 3, 11, 0), status: 422, code: "in_the_past"},
		{name: "in_the_past: started a minute ago", token: m, body: bookingBody(w.Machine, 4, 6, 59, 4, 9, 0), status: 422, code: "in_the_past"},
		{name: "in_the_past: even for a host", token: w.Manager.Token, body: bookingBody(w.Machine, 3, 10, 0, 3, 11, 0), status: 422, code: "in_the_past"},

		{name: "too_far_ahead", token: m, body: apitest.Slot(bw.strict, apitest.At(2027, 3, 2, 10, 0), apitest.At(2027, 3, 2, 11, 0)), status: 422, code: "too_far_ahead", check: detail("max_advance_days", 30)},
		{name: "too_far_ahead: one slot past the limit", token: m, body: apitest.Slot(bw.strict, apitest.At(2027, 2, 3, 8, 0), apitest.At(2027, 2, 3, 9, 0)), status: 422, code: "too_far_ahead"},

		{name: "not_aligned: start off the grid", token: m, body: bookingBody(w.Machine, 5, 10, 15, 5, 11, 0), status: 422, code: "not_aligned", check: detail("slot_minutes", 30)},
		{name: "not_aligned: end off the grid", token: m, body: bookingBody(w.Machine, 5, 10, 0, 5, 10, 45), status: 422, code: "not_aligned"},
		{name: "not_aligned: seconds", token: m, body: apitest.Slot(w.Machine, "2027-01-05T10:00:30+01:00", jan(5, 11, 0)), status: 422, code: "not_aligned"},
		{name: "not_aligned: fraction of a second on a gridless space", token: m, body: apitest.Slot(w.Space, "2027-01-05T14:00:00.5+01:00", jan(5, 15, 0)), status: 422, code: "not_aligned"},
		{name: "not_aligned: the grid is local wall-clock time", token: m, body: apitest.Slot(w.Machine, "2027-01-05T09:15:00Z", "2027-01-05T10:15:00Z"), status: 422, code: "not_aligned"},

		{name: "invalid_duration: too short", token: m, body: bookingBody(bw.strict, 5, 14, 0, 5, 14, 30), status: 422, code: "invalid_duration", check: detail("min_minutes", 60)},
		{name: "invalid_duration: too long", token: m, body: bookingBody(bw.strict, 6, 8, 0, 6, 12, 30), status: 422, code: "invalid_duration", check: detail("max_minutes", 240)},

		{name: "outside_opening_hours: runs past closing", token: m, body: bookingBody(w.Machine, 5, 19, 30, 5, 20, 30), status: 422, code: "outside_opening_hours"},
		{name: "outside_opening_hours: before opening", token: m, body: bookingBody(w.Machine, 5, 7, 0, 5, 8, 0), status: 422, code: "outside_opening_hours"},
		{name: "outside_opening_hours: across a night", token: m, body: bookingBody(w.Machine, 5, 19, 0, 6, 9, 0), status: 422, code: "outside_opening_hours"},

		{name: "quiet_hours: evening", token: m, body: bookingBody(bw.night, 6, 22, 0, 6, 23, 0), status: 422, code: "quiet_hours"},
		{name: "quiet_hours: window past midnight", token: m, body: bookingBody(bw.night, 6, 23, 30, 7, 0, 30), status: 422, code: "quiet_hours"},
		{name: "quiet_hours: last half hour of the night", token: m, body: bookingBody(bw.night, 7, 6, 30, 7, 7, 30), status: 422, code: "quiet_hours"},
		{name: "quiet_hours: even for a host", token: w.Manager.Token, body: bookingBody(bw.night, 6, 22, 0, 6, 23, 0), status: 422, code: "quiet_hours"},

		{name: "closed", token: m, body: bookingBody(bw.strict, 8, 14, 0, 8, 15, 0), status: 422, code: "closed",
			check: func(e apiError) any {
				if c, _ := e.Details["closure"].(map[string]any); c["reason"] != "Annual maintenance" {
					return "details.closure.reason is not the closure's reason"
				}
				return nil
			}},
		{name: "closed: overlapping its start", token: m, body: bookingBody(bw.night, 5, 11, 0, 5, 13, 0), status: 422, code: "closed"},
		{name: "closed: even for a host", token: w.Manager.Token, body: bookingBody(bw.night, 5, 13, 0, 5, 14, 0), status: 422, code: "closed"},

		{name: "quota_exceeded", token: m, body: bookingBody(bw.strict, 6, 10, 0, 6, 12, 0), status: 422, code: "quota_exceeded",
			check: func(e apiError) any {
				if e.Details["used_hours"] != 2.0 || e.Details["left_hours"] != 1.0 || e.Details["week"] != "2027-W01" {
					return "want used 2 h, left 1 h in 2027-W01"
				}
				return nil
			}},

		{name: "conflict: machine", token: m, body: bookingBody(bw.strict, 7, 10, 30, 7, 11, 30), status: 409, code: "conflict",
			check: conflicts([2]string{"2027-01-07T10:00:00+01:00", "2027-01-07T12:00:00+01:00"})},
		{name: "conflict: space over capacity", token: m, body: with(bookingBody(w.Space, 5, 11, 0, 5, 12, 0), "quantity", 30), status: 409, code: "conflict",
			check: conflicts([2]string{"2027-01-05T10:00:00+01:00", "2027-01-05T12:00:00+01:00"})},
		{name: "conflict: inside the buffer", token: m, body: bookingBody(bw.kiln, 5, 11, 0, 5, 11, 30), status: 409, code: "conflict",
			check: conflicts([2]string{"2027-01-05T10:00:00+01:00", "2027-01-05T11:30:00+01:00"})},
		{name: "conflict: even for a host", token: w.Manager.Token, body: bookingBody(bw.kiln, 5, 10, 30, 5, 11, 0), status: 409, code: "conflict"},
	})

	// The same world accepts what the rules allow: the refusals above are
	// not the world refusing everything.
	bw.env.Must(201, "POST", "/api/v1/bookings", m, bookingBody(bw.strict, 6, 10, 0, 6, 11, 0))
	bw.env.Must(201, "POST", "/api/v1/bookings", m, with(bookingBody(w.Space, 5, 11, 0, 5, 12, 0), "quantity", 20))
	bw.env.Must(201, "POST", "/api/v1/bookings", m, bookingBody(bw.kiln, 5, 11, 30, 5, 12, 0))
	bw.env.Must(201, "POST", "/api/v1/bookings", m, bookingBody(bw.night, 6, 20, 0, 6, 22, 0))
}

// TestBookingRefusalOrder breaks two rules at once for each neighbouring
// pair of the contract's table: the earlier rule answers. Each case is
// then repaired for the earlier rule only, and must get the later code,
// which proves it really broke both.
func TestBookingRefusalOrder(t *testing.T) {
	t.Parallel()
	bw := newBookingWorld(t)
	m, u := bw.member.Token, bw.uncertified.Token
	type side struct {
		token  string
		body   any
		status int
		code   string
	}
	cases := []struct {
		name          string
		both, laterOK side
	}{
		{"validation before certification_required",
			side{u, bookingBody(bw.strict, 5, 15, 0, 5, 14, 0), 422, "validation"},
			side{u, bookingBody(bw.strict, 5, 14, 0, 5, 15, 0), 403, "certification_required"}},
		{"validation (quantity) before certification_required",
			side{u, with(bookingBody(bw.strict, 5, 14, 0, 5, 15, 0), "quantity", 2), 422, "validation"},
			side{u, bookingBody(bw.strict, 5, 14, 0, 5, 15, 0), 403, "certification_required"}},
		{"certification_required before in_the_past",
			side{u, bookingBody(bw.strict, 3, 10, 0, 3, 11, 0), 403, "certification_required"},
			side{m, bookingBody(bw.strict, 3, 10, 0, 3, 11, 0), 422, "in_the_past"}},
		// in_the_past and too_far_ahead exclude each other (a start cannot
		// be both before now and far after it): in_the_past is checked
		// against the next rule that can apply with it.
		{"in_the_past before not_aligned",
			side{m, bookingBody(bw.strict, 3, 10, 10, 3, 11, 10), 422, "in_the_past"},
			side{m, bookingBody(bw.strict, 5, 14, 10, 5, 15, 10), 422, "not_aligned"}},
		{"too_far_ahead before not_aligned",
			side{m, apitest.Slot(bw.strict, apitest.At(2027, 3, 2, 10, 10), apitest.At(2027, 3, 2, 11, 10)), 422, "too_far_ahead"},
			side{m, bookingBody(bw.strict, 5, 14, 10, 5, 15, 10), 422, "not_aligned"}},
		{"not_aligned before invalid_duration",
			side{m, bookingBody(bw.strict, 5, 14, 10, 5, 14, 20), 422, "not_aligned"},
			side{m, bookingBody(bw.strict, 5, 14, 0, 5, 14, 30), 422, "invalid_duration"}},
		{"invalid_duration before outside_opening_hours",
			side{m, bookingBody(bw.strict, 5, 20, 0, 5, 20, 30), 422, "invalid_duration"},
			side{m, bookingBody(bw.strict, 5, 19, 30, 5, 20, 30), 422, "outside_opening_hours"}},
		{"outside_opening_hours before quiet_hours",
			side{m, bookingBody(bw.strict, 5, 21, 30, 5, 22, 30), 422, "outside_opening_hours"},
			side{m, bookingBody(bw.night, 6, 21, 30, 6, 22, 30), 422, "quiet_hours"}},
		{"quiet_hours before closed",
			side{m, bookingBody(bw.night, 5, 22, 0, 5, 23, 0), 422, "quiet_hours"},
			side{m, bookingBody(bw.night, 5, 13, 0, 5, 14, 0), 422, "closed"}},
		{"closed before quota_exceeded",
			side{m, bookingBody(bw.strict, 8, 10, 0, 8, 12, 0), 422, "closed"},
			side{m, bookingBody(bw.strict, 6, 10, 0, 6, 12, 0), 422, "quota_exceeded"}},
		{"quota_exceeded before conflict",
			side{m, bookingBody(bw.strict, 7, 10, 0, 7, 12, 0), 422, "quota_exceeded"},
			side{m, bookingBody(bw.strict, 7, 10, 30, 7, 11, 30), 409, "conflict"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bw.refuse(t, c.both.status, c.both.code, "POST", "/api/v1/bookings", c.both.token, c.both.body)
			bw.refuse(t, c.laterOK.status, c.laterOK.code, "POST", "/api/v1/bookings", c.laterOK.token, c.laterOK.body)
		})
	}
}

// workshopCase is one refused write to the workshop model or the members.
type workshopCase struct {
	name         string
	method, path string
	token        string
	body         any
	status       int
	code         string
	fields       []string
}

// TestWorkshopRefusals covers the refusals of sites, zones, resources,
// members, certifications, closures and the list filters.
func TestWorkshopRefusals(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.NewWorkshop()
	g := guard{env, w.Admin.Token}
	admin, mgr := w.Admin.Token, w.Manager.Token
	member := env.NewUser(models.RoleMember, "Mona Member")
	closet := env.Must(201, "POST", "/api/v1/zones", mgr, map[string]any{
		"site_id": w.SiteID, "name": "Closet", "use": "storage", "area_m2": 50}).ID()

	site := map[string]any{"name": "Annexe", "timezone": "Europe/Brussels", "floor_area_m2": 100,
		"opening_hours": []map[string]any{{"days": []int{1, 2, 3, 4, 5}, "from": "08:00", "to": "18:00"}},
		"quiet_hours":   []map[string]any{{"days": everyDay, "from": "22:00", "to": "07:00"}}}
	hours := func(field string, days any, from, to string) map[string]any {
		return with(site, field, []map[string]any{{"days": days, "from": from, "to": to}})
	}
	many := make([]map[string]any, 51)
	for i := range many {
		many[i] = map[string]any{"days": []int{1}, "from": "08:00", "to": "09:00"}
	}
	zone := map[string]any{"site_id": w.SiteID, "name": "Stock", "use": "storage", "area_m2": 50}
	machine := map[string]any{"zone_id": w.ZoneID, "name": "Drill press", "kind": "machine"}
	space := map[string]any{"zone_id": w.ZoneID, "name": "Bench row", "kind": "space", "capacity": 20, "unit": "m2"}
	person := map[string]any{"email": "new.member@atelier.test", "name": "New Member", "password": "long enough secret", "role": "member"}
	closure := map[string]any{"start": jan(6, 8, 0), "end": jan(6, 12, 0), "reason": "Blade change"}
	sitePath := fmt.Sprintf("/api/v1/sites/%d", w.SiteID)
	zonePath := fmt.Sprintf("/api/v1/zones/%d", w.ZoneID)
	machinePath := fmt.Sprintf("/api/v1/resources/%d", w.Machine)
	spacePath := fmt.Sprintf("/api/v1/resources/%d", w.Space)
	closures := machinePath + "/closures"
	certs := fmt.Sprintf("/api/v1/members/%d/certifications", member.ID)
	long := strings.Repeat("x", 201)

	v := func(name, method, path, token string, body any, fields ...string) workshopCase {
		return workshopCase{name, method, path, token, body, 422, "validation", fields}
	}
	cases := []workshopCase{
		// Sites.
		v("site: unknown time zone", "POST", "/api/v1/sites", admin, with(site, "timezone", "Mars/Olympus_Mons"), "timezone"),
		v("site: time zone Local", "POST", "/api/v1/sites", admin, with(site, "timezone", "Local"), "timezone"),
		v("site: time zone as a path", "POST", "/api/v1/sites", admin, with(site, "timezone", "../../etc/passwd"), "timezone"),
		v("site: time zone as an offset", "POST", "/api/v1/sites", admin, with(site, "timezone", "+01:00"), "timezone"),
		v("site: time zone with a double slash", "POST", "/api/v1/sites", admin, with(site, "timezone", "Europe//Brussels"), "timezone"),
		v("site: time zone with a dot segment", "POST", "/api/v1/sites", admin, with(site, "timezone", "Europe/./Brussels"), "timezone"),
		v("site: time zone over 64 characters", "POST", "/api/v1/sites", admin, with(site, "timezone", "Europe/"+strings.Repeat("./", 40)+"Brussels"), "timezone"),
		v("patch site: time zone over 64 characters", "PATCH", sitePath, admin, map[string]any{"timezone": "Europe" + strings.Repeat("/", 70) + "Brussels"}, "timezone"),
		v("site: no name", "POST", "/api/v1/sites", admin, with(site, "name", nil), "name"),
		v("site: blank name", "POST", "/api/v1/sites", admin, with(site, "name", "   "), "name"),
		v("site: name over 200 characters", "POST", "/api/v1/sites", admin, with(site, "name", long), "name"),
		v("site: no floor area", "POST", "/api/v1/sites", admin, with(site, "floor_area_m2", nil), "floor_area_m2"),
		v("site: negative floor area", "POST", "/api/v1/sites", admin, with(site, "floor_area_m2", -5), "floor_area_m2"),
		v("site: absurd floor area", "POST", "/api/v1/sites", admin, with(site, "floor_area_m2", 1e12), "floor_area_m2"),
		v("site: weekday 0", "POST", "/api/v1/sites", admin, hours("opening_hours", []int{0}, "08:00", "18:00"), "opening_hours[0]"),
		v("site: weekday 8", "POST", "/api/v1/sites", admin, hours("opening_hours", []int{1, 8}, "08:00", "18:00"), "opening_hours[0]"),
		v("site: no weekday", "POST", "/api/v1/sites", admin, hours("opening_hours", []int{}, "08:00", "18:00"), "opening_hours[0]"),
		v("site: days null", "POST", "/api/v1/sites", admin, hours("opening_hours", nil, "08:00", "18:00"), "opening_hours[0]"),
		v("site: hour 25", "POST", "/api/v1/sites", admin, hours("opening_hours", everyDay, "25:00", "18:00"), "opening_hours[0]"),
		v("site: minute 60", "POST", "/api/v1/sites", admin, hours("opening_hours", everyDay, "08:60", "18:00"), "opening_hours[0]"),
		v("site: H:MM", "POST", "/api/v1/sites", admin, hours("opening_hours", everyDay, "8:00", "18:00"), "opening_hours[0]"),
		v("site: not a time", "POST", "/api/v1/sites", admin, hours("opening_hours", everyDay, "noon", "18:00"), "opening_hours[0]"),
		v("site: signed hour", "POST", "/api/v1/sites", admin, hours("opening_hours", everyDay, "+8:00", "18:00"), "opening_hours[0]"),
		v("site: negative zero hour", "POST", "/api/v1/sites", admin, hours("opening_hours", everyDay, "-0:30", "18:00"), "opening_hours[0]"),
		v("site: space-padded hour", "POST", "/api/v1/sites", admin, hours("opening_hours", everyDay, " 8:00", "18:00"), "opening_hours[0]"),
		v("site: signed minute", "POST", "/api/v1/sites", admin, hours("quiet_hours", everyDay, "22:+5", "07:00"), "quiet_hours[0]"),
		v("site: to 24:01", "POST", "/api/v1/sites", admin, hours("opening_hours", everyDay, "08:00", "24:01"), "opening_hours[0]"),
		v("site: from 24:00", "POST", "/api/v1/sites", admin, hours("opening_hours", everyDay, "24:00", "08:00"), "opening_hours[0]"),
		v("site: empty window", "POST", "/api/v1/sites", admin, hours("opening_hours", everyDay, "10:00", "10:00"), "opening_hours[0]"),
		v("site: missing bounds", "POST", "/api/v1/sites", admin, with(site, "opening_hours", []map[string]any{{"days": everyDay}}), "opening_hours[0]"),
		v("site: 51 windows", "POST", "/api/v1/sites", admin, with(site, "opening_hours", many), "opening_hours"),
		v("site: bad quiet window", "POST", "/api/v1/sites", admin, hours("quiet_hours", everyDay, "22:00", "22:00"), "quiet_hours[0]"),
		v("site: second quiet window bad", "POST", "/api/v1/sites", admin, with(site, "quiet_hours", []map[string]any{
			{"days": everyDay, "from": "22:00", "to": "07:00"}, {"days": []int{9}, "from": "12:00", "to": "13:00"}}), "quiet_hours[1]"),
		v("site: several fields at once", "POST", "/api/v1/sites", admin, with(site, "name", "", "timezone", "Nowhere", "floor_area_m2", 0), "name", "timezone", "floor_area_m2"),
		v("patch site: unknown time zone", "PATCH", sitePath, admin, map[string]any{"timezone": "Europe/Atlantis"}, "timezone"),
		v("patch site: blank name", "PATCH", sitePath, admin, map[string]any{"name": ""}, "name"),
		v("patch site: bad opening hours", "PATCH", sitePath, admin, map[string]any{"opening_hours": []map[string]any{{"days": everyDay, "from": "18:00", "to": "18:00"}}}, "opening_hours[0]"),
		{"patch site: floor smaller than its zones", "PATCH", sitePath, admin, map[string]any{"floor_area_m2": 200}, 422, "floor_area_exceeded", nil},
		{"site: a manager may not create one", "POST", "/api/v1/sites", mgr, site, 403, "forbidden", nil},

		// Zones.
		v("zone: unknown use", "POST", "/api/v1/zones", mgr, with(zone, "use", "kitchen"), "use"),
		v("zone: use in capitals", "POST", "/api/v1/zones", mgr, with(zone, "use", "Storage"), "use"),
		v("zone: no use", "POST", "/api/v1/zones", mgr, with(zone, "use", nil), "use"),
		v("zone: no name", "POST", "/api/v1/zones", mgr, with(zone, "name", ""), "name"),
		v("zone: zero area", "POST", "/api/v1/zones", mgr, with(zone, "area_m2", 0), "area_m2"),
		v("zone: negative area", "POST", "/api/v1/zones", mgr, with(zone, "area_m2", -1), "area_m2"),
		v("zone: no site", "POST", "/api/v1/zones", mgr, with(zone, "site_id", nil), "site_id"),
		v("zone: site that does not exist", "POST", "/api/v1/zones", mgr, with(zone, "site_id", 987654), "site_id"),
		{"zone: floor_area_exceeded", "POST", "/api/v1/zones", mgr, with(zone, "area_m2", 150.5), 422, "floor_area_exceeded", nil},
		{"patch zone: floor_area_exceeded", "PATCH", zonePath, mgr, map[string]any{"area_m2": 451}, 422, "floor_area_exceeded", nil},
		v("patch zone: smaller than its space", "PATCH", zonePath, mgr, map[string]any{"area_m2": 99}, "area_m2"),
		v("patch zone: move to another site", "PATCH", zonePath, mgr, map[string]any{"site_id": w.SiteID}, "site_id"),
		v("patch zone: unknown use", "PATCH", zonePath, mgr, map[string]any{"use": "garden"}, "use"),
		{"zone: a member may not create one", "POST", "/api/v1/zones", member.Token, zone, 403, "forbidden", nil},

		// Resources.
		v("resource: unknown kind", "POST", "/api/v1/resources", mgr, with(machine, "kind", "robot"), "kind"),
		v("resource: no kind", "POST", "/api/v1/resources", mgr, with(machine, "kind", nil), "kind"),
		v("resource: unknown unit", "POST", "/api/v1/resources", mgr, with(space, "unit", "litre"), "unit"),
		v("resource: machine in m2", "POST", "/api/v1/resources", mgr, with(machine, "unit", "m2"), "unit"),
		v("resource: unknown nuisance", "POST", "/api/v1/resources", mgr, with(machine, "nuisance", "deafening"), "nuisance"),
		v("resource: machine capacity 2", "POST", "/api/v1/resources", mgr, with(machine, "capacity", 2), "capacity"),
		v("resource: machine capacity -1", "POST", "/api/v1/resources", mgr, with(machine, "capacity", -1), "capacity"),
		v("resource: space capacity 0", "POST", "/api/v1/resources", mgr, with(space, "capacity", 0), "capacity"),
		v("resource: m2 space larger than its zone", "POST", "/api/v1/resources", mgr, with(space, "capacity", 301), "capacity"),
		v("resource: negative min_minutes", "POST", "/api/v1/resources", mgr, with(machine, "min_minutes", -1), "min_minutes"),
		v("resource: max_minutes over 31 days", "POST", "/api/v1/resources", mgr, with(machine, "max_minutes", 44641), "max_minutes"),
		v("resource: min over max", "POST", "/api/v1/resources", mgr, with(machine, "min_minutes", 120, "max_minutes", 60), "max_minutes"),
		v("resource: slot over a day", "POST", "/api/v1/resources", mgr, with(machine, "slot_minutes", 1441), "slot_minutes"),
		v("resource: negative buffer", "POST", "/api/v1/resources", mgr, with(machine, "buffer_minutes", -5), "buffer_minutes"),
		v("resource: quota over a week", "POST", "/api/v1/resources", mgr, with(machine, "max_hours_per_week", 169), "max_hours_per_week"),
		v("resource: advance over ten years", "POST", "/api/v1/resources", mgr, with(machine, "max_advance_days", 3651), "max_advance_days"),
		v("resource: zone that does not exist", "POST", "/api/v1/resources", mgr, with(machine, "zone_id", 987654), "zone_id"),
		v("resource: no zone", "POST", "/api/v1/resources", mgr, with(machine, "zone_id", nil), "zone_id"),
		v("resource: no name", "POST", "/api/v1/resources", mgr, with(machine, "name", nil), "name"),
		v("patch resource: kind", "PATCH", machinePath, mgr, map[string]any{"kind": "space"}, "kind"),
		v("patch resource: machine capacity 2", "PATCH", machinePath, mgr, map[string]any{"capacity": 2}, "capacity"),
		v("patch resource: space larger than its zone", "PATCH", spacePath, mgr, map[string]any{"capacity": 301}, "capacity"),
		v("patch resource: space moved into a smaller zone", "PATCH", spacePath, mgr, map[string]any{"zone_id": closet}, "capacity"),
		v("patch resource: zone that does not exist", "PATCH", spacePath, mgr, map[string]any{"zone_id": 987654}, "zone_id"),
		v("patch resource: unknown nuisance", "PATCH", machinePath, mgr, map[string]any{"nuisance": "silent"}, "nuisance"),
		v("patch resource: min over max", "PATCH", machinePath, mgr, map[string]any{"min_minutes": 90, "max_minutes": 30}, "max_minutes"),

		// Members.
		v("member: not an email", "POST", "/api/v1/members", mgr, with(person, "email", "not-an-email"), "email"),
		v("member: display-name email", "POST", "/api/v1/members", mgr, with(person, "email", "New <new@atelier.test>"), "email"),
		v("member: no email", "POST", "/api/v1/members", mgr, with(person, "email", nil), "email"),
		v("member: short password", "POST", "/api/v1/members", mgr, with(person, "password", "short"), "password"),
		v("member: password over 256 bytes", "POST", "/api/v1/members", mgr, with(person, "password", strings.Repeat("p", 257)), "password"),
		v("member: unknown role", "POST", "/api/v1/members", admin, with(person, "role", "king"), "role"),
		v("member: unknown language", "POST", "/api/v1/members", mgr, with(person, "language", "de"), "language"),
		v("member: no name", "POST", "/api/v1/members", mgr, with(person, "name", " "), "name"),
		{"member: email already used", "POST", "/api/v1/members", mgr, with(person, "email", member.Email), 409, "conflict", nil},
		{"member: email already used, other case", "POST", "/api/v1/members", mgr, with(person, "email", strings.ToUpper(member.Email)), 409, "conflict", nil},
		{"member: email already used, with spaces", "POST", "/api/v1/members", admin, with(person, "email", " "+w.Manager.Email+" "), 409, "conflict", nil},
		{"member: a manager may not create a manager", "POST", "/api/v1/members", mgr, with(person, "role", "manager"), 403, "forbidden", nil},
		v("patch member: unknown language", "PATCH", fmt.Sprintf("/api/v1/members/%d", member.ID), mgr, map[string]any{"language": "xx"}, "language"),
		v("patch member: short password", "PATCH", fmt.Sprintf("/api/v1/members/%d", member.ID), admin, map[string]any{"password": "short"}, "password"),

		// Certifications.
		v("certify: resource that does not exist", "POST", certs, mgr, map[string]any{"resource_id": 987654}, "resource_id"),
		v("certify: no resource", "POST", certs, mgr, map[string]any{}, "resource_id"),
		v("certify: bad expiry", "POST", certs, mgr, map[string]any{"resource_id": w.Machine, "expires_on": "30/06/2027"}, "expires_on"),

		// Closures.
		v("closure: end before start", "POST", closures, mgr, with(closure, "end", jan(6, 7, 0)), "end"),
		v("closure: end equals start", "POST", closures, mgr, with(closure, "end", jan(6, 8, 0)), "end"),
		v("closure: over", "POST", closures, mgr, with(closure, "start", jan(1, 8, 0), "end", jan(2, 8, 0)), "end"),
		v("closure: longer than a year", "POST", closures, mgr, with(closure, "end", apitest.At(2028, 2, 1, 0, 0)), "end"),
		v("closure: no reason", "POST", closures, mgr, with(closure, "reason", nil), "reason"),
		v("closure: blank reason", "POST", closures, mgr, with(closure, "reason", " \t "), "reason"),
		v("closure: reason over 2000 characters", "POST", closures, mgr, with(closure, "reason", strings.Repeat("r", 2001)), "reason"),
		v("closure: start not a time", "POST", closures, mgr, with(closure, "start", "soon"), "start"),
		v("closure: no end", "POST", closures, mgr, with(closure, "end", nil), "end"),
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := g.refuse(t, c.status, c.code, c.method, c.path, c.token, c.body)
			if c.code == "validation" {
				wantFields(t, e, c.fields...)
			}
		})
	}

	// The floor rule says how much is left.
	e := g.refuse(t, 422, "floor_area_exceeded", "POST", "/api/v1/zones", mgr, with(zone, "area_m2", 151))
	if e.Details["left_m2"] != 150.0 {
		t.Fatalf("want 150 m² left in details: %+v", e)
	}

	// Query filters are validated too (reads: nothing to store).
	for _, q := range []string{
		"/api/v1/bookings?status=lost", "/api/v1/bookings?limit=0", "/api/v1/bookings?limit=1001",
		"/api/v1/bookings?limit=ten", "/api/v1/bookings?offset=-1", "/api/v1/bookings?resource_id=abc",
		"/api/v1/bookings?from=yesterday", "/api/v1/bookings?to=2027-01-05", "/api/v1/members?role=king",
		"/api/v1/resources?kind=robot", "/api/v1/zones?site_id=-1",
		machinePath + "/availability", machinePath + "/availability?from=" + jan(5, 0, 0),
		machinePath + "/availability?from=" + jan(6, 0, 0) + "&to=" + jan(5, 0, 0),
		machinePath + "/availability?from=" + jan(5, 0, 0) + "&to=" + apitest.At(2027, 3, 10, 0, 0),
		machinePath + "/availability?from=monday&to=tuesday",
	} {
		q = strings.ReplaceAll(q, "+", "%2B")
		t.Run("query "+q, func(t *testing.T) {
			fields(t, expect(t, env.Do("GET", q, admin, nil), 422, "validation"))
		})
	}
}

// TestInvalidTransitions makes every move the life of a booking does not
// allow: 409 invalid_transition, and the booking stays as it was.
func TestInvalidTransitions(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.NewWorkshop()
	g := guard{env, w.Admin.Token}
	mgr := w.Manager.Token
	member := env.NewUser(models.RoleMember, "Max Member")
	other := env.NewUser(models.RoleMember, "Olga Other")
	kiln := env.Must(201, "POST", "/api/v1/resources", mgr, map[string]any{
		"zone_id": w.ZoneID, "name": "Kiln", "kind": "machine", "slot_minutes": 30, "requires_approval": true}).ID()

	n := 0
	// next returns the day and hour of a fresh one-hour slot.
	next := func() (int, int) {
		n++
		return 5 + n/10, 8 + n%10
	}
	// booking makes a booking of member on res and brings it through moves.
	booking := func(t *testing.T, res int64, moves ...string) int64 {
		t.Helper()
		day, hour := next()
		id := must(t, env, 201, "POST", "/api/v1/bookings", member.Token, bookingBody(res, day, hour, 0, day, hour+1, 0)).ID()
		for _, mv := range moves {
			must(t, env, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/%s", id, mv), mgr, map[string]any{"reason": "Because"})
		}
		return id
	}
	move := func(id int64, mv string) string { return fmt.Sprintf("/api/v1/bookings/%d/%s", id, mv) }
	reason := map[string]any{"reason": "No room"}

	cases := []struct {
		name        string
		res         int64
		moves       []string
		move, token string
		status      string // the booking's status, named in details
	}{
		{"approve an approved booking", w.Machine, nil, "approve", mgr, "approved"},
		{"reject an approved booking", w.Machine, nil, "reject", mgr, "approved"},
		{"approve twice", kiln, []string{"approve"}, "approve", mgr, "approved"},
		{"approve a cancelled booking", kiln, []string{"cancel"}, "approve", mgr, "cancelled"},
		{"reject a cancelled booking", kiln, []string{"cancel"}, "reject", mgr, "cancelled"},
		{"cancel twice (member)", w.Machine, []string{"cancel"}, "cancel", member.Token, "cancelled"},
		{"cancel twice (manager)", kiln, []string{"cancel"}, "cancel", mgr, "cancelled"},
		{"approve a rejected booking", kiln, []string{"reject"}, "approve", mgr, "rejected"},
		{"reject a rejected booking", kiln, []string{"reject"}, "reject", mgr, "rejected"},
		{"cancel a rejected booking (member)", kiln, []string{"reject"}, "cancel", member.Token, "rejected"},
		{"cancel a rejected booking (manager)", kiln, []string{"reject"}, "cancel", mgr, "rejected"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := booking(t, c.res, c.moves...)
			e := g.refuse(t, 409, "invalid_transition", "POST", move(id, c.move), c.token, reason)
			if e.Details["status"] != c.status {
				t.Fatalf("details.status = %v, want %s", e.Details["status"], c.status)
			}
		})
	}

	t.Run("approve a booking a closure cancelled", func(t *testing.T) {
		day, hour := next()
		id := must(t, env, 201, "POST", "/api/v1/bookings", member.Token, bookingBody(kiln, day, hour, 0, day, hour+1, 0)).ID()
		must(t, env, 201, "POST", fmt.Sprintf("/api/v1/resources/%d/closures", kiln), mgr, map[string]any{
			"start": jan(day, hour, 0), "end": jan(day, hour+1, 0), "reason": "Kiln cracked"})
		g.refuse(t, 409, "invalid_transition", "POST", move(id, "approve"), mgr, nil)
	})

	// Refusals of the decision routes that are not transitions.
	day, hour := next()
	p := must(t, env, 201, "POST", "/api/v1/bookings", member.Token, bookingBody(kiln, day, hour, 0, day, hour+1, 0)).ID()
	t.Run("reject without a reason", func(t *testing.T) {
		wantFields(t, g.refuse(t, 422, "validation", "POST", move(p, "reject"), mgr, map[string]any{}), "reason")
	})
	t.Run("reject with a blank reason", func(t *testing.T) {
		wantFields(t, g.refuse(t, 422, "validation", "POST", move(p, "reject"), mgr, map[string]any{"reason": "  "}), "reason")
	})
	t.Run("reason over 2000 characters", func(t *testing.T) {
		wantFields(t, g.refuse(t, 422, "validation", "POST", move(p, "cancel"), mgr, map[string]any{"reason": strings.Repeat("r", 2001)}), "reason")
	})
	t.Run("a member approves their own booking", func(t *testing.T) {
		g.refuse(t, 403, "forbidden", "POST", move(p, "approve"), member.Token, nil)
	})
	t.Run("a member rejects their own booking", func(t *testing.T) {
		g.refuse(t, 403, "forbidden", "POST", move(p, "reject"), member.Token, reason)
	})
	t.Run("another member cancels it", func(t *testing.T) {
		g.refuse(t, 404, "not_found", "POST", move(p, "cancel"), other.Token, nil)
	})
	t.Run("another member approves it", func(t *testing.T) {
		g.refuse(t, 404, "not_found", "POST", move(p, "approve"), other.Token, nil)
	})

	t.Run("a member cancels a booking that is over", func(t *testing.T) {
		id := must(t, env, 201, "POST", "/api/v1/bookings", member.Token, bookingBody(w.Machine, 4, 18, 0, 4, 19, 0)).ID()
		t.Cleanup(func() { env.Clock.Set(apitest.Start) })
		env.Clock.Set(time.Date(2027, 1, 4, 19, 0, 0, 0, apitest.Brussels))
		g.refuse(t, 409, "invalid_transition", "POST", move(id, "cancel"), member.Token, nil)
	})
}

// TestConcurrentDecisions has two managers decide the same pending booking
// at once, over many rounds: exactly one 200, and one 409
// invalid_transition naming the status the winner left.
func TestConcurrentDecisions(t *testing.T) {
	for _, d := range apitest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			env := apitest.NewOn(t, d)
			w := env.NewWorkshop()
			m1, m2 := w.Manager, env.NewUser(models.RoleManager, "Mia Manager")
			member := env.NewUser(models.RoleMember, "Paul Pending")
			kiln := env.Must(201, "POST", "/api/v1/resources", m1.Token, map[string]any{
				"zone_id": w.ZoneID, "name": "Kiln", "kind": "machine", "requires_approval": true}).ID()
			type decision struct {
				who  apitest.User
				move string
			}
			pairs := [][2]decision{
				{{m1, "approve"}, {m2, "approve"}},
				{{m1, "approve"}, {m2, "reject"}},
				{{m1, "reject"}, {m2, "approve"}},
				{{m1, "reject"}, {m2, "reject"}},
			}
			const rounds = 40
			for round := 0; round < rounds; round++ {
				day, hour := 5+round/10, 8+round%10
				r := env.Must(201, "POST", "/api/v1/bookings", member.Token, bookingBody(kiln, day, hour, 0, day, hour+1, 0))
				var b struct{ ID int64 }
				r.Decode(t, &b)
				if s := statusOf(t, r); s != "pending" {
					t.Fatalf("a booking of a resource that needs approval is %s", s)
				}
				pair := pairs[round%len(pairs)]
				var (
					wg   sync.WaitGroup
					gate = make(chan struct{})
					got  [2]*apitest.Response
				)
				for i, dec := range pair {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-gate
						got[i] = env.Do("POST", fmt.Sprintf("/api/v1/bookings/%d/%s", b.ID, dec.move), dec.who.Token,
							map[string]any{"reason": "Round " + fmt.Sprint(round)})
					}()
				}
				close(gate)
				wg.Wait()
				win, lose := 0, 1
				if got[1].Code == 200 {
					win, lose = 1, 0
				}
				if got[win].Code != 200 || got[lose].Code != 409 || got[lose].ErrorCode() != "invalid_transition" {
					t.Fatalf("round %d (%v): want one 200 and one 409 invalid_transition, got %s and %s", round, pair, got[0], got[1])
				}
				e := errorOf(t, got[lose])
				wantStatus := map[string]string{"approve": "approved", "reject": "rejected"}[pair[win].move]
				if e.Details["status"] != wantStatus {
					t.Fatalf("round %d: the loser was told %v, the winner made it %s", round, e.Details["status"], wantStatus)
				}
				var final struct {
					Status    string
					DecidedBy int64 `json:"decided_by"`
				}
				env.Must(200, "GET", fmt.Sprintf("/api/v1/bookings/%d", b.ID), m1.Token, nil).Decode(t, &final)
				if final.Status != wantStatus || final.DecidedBy != pair[win].who.ID {
					t.Fatalf("round %d: stored %s by %d, want %s by %d", round, final.Status, final.DecidedBy, wantStatus, pair[win].who.ID)
				}
			}
		})
	}
}

// must sends a request and fails t (not the Env's test) unless the status is want.
func must(t testing.TB, env *apitest.Env, want int, method, path, token string, body any) *apitest.Response {
	t.Helper()
	r := env.Do(method, path, token, body)
	if r.Code != want {
		t.Fatalf("%s %s: want %d, got %s", method, path, want, r)
	}
	return r
}

func statusOf(t testing.TB, r *apitest.Response) string {
	var b struct{ Status string }
	r.Decode(t, &b)
	return b.Status
}

// TestNotFound asks for ids that do not exist, and for ids that are not
// ids at all: 404 not_found, nothing stored.
func TestNotFound(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.NewWorkshop()
	g := guard{env, w.Admin.Token}
	admin, mgr := w.Admin.Token, w.Manager.Token
	member := env.NewUser(models.RoleMember, "Nina Member")
	other := env.NewUser(models.RoleMember, "Omar Other")
	mine := env.Must(201, "POST", "/api/v1/bookings", member.Token, bookingBody(w.Machine, 5, 10, 0, 5, 11, 0)).ID()
	clo := env.Must(201, "POST", fmt.Sprintf("/api/v1/resources/%d/closures", w.Machine), mgr, map[string]any{
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
	env := apitest.New(t)
	w := env.NewWorkshop()
	g := guard{env, w.Admin.Token}
	gone := env.NewUser(models.RoleManager, "Gone Manager")
	env.Must(204, "POST", "/api/v1/auth/logout", gone.Token, nil)

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
		u := env.NewUser(models.RoleMember, "Old Member")
		t.Cleanup(func() { env.Clock.Set(apitest.Start) })
		env.Clock.Set(apitest.Start.Add(models.TokenLifetime + time.Minute))
		r := env.Do("POST", "/api/v1/bookings", u.Token, apitest.Slot(w.Machine, apitest.At(2027, 2, 10, 10, 0), apitest.At(2027, 2, 10, 11, 0)))
		expect(t, r, 401, "unauthorized")
		env.Clock.Set(apitest.Start)
		var list struct{ Total int64 }
		must(t, env, 200, "GET", "/api/v1/bookings", w.Admin.Token, nil).Decode(t, &list)
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
	u := env.NewUser(models.RoleMember, "Lou Login")
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

// TestMalformedBodies sends bodies that are not JSON objects, or whose
// values have the wrong JSON type, to every route that reads one: 400
// bad_request, nothing stored.
func TestMalformedBodies(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.NewWorkshop()
	g := guard{env, w.Admin.Token}
	admin, mgr := w.Admin.Token, w.Manager.Token
	member := env.NewUser(models.RoleMember, "Bea Body")
	booked := env.Must(201, "POST", "/api/v1/bookings", member.Token, bookingBody(w.Machine, 5, 10, 0, 5, 11, 0)).ID()

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
	env.Must(200, "GET", fmt.Sprintf("/api/v1/bookings/%d", booked), admin, nil).Decode(t, &b)
	if b.Status != "approved" {
		t.Fatalf("a refused decision changed the booking: %s", b.Status)
	}
}

// TestPayloadTooLarge sends bodies over 1 MiB, with and without a
// Content-Length: 413 payload_too_large, nothing stored. A body of exactly
// 1 MiB is still read.
func TestPayloadTooLarge(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.NewWorkshop()
	g := guard{env, w.Admin.Token}
	member := env.NewUser(models.RoleMember, "Hugo Huge")
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
	env := apitest.New(t)
	w := env.NewWorkshop()
	g := guard{env, w.Admin.Token}
	admin, mgr := w.Admin.Token, w.Manager.Token
	member := env.NewUser(models.RoleMember, "Nul Member")
	pending := env.Must(201, "POST", "/api/v1/bookings", member.Token, bookingBody(w.Machine, 5, 10, 0, 5, 11, 0)).ID()
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
	env := apitest.New(t)
	w := env.NewWorkshop()
	member := env.NewUser(models.RoleMember, "Rita Reason")
	env.Must(201, "POST", "/api/v1/bookings", member.Token, bookingBody(w.Machine, 5, 10, 0, 5, 11, 0))
	reason := strings.Repeat("é", 2000)
	r := env.Must(201, "POST", fmt.Sprintf("/api/v1/resources/%d/closures", w.Machine), w.Manager.Token, map[string]any{
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
