package models

import (
	"atelier/schedule"
	"context"
	"time"
)

// suggestWindow is how far ahead a refusal looks for the next free slot.
const suggestWindow = 7 * 24 * time.Hour

// suggestable are the refusals a later start of the same length may cure.
var suggestable = map[Code]bool{
	CodeConflict: true, CodeClosed: true, CodeQuietHours: true, CodeOutsideOpeningHours: true,
	CodePowerExceeded: true, CodeNoiseLimit: true,
}

// suggestStart adds details.next_start to a refusal when, within a week of
// the requested start, the same length and quantity fit: open, not closed,
// not in quiet hours for a loud resource, free enough, on the slot grid.
// It reads outside the write transaction: it is advice, not a promise.
func (db *DB) suggestStart(ctx context.Context, refusal error, req BookingRequest) {
	e, ok := refusal.(*Error)
	if !ok || !suggestable[e.Code] || !req.End.After(req.Start) {
		return
	}
	span := schedule.Interval{Start: req.Start, End: req.Start.Add(suggestWindow)}
	r, site, slices, err := db.Availability(ctx, req.ResourceID, span)
	if err != nil {
		return
	}
	if at, ok := NextStart(slices, req.End.Sub(req.Start), req.Quantity, r.SlotMinutes, site.Location()); ok {
		e.With("next_start", at.In(site.Location()))
	}
}

// NextStart returns the earliest start on the slot grid such that the
// length d fits inside consecutive open slices with at least qty free.
func NextStart(slices []Slice, d time.Duration, qty, slot int, loc *time.Location) (time.Time, bool) {
	if slot <= 0 {
		slot = 15
	}
	for i := 0; i < len(slices); i++ {
		if !fits(slices[i], qty) {
			continue
		}
		run := slices[i].Interval
		for i+1 < len(slices) && fits(slices[i+1], qty) && slices[i+1].Start.Equal(run.End) {
			i++
			run.End = slices[i].End
		}
		if s := alignUp(run.Start, slot, loc); !s.Add(d).After(run.End) {
			return s, true
		}
	}
	return time.Time{}, false
}

func fits(s Slice, qty int) bool { return s.State == StateOpen && s.Available >= qty }

// alignUp returns the first instant at or after t on the local grid.
func alignUp(t time.Time, slot int, loc *time.Location) time.Time {
	l := t.In(loc)
	day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	mins := l.Hour()*60 + l.Minute()
	if l.Second() != 0 || l.Nanosecond() != 0 {
		mins++
	}
	up := (mins + slot - 1) / slot * slot
	return time.Date(day.Year(), day.Month(), day.Day(), up/60, up%60, 0, 0, loc)
}
