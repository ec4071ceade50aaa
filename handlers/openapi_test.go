package handlers_test

// The OpenAPI document (handlers/openapi.yaml) against the running router:
//
//   - TestOpenAPIDocumentIsValid loads and validates the document.
//   - TestOpenAPIRoutesMatchRouter compares the document's operations with
//     the routes registered in echo, both ways, so neither can drift.
//   - TestOpenAPIScenario (openapi_scenario_test.go) drives the whole echo
//     stack through a realistic scenario touching every operation and the
//     main refusals, step by step, and checks every request and every
//     response against the document (openapi_checker_test.go): unknown or
//     missing fields, types, formats, enums, error codes and undocumented
//     statuses all fail the test.

import (
	"context"
	"strings"
	"sync"
	"testing"

	"atelier/handlers"
	"atelier/internal/apitest"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

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
	doc, err := loader.LoadFromData(handlers.OpenAPI())
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
// documented operation is a route of echo.
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
		if _, ok := served[shape]; !ok {
			t.Errorf("openapi.yaml describes %s %s, which the router does not serve", o.method, o.path)
		}
	}
}
