package handlers_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"atelier/internal/apitest"
	"atelier/models"
)

// The booking rules' refusals, one by one and in the contract's order.

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
	env, w, g := newGuarded(t)
	bw := &bookingWorld{guard: g, w: w,
		member: env.NewUser(t, models.RoleMember, "Mira Member"), other: env.NewUser(t, models.RoleMember, "Otto Other"),
		uncertified: env.NewUser(t, models.RoleMember, "Ugo Uncertified"), lapse: env.NewUser(t, models.RoleMember, "Lea Lapsed")}
	mgr := w.Manager.Token
	bw.strict = env.Must(t, 201, "POST", "/api/v1/resources", mgr, map[string]any{
		"zone_id": w.ZoneID, "name": "Table saw", "kind": "machine", "nuisance": "loud",
		"requires_certification": true, "slot_minutes": 30, "min_minutes": 60, "max_minutes": 240,
		"max_hours_per_week": 3, "max_advance_days": 30}).ID()
	for _, u := range []apitest.User{bw.member, bw.other} {
		env.Must(t, 201, "POST", fmt.Sprintf("/api/v1/members/%d/certifications", u.ID), mgr, map[string]any{"resource_id": bw.strict})
	}
	env.Must(t, 201, "POST", fmt.Sprintf("/api/v1/members/%d/certifications", bw.lapse.ID), mgr,
		map[string]any{"resource_id": bw.strict, "expires_on": "2027-01-04"})

	nightSite := env.Must(t, 201, "POST", "/api/v1/sites", w.Admin.Token, map[string]any{
		"name": "Night hall", "timezone": "Europe/Brussels", "floor_area_m2": 200,
		"opening_hours": []map[string]any{{"days": everyDay, "from": "00:00", "to": "24:00"}},
		"quiet_hours":   []map[string]any{{"days": everyDay, "from": "22:00", "to": "07:00"}},
	}).ID()
	nightZone := env.Must(t, 201, "POST", "/api/v1/zones", mgr, map[string]any{
		"site_id": nightSite, "name": "Hall", "use": "production", "area_m2": 150}).ID()
	bw.night = env.Must(t, 201, "POST", "/api/v1/resources", mgr, map[string]any{
		"zone_id": nightZone, "name": "Planer", "kind": "machine", "slot_minutes": 30}).ID()
	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/resources/%d", bw.night), mgr, map[string]any{"nuisance": "loud"})
	bw.kiln = env.Must(t, 201, "POST", "/api/v1/resources", mgr, map[string]any{
		"zone_id": w.ZoneID, "name": "Kiln", "kind": "machine", "slot_minutes": 30, "buffer_minutes": 30}).ID()

	env.Must(t, 201, "POST", "/api/v1/bookings", bw.member.Token, bookingBody(bw.strict, 5, 10, 0, 5, 12, 0))
	env.Must(t, 201, "POST", "/api/v1/bookings", bw.other.Token, bookingBody(bw.strict, 7, 10, 0, 7, 12, 0))
	env.Must(t, 201, "POST", "/api/v1/bookings", bw.other.Token, bookingBody(bw.kiln, 5, 10, 0, 5, 11, 0))
	env.Must(t, 201, "POST", "/api/v1/bookings", bw.other.Token, with(bookingBody(w.Space, 5, 10, 0, 5, 12, 0), "quantity", 80))
	env.Must(t, 201, "POST", fmt.Sprintf("/api/v1/resources/%d/closures", bw.strict), mgr, map[string]any{
		"start": jan(8, 8, 0), "end": jan(8, 20, 0), "reason": "Annual maintenance"})
	env.Must(t, 201, "POST", fmt.Sprintf("/api/v1/resources/%d/closures", bw.night), mgr, map[string]any{
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
	bw.env.Must(t, 201, "POST", "/api/v1/bookings", m, bookingBody(bw.strict, 6, 10, 0, 6, 11, 0))
	bw.env.Must(t, 201, "POST", "/api/v1/bookings", m, with(bookingBody(w.Space, 5, 11, 0, 5, 12, 0), "quantity", 20))
	bw.env.Must(t, 201, "POST", "/api/v1/bookings", m, bookingBody(bw.kiln, 5, 11, 30, 5, 12, 0))
	bw.env.Must(t, 201, "POST", "/api/v1/bookings", m, bookingBody(bw.night, 6, 20, 0, 6, 22, 0))
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
