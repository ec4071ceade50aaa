package models

import (
	"atelier/schedule"
	"fmt"
	"math"
	"time"
)

// Facts are everything the booking rules look at. The write transaction
// gathers them, Check judges them, and the same transaction applies the
// verdict, so no competing request can slip in between.
type Facts struct {
	Now      time.Time
	Actor    *User // who asks: a host may override some rules
	Member   *User // whom the booking is for (the actor, or a member a host books for)
	Resource *Resource
	Site     *Site
	// Certified is whether the member holds a valid certification for the
	// resource on the booking's day.
	Certified bool
	Span      schedule.Interval
	Quantity  int
	// Closures overlapping Span.
	Closures []Closure
	// Busy holds the live bookings overlapping Span plus the buffer, each
	// over its start to its end plus its buffer.
	Busy []schedule.Load
	// MemberWeeks holds the member's live bookings of this resource in the
	// ISO weeks that Span touches (only needed when there is a quota).
	MemberWeeks []schedule.Interval
	// SiteLoads holds the live bookings of the site's machines that count
	// toward its power and noise limits, overlapping Span (only gathered
	// when the site has limits that concern this resource).
	SiteLoads []SiteLoad
}

// Overrides are the rules a host (manager or admin) may pass: a host books
// outside opening hours for maintenance, past a quota, further ahead, and
// for any length. Nobody passes the certification of a dangerous machine,
// the past, the slot grid, quiet hours (the neighbours do not care who runs
// the saw), closures, or the capacity.
func hostOverrides(actor *User) bool { return actor != nil && actor.Role.IsHost() }

// Check applies the booking rules in the contract's order and returns the
// first refusal as an *Error, or nil when the booking may be stored.
func Check(f *Facts) error {
	for _, rule := range rules {
		if err := rule(f); err != nil {
			return err
		}
	}
	return nil
}

// rules are checked in the order of the contract's refusal table.
var rules = []func(*Facts) *Error{
	checkValidation,
	checkCertification,
	checkPast,
	checkAdvance,
	checkGrid,
	checkDuration,
	checkOpening,
	checkQuiet,
	checkClosed,
	checkQuota,
	checkCapacity,
	checkPower,
	checkNoise,
}

func checkValidation(f *Facts) *Error {
	fe := FieldErrors{}
	if !f.Span.End.After(f.Span.Start) {
		fe.Add("end", "The end must be after the start.")
	} else if f.Span.Duration() > MaxBookingMinutes*time.Minute {
		fe.Add("end", "A booking may last at most 31 days.")
	}
	if f.Quantity < 1 {
		fe.Add("quantity", "The quantity must be at least 1.")
	} else if f.Quantity > f.Resource.Capacity {
		fe.Add("quantity", fmt.Sprintf("%s holds at most %d %s.", f.Resource.Name, f.Resource.Capacity, unitWord(f.Resource)))
	}
	if err := fe.Err(); err != nil {
		return err.(*Error)
	}
	return nil
}

func unitWord(r *Resource) string {
	switch r.Unit {
	case UnitM2:
		return "m²"
	case UnitSeat:
		return "seats"
	}
	return "machine"
}

func checkCertification(f *Facts) *Error {
	if !f.Resource.RequiresCertification || f.Certified {
		return nil
	}
	return Errorf(CodeCertificationRequired, "%s needs a certification: ask a host for the training.", f.Resource.Name).
		With("resource_id", f.Resource.ID)
}

func checkPast(f *Facts) *Error {
	if f.Span.Start.Before(f.Now) {
		return Errorf(CodeInThePast, "This booking would start in the past.").With("now", f.Now.In(f.Site.Location()))
	}
	return nil
}

func checkAdvance(f *Facts) *Error {
	days := f.Resource.MaxAdvanceDays
	if days == 0 || hostOverrides(f.Actor) {
		return nil
	}
	// Days on the site's calendar, not 24-hour blocks: a week ahead of
	// Sunday 10:00 is the next Sunday 10:00 even across a clock change.
	latest := f.Now.In(f.Site.Location()).AddDate(0, 0, days)
	if f.Span.Start.After(latest) {
		return Errorf(CodeTooFarAhead, "%s can be booked at most %d days ahead.", f.Resource.Name, days).
			With("max_advance_days", days).With("latest_start", latest)
	}
	return nil
}

func checkGrid(f *Facts) *Error {
	loc, slot := f.Site.Location(), f.Resource.SlotMinutes
	if schedule.Aligned(f.Span.Start, slot, loc) && schedule.Aligned(f.Span.End, slot, loc) {
		return nil
	}
	if slot <= 0 {
		return Errorf(CodeNotAligned, "Bookings start and end on a whole minute.").With("slot_minutes", slot)
	}
	return Errorf(CodeNotAligned, "%s is booked in slots of %d minutes from midnight: start and end on that grid.", f.Resource.Name, slot).
		With("slot_minutes", slot)
}

func checkDuration(f *Facts) *Error {
	r := f.Resource
	if hostOverrides(f.Actor) {
		return nil
	}
	minutes := int(f.Span.Duration() / time.Minute)
	if (r.MinMinutes > 0 && minutes < r.MinMinutes) || (r.MaxMinutes > 0 && minutes > r.MaxMinutes) {
		e := Errorf(CodeInvalidDuration, "%s is booked for %s.", r.Name, durationRange(r.MinMinutes, r.MaxMinutes)).
			With("minutes", minutes)
		if r.MinMinutes > 0 {
			e.With("min_minutes", r.MinMinutes)
		}
		if r.MaxMinutes > 0 {
			e.With("max_minutes", r.MaxMinutes)
		}
		return e
	}
	return nil
}

func durationRange(min, max int) string {
	switch {
	case min > 0 && max > 0:
		return fmt.Sprintf("between %d and %d minutes", min, max)
	case min > 0:
		return fmt.Sprintf("at least %d minutes", min)
	default:
		return fmt.Sprintf("at most %d minutes", max)
	}
}

func checkOpening(f *Facts) *Error {
	if hostOverrides(f.Actor) {
		return nil
	}
	open := f.Site.Opening().Occurrences(f.Site.Location(), f.Span)
	if schedule.Covers(open, f.Span) {
		return nil
	}
	return Errorf(CodeOutsideOpeningHours, "%s is open only during its opening hours: this booking is not entirely inside them.", f.Site.Name).
		With("opening_hours", f.Site.OpeningHours)
}

func checkQuiet(f *Facts) *Error {
	if f.Resource.Nuisance != NuisanceLoud || len(f.Site.QuietHours) == 0 {
		return nil
	}
	quiet := f.Site.QuietHours.Week().Occurrences(f.Site.Location(), f.Span)
	if len(quiet) == 0 {
		return nil
	}
	loc := f.Site.Location()
	return Errorf(CodeQuietHours, "%s is loud and may not run in the quiet hours (from %s), out of respect for the neighbours.",
		f.Resource.Name, quiet[0].Start.In(loc).Format("Mon 15:04")).
		With("quiet_hours", f.Site.QuietHours).
		With("quiet", map[string]time.Time{"start": quiet[0].Start.In(loc), "end": quiet[0].End.In(loc)})
}

func checkClosed(f *Facts) *Error {
	loc := f.Site.Location()
	for _, c := range f.Closures {
		if c.Interval().Overlaps(f.Span) {
			return Errorf(CodeClosed, "%s is closed from %s to %s: %s", f.Resource.Name,
				c.StartAt.In(loc).Format("2006-01-02 15:04"), c.EndAt.In(loc).Format("2006-01-02 15:04"), c.Reason).
				With("closure", map[string]any{"id": c.ID, "start": c.StartAt.In(loc), "end": c.EndAt.In(loc), "reason": c.Reason})
		}
	}
	return nil
}

func hours(d time.Duration) float64 { return math.Round(d.Hours()*100) / 100 }

func checkQuota(f *Facts) *Error {
	limit := f.Resource.MaxHoursPerWeek
	if limit == 0 || hostOverrides(f.Actor) {
		return nil
	}
	loc := f.Site.Location()
	max := time.Duration(limit) * time.Hour
	for _, piece := range schedule.SplitWeeks(f.Span, loc) {
		var used time.Duration
		for _, b := range f.MemberWeeks {
			if p, ok := b.Clip(piece.Week); ok {
				used += p.Duration()
			}
		}
		if used+piece.Interval.Duration() > max {
			year, week := piece.Week.Start.ISOWeek()
			left := max - used
			if left < 0 {
				left = 0
			}
			return Errorf(CodeQuotaExceeded, "%s may be booked %d hours a week per member: you have %g hours left in week %d.",
				f.Resource.Name, limit, hours(left), week).
				With("max_hours_per_week", limit).With("used_hours", hours(used)).
				With("requested_hours", hours(piece.Interval.Duration())).With("left_hours", hours(left)).
				With("week", fmt.Sprintf("%d-W%02d", year, week))
		}
	}
	return nil
}

func checkCapacity(f *Facts) *Error {
	r := f.Resource
	want := schedule.Interval{Start: f.Span.Start, End: f.Span.End.Add(r.Buffer())}
	if schedule.Peak(f.Busy, want)+f.Quantity <= r.Capacity {
		return nil
	}
	loc := f.Site.Location()
	conflicts := []map[string]any{}
	for _, b := range f.Busy {
		if b.Overlaps(want) {
			conflicts = append(conflicts, map[string]any{"start": b.Start.In(loc), "end": b.End.In(loc), "quantity": b.Quantity})
		}
	}
	msg := fmt.Sprintf("%s is already taken at this time.", r.Name)
	if r.Capacity > 1 {
		left := r.Capacity - schedule.Peak(f.Busy, want)
		msg = fmt.Sprintf("Only %d of %d %s of %s are free for all of this time.", max(left, 0), r.Capacity, unitWord(r), r.Name)
	}
	return Errorf(CodeConflict, "%s", msg).With("conflicts", conflicts)
}
