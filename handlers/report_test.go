package handlers_test

import (
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"atelier/internal/apitest"
	"atelier/internal/apitest/testclock"
	"atelier/models"
)

type reportUsage struct {
	ResourceID          int64   `json:"resource_id"`
	Name                string  `json:"name"`
	Kind                string  `json:"kind"`
	Unit                string  `json:"unit"`
	Capacity            int     `json:"capacity"`
	OpenHours           float64 `json:"open_hours"`
	BookedHours         float64 `json:"booked_hours"`
	BookedCapacityHours float64 `json:"booked_capacity_hours"`
	Utilization         float64 `json:"utilization"`
	Bookings            int64   `json:"bookings"`
	Members             int64   `json:"members"`
}

type reportUse struct {
	Use          string   `json:"use"`
	AreaM2       float64  `json:"area_m2"`
	ShareOfFloor float64  `json:"share_of_floor"`
	Utilization  *float64 `json:"utilization"`
}

type reportBody struct {
	SiteID        int64         `json:"site_id"`
	From          string        `json:"from"`
	To            string        `json:"to"`
	Resources     []reportUsage `json:"resources"`
	Uses          []reportUse   `json:"uses"`
	MembersActive int64         `json:"members_active"`
	Period        string        `json:"period"`
	Periods       []struct {
		Start         string        `json:"start"`
		End           string        `json:"end"`
		MembersActive int64         `json:"members_active"`
		Resources     []reportUsage `json:"resources"`
		Uses          []reportUse   `json:"uses"`
	} `json:"periods"`
	BusiestHours []struct {
		Weekday             int     `json:"weekday"`
		Hour                int     `json:"hour"`
		BookedHours         float64 `json:"booked_hours"`
		BookedCapacityHours float64 `json:"booked_capacity_hours"`
		Share               float64 `json:"share"`
	} `json:"busiest_hours"`
}

func (r reportBody) resource(t *testing.T, id int64) reportUsage {
	t.Helper()
	for _, u := range r.Resources {
		if u.ResourceID == id {
			return u
		}
	}
	t.Fatalf("resource %d is not in the report", id)
	return reportUsage{}
}

func (r reportBody) hour(weekday, hour int) (booked, capacity, share float64) {
	for _, h := range r.BusiestHours {
		if h.Weekday == weekday && h.Hour == hour {
			return h.BookedHours, h.BookedCapacityHours, h.Share
		}
	}
	return math.NaN(), math.NaN(), math.NaN()
}

func reportPath(site int64, from, to string, extra ...string) string {
	v := url.Values{"site_id": {fmt.Sprint(site)}, "from": {from}, "to": {to}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return "/api/v1/reports/usage?" + v.Encode()
}

func getReport(t *testing.T, env *apitest.Env, token string, site int64, from, to string) reportBody {
	t.Helper()
	var r reportBody
	env.Must(t, 200, "GET", reportPath(site, from, to), token, nil).Decode(t, &r)
	return r
}

// near compares figures rounded to six decimals, as the report gives them.
func near(got, want float64) bool { return math.Abs(got-want) < 1e-6 }

// checkUsage compares a resource's figures; members < 0 skips them (a
// period's resources do not count members).
func checkUsage(t *testing.T, what string, got reportUsage, open, booked, capacity, utilization float64, bookings, members int64) {
	t.Helper()
	if !near(got.OpenHours, open) || !near(got.BookedHours, booked) || !near(got.BookedCapacityHours, capacity) ||
		!near(got.Utilization, utilization) || got.Bookings != bookings || members >= 0 && got.Members != members {
		t.Errorf("%s: got open %v booked %v capacity-hours %v utilization %v bookings %d members %d;\n"+
			"want open %v booked %v capacity-hours %v utilization %v bookings %d members %d", what,
			got.OpenHours, got.BookedHours, got.BookedCapacityHours, got.Utilization, got.Bookings, got.Members,
			open, booked, capacity, utilization, bookings, members)
	}
}

// reportWeek is the hand-computed week of TestUsageReportKnownWeek.
type reportWeek struct {
	env                *apitest.Env
	ws                 apitest.Workshop
	bench              int64 // a space counted in seats, in an events zone
	mia, noe, lea, pia apitest.User
	from, to           string
}

// newReportWeek builds the week Monday 11 to Monday 18 January 2027 in
// Brussels (CET, no clock change), open every day 08:00-20:00: 84 hours.
//
// The laser (capacity 1):
//   - closures Wed 13 10:00-14:00 and 12:00-16:00 (merged: 6 h), and
//     Thu 14 09:00-13:00 (4 h), set after a booking inside it had ended:
//     open 84 - 6 - 4 = 74 h;
//   - Mia Mon 11 09:00-11:00 (2 h), Noé Tue 12 14:00-17:00 (3 h), Mia by a
//     host Sun 10 18:00 - Mon 11 09:00 (across the start: 9 h in the
//     window, 1 h of it open), Léa Thu 14 10:00-12:00 (2 h, all closed):
//     booked 16 h, inside open hours 2 + 3 + 1 = 6 h, utilization 6/74;
//     4 bookings, 3 members;
//   - Pia's pending, rejected and cancelled requests count for nothing.
//
// The assembly floor (100 m²): Mia 60 m² Mon 11 10:00-14:00, Noé 40 m²
// Mon 11 12:00-16:00 (overlapping, 100 m² at 12-14), Léa 30 m² by a host
// Sun 17 18:00 - Mon 18 10:00 (across the end: 6 h in the window, 2 h
// open); Pia's 50 m² cancelled. Booked 4 + 4 + 6 = 14 h, 240 + 160 + 180 =
// 580 m²h, inside open hours 240 + 160 + 60 = 460 m²h; utilization
// 460 / (100 x 84); 3 bookings, 3 members.
//
// The floor: production 300 m² (0.6 of 500), the floor's utilization;
// storage 50 m² without a space; events 100 m² with seats only: null.
func newReportWeek(t *testing.T, env *apitest.Env) *reportWeek {
	t.Helper()
	w := &reportWeek{env: env, ws: env.NewWorkshop(t), from: apitest.At(2027, 1, 11, 0, 0), to: apitest.At(2027, 1, 18, 0, 0)}
	m := w.ws.Manager.Token
	w.mia = env.NewUser(t, models.RoleMember, "Mia Peeters")
	w.noe = env.NewUser(t, models.RoleMember, "Noé Janssens")
	w.lea = env.NewUser(t, models.RoleMember, "Léa Dubois")
	w.pia = env.NewUser(t, models.RoleMember, "Pia Maes")
	env.Must(t, 201, "POST", "/api/v1/zones", m, map[string]any{"site_id": w.ws.SiteID, "name": "Stock", "use": "storage", "area_m2": 50})
	events := env.Must(t, 201, "POST", "/api/v1/zones", m, map[string]any{
		"site_id": w.ws.SiteID, "name": "Hall", "use": "events", "area_m2": 100}).ID()
	w.bench = env.Must(t, 201, "POST", "/api/v1/resources", m, map[string]any{
		"zone_id": events, "name": "Benches", "kind": "space", "capacity": 10, "unit": "seat"}).ID()

	at := apitest.At
	book := func(token string, res int64, start, end string, extra ...any) int64 {
		t.Helper()
		b := apitest.Slot(res, start, end)
		for i := 0; i+1 < len(extra); i += 2 {
			b[extra[i].(string)] = extra[i+1]
		}
		return env.Must(t, 201, "POST", "/api/v1/bookings", token, b).ID()
	}
	laser, floor := w.ws.Machine, w.ws.Space
	for _, c := range [][2]string{{at(2027, 1, 13, 10, 0), at(2027, 1, 13, 14, 0)}, {at(2027, 1, 13, 12, 0), at(2027, 1, 13, 16, 0)}} {
		env.Must(t, 201, "POST", fmt.Sprintf("/api/v1/resources/%d/closures", laser), m,
			map[string]any{"start": c[0], "end": c[1], "reason": "Maintenance"})
	}
	book(w.mia.Token, laser, at(2027, 1, 11, 9, 0), at(2027, 1, 11, 11, 0))
	book(w.noe.Token, laser, at(2027, 1, 12, 14, 0), at(2027, 1, 12, 17, 0))
	book(m, laser, at(2027, 1, 10, 18, 0), at(2027, 1, 11, 9, 0), "member_id", w.mia.ID)
	book(w.lea.Token, laser, at(2027, 1, 14, 10, 0), at(2027, 1, 14, 12, 0))

	book(w.mia.Token, floor, at(2027, 1, 11, 10, 0), at(2027, 1, 11, 14, 0), "quantity", 60)
	book(w.noe.Token, floor, at(2027, 1, 11, 12, 0), at(2027, 1, 11, 16, 0), "quantity", 40)
	book(m, floor, at(2027, 1, 17, 18, 0), at(2027, 1, 18, 10, 0), "quantity", 30, "member_id", w.lea.ID)

	// Pia's requests: none may count.
	cancelled := book(w.pia.Token, floor, at(2027, 1, 12, 10, 0), at(2027, 1, 12, 12, 0), "quantity", 50)
	env.Must(t, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/cancel", cancelled), w.pia.Token, map[string]any{"reason": "No"})
	cancelled = book(w.pia.Token, laser, at(2027, 1, 15, 15, 0), at(2027, 1, 15, 16, 0))
	env.Must(t, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/cancel", cancelled), w.pia.Token, map[string]any{"reason": "No"})
	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/resources/%d", laser), m, map[string]any{"requires_approval": true})
	book(w.pia.Token, laser, at(2027, 1, 15, 10, 0), at(2027, 1, 15, 12, 0))
	rejected := book(w.pia.Token, laser, at(2027, 1, 16, 10, 0), at(2027, 1, 16, 11, 0))
	env.Must(t, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/reject", rejected), m, map[string]any{"reason": "A course"})
	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/resources/%d", laser), m, map[string]any{"requires_approval": false})

	// The laser breaks on Thursday morning: closed from 09:00 to 13:00,
	// when Léa's booking is over (it stays approved, but in closed time).
	env.Clock.Set(time.Date(2027, 1, 14, 12, 30, 0, 0, testclock.Brussels))
	r := env.Must(t, 201, "POST", fmt.Sprintf("/api/v1/resources/%d/closures", laser), m,
		map[string]any{"start": at(2027, 1, 14, 9, 0), "end": at(2027, 1, 14, 13, 0), "reason": "Broken lens"})
	var created struct{ Cancelled []any }
	r.Decode(t, &created)
	if len(created.Cancelled) != 0 {
		t.Fatalf("the closure cancelled %d bookings, want none", len(created.Cancelled))
	}
	return w
}

// TestUsageReportKnownWeek checks every figure of the contract on a week
// computed by hand (see newReportWeek), on every database.
func TestUsageReportKnownWeek(t *testing.T) {
	apitest.EachDialect(t, func(t *testing.T, d models.Dialect) {
		env := apitest.NewOn(t, d)
		w := newReportWeek(t, env)
		r := getReport(t, env, w.ws.Manager.Token, w.ws.SiteID, w.from, w.to)
		if r.SiteID != w.ws.SiteID || r.From != "2027-01-11T00:00:00+01:00" || r.To != "2027-01-18T00:00:00+01:00" {
			t.Errorf("site and window: %d %s %s", r.SiteID, r.From, r.To)
		}
		if len(r.Resources) != 3 {
			t.Fatalf("want 3 resources, got %+v", r.Resources)
		}
		laser := r.resource(t, w.ws.Machine)
		if laser.Name != "Laser cutter" || laser.Kind != "machine" || laser.Unit != "machine" || laser.Capacity != 1 {
			t.Errorf("laser: %+v", laser)
		}
		checkUsage(t, "laser", laser, 74, 16, 16, 6.0/74, 4, 3)
		floor := r.resource(t, w.ws.Space)
		if floor.Kind != "space" || floor.Unit != "m2" || floor.Capacity != 100 {
			t.Errorf("floor: %+v", floor)
		}
		checkUsage(t, "assembly floor", floor, 84, 14, 580, 460.0/8400, 3, 3)
		checkUsage(t, "benches", r.resource(t, w.bench), 84, 0, 0, 0, 0, 0)
		if r.MembersActive != 3 {
			t.Errorf("members_active: want 3, got %d", r.MembersActive)
		}

		want := []struct {
			use         string
			area, share float64
			util        *float64
		}{{"production", 300, 0.6, ptr(460.0 / 8400)}, {"storage", 50, 0.1, nil}, {"events", 100, 0.2, nil}}
		if len(r.Uses) != len(want) {
			t.Fatalf("uses: want %d, got %+v", len(want), r.Uses)
		}
		for i, u := range want {
			got := r.Uses[i]
			if got.Use != u.use || !near(got.AreaM2, u.area) || !near(got.ShareOfFloor, u.share) ||
				(got.Utilization == nil) != (u.util == nil) || u.util != nil && !near(*got.Utilization, *u.util) {
				t.Errorf("use %s: got %+v (utilization %v)", u.use, got, got.Utilization)
			}
		}

		// Per day: seven periods; Monday, Wednesday, Thursday, Sunday.
		if r.Period != "day" || len(r.Periods) != 7 {
			t.Fatalf("want 7 daily periods, got %s %d", r.Period, len(r.Periods))
		}
		day := func(i int, res int64) reportUsage {
			for _, u := range r.Periods[i].Resources {
				if u.ResourceID == res {
					return u
				}
			}
			t.Fatalf("resource %d missing from period %d", res, i)
			return reportUsage{}
		}
		if p := r.Periods[0]; p.Start != "2027-01-11T00:00:00+01:00" || p.End != "2027-01-12T00:00:00+01:00" || p.MembersActive != 2 {
			t.Errorf("Monday: %s %s members %d", p.Start, p.End, p.MembersActive)
		}
		checkUsage(t, "laser on Monday", day(0, w.ws.Machine), 12, 11, 11, 3.0/12, 2, -1)
		checkUsage(t, "floor on Monday", day(0, w.ws.Space), 12, 8, 400, 400.0/1200, 2, -1)
		checkUsage(t, "laser on Wednesday", day(2, w.ws.Machine), 6, 0, 0, 0, 0, -1)
		checkUsage(t, "laser on Thursday", day(3, w.ws.Machine), 8, 2, 2, 0, 1, -1)
		checkUsage(t, "floor on Sunday", day(6, w.ws.Space), 12, 6, 180, 60.0/1200, 1, -1)
		if u := r.Periods[6].Uses[0]; u.Use != "production" || u.Utilization == nil || !near(*u.Utilization, 60.0/1200) {
			t.Errorf("production on Sunday: %+v", u)
		}
		var sum reportUsage
		for i := range r.Periods {
			u := day(i, w.ws.Machine)
			sum.OpenHours += u.OpenHours
			sum.BookedHours += u.BookedHours
			sum.Bookings += u.Bookings
		}
		if !near(sum.OpenHours, 74) || !near(sum.BookedHours, 16) || sum.Bookings != 4 {
			t.Errorf("the laser's days add up to %+v", sum)
		}

		// Busiest hours: 168 cells; Monday 10:00 holds the laser's hour
		// and 60 m² of the floor.
		if len(r.BusiestHours) != 168 || r.BusiestHours[0].Weekday != 1 || r.BusiestHours[0].Hour != 0 {
			t.Fatalf("busiest hours: %d cells", len(r.BusiestHours))
		}
		checkHour := func(weekday, hour int, booked, capacity float64) {
			t.Helper()
			b, c, s := r.hour(weekday, hour)
			if !near(b, booked) || !near(c, capacity) || !near(s, math.Round(capacity/596*1e6)/1e6) {
				t.Errorf("hour %d of day %d: got %v h, %v capacity-hours, share %v; want %v, %v", hour, weekday, b, c, s, booked, capacity)
			}
		}
		checkHour(1, 0, 1, 1)
		checkHour(1, 9, 1, 1)
		checkHour(1, 10, 2, 61)
		checkHour(1, 12, 2, 100)
		checkHour(7, 18, 1, 30)
		checkHour(7, 23, 1, 30)
		checkHour(7, 17, 0, 0)
		checkHour(4, 10, 1, 1) // Léa's closed hours were booked all the same
		var hours, shares float64
		for _, h := range r.BusiestHours {
			hours += h.BookedHours
			shares += h.Share
		}
		if !near(hours, 30) || math.Abs(shares-1) > 1e-4 {
			t.Errorf("busiest hours add up to %v h and a share of %v", hours, shares)
		}

		// Clipped to a window that cuts bookings: Monday 10:30 to 13:00.
		r = getReport(t, env, w.ws.Admin.Token, w.ws.SiteID, apitest.At(2027, 1, 11, 10, 30), apitest.At(2027, 1, 11, 13, 0))
		checkUsage(t, "laser, Monday 10:30-13:00", r.resource(t, w.ws.Machine), 2.5, 0.5, 0.5, 0.2, 1, 1)
		checkUsage(t, "floor, Monday 10:30-13:00", r.resource(t, w.ws.Space), 2.5, 3.5, 60*2.5+40, 190.0/250, 2, 2)
	})
}

func ptr[T any](v T) *T { return &v }

// TestUsageReportDaylightSaving: the spring day has 23 hours and the
// autumn day 25; a booking from 01:00 to 04:00 lasts 2 h and 4 h; the
// opening hours keep their wall-clock times; the busiest hours put both
// autumn 02:00 hours in hour 2.
func TestUsageReportDaylightSaving(t *testing.T) {
	apitest.EachDialect(t, func(t *testing.T, d models.Dialect) {
		env := apitest.NewOn(t, d)
		ws := env.NewWorkshop(t)
		admin := ws.Admin.Token
		always := env.Must(t, 201, "POST", "/api/v1/sites", admin, map[string]any{
			"name": "Night shop", "timezone": "Europe/Brussels", "floor_area_m2": 100, "opening_hours": []any{}, "quiet_hours": []any{}}).ID()
		zone := env.Must(t, 201, "POST", "/api/v1/zones", admin, map[string]any{
			"site_id": always, "name": "Floor", "use": "production", "area_m2": 100}).ID()
		kiln := env.Must(t, 201, "POST", "/api/v1/resources", admin, map[string]any{"zone_id": zone, "name": "Kiln", "kind": "machine"}).ID()
		member := env.NewUser(t, models.RoleMember, "Nina Night")
		for _, day := range []struct {
			month time.Month
			day   int
		}{{time.March, 28}, {time.October, 31}} {
			env.Must(t, 201, "POST", "/api/v1/bookings", member.Token,
				apitest.Slot(kiln, apitest.At(2027, day.month, day.day, 1, 0), apitest.At(2027, day.month, day.day, 4, 0)))
		}
		cases := []struct {
			month          time.Month
			day            int
			hours, booked  float64
			hour2          float64
			offFrom, offTo string
		}{
			{time.March, 28, 23, 2, 0, "+01:00", "+02:00"},
			{time.October, 31, 25, 4, 2, "+02:00", "+01:00"},
		}
		for _, c := range cases {
			from, to := apitest.At(2027, c.month, c.day, 0, 0), apitest.At(2027, c.month, c.day+1, 0, 0)
			r := getReport(t, env, admin, always, from, to)
			checkUsage(t, fmt.Sprintf("kiln on %s %d", c.month, c.day), r.resource(t, kiln), c.hours, c.booked, c.booked, c.booked/c.hours, 1, 1)
			if !strings.HasSuffix(r.From, c.offFrom) || !strings.HasSuffix(r.To, c.offTo) {
				t.Errorf("%s %d: window %s %s", c.month, c.day, r.From, r.To)
			}
			if b, _, _ := r.hour(7, 2); !near(b, c.hour2) {
				t.Errorf("%s %d: hour 2 holds %v h, want %v", c.month, c.day, b, c.hour2)
			}
			if b1, _, _ := r.hour(7, 1); !near(b1, 1) {
				t.Errorf("%s %d: hour 1 holds %v h, want 1", c.month, c.day, b1)
			}
			if b3, _, _ := r.hour(7, 3); !near(b3, 1) {
				t.Errorf("%s %d: hour 3 holds %v h, want 1", c.month, c.day, b3)
			}
			// The test workshop opens 08:00-20:00 on the wall clock: 12 h.
			open := getReport(t, env, admin, ws.SiteID, from, to).resource(t, ws.Machine).OpenHours
			if !near(open, 12) {
				t.Errorf("%s %d: the workshop was open %v h, want 12", c.month, c.day, open)
			}
		}

		// By day across the spring change: 24, 23 and 24 hours.
		r := getReport(t, env, admin, always, apitest.At(2027, 3, 27, 0, 0), apitest.At(2027, 3, 30, 0, 0))
		if r.Period != "day" || len(r.Periods) != 3 {
			t.Fatalf("want 3 days, got %s %d", r.Period, len(r.Periods))
		}
		for i, h := range []float64{24, 23, 24} {
			if got := r.Periods[i].Resources[0].OpenHours; !near(got, h) {
				t.Errorf("day %d: %v open hours, want %v", i, got, h)
			}
		}
		// By ISO week over five weeks: the week of the change has 167
		// hours; the first and last weeks are cut by the window.
		r = getReport(t, env, admin, always, apitest.At(2027, 3, 17, 0, 0), apitest.At(2027, 4, 21, 0, 0))
		if r.Period != "week" || len(r.Periods) != 6 {
			t.Fatalf("want 6 weeks, got %s %d", r.Period, len(r.Periods))
		}
		for _, c := range []struct {
			i     int
			start string
			open  float64
		}{{0, "2027-03-17T00:00:00+01:00", 5 * 24}, {1, "2027-03-22T00:00:00+01:00", 167},
			{2, "2027-03-29T00:00:00+02:00", 168}, {5, "2027-04-19T00:00:00+02:00", 48}} {
			p := r.Periods[c.i]
			if p.Start != c.start || !near(p.Resources[0].OpenHours, c.open) {
				t.Errorf("week from %s: %v open hours; want %s, %v", p.Start, p.Resources[0].OpenHours, c.start, c.open)
			}
		}
		if got := r.Periods[1].Resources[0]; !near(got.BookedHours, 2) || got.Bookings != 1 {
			t.Errorf("the week of 28 March: %+v", got)
		}
	})
}

// TestUsageReportRefusals: hosts only; the window must be given, run
// forward and last at most 366 days.
func TestUsageReportRefusals(t *testing.T) {
	env := apitest.New(t)
	ws := env.NewWorkshop(t)
	member := env.NewUser(t, models.RoleMember, "Mo Member")
	from := apitest.At(2027, 1, 1, 0, 0)
	if r := env.Do("GET", reportPath(ws.SiteID, from, apitest.At(2027, 2, 1, 0, 0)), member.Token, nil); r.Code != 403 || r.ErrorCode() != "forbidden" {
		t.Errorf("a member: want 403 forbidden, got %s", r)
	}
	if r := env.Do("GET", reportPath(ws.SiteID, from, apitest.At(2027, 2, 1, 0, 0)), "", nil); r.Code != 401 {
		t.Errorf("anonymous: want 401, got %s", r)
	}
	env.Must(t, 200, "GET", reportPath(ws.SiteID, from, apitest.At(2028, 1, 2, 0, 0)), ws.Manager.Token, nil) // 366 days
	for name, c := range map[string]struct {
		path, field string
	}{
		"367 days":       {reportPath(ws.SiteID, from, apitest.At(2028, 1, 3, 0, 0)), "to"},
		"reversed":       {reportPath(ws.SiteID, apitest.At(2027, 2, 1, 0, 0), from), "to"},
		"empty":          {reportPath(ws.SiteID, from, from), "to"},
		"unknown site":   {reportPath(999999, from, apitest.At(2027, 2, 1, 0, 0)), "site_id"},
		"no site":        {"/api/v1/reports/usage?from=2027-01-01T00:00:00Z&to=2027-02-01T00:00:00Z", "site_id"},
		"no window":      {fmt.Sprintf("/api/v1/reports/usage?site_id=%d", ws.SiteID), "from"},
		"malformed from": {reportPath(ws.SiteID, "yesterday", from), "from"},
		"unknown format": {reportPath(ws.SiteID, from, apitest.At(2027, 2, 1, 0, 0), "format", "xlsx"), "format"},
	} {
		r := env.Do("GET", c.path, ws.Manager.Token, nil)
		var e struct {
			Error struct {
				Details struct{ Fields map[string]string }
			}
		}
		r.Decode(t, &e)
		if r.Code != 422 || r.ErrorCode() != "validation" || e.Error.Details.Fields[c.field] == "" {
			t.Errorf("%s: want 422 validation on %s, got %s", name, c.field, r)
		}
	}
}

// TestUsageReportCSV: ?format=csv and Accept: text/csv answer the
// per-resource rows under the contract's names, equal to the JSON, numbers
// in plain decimal form.
func TestUsageReportCSV(t *testing.T) {
	env := apitest.New(t)
	w := newReportWeek(t, env)
	token := w.ws.Manager.Token
	path := reportPath(w.ws.SiteID, w.from, w.to)
	want := getReport(t, env, token, w.ws.SiteID, w.from, w.to)
	byAccept := apitest.Request("GET", path, token, nil)
	byAccept.Header.Set("Accept", "text/csv")
	for name, r := range map[string]*apitest.Response{
		"format=csv": env.Do("GET", reportPath(w.ws.SiteID, w.from, w.to, "format", "csv"), token, nil),
		"Accept":     env.Serve(byAccept),
	} {
		if r.Code != http.StatusOK || r.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
			t.Fatalf("%s: got %d %q", name, r.Code, r.Header.Get("Content-Type"))
		}
		if !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("%s: Content-Disposition %q", name, r.Header.Get("Content-Disposition"))
		}
		records, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, r.Body)
		}
		header := "resource_id,name,kind,unit,capacity,open_hours,booked_hours,booked_capacity_hours,utilization,bookings,members"
		if len(records) != 1+len(want.Resources) || strings.Join(records[0], ",") != header {
			t.Fatalf("%s: want the header and %d rows, got %q", name, len(want.Resources), records)
		}
		for i, u := range want.Resources {
			row := records[i+1]
			if strings.ContainsAny(strings.Join(row[5:], ""), "eE+") {
				t.Errorf("%s: a number in exponent form: %q", name, row)
			}
			num := func(s string) float64 {
				v, err := strconv.ParseFloat(s, 64)
				if err != nil {
					t.Fatalf("%s: %q is not a number", name, s)
				}
				return v
			}
			got := reportUsage{Name: row[1], Kind: row[2], Unit: row[3], OpenHours: num(row[5]), BookedHours: num(row[6]),
				BookedCapacityHours: num(row[7]), Utilization: num(row[8])}
			got.ResourceID, _ = strconv.ParseInt(row[0], 10, 64)
			got.Capacity, _ = strconv.Atoi(row[4])
			got.Bookings, _ = strconv.ParseInt(row[9], 10, 64)
			got.Members, _ = strconv.ParseInt(row[10], 10, 64)
			if got != u {
				t.Errorf("%s: row %d is %+v, the JSON %+v", name, i+1, got, u)
			}
		}
	}
	// A client that prefers JSON gets JSON.
	req := apitest.Request("GET", path, token, nil)
	req.Header.Set("Accept", "application/json, text/csv;q=0.5")
	if r := env.Serve(req); !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Errorf("Accept preferring JSON: got %q", r.Header.Get("Content-Type"))
	}
	// A name with a comma and a quote is quoted as RFC 4180 says.
	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/resources/%d", w.bench), token, map[string]any{"name": `Benches, "long"`})
	r := env.Do("GET", reportPath(w.ws.SiteID, w.from, w.to, "format", "csv"), token, nil)
	if !strings.Contains(string(r.Body), `,"Benches, ""long""",`) || !strings.HasSuffix(string(r.Body), "\r\n") {
		t.Errorf("quoting: %q", r.Body)
	}
}

// TestUsageReportFineOpeningHours: opening hours cut into 50 windows a day
// make a year too many lookup rows for one statement; the sums over
// several must be the same.
func TestUsageReportFineOpeningHours(t *testing.T) {
	env := apitest.New(t)
	ws := env.NewWorkshop(t)
	var hours []map[string]any
	for i := range 50 {
		hours = append(hours, map[string]any{"days": []int{1, 2, 3, 4, 5, 6, 7},
			"from": fmt.Sprintf("%02d:%02d", 1+i*20/60, i*20%60), "to": fmt.Sprintf("%02d:%02d", 1+(i*20+10)/60, (i*20+10)%60)})
	}
	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/sites/%d", ws.SiteID), ws.Admin.Token, map[string]any{"opening_hours": hours})
	member := env.NewUser(t, models.RoleMember, "Fay Fine")
	// 01:00-01:10 is open, 01:10-01:20 is not: a host's booking over both.
	env.Must(t, 201, "POST", "/api/v1/bookings", ws.Manager.Token, map[string]any{"resource_id": ws.Machine,
		"member_id": member.ID, "start": apitest.At(2027, 6, 1, 1, 0), "end": apitest.At(2027, 6, 1, 1, 30)})
	env.Must(t, 201, "POST", "/api/v1/bookings", ws.Manager.Token, map[string]any{"resource_id": ws.Machine,
		"member_id": member.ID, "start": apitest.At(2027, 11, 30, 10, 0), "end": apitest.At(2027, 11, 30, 10, 30)})
	r := getReport(t, env, ws.Manager.Token, ws.SiteID, apitest.At(2027, 1, 1, 0, 0), apitest.At(2028, 1, 1, 0, 0))
	// 50 ten-minute windows a day, less the three of 02:00-03:00 on the
	// spring night, which does not have that hour.
	open := (365*50*10 - 3*10) / 60.0
	checkUsage(t, "laser", r.resource(t, ws.Machine), open, 1, 1, (40.0/60)/open, 2, 1)
	var booked float64
	for _, p := range r.Periods {
		for _, u := range p.Resources {
			booked += u.BookedHours
		}
	}
	if !near(booked, 1) {
		t.Errorf("the weeks add up to %v booked hours, want 1", booked)
	}
}

// TestUsageReportQuarterHourZone: in a zone at +05:45 the local hours fall
// on quarter hours of UTC; the busiest hours still follow the wall clock.
func TestUsageReportQuarterHourZone(t *testing.T) {
	env := apitest.New(t)
	ws := env.NewWorkshop(t)
	kathmandu, err := time.LoadLocation("Asia/Kathmandu")
	if err != nil {
		t.Skip(err)
	}
	site := env.Must(t, 201, "POST", "/api/v1/sites", ws.Admin.Token, map[string]any{
		"name": "Thamel", "timezone": "Asia/Kathmandu", "floor_area_m2": 100,
		"opening_hours": []map[string]any{{"days": []int{1, 2, 3, 4, 5, 6, 7}, "from": "09:00", "to": "18:00"}}}).ID()
	zone := env.Must(t, 201, "POST", "/api/v1/zones", ws.Admin.Token, map[string]any{
		"site_id": site, "name": "Floor", "use": "production", "area_m2": 100}).ID()
	loom := env.Must(t, 201, "POST", "/api/v1/resources", ws.Admin.Token, map[string]any{"zone_id": zone, "name": "Loom", "kind": "machine"}).ID()
	at := func(day, hour, min int) string {
		return time.Date(2027, 2, day, hour, min, 0, 0, kathmandu).Format(time.RFC3339)
	}
	env.Must(t, 201, "POST", "/api/v1/bookings", ws.Manager.Token, apitest.Slot(loom, at(1, 10, 0), at(1, 11, 30)))
	r := getReport(t, env, ws.Manager.Token, site, at(1, 0, 0), at(8, 0, 0))
	checkUsage(t, "loom", r.resource(t, loom), 63, 1.5, 1.5, 1.5/63, 1, 1)
	if !strings.HasSuffix(r.From, "+05:45") {
		t.Errorf("from %s: want the site's offset", r.From)
	}
	for hour, want := range map[int]float64{9: 0, 10: 1, 11: 0.5, 12: 0} {
		if b, _, _ := r.hour(1, hour); !near(b, want) {
			t.Errorf("Monday %02d:00: %v h, want %v", hour, b, want)
		}
	}
}
