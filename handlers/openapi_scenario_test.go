package handlers_test

import (
	"bytes"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"atelier/handlers"
	"atelier/internal/apitest"
	"atelier/internal/apitest/testclock"
	"atelier/models"
)

// TestOpenAPIScenario runs a day of the workshop through every operation of
// openapi.yaml, one subtest per step, each request and answer checked
// against the document, and fails for an operation no step exercised.
func TestOpenAPIScenario(t *testing.T) {
	doc, router := loadDoc(t)
	env := apitest.New(t)
	c := &checker{env: env, doc: doc, router: router, served: echoRoutes(env), ops: docOps(doc),
		seen: map[string]map[int]bool{}}

	w := env.NewWorkshop(t)
	admin, manager := bearer(w.Admin), bearer(w.Manager)
	miaU := env.NewUser(t, models.RoleMember, "Mia Peeters")
	noeU := env.NewUser(t, models.RoleMember, "Noé Janssens")
	mia, noe, anon := bearer(miaU), bearer(noeU), who{}
	const pw = apitest.Password
	at := apitest.At
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

	// What a step makes and a later one uses.
	var (
		victor                       apitest.User // locked out by the auth step
		noCSRF                       who          // Mia's session cookie without its CSRF token
		lea                          int64
		forest, saw, planer, benches int64
		sawBooking, machineBooking   int64
	)

	// Each step is a subtest, so that a failure names it. A step that stops
	// (t.Fatal) stops the scenario, as the next ones need what it made; one
	// that only reports errors lets them run.
	step := func(name string, f func(t *testing.T)) {
		t.Helper()
		finished := false
		if !t.Run(name, func(t *testing.T) { f(t); finished = true }) && !finished {
			t.FailNow()
		}
	}

	step("meta", func(t *testing.T) {
		c.ok(t, anon, "GET", "/healthz", nil, 200)
		if r := c.ok(t, anon, "GET", "/api/v1/openapi.yaml", nil, 200); !bytes.Equal(r.Body, handlers.OpenAPI()) {
			t.Error("GET /api/v1/openapi.yaml does not serve the embedded document")
		}
	})

	step("auth", func(t *testing.T) {
		var login struct {
			Token string `json:"token"`
		}
		c.ok(t, anon, "POST", "/api/v1/auth/login", map[string]any{"email": miaU.Email, "password": pw}, 200).Decode(t, &login)
		second := who{bearer: login.Token}
		c.fail(t, anon, "POST", "/api/v1/auth/login", map[string]any{"email": miaU.Email, "password": "not the password"}, 401, "unauthorized")
		c.fail(t, anon, "POST", "/api/v1/auth/login", map[string]any{"email": "nobody@atelier.test", "password": pw}, 401, "unauthorized")
		c.bad(t, anon, "POST", "/api/v1/auth/login", map[string]any{"email": miaU.Email}, 401, "unauthorized")
		c.bad(t, anon, "POST", "/api/v1/auth/login", `{"email": 5, "password": "x"}`, 400, "bad_request")
		c.bad(t, anon, "POST", "/api/v1/auth/login", `{"email": "a@b.c", "password":`, 400, "bad_request")
		c.bad(t, anon, "POST", "/api/v1/auth/login", `[]`, 400, "bad_request")
		victor = env.NewUser(t, models.RoleMember, "Victor Lambert")
		for i := 0; i < models.DefaultLoginLimits().PerAccount; i++ {
			c.fail(t, anon, "POST", "/api/v1/auth/session", map[string]any{"email": victor.Email, "password": "guess number " + fmt.Sprint(i)}, 401, "unauthorized")
		}
		c.fail(t, anon, "POST", "/api/v1/auth/login", map[string]any{"email": victor.Email, "password": pw}, 429, "rate_limited")
		c.fail(t, anon, "POST", "/api/v1/auth/session", map[string]any{"email": victor.Email, "password": pw}, 429, "rate_limited")

		c.bad(t, anon, "POST", "/api/v1/auth/session", `{"email": `, 400, "bad_request")
		sess := c.session(t, miaU)
		cookie := sess.cookie
		noCSRF = who{cookie: cookie}
		var me struct {
			CSRF *string `json:"csrf_token"`
		}
		c.ok(t, noCSRF, "GET", "/api/v1/me", nil, 200).Decode(t, &me)
		if me.CSRF == nil || *me.CSRF != sess.csrf {
			t.Errorf("GET /api/v1/me by session: want the session's csrf_token, got %v", me.CSRF)
		}
		me.CSRF = nil
		c.ok(t, mia, "GET", "/api/v1/me", nil, 200).Decode(t, &me)
		if me.CSRF != nil {
			t.Error("GET /api/v1/me by bearer token: want no csrf_token")
		}
		c.bad(t, anon, "GET", "/api/v1/me", nil, 401, "unauthorized")
		c.fail(t, who{bearer: "not-a-token"}, "GET", "/api/v1/me", nil, 401, "unauthorized")
		c.bad(t, noCSRF, "PATCH", "/api/v1/me", map[string]any{"language": "en"}, 403, "forbidden")
		c.fail(t, who{cookie: cookie, csrf: "forged"}, "PATCH", "/api/v1/me", map[string]any{"language": "en"}, 403, "forbidden")
		c.ok(t, sess, "PATCH", "/api/v1/me", map[string]any{"name": "Mia Peeters-Dubois", "language": "nl"}, 200)
		c.fail(t, mia, "PATCH", "/api/v1/me", map[string]any{"password": "a brand new passphrase", "current_password": "wrong"}, 422, "validation")
		c.bad(t, mia, "PATCH", "/api/v1/me", map[string]any{"language": "de"}, 422, "validation")
		c.bad(t, mia, "PATCH", "/api/v1/me", map[string]any{"name": "   "}, 422, "validation")
		c.bad(t, mia, "PATCH", "/api/v1/me", `{"name": 5}`, 400, "bad_request")
		c.bad(t, noCSRF, "POST", "/api/v1/auth/logout", nil, 403, "forbidden")
		c.ok(t, sess, "POST", "/api/v1/auth/logout", nil, 204)
		c.fail(t, sess, "GET", "/api/v1/me", nil, 401, "unauthorized")
		c.ok(t, second, "POST", "/api/v1/auth/logout", nil, 204)
		c.fail(t, second, "GET", "/api/v1/me", nil, 401, "unauthorized")
		c.bad(t, anon, "POST", "/api/v1/auth/logout", nil, 401, "unauthorized")
	})

	step("members", func(t *testing.T) {
		lea = idOf(t, c.ok(t, manager, "POST", "/api/v1/members", map[string]any{
			"email": "lea.dubois@atelier.test", "name": "Léa Dubois", "password": pw}, 201))
		c.fail(t, manager, "POST", "/api/v1/members", map[string]any{
			"email": "max@atelier.test", "name": "Max Manager", "password": pw, "role": "manager"}, 403, "forbidden")
		maxID := idOf(t, c.ok(t, admin, "POST", "/api/v1/members", map[string]any{
			"email": "max@atelier.test", "name": "Max Manager", "password": pw, "role": "manager", "language": "en"}, 201))
		c.fail(t, admin, "POST", "/api/v1/members", map[string]any{
			"email": "Lea.Dubois@atelier.test", "name": "Léa again", "password": pw}, 409, "conflict")
		c.fail(t, mia, "POST", "/api/v1/members", map[string]any{
			"email": "friend@atelier.test", "name": "A friend", "password": pw}, 403, "forbidden")
		c.bad(t, manager, "POST", "/api/v1/members", map[string]any{
			"email": "short@atelier.test", "name": "Short", "password": "short"}, 422, "validation")
		c.bad(t, manager, "POST", "/api/v1/members", map[string]any{
			"email": "boss@atelier.test", "name": "Boss", "password": pw, "role": "boss"}, 422, "validation")
		c.bad(t, manager, "POST", "/api/v1/members", `{"email": "x@atelier.test", "name": ["X"], "password": "long enough pw"}`, 400, "bad_request")
		c.bad(t, manager, "POST", "/api/v1/members", map[string]any{"email": "x@atelier.test", "name": "X", "password": strings.Repeat("x", 2<<20)}, 413, "payload_too_large")
		var members struct {
			Members []struct {
				Role string `json:"role"`
			} `json:"members"`
			Total int `json:"total"`
		}
		c.ok(t, manager, "GET", "/api/v1/members"+q("role", "member", "limit", "2", "offset", "1"), nil, 200).Decode(t, &members)
		if len(members.Members) != 2 || members.Total < 4 {
			t.Errorf("GET /api/v1/members?role=member&limit=2&offset=1: want 2 of at least 4, got %d of %d", len(members.Members), members.Total)
		}
		c.ok(t, admin, "GET", "/api/v1/members", nil, 200)
		c.bad(t, manager, "GET", "/api/v1/members?limit=0", nil, 422, "validation")
		c.bad(t, manager, "GET", "/api/v1/members?limit=1001", nil, 422, "validation")
		c.bad(t, manager, "GET", "/api/v1/members?offset=-1", nil, 422, "validation")
		c.bad(t, manager, "GET", "/api/v1/members?role=boss", nil, 422, "validation")
		c.fail(t, mia, "GET", "/api/v1/members", nil, 403, "forbidden")
		c.ok(t, manager, "GET", p("/api/v1/members/%d", lea), nil, 200)
		c.fail(t, manager, "GET", "/api/v1/members/999999", nil, 404, "not_found")
		c.bad(t, manager, "GET", "/api/v1/members/abc", nil, 404, "not_found")
		c.fail(t, mia, "GET", p("/api/v1/members/%d", lea), nil, 403, "forbidden")
		c.ok(t, manager, "PATCH", p("/api/v1/members/%d", lea), map[string]any{"name": "Léa Dubois-Martin", "language": "nl"}, 200)
		c.fail(t, manager, "PATCH", p("/api/v1/members/%d", maxID), map[string]any{"name": "Max"}, 403, "forbidden")
		c.fail(t, manager, "PATCH", p("/api/v1/members/%d", lea), map[string]any{"active": false}, 403, "forbidden")
		c.fail(t, manager, "PATCH", "/api/v1/members/999999", map[string]any{"name": "Nobody"}, 404, "not_found")
		c.bad(t, admin, "PATCH", p("/api/v1/members/%d", lea), map[string]any{"role": "boss"}, 422, "validation")
		c.bad(t, admin, "PATCH", p("/api/v1/members/%d", lea), `{"active": "no"}`, 400, "bad_request")
		c.ok(t, admin, "PATCH", p("/api/v1/members/%d", lea), map[string]any{"active": false}, 200)
		c.ok(t, admin, "PATCH", p("/api/v1/members/%d", lea), map[string]any{"active": true, "role": "member", "password": "a new password for Léa"}, 200)
		c.fail(t, mia, "PATCH", p("/api/v1/members/%d", lea), map[string]any{"name": "Léa"}, 403, "forbidden")
	})

	step("workshop", func(t *testing.T) {
		all, weekdays := []int{1, 2, 3, 4, 5, 6, 7}, []int{1, 2, 3, 4, 5}
		c.ok(t, mia, "GET", "/api/v1/sites", nil, 200)
		forest = idOf(t, c.ok(t, admin, "POST", "/api/v1/sites", map[string]any{
			"name": "Atelier de Forest", "timezone": "Europe/Brussels", "floor_area_m2": 400,
			"opening_hours": []map[string]any{{"days": weekdays, "from": "07:00", "to": "23:00"}},
			"quiet_hours":   []map[string]any{{"days": all, "from": "22:00", "to": "07:00"}},
		}, 201))
		c.ok(t, admin, "POST", "/api/v1/sites", map[string]any{"name": "Dépôt de Molenbeek", "floor_area_m2": 120.5}, 201)
		c.fail(t, manager, "POST", "/api/v1/sites", map[string]any{"name": "Annexe", "floor_area_m2": 100}, 403, "forbidden")
		c.fail(t, admin, "POST", "/api/v1/sites", map[string]any{"name": "Annexe", "timezone": "Mars/Olympus_Mons", "floor_area_m2": 100}, 422, "validation")
		c.bad(t, admin, "POST", "/api/v1/sites", map[string]any{"name": "Annexe", "floor_area_m2": -5}, 422, "validation")
		c.bad(t, admin, "POST", "/api/v1/sites", map[string]any{"name": "Annexe", "floor_area_m2": 100,
			"opening_hours": []map[string]any{{"days": []int{8}, "from": "25:00", "to": "soon"}}}, 422, "validation")
		c.fail(t, admin, "POST", "/api/v1/sites", map[string]any{"name": "Annexe", "floor_area_m2": 100,
			"opening_hours": []map[string]any{{"days": []int{1}, "from": "10:00", "to": "10:00"}}}, 422, "validation")
		c.bad(t, admin, "POST", "/api/v1/sites", map[string]any{"name": "Annexe", "floor_area_m2": "big"}, 400, "bad_request")
		c.ok(t, mia, "GET", p("/api/v1/sites/%d", forest), nil, 200)
		c.fail(t, mia, "GET", "/api/v1/sites/999999", nil, 404, "not_found")
		c.ok(t, admin, "PATCH", p("/api/v1/sites/%d", forest), map[string]any{"name": "Atelier de Forest (rue du Charroi)"}, 200)
		c.fail(t, manager, "PATCH", p("/api/v1/sites/%d", forest), map[string]any{"name": "Forest"}, 403, "forbidden")
		c.fail(t, admin, "PATCH", "/api/v1/sites/999999", map[string]any{"name": "Nowhere"}, 404, "not_found")
		c.bad(t, admin, "PATCH", p("/api/v1/sites/%d", forest), `{"floor_area_m2": "big"}`, 400, "bad_request")

		joinery := idOf(t, c.ok(t, manager, "POST", "/api/v1/zones", map[string]any{
			"site_id": forest, "name": "Menuiserie", "use": "production", "area_m2": 250}, 201))
		store := idOf(t, c.ok(t, manager, "POST", "/api/v1/zones", map[string]any{
			"site_id": forest, "name": "Stock", "use": "storage", "area_m2": 100}, 201))
		c.fail(t, manager, "POST", "/api/v1/zones", map[string]any{
			"site_id": forest, "name": "Boutique", "use": "sales", "area_m2": 100}, 422, "floor_area_exceeded")
		c.fail(t, manager, "POST", "/api/v1/zones", map[string]any{
			"site_id": 999999, "name": "Boutique", "use": "sales", "area_m2": 10}, 422, "validation")
		c.bad(t, manager, "POST", "/api/v1/zones", map[string]any{
			"site_id": forest, "name": "Cuisine", "use": "kitchen", "area_m2": 10}, 422, "validation")
		c.fail(t, mia, "POST", "/api/v1/zones", map[string]any{
			"site_id": forest, "name": "Coin", "use": "office", "area_m2": 5}, 403, "forbidden")
		c.fail(t, admin, "PATCH", p("/api/v1/sites/%d", forest), map[string]any{"floor_area_m2": 300}, 422, "floor_area_exceeded")
		var zones struct {
			Zones []struct{} `json:"zones"`
		}
		c.ok(t, mia, "GET", p("/api/v1/zones?site_id=%d", forest), nil, 200).Decode(t, &zones)
		if len(zones.Zones) != 2 {
			t.Errorf("GET /api/v1/zones?site_id=%d: want 2 zones, got %d", forest, len(zones.Zones))
		}
		c.ok(t, mia, "GET", "/api/v1/zones", nil, 200)
		c.bad(t, mia, "GET", "/api/v1/zones?site_id=abc", nil, 422, "validation")
		c.ok(t, mia, "GET", p("/api/v1/zones/%d", joinery), nil, 200)
		c.fail(t, mia, "GET", "/api/v1/zones/999999", nil, 404, "not_found")
		c.ok(t, manager, "PATCH", p("/api/v1/zones/%d", store), map[string]any{"name": "Stock bois", "area_m2": 120}, 200)
		c.bad(t, manager, "PATCH", p("/api/v1/zones/%d", store), map[string]any{"site_id": w.SiteID}, 422, "validation")
		c.fail(t, manager, "PATCH", p("/api/v1/zones/%d", store), map[string]any{"area_m2": 200}, 422, "floor_area_exceeded")
		c.fail(t, mia, "PATCH", p("/api/v1/zones/%d", store), map[string]any{"name": "Mon stock"}, 403, "forbidden")
		c.fail(t, manager, "PATCH", "/api/v1/zones/999999", map[string]any{"name": "Nowhere"}, 404, "not_found")
		c.bad(t, manager, "PATCH", p("/api/v1/zones/%d", store), `{"area_m2": "wide"}`, 400, "bad_request")
		c.bad(t, manager, "POST", "/api/v1/zones", `{"site_id": "forest", "name": "Coin", "use": "office", "area_m2": 5}`, 400, "bad_request")

		saw = idOf(t, c.ok(t, manager, "POST", "/api/v1/resources", map[string]any{
			"zone_id": joinery, "name": "Scie à format", "kind": "machine", "nuisance": "loud",
			"requires_certification": true, "slot_minutes": 30, "min_minutes": 30, "max_minutes": 240,
			"max_advance_days": 30, "max_hours_per_week": 4}, 201))
		planer = idOf(t, c.ok(t, manager, "POST", "/api/v1/resources", map[string]any{
			"zone_id": joinery, "name": "Raboteuse", "kind": "machine", "nuisance": "moderate",
			"requires_approval": true, "slot_minutes": 60}, 201))
		benches = idOf(t, c.ok(t, manager, "POST", "/api/v1/resources", map[string]any{
			"zone_id": joinery, "name": "Établis", "kind": "space", "capacity": 6, "unit": "seat", "buffer_minutes": 15}, 201))
		c.fail(t, manager, "POST", "/api/v1/resources", map[string]any{
			"zone_id": joinery, "name": "Halle", "kind": "space", "capacity": 300, "unit": "m2"}, 422, "validation")
		c.fail(t, manager, "POST", "/api/v1/resources", map[string]any{
			"zone_id": joinery, "name": "Double presse", "kind": "machine", "capacity": 2}, 422, "validation")
		c.fail(t, manager, "POST", "/api/v1/resources", map[string]any{
			"zone_id": 999999, "name": "Perceuse", "kind": "machine"}, 422, "validation")
		c.bad(t, manager, "POST", "/api/v1/resources", map[string]any{
			"zone_id": joinery, "name": "Robot", "kind": "robot"}, 422, "validation")
		c.bad(t, manager, "POST", "/api/v1/resources", map[string]any{
			"zone_id": joinery, "name": "Ponceuse", "kind": "machine", "slot_minutes": -5}, 422, "validation")
		c.bad(t, manager, "POST", "/api/v1/resources", `{"zone_id": 1, "name": "Ponceuse", "kind": "machine", "requires_approval": "yes"}`, 400, "bad_request")
		c.fail(t, mia, "POST", "/api/v1/resources", map[string]any{
			"zone_id": joinery, "name": "Ma ponceuse", "kind": "machine"}, 403, "forbidden")
		var resources struct {
			Resources []struct {
				Kind string `json:"kind"`
			} `json:"resources"`
		}
		c.ok(t, mia, "GET", "/api/v1/resources"+q("site_id", fmt.Sprint(forest), "kind", "machine"), nil, 200).Decode(t, &resources)
		if len(resources.Resources) != 2 {
			t.Errorf("want the 2 machines of the site, got %d", len(resources.Resources))
		}
		c.ok(t, mia, "GET", p("/api/v1/resources?zone_id=%d", joinery), nil, 200)
		c.ok(t, mia, "GET", "/api/v1/resources", nil, 200)
		c.bad(t, mia, "GET", "/api/v1/resources?kind=robot", nil, 422, "validation")
		c.ok(t, mia, "GET", p("/api/v1/resources/%d", saw), nil, 200)
		c.fail(t, mia, "GET", "/api/v1/resources/999999", nil, 404, "not_found")
		// A change a minute later shows in updated_at, in the answer itself.
		env.Clock.Set(testclock.Start.Add(time.Minute))
		var stamps struct {
			CreatedAt time.Time `json:"created_at"`
			UpdatedAt time.Time `json:"updated_at"`
		}
		for _, path := range []string{p("/api/v1/sites/%d", forest), p("/api/v1/zones/%d", store), p("/api/v1/resources/%d", benches)} {
			body := map[string]any{"name": "Renommé"}
			if strings.Contains(path, "resources") {
				body = map[string]any{"name": "Établis partagés", "capacity": 8}
			}
			c.ok(t, admin, "PATCH", path, body, 200).Decode(t, &stamps)
			if !stamps.UpdatedAt.Equal(testclock.Start.Add(time.Minute)) {
				t.Errorf("PATCH %s: want updated_at %s, got %s", path, testclock.Start.Add(time.Minute), stamps.UpdatedAt)
			}
			c.ok(t, mia, "GET", path, nil, 200).Decode(t, &stamps)
			if !stamps.UpdatedAt.Equal(testclock.Start.Add(time.Minute)) || !stamps.CreatedAt.Equal(testclock.Start) {
				t.Errorf("GET %s after a change: want created_at %s and updated_at %s, got %+v", path, testclock.Start, testclock.Start.Add(time.Minute), stamps)
			}
		}
		c.bad(t, manager, "PATCH", p("/api/v1/resources/%d", benches), map[string]any{"kind": "machine"}, 422, "validation")
		c.fail(t, manager, "PATCH", p("/api/v1/resources/%d", benches), map[string]any{"zone_id": 999999}, 422, "validation")
		c.fail(t, mia, "PATCH", p("/api/v1/resources/%d", benches), map[string]any{"name": "Mes établis"}, 403, "forbidden")
		c.fail(t, manager, "PATCH", "/api/v1/resources/999999", map[string]any{"name": "Nowhere"}, 404, "not_found")
		c.bad(t, manager, "PATCH", p("/api/v1/resources/%d", benches), `{"capacity": "8"}`, 400, "bad_request")
	})

	step("certifications", func(t *testing.T) {
		certs := p("/api/v1/members/%d/certifications", miaU.ID)
		c.fail(t, manager, "POST", certs, map[string]any{"resource_id": 999999}, 422, "validation")
		c.fail(t, manager, "POST", "/api/v1/members/999999/certifications", map[string]any{"resource_id": saw}, 404, "not_found")
		c.bad(t, manager, "POST", certs, map[string]any{"resource_id": "saw"}, 400, "bad_request")
		c.bad(t, manager, "POST", certs, map[string]any{"resource_id": saw, "expires_on": "next year"}, 422, "validation")
		c.fail(t, mia, "POST", certs, map[string]any{"resource_id": saw}, 403, "forbidden")
		c.ok(t, manager, "POST", certs, map[string]any{"resource_id": saw, "expires_on": "2027-12-31"}, 201)
		c.ok(t, manager, "POST", p("/api/v1/members/%d/certifications", lea), map[string]any{"resource_id": saw, "expires_on": nil}, 201)
		var certList struct {
			Certifications []struct {
				ExpiresOn *string `json:"expires_on"`
			} `json:"certifications"`
		}
		c.ok(t, manager, "GET", certs, nil, 200).Decode(t, &certList)
		if len(certList.Certifications) != 1 || certList.Certifications[0].ExpiresOn == nil || *certList.Certifications[0].ExpiresOn != "2027-12-31" {
			t.Errorf("want Mia's one certification until 2027-12-31, got %+v", certList.Certifications)
		}
		c.fail(t, manager, "GET", "/api/v1/members/999999/certifications", nil, 404, "not_found")
		c.fail(t, mia, "GET", certs, nil, 403, "forbidden")
		c.fail(t, mia, "DELETE", p("/api/v1/members/%d/certifications/%d", lea, saw), nil, 403, "forbidden")
		c.ok(t, manager, "DELETE", p("/api/v1/members/%d/certifications/%d", lea, saw), nil, 204)
		c.fail(t, manager, "DELETE", p("/api/v1/members/%d/certifications/%d", lea, saw), nil, 404, "not_found")
	})

	step("bookings", func(t *testing.T) {
		var b bookingOut
		c.ok(t, mia, "POST", "/api/v1/bookings", slot(saw, at(2027, 1, 5, 9, 0), at(2027, 1, 5, 11, 0), "note", "Plateau de table en chêne"), 201).Decode(t, &b)
		sawBooking = b.ID
		if b.Status != "approved" || !strings.HasSuffix(b.Start, "+01:00") {
			t.Errorf("want an approved booking at the site's offset, got %+v", b)
		}
		c.fail(t, noe, "POST", "/api/v1/bookings", slot(saw, at(2027, 1, 5, 14, 0), at(2027, 1, 5, 15, 0)), 403, "certification_required")
		c.fail(t, mia, "POST", "/api/v1/bookings", slot(saw, at(2027, 1, 3, 10, 0), at(2027, 1, 3, 11, 0)), 422, "in_the_past")
		c.fail(t, mia, "POST", "/api/v1/bookings", slot(saw, at(2027, 2, 15, 9, 0), at(2027, 2, 15, 10, 0)), 422, "too_far_ahead")
		c.fail(t, mia, "POST", "/api/v1/bookings", slot(saw, at(2027, 1, 5, 12, 10), at(2027, 1, 5, 13, 10)), 422, "not_aligned")
		c.fail(t, mia, "POST", "/api/v1/bookings", slot(saw, at(2027, 1, 5, 12, 0), at(2027, 1, 5, 17, 0)), 422, "invalid_duration")
		c.fail(t, mia, "POST", "/api/v1/bookings", slot(saw, at(2027, 1, 9, 10, 0), at(2027, 1, 9, 11, 0)), 422, "outside_opening_hours")
		c.fail(t, mia, "POST", "/api/v1/bookings", slot(saw, at(2027, 1, 5, 21, 30), at(2027, 1, 5, 22, 30)), 422, "quiet_hours")
		c.fail(t, mia, "POST", "/api/v1/bookings", slot(saw, at(2027, 1, 6, 9, 0), at(2027, 1, 6, 12, 0)), 422, "quota_exceeded")
		c.fail(t, mia, "POST", "/api/v1/bookings", slot(saw, at(2027, 1, 5, 15, 0), at(2027, 1, 5, 14, 0)), 422, "validation")
		c.fail(t, mia, "POST", "/api/v1/bookings", slot(saw, at(2027, 1, 5, 14, 0), at(2027, 1, 5, 15, 0), "quantity", 2), 422, "validation")
		c.fail(t, mia, "POST", "/api/v1/bookings", slot(999999, at(2027, 1, 5, 14, 0), at(2027, 1, 5, 15, 0)), 422, "validation")
		c.bad(t, mia, "POST", "/api/v1/bookings", slot(saw, at(2027, 1, 5, 14, 0), at(2027, 1, 5, 15, 0), "quantity", 0), 422, "validation")
		c.bad(t, mia, "POST", "/api/v1/bookings", slot(saw, "tomorrow at nine", at(2027, 1, 5, 15, 0)), 422, "validation")
		c.bad(t, mia, "POST", "/api/v1/bookings", map[string]any{"start": at(2027, 1, 5, 14, 0), "end": at(2027, 1, 5, 15, 0)}, 422, "validation")
		c.bad(t, mia, "POST", "/api/v1/bookings", `{"resource_id": "saw"}`, 400, "bad_request")
		c.bad(t, mia, "POST", "/api/v1/bookings", `{"resource_id": 1,`, 400, "bad_request")
		c.bad(t, mia, "POST", "/api/v1/bookings", slot(saw, at(2027, 1, 5, 14, 0), at(2027, 1, 5, 15, 0), "note", strings.Repeat("n", 2<<20)), 413, "payload_too_large")
		c.fail(t, mia, "POST", "/api/v1/bookings", slot(saw, at(2027, 1, 5, 14, 0), at(2027, 1, 5, 15, 0), "member_id", noeU.ID), 403, "forbidden")
		c.bad(t, noCSRF, "POST", "/api/v1/bookings", slot(w.Machine, at(2027, 1, 5, 14, 0), at(2027, 1, 5, 15, 0)), 401, "unauthorized")

		machineBooking = idOf(t, c.ok(t, mia, "POST", "/api/v1/bookings", slot(w.Machine, at(2027, 1, 5, 10, 0), at(2027, 1, 5, 11, 0)), 201))
		r := c.fail(t, noe, "POST", "/api/v1/bookings", slot(w.Machine, at(2027, 1, 5, 10, 30), at(2027, 1, 5, 11, 30)), 409, "conflict")
		if !strings.Contains(string(r.Body), `"conflicts":[{`) {
			t.Errorf("a conflict must list the clashing ranges: %s", r)
		}
		c.ok(t, manager, "POST", "/api/v1/bookings", slot(w.Machine, at(2027, 1, 6, 10, 0), at(2027, 1, 6, 11, 0), "member_id", noeU.ID), 201)
		c.ok(t, mia, "POST", "/api/v1/bookings", slot(benches, at(2027, 1, 5, 9, 0), at(2027, 1, 5, 12, 0), "quantity", 5), 201)
		c.fail(t, noe, "POST", "/api/v1/bookings", slot(benches, at(2027, 1, 5, 12, 0), at(2027, 1, 5, 13, 0), "quantity", 4), 409, "conflict")
		// Noé books from a browser: the session cookie with its CSRF token.
		noeSess := c.session(t, noeU)
		benchBooking := idOf(t, c.ok(t, noeSess, "POST", "/api/v1/bookings", slot(benches, at(2027, 1, 5, 12, 15), at(2027, 1, 5, 13, 0), "quantity", 4), 201))
		c.bad(t, who{cookie: noeSess.cookie}, "POST", p("/api/v1/bookings/%d/cancel", benchBooking), nil, 403, "forbidden")
		c.bad(t, noeSess, "POST", p("/api/v1/bookings/%d/cancel", benchBooking), map[string]any{"reason": strings.Repeat("r", 2001)}, 422, "validation")

		c.ok(t, mia, "POST", "/api/v1/bookings", slot(planer, at(2027, 1, 7, 9, 0), at(2027, 1, 7, 11, 0)), 201).Decode(t, &b)
		p1 := b.ID
		if b.Status != "pending" {
			t.Errorf("a booking of a resource that needs approval must be pending, got %s", b.Status)
		}
		p2 := idOf(t, c.ok(t, noe, "POST", "/api/v1/bookings", slot(planer, at(2027, 1, 7, 14, 0), at(2027, 1, 7, 15, 0)), 201))
		p3 := idOf(t, c.ok(t, noe, "POST", "/api/v1/bookings", slot(planer, at(2027, 1, 8, 9, 0), at(2027, 1, 8, 10, 0)), 201))

		c.fail(t, mia, "POST", p("/api/v1/bookings/%d/approve", p1), nil, 403, "forbidden")
		c.fail(t, mia, "POST", p("/api/v1/bookings/%d/approve", p2), nil, 404, "not_found")
		c.ok(t, manager, "POST", p("/api/v1/bookings/%d/approve", p1), nil, 200).Decode(t, &b)
		if b.Status != "approved" || b.DecidedBy == nil || *b.DecidedBy != w.Manager.ID {
			t.Errorf("want approved by the manager, got %+v", b)
		}
		c.fail(t, manager, "POST", p("/api/v1/bookings/%d/approve", p1), nil, 409, "invalid_transition")
		c.bad(t, manager, "POST", p("/api/v1/bookings/%d/approve", p3), map[string]any{"reason": strings.Repeat("r", 2001)}, 422, "validation")
		c.ok(t, manager, "POST", p("/api/v1/bookings/%d/approve", p3), map[string]any{"reason": "Bon travail"}, 200)
		c.fail(t, manager, "POST", "/api/v1/bookings/999999/approve", nil, 404, "not_found")
		c.fail(t, manager, "POST", "/api/v1/bookings/999999/reject", map[string]any{"reason": "Inconnue"}, 404, "not_found")
		c.bad(t, manager, "POST", p("/api/v1/bookings/%d/approve", p1), `{"reason": 1}`, 400, "bad_request")
		c.bad(t, manager, "POST", p("/api/v1/bookings/%d/reject", p2), nil, 422, "validation")
		c.bad(t, manager, "POST", p("/api/v1/bookings/%d/reject", p2), map[string]any{}, 422, "validation")
		c.bad(t, manager, "POST", p("/api/v1/bookings/%d/reject", p2), map[string]any{"reason": "  "}, 422, "validation")
		c.bad(t, manager, "POST", p("/api/v1/bookings/%d/reject", p2), `{"reason": 5}`, 400, "bad_request")
		c.fail(t, noe, "POST", p("/api/v1/bookings/%d/reject", p2), map[string]any{"reason": "Je change d'avis"}, 403, "forbidden")
		c.ok(t, manager, "POST", p("/api/v1/bookings/%d/reject", p2), map[string]any{"reason": "La raboteuse est en révision ce jour-là."}, 200).Decode(t, &b)
		if b.Status != "rejected" || b.Reason == "" {
			t.Errorf("want rejected with its reason, got %+v", b)
		}
		c.fail(t, manager, "POST", p("/api/v1/bookings/%d/reject", p1), map[string]any{"reason": "Trop tard"}, 409, "invalid_transition")
		c.fail(t, manager, "POST", p("/api/v1/bookings/%d/cancel", p2), nil, 409, "invalid_transition")
		c.fail(t, noe, "POST", p("/api/v1/bookings/%d/cancel", sawBooking), nil, 404, "not_found")
		c.bad(t, manager, "POST", p("/api/v1/bookings/%d/cancel", p3), `{"reason": 5}`, 400, "bad_request")
		// A body of unknown length: an empty one is no body, a malformed one is
		// still malformed (it once cancelled the booking regardless).
		c.do(t, call{as: manager, method: "POST", path: p("/api/v1/bookings/%d/cancel", p3), body: `{"reason": `,
			want: 400, code: "bad_request", refused: true, chunked: true})
		c.do(t, call{as: manager, method: "POST", path: p("/api/v1/bookings/%d/approve", p3), body: `{"reason"`,
			want: 400, code: "bad_request", refused: true, chunked: true})
		c.do(t, call{as: manager, method: "POST", path: p("/api/v1/bookings/%d/cancel", p3), body: "", want: 200, chunked: true})
		c.fail(t, manager, "POST", p("/api/v1/bookings/%d/cancel", p3), nil, 409, "invalid_transition")
		c.ok(t, mia, "GET", p("/api/v1/bookings/%d", sawBooking), nil, 200)
		c.fail(t, noe, "GET", p("/api/v1/bookings/%d", sawBooking), nil, 404, "not_found")
		c.fail(t, mia, "GET", "/api/v1/bookings/999999", nil, 404, "not_found")
		c.bad(t, mia, "GET", "/api/v1/bookings/0", nil, 404, "not_found")

		var list struct {
			Bookings []bookingOut `json:"bookings"`
			Total    int          `json:"total"`
		}
		c.ok(t, mia, "GET", "/api/v1/bookings", nil, 200).Decode(t, &list)
		for _, bk := range list.Bookings {
			if bk.MemberID != miaU.ID {
				t.Errorf("a member's list holds someone else's booking: %+v", bk)
			}
		}
		c.ok(t, manager, "GET", "/api/v1/bookings"+q("resource_id", fmt.Sprint(planer), "status", "approved",
			"from", at(2027, 1, 4, 0, 0), "to", at(2027, 1, 11, 0, 0), "order", "created", "limit", "10", "offset", "0"), nil, 200).Decode(t, &list)
		if list.Total != 1 {
			t.Errorf("want the one approved planer booking left, got %d", list.Total)
		}
		c.ok(t, manager, "GET", "/api/v1/bookings"+q("member_id", fmt.Sprint(noeU.ID), "site_id", fmt.Sprint(forest)), nil, 200)
		c.bad(t, manager, "GET", "/api/v1/bookings?status=lost", nil, 422, "validation")
		c.bad(t, manager, "GET", "/api/v1/bookings?from=yesterday", nil, 422, "validation")
		c.bad(t, manager, "GET", "/api/v1/bookings?resource_id=-1", nil, 422, "validation")
		c.bad(t, anon, "GET", "/api/v1/bookings", nil, 401, "unauthorized")
	})

	step("availability", func(t *testing.T) {
		var av struct {
			Intervals []struct {
				State string `json:"state"`
			} `json:"intervals"`
		}
		c.ok(t, noe, "GET", p("/api/v1/resources/%d/availability", saw)+q("from", at(2027, 1, 5, 0, 0), "to", at(2027, 1, 6, 0, 0)), nil, 200).Decode(t, &av)
		states := map[string]bool{}
		for _, iv := range av.Intervals {
			states[iv.State] = true
		}
		if !states["open"] || !states["outside_opening_hours"] || !states["quiet_hours"] {
			t.Errorf("a loud machine's day: want open, outside_opening_hours and quiet_hours intervals, got %v", states)
		}
		c.ok(t, mia, "GET", p("/api/v1/resources/%d/availability", benches)+q("from", at(2027, 1, 5, 8, 0), "to", at(2027, 1, 5, 14, 0)), nil, 200)
		c.bad(t, mia, "GET", p("/api/v1/resources/%d/availability", saw)+q("from", at(2027, 1, 5, 0, 0)), nil, 422, "validation")
		c.fail(t, mia, "GET", p("/api/v1/resources/%d/availability", saw)+q("from", at(2027, 1, 6, 0, 0), "to", at(2027, 1, 5, 0, 0)), nil, 422, "validation")
		c.fail(t, mia, "GET", p("/api/v1/resources/%d/availability", saw)+q("from", at(2027, 1, 1, 0, 0), "to", at(2027, 6, 1, 0, 0)), nil, 422, "validation")
		c.fail(t, mia, "GET", "/api/v1/resources/999999/availability"+q("from", at(2027, 1, 5, 0, 0), "to", at(2027, 1, 6, 0, 0)), nil, 404, "not_found")
	})

	step("closures", func(t *testing.T) {
		closures := p("/api/v1/resources/%d/closures", w.Machine)
		var created struct {
			Closure struct {
				ID int64 `json:"id"`
			} `json:"closure"`
			Cancelled []bookingOut `json:"cancelled"`
		}
		c.ok(t, manager, "POST", closures, map[string]any{"start": at(2027, 1, 5, 8, 0), "end": at(2027, 1, 5, 12, 0), "reason": "Maintenance annuelle"}, 201).Decode(t, &created)
		if len(created.Cancelled) != 1 || created.Cancelled[0].ID != machineBooking || created.Cancelled[0].Status != "cancelled" {
			t.Errorf("the closure must cancel Mia's machine booking, got %+v", created.Cancelled)
		}
		c.fail(t, mia, "POST", "/api/v1/bookings", slot(w.Machine, at(2027, 1, 5, 8, 0), at(2027, 1, 5, 9, 0)), 422, "closed")
		c.ok(t, manager, "POST", closures, map[string]any{"start": at(2027, 1, 20, 8, 0), "end": at(2027, 1, 20, 20, 0), "reason": "Formation"}, 201)
		c.fail(t, mia, "POST", closures, map[string]any{"start": at(2027, 1, 6, 8, 0), "end": at(2027, 1, 6, 9, 0), "reason": "Pour moi"}, 403, "forbidden")
		c.fail(t, manager, "POST", closures, map[string]any{"start": at(2027, 1, 6, 12, 0), "end": at(2027, 1, 6, 11, 0), "reason": "À l'envers"}, 422, "validation")
		c.fail(t, manager, "POST", closures, map[string]any{"start": at(2027, 1, 1, 12, 0), "end": at(2027, 1, 2, 11, 0), "reason": "Passé"}, 422, "validation")
		c.bad(t, manager, "POST", closures, map[string]any{"start": at(2027, 1, 6, 8, 0), "end": at(2027, 1, 6, 9, 0), "reason": ""}, 422, "validation")
		c.bad(t, manager, "POST", closures, `{"start": 8}`, 400, "bad_request")
		c.fail(t, manager, "POST", "/api/v1/resources/999999/closures", map[string]any{"start": at(2027, 1, 6, 8, 0), "end": at(2027, 1, 6, 9, 0), "reason": "Rien"}, 404, "not_found")
		var cl struct {
			Closures []struct{} `json:"closures"`
		}
		c.ok(t, mia, "GET", closures, nil, 200).Decode(t, &cl)
		if len(cl.Closures) != 2 {
			t.Errorf("want 2 closures, got %d", len(cl.Closures))
		}
		c.ok(t, mia, "GET", closures+q("from", at(2027, 1, 10, 0, 0)), nil, 200).Decode(t, &cl)
		if len(cl.Closures) != 1 {
			t.Errorf("want 1 closure ending after 10 January, got %d", len(cl.Closures))
		}
		c.bad(t, mia, "GET", closures+"?from=soon", nil, 422, "validation")
		c.fail(t, mia, "GET", "/api/v1/resources/999999/closures", nil, 404, "not_found")
		c.fail(t, mia, "DELETE", p("%s/%d", closures, created.Closure.ID), nil, 403, "forbidden")
		c.ok(t, manager, "DELETE", p("%s/%d", closures, created.Closure.ID), nil, 204)
		c.fail(t, manager, "DELETE", p("%s/%d", closures, created.Closure.ID), nil, 404, "not_found")
		c.fail(t, manager, "DELETE", p("/api/v1/resources/%d/closures/%d", saw, created.Closure.ID), nil, 404, "not_found")

		// Cancelling one's own booking (after the quota check used it above).
		var b bookingOut
		c.ok(t, mia, "POST", p("/api/v1/bookings/%d/cancel", sawBooking), map[string]any{"reason": "Plus besoin"}, 200).Decode(t, &b)
		if b.Status != "cancelled" || b.CancelledBy == nil || *b.CancelledBy != miaU.ID {
			t.Errorf("want cancelled by Mia, got %+v", b)
		}
	})

	step("calendar feeds", func(t *testing.T) {
		var feed struct {
			URL string `json:"url"`
		}
		c.ok(t, mia, "GET", "/api/v1/me/calendar", nil, 200).Decode(t, &feed)
		u, err := url.Parse(feed.URL)
		if err != nil || !strings.HasSuffix(u.Path, ".ics") {
			t.Fatalf("feed url %q: %v", feed.URL, err)
		}
		feedPath := u.Path
		c.bad(t, anon, "GET", "/api/v1/me/calendar", nil, 401, "unauthorized")
		c.ok(t, anon, "GET", feedPath, nil, 200)
		c.ok(t, mia, "POST", "/api/v1/me/calendar/rotate", nil, 200).Decode(t, &feed)
		c.fail(t, anon, "GET", feedPath, nil, 404, "not_found")
		u, _ = url.Parse(feed.URL)
		c.ok(t, anon, "GET", u.Path, nil, 200)
		c.bad(t, noCSRF, "POST", "/api/v1/me/calendar/rotate", nil, 401, "unauthorized")
		c.fail(t, anon, "GET", "/calendar/never-issued.ics", nil, 404, "not_found")
		c.ok(t, mia, "GET", p("/api/v1/bookings/%d/ics", sawBooking), nil, 200)
		c.fail(t, noe, "GET", p("/api/v1/bookings/%d/ics", sawBooking), nil, 404, "not_found")
		c.bad(t, anon, "GET", p("/api/v1/bookings/%d/ics", sawBooking), nil, 401, "unauthorized")
		c.ok(t, noe, "GET", p("/api/v1/resources/%d/calendar.ics", saw), nil, 200)
		c.fail(t, noe, "GET", "/api/v1/resources/999999/calendar.ics", nil, 404, "not_found")

		// A resource's public busy-only feed, handed out by a host.
		var pub struct {
			URL string `json:"url"`
		}
		c.ok(t, manager, "GET", p("/api/v1/resources/%d/feed", saw), nil, 200).Decode(t, &pub)
		c.fail(t, mia, "GET", p("/api/v1/resources/%d/feed", saw), nil, 403, "forbidden")
		c.fail(t, manager, "GET", "/api/v1/resources/999999/feed", nil, 404, "not_found")
		if u, err := url.Parse(pub.URL); err == nil {
			c.ok(t, anon, "GET", u.Path, nil, 200)
			c.ok(t, manager, "POST", p("/api/v1/resources/%d/feed/rotate", saw), nil, 200)
			c.fail(t, anon, "GET", u.Path, nil, 404, "not_found")
		}
		c.fail(t, mia, "POST", p("/api/v1/resources/%d/feed/rotate", saw), nil, 403, "forbidden")
		c.fail(t, manager, "POST", "/api/v1/resources/999999/feed/rotate", nil, 404, "not_found")
	})

	step("audit log and metrics", func(t *testing.T) {
		c.ok(t, admin, "GET", "/api/v1/audit?limit=50", nil, 200)
		c.fail(t, manager, "GET", "/api/v1/audit", nil, 403, "forbidden")
		c.bad(t, admin, "GET", "/api/v1/audit?limit=0", nil, 422, "validation")
		c.ok(t, anon, "GET", "/metrics", nil, 200)
	})

	step("usage report", func(t *testing.T) {
		report := "/api/v1/reports/usage" + q("site_id", fmt.Sprint(forest), "from", at(2027, 1, 4, 0, 0), "to", at(2027, 2, 15, 0, 0))
		c.ok(t, manager, "GET", report, nil, 200)
		c.ok(t, admin, "GET", report+"&format=csv", nil, 200)
		c.fail(t, mia, "GET", report, nil, 403, "forbidden")
		c.fail(t, manager, "GET", "/api/v1/reports/usage"+q("site_id", fmt.Sprint(forest), "from", at(2027, 1, 4, 0, 0),
			"to", at(2028, 1, 6, 0, 0)), nil, 422, "validation")
		c.bad(t, manager, "GET", "/api/v1/reports/usage"+q("site_id", fmt.Sprint(forest)), nil, 422, "validation")
	})

	step("series and waiting list", func(t *testing.T) {
		// Mondays of February 2027 on the test workshop's machine.
		weekly := func(extra ...any) map[string]any {
			return slot(w.Machine, at(2027, 2, 1, 10, 0), at(2027, 2, 1, 11, 0), append([]any{"rrule", "FREQ=WEEKLY;COUNT=3"}, extra...)...)
		}
		c.ok(t, mia, "POST", "/api/v1/series/preview", weekly(), 200)
		c.bad(t, mia, "POST", "/api/v1/series/preview", slot(w.Machine, at(2027, 2, 1, 10, 0), at(2027, 2, 1, 11, 0)), 422, "validation")
		series := idOf(t, c.ok(t, mia, "POST", "/api/v1/series", weekly("note", "Série de découpe"), 201))
		c.fail(t, noe, "POST", "/api/v1/series", weekly(), 409, "conflict")
		c.fail(t, noe, "POST", "/api/v1/series", weekly("on_conflict", "skip"), 409, "conflict")
		c.bad(t, noe, "POST", "/api/v1/series", weekly("on_conflict", "maybe"), 422, "validation")
		c.ok(t, mia, "GET", "/api/v1/series", nil, 200)
		c.ok(t, manager, "GET", "/api/v1/series"+q("resource_id", fmt.Sprint(w.Machine)), nil, 200)
		c.ok(t, mia, "GET", p("/api/v1/series/%d", series), nil, 200)
		c.fail(t, noe, "GET", p("/api/v1/series/%d", series), nil, 404, "not_found")
		c.fail(t, manager, "POST", p("/api/v1/series/%d/approve", series), nil, 409, "invalid_transition")
		c.fail(t, manager, "POST", p("/api/v1/series/%d/approve", series), map[string]any{"from": at(2027, 2, 8, 0, 0)}, 422, "validation")
		c.fail(t, manager, "POST", p("/api/v1/series/%d/reject", series), map[string]any{"reason": "Complet"}, 409, "invalid_transition")
		c.fail(t, mia, "POST", p("/api/v1/series/%d/approve", series), nil, 403, "forbidden")
		c.fail(t, manager, "POST", "/api/v1/series/999999/approve", nil, 404, "not_found")
		c.bad(t, mia, "GET", "/api/v1/series"+q("limit", "many"), nil, 422, "validation")
		c.bad(t, mia, "GET", "/api/v1/waitlist"+q("resource_id", "saw"), nil, 422, "validation")
		// The planer asks for approval: one series approved, one rejected.
		onPlaner := func(day int) map[string]any {
			return slot(planer, at(2027, 2, day, 9, 0), at(2027, 2, day, 10, 0), "rrule", "FREQ=WEEKLY;COUNT=2")
		}
		approved := idOf(t, c.ok(t, mia, "POST", "/api/v1/series", onPlaner(2), 201))
		rejected := idOf(t, c.ok(t, noe, "POST", "/api/v1/series", onPlaner(3), 201))
		c.ok(t, manager, "POST", p("/api/v1/series/%d/approve", approved), nil, 200)
		c.bad(t, manager, "POST", p("/api/v1/series/%d/reject", rejected), nil, 422, "validation")
		c.ok(t, manager, "POST", p("/api/v1/series/%d/reject", rejected), map[string]any{"reason": "Atelier réservé à un cours"}, 200)
		c.fail(t, noe, "POST", p("/api/v1/series/%d/cancel", rejected), nil, 409, "invalid_transition")
		c.fail(t, noe, "POST", p("/api/v1/series/%d/cancel", approved), nil, 404, "not_found")
		c.fail(t, mia, "POST", p("/api/v1/series/%d/cancel", approved), map[string]any{"from": at(2027, 2, 20, 0, 0), "to": at(2027, 2, 10, 0, 0)}, 422, "validation")

		// Noé waits for the first Monday; Mia's holiday frees it.
		first := slot(w.Machine, at(2027, 2, 1, 10, 0), at(2027, 2, 1, 11, 0))
		entry := idOf(t, c.ok(t, noe, "POST", "/api/v1/waitlist", first, 201))
		c.fail(t, noe, "POST", "/api/v1/waitlist", first, 409, "conflict")
		c.fail(t, noe, "POST", "/api/v1/waitlist", slot(w.Machine, at(2027, 2, 1, 14, 0), at(2027, 2, 1, 15, 0)), 422, "slot_free")
		c.fail(t, noe, "POST", "/api/v1/waitlist", slot(w.Machine, at(2027, 2, 1, 10, 0), at(2027, 2, 1, 11, 0), "note", "vite"), 422, "validation")
		later := idOf(t, c.ok(t, noe, "POST", "/api/v1/waitlist", slot(w.Machine, at(2027, 2, 8, 10, 0), at(2027, 2, 8, 11, 0)), 201))
		c.ok(t, noe, "GET", "/api/v1/waitlist", nil, 200)
		c.ok(t, manager, "GET", "/api/v1/waitlist"+q("resource_id", fmt.Sprint(w.Machine)), nil, 200)
		c.fail(t, mia, "DELETE", p("/api/v1/waitlist/%d", later), nil, 404, "not_found")
		c.ok(t, noe, "DELETE", p("/api/v1/waitlist/%d", later), nil, 204)
		c.ok(t, mia, "POST", p("/api/v1/series/%d/cancel", series), map[string]any{"reason": "Vacances",
			"from": at(2027, 2, 1, 0, 0), "to": at(2027, 2, 2, 0, 0)}, 200)
		c.fail(t, noe, "DELETE", p("/api/v1/waitlist/%d", entry), nil, 409, "invalid_transition")

		// Noé is told; reading marks it read.
		var inbox struct {
			Notifications []struct {
				ID   int64  `json:"id"`
				Kind string `json:"kind"`
			} `json:"notifications"`
		}
		c.ok(t, noe, "GET", "/api/v1/me/notifications", nil, 200).Decode(t, &inbox)
		if len(inbox.Notifications) == 0 || inbox.Notifications[0].Kind != "waitlist_booked" {
			t.Fatalf("Noé's notifications after the promotion: %+v", inbox.Notifications)
		}
		c.ok(t, noe, "POST", p("/api/v1/me/notifications/%d/read", inbox.Notifications[0].ID), nil, 204)
		c.fail(t, mia, "POST", p("/api/v1/me/notifications/%d/read", inbox.Notifications[0].ID), nil, 404, "not_found")
		c.ok(t, mia, "POST", "/api/v1/me/notifications/read", nil, 204)
		c.ok(t, noe, "GET", "/api/v1/me/notifications"+q("unread", "true"), nil, 200)
		c.ok(t, mia, "GET", "/api/v1/me/certifications", nil, 200)
	})

	step("site limits", func(t *testing.T) {
		// A 12 kW building where one loud machine runs at a time.
		site := p("/api/v1/sites/%d", w.SiteID)
		c.ok(t, manager, "PATCH", p("/api/v1/resources/%d", w.Machine), map[string]any{"power_kw": 5, "nuisance": "loud"}, 200)
		kiln := idOf(t, c.ok(t, manager, "POST", "/api/v1/resources", map[string]any{
			"zone_id": w.ZoneID, "name": "Four", "kind": "machine", "power_kw": 6, "nuisance": "loud", "slot_minutes": 30}, 201))
		compressor := idOf(t, c.ok(t, manager, "POST", "/api/v1/resources", map[string]any{
			"zone_id": w.ZoneID, "name": "Compresseur", "kind": "machine", "power_kw": 8, "slot_minutes": 30}, 201))
		c.ok(t, admin, "PATCH", site, map[string]any{"power_kw": 12, "loud_at_once": 1}, 200)
		c.bad(t, admin, "PATCH", site, map[string]any{"power_kw": -1}, 422, "validation")
		c.ok(t, mia, "POST", "/api/v1/bookings", slot(w.Machine, at(2027, 2, 10, 10, 0), at(2027, 2, 10, 12, 0)), 201)
		c.fail(t, noe, "POST", "/api/v1/bookings", slot(kiln, at(2027, 2, 10, 11, 0), at(2027, 2, 10, 12, 0)), 409, "noise_limit")
		c.fail(t, noe, "POST", "/api/v1/bookings", slot(compressor, at(2027, 2, 10, 10, 0), at(2027, 2, 10, 11, 0)), 409, "power_exceeded")
		c.fail(t, noe, "POST", "/api/v1/waitlist", slot(compressor, at(2027, 2, 10, 10, 0), at(2027, 2, 10, 11, 0)), 409, "power_exceeded")
		c.ok(t, noe, "POST", "/api/v1/bookings", slot(compressor, at(2027, 2, 10, 12, 0), at(2027, 2, 10, 13, 0)), 201)
		// 7 kW would not hold the compressor (8 kW) at all.
		c.fail(t, admin, "PATCH", site, map[string]any{"power_kw": 7}, 409, "conflict")
		c.fail(t, admin, "PATCH", site, map[string]any{"power_kw": 7, "force": true}, 422, "validation")
		c.ok(t, admin, "PATCH", site, map[string]any{"power_kw": 7, "force": true, "reason": "Fusible plus petit"}, 200)
		c.ok(t, admin, "PATCH", site, map[string]any{"power_kw": 0, "loud_at_once": 0}, 200)
	})

	step("password change", func(t *testing.T) {
		// The current password is checked like a sign-in (the contract's
		// Auth): Victor's address is still locked out for his account.
		c.fail(t, bearer(victor), "PATCH", "/api/v1/me", map[string]any{"password": "another long passphrase", "current_password": pw}, 429, "rate_limited")
		env.Clock.Set(env.Clock.Now().Add(models.DefaultLoginLimits().Window + time.Minute))
		c.ok(t, bearer(victor), "PATCH", "/api/v1/me", map[string]any{"password": "another long passphrase", "current_password": pw}, 200)
		c.fail(t, bearer(victor), "GET", "/api/v1/me", nil, 401, "unauthorized")
	})

	step("undocumented answers", func(t *testing.T) {
		unknown := env.Do("GET", "/api/v1/nowhere", miaU.Token, nil)
		if unknown.Code != 404 || unknown.ErrorCode() != "not_found" || !strings.Contains(string(unknown.Body), unknownRoute) {
			t.Errorf("an unknown address: want 404 not_found %q, got %s", unknownRoute, unknown)
		}
		c.errorShape(t, unknown)
		notAllowed := env.Do("POST", "/healthz", "", nil)
		if notAllowed.Code != 405 || notAllowed.ErrorCode() != "method_not_allowed" {
			t.Errorf("POST /healthz: want 405 method_not_allowed, got %s", notAllowed)
		}
		c.errorShape(t, notAllowed)
	})

	step("401 and 413 on every operation", func(t *testing.T) {
		for _, o := range c.sortedOps() {
			path := examplePath(o.path)
			if c.needsAuth(o.op) {
				c.bad(t, anon, o.method, path, nil, 401, "unauthorized")
			}
			if o.op.Responses.Status(413) != nil {
				big := map[string]any{"reason": strings.Repeat("x", 1<<20)}
				c.do(t, call{as: manager, method: o.method, path: path, body: big, want: 413, code: "payload_too_large", anyRequest: true})
			}
		}
	})

	step("database gone", func(t *testing.T) {
		if err := env.DB.Close(); err != nil {
			t.Fatal(err)
		}
		c.fail(t, anon, "GET", "/healthz", nil, 503, "unavailable")
	})

	step("coverage", func(t *testing.T) {
		var missed []string
		for shape, o := range c.ops {
			if c.seen[shape] == nil {
				missed = append(missed, o.method+" "+o.path)
			}
		}
		sort.Strings(missed)
		if len(missed) > 0 {
			t.Errorf("operations of openapi.yaml the scenario never exercised: %s", strings.Join(missed, ", "))
		}
		c.logUntested(t)
	})
}
