package handlers_test

// Field codes: every field message the server writes has a stable code
// (models.FieldCode) that the frontend says in French, Dutch and English.
//
//   - TestFieldCodesTranslated: every code has "field.<code>" in each
//     static/i18n/*.json, with only the params the code sends.
//   - TestFieldMessagesHaveCodes: every message written in the source of
//     models and handlers (fe.Add, Invalid, ...) has a code.
//   - TestFieldCodesDocumented: openapi.yaml lists exactly the codes.
//   - TestFieldCodesOfRefusals: refusals through the API carry the codes
//     (and the messages built at run time, which the source cannot show).

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"atelier/handlers"
	"atelier/internal/apitest"
	"atelier/models"

	"github.com/getkin/kin-openapi/openapi3"
)

var placeholders = regexp.MustCompile(`\{(\w+)\}`)

func TestFieldCodesTranslated(t *testing.T) {
	codes := models.FieldCodes()
	if len(codes) < 40 {
		t.Fatalf("only %d field codes", len(codes))
	}
	for _, lang := range []string{"fr", "nl", "en"} {
		words := apitest.Translations(t, lang)
		for code, params := range codes {
			text, ok := words["field."+code]
			if !ok || strings.TrimSpace(text) == "" {
				t.Errorf("i18n/%s.json has no field.%s", lang, code)
				continue
			}
			for _, m := range placeholders.FindAllStringSubmatch(text, -1) {
				if !slices.Contains(params, m[1]) {
					t.Errorf("i18n/%s.json field.%s says {%s}, which the code does not send (it sends %v)", lang, code, m[1], params)
				}
			}
		}
	}
}

// fieldMessage is one message the source writes for a field, as a sample:
// figures of a fmt.Sprintf filled in, what is computed at run time "x".
type fieldMessage struct {
	at, sample string
}

// sampleOf writes the sample of a message expression, or "" for one that
// only passes a message on (a parameter, a variable).
func sampleOf(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			s, _ := strconv.Unquote(e.Value)
			return s
		}
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			l, r := sampleOf(e.X), sampleOf(e.Y)
			if l == "" && r == "" {
				return ""
			}
			return or(l, "x") + or(r, "x")
		}
	case *ast.CallExpr:
		if sel, ok := e.Fun.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == "fmt" && sel.Sel.Name == "Sprintf" && len(e.Args) > 0 {
				format := sampleOf(e.Args[0])
				return strings.NewReplacer("%d", "7", "%s", "Kiln", "%q", `"x"`, "%.1f", "1.5", "%v", "x").Replace(format)
			}
			if sel.Sel.Name == "Error" && len(e.Args) == 0 {
				return "x" // an error's text, known at run time only
			}
		}
	}
	return ""
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// sourceFieldMessages finds the field messages of the Go files (tests
// aside) in dirs: the message of every fe.Add(field, msg), Invalid(field,
// msg), bad(msg) (series.go's rule refusals) and With("fields", {...}).
func sourceFieldMessages(t *testing.T, dirs ...string) []fieldMessage {
	t.Helper()
	var out []fieldMessage
	fset := token.NewFileSet()
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				var name string
				switch fn := call.Fun.(type) {
				case *ast.Ident:
					name = fn.Name
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				}
				var msgs []ast.Expr
				switch {
				case (name == "Add" || name == "Invalid") && len(call.Args) == 2:
					msgs = call.Args[1:]
				case name == "bad" && len(call.Args) == 1:
					msgs = call.Args
				case name == "With" && len(call.Args) == 2 && sampleOf(call.Args[0]) == "fields":
					if lit, ok := call.Args[1].(*ast.CompositeLit); ok {
						for _, el := range lit.Elts {
							if kv, ok := el.(*ast.KeyValueExpr); ok {
								msgs = append(msgs, kv.Value)
							}
						}
					}
				}
				for _, m := range msgs {
					if s := sampleOf(m); s != "" {
						out = append(out, fieldMessage{fset.Position(m.Pos()).String(), s})
					}
				}
				return true
			})
		}
	}
	return out
}

// builtAtRunTime are the samples of messages whose words come from a
// computation (why a text cannot be stored, why a window or a time does
// not parse): TestFieldCodesOfRefusals sends each kind through the API.
var builtAtRunTime = map[string]bool{
	"A name x.":    true, // checkName: textProblem's reason
	"A Kiln Kiln.": true, // checkText: the field, textProblem's reason
	"x.":           true, // Hours.check: schedule.NewWindow's error
	"x":            true, // a query's or a body's time: parseTime's error
}

func TestFieldMessagesHaveCodes(t *testing.T) {
	msgs := sourceFieldMessages(t, ".", filepath.Join("..", "models"))
	if len(msgs) < 60 {
		t.Fatalf("found only %d field messages in the source: is the scan still right?", len(msgs))
	}
	seen := map[string]bool{}
	for _, m := range msgs {
		seen[m.sample] = true
		if code, _ := models.FieldCode(m.sample); code == "" && !builtAtRunTime[m.sample] {
			t.Errorf("%s: the field message %q has no code (add it to models.fieldMessages)", m.at, m.sample)
		}
	}
	for s := range builtAtRunTime {
		if !seen[s] {
			t.Errorf("builtAtRunTime names %q, which the source no longer writes", s)
		}
	}
	t.Logf("%d field messages in the source", len(msgs))
}

func TestFieldCodesDocumented(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(handlers.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	details := doc.Components.Schemas["ErrorDetails"]
	if details == nil || details.Value.Properties["field_codes"] == nil || details.Value.Properties["field_params"] == nil {
		t.Fatal("openapi.yaml: ErrorDetails has no field_codes or field_params")
	}
	codes := details.Value.Properties["field_codes"].Value.AdditionalProperties.Schema.Value
	var documented []string
	for _, v := range codes.Enum {
		documented = append(documented, fmt.Sprint(v))
	}
	var want []string
	for code := range models.FieldCodes() {
		want = append(want, code)
	}
	slices.Sort(documented)
	slices.Sort(want)
	if !slices.Equal(documented, want) {
		t.Errorf("openapi.yaml ErrorDetails.field_codes lists\n  %v\nthe server sends\n  %v", documented, want)
	}
}

func TestFieldCodesOfRefusals(t *testing.T) {
	env := apitest.New(t)
	ws := env.NewWorkshop(t)
	member := env.NewUser(t, models.RoleMember, "Camille Dubois")
	start, end := apitest.At(2027, 1, 5, 10, 0), apitest.At(2027, 1, 5, 11, 0)
	type want struct {
		code   string
		params map[string]string
	}
	cases := []struct {
		name, method, path, token string
		body                      any
		status                    int
		fields                    map[string]want
	}{
		{"a short password and a wrong email", "POST", "/api/v1/members", ws.Manager.Token,
			map[string]any{"email": "camille", "name": "Camille", "password": "short", "role": "member"}, 422,
			map[string]want{"password": {"password_too_short", map[string]string{"n": "10"}}, "email": {"email", nil}}},
		{"an email already used", "POST", "/api/v1/members", ws.Manager.Token,
			map[string]any{"email": member.Email, "name": "Camille", "password": apitest.Password, "role": "member"}, 409,
			map[string]want{"email": {"email_taken", nil}}},
		{"a name with a NUL", "PATCH", "/api/v1/me", member.Token, map[string]any{"name": "Cam\x00ille"}, 422,
			map[string]want{"name": {"bad_characters", nil}}},
		{"a name that shows nothing", "PATCH", "/api/v1/me", member.Token, map[string]any{"name": "\u200b"}, 422,
			map[string]want{"name": {"invisible", nil}}},
		{"a note that turns the text around", "POST", "/api/v1/bookings", member.Token,
			map[string]any{"resource_id": ws.Machine, "start": start, "end": end, "note": "ok \u202e"}, 422,
			map[string]want{"note": {"bad_characters", nil}}},
		{"a field nothing reads", "POST", "/api/v1/bookings", member.Token,
			map[string]any{"resource_id": ws.Machine, "start": start, "end": end, "colour": "red"}, 422,
			map[string]want{"colour": {"unknown_field", nil}}},
		{"a time that is not one", "POST", "/api/v1/bookings", member.Token,
			map[string]any{"resource_id": ws.Machine, "start": "tomorrow 10:00", "end": end}, 422,
			map[string]want{"start": {"bad_time", nil}}},
		{"an expiry written the wrong way round", "POST", fmt.Sprintf("/api/v1/members/%d/certifications", member.ID), ws.Manager.Token,
			map[string]any{"resource_id": ws.Machine, "expires_on": "30/06/2027"}, 422,
			map[string]want{"expires_on": {"date", nil}}},
		{"a year out of range", "POST", "/api/v1/bookings", member.Token,
			map[string]any{"resource_id": ws.Machine, "start": "1999-01-05T10:00:00+01:00", "end": end}, 422,
			map[string]want{"start": {"year_range", map[string]string{"from": "2000", "to": "2200"}}}},
		{"an hour that is not one", "PATCH", fmt.Sprintf("/api/v1/sites/%d", ws.SiteID), ws.Admin.Token,
			map[string]any{"opening_hours": []map[string]any{{"days": []int{1}, "from": "25:00", "to": "26:00"}}}, 422,
			map[string]want{"opening_hours[0]": {"time_of_day", nil}}},
		{"a space larger than its zone", "POST", "/api/v1/resources", ws.Manager.Token,
			map[string]any{"zone_id": ws.ZoneID, "name": "Floor", "kind": "space", "capacity": 400, "unit": "m2"}, 422,
			map[string]want{"capacity": {"capacity_zone", map[string]string{"area": "300.0"}}}},
		{"a bad query", "GET", "/api/v1/bookings?resource_id=abc&limit=0", member.Token, nil, 422,
			map[string]want{"resource_id": {"not_an_id", nil}, "limit": {"integer_range", map[string]string{"min": "1", "max": "1000"}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := env.Do(c.method, c.path, c.token, c.body)
			var body struct {
				Error struct {
					Details struct {
						Fields      map[string]string            `json:"fields"`
						FieldCodes  map[string]string            `json:"field_codes"`
						FieldParams map[string]map[string]string `json:"field_params"`
					} `json:"details"`
				} `json:"error"`
			}
			if r.Code != c.status {
				t.Fatalf("want %d, got %s", c.status, r)
			}
			r.Decode(t, &body)
			d := body.Error.Details
			for field, w := range c.fields {
				if d.Fields[field] == "" {
					t.Errorf("details.fields.%s is missing: %s", field, r)
				}
				if got := d.FieldCodes[field]; got != w.code {
					t.Errorf("details.field_codes.%s = %q, want %q (message %q)", field, got, w.code, d.Fields[field])
				}
				if got := d.FieldParams[field]; fmt.Sprint(got) != fmt.Sprint(w.params) {
					t.Errorf("details.field_params.%s = %v, want %v", field, got, w.params)
				}
			}
			for field := range d.Fields {
				if d.FieldCodes[field] == "" {
					t.Errorf("details.fields.%s (%q) has no code", field, d.Fields[field])
				}
			}
		})
	}
}
