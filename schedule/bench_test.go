package schedule_test

import (
	"testing"
	"time"

	"atelier/internal/apitest/testclock"
	"atelier/schedule"
)

// benchLoads spreads n loads of one to four hours over a week, starting on
// the quarter hour, with quantities 1 to 3: a busy shared space.
func benchLoads(n int) ([]schedule.Load, schedule.Interval) {
	week := schedule.Interval{Start: ts("2027-06-07 00:00"), End: ts("2027-06-14 00:00")}
	loads := make([]schedule.Load, n)
	x := uint32(2463534242)
	next := func() int { // xorshift: the same loads on every run
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		return int(x)
	}
	for i := range loads {
		start := week.Start.Add(time.Duration(next()%(7*24*4)) * 15 * time.Minute)
		length := time.Duration(1+next()%4) * time.Hour
		loads[i] = schedule.Load{Interval: schedule.Interval{Start: start, End: start.Add(length)}, Quantity: 1 + next()%3}
	}
	return loads, week
}

func BenchmarkPeak1000Loads(b *testing.B) {
	loads, week := benchLoads(1000)
	if schedule.Peak(loads, week) == 0 {
		b.Fatal("no peak")
	}
	b.ReportAllocs()
	for b.Loop() {
		schedule.Peak(loads, week)
	}
}

func BenchmarkProfile1000Loads(b *testing.B) {
	loads, week := benchLoads(1000)
	b.ReportAllocs()
	for b.Loop() {
		schedule.Profile(loads, week)
	}
}

// A site's week: opening hours on weekdays and Saturday, quiet hours every
// night past midnight.
func BenchmarkOccurrencesWeek(b *testing.B) {
	var week schedule.Week
	for _, w := range []struct {
		days     []int
		from, to string
	}{
		{[]int{1, 2, 3, 4, 5}, "08:00", "12:30"},
		{[]int{1, 2, 3, 4, 5}, "13:30", "20:00"},
		{[]int{6}, "09:00", "17:00"},
		{[]int{1, 2, 3, 4, 5, 6, 7}, "22:00", "07:00"},
	} {
		win, err := schedule.NewWindow(w.days, w.from, w.to)
		if err != nil {
			b.Fatal(err)
		}
		week = append(week, win)
	}
	span := schedule.Interval{Start: ts("2027-06-07 00:00"), End: ts("2027-06-14 00:00")}
	if n := len(week.Occurrences(testclock.Brussels, span)); n == 0 {
		b.Fatal("no occurrences")
	}
	b.ReportAllocs()
	for b.Loop() {
		week.Occurrences(testclock.Brussels, span)
	}
}
