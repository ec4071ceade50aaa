package models_test

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"atelier/internal/apitest/testclock"
	"atelier/models"
	"atelier/schedule"
)

// FuzzCheck judges models.Check as rules_test.go does, over plain values,
// but on facts drawn from the fuzzer's bytes: no database, no HTTP.

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
	now := testclock.Start
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
