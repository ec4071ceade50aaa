package handlers_test

// The OpenAPI document (handlers/openapi.yaml) against the running router:
//
//   - TestOpenAPIDocumentIsValid loads and validates the document.
//   - TestOpenAPIRoutesMatchRouter compares the document's operations with
//     the routes registered in echo, both ways, so neither can drift.
//   - TestOpenAPIScenario drives the whole echo stack through a realistic
//     scenario touching every operation and the main refusals, and checks
//     every request and every response against the document: unknown or
//     missing fields, types, formats, enums, error codes and undocumented
//     statuses all fail the test.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"atelier/handlers"
	"atelier/internal/apitest"
	"atelier/models"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// pendingExt marks operations of the contract that the router may not have
// yet (the calendar feeds, written elsewhere).
const pendingExt = "x-atelier-pending"

// unknownRoute is the message of echo's 404 for an address it does not know.
const unknownRoute = "There is nothing at this address."

var registerDecoders sync.Once

// loadDoc loads and validates the served document and builds its router.
func loadDoc(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	registerDecoders.Do(func() {
		// iCalendar bodies are text: validate them as a string.
		openapi3filter.RegisterBodyDecoder("text/calendar", openapi3filter.PlainBodyDecoder)
	})
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(handlers.OpenAPI)
	if err != nil {
		t.Fatalf("loading openapi.yaml: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is not a valid OpenAPI document: %v", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatalf("building a router from openapi.yaml: %v", err)
	}
	return doc, router
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc, _ := loadDoc(t)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi: want 3.0.3, got %s", doc.OpenAPI)
	}
	// Every object schema of a response is closed, so that a field the
	// server adds without documenting it fails the scenario. Request bodies
	// stay open (the server ignores fields it does not know), and so do the
	// Code* schemas, which only narrow an error's code.
	requests := requestSchemas(doc)
	for name, ref := range doc.Components.Schemas {
		s := ref.Value
		if requests[name] || strings.HasPrefix(name, "Code") || !s.Type.Is("object") || len(s.Properties) == 0 {
			continue
		}
		if s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has {
			t.Errorf("schema %s: a response object must say additionalProperties: false", name)
		}
	}
}

// requestSchemas names the component schemas of request bodies, with those
// they are composed of.
func requestSchemas(doc *openapi3.T) map[string]bool {
	out := map[string]bool{}
	name := func(ref string) string { return ref[strings.LastIndex(ref, "/")+1:] }
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody == nil {
				continue
			}
			for _, mt := range op.RequestBody.Value.Content {
				if mt.Schema.Ref != "" {
					out[name(mt.Schema.Ref)] = true
				}
				for _, part := range mt.Schema.Value.AllOf {
					if part.Ref != "" {
						out[name(part.Ref)] = true
					}
				}
			}
		}
	}
	return out
}

// routeShape reduces a path to its literal segments, so that echo's
// /members/:id and the document's /members/{id} compare equal (and a feed
// registered as /calendar/:file matches /calendar/{token}.ics).
func routeShape(method, path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") || strings.HasPrefix(s, "{") || s == "*" {
			segs[i] = "{}"
		}
	}
	return method + " " + strings.Join(segs, "/")
}

// echoRoutes returns the shapes of the routes the router serves. Left out:
// echo's own not-found catch-alls of groups, and the static frontend (GET /*,
// not registered when the server has no frontend, as in tests).
func echoRoutes(env *apitest.Env) map[string]string {
	out := map[string]string{}
	for _, r := range env.E.Routes() {
		if r.Method == "echo_route_not_found" || r.Path == "/*" || r.Path == "/" {
			continue
		}
		out[routeShape(r.Method, r.Path)] = r.Method + " " + r.Path
	}
	return out
}

type docOp struct {
	method, path string
	op           *openapi3.Operation
}

func (o docOp) pending() bool { return o.op.Extensions[pendingExt] == true }

func docOps(doc *openapi3.T) map[string]docOp {
	out := map[string]docOp{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			out[routeShape(method, path)] = docOp{method, path, op}
		}
	}
	return out
}

// TestOpenAPIRoutesMatchRouter: every route of echo is documented, and every
// documented operation is a route of echo, except the pending ones.
// /healthz is documented and checked like the others.
func TestOpenAPIRoutesMatchRouter(t *testing.T) {
	doc, _ := loadDoc(t)
	env := apitest.New(t)
	served, documented := echoRoutes(env), docOps(doc)
	for shape, route := range served {
		if _, ok := documented[shape]; !ok {
			t.Errorf("route %s is not in openapi.yaml", route)
		}
	}
	for shape, o := range documented {
		if _, ok := served[shape]; ok {
			if o.pending() {
				t.Logf("%s %s is served now: drop its %s mark", o.method, o.path, pendingExt)
			}
			continue
		}
		if o.pending() {
			t.Logf("skipped: %s %s is pending and not served yet", o.method, o.path)
			continue
		}
		t.Errorf("openapi.yaml describes %s %s, which the router does not serve", o.method, o.path)
	}
}

// who signs a request in: a bearer token, or a session cookie with (or
// without) its CSRF token. The zero value is anonymous.
type who struct {
	bearer, cookie, csrf string
}

func bearer(u apitest.User) who { return who{bearer: u.Token} }

// checker sends requests through echo and validates both ends against the
// document.
type checker struct {
	t      *testing.T
	env    *apitest.Env
	doc    *openapi3.T
	router routers.Router
	served map[string]string
	ops    map[string]docOp
	// seen records, per operation shape, the statuses validated.
	seen map[string]map[int]bool
	// absent records pending operations the router does not serve yet.
	absent map[string]bool
}

// call is one request of the scenario and what it must get.
type call struct {
	as           who
	method, path string
	body         any
	want         int
	code         string // the error code, for want >= 400
	// refused: the document itself refuses the request (a wrong type, a
	// missing field, no credentials...): the server must refuse it too.
	refused bool
	// anyRequest: whether the document accepts the request does not matter
	// (a body over 1 MiB, which no schema can describe).
	anyRequest bool
	// chunked sends the body without a length, as a stream.
	chunked bool
}

// authenticate accepts any credential a security scheme names, when the
// request carries it; whether it is valid is the server's business.
func authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	req := in.RequestValidationInput.Request
	s := in.SecurityScheme
	switch {
	case s.Type == "http" && s.Scheme == "bearer":
		if h := req.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
			return nil
		}
	case s.Type == "apiKey" && s.In == "cookie":
		if _, err := req.Cookie(s.Name); err == nil {
			return nil
		}
	case s.Type == "apiKey" && s.In == "header":
		if req.Header.Get(s.Name) != "" {
			return nil
		}
	}
	return in.NewError(fmt.Errorf("no %s credential", in.SecuritySchemeName))
}

func (c *checker) request(cl call) *http.Request {
	req := apitest.Request(cl.method, cl.path, cl.as.bearer, cl.body)
	if cl.as.cookie != "" {
		req.AddCookie(&http.Cookie{Name: handlers.SessionCookie, Value: cl.as.cookie})
	}
	if cl.as.csrf != "" {
		req.Header.Set(handlers.CSRFHeader, cl.as.csrf)
	}
	return req
}

// do sends one call and validates it. It returns nil when the call's
// operation is pending and the router does not serve it yet.
func (c *checker) do(cl call) *apitest.Response {
	c.t.Helper()
	name := cl.method + " " + cl.path
	req := c.request(cl)
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
	}
	vreq := req.Clone(context.Background())
	vreq.Body = io.NopCloser(bytes.NewReader(body))
	req.Body = io.NopCloser(bytes.NewReader(body))
	if cl.chunked {
		req.ContentLength = -1
	}

	route, params, err := c.router.FindRoute(vreq)
	if err != nil {
		c.t.Fatalf("%s: no operation of openapi.yaml matches: %v", name, err)
	}
	shape := routeShape(cl.method, route.Path)
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: authenticate, SkipSettingDefaults: true}}
	reqErr := openapi3filter.ValidateRequest(context.Background(), in)

	r := c.env.Serve(req)

	if _, ok := c.served[shape]; !ok {
		if !c.ops[shape].pending() {
			c.t.Fatalf("%s: %s is neither served nor pending", name, route.Path)
		}
		// A pending route the router does not have yet: echo answers its
		// unknown-route 404 (or, under /api/v1, 401 first to a request
		// without valid credentials).
		var e struct {
			Error struct{ Code, Message string }
		}
		json.Unmarshal(r.Body, &e)
		unknown := r.Code == 404 && e.Error.Code == "not_found" && e.Error.Message == unknownRoute
		if !unknown && !(r.Code == 401 && strings.HasPrefix(route.Path, "/api/v1/")) {
			c.t.Fatalf("%s: %s is not a route of echo, yet it answered %s", name, route.Path, r)
		}
		if !c.absent[shape] {
			c.t.Logf("skipped: %s %s is pending and the router does not have it yet (%d)", cl.method, route.Path, r.Code)
		}
		c.absent[shape] = true
		return nil
	}

	switch {
	case cl.anyRequest:
	case cl.refused && reqErr == nil:
		c.t.Errorf("%s: the document accepts this request, which the test expects it to refuse (body %.200s)", name, body)
	case !cl.refused && reqErr != nil:
		c.t.Errorf("%s: the request does not match openapi.yaml: %v", name, reqErr)
	}
	if r.Code != cl.want {
		c.t.Fatalf("%s: want %d, got %s", name, cl.want, r)
	}
	if cl.code != "" && r.ErrorCode() != cl.code {
		c.t.Fatalf("%s: want code %s, got %s", name, cl.code, r)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.Code, Header: r.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	out.SetBodyBytes(r.Body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		c.t.Errorf("%s: the %d response does not match openapi.yaml: %v\nbody: %.600s", name, r.Code, err, r.Body)
	}
	if c.seen[shape] == nil {
		c.seen[shape] = map[int]bool{}
	}
	c.seen[shape][r.Code] = true
	return r
}

// ok sends a request the document accepts and that must succeed with want.
func (c *checker) ok(as who, method, path string, body any, want int) *apitest.Response {
	c.t.Helper()
	return c.do(call{as: as, method: method, path: path, body: body, want: want})
}

// fail sends a request the document accepts and that the server must refuse.
func (c *checker) fail(as who, method, path string, body any, want int, code string) *apitest.Response {
	c.t.Helper()
	return c.do(call{as: as, method: method, path: path, body: body, want: want, code: code})
}

// bad sends a request the document refuses, and the server must refuse.
func (c *checker) bad(as who, method, path string, body any, want int, code string) *apitest.Response {
	c.t.Helper()
	return c.do(call{as: as, method: method, path: path, body: body, want: want, code: code, refused: true})
}

// errorShape checks a body that no operation describes (an unknown route, a
// method a route does not take) against the document's Error schema.
func (c *checker) errorShape(r *apitest.Response) {
	c.t.Helper()
	var v any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		c.t.Fatalf("error body %q: %v", r.Body, err)
	}
	if err := c.doc.Components.Schemas["Error"].Value.VisitJSON(v); err != nil {
		c.t.Errorf("error body %s does not match the Error schema: %v", r.Body, err)
	}
}

func p(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// q builds a query string, escaping the + of time offsets.
func q(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return "?" + v.Encode()
}

func idOf(t *testing.T, r *apitest.Response) int64 {
	t.Helper()
	if r == nil {
		t.Fatal("no response")
	}
	id := r.ID()
	if id <= 0 {
		t.Fatalf("no id in %s", r)
	}
	return id
}

type bookingOut struct {
	ID          int64  `json:"id"`
	MemberID    int64  `json:"member_id"`
	Status      string `json:"status"`
	Start       string `json:"start"`
	Reason      string `json:"reason"`
	DecidedBy   *int64 `json:"decided_by"`
	CancelledBy *int64 `json:"cancelled_by"`
}

func TestOpenAPIScenario(t *testing.T) {
	doc, router := loadDoc(t)
	env := apitest.New(t)
	c := &checker{t: t, env: env, doc: doc, router: router, served: echoRoutes(env), ops: docOps(doc),
		seen: map[string]map[int]bool{}, absent: map[string]bool{}}

	w := env.NewWorkshop()
	admin, manager := bearer(w.Admin), bearer(w.Manager)
	miaU := env.NewUser(models.RoleMember, "Mia Peeters")
	noeU := env.NewUser(models.RoleMember, "Noé Janssens")
	mia, noe, anon := bearer(miaU), bearer(noeU), who{}
	const pw = apitest.Password
	at := apitest.At

	// ---------------------------------------------------------------- meta
	c.ok(anon, "GET", "/healthz", nil, 200)
	if r := c.ok(anon, "GET", "/api/v1/openapi.yaml", nil, 200); !bytes.Equal(r.Body, handlers.OpenAPI) {
		t.Error("GET /api/v1/openapi.yaml does not serve the embedded document")
	}

	// ---------------------------------------------------------------- auth
	var login struct {
		Token string `json:"token"`
	}
	c.ok(anon, "POST", "/api/v1/auth/login", map[string]any{"email": miaU.Email, "password": pw}, 200).Decode(t, &login)
	second := who{bearer: login.Token}
	c.fail(anon, "POST", "/api/v1/auth/login", map[string]any{"email": miaU.Email, "password": "not the password"}, 401, "unauthorized")
	c.fail(anon, "POST", "/api/v1/auth/login", map[string]any{"email": "nobody@atelier.test", "password": pw}, 401, "unauthorized")
	c.bad(anon, "POST", "/api/v1/auth/login", map[string]any{"email": miaU.Email}, 401, "unauthorized")
	c.bad(anon, "POST", "/api/v1/auth/login", `{"email": 5, "password": "x"}`, 400, "bad_request")
	c.bad(anon, "POST", "/api/v1/auth/login", `{"email": "a@b.c", "password":`, 400, "bad_request")
	c.bad(anon, "POST", "/api/v1/auth/login", `[]`, 400, "bad_request")
	victor := env.NewUser(models.RoleMember, "Victor Lambert")
	for i := 0; i < models.DefaultLoginLimits.PerAccount; i++ {
		c.fail(anon, "POST", "/api/v1/auth/session", map[string]any{"email": victor.Email, "password": "guess number " + fmt.Sprint(i)}, 401, "unauthorized")
	}
	c.fail(anon, "POST", "/api/v1/auth/login", map[string]any{"email": victor.Email, "password": pw}, 429, "rate_limited")
	c.fail(anon, "POST", "/api/v1/auth/session", map[string]any{"email": victor.Email, "password": pw}, 429, "rate_limited")

	c.bad(anon, "POST", "/api/v1/auth/session", `{"email": `, 400, "bad_request")
	sess := c.session(miaU)
	cookie, noCSRF := sess.cookie, who{cookie: sess.cookie}
	var me struct {
		CSRF *string `json:"csrf_token"`
	}
	c.ok(noCSRF, "GET", "/api/v1/me", nil, 200).Decode(t, &me)
	if me.CSRF == nil || *me.CSRF != sess.csrf {
		t.Errorf("GET /api/v1/me by session: want the session's csrf_token, got %v", me.CSRF)
	}
	me.CSRF = nil
	c.ok(mia, "GET", "/api/v1/me", nil, 200).Decode(t, &me)
	if me.CSRF != nil {
		t.Error("GET /api/v1/me by bearer token: want no csrf_token")
	}
	c.bad(anon, "GET", "/api/v1/me", nil, 401, "unauthorized")
	c.fail(who{bearer: "not-a-token"}, "GET", "/api/v1/me", nil, 401, "unauthorized")
	c.bad(noCSRF, "PATCH", "/api/v1/me", map[string]any{"language": "en"}, 403, "forbidden")
	c.fail(who{cookie: cookie, csrf: "forged"}, "PATCH", "/api/v1/me", map[string]any{"language": "en"}, 403, "forbidden")
	c.ok(sess, "PATCH", "/api/v1/me", map[string]any{"name": "Mia Peeters-Dubois", "language": "nl"}, 200)
	c.fail(mia, "PATCH", "/api/v1/me", map[string]any{"password": "a brand new passphrase", "current_password": "wrong"}, 422, "validation")
	c.bad(mia, "PATCH", "/api/v1/me", map[string]any{"language": "de"}, 422, "validation")
	c.bad(mia, "PATCH", "/api/v1/me", map[string]any{"name": "   "}, 422, "validation")
	c.bad(mia, "PATCH", "/api/v1/me", `{"name": 5}`, 400, "bad_request")
	c.bad(noCSRF, "POST", "/api/v1/auth/logout", nil, 403, "forbidden")
	c.ok(sess, "POST", "/api/v1/auth/logout", nil, 204)
	c.fail(sess, "GET", "/api/v1/me", nil, 401, "unauthorized")
	c.ok(second, "POST", "/api/v1/auth/logout", nil, 204)
	c.fail(second, "GET", "/api/v1/me", nil, 401, "unauthorized")
	c.bad(anon, "POST", "/api/v1/auth/logout", nil, 401, "unauthorized")

	// ------------------------------------------------------------- members
	lea := idOf(t, c.ok(manager, "POST", "/api/v1/members", map[string]any{
		"email": "lea.dubois@atelier.test", "name": "Léa Dubois", "password": pw}, 201))
	c.fail(manager, "POST", "/api/v1/members", map[string]any{
		"email": "max@atelier.test", "name": "Max Manager", "password": pw, "role": "manager"}, 403, "forbidden")
	maxID := idOf(t, c.ok(admin, "POST", "/api/v1/members", map[string]any{
		"email": "max@atelier.test", "name": "Max Manager", "password": pw, "role": "manager", "language": "en"}, 201))
	c.fail(admin, "POST", "/api/v1/members", map[string]any{
		"email": "Lea.Dubois@atelier.test", "name": "Léa again", "password": pw}, 409, "conflict")
	c.fail(mia, "POST", "/api/v1/members", map[string]any{
		"email": "friend@atelier.test", "name": "A friend", "password": pw}, 403, "forbidden")
	c.bad(manager, "POST", "/api/v1/members", map[string]any{
		"email": "short@atelier.test", "name": "Short", "password": "short"}, 422, "validation")
	c.bad(manager, "POST", "/api/v1/members", map[string]any{
		"email": "boss@atelier.test", "name": "Boss", "password": pw, "role": "boss"}, 422, "validation")
	c.bad(manager, "POST", "/api/v1/members", `{"email": "x@atelier.test", "name": ["X"], "password": "long enough pw"}`, 400, "bad_request")
	c.bad(manager, "POST", "/api/v1/members", map[string]any{"email": "x@atelier.test", "name": "X", "password": strings.Repeat("x", 2<<20)}, 413, "payload_too_large")
	var members struct {
		Members []struct {
			Role string `json:"role"`
		} `json:"members"`
		Total int `json:"total"`
	}
	c.ok(manager, "GET", "/api/v1/members"+q("role", "member", "limit", "2", "offset", "1"), nil, 200).Decode(t, &members)
	if len(members.Members) != 2 || members.Total < 4 {
		t.Errorf("GET /api/v1/members?role=member&limit=2&offset=1: want 2 of at least 4, got %d of %d", len(members.Members), members.Total)
	}
	c.ok(admin, "GET", "/api/v1/members", nil, 200)
	c.bad(manager, "GET", "/api/v1/members?limit=0", nil, 422, "validation")
	c.bad(manager, "GET", "/api/v1/members?limit=1001", nil, 422, "validation")
	c.bad(manager, "GET", "/api/v1/members?offset=-1", nil, 422, "validation")
	c.bad(manager, "GET", "/api/v1/members?role=boss", nil, 422, "validation")
	c.fail(mia, "GET", "/api/v1/members", nil, 403, "forbidden")
	c.ok(manager, "GET", p("/api/v1/members/%d", lea), nil, 200)
	c.fail(manager, "GET", "/api/v1/members/999999", nil, 404, "not_found")
	c.bad(manager, "GET", "/api/v1/members/abc", nil, 404, "not_found")
	c.fail(mia, "GET", p("/api/v1/members/%d", lea), nil, 403, "forbidden")
	c.ok(manager, "PATCH", p("/api/v1/members/%d", lea), map[string]any{"name": "Léa Dubois-Martin", "language": "nl"}, 200)
	c.fail(manager, "PATCH", p("/api/v1/members/%d", maxID), map[string]any{"name": "Max"}, 403, "forbidden")
	c.fail(manager, "PATCH", p("/api/v1/members/%d", lea), map[string]any{"active": false}, 403, "forbidden")
	c.fail(manager, "PATCH", "/api/v1/members/999999", map[string]any{"name": "Nobody"}, 404, "not_found")
	c.bad(admin, "PATCH", p("/api/v1/members/%d", lea), map[string]any{"role": "boss"}, 422, "validation")
	c.bad(admin, "PATCH", p("/api/v1/members/%d", lea), `{"active": "no"}`, 400, "bad_request")
	c.ok(admin, "PATCH", p("/api/v1/members/%d", lea), map[string]any{"active": false}, 200)
	c.ok(admin, "PATCH", p("/api/v1/members/%d", lea), map[string]any{"active": true, "role": "member", "password": "a new password for Léa"}, 200)
	c.fail(mia, "PATCH", p("/api/v1/members/%d", lea), map[string]any{"name": "Léa"}, 403, "forbidden")

	// --------------------------------------------------- sites, zones, resources
	all, weekdays := []int{1, 2, 3, 4, 5, 6, 7}, []int{1, 2, 3, 4, 5}
	c.ok(mia, "GET", "/api/v1/sites", nil, 200)
	forest := idOf(t, c.ok(admin, "POST", "/api/v1/sites", map[string]any{
		"name": "Atelier de Forest", "timezone": "Europe/Brussels", "floor_area_m2": 400,
		"opening_hours": []map[string]any{{"days": weekdays, "from": "07:00", "to": "23:00"}},
		"quiet_hours":   []map[string]any{{"days": all, "from": "22:00", "to": "07:00"}},
	}, 201))
	c.ok(admin, "POST", "/api/v1/sites", map[string]any{"name": "Dépôt de Molenbeek", "floor_area_m2": 120.5}, 201)
	c.fail(manager, "POST", "/api/v1/sites", map[string]any{"name": "Annexe", "floor_area_m2": 100}, 403, "forbidden")
	c.fail(admin, "POST", "/api/v1/sites", map[string]any{"name": "Annexe", "timezone": "Mars/Olympus_Mons", "floor_area_m2": 100}, 422, "validation")
	c.bad(admin, "POST", "/api/v1/sites", map[string]any{"name": "Annexe", "floor_area_m2": -5}, 422, "validation")
	c.bad(admin, "POST", "/api/v1/sites", map[string]any{"name": "Annexe", "floor_area_m2": 100,
		"opening_hours": []map[string]any{{"days": []int{8}, "from": "25:00", "to": "soon"}}}, 422, "validation")
	c.fail(admin, "POST", "/api/v1/sites", map[string]any{"name": "Annexe", "floor_area_m2": 100,
		"opening_hours": []map[string]any{{"days": []int{1}, "from": "10:00", "to": "10:00"}}}, 422, "validation")
	c.bad(admin, "POST", "/api/v1/sites", map[string]any{"name": "Annexe", "floor_area_m2": "big"}, 400, "bad_request")
	c.ok(mia, "GET", p("/api/v1/sites/%d", forest), nil, 200)
	c.fail(mia, "GET", "/api/v1/sites/999999", nil, 404, "not_found")
	c.ok(admin, "PATCH", p("/api/v1/sites/%d", forest), map[string]any{"name": "Atelier de Forest (rue du Charroi)"}, 200)
	c.fail(manager, "PATCH", p("/api/v1/sites/%d", forest), map[string]any{"name": "Forest"}, 403, "forbidden")
	c.fail(admin, "PATCH", "/api/v1/sites/999999", map[string]any{"name": "Nowhere"}, 404, "not_found")
	c.bad(admin, "PATCH", p("/api/v1/sites/%d", forest), `{"floor_area_m2": "big"}`, 400, "bad_request")

	joinery := idOf(t, c.ok(manager, "POST", "/api/v1/zones", map[string]any{
		"site_id": forest, "name": "Menuiserie", "use": "production", "area_m2": 250}, 201))
	store := idOf(t, c.ok(manager, "POST", "/api/v1/zones", map[string]any{
		"site_id": forest, "name": "Stock", "use": "storage", "area_m2": 100}, 201))
	c.fail(manager, "POST", "/api/v1/zones", map[string]any{
		"site_id": forest, "name": "Boutique", "use": "sales", "area_m2": 100}, 422, "floor_area_exceeded")
	c.fail(manager, "POST", "/api/v1/zones", map[string]any{
		"site_id": 999999, "name": "Boutique", "use": "sales", "area_m2": 10}, 422, "validation")
	c.bad(manager, "POST", "/api/v1/zones", map[string]any{
		"site_id": forest, "name": "Cuisine", "use": "kitchen", "area_m2": 10}, 422, "validation")
	c.fail(mia, "POST", "/api/v1/zones", map[string]any{
		"site_id": forest, "name": "Coin", "use": "office", "area_m2": 5}, 403, "forbidden")
	c.fail(admin, "PATCH", p("/api/v1/sites/%d", forest), map[string]any{"floor_area_m2": 300}, 422, "floor_area_exceeded")
	var zones struct {
		Zones []struct{} `json:"zones"`
	}
	c.ok(mia, "GET", p("/api/v1/zones?site_id=%d", forest), nil, 200).Decode(t, &zones)
	if len(zones.Zones) != 2 {
		t.Errorf("GET /api/v1/zones?site_id=%d: want 2 zones, got %d", forest, len(zones.Zones))
	}
	c.ok(mia, "GET", "/api/v1/zones", nil, 200)
	c.bad(mia, "GET", "/api/v1/zones?site_id=abc", nil, 422, "validation")
	c.ok(mia, "GET", p("/api/v1/zones/%d", joinery), nil, 200)
	c.fail(mia, "GET", "/api/v1/zones/999999", nil, 404, "not_found")
	c.ok(manager, "PATCH", p("/api/v1/zones/%d", store), map[string]any{"name": "Stock bois", "area_m2": 120}, 200)
	c.bad(manager, "PATCH", p("/api/v1/zones/%d", store), map[string]any{"site_id": w.SiteID}, 422, "validation")
	c.fail(manager, "PATCH", p("/api/v1/zones/%d", store), map[string]any{"area_m2": 200}, 422, "floor_area_exceeded")
	c.fail(mia, "PATCH", p("/api/v1/zones/%d", store), map[string]any{"name": "Mon stock"}, 403, "forbidden")
	c.fail(manager, "PATCH", "/api/v1/zones/999999", map[string]any{"name": "Nowhere"}, 404, "not_found")
	c.bad(manager, "PATCH", p("/api/v1/zones/%d", store), `{"area_m2": "wide"}`, 400, "bad_request")
	c.bad(manager, "POST", "/api/v1/zones", `{"site_id": "forest", "name": "Coin", "use": "office", "area_m2": 5}`, 400, "bad_request")

	saw := idOf(t, c.ok(manager, "POST", "/api/v1/resources", map[string]any{
		"zone_id": joinery, "name": "Scie à format", "kind": "machine", "nuisance": "loud",
		"requires_certification": true, "slot_minutes": 30, "min_minutes": 30, "max_minutes": 240,
		"max_advance_days": 30, "max_hours_per_week": 4}, 201))
	planer := idOf(t, c.ok(manager, "POST", "/api/v1/resources", map[string]any{
		"zone_id": joinery, "name": "Raboteuse", "kind": "machine", "nuisance": "moderate",
		"requires_approval": true, "slot_minutes": 60}, 201))
	benches := idOf(t, c.ok(manager, "POST", "/api/v1/resources", map[string]any{
		"zone_id": joinery, "name": "Établis", "kind": "space", "capacity": 6, "unit": "seat", "buffer_minutes": 15}, 201))
	c.fail(manager, "POST", "/api/v1/resources", map[string]any{
		"zone_id": joinery, "name": "Halle", "kind": "space", "capacity": 300, "unit": "m2"}, 422, "validation")
	c.fail(manager, "POST", "/api/v1/resources", map[string]any{
		"zone_id": joinery, "name": "Double presse", "kind": "machine", "capacity": 2}, 422, "validation")
	c.fail(manager, "POST", "/api/v1/resources", map[string]any{
		"zone_id": 999999, "name": "Perceuse", "kind": "machine"}, 422, "validation")
	c.bad(manager, "POST", "/api/v1/resources", map[string]any{
		"zone_id": joinery, "name": "Robot", "kind": "robot"}, 422, "validation")
	c.bad(manager, "POST", "/api/v1/resources", map[string]any{
		"zone_id": joinery, "name": "Ponceuse", "kind": "machine", "slot_minutes": -5}, 422, "validation")
	c.bad(manager, "POST", "/api/v1/resources", `{"zone_id": 1, "name": "Ponceuse", "kind": "machine", "requires_approval": "yes"}`, 400, "bad_request")
	c.fail(mia, "POST", "/api/v1/resources", map[string]any{
		"zone_id": joinery, "name": "Ma ponceuse", "kind": "machine"}, 403, "forbidden")
	var resources struct {
		Resources []struct {
			Kind string `json:"kind"`
		} `json:"resources"`
	}
	c.ok(mia, "GET", "/api/v1/resources"+q("site_id", fmt.Sprint(forest), "kind", "machine"), nil, 200).Decode(t, &resources)
	if len(resources.Resources) != 2 {
		t.Errorf("want the 2 machines of the site, got %d", len(resources.Resources))
	}
	c.ok(mia, "GET", p("/api/v1/resources?zone_id=%d", joinery), nil, 200)
	c.ok(mia, "GET", "/api/v1/resources", nil, 200)
	c.bad(mia, "GET", "/api/v1/resources?kind=robot", nil, 422, "validation")
	c.ok(mia, "GET", p("/api/v1/resources/%d", saw), nil, 200)
	c.fail(mia, "GET", "/api/v1/resources/999999", nil, 404, "not_found")
	// A change a minute later shows in updated_at, in the answer itself.
	env.Clock.Set(apitest.Start.Add(time.Minute))
	var stamps struct {
		CreatedAt time.Time `json:"created_at"`
		UpdatedAt time.Time `json:"updated_at"`
	}
	for _, path := range []string{p("/api/v1/sites/%d", forest), p("/api/v1/zones/%d", store), p("/api/v1/resources/%d", benches)} {
		body := map[string]any{"name": "Renommé"}
		if strings.Contains(path, "resources") {
			body = map[string]any{"name": "Établis partagés", "capacity": 8}
		}
		c.ok(admin, "PATCH", path, body, 200).Decode(t, &stamps)
		if !stamps.UpdatedAt.Equal(apitest.Start.Add(time.Minute)) {
			t.Errorf("PATCH %s: want updated_at %s, got %s", path, apitest.Start.Add(time.Minute), stamps.UpdatedAt)
		}
		c.ok(mia, "GET", path, nil, 200).Decode(t, &stamps)
		if !stamps.UpdatedAt.Equal(apitest.Start.Add(time.Minute)) || !stamps.CreatedAt.Equal(apitest.Start) {
			t.Errorf("GET %s after a change: want created_at %s and updated_at %s, got %+v", path, apitest.Start, apitest.Start.Add(time.Minute), stamps)
		}
	}
	c.bad(manager, "PATCH", p("/api/v1/resources/%d", benches), map[string]any{"kind": "machine"}, 422, "validation")
	c.fail(manager, "PATCH", p("/api/v1/resources/%d", benches), map[string]any{"zone_id": 999999}, 422, "validation")
	c.fail(mia, "PATCH", p("/api/v1/resources/%d", benches), map[string]any{"name": "Mes établis"}, 403, "forbidden")
	c.fail(manager, "PATCH", "/api/v1/resources/999999", map[string]any{"name": "Nowhere"}, 404, "not_found")
	c.bad(manager, "PATCH", p("/api/v1/resources/%d", benches), `{"capacity": "8"}`, 400, "bad_request")

	// ------------------------------------------------------ certifications
	certs := p("/api/v1/members/%d/certifications", miaU.ID)
	c.fail(manager, "POST", certs, map[string]any{"resource_id": 999999}, 422, "validation")
	c.fail(manager, "POST", "/api/v1/members/999999/certifications", map[string]any{"resource_id": saw}, 404, "not_found")
	c.bad(manager, "POST", certs, map[string]any{"resource_id": "saw"}, 400, "bad_request")
	c.bad(manager, "POST", certs, map[string]any{"resource_id": saw, "expires_on": "next year"}, 422, "validation")
	c.fail(mia, "POST", certs, map[string]any{"resource_id": saw}, 403, "forbidden")
	c.ok(manager, "POST", certs, map[string]any{"resource_id": saw, "expires_on": "2027-12-31"}, 201)
	c.ok(manager, "POST", p("/api/v1/members/%d/certifications", lea), map[string]any{"resource_id": saw, "expires_on": nil}, 201)
	var certList struct {
		Certifications []struct {
			ExpiresOn *string `json:"expires_on"`
		} `json:"certifications"`
	}
	c.ok(manager, "GET", certs, nil, 200).Decode(t, &certList)
	if len(certList.Certifications) != 1 || certList.Certifications[0].ExpiresOn == nil || *certList.Certifications[0].ExpiresOn != "2027-12-31" {
		t.Errorf("want Mia's one certification until 2027-12-31, got %+v", certList.Certifications)
	}
	c.fail(manager, "GET", "/api/v1/members/999999/certifications", nil, 404, "not_found")
	c.fail(mia, "GET", certs, nil, 403, "forbidden")
	c.fail(mia, "DELETE", p("/api/v1/members/%d/certifications/%d", lea, saw), nil, 403, "forbidden")
	c.ok(manager, "DELETE", p("/api/v1/members/%d/certifications/%d", lea, saw), nil, 204)
	c.fail(manager, "DELETE", p("/api/v1/members/%d/certifications/%d", lea, saw), nil, 404, "not_found")

	// ------------------------------------------------------------ bookings
	// Now is Monday 4 January 2027, 07:00 in Brussels. Forest opens on
	// weekdays 07:00-23:00 and is quiet 22:00-07:00; the test workshop opens
	// every day 08:00-20:00.
	slot := func(res int64, start, end string, extra ...any) map[string]any {
		b := apitest.Slot(res, start, end)
		for i := 0; i+1 < len(extra); i += 2 {
			b[extra[i].(string)] = extra[i+1]
		}
		return b
	}
	var b bookingOut
	c.ok(mia, "POST", "/api/v1/bookings", slot(saw, at(2027, 1, 5, 9, 0), at(2027, 1, 5, 11, 0), "note", "Plateau de table en chêne"), 201).Decode(t, &b)
	sawBooking := b.ID
	if b.Status != "approved" || !strings.HasSuffix(b.Start, "+01:00") {
		t.Errorf("want an approved booking at the site's offset, got %+v", b)
	}
	c.fail(noe, "POST", "/api/v1/bookings", slot(saw, at(2027, 1, 5, 14, 0), at(2027, 1, 5, 15, 0)), 403, "certification_required")
	c.fail(mia, "POST", "/api/v1/bookings", slot(saw, at(2027, 1, 3, 10, 0), at(2027, 1, 3, 11, 0)), 422, "in_the_past")
	c.fail(mia, "POST", "/api/v1/bookings", slot(saw, at(2027, 2, 15, 9, 0), at(2027, 2, 15, 10, 0)), 422, "too_far_ahead")
	c.fail(mia, "POST", "/api/v1/bookings", slot(saw, at(2027, 1, 5, 12, 10), at(2027, 1, 5, 13, 10)), 422, "not_aligned")
	c.fail(mia, "POST", "/api/v1/bookings", slot(saw, at(2027, 1, 5, 12, 0), at(2027, 1, 5, 17, 0)), 422, "invalid_duration")
	c.fail(mia, "POST", "/api/v1/bookings", slot(saw, at(2027, 1, 9, 10, 0), at(2027, 1, 9, 11, 0)), 422, "outside_opening_hours")
	c.fail(mia, "POST", "/api/v1/bookings", slot(saw, at(2027, 1, 5, 21, 30), at(2027, 1, 5, 22, 30)), 422, "quiet_hours")
	c.fail(mia, "POST", "/api/v1/bookings", slot(saw, at(2027, 1, 6, 9, 0), at(2027, 1, 6, 12, 0)), 422, "quota_exceeded")
	c.fail(mia, "POST", "/api/v1/bookings", slot(saw, at(2027, 1, 5, 15, 0), at(2027, 1, 5, 14, 0)), 422, "validation")
	c.fail(mia, "POST", "/api/v1/bookings", slot(saw, at(2027, 1, 5, 14, 0), at(2027, 1, 5, 15, 0), "quantity", 2), 422, "validation")
	c.fail(mia, "POST", "/api/v1/bookings", slot(999999, at(2027, 1, 5, 14, 0), at(2027, 1, 5, 15, 0)), 422, "validation")
	c.bad(mia, "POST", "/api/v1/bookings", slot(saw, at(2027, 1, 5, 14, 0), at(2027, 1, 5, 15, 0), "quantity", 0), 422, "validation")
	c.bad(mia, "POST", "/api/v1/bookings", slot(saw, "tomorrow at nine", at(2027, 1, 5, 15, 0)), 422, "validation")
	c.bad(mia, "POST", "/api/v1/bookings", map[string]any{"start": at(2027, 1, 5, 14, 0), "end": at(2027, 1, 5, 15, 0)}, 422, "validation")
	c.bad(mia, "POST", "/api/v1/bookings", `{"resource_id": "saw"}`, 400, "bad_request")
	c.bad(mia, "POST", "/api/v1/bookings", `{"resource_id": 1,`, 400, "bad_request")
	c.bad(mia, "POST", "/api/v1/bookings", slot(saw, at(2027, 1, 5, 14, 0), at(2027, 1, 5, 15, 0), "note", strings.Repeat("n", 2<<20)), 413, "payload_too_large")
	c.fail(mia, "POST", "/api/v1/bookings", slot(saw, at(2027, 1, 5, 14, 0), at(2027, 1, 5, 15, 0), "member_id", noeU.ID), 403, "forbidden")
	c.bad(noCSRF, "POST", "/api/v1/bookings", slot(w.Machine, at(2027, 1, 5, 14, 0), at(2027, 1, 5, 15, 0)), 401, "unauthorized")

	machineBooking := idOf(t, c.ok(mia, "POST", "/api/v1/bookings", slot(w.Machine, at(2027, 1, 5, 10, 0), at(2027, 1, 5, 11, 0)), 201))
	r := c.fail(noe, "POST", "/api/v1/bookings", slot(w.Machine, at(2027, 1, 5, 10, 30), at(2027, 1, 5, 11, 30)), 409, "conflict")
	if !strings.Contains(string(r.Body), `"conflicts":[{`) {
		t.Errorf("a conflict must list the clashing ranges: %s", r)
	}
	c.ok(manager, "POST", "/api/v1/bookings", slot(w.Machine, at(2027, 1, 6, 10, 0), at(2027, 1, 6, 11, 0), "member_id", noeU.ID), 201)
	c.ok(mia, "POST", "/api/v1/bookings", slot(benches, at(2027, 1, 5, 9, 0), at(2027, 1, 5, 12, 0), "quantity", 5), 201)
	c.fail(noe, "POST", "/api/v1/bookings", slot(benches, at(2027, 1, 5, 12, 0), at(2027, 1, 5, 13, 0), "quantity", 4), 409, "conflict")
	// Noé books from a browser: the session cookie with its CSRF token.
	noeSess := c.session(noeU)
	benchBooking := idOf(t, c.ok(noeSess, "POST", "/api/v1/bookings", slot(benches, at(2027, 1, 5, 12, 15), at(2027, 1, 5, 13, 0), "quantity", 4), 201))
	c.bad(who{cookie: noeSess.cookie}, "POST", p("/api/v1/bookings/%d/cancel", benchBooking), nil, 403, "forbidden")
	c.bad(noeSess, "POST", p("/api/v1/bookings/%d/cancel", benchBooking), map[string]any{"reason": strings.Repeat("r", 2001)}, 422, "validation")

	c.ok(mia, "POST", "/api/v1/bookings", slot(planer, at(2027, 1, 7, 9, 0), at(2027, 1, 7, 11, 0)), 201).Decode(t, &b)
	p1 := b.ID
	if b.Status != "pending" {
		t.Errorf("a booking of a resource that needs approval must be pending, got %s", b.Status)
	}
	p2 := idOf(t, c.ok(noe, "POST", "/api/v1/bookings", slot(planer, at(2027, 1, 7, 14, 0), at(2027, 1, 7, 15, 0)), 201))
	p3 := idOf(t, c.ok(noe, "POST", "/api/v1/bookings", slot(planer, at(2027, 1, 8, 9, 0), at(2027, 1, 8, 10, 0)), 201))

	c.fail(mia, "POST", p("/api/v1/bookings/%d/approve", p1), nil, 403, "forbidden")
	c.fail(mia, "POST", p("/api/v1/bookings/%d/approve", p2), nil, 404, "not_found")
	c.ok(manager, "POST", p("/api/v1/bookings/%d/approve", p1), nil, 200).Decode(t, &b)
	if b.Status != "approved" || b.DecidedBy == nil || *b.DecidedBy != w.Manager.ID {
		t.Errorf("want approved by the manager, got %+v", b)
	}
	c.fail(manager, "POST", p("/api/v1/bookings/%d/approve", p1), nil, 409, "invalid_transition")
	c.bad(manager, "POST", p("/api/v1/bookings/%d/approve", p3), map[string]any{"reason": strings.Repeat("r", 2001)}, 422, "validation")
	c.ok(manager, "POST", p("/api/v1/bookings/%d/approve", p3), map[string]any{"reason": "Bon travail"}, 200)
	c.fail(manager, "POST", "/api/v1/bookings/999999/approve", nil, 404, "not_found")
	c.fail(manager, "POST", "/api/v1/bookings/999999/reject", map[string]any{"reason": "Inconnue"}, 404, "not_found")
	c.bad(manager, "POST", p("/api/v1/bookings/%d/approve", p1), `{"reason": 1}`, 400, "bad_request")
	c.bad(manager, "POST", p("/api/v1/bookings/%d/reject", p2), nil, 422, "validation")
	c.bad(manager, "POST", p("/api/v1/bookings/%d/reject", p2), map[string]any{}, 422, "validation")
	c.bad(manager, "POST", p("/api/v1/bookings/%d/reject", p2), map[string]any{"reason": "  "}, 422, "validation")
	c.bad(manager, "POST", p("/api/v1/bookings/%d/reject", p2), `{"reason": 5}`, 400, "bad_request")
	c.fail(noe, "POST", p("/api/v1/bookings/%d/reject", p2), map[string]any{"reason": "Je change d'avis"}, 403, "forbidden")
	c.ok(manager, "POST", p("/api/v1/bookings/%d/reject", p2), map[string]any{"reason": "La raboteuse est en révision ce jour-là."}, 200).Decode(t, &b)
	if b.Status != "rejected" || b.Reason == "" {
		t.Errorf("want rejected with its reason, got %+v", b)
	}
	c.fail(manager, "POST", p("/api/v1/bookings/%d/reject", p1), map[string]any{"reason": "Trop tard"}, 409, "invalid_transition")
	c.fail(manager, "POST", p("/api/v1/bookings/%d/cancel", p2), nil, 409, "invalid_transition")
	c.fail(noe, "POST", p("/api/v1/bookings/%d/cancel", sawBooking), nil, 404, "not_found")
	c.bad(manager, "POST", p("/api/v1/bookings/%d/cancel", p3), `{"reason": 5}`, 400, "bad_request")
	// A body of unknown length: an empty one is no body, a malformed one is
	// still malformed (it once cancelled the booking regardless).
	c.do(call{as: manager, method: "POST", path: p("/api/v1/bookings/%d/cancel", p3), body: `{"reason": `,
		want: 400, code: "bad_request", refused: true, chunked: true})
	c.do(call{as: manager, method: "POST", path: p("/api/v1/bookings/%d/approve", p3), body: `{"reason"`,
		want: 400, code: "bad_request", refused: true, chunked: true})
	c.do(call{as: manager, method: "POST", path: p("/api/v1/bookings/%d/cancel", p3), body: "", want: 200, chunked: true})
	c.fail(manager, "POST", p("/api/v1/bookings/%d/cancel", p3), nil, 409, "invalid_transition")
	c.ok(mia, "GET", p("/api/v1/bookings/%d", sawBooking), nil, 200)
	c.fail(noe, "GET", p("/api/v1/bookings/%d", sawBooking), nil, 404, "not_found")
	c.fail(mia, "GET", "/api/v1/bookings/999999", nil, 404, "not_found")
	c.bad(mia, "GET", "/api/v1/bookings/0", nil, 404, "not_found")

	var list struct {
		Bookings []bookingOut `json:"bookings"`
		Total    int          `json:"total"`
	}
	c.ok(mia, "GET", "/api/v1/bookings", nil, 200).Decode(t, &list)
	for _, bk := range list.Bookings {
		if bk.MemberID != miaU.ID {
			t.Errorf("a member's list holds someone else's booking: %+v", bk)
		}
	}
	c.ok(manager, "GET", "/api/v1/bookings"+q("resource_id", fmt.Sprint(planer), "status", "approved",
		"from", at(2027, 1, 4, 0, 0), "to", at(2027, 1, 11, 0, 0), "order", "created", "limit", "10", "offset", "0"), nil, 200).Decode(t, &list)
	if list.Total != 1 {
		t.Errorf("want the one approved planer booking left, got %d", list.Total)
	}
	c.ok(manager, "GET", "/api/v1/bookings"+q("member_id", fmt.Sprint(noeU.ID), "site_id", fmt.Sprint(forest)), nil, 200)
	c.bad(manager, "GET", "/api/v1/bookings?status=lost", nil, 422, "validation")
	c.bad(manager, "GET", "/api/v1/bookings?from=yesterday", nil, 422, "validation")
	c.bad(manager, "GET", "/api/v1/bookings?resource_id=-1", nil, 422, "validation")
	c.bad(anon, "GET", "/api/v1/bookings", nil, 401, "unauthorized")

	// -------------------------------------------------------- availability
	var av struct {
		Intervals []struct {
			State string `json:"state"`
		} `json:"intervals"`
	}
	c.ok(noe, "GET", p("/api/v1/resources/%d/availability", saw)+q("from", at(2027, 1, 5, 0, 0), "to", at(2027, 1, 6, 0, 0)), nil, 200).Decode(t, &av)
	states := map[string]bool{}
	for _, iv := range av.Intervals {
		states[iv.State] = true
	}
	if !states["open"] || !states["outside_opening_hours"] || !states["quiet_hours"] {
		t.Errorf("a loud machine's day: want open, outside_opening_hours and quiet_hours intervals, got %v", states)
	}
	c.ok(mia, "GET", p("/api/v1/resources/%d/availability", benches)+q("from", at(2027, 1, 5, 8, 0), "to", at(2027, 1, 5, 14, 0)), nil, 200)
	c.bad(mia, "GET", p("/api/v1/resources/%d/availability", saw)+q("from", at(2027, 1, 5, 0, 0)), nil, 422, "validation")
	c.fail(mia, "GET", p("/api/v1/resources/%d/availability", saw)+q("from", at(2027, 1, 6, 0, 0), "to", at(2027, 1, 5, 0, 0)), nil, 422, "validation")
	c.fail(mia, "GET", p("/api/v1/resources/%d/availability", saw)+q("from", at(2027, 1, 1, 0, 0), "to", at(2027, 6, 1, 0, 0)), nil, 422, "validation")
	c.fail(mia, "GET", "/api/v1/resources/999999/availability"+q("from", at(2027, 1, 5, 0, 0), "to", at(2027, 1, 6, 0, 0)), nil, 404, "not_found")

	// ------------------------------------------------------------ closures
	closures := p("/api/v1/resources/%d/closures", w.Machine)
	var created struct {
		Closure struct {
			ID int64 `json:"id"`
		} `json:"closure"`
		Cancelled []bookingOut `json:"cancelled"`
	}
	c.ok(manager, "POST", closures, map[string]any{"start": at(2027, 1, 5, 8, 0), "end": at(2027, 1, 5, 12, 0), "reason": "Maintenance annuelle"}, 201).Decode(t, &created)
	if len(created.Cancelled) != 1 || created.Cancelled[0].ID != machineBooking || created.Cancelled[0].Status != "cancelled" {
		t.Errorf("the closure must cancel Mia's machine booking, got %+v", created.Cancelled)
	}
	c.fail(mia, "POST", "/api/v1/bookings", slot(w.Machine, at(2027, 1, 5, 8, 0), at(2027, 1, 5, 9, 0)), 422, "closed")
	c.ok(manager, "POST", closures, map[string]any{"start": at(2027, 1, 20, 8, 0), "end": at(2027, 1, 20, 20, 0), "reason": "Formation"}, 201)
	c.fail(mia, "POST", closures, map[string]any{"start": at(2027, 1, 6, 8, 0), "end": at(2027, 1, 6, 9, 0), "reason": "Pour moi"}, 403, "forbidden")
	c.fail(manager, "POST", closures, map[string]any{"start": at(2027, 1, 6, 12, 0), "end": at(2027, 1, 6, 11, 0), "reason": "À l'envers"}, 422, "validation")
	c.fail(manager, "POST", closures, map[string]any{"start": at(2027, 1, 1, 12, 0), "end": at(2027, 1, 2, 11, 0), "reason": "Passé"}, 422, "validation")
	c.bad(manager, "POST", closures, map[string]any{"start": at(2027, 1, 6, 8, 0), "end": at(2027, 1, 6, 9, 0), "reason": ""}, 422, "validation")
	c.bad(manager, "POST", closures, `{"start": 8}`, 400, "bad_request")
	c.fail(manager, "POST", "/api/v1/resources/999999/closures", map[string]any{"start": at(2027, 1, 6, 8, 0), "end": at(2027, 1, 6, 9, 0), "reason": "Rien"}, 404, "not_found")
	var cl struct {
		Closures []struct{} `json:"closures"`
	}
	c.ok(mia, "GET", closures, nil, 200).Decode(t, &cl)
	if len(cl.Closures) != 2 {
		t.Errorf("want 2 closures, got %d", len(cl.Closures))
	}
	c.ok(mia, "GET", closures+q("from", at(2027, 1, 10, 0, 0)), nil, 200).Decode(t, &cl)
	if len(cl.Closures) != 1 {
		t.Errorf("want 1 closure ending after 10 January, got %d", len(cl.Closures))
	}
	c.bad(mia, "GET", closures+"?from=soon", nil, 422, "validation")
	c.fail(mia, "GET", "/api/v1/resources/999999/closures", nil, 404, "not_found")
	c.fail(mia, "DELETE", p("%s/%d", closures, created.Closure.ID), nil, 403, "forbidden")
	c.ok(manager, "DELETE", p("%s/%d", closures, created.Closure.ID), nil, 204)
	c.fail(manager, "DELETE", p("%s/%d", closures, created.Closure.ID), nil, 404, "not_found")
	c.fail(manager, "DELETE", p("/api/v1/resources/%d/closures/%d", saw, created.Closure.ID), nil, 404, "not_found")

	// Cancelling one's own booking (after the quota check used it above).
	c.ok(mia, "POST", p("/api/v1/bookings/%d/cancel", sawBooking), map[string]any{"reason": "Plus besoin"}, 200).Decode(t, &b)
	if b.Status != "cancelled" || b.CancelledBy == nil || *b.CancelledBy != miaU.ID {
		t.Errorf("want cancelled by Mia, got %+v", b)
	}

	// ------------------------------------------ calendar feeds (pending)
	var feed struct {
		URL string `json:"url"`
	}
	feedPath := "/calendar/no-such-token.ics"
	if r := c.ok(mia, "GET", "/api/v1/me/calendar", nil, 200); r != nil {
		r.Decode(t, &feed)
		u, err := url.Parse(feed.URL)
		if err != nil || !strings.HasSuffix(u.Path, ".ics") {
			t.Fatalf("feed url %q: %v", feed.URL, err)
		}
		feedPath = u.Path
	}
	c.bad(anon, "GET", "/api/v1/me/calendar", nil, 401, "unauthorized")
	c.ok(anon, "GET", feedPath, nil, 200)
	if r := c.ok(mia, "POST", "/api/v1/me/calendar/rotate", nil, 200); r != nil {
		r.Decode(t, &feed)
		c.fail(anon, "GET", feedPath, nil, 404, "not_found")
		u, _ := url.Parse(feed.URL)
		c.ok(anon, "GET", u.Path, nil, 200)
	}
	c.bad(noCSRF, "POST", "/api/v1/me/calendar/rotate", nil, 401, "unauthorized")
	c.fail(anon, "GET", "/calendar/never-issued.ics", nil, 404, "not_found")
	c.ok(mia, "GET", p("/api/v1/bookings/%d/ics", sawBooking), nil, 200)
	c.fail(noe, "GET", p("/api/v1/bookings/%d/ics", sawBooking), nil, 404, "not_found")
	c.bad(anon, "GET", p("/api/v1/bookings/%d/ics", sawBooking), nil, 401, "unauthorized")
	c.ok(noe, "GET", p("/api/v1/resources/%d/calendar.ics", saw), nil, 200)
	c.fail(noe, "GET", "/api/v1/resources/999999/calendar.ics", nil, 404, "not_found")

	// A resource's public busy-only feed, handed out by a host.
	var pub struct {
		URL string `json:"url"`
	}
	c.ok(manager, "GET", p("/api/v1/resources/%d/feed", saw), nil, 200).Decode(t, &pub)
	c.fail(mia, "GET", p("/api/v1/resources/%d/feed", saw), nil, 403, "forbidden")
	c.fail(manager, "GET", "/api/v1/resources/999999/feed", nil, 404, "not_found")
	if u, err := url.Parse(pub.URL); err == nil {
		c.ok(anon, "GET", u.Path, nil, 200)
		c.ok(manager, "POST", p("/api/v1/resources/%d/feed/rotate", saw), nil, 200)
		c.fail(anon, "GET", u.Path, nil, 404, "not_found")
	}
	c.fail(mia, "POST", p("/api/v1/resources/%d/feed/rotate", saw), nil, 403, "forbidden")
	c.fail(manager, "POST", "/api/v1/resources/999999/feed/rotate", nil, 404, "not_found")

	// --------------------------------------------- the audit log, metrics
	c.ok(admin, "GET", "/api/v1/audit?limit=50", nil, 200)
	c.fail(manager, "GET", "/api/v1/audit", nil, 403, "forbidden")
	c.bad(admin, "GET", "/api/v1/audit?limit=0", nil, 422, "validation")
	c.ok(anon, "GET", "/metrics", nil, 200)

	// ------------------------------------------------- changing a password
	c.ok(bearer(victor), "PATCH", "/api/v1/me", map[string]any{"password": "another long passphrase", "current_password": pw}, 200)
	c.fail(bearer(victor), "GET", "/api/v1/me", nil, 401, "unauthorized")

	// ------------------------------------- what no operation describes
	unknown := env.Do("GET", "/api/v1/nowhere", miaU.Token, nil)
	if unknown.Code != 404 || unknown.ErrorCode() != "not_found" || !strings.Contains(string(unknown.Body), unknownRoute) {
		t.Errorf("an unknown address: want 404 not_found %q, got %s", unknownRoute, unknown)
	}
	c.errorShape(unknown)
	notAllowed := env.Do("POST", "/healthz", "", nil)
	if notAllowed.Code != 405 || notAllowed.ErrorCode() != "method_not_allowed" {
		t.Errorf("POST /healthz: want 405 method_not_allowed, got %s", notAllowed)
	}
	c.errorShape(notAllowed)

	// ------------------------------- every operation: 401 and 413 refusals
	for _, o := range c.sortedOps() {
		path := examplePath(o.path)
		if c.needsAuth(o.op) {
			c.bad(anon, o.method, path, nil, 401, "unauthorized")
		}
		if o.op.Responses.Status(413) != nil {
			big := map[string]any{"reason": strings.Repeat("x", 1<<20)}
			c.do(call{as: manager, method: o.method, path: path, body: big, want: 413, code: "payload_too_large", anyRequest: true})
		}
	}

	// ----------------------------------------------- the database is gone
	if err := env.DB.Close(); err != nil {
		t.Fatal(err)
	}
	c.fail(anon, "GET", "/healthz", nil, 503, "unavailable")

	// ------------------------------------------------------------ coverage
	var missed []string
	for shape, o := range c.ops {
		if c.seen[shape] == nil && !c.absent[shape] {
			missed = append(missed, o.method+" "+o.path)
		}
	}
	sort.Strings(missed)
	if len(missed) > 0 {
		t.Errorf("operations of openapi.yaml the scenario never exercised: %s", strings.Join(missed, ", "))
	}
	c.logUntested()
}

// session opens a browser session for u and returns its cookie and CSRF
// token.
func (c *checker) session(u apitest.User) who {
	c.t.Helper()
	r := c.ok(who{}, "POST", "/api/v1/auth/session", map[string]any{"email": u.Email, "password": apitest.Password}, 200)
	var body struct {
		CSRF string `json:"csrf_token"`
	}
	r.Decode(c.t, &body)
	for _, ck := range (&http.Response{Header: r.Header}).Cookies() {
		if ck.Name == handlers.SessionCookie && ck.Value != "" && body.CSRF != "" {
			return who{cookie: ck.Value, csrf: body.CSRF}
		}
	}
	c.t.Fatalf("no session cookie or CSRF token in %s", r)
	return who{}
}

func (c *checker) sortedOps() []docOp {
	var out []docOp
	for _, o := range c.ops {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path+out[i].method < out[j].path+out[j].method })
	return out
}

// needsAuth reports whether an operation asks for credentials.
func (c *checker) needsAuth(op *openapi3.Operation) bool {
	sec := c.doc.Security
	if op.Security != nil {
		sec = *op.Security
	}
	for _, req := range sec {
		if len(req) == 0 {
			return false
		}
	}
	return len(sec) > 0
}

// examplePath fills a path template with ids.
func examplePath(template string) string {
	return regexp.MustCompile(`\{[a-z_]+\}`).ReplaceAllStringFunc(template, func(string) string { return "1" })
}

// logUntested lists the documented statuses the scenario did not produce
// (most are 503 and 413, which every operation may answer).
func (c *checker) logUntested() {
	var lines []string
	for shape, o := range c.ops {
		if c.absent[shape] {
			continue
		}
		var codes []string
		for code := range o.op.Responses.Map() {
			var n int
			fmt.Sscan(code, &n)
			if !c.seen[shape][n] && n != 503 {
				codes = append(codes, code)
			}
		}
		if len(codes) > 0 {
			slices.Sort(codes)
			lines = append(lines, fmt.Sprintf("%s %s: %s", o.method, o.path, strings.Join(codes, " ")))
		}
	}
	sort.Strings(lines)
	if len(lines) > 0 {
		c.t.Logf("documented statuses not exercised (besides 503):\n  %s", strings.Join(lines, "\n  "))
	}
}
