package handlers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"atelier/internal/apitest"
	"atelier/models"
)

// The refusals of the API, each asserted by status, error code and the
// contract's error shape, with a check that the refused request stored
// nothing. This file holds what they share; the refusals themselves are
// in refusals_*_test.go, by what is refused.

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

// newGuarded opens the test workshop on a fresh database, with a guard
// that reads the whole state as its admin.
func newGuarded(t *testing.T) (*apitest.Env, apitest.Workshop, guard) {
	t.Helper()
	env := apitest.New(t)
	w := env.NewWorkshop(t)
	return env, w, guard{env, w.Admin.Token}
}

// memberWithBooking adds a member called name, with a booking of the
// machine on 5 January, 10:00-11:00; it returns the member and the
// booking's id.
func memberWithBooking(t *testing.T, env *apitest.Env, w apitest.Workshop, name string) (apitest.User, int64) {
	t.Helper()
	member := env.NewUser(t, models.RoleMember, name)
	return member, env.Must(t, 201, "POST", "/api/v1/bookings", member.Token, bookingBody(w.Machine, 5, 10, 0, 5, 11, 0)).ID()
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

// bookingBody is a booking body from day/hour/minute to day/hour/minute in January 2027.
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
