package handlers_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"
	"testing"
	"time"

	"atelier/internal/apitest"
	"atelier/models"
	"atelier/schedule"
)

// rowCounter counts rows of a table straight in the Env's database, so a
// fuzz iteration can check that a refused request stored nothing without
// listing everything it stored so far.
type rowCounter struct{ db *sql.DB }

func newRowCounter(t testing.TB, env *apitest.Env) rowCounter {
	t.Helper()
	driver, dsn := "pgx", env.DSN
	if env.DB.Dialect == models.SQLite {
		driver, dsn = "sqlite3", "file:"+(&url.URL{Path: env.DSN}).EscapedPath()+"?mode=ro&_busy_timeout=10000"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return rowCounter{db}
}

func (c rowCounter) count(t *testing.T, table string) int64 {
	t.Helper()
	var n int64
	if err := c.db.QueryRowContext(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("counting %s: %v", table, err)
	}
	return n
}

// fuzzBookingSeeds are bodies for POST /api/v1/bookings and POST
// /api/v1/sites: valid ones, and hostile ones. %[1]d is the machine, %[2]d
// the space.
var fuzzBookingSeeds = []string{
	// Valid bookings (the first of each slot wins, the next ones conflict).
	`{"resource_id": %[1]d, "start": "2027-01-05T10:00:00+01:00", "end": "2027-01-05T11:00:00+01:00"}`,
	`{"resource_id": %[1]d, "start": "2027-01-05T12:00:00Z", "end": "2027-01-05T13:00:00Z", "note": "Découpe de contreplaqué 🪚"}`,
	`{"resource_id": %[2]d, "start": "2027-01-06T14:00:00+01:00", "end": "2027-01-06T16:00:00+01:00", "quantity": 30}`,
	`{"resource_id": %[2]d, "start": "2027-01-06T13:00:00+01:00", "end": "2027-01-06T14:00:00+01:00", "quantity": 100, "note": ""}`,
	`{"resource_id": %[1]d, "start": "2027-01-07T09:00:00+01:00", "end": "2027-01-07T09:30:00+01:00", "member_id": 3}`,
	// Valid sites.
	`{"name": "Annexe", "timezone": "Europe/Brussels", "floor_area_m2": 120.5, "opening_hours": [{"days": [1,2,3,4,5], "from": "08:00", "to": "18:00"}], "quiet_hours": [{"days": [5,6], "from": "23:00", "to": "08:00"}]}`,
	`{"name": "Toit", "floor_area_m2": 1e-300}`,
	`{"name": "Hangar", "timezone": "Pacific/Chatham", "floor_area_m2": 10000000, "opening_hours": [{"days": [7], "from": "00:00", "to": "24:00"}]}`,
	// Not objects, not JSON.
	``, `{`, `}`, `[]`, `[{}]`, `null`, `0`, `-1`, `"x"`, `true`, `{}`, `{} {}`, `{"a":1} xyz`, "\ufeff{}",
	`{"resource_id": 1,}`, `{'resource_id': 1}`, `{resource_id: 1}`, `{"quantity": NaN}`, `{/* */}`,
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	`{"note": ` + strings.Repeat(`{"a":`, 5000) + `1` + strings.Repeat("}", 5000) + `}`,
	// Wrong types.
	`{"resource_id": "1"}`, `{"resource_id": 1.5}`, `{"resource_id": null}`, `{"resource_id": [1]}`,
	`{"start": 20270105}`, `{"start": {"$gt": ""}}`, `{"quantity": "2"}`, `{"quantity": 1e3}`,
	`{"name": 7}`, `{"floor_area_m2": "big"}`, `{"opening_hours": {"days": [1]}}`, `{"opening_hours": [null]}`,
	`{"opening_hours": [{"days": "1-5"}]}`, `{"quiet_hours": [{"from": 22}]}`,
	// Values at and past the edges.
	`{"resource_id": 9223372036854775807, "start": "2027-01-05T10:00:00+01:00", "end": "2027-01-05T11:00:00+01:00"}`,
	`{"resource_id": -9223372036854775808, "start": "2027-01-05T10:00:00+01:00", "end": "2027-01-05T11:00:00+01:00"}`,
	`{"resource_id": 99999999999999999999}`, `{"resource_id": 1e400}`,
	`{"resource_id": %[2]d, "start": "2027-01-05T10:00:00+01:00", "end": "2027-01-05T11:00:00+01:00", "quantity": 9223372036854775807}`,
	`{"resource_id": %[2]d, "start": "2027-01-05T10:00:00+01:00", "end": "2027-01-05T11:00:00+01:00", "quantity": -2147483649}`,
	`{"resource_id": %[1]d, "start": "2027-01-05T10:00:00+01:00", "end": "2027-01-05T10:00:00+01:00"}`,
	`{"resource_id": %[1]d, "start": "0001-01-01T00:00:00Z", "end": "9999-12-31T23:59:59Z"}`,
	`{"resource_id": %[1]d, "start": "2200-12-31T23:30:00-14:00", "end": "2201-01-01T00:30:00-14:00"}`,
	`{"resource_id": %[1]d, "start": "2000-01-01T00:00:00+14:00", "end": "2000-01-01T01:00:00+14:00"}`,
	`{"resource_id": %[1]d, "start": "2027-01-05T10:00:00+24:00", "end": "2027-01-05T11:00:00-23:59"}`,
	`{"resource_id": %[1]d, "start": "2027-03-28T02:30:00+01:00", "end": "2027-03-28T03:30:00+02:00"}`,
	`{"resource_id": %[1]d, "start": "2027-10-31T02:30:00+02:00", "end": "2027-10-31T02:30:00+01:00"}`,
	`{"resource_id": %[2]d, "start": "2027-01-05T10:00:00.999999999+01:00", "end": "2027-01-05T11:00:00,5+01:00"}`,
	`{"resource_id": %[1]d, "start": "2027-01-05T10:00:00+01:00", "end": "2027-02-06T10:00:00+01:00"}`,
	`{"resource_id": 1, "resource_id": 2, "start": "2027-01-08T10:00:00+01:00", "end": "2027-01-08T11:00:00+01:00"}`,
	`{"name": "x", "floor_area_m2": 1e308}`, `{"name": "x", "floor_area_m2": -0}`, `{"name": "x", "floor_area_m2": 5e-324}`,
	`{"name": "x", "floor_area_m2": 1, "timezone": "Local"}`, `{"name": "x", "floor_area_m2": 1, "timezone": "Europe//Brussels"}`,
	`{"name": "x", "floor_area_m2": 1, "timezone": "../../../../etc/passwd"}`,
	`{"name": "x", "floor_area_m2": 1, "opening_hours": [{"days": [0, 8], "from": "24:00", "to": "+1:00"}]}`,
	`{"name": "x", "floor_area_m2": 1, "quiet_hours": [{"days": [1], "from": " 8:00", "to": "-0:30"}]}`,
	`{"name": "x", "floor_area_m2": 1, "opening_hours": [` + strings.TrimSuffix(strings.Repeat(`{"days":[1],"from":"08:00","to":"09:00"},`, 51), ",") + `]}`,
	`{"name": "x", "floor_area_m2": 1, "opening_hours": [{"days": [` + strings.TrimSuffix(strings.Repeat("1,", 20000), ",") + `], "from": "08:00", "to": "09:00"}]}`,
	// Hostile text.
	`{"resource_id": %[1]d, "start": "2027-01-05T15:00:00+01:00", "end": "2027-01-05T16:00:00+01:00", "note": "a\u0000b"}`,
	`{"resource_id": %[1]d, "start": "2027-01-05T15:00:00+01:00", "end": "2027-01-05T16:00:00+01:00", "note": "'; DROP TABLE bookings; --"}`,
	`{"resource_id": %[1]d, "start": "2027-01-05T15:00:00+01:00", "end": "2027-01-05T16:00:00+01:00", "note": "\ud800 lone surrogate \udfff"}`,
	`{"resource_id": %[1]d, "start": "2027-01-05T16:00:00+01:00", "end": "2027-01-05T17:00:00+01:00", "note": "` + strings.Repeat("é", 2001) + `"}`,
	`{"name": "x\u0000y", "floor_area_m2": 1}`, `{"name": "` + strings.Repeat("ж", 201) + `", "floor_area_m2": 1}`,
	`{"name": "1 OR 1=1; SELECT * FROM users", "floor_area_m2": 1, "timezone": "Europe/Brussels'; --"}`,
	"{\"note\": \"\xff\xfe invalid UTF-8\"}",
}

// FuzzCreateBooking sends any body to POST /api/v1/bookings (as a member,
// or as a host who may book for others) and to POST /api/v1/sites: never a
// 5xx; a refusal is JSON in the contract's error shape, shows nothing
// internal, and stores nothing; a success stores exactly one row.
func FuzzCreateBooking(f *testing.F) {
	env := apitest.New(f)
	w := env.NewWorkshop()
	member := env.NewUser(models.RoleMember, "Fuzz Member")
	rows := newRowCounter(f, env)
	for i, s := range fuzzBookingSeeds {
		if strings.Contains(s, "%[") {
			s = fmt.Sprintf(s, w.Machine, w.Space)
		}
		f.Add(s, i%5 == 4)
	}

	f.Fuzz(func(t *testing.T, body string, asHost bool) {
		token := member.Token
		if asHost {
			token = w.Manager.Token
		}
		for _, target := range []struct{ path, token, table string }{
			{"/api/v1/bookings", token, "bookings"},
			{"/api/v1/sites", w.Admin.Token, "sites"},
		} {
			before := rows.count(t, target.table)
			r := env.Do("POST", target.path, target.token, body)
			after := rows.count(t, target.table)
			if r.Code >= 500 {
				t.Fatalf("POST %s %q: %s", target.path, body, r)
			}
			if r.Code == 201 {
				if after != before+1 {
					t.Fatalf("POST %s answered 201 but stored %d rows", target.path, after-before)
				}
				var created struct{ ID int64 }
				if err := json.Unmarshal(r.Body, &created); err != nil || created.ID <= 0 {
					t.Fatalf("POST %s answered 201 without an id: %s", target.path, r)
				}
				continue
			}
			if r.Code < 400 {
				t.Fatalf("POST %s: unexpected %s", target.path, r)
			}
			if _, why := shapeError(r.Body); why != "" {
				t.Fatalf("POST %s %q: not the error shape (%s): %s", target.path, body, why, r)
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("POST %s: an error served as %q", target.path, ct)
			}
			if m := leaks(r.Body, body); m != "" {
				t.Fatalf("POST %s %q: the error shows internals (%q): %s", target.path, body, m, r)
			}
			if after != before {
				t.Fatalf("POST %s was refused (%s) but stored %d rows", target.path, r, after-before)
			}
		}
	})
}

// fuzzBytes hands out small numbers from the fuzzer's bytes, 0 once they
// run out.
type fuzzBytes []byte

func (b *fuzzBytes) next() int {
	if len(*b) == 0 {
		return 0
	}
	v := (*b)[0]
	*b = (*b)[1:]
	return int(v)
}

// upTo returns a number in [0, n).
func (b *fuzzBytes) upTo(n int) int { return (b.next()<<8 | b.next()) % n }

var fuzzZones = []string{"Europe/Brussels", "UTC", "America/St_Johns", "Asia/Kathmandu", "Australia/Lord_Howe", "Pacific/Chatham", "Nowhere/Invalid"}

// fuzzFacts builds the facts of one booking request from fuzzed numbers:
// a span around now, a resource with random limits, a site with random
// hours in a random zone, and random closures, loads and past bookings.
func fuzzFacts(startMin, durMin int64, quantity int, params []byte) *models.Facts {
	b := fuzzBytes(params)
	now := apitest.Start
	const year = 366 * 24 * 60
	startMin %= 5 * year // keep instants representable
	durMin %= 40 * 24 * 60
	start := now.Add(time.Duration(startMin)*time.Minute + time.Duration(b.upTo(4)*15)*time.Second)
	span := schedule.Interval{Start: start, End: start.Add(time.Duration(durMin) * time.Minute)}
	offset := func() time.Time { return start.Add(time.Duration(b.upTo(4*1440)-2*1440) * time.Minute) }
	length := func() time.Duration { return time.Duration(b.upTo(3*1440)) * time.Minute }

	hours := func() models.Hours {
		var h models.Hours
		for i := b.upTo(4); i > 0; i-- {
			var days []int
			mask := b.next()
			for d := 0; d < 8; d++ {
				if mask&(1<<d) != 0 {
					days = append(days, d) // day 0 is invalid: stored data was validated, Check must not trust it
				}
			}
			h = append(h, models.HoursWindow{Days: days,
				From: schedule.FormatClock(b.upTo(1441)), To: schedule.FormatClock(b.upTo(1441))})
		}
		return h
	}
	nuisance := []string{models.NuisanceQuiet, models.NuisanceModerate, models.NuisanceLoud}[b.upTo(3)]
	r := &models.Resource{ID: 1, Name: "Fuzzed", Kind: models.KindSpace, Unit: models.UnitM2,
		Capacity: b.upTo(200), Nuisance: nuisance,
		RequiresCertification: b.upTo(2) == 1, MinMinutes: b.upTo(600), MaxMinutes: b.upTo(3000),
		SlotMinutes: []int{0, 1, 5, 15, 30, 45, 60, 90, 1440}[b.upTo(9)], BufferMinutes: b.upTo(120),
		MaxHoursPerWeek: b.upTo(50), MaxAdvanceDays: b.upTo(400)}
	site := &models.Site{ID: 1, Name: "Fuzz site", Timezone: fuzzZones[b.upTo(len(fuzzZones))],
		OpeningHours: hours(), QuietHours: hours()}
	var actor models.User
	actor.ID, actor.Role = 1, []models.Role{models.RoleMember, models.RoleManager, models.RoleAdmin}[b.upTo(3)]
	f := &models.Facts{Now: now, Actor: &actor, Resource: r, Site: site, Certified: b.upTo(2) == 1,
		Span: span, Quantity: quantity}
	for i := b.upTo(3); i > 0; i-- {
		s := offset()
		f.Closures = append(f.Closures, models.Closure{ID: int64(i), StartAt: s, EndAt: s.Add(length()), Reason: "Fuzz"})
	}
	for i := b.upTo(4); i > 0; i-- {
		s := offset()
		f.Busy = append(f.Busy, schedule.Load{Interval: schedule.Interval{Start: s, End: s.Add(length())}, Quantity: b.upTo(100)})
	}
	for i := b.upTo(4); i > 0; i-- {
		s := offset()
		f.MemberWeeks = append(f.MemberWeeks, schedule.Interval{Start: s, End: s.Add(length())})
	}
	return f
}

// ruleOrder is the contract's table, with for each code an oracle: does
// the request break that rule? It restates each rule from the facts as
// plainly as possible, to check Check's precedence.
var ruleOrder = []struct {
	code   models.Code
	breaks func(f *models.Facts) bool
}{
	{models.CodeValidation, func(f *models.Facts) bool {
		return !f.Span.End.After(f.Span.Start) || f.Span.Duration() > models.MaxBookingMinutes*time.Minute ||
			f.Quantity < 1 || f.Quantity > f.Resource.Capacity
	}},
	{models.CodeCertificationRequired, func(f *models.Facts) bool { return f.Resource.RequiresCertification && !f.Certified }},
	{models.CodeInThePast, func(f *models.Facts) bool { return f.Span.Start.Before(f.Now) }},
	{models.CodeTooFarAhead, func(f *models.Facts) bool {
		d := f.Resource.MaxAdvanceDays
		return d > 0 && !f.Actor.Role.IsHost() && f.Span.Start.After(f.Now.Add(time.Duration(d)*24*time.Hour))
	}},
	{models.CodeNotAligned, func(f *models.Facts) bool {
		loc := f.Site.Location()
		for _, t := range []time.Time{f.Span.Start, f.Span.End} {
			l := t.In(loc)
			if l.Second() != 0 || l.Nanosecond() != 0 {
				return true
			}
			if s := f.Resource.SlotMinutes; s > 0 && (l.Hour()*60+l.Minute())%s != 0 {
				return true
			}
		}
		return false
	}},
	{models.CodeInvalidDuration, func(f *models.Facts) bool {
		m, r := int(f.Span.Duration()/time.Minute), f.Resource
		return !f.Actor.Role.IsHost() && (r.MinMinutes > 0 && m < r.MinMinutes || r.MaxMinutes > 0 && m > r.MaxMinutes)
	}},
	{models.CodeOutsideOpeningHours, func(f *models.Facts) bool {
		if f.Actor.Role.IsHost() {
			return false
		}
		// Walk the span through the opening windows: any gap is outside.
		open := f.Site.Opening().Occurrences(f.Site.Location(), f.Span)
		at := f.Span.Start
		for _, iv := range open {
			if iv.Start.After(at) {
				return true
			}
			if iv.End.After(at) {
				at = iv.End
			}
		}
		return at.Before(f.Span.End)
	}},
	{models.CodeQuietHours, func(f *models.Facts) bool {
		return f.Resource.Nuisance == models.NuisanceLoud &&
			len(f.Site.QuietHours.Week().Occurrences(f.Site.Location(), f.Span)) > 0
	}},
	{models.CodeClosed, func(f *models.Facts) bool {
		for _, c := range f.Closures {
			if c.StartAt.Before(f.Span.End) && f.Span.Start.Before(c.EndAt) {
				return true
			}
		}
		return false
	}},
	{models.CodeQuotaExceeded, func(f *models.Facts) bool {
		limit := time.Duration(f.Resource.MaxHoursPerWeek) * time.Hour
		if limit == 0 || f.Actor.Role.IsHost() {
			return false
		}
		for _, p := range schedule.SplitWeeks(f.Span, f.Site.Location()) {
			used := p.Interval.Duration()
			for _, b := range f.MemberWeeks {
				if c, ok := b.Clip(p.Week); ok {
					used += c.Duration()
				}
			}
			if used > limit {
				return true
			}
		}
		return false
	}},
	{models.CodeConflict, func(f *models.Facts) bool {
		want := schedule.Interval{Start: f.Span.Start, End: f.Span.End.Add(f.Resource.Buffer())}
		// The most held at any instant: try each instant where a load starts.
		peak := 0
		for _, a := range f.Busy {
			at := a.Start
			if at.Before(want.Start) {
				at = want.Start
			}
			if !want.Contains(at) {
				continue
			}
			held := 0
			for _, b := range f.Busy {
				if b.Contains(at) {
					held += b.Quantity
				}
			}
			peak = max(peak, held)
		}
		return peak+f.Quantity > f.Resource.Capacity
	}},
}

// FuzzCheck runs the pure rule chain over random facts: it never panics,
// answers nil or a contract *Error whose details can be written as JSON,
// and answers the first rule of the contract's table that the request
// breaks.
func FuzzCheck(f *testing.F) {
	f.Add(int64(27*60), int64(60), 1, []byte{})                                                     // Tuesday 10:00, an hour
	f.Add(int64(-60), int64(60), 1, []byte{0, 0, 0, 100, 0, 2})                                     // in the past
	f.Add(int64(27*60), int64(0), 0, []byte{1, 2, 3})                                               // empty span
	f.Add(int64(27*60+10), int64(20), 5, []byte{0, 0, 0, 0, 0, 50, 0, 1, 0, 1, 0, 30, 0, 60, 0, 9}) // off the grid
	f.Add(int64(15*60), int64(24*60), 3, []byte{0, 1, 0, 2, 0, 80, 0, 1, 0, 0, 0, 0, 0, 0, 0, 4, 0, 10, 0, 1, 0, 5, 0, 2, 0, 3, 0, 3, 255, 0, 200, 0, 0, 0, 100})
	f.Add(int64(83*24*60+19*60), int64(120), 1, []byte{0, 3, 0, 1, 0, 99, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4}) // 28 March 2027, DST
	f.Add(int64(300*24*60+19*60), int64(180), 1, []byte{0, 0, 0, 1, 0, 99, 0, 2, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0})      // 31 October 2027, DST
	f.Add(int64(math.MaxInt64), int64(math.MinInt64), math.MaxInt, []byte{255, 255, 255, 255, 255, 255, 255, 255})
	f.Add(int64(math.MinInt64), int64(math.MaxInt64), math.MinInt, []byte{0xde, 0xad, 0xbe, 0xef})

	known := map[models.Code]int{}
	for i, r := range ruleOrder {
		known[r.code] = i
	}
	f.Fuzz(func(t *testing.T, startMin, durMin int64, quantity int, params []byte) {
		facts := fuzzFacts(startMin, durMin, quantity, params)
		err := models.Check(facts)
		got := len(ruleOrder) // nil: no rule broken
		if err != nil {
			var e *models.Error
			if !errors.As(err, &e) {
				t.Fatalf("Check returned a %T, not a *models.Error: %v", err, err)
			}
			i, ok := known[e.Code]
			if !ok {
				t.Fatalf("Check returned a code outside the table: %v", e)
			}
			if e.Message == "" {
				t.Fatalf("Check returned an error without a message: %v", e)
			}
			if _, jerr := json.Marshal(e.Details); jerr != nil {
				t.Fatalf("the details of %s cannot be written as JSON: %v", e.Code, jerr)
			}
			if e.Code == models.CodeConflict {
				if c, _ := e.Details["conflicts"].([]map[string]any); len(c) == 0 {
					t.Fatalf("a conflict without details.conflicts: %v", e.Details)
				}
			}
			got = i
		}
		want := len(ruleOrder)
		for i, r := range ruleOrder {
			if r.breaks(facts) {
				want = i
				break
			}
		}
		if got != want {
			name := func(i int) string {
				if i == len(ruleOrder) {
					return "accepted"
				}
				return string(ruleOrder[i].code)
			}
			t.Fatalf("Check answered %s, the table says %s (err %v)\nspan %s - %s in %s, quantity %d, resource %+v, site hours %v quiet %v, actor %s, certified %v, closures %v, busy %v, weeks %v",
				name(got), name(want), err, facts.Span.Start, facts.Span.End, facts.Site.Timezone, facts.Quantity,
				*facts.Resource, facts.Site.OpeningHours, facts.Site.QuietHours, facts.Actor.Role, facts.Certified,
				facts.Closures, facts.Busy, facts.MemberWeeks)
		}
	})
}
