// Package schedule holds the time arithmetic of a workshop: half-open
// intervals, weekly windows such as opening and quiet hours evaluated in a
// site's time zone, the slot grid, ISO weeks, and the capacity sweep. It is
// plain Go over values: no database, no HTTP, so every rule can be tested and
// benchmarked on its own.
package schedule

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// Interval is the half-open range [Start, End) of instants.
type Interval struct {
	Start, End time.Time
}

// Overlaps reports whether i and o share at least one instant.
func (i Interval) Overlaps(o Interval) bool {
	return i.Start.Before(o.End) && o.Start.Before(i.End)
}

// Contains reports whether t lies in i.
func (i Interval) Contains(t time.Time) bool {
	return !t.Before(i.Start) && t.Before(i.End)
}

// Duration is the real time elapsed between Start and End, which on the
// autumn daylight-saving night is one hour more than the wall clocks show.
func (i Interval) Duration() time.Duration { return i.End.Sub(i.Start) }

// Clip returns the part of i inside o, and false when there is none.
func (i Interval) Clip(o Interval) (Interval, bool) {
	s, e := i.Start, i.End
	if o.Start.After(s) {
		s = o.Start
	}
	if o.End.Before(e) {
		e = o.End
	}
	return Interval{s, e}, s.Before(e)
}

// Window is one weekly recurring stretch of local wall-clock time: on each of
// Days (ISO weekdays, 1 = Monday), from From to To minutes after midnight. A
// window whose To is not after its From runs past midnight into the next day;
// To may be 1440 (24:00).
type Window struct {
	Days     [8]bool // index 1..7
	From, To int
}

// ParseClock reads "HH:MM" into minutes since midnight; "24:00" is allowed.
func ParseClock(s string) (int, error) {
	digit := func(i int) int { return int(s[i] - '0') }
	// Four digits exactly: Sscanf's %d would also take "+1:00" or " 8:00".
	if len(s) != 5 || s[2] != ':' || !isDigits(s[:2]) || !isDigits(s[3:]) {
		return 0, fmt.Errorf("%q is not a time of day in the form HH:MM", s)
	}
	h, m := digit(0)*10+digit(1), digit(3)*10+digit(4)
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%q is not a time of day between 00:00 and 24:00", s)
	}
	return h*60 + m, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FormatClock writes minutes since midnight as "HH:MM".
func FormatClock(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

// NewWindow builds a Window from ISO weekdays and "HH:MM" bounds. It fails
// when a day is out of 1..7, a bound is malformed, or the window is empty.
func NewWindow(days []int, from, to string) (Window, error) {
	var w Window
	if len(days) == 0 {
		return w, fmt.Errorf("days must name at least one weekday (1 = Monday ... 7 = Sunday)")
	}
	for _, d := range days {
		if d < 1 || d > 7 {
			return w, fmt.Errorf("day %d is not an ISO weekday (1 = Monday ... 7 = Sunday)", d)
		}
		w.Days[d] = true
	}
	var err error
	if w.From, err = ParseClock(from); err != nil {
		return w, err
	}
	if w.From == 1440 {
		return w, fmt.Errorf("a window cannot start at 24:00")
	}
	if w.To, err = ParseClock(to); err != nil {
		return w, err
	}
	if w.From == w.To {
		return w, fmt.Errorf("a window from %s to %s is empty", from, to)
	}
	return w, nil
}

// Week is a set of weekly windows, such as a site's opening hours.
type Week []Window

// isoWeekday returns 1 for Monday ... 7 for Sunday.
func isoWeekday(t time.Time) int {
	d := int(t.Weekday())
	if d == 0 {
		return 7
	}
	return d
}

// At returns the instant of the local wall-clock time min minutes after
// midnight on the local date of day. Minutes are counted on the wall clock,
// so 18:00 stays 18:00 across a daylight-saving change.
func At(day time.Time, min int, loc *time.Location) time.Time {
	y, m, d := day.In(loc).Date()
	return time.Date(y, m, d, min/60, min%60, 0, 0, loc)
}

// Occurrences returns the union of the week's windows over [from, to) in
// loc, sorted and merged, so that a window ending at midnight joins one
// starting at midnight.
func (w Week) Occurrences(loc *time.Location, span Interval) []Interval {
	if len(w) == 0 || !span.Start.Before(span.End) {
		return nil
	}
	var out []Interval
	first := span.Start.In(loc)
	y, m, d := first.Date()
	// Start a day early: a window past midnight may reach into the span.
	for day := time.Date(y, m, d-1, 12, 0, 0, 0, loc); day.Before(span.End.Add(24 * time.Hour)); day = time.Date(day.Year(), day.Month(), day.Day()+1, 12, 0, 0, 0, loc) {
		wd := isoWeekday(day)
		for _, win := range w {
			if !win.Days[wd] {
				continue
			}
			start := At(day, win.From, loc)
			var end time.Time
			if win.To > win.From {
				end = At(day, win.To, loc)
				if win.To == 1440 {
					end = At(nextDay(day, loc), 0, loc)
				}
			} else {
				end = At(nextDay(day, loc), win.To, loc)
			}
			if iv, ok := (Interval{start, end}).Clip(span); ok {
				out = append(out, iv)
			}
		}
	}
	return Merge(out)
}

func nextDay(day time.Time, loc *time.Location) time.Time {
	y, m, d := day.In(loc).Date()
	return time.Date(y, m, d+1, 12, 0, 0, 0, loc)
}

// Merge sorts intervals and joins those that overlap or touch.
func Merge(ivs []Interval) []Interval {
	if len(ivs) < 2 {
		return ivs
	}
	sort.Slice(ivs, func(i, j int) bool { return ivs[i].Start.Before(ivs[j].Start) })
	out := ivs[:1]
	for _, iv := range ivs[1:] {
		last := &out[len(out)-1]
		if !iv.Start.After(last.End) {
			if iv.End.After(last.End) {
				last.End = iv.End
			}
			continue
		}
		out = append(out, iv)
	}
	return out
}

// Covers reports whether the sorted, merged intervals cover all of target.
func Covers(ivs []Interval, target Interval) bool {
	at := target.Start
	for _, iv := range ivs {
		if iv.Start.After(at) {
			break
		}
		if iv.End.After(at) {
			at = iv.End
		}
		if !at.Before(target.End) {
			return true
		}
	}
	return !at.Before(target.End)
}

// Aligned reports whether t falls on a grid of slot minutes counted on the
// local wall clock from midnight. A slot of 0 only asks for whole minutes.
func Aligned(t time.Time, slot int, loc *time.Location) bool {
	l := t.In(loc)
	if l.Second() != 0 || l.Nanosecond() != 0 {
		return false
	}
	if slot <= 0 {
		return true
	}
	return (l.Hour()*60+l.Minute())%slot == 0
}

// WeekStart returns local Monday 00:00 of the ISO week holding t.
func WeekStart(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	y, m, d := l.Date()
	return time.Date(y, m, d-(isoWeekday(l)-1), 0, 0, 0, 0, loc)
}

// WeekPiece is the part of an interval that falls in one ISO week.
type WeekPiece struct {
	Week     Interval // local Monday 00:00 to the next Monday 00:00
	Interval Interval
}

// SplitWeeks cuts iv at local ISO week boundaries, so a booking from Sunday
// evening to Monday morning counts in both weeks.
func SplitWeeks(iv Interval, loc *time.Location) []WeekPiece {
	var out []WeekPiece
	for ws := WeekStart(iv.Start, loc); ws.Before(iv.End); {
		we := time.Date(ws.Year(), ws.Month(), ws.Day()+7, 0, 0, 0, 0, loc)
		week := Interval{ws, we}
		if p, ok := iv.Clip(week); ok {
			out = append(out, WeekPiece{Week: week, Interval: p})
		}
		ws = we
	}
	return out
}

// Load is a quantity of capacity held over an interval.
type Load struct {
	Interval
	Quantity int
}

type edge struct {
	at    time.Time
	delta int
}

// edges lists the +quantity and -quantity steps of loads clipped to span,
// with releases before takes at the same instant (ranges are half-open).
func edges(loads []Load, span Interval) []edge {
	es := make([]edge, 0, 2*len(loads))
	for _, l := range loads {
		iv, ok := l.Interval.Clip(span)
		if !ok || l.Quantity == 0 {
			continue
		}
		es = append(es, edge{iv.Start, l.Quantity}, edge{iv.End, -l.Quantity})
	}
	slices.SortFunc(es, func(a, b edge) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.delta - b.delta
	})
	return es
}

// Peak returns the largest total quantity held at any instant of span: the
// sweep over time that a plain sum of overlapping loads would overstate.
func Peak(loads []Load, span Interval) int {
	cur, peak := 0, 0
	for _, e := range edges(loads, span) {
		cur += e.delta
		if cur > peak {
			peak = cur
		}
	}
	return peak
}

// Step is a piece of time over which the held quantity is constant.
type Step struct {
	Interval
	Held int
}

// Profile returns consecutive steps covering span with the quantity held in
// each, merging neighbours that hold the same.
func Profile(loads []Load, span Interval) []Step {
	var out []Step
	at, cur := span.Start, 0
	push := func(end time.Time) {
		if !at.Before(end) {
			return
		}
		if n := len(out); n > 0 && out[n-1].Held == cur {
			out[n-1].End = end
		} else {
			out = append(out, Step{Interval{at, end}, cur})
		}
		at = end
	}
	for _, e := range edges(loads, span) {
		push(e.at)
		cur += e.delta
	}
	push(span.End)
	return out
}
