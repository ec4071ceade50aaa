package handlers_test

import (
	"fmt"
	"strings"
	"testing"

	"atelier/internal/apitest"
	"atelier/models"
)

// Refused writes to sites, zones, resources, members, certifications and
// closures, and refused list filters.

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
	env, w, g := newGuarded(t)
	admin, mgr := w.Admin.Token, w.Manager.Token
	member := env.NewUser(t, models.RoleMember, "Mona Member")
	closet := env.Must(t, 201, "POST", "/api/v1/zones", mgr, map[string]any{
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
