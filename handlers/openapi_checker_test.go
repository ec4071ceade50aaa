package handlers_test

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
	"testing"

	"atelier/handlers"
	"atelier/internal/apitest"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// who signs a request in: a bearer token, or a session cookie with (or
// without) its CSRF token. The zero value is anonymous.
type who struct {
	bearer, cookie, csrf string
}

func bearer(u apitest.User) who { return who{bearer: u.Token} }

// checker sends requests through echo and validates both ends against the
// document. Its methods fail the (sub)test they are given.
type checker struct {
	env    *apitest.Env
	doc    *openapi3.T
	router routers.Router
	served map[string]string
	ops    map[string]docOp
	// seen records, per operation shape, the statuses validated.
	seen map[string]map[int]bool
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

// do sends one call and validates it.
func (c *checker) do(t *testing.T, cl call) *apitest.Response {
	t.Helper()
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
		t.Fatalf("%s: no operation of openapi.yaml matches: %v", name, err)
	}
	shape := routeShape(cl.method, route.Path)
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: authenticate, SkipSettingDefaults: true}}
	reqErr := openapi3filter.ValidateRequest(context.Background(), in)

	r := c.env.Serve(req)

	if _, ok := c.served[shape]; !ok {
		t.Fatalf("%s: %s is in openapi.yaml but not a route of echo", name, route.Path)
	}

	switch {
	case cl.anyRequest:
	case cl.refused && reqErr == nil:
		t.Errorf("%s: the document accepts this request, which the test expects it to refuse (body %.200s)", name, body)
	case !cl.refused && reqErr != nil:
		t.Errorf("%s: the request does not match openapi.yaml: %v", name, reqErr)
	}
	if r.Code != cl.want {
		t.Fatalf("%s: want %d, got %s", name, cl.want, r)
	}
	if cl.code != "" && r.ErrorCode() != cl.code {
		t.Fatalf("%s: want code %s, got %s", name, cl.code, r)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.Code, Header: r.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	out.SetBodyBytes(r.Body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s: the %d response does not match openapi.yaml: %v\nbody: %.600s", name, r.Code, err, r.Body)
	}
	if c.seen[shape] == nil {
		c.seen[shape] = map[int]bool{}
	}
	c.seen[shape][r.Code] = true
	return r
}

// ok sends a request the document accepts and that must succeed with want.
func (c *checker) ok(t *testing.T, as who, method, path string, body any, want int) *apitest.Response {
	t.Helper()
	return c.do(t, call{as: as, method: method, path: path, body: body, want: want})
}

// fail sends a request the document accepts and that the server must refuse.
func (c *checker) fail(t *testing.T, as who, method, path string, body any, want int, code string) *apitest.Response {
	t.Helper()
	return c.do(t, call{as: as, method: method, path: path, body: body, want: want, code: code})
}

// bad sends a request the document refuses, and the server must refuse.
func (c *checker) bad(t *testing.T, as who, method, path string, body any, want int, code string) *apitest.Response {
	t.Helper()
	return c.do(t, call{as: as, method: method, path: path, body: body, want: want, code: code, refused: true})
}

// errorShape checks a body that no operation describes (an unknown route, a
// method a route does not take) against the document's Error schema.
func (c *checker) errorShape(t *testing.T, r *apitest.Response) {
	t.Helper()
	var v any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("error body %q: %v", r.Body, err)
	}
	if err := c.doc.Components.Schemas["Error"].Value.VisitJSON(v); err != nil {
		t.Errorf("error body %s does not match the Error schema: %v", r.Body, err)
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

// session opens a browser session for u and returns its cookie and CSRF
// token.
func (c *checker) session(t *testing.T, u apitest.User) who {
	t.Helper()
	r := c.ok(t, who{}, "POST", "/api/v1/auth/session", map[string]any{"email": u.Email, "password": apitest.Password}, 200)
	var body struct {
		CSRF string `json:"csrf_token"`
	}
	r.Decode(t, &body)
	for _, ck := range (&http.Response{Header: r.Header}).Cookies() {
		if ck.Name == handlers.SessionCookie && ck.Value != "" && body.CSRF != "" {
			return who{cookie: ck.Value, csrf: body.CSRF}
		}
	}
	t.Fatalf("no session cookie or CSRF token in %s", r)
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
func (c *checker) logUntested(t *testing.T) {
	var lines []string
	for shape, o := range c.ops {
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
		t.Logf("documented statuses not exercised (besides 503):\n  %s", strings.Join(lines, "\n  "))
	}
}
