package models_test

import (
	"testing"
	"time"

	"atelier/internal/apitest/testclock"
	"atelier/models"
	"atelier/schedule"
)

func TestNextStart(t *testing.T) {
	loc := testclock.Brussels
	at := func(d, h, m int) time.Time { return time.Date(2027, 1, d, h, m, 0, 0, loc) }
	sl := func(s, e time.Time, free int, state string) models.Slice {
		return models.Slice{Interval: schedule.Interval{Start: s, End: e}, Available: free, State: state}
	}
	slices := []models.Slice{
		sl(at(5, 8, 0), at(5, 9, 0), 1, models.StateOpen),
		sl(at(5, 9, 0), at(5, 11, 0), 0, models.StateOpen), // taken
		sl(at(5, 11, 0), at(5, 11, 40), 1, models.StateOpen),
		sl(at(5, 11, 40), at(5, 12, 0), 0, models.StateClosed),
		sl(at(5, 12, 0), at(5, 12, 10), 1, models.StateOpen),
		sl(at(5, 12, 10), at(5, 20, 0), 2, models.StateOpen),
		sl(at(5, 20, 0), at(6, 8, 0), 0, models.StateOutside),
	}
	for _, c := range []struct {
		name      string
		d         time.Duration
		qty, slot int
		want      time.Time
		ok        bool
	}{
		{"fits at the very start", time.Hour, 1, 30, at(5, 8, 0), true},
		{"the 40 free minutes before the closure are too short", 90 * time.Minute, 1, 30, at(5, 12, 0), true},
		{"a start off the grid moves up to it", 30 * time.Minute, 1, 45, at(5, 8, 15), true},
		{"neighbouring open slices join", 90 * time.Minute, 1, 10, at(5, 12, 0), true},
		{"a quantity of two waits for the wider slice", time.Hour, 2, 30, at(5, 12, 30), true},
		{"nothing long enough", 10 * time.Hour, 1, 30, time.Time{}, false},
	} {
		got, ok := models.NextStart(slices, c.d, c.qty, c.slot, loc)
		if ok != c.ok || !got.Equal(c.want) {
			t.Errorf("%s: got %v %v, want %v %v", c.name, got, ok, c.want, c.ok)
		}
	}
}
