package models_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"atelier/internal/apitest/testclock"
	"atelier/models"
	"atelier/schedule"
)

// These tests judge models.Check over plain values: no database, no HTTP.
// Brussels changes its clocks on 2027-03-28 (02:00-03:00 does not exist)
// and on 2027-10-31 (02:00-03:00 happens twice). 2027-06-07 is a Monday of
// ISO week 2027-W23.

// ts is testclock.Parse: Brussels wall-clock time, or an RFC 3339 instant.
func ts(s string) time.Time { return testclock.Parse(s) }

func span(from, to string) schedule.Interval {
	return schedule.Interval{Start: ts(from), End: ts(to)}
}

var (
	member  = &models.User{ID: 10, Name: "Mira", Role: models.RoleMember, Active: true}
	manager = &models.User{ID: 2, Name: "Hugo", Role: models.RoleManager, Active: true}
	admin   = &models.User{ID: 1, Name: "Ada", Role: models.RoleAdmin, Active: true}
)

var everyDay = []int{1, 2, 3, 4, 5, 6, 7}

// baseSite opens Monday to Saturday 08:00-22:00, closed on Sunday, with
// quiet hours every night from 20:00 to 07:00.
func baseSite() *models.Site {
	return &models.Site{
		ID: 1, Name: "Atelier Nord", Timezone: "Europe/Brussels", FloorAreaM2: 400,
		OpeningHours: models.Hours{{Days: []int{1, 2, 3, 4, 5, 6}, From: "08:00", To: "22:00"}},
		QuietHours:   models.Hours{{Days: everyDay, From: "20:00", To: "07:00"}},
	}
}

func laser() *models.Resource {
	return &models.Resource{
		ID: 7, ZoneID: 3, SiteID: 1, Name: "Laser cutter", Kind: models.KindMachine, Capacity: 1,
		Unit: models.UnitMachine, Nuisance: models.NuisanceQuiet,
		MinMinutes: 30, MaxMinutes: 240, SlotMinutes: 30, MaxHoursPerWeek: 10, MaxAdvanceDays: 30,
	}
}

func floor() *models.Resource {
	return &models.Resource{
		ID: 8, ZoneID: 3, SiteID: 1, Name: "Assembly floor", Kind: models.KindSpace, Capacity: 10,
		Unit: models.UnitM2, Nuisance: models.NuisanceQuiet, SlotMinutes: 30,
	}
}

// baseFacts is a member asking on Monday 09:00 for the laser cutter on
// Tuesday 10:00-12:00: every rule passes.
func baseFacts() *models.Facts {
	return &models.Facts{
		Now:      ts("2027-06-07 09:00"),
		Actor:    member,
		Resource: laser(),
		Site:     baseSite(),
		Span:     span("2027-06-08 10:00", "2027-06-08 12:00"),
		Quantity: 1,
	}
}

// busy is an existing booking as the write transaction hands it to Check:
// held from its start to its end plus the resource's buffer.
func busy(r *models.Resource, from, to string, q int) schedule.Load {
	s := span(from, to)
	return schedule.Load{Interval: schedule.Interval{Start: s.Start, End: s.End.Add(r.Buffer())}, Quantity: q}
}

// closedFor is the site's one closure (ID 3) from from to to, for reason.
func closedFor(reason, from, to string) []models.Closure {
	return []models.Closure{{ID: 3, StartAt: ts(from), EndAt: ts(to), Reason: reason}}
}

// refusal runs Check and returns its *models.Error, or nil.
func refusal(t *testing.T, f *models.Facts) *models.Error {
	t.Helper()
	err := models.Check(f)
	if err == nil {
		return nil
	}
	var e *models.Error
	if !errors.As(err, &e) {
		t.Fatalf("Check returned %T %v, want a *models.Error", err, err)
	}
	if e.Message == "" {
		t.Errorf("refusal %s has no message", e.Code)
	}
	return e
}

// jsonOf is what a client reads: details are compared as JSON, so times
// compare as instants with the offset they are shown with.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %v: %v", v, err)
	}
	return string(b)
}

// expect checks the verdict: wantCode "" means the booking passes; want
// details, when not nil, must be exactly the refusal's details.
func expect(t *testing.T, f *models.Facts, wantCode models.Code, wantDetails map[string]any) *models.Error {
	t.Helper()
	e := refusal(t, f)
	switch {
	case wantCode == "" && e != nil:
		t.Fatalf("Check refused with %s (%s) %s, want it to pass", e.Code, e.Message, jsonOf(t, e.Details))
	case wantCode == "":
		return nil
	case e == nil:
		t.Fatalf("Check passed, want %s", wantCode)
	case e.Code != wantCode:
		t.Fatalf("Check refused with %s (%s), want %s", e.Code, e.Message, wantCode)
	}
	if wantDetails != nil {
		if got, want := jsonOf(t, e.Details), jsonOf(t, wantDetails); got != want {
			t.Errorf("details of %s\n got %s\nwant %s", e.Code, got, want)
		}
	}
	return e
}

// expectMutated runs a subtest name on baseFacts changed by mutate, and
// checks its verdict as expect does.
func expectMutated(t *testing.T, name string, mutate func(f *models.Facts), wantCode models.Code, wantDetails map[string]any) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		f := baseFacts()
		mutate(f)
		expect(t, f, wantCode, wantDetails)
	})
}

func TestCheckBaseFactsPass(t *testing.T) {
	for _, actor := range []*models.User{member, manager, admin, nil} {
		f := baseFacts()
		f.Actor = actor
		expect(t, f, "", nil)
	}
}

func TestCheckRefusals(t *testing.T) {
	quiet := baseSite().QuietHours
	opening := baseSite().OpeningHours
	tests := []struct {
		name    string
		mutate  func(f *models.Facts)
		code    models.Code
		details map[string]any
	}{
		// validation
		{
			name:    "end before start",
			mutate:  func(f *models.Facts) { f.Span = span("2027-06-08 12:00", "2027-06-08 10:00") },
			code:    models.CodeValidation,
			details: map[string]any{"fields": map[string]string{"end": "The end must be after the start."}},
		},
		{
			name:    "end equal to start",
			mutate:  func(f *models.Facts) { f.Span = span("2027-06-08 10:00", "2027-06-08 10:00") },
			code:    models.CodeValidation,
			details: map[string]any{"fields": map[string]string{"end": "The end must be after the start."}},
		},
		{
			name:    "longer than 31 days",
			mutate:  func(f *models.Facts) { f.Span = span("2027-06-08 10:00", "2027-07-09 10:30") },
			code:    models.CodeValidation,
			details: map[string]any{"fields": map[string]string{"end": "A booking may last at most 31 days."}},
		},
		{
			name:    "quantity 0",
			mutate:  func(f *models.Facts) { f.Quantity = 0 },
			code:    models.CodeValidation,
			details: map[string]any{"fields": map[string]string{"quantity": "The quantity must be at least 1."}},
		},
		{
			name:    "negative quantity",
			mutate:  func(f *models.Facts) { f.Quantity = -2 },
			code:    models.CodeValidation,
			details: map[string]any{"fields": map[string]string{"quantity": "The quantity must be at least 1."}},
		},
		{
			name:    "more than a machine",
			mutate:  func(f *models.Facts) { f.Quantity = 2 },
			code:    models.CodeValidation,
			details: map[string]any{"fields": map[string]string{"quantity": "Laser cutter holds at most 1 machine."}},
		},
		{
			name:    "more than a space holds",
			mutate:  func(f *models.Facts) { f.Resource = floor(); f.Quantity = 11 },
			code:    models.CodeValidation,
			details: map[string]any{"fields": map[string]string{"quantity": "Assembly floor holds at most 10 m²."}},
		},
		{
			name: "both fields at once",
			mutate: func(f *models.Facts) {
				f.Span = span("2027-06-08 12:00", "2027-06-08 10:00")
				f.Quantity = 0
			},
			code: models.CodeValidation,
			details: map[string]any{"fields": map[string]string{
				"end": "The end must be after the start.", "quantity": "The quantity must be at least 1.",
			}},
		},
		// certification_required
		{
			name:    "uncertified member on a machine that needs it",
			mutate:  func(f *models.Facts) { f.Resource.RequiresCertification = true },
			code:    models.CodeCertificationRequired,
			details: map[string]any{"resource_id": 7},
		},
		// in_the_past
		{
			name:    "starts before now",
			mutate:  func(f *models.Facts) { f.Span = span("2027-06-07 08:30", "2027-06-07 10:00") },
			code:    models.CodeInThePast,
			details: map[string]any{"now": ts("2027-06-07 09:00")},
		},
		{
			name:    "starts one minute before now",
			mutate:  func(f *models.Facts) { f.Now = ts("2027-06-08 10:01") },
			code:    models.CodeInThePast,
			details: map[string]any{"now": ts("2027-06-08 10:01")},
		},
		// too_far_ahead
		{
			name:    "starts more than max_advance_days ahead",
			mutate:  func(f *models.Facts) { f.Span = span("2027-07-07 09:30", "2027-07-07 11:00") },
			code:    models.CodeTooFarAhead,
			details: map[string]any{"max_advance_days": 30, "latest_start": ts("2027-07-07 09:00")},
		},
		// not_aligned
		{
			name:    "start off the 30-minute grid",
			mutate:  func(f *models.Facts) { f.Span = span("2027-06-08 10:15", "2027-06-08 12:00") },
			code:    models.CodeNotAligned,
			details: map[string]any{"slot_minutes": 30},
		},
		{
			name:    "end off the 30-minute grid",
			mutate:  func(f *models.Facts) { f.Span = span("2027-06-08 10:00", "2027-06-08 11:50") },
			code:    models.CodeNotAligned,
			details: map[string]any{"slot_minutes": 30},
		},
		{
			name: "no grid: seconds are still refused",
			mutate: func(f *models.Facts) {
				f.Resource.SlotMinutes = 0
				f.Span.Start = f.Span.Start.Add(30 * time.Second)
			},
			code:    models.CodeNotAligned,
			details: map[string]any{"slot_minutes": 0},
		},
		// invalid_duration
		{
			name: "shorter than min_minutes",
			mutate: func(f *models.Facts) {
				f.Resource.SlotMinutes = 15
				f.Span = span("2027-06-08 10:00", "2027-06-08 10:15")
			},
			code:    models.CodeInvalidDuration,
			details: map[string]any{"minutes": 15, "min_minutes": 30, "max_minutes": 240},
		},
		{
			name:    "longer than max_minutes",
			mutate:  func(f *models.Facts) { f.Span = span("2027-06-08 10:00", "2027-06-08 14:30") },
			code:    models.CodeInvalidDuration,
			details: map[string]any{"minutes": 270, "min_minutes": 30, "max_minutes": 240},
		},
		{
			name: "only a maximum set",
			mutate: func(f *models.Facts) {
				f.Resource.MinMinutes = 0
				f.Span = span("2027-06-08 10:00", "2027-06-08 14:30")
			},
			code:    models.CodeInvalidDuration,
			details: map[string]any{"minutes": 270, "max_minutes": 240},
		},
		// outside_opening_hours
		{
			name:    "starts before opening",
			mutate:  func(f *models.Facts) { f.Span = span("2027-06-08 07:30", "2027-06-08 09:00") },
			code:    models.CodeOutsideOpeningHours,
			details: map[string]any{"opening_hours": opening},
		},
		{
			name:    "ends after closing",
			mutate:  func(f *models.Facts) { f.Span = span("2027-06-08 21:00", "2027-06-08 22:30") },
			code:    models.CodeOutsideOpeningHours,
			details: map[string]any{"opening_hours": opening},
		},
		{
			name:    "on a day the site is closed (Sunday)",
			mutate:  func(f *models.Facts) { f.Span = span("2027-06-13 10:00", "2027-06-13 12:00") },
			code:    models.CodeOutsideOpeningHours,
			details: map[string]any{"opening_hours": opening},
		},
		{
			name: "both ends in opening hours, the night between not",
			mutate: func(f *models.Facts) {
				f.Resource.MaxMinutes = 0
				f.Resource.MaxHoursPerWeek = 0
				f.Span = span("2027-06-08 21:00", "2027-06-09 09:00")
			},
			code:    models.CodeOutsideOpeningHours,
			details: map[string]any{"opening_hours": opening},
		},
		// quiet_hours
		{
			name: "loud machine running into the quiet hours",
			mutate: func(f *models.Facts) {
				f.Resource.Nuisance = models.NuisanceLoud
				f.Span = span("2027-06-08 19:00", "2027-06-08 21:00")
			},
			code: models.CodeQuietHours,
			details: map[string]any{"quiet_hours": quiet,
				"quiet": map[string]time.Time{"start": ts("2027-06-08 20:00"), "end": ts("2027-06-08 21:00")}},
		},
		{
			name: "loud machine in the morning's end of last night's quiet hours",
			mutate: func(f *models.Facts) {
				f.Resource.Nuisance = models.NuisanceLoud
				f.Site.OpeningHours = models.Hours{{Days: everyDay, From: "06:00", To: "22:00"}}
				f.Span = span("2027-06-08 06:00", "2027-06-08 08:00")
			},
			code: models.CodeQuietHours,
			details: map[string]any{"quiet_hours": quiet,
				"quiet": map[string]time.Time{"start": ts("2027-06-08 06:00"), "end": ts("2027-06-08 07:00")}},
		},
		// closed
		{
			name: "overlaps a closure",
			mutate: func(f *models.Facts) {
				f.Closures = []models.Closure{{ID: 3, ResourceID: 7, StartAt: ts("2027-06-08 11:00").UTC(), EndAt: ts("2027-06-08 15:00").UTC(), Reason: "Laser tube replacement"}}
			},
			code: models.CodeClosed,
			details: map[string]any{"closure": map[string]any{
				"id": 3, "start": ts("2027-06-08 11:00"), "end": ts("2027-06-08 15:00"), "reason": "Laser tube replacement"}},
		},
		// quota_exceeded
		{
			name: "passes max_hours_per_week",
			mutate: func(f *models.Facts) {
				f.MemberWeeks = []schedule.Interval{span("2027-06-09 08:00", "2027-06-09 17:00")}
			},
			code: models.CodeQuotaExceeded,
			details: map[string]any{"max_hours_per_week": 10, "used_hours": 9, "requested_hours": 2,
				"left_hours": 1, "week": "2027-W23"},
		},
		{
			name: "already past the quota: nothing left",
			mutate: func(f *models.Facts) {
				f.MemberWeeks = []schedule.Interval{span("2027-06-09 08:00", "2027-06-09 19:30")}
			},
			code: models.CodeQuotaExceeded,
			details: map[string]any{"max_hours_per_week": 10, "used_hours": 11.5, "requested_hours": 2,
				"left_hours": 0, "week": "2027-W23"},
		},
		// conflict
		{
			name: "machine taken",
			mutate: func(f *models.Facts) {
				f.Busy = []schedule.Load{busy(f.Resource, "2027-06-08 11:00", "2027-06-08 13:00", 1)}
			},
			code: models.CodeConflict,
			details: map[string]any{"conflicts": []map[string]any{
				{"start": ts("2027-06-08 11:00"), "end": ts("2027-06-08 13:00"), "quantity": 1}}},
		},
		{
			name: "space: what is left at the busiest instant is less than asked",
			mutate: func(f *models.Facts) {
				f.Resource = floor()
				f.Quantity = 5
				f.Busy = []schedule.Load{
					busy(f.Resource, "2027-06-08 09:00", "2027-06-08 11:00", 6),
					busy(f.Resource, "2027-06-08 11:00", "2027-06-08 13:00", 3),
				}
			},
			code: models.CodeConflict,
			details: map[string]any{"conflicts": []map[string]any{
				{"start": ts("2027-06-08 09:00"), "end": ts("2027-06-08 11:00"), "quantity": 6},
				{"start": ts("2027-06-08 11:00"), "end": ts("2027-06-08 13:00"), "quantity": 3},
			}},
		},
	}
	for _, tt := range tests {
		expectMutated(t, tt.name, tt.mutate, tt.code, tt.details)
	}
}

// TestCheckPasses holds the edges just inside each rule.
func TestCheckPasses(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(f *models.Facts)
	}{
		{"certified member", func(f *models.Facts) { f.Resource.RequiresCertification = true; f.Certified = true }},
		{"starts exactly now", func(f *models.Facts) { f.Now = ts("2027-06-08 10:00") }},
		{"starts exactly max_advance_days ahead", func(f *models.Facts) { f.Span = span("2027-07-07 09:00", "2027-07-07 11:00") }},
		{"no advance limit", func(f *models.Facts) {
			f.Resource.MaxAdvanceDays = 0
			f.Span = span("2029-06-05 10:00", "2029-06-05 12:00")
		}},
		{"no grid: any whole minute", func(f *models.Facts) {
			f.Resource.SlotMinutes = 0
			f.Span = span("2027-06-08 10:07", "2027-06-08 11:13")
		}},
		{"exactly min_minutes", func(f *models.Facts) { f.Span = span("2027-06-08 10:00", "2027-06-08 10:30") }},
		{"exactly max_minutes", func(f *models.Facts) { f.Span = span("2027-06-08 10:00", "2027-06-08 14:00") }},
		{"from opening to closing", func(f *models.Facts) {
			f.Resource.MaxMinutes = 0
			f.Resource.MaxHoursPerWeek = 0
			f.Span = span("2027-06-08 08:00", "2027-06-08 22:00")
		}},
		{"no opening hours: never closes", func(f *models.Facts) {
			f.Site.OpeningHours = nil
			f.Span = span("2027-06-13 02:00", "2027-06-13 04:00")
		}},
		{"loud machine ending as the quiet hours begin", func(f *models.Facts) {
			f.Resource.Nuisance = models.NuisanceLoud
			f.Span = span("2027-06-08 18:00", "2027-06-08 20:00")
		}},
		{"loud machine starting as the quiet hours end", func(f *models.Facts) {
			f.Resource.Nuisance = models.NuisanceLoud
			f.Site.OpeningHours = nil
			f.Span = span("2027-06-08 07:00", "2027-06-08 09:00")
		}},
		{"moderate machine in the quiet hours", func(f *models.Facts) {
			f.Resource.Nuisance = models.NuisanceModerate
			f.Span = span("2027-06-08 19:00", "2027-06-08 21:00")
		}},
		{"loud machine, site without quiet hours", func(f *models.Facts) {
			f.Resource.Nuisance = models.NuisanceLoud
			f.Site.QuietHours = nil
			f.Span = span("2027-06-08 19:00", "2027-06-08 21:00")
		}},
		{"closure ending as the booking starts", func(f *models.Facts) {
			f.Closures = closedFor("Cleaning", "2027-06-08 08:00", "2027-06-08 10:00")
		}},
		{"closure starting as the booking ends", func(f *models.Facts) {
			f.Closures = closedFor("Cleaning", "2027-06-08 12:00", "2027-06-08 14:00")
		}},
		{"quota reached exactly", func(f *models.Facts) {
			f.MemberWeeks = []schedule.Interval{span("2027-06-09 08:00", "2027-06-09 16:00")}
		}},
		{"quota: bookings of other weeks do not count", func(f *models.Facts) {
			f.MemberWeeks = []schedule.Interval{span("2027-06-04 08:00", "2027-06-04 18:00"), span("2027-06-14 08:00", "2027-06-14 18:00")}
		}},
		{"no quota", func(f *models.Facts) {
			f.Resource.MaxHoursPerWeek = 0
			f.MemberWeeks = []schedule.Interval{span("2027-06-09 08:00", "2027-06-09 20:00")}
		}},
		{"machine taken until the booking starts", func(f *models.Facts) {
			f.Busy = []schedule.Load{busy(f.Resource, "2027-06-08 08:00", "2027-06-08 10:00", 1)}
		}},
		{"machine taken from the booking's end", func(f *models.Facts) {
			f.Busy = []schedule.Load{busy(f.Resource, "2027-06-08 12:00", "2027-06-08 14:00", 1)}
		}},
		{"space: loads that never overlap are not summed", func(f *models.Facts) {
			f.Resource = floor()
			f.Quantity = 4
			f.Busy = []schedule.Load{
				busy(f.Resource, "2027-06-08 09:00", "2027-06-08 11:00", 6),
				busy(f.Resource, "2027-06-08 11:00", "2027-06-08 13:00", 3),
			}
		}},
		{"space: filled to capacity exactly", func(f *models.Facts) {
			f.Resource = floor()
			f.Quantity = 3
			f.Busy = []schedule.Load{
				busy(f.Resource, "2027-06-08 09:00", "2027-06-08 11:00", 3),
				busy(f.Resource, "2027-06-08 10:00", "2027-06-08 13:00", 4),
			}
		}},
	}
	for _, tt := range tests {
		expectMutated(t, tt.name, tt.mutate, "", nil)
	}
}

func TestCheckConflictMessage(t *testing.T) {
	f := baseFacts()
	f.Resource = floor()
	f.Quantity = 5
	f.Busy = []schedule.Load{busy(f.Resource, "2027-06-08 09:00", "2027-06-08 11:00", 6)}
	e := expect(t, f, models.CodeConflict, nil)
	if want := "Only 4 of 10 m² of Assembly floor are free for all of this time."; e.Message != want {
		t.Errorf("message = %q, want %q", e.Message, want)
	}
}

// TestCheckPrecedence breaks two neighbouring rules of the contract's table
// at once: the first answers.
func TestCheckPrecedence(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(f *models.Facts)
		code   models.Code
	}{
		{"validation before certification_required", func(f *models.Facts) {
			f.Quantity = 0
			f.Resource.RequiresCertification = true
		}, models.CodeValidation},
		{"certification_required before in_the_past", func(f *models.Facts) {
			f.Resource.RequiresCertification = true
			f.Span = span("2027-06-07 08:00", "2027-06-07 10:00")
		}, models.CodeCertificationRequired},
		// in_the_past and too_far_ahead cannot both hold (now <= now +
		// max_advance_days), so in_the_past is held against the rule after.
		{"in_the_past before not_aligned", func(f *models.Facts) {
			f.Span = span("2027-06-07 08:10", "2027-06-07 10:00")
		}, models.CodeInThePast},
		{"in_the_past before every later rule", func(f *models.Facts) {
			f.Resource.Nuisance = models.NuisanceLoud
			f.Resource.MinMinutes = 300
			f.Span = span("2027-06-06 19:10", "2027-06-06 21:00") // a Sunday evening, off the grid, in quiet hours
			f.Closures = closedFor("Moving", "2027-06-06 00:00", "2027-06-07 00:00")
			f.MemberWeeks = []schedule.Interval{span("2027-06-01 08:00", "2027-06-01 20:00")}
			f.Busy = []schedule.Load{busy(f.Resource, "2027-06-06 19:00", "2027-06-06 22:00", 1)}
		}, models.CodeInThePast},
		{"too_far_ahead before not_aligned", func(f *models.Facts) {
			f.Span = span("2027-07-10 10:10", "2027-07-10 12:00")
		}, models.CodeTooFarAhead},
		{"not_aligned before invalid_duration", func(f *models.Facts) {
			f.Span = span("2027-06-08 10:00", "2027-06-08 10:20")
		}, models.CodeNotAligned},
		{"invalid_duration before outside_opening_hours", func(f *models.Facts) {
			f.Span = span("2027-06-08 07:00", "2027-06-08 12:00")
		}, models.CodeInvalidDuration},
		{"outside_opening_hours before quiet_hours", func(f *models.Facts) {
			f.Resource.Nuisance = models.NuisanceLoud
			f.Span = span("2027-06-08 21:00", "2027-06-08 22:30")
		}, models.CodeOutsideOpeningHours},
		{"quiet_hours before closed", func(f *models.Facts) {
			f.Resource.Nuisance = models.NuisanceLoud
			f.Span = span("2027-06-08 19:00", "2027-06-08 21:00")
			f.Closures = closedFor("Inspection", "2027-06-08 19:00", "2027-06-08 20:00")
		}, models.CodeQuietHours},
		{"closed before quota_exceeded", func(f *models.Facts) {
			f.Closures = closedFor("Inspection", "2027-06-08 11:00", "2027-06-08 12:00")
			f.MemberWeeks = []schedule.Interval{span("2027-06-09 08:00", "2027-06-09 18:00")}
		}, models.CodeClosed},
		{"quota_exceeded before conflict", func(f *models.Facts) {
			f.MemberWeeks = []schedule.Interval{span("2027-06-09 08:00", "2027-06-09 18:00")}
			f.Busy = []schedule.Load{busy(f.Resource, "2027-06-08 10:00", "2027-06-08 12:00", 1)}
		}, models.CodeQuotaExceeded},
	}
	for _, tt := range tests {
		expectMutated(t, tt.name, tt.mutate, tt.code, nil)
	}
}

// TestCheckHostOverrides follows hostOverrides in rules.go: a manager or
// admin passes opening hours, quota, advance and duration; nobody passes
// validation, certification, the past, the grid, quiet hours, closures or
// capacity.
func TestCheckHostOverrides(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(f *models.Facts)
		code   models.Code // for a member, or no actor at all
		host   models.Code // for a manager or an admin; "" passes
	}{
		{"validation", func(f *models.Facts) { f.Quantity = 0 }, models.CodeValidation, models.CodeValidation},
		{"certification", func(f *models.Facts) { f.Resource.RequiresCertification = true },
			models.CodeCertificationRequired, models.CodeCertificationRequired},
		{"the past", func(f *models.Facts) { f.Span = span("2027-06-07 08:00", "2027-06-07 10:00") },
			models.CodeInThePast, models.CodeInThePast},
		{"advance", func(f *models.Facts) { f.Span = span("2027-08-03 10:00", "2027-08-03 12:00") },
			models.CodeTooFarAhead, ""},
		{"grid", func(f *models.Facts) { f.Span = span("2027-06-08 10:10", "2027-06-08 12:00") },
			models.CodeNotAligned, models.CodeNotAligned},
		{"duration", func(f *models.Facts) { f.Span = span("2027-06-08 10:00", "2027-06-08 18:00") },
			models.CodeInvalidDuration, ""},
		{"opening hours (maintenance on Sunday)", func(f *models.Facts) { f.Span = span("2027-06-13 10:00", "2027-06-13 12:00") },
			models.CodeOutsideOpeningHours, ""},
		{"quiet hours", func(f *models.Facts) {
			f.Resource.Nuisance = models.NuisanceLoud
			f.Span = span("2027-06-08 20:00", "2027-06-08 21:00")
		}, models.CodeQuietHours, models.CodeQuietHours},
		// A member is told the first rule broken; a host passes it and
		// meets the one nobody passes.
		{"a loud machine at night outside opening hours", func(f *models.Facts) {
			f.Resource.Nuisance = models.NuisanceLoud
			f.Span = span("2027-06-08 23:00", "2027-06-09 01:00")
		}, models.CodeOutsideOpeningHours, models.CodeQuietHours},
		{"closure", func(f *models.Facts) {
			f.Closures = closedFor("Inspection", "2027-06-08 11:00", "2027-06-08 12:00")
		}, models.CodeClosed, models.CodeClosed},
		{"quota", func(f *models.Facts) {
			f.MemberWeeks = []schedule.Interval{span("2027-06-09 08:00", "2027-06-09 18:00")}
		}, models.CodeQuotaExceeded, ""},
		{"capacity", func(f *models.Facts) {
			f.Busy = []schedule.Load{busy(f.Resource, "2027-06-08 10:00", "2027-06-08 12:00", 1)}
		}, models.CodeConflict, models.CodeConflict},
		{"everything a host may pass at once", func(f *models.Facts) {
			f.MemberWeeks = []schedule.Interval{span("2027-08-02 08:00", "2027-08-02 18:00")}
			f.Span = span("2027-08-01 06:00", "2027-08-01 18:00") // a Sunday, 12 hours, 55 days ahead, over the quota
		}, models.CodeTooFarAhead, ""},
	}
	for _, tt := range tests {
		for _, actor := range []*models.User{member, nil, manager, admin} {
			who, want := "nobody", tt.code
			if actor != nil {
				who = string(actor.Role)
				if actor.Role.IsHost() {
					want = tt.host
				}
			}
			t.Run(tt.name+"/"+who, func(t *testing.T) {
				f := baseFacts()
				f.Actor = actor
				tt.mutate(f)
				expect(t, f, want, nil)
			})
		}
	}
}

// dstFacts asks for a 24-hour site with no quiet hours and no limits, so
// that each case turns on the rule it sets.
func dstFacts(from, to string) *models.Facts {
	return &models.Facts{
		Now:   ts("2027-01-04 09:00"),
		Actor: member,
		Resource: &models.Resource{ID: 9, Name: "Panel saw", Kind: models.KindMachine, Capacity: 1,
			Unit: models.UnitMachine, Nuisance: models.NuisanceQuiet, SlotMinutes: 30},
		Site:     &models.Site{ID: 1, Name: "Atelier Nord", Timezone: "Europe/Brussels"},
		Span:     span(from, to),
		Quantity: 1,
	}
}

func TestCheckDaylightSaving(t *testing.T) {
	// The same wall-clock night, 01:00-04:00, on both days.
	const (
		autumnFrom = "2027-10-31T01:00:00+02:00"
		autumnTo   = "2027-10-31T04:00:00+01:00" // 4 real hours
		springFrom = "2027-03-28T01:00:00+01:00"
		springTo   = "2027-03-28T04:00:00+02:00" // 2 real hours
	)
	open0824 := models.Hours{{Days: everyDay, From: "08:00", To: "20:00"}}
	open0024 := models.Hours{{Days: everyDay, From: "00:00", To: "24:00"}}
	quietSat := models.Hours{{Days: []int{6}, From: "22:00", To: "07:00"}}
	// The settings most cases share.
	openAllDay := func(f *models.Facts) { f.Site.OpeningHours = open0024 }
	openDaytime := func(f *models.Facts) { f.Site.OpeningHours = open0824 }
	loudQuietSat := func(f *models.Facts) {
		f.Resource.Nuisance = models.NuisanceLoud
		f.Site.QuietHours = quietSat
	}
	tests := []struct {
		name     string
		from, to string
		setup    func(f *models.Facts)
		code     models.Code
		details  map[string]any
	}{
		// Duration counts real elapsed time.
		{"autumn 01:00-04:00 lasts 4 hours: over a 3-hour maximum", autumnFrom, autumnTo,
			func(f *models.Facts) { f.Resource.MaxMinutes = 180 },
			models.CodeInvalidDuration, map[string]any{"minutes": 240, "max_minutes": 180}},
		{"autumn 01:00-04:00 lasts 4 hours: within a 4-hour maximum", autumnFrom, autumnTo,
			func(f *models.Facts) { f.Resource.MaxMinutes = 240 }, "", nil},
		{"spring 01:00-04:00 lasts 2 hours: under a 150-minute minimum", springFrom, springTo,
			func(f *models.Facts) { f.Resource.MinMinutes = 150 },
			models.CodeInvalidDuration, map[string]any{"minutes": 120, "min_minutes": 150}},
		{"spring 01:00-04:00 lasts 2 hours: within a 2-hour maximum", springFrom, springTo,
			func(f *models.Facts) { f.Resource.MaxMinutes = 120 }, "", nil},

		// Quotas count real elapsed time.
		{"autumn 01:00-04:00 counts 4 hours against a 3-hour quota", autumnFrom, autumnTo,
			func(f *models.Facts) { f.Resource.MaxHoursPerWeek = 3 },
			models.CodeQuotaExceeded, map[string]any{"max_hours_per_week": 3, "used_hours": 0,
				"requested_hours": 4, "left_hours": 3, "week": "2027-W43"}},
		{"autumn 01:00-04:00 fits a 4-hour quota", autumnFrom, autumnTo,
			func(f *models.Facts) { f.Resource.MaxHoursPerWeek = 4 }, "", nil},
		{"spring 01:00-04:00 fits a 2-hour quota", springFrom, springTo,
			func(f *models.Facts) { f.Resource.MaxHoursPerWeek = 2 }, "", nil},
		{"spring 01:00-04:00 counts 2 hours against a 1-hour quota", springFrom, springTo,
			func(f *models.Facts) { f.Resource.MaxHoursPerWeek = 1 },
			models.CodeQuotaExceeded, map[string]any{"max_hours_per_week": 1, "used_hours": 0,
				"requested_hours": 2, "left_hours": 1, "week": "2027-W12"}},
		{"autumn: the week's other bookings count in real hours too", "2027-10-31 10:00", "2027-10-31 11:00",
			func(f *models.Facts) {
				f.Resource.MaxHoursPerWeek = 4
				f.MemberWeeks = []schedule.Interval{span(autumnFrom, autumnTo)}
			},
			models.CodeQuotaExceeded, map[string]any{"max_hours_per_week": 4, "used_hours": 4,
				"requested_hours": 1, "left_hours": 0, "week": "2027-W43"}},

		// Opening hours 00:00-24:00.
		{"00:00-24:00 site: autumn 01:00-04:00", autumnFrom, autumnTo,
			openAllDay, "", nil},
		{"00:00-24:00 site: spring 01:00-04:00", springFrom, springTo,
			openAllDay, "", nil},
		{"00:00-24:00 site: the whole 25-hour autumn day", "2027-10-31 00:00", "2027-11-01 00:00",
			openAllDay, "", nil},
		{"00:00-24:00 site: the whole 23-hour spring day", "2027-03-28 00:00", "2027-03-29 00:00",
			openAllDay, "", nil},
		{"00:00-24:00 site: Saturday evening to Monday morning over the spring change", "2027-03-27 20:00", "2027-03-29 08:00",
			openAllDay, "", nil},

		// Opening hours 08:00-20:00.
		{"08:00-20:00 site: autumn 08:00-20:00", "2027-10-31 08:00", "2027-10-31 20:00",
			openDaytime, "", nil},
		{"08:00-20:00 site: spring 08:00-20:00", "2027-03-28 08:00", "2027-03-28 20:00",
			openDaytime, "", nil},
		{"08:00-20:00 site: autumn 07:00-09:00", "2027-10-31 07:00", "2027-10-31 09:00",
			openDaytime, models.CodeOutsideOpeningHours, map[string]any{"opening_hours": open0824}},
		{"08:00-20:00 site: spring 07:00-09:00", "2027-03-28 07:00", "2027-03-28 09:00",
			openDaytime, models.CodeOutsideOpeningHours, map[string]any{"opening_hours": open0824}},
		{"08:00-20:00 site: autumn 19:00-21:00", "2027-10-31 19:00", "2027-10-31 21:00",
			openDaytime, models.CodeOutsideOpeningHours, map[string]any{"opening_hours": open0824}},
		{"08:00-20:00 site: spring 19:00-21:00", "2027-03-28 19:00", "2027-03-28 21:00",
			openDaytime, models.CodeOutsideOpeningHours, map[string]any{"opening_hours": open0824}},
		{"08:00-20:00 site: autumn 01:00-04:00", autumnFrom, autumnTo,
			openDaytime, models.CodeOutsideOpeningHours, map[string]any{"opening_hours": open0824}},
		{"08:00-20:00 site: spring 01:00-04:00", springFrom, springTo,
			openDaytime, models.CodeOutsideOpeningHours, map[string]any{"opening_hours": open0824}},

		// The slot grid counts wall-clock minutes.
		{"spring: 01:00 CET to 03:00 CEST on an hourly grid", "2027-03-28T01:00:00+01:00", "2027-03-28T03:00:00+02:00",
			func(f *models.Facts) { f.Resource.SlotMinutes = 60 }, "", nil},
		{"spring: \"02:30 CET\" is 03:30 CEST, off an hourly grid", "2027-03-28T02:30:00+01:00", "2027-03-28T05:00:00+02:00",
			func(f *models.Facts) { f.Resource.SlotMinutes = 60 },
			models.CodeNotAligned, map[string]any{"slot_minutes": 60}},
		{"spring: 03:00 CEST on a 3-hour grid", "2027-03-28T00:00:00+01:00", "2027-03-28T03:00:00+02:00",
			func(f *models.Facts) { f.Resource.SlotMinutes = 180 }, "", nil},
		{"autumn: second 02:30 to 03:30 on a 30-minute grid", "2027-10-31T02:30:00+01:00", "2027-10-31T03:30:00+01:00",
			func(f *models.Facts) { f.Resource.SlotMinutes = 30 }, "", nil},
		{"autumn: first 02:30 on an hourly grid", "2027-10-31T02:30:00+02:00", "2027-10-31T04:00:00+01:00",
			func(f *models.Facts) { f.Resource.SlotMinutes = 60 },
			models.CodeNotAligned, map[string]any{"slot_minutes": 60}},
		{"autumn: 00:00 to 03:00 CET on a 3-hour grid (4 real hours)", "2027-10-31T00:00:00+02:00", "2027-10-31T03:00:00+01:00",
			func(f *models.Facts) { f.Resource.SlotMinutes = 180 }, "", nil},

		// Quiet hours from Saturday 22:00 to Sunday 07:00, on the changing nights.
		{"autumn: Sunday 06:00-07:00 CET is quiet", "2027-10-31 06:00", "2027-10-31 07:00",
			loudQuietSat, models.CodeQuietHours, map[string]any{"quiet_hours": quietSat,
				"quiet": map[string]time.Time{"start": ts("2027-10-31 06:00"), "end": ts("2027-10-31 07:00")}}},
		{"autumn: Sunday 07:00-08:00 CET is not", "2027-10-31 07:00", "2027-10-31 08:00",
			loudQuietSat, "", nil},
		{"autumn: the first 02:00-02:30 is quiet", "2027-10-31T02:00:00+02:00", "2027-10-31T02:30:00+02:00",
			loudQuietSat, models.CodeQuietHours, nil},
		{"autumn: the second 02:00-02:30 is quiet", "2027-10-31T02:00:00+01:00", "2027-10-31T02:30:00+01:00",
			loudQuietSat, models.CodeQuietHours, nil},
		{"autumn: Saturday 21:00-22:00 CEST is not", "2027-10-30 21:00", "2027-10-30 22:00",
			loudQuietSat, "", nil},
		{"autumn: Saturday 21:00-23:00 CEST runs into them at 22:00", "2027-10-30 21:00", "2027-10-30 23:00",
			loudQuietSat, models.CodeQuietHours, map[string]any{"quiet_hours": quietSat,
				"quiet": map[string]time.Time{"start": ts("2027-10-30 22:00"), "end": ts("2027-10-30 23:00")}}},
		{"autumn: Sunday 22:00 is not quiet (the window starts on Saturdays)", "2027-10-31 22:00", "2027-10-31 23:30",
			loudQuietSat, "", nil},
		{"autumn: Monday 06:00 is not quiet", "2027-11-01 06:00", "2027-11-01 07:00",
			loudQuietSat, "", nil},
		{"spring: Sunday 06:30-07:00 CEST is quiet", "2027-03-28 06:30", "2027-03-28 07:00",
			loudQuietSat, models.CodeQuietHours, map[string]any{"quiet_hours": quietSat,
				"quiet": map[string]time.Time{"start": ts("2027-03-28 06:30"), "end": ts("2027-03-28 07:00")}}},
		{"spring: Sunday 07:00-08:00 CEST is not", "2027-03-28 07:00", "2027-03-28 08:00",
			loudQuietSat, "", nil},
		{"spring: 01:30 CET to 03:00 CEST is quiet", "2027-03-28T01:30:00+01:00", "2027-03-28T03:00:00+02:00",
			loudQuietSat, models.CodeQuietHours, nil},
		{"spring: Saturday 21:00-22:00 CET is not", "2027-03-27 21:00", "2027-03-27 22:00",
			loudQuietSat, "", nil},
		{"spring: quiet hours win over a 24-hour opening for a host too", springFrom, springTo,
			func(f *models.Facts) {
				f.Actor = manager
				f.Resource.Nuisance = models.NuisanceLoud
				f.Site.QuietHours = quietSat
				f.Site.OpeningHours = open0824
			},
			models.CodeQuietHours, nil},

		// max_advance_days counts calendar days on the site's clock.
		{"autumn: 7 days ahead at the same wall-clock time", "2027-10-31 10:00", "2027-10-31 11:00",
			func(f *models.Facts) { f.Now = ts("2027-10-24 10:00"); f.Resource.MaxAdvanceDays = 7 }, "", nil},
		{"autumn: 7 days and 30 minutes ahead", "2027-10-31 10:30", "2027-10-31 11:00",
			func(f *models.Facts) { f.Now = ts("2027-10-24 10:00"); f.Resource.MaxAdvanceDays = 7 },
			models.CodeTooFarAhead, map[string]any{"max_advance_days": 7, "latest_start": ts("2027-10-31 10:00")}},
		{"spring: 7 days ahead at the same wall-clock time", "2027-03-28 10:00", "2027-03-28 11:00",
			func(f *models.Facts) { f.Now = ts("2027-03-21 10:00"); f.Resource.MaxAdvanceDays = 7 }, "", nil},
		{"spring: 7 days and 30 minutes ahead", "2027-03-28 10:30", "2027-03-28 11:00",
			func(f *models.Facts) { f.Now = ts("2027-03-21 10:00"); f.Resource.MaxAdvanceDays = 7 },
			models.CodeTooFarAhead, map[string]any{"max_advance_days": 7, "latest_start": ts("2027-03-28 10:00")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := dstFacts(tt.from, tt.to)
			tt.setup(f)
			expect(t, f, tt.code, tt.details)
		})
	}
}

// TestCheckQuotaAcrossWeeks books Sunday 22:00 to Monday 02:00 against a
// 3-hour weekly quota: two hours count in ISO week 2027-W23, two in W24.
func TestCheckQuotaAcrossWeeks(t *testing.T) {
	tests := []struct {
		name    string
		span    schedule.Interval
		earlier []schedule.Interval
		code    models.Code
		details map[string]any
	}{
		{name: "alone: 2 + 2 hours, never 4 in one week", span: span("2027-06-13 22:00", "2027-06-14 02:00")},
		{
			name:    "2 hours on Wednesday fill the first week",
			span:    span("2027-06-13 22:00", "2027-06-14 02:00"),
			earlier: []schedule.Interval{span("2027-06-09 10:00", "2027-06-09 12:00")},
			code:    models.CodeQuotaExceeded,
			details: map[string]any{"max_hours_per_week": 3, "used_hours": 2, "requested_hours": 2, "left_hours": 1, "week": "2027-W23"},
		},
		{
			name:    "2 hours next Tuesday fill the second week",
			span:    span("2027-06-13 22:00", "2027-06-14 02:00"),
			earlier: []schedule.Interval{span("2027-06-15 10:00", "2027-06-15 12:00")},
			code:    models.CodeQuotaExceeded,
			details: map[string]any{"max_hours_per_week": 3, "used_hours": 2, "requested_hours": 2, "left_hours": 1, "week": "2027-W24"},
		},
		{
			name:    "one hour in each week: both reach the quota exactly",
			span:    span("2027-06-13 22:00", "2027-06-14 02:00"),
			earlier: []schedule.Interval{span("2027-06-09 10:00", "2027-06-09 11:00"), span("2027-06-15 10:00", "2027-06-15 11:00")},
		},
		{
			name:    "an earlier booking across the previous boundary counts only its Monday hour",
			span:    span("2027-06-13 22:00", "2027-06-14 02:00"),
			earlier: []schedule.Interval{span("2027-06-06 23:00", "2027-06-07 01:00")},
		},
		{
			name:    "the same with 30 more minutes on Wednesday",
			span:    span("2027-06-13 22:00", "2027-06-14 02:00"),
			earlier: []schedule.Interval{span("2027-06-06 23:00", "2027-06-07 01:00"), span("2027-06-09 10:00", "2027-06-09 10:30")},
			code:    models.CodeQuotaExceeded,
			details: map[string]any{"max_hours_per_week": 3, "used_hours": 1.5, "requested_hours": 2, "left_hours": 1.5, "week": "2027-W23"},
		},
		{
			name:    "4 hours inside one week do not fit",
			span:    span("2027-06-09 10:00", "2027-06-09 14:00"),
			code:    models.CodeQuotaExceeded,
			details: map[string]any{"max_hours_per_week": 3, "used_hours": 0, "requested_hours": 4, "left_hours": 3, "week": "2027-W23"},
		},
		{
			name:    "across the autumn change: Sunday 2027-10-31 22:00 to Monday 02:00",
			span:    span("2027-10-31 22:00", "2027-11-01 02:00"),
			earlier: []schedule.Interval{span("2027-11-02 10:00", "2027-11-02 12:00")},
			code:    models.CodeQuotaExceeded,
			details: map[string]any{"max_hours_per_week": 3, "used_hours": 2, "requested_hours": 2, "left_hours": 1, "week": "2027-W44"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := dstFacts("2027-06-13 22:00", "2027-06-14 02:00")
			f.Span = tt.span
			f.Resource.MaxHoursPerWeek = 3
			f.MemberWeeks = tt.earlier
			expect(t, f, tt.code, tt.details)
		})
	}
}

// TestCheckQuotaMessage reads the hours left the way a member would.
func TestCheckQuotaMessage(t *testing.T) {
	tests := []struct {
		name    string
		limit   int
		earlier []schedule.Interval
		span    schedule.Interval
		want    string
	}{
		{"ten and a half hours left", 12, []schedule.Interval{span("2027-06-07 08:00", "2027-06-07 09:30")},
			span("2027-06-08 08:00", "2027-06-08 19:00"), "you have 10.5 hours left in week 23"},
		{"a hundred and twenty hours left", 120, nil,
			span("2027-06-07 00:00", "2027-06-12 01:00"), "you have 120 hours left in week 23"},
		{"a quarter of an hour left", 2, []schedule.Interval{span("2027-06-07 08:00", "2027-06-07 09:45")},
			span("2027-06-08 08:00", "2027-06-08 09:00"), "you have 0.25 hours left in week 23"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := dstFacts("2027-06-08 08:00", "2027-06-08 09:00")
			f.Resource.SlotMinutes = 15
			f.Resource.MaxHoursPerWeek = tt.limit
			f.MemberWeeks = tt.earlier
			f.Span = tt.span
			e := expect(t, f, models.CodeQuotaExceeded, nil)
			if !strings.Contains(e.Message, tt.want) {
				t.Errorf("message = %q, want it to say %q", e.Message, tt.want)
			}
		})
	}
}

// TestCheckBuffer: buffer_minutes keeps that much free time after each
// booking, the existing ones (their busy time runs to end + buffer) and
// the one asked for.
func TestCheckBuffer(t *testing.T) {
	tests := []struct {
		name     string
		res      func() *models.Resource
		from, to string
		quantity int
		existing [][2]string
		qty      []int
		code     models.Code
		details  map[string]any
	}{
		{name: "starts when the buffer after the previous booking ends", res: laser,
			from: "2027-06-08 10:00", to: "2027-06-08 12:00", existing: [][2]string{{"2027-06-08 08:30", "2027-06-08 09:30"}}},
		{name: "starts inside the buffer after the previous booking", res: laser,
			from: "2027-06-08 10:00", to: "2027-06-08 12:00", existing: [][2]string{{"2027-06-08 08:30", "2027-06-08 10:00"}},
			code: models.CodeConflict,
			details: map[string]any{"conflicts": []map[string]any{
				{"start": ts("2027-06-08 08:30"), "end": ts("2027-06-08 10:30"), "quantity": 1}}}},
		{name: "its own buffer reaches the next booking", res: laser,
			from: "2027-06-08 10:00", to: "2027-06-08 12:00", existing: [][2]string{{"2027-06-08 12:00", "2027-06-08 13:00"}},
			code: models.CodeConflict,
			details: map[string]any{"conflicts": []map[string]any{
				{"start": ts("2027-06-08 12:00"), "end": ts("2027-06-08 13:30"), "quantity": 1}}}},
		{name: "its own buffer ends as the next booking starts", res: laser,
			from: "2027-06-08 10:00", to: "2027-06-08 11:30", existing: [][2]string{{"2027-06-08 12:00", "2027-06-08 13:00"}}},
		{name: "space: a buffer holds the quantity", res: floor, quantity: 5,
			from: "2027-06-08 10:00", to: "2027-06-08 12:00", existing: [][2]string{{"2027-06-08 08:00", "2027-06-08 10:00"}}, qty: []int{6},
			code: models.CodeConflict},
		{name: "space: what the buffer leaves is enough", res: floor, quantity: 4,
			from: "2027-06-08 10:00", to: "2027-06-08 12:00", existing: [][2]string{{"2027-06-08 08:00", "2027-06-08 10:00"}}, qty: []int{6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := baseFacts()
			f.Resource = tt.res()
			f.Resource.BufferMinutes = 30
			f.Span = span(tt.from, tt.to)
			if tt.quantity > 0 {
				f.Quantity = tt.quantity
			}
			for i, b := range tt.existing {
				q := 1
				if i < len(tt.qty) {
					q = tt.qty[i]
				}
				f.Busy = append(f.Busy, busy(f.Resource, b[0], b[1], q))
			}
			expect(t, f, tt.code, tt.details)
		})
	}
}
