package models_test

import (
	"testing"
	"time"

	"atelier/models"
	"atelier/schedule"
)

// benchLoads spreads n bookings of one to three hours, quantity 1 or 2,
// over [from, from+days), starting on the half hour, always the same.
func benchLoads(n int, from time.Time, days int) []schedule.Load {
	x := uint32(2463534242)
	next := func() int {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		return int(x)
	}
	loads := make([]schedule.Load, n)
	for i := range loads {
		start := from.Add(time.Duration(next()%(days*48)) * 30 * time.Minute)
		end := start.Add(time.Duration(1+next()%3) * time.Hour)
		loads[i] = schedule.Load{Interval: schedule.Interval{Start: start, End: end}, Quantity: 1 + next()%2}
	}
	return loads
}

// BenchmarkCheck is a member's typical request for 2 hours of a shared
// space in a busy afternoon: 50 live bookings overlap it, a quota with
// three earlier bookings that week, opening and quiet hours. Every rule
// runs and the request passes.
func BenchmarkCheck50Busy(b *testing.B) {
	f := baseFacts()
	f.Resource = floor()
	f.Resource.Capacity = 120
	f.Resource.Nuisance = models.NuisanceLoud
	f.Resource.MaxHoursPerWeek = 20
	f.Resource.MaxAdvanceDays = 30
	f.Resource.MinMinutes, f.Resource.MaxMinutes = 30, 480
	f.Quantity = 4
	f.Span = span("2027-06-08 14:00", "2027-06-08 16:00")
	f.Busy = benchLoads(50, ts("2027-06-08 13:00"), 1)
	for i := range f.Busy { // all of them overlap the request
		f.Busy[i].Start = ts("2027-06-08 12:30").Add(time.Duration(i%6) * 30 * time.Minute)
	}
	f.MemberWeeks = []schedule.Interval{
		span("2027-06-07 09:00", "2027-06-07 12:00"),
		span("2027-06-09 09:00", "2027-06-09 12:00"),
		span("2027-06-10 14:00", "2027-06-10 18:00"),
	}
	if err := models.Check(f); err != nil {
		b.Fatalf("the typical request is refused: %v", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if models.Check(f) != nil {
			b.Fatal("refused")
		}
	}
}

// BenchmarkSlicesWeek computes a week of availability for a loud shared
// space with 200 bookings, two closures, opening and quiet hours.
func BenchmarkSlicesWeek200(b *testing.B) {
	site := &models.Site{
		ID: 1, Name: "Atelier Nord", Timezone: "Europe/Brussels",
		OpeningHours: models.Hours{
			{Days: []int{1, 2, 3, 4, 5}, From: "08:00", To: "20:00"},
			{Days: []int{6}, From: "09:00", To: "17:00"},
		},
		QuietHours: models.Hours{{Days: everyDay, From: "19:00", To: "07:00"}},
	}
	r := sawSpace()
	r.Capacity = 40
	week := span("2027-06-07 00:00", "2027-06-14 00:00")
	busy := benchLoads(200, week.Start, 7)
	closures := []models.Closure{closure("2027-06-08 12:00", "2027-06-08 15:00"), closure("2027-06-11 08:00", "2027-06-11 10:00")}
	if len(models.Slices(r, site, closures, busy, week)) < 10 {
		b.Fatal("too few slices")
	}
	b.ReportAllocs()
	for b.Loop() {
		models.Slices(r, site, closures, busy, week)
	}
}
