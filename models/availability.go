package models

import (
	"atelier/schedule"
	"context"
	"time"
)

// Why a piece of time is or is not bookable.
const (
	StateOpen    = "open"
	StateClosed  = "closed"
	StateOutside = "outside_opening_hours"
	StateQuiet   = "quiet_hours"
	StatePower   = "power"
	StateNoise   = "noise"
)

// MaxAvailabilitySpan bounds one availability request.
const MaxAvailabilitySpan = 62 * 24 * time.Hour

// Slice is a piece of time with the capacity still free in it.
type Slice struct {
	schedule.Interval
	Available int
	State     string
}

// Availability returns consecutive slices covering span with the capacity
// free in each: 0 where closed, outside opening hours, in quiet hours for
// a loud resource, or taken. Neighbours with the same answer are merged.
func (db *DB) Availability(ctx context.Context, resourceID int64, span schedule.Interval) (*Resource, *Site, []Slice, error) {
	fe := FieldErrors{}
	if !span.End.After(span.Start) {
		fe.Add("to", "The end must be after the start.")
	} else if span.Duration() > MaxAvailabilitySpan {
		fe.Add("to", "Ask for at most 62 days at a time.")
	}
	if err := fe.Err(); err != nil {
		return nil, nil, nil, err
	}
	span = utcSpan(span)
	q := db.r(ctx)
	r, err := first[Resource](resources(q), resourceID, "Resource")
	if err != nil {
		return nil, nil, nil, err
	}
	site, err := first[Site](q, r.SiteID, "Site")
	if err != nil {
		return nil, nil, nil, err
	}
	busy, closures, err := busyAndClosed(q, r, span, span)
	if err != nil {
		return nil, nil, nil, translate(err)
	}
	slices := Slices(r, site, closures, busy, span)
	if limited(r, site) {
		loads, err := siteLoads(q, site.ID, span, liveStatuses)
		if err != nil {
			return nil, nil, nil, translate(err)
		}
		power, noise := limitBlocks(r, site, loads, span)
		slices = blockSlices(slices, StatePower, power)
		slices = blockSlices(slices, StateNoise, noise)
	}
	return r, site, slices, nil
}

// blockSlices marks the open parts of slices that ivs cover with state and
// nothing free, merging neighbours that end up alike.
func blockSlices(slices []Slice, state string, ivs []schedule.Interval) []Slice {
	if len(ivs) == 0 {
		return slices
	}
	var out []Slice
	for _, s := range slices {
		for _, p := range cut(nil, s, ivs, state) {
			if n := len(out); n > 0 && out[n-1].State == p.State && out[n-1].Available == p.Available && out[n-1].End.Equal(p.Start) {
				out[n-1].End = p.End
				continue
			}
			out = append(out, p)
		}
	}
	return out
}

// Slices computes availability from the facts, without a database.
func Slices(r *Resource, site *Site, closures []Closure, busy []schedule.Load, span schedule.Interval) []Slice {
	loc := site.Location()
	// Blocks are the reasons for 0, strongest first.
	type block struct {
		state string
		ivs   []schedule.Interval
	}
	var closed []schedule.Interval
	for _, c := range closures {
		closed = append(closed, c.Interval())
	}
	open := site.Opening().Occurrences(loc, span)
	outside := complement(open, span)
	var quiet []schedule.Interval
	if r.Nuisance == NuisanceLoud {
		quiet = site.QuietHours.Week().Occurrences(loc, span)
	}
	blocks := []block{{StateClosed, schedule.Merge(closed)}, {StateOutside, outside}, {StateQuiet, quiet}}
	// Cut the load profile at every block edge, then label each piece.
	var loads []schedule.Load
	loads = append(loads, busy...)
	var out []Slice
	// pieces and next are scratch space reused by every step: a week has
	// hundreds of steps, and fresh slices for each were most of the cost.
	var pieces, next []Slice
	for _, step := range schedule.Profile(loads, span) {
		pieces = append(pieces[:0], Slice{Interval: step.Interval, Available: max(r.Capacity-step.Held, 0), State: StateOpen})
		for _, bl := range blocks {
			next = next[:0]
			for _, p := range pieces {
				next = cut(next, p, bl.ivs, bl.state)
			}
			pieces, next = next, pieces
		}
		for _, p := range pieces {
			if n := len(out); n > 0 && out[n-1].State == p.State && out[n-1].Available == p.Available && out[n-1].End.Equal(p.Start) {
				out[n-1].End = p.End
				continue
			}
			out = append(out, p)
		}
	}
	return out
}

// cut appends to out the pieces of p split where the sorted intervals ivs
// cover it, marking the covered parts with state and 0 free, unless p is
// already blocked.
func cut(out []Slice, p Slice, ivs []schedule.Interval, state string) []Slice {
	if p.State != StateOpen {
		return append(out, p)
	}
	at := p.Start
	for _, iv := range ivs {
		c, ok := iv.Clip(p.Interval)
		if !ok {
			continue
		}
		if c.Start.After(at) {
			out = append(out, Slice{schedule.Interval{Start: at, End: c.Start}, p.Available, p.State})
		}
		out = append(out, Slice{c, 0, state})
		at = c.End
	}
	if at.Before(p.End) {
		out = append(out, Slice{schedule.Interval{Start: at, End: p.End}, p.Available, p.State})
	}
	return out
}

// complement returns the parts of span the sorted, merged ivs leave free.
func complement(ivs []schedule.Interval, span schedule.Interval) []schedule.Interval {
	var out []schedule.Interval
	at := span.Start
	for _, iv := range ivs {
		if iv.Start.After(at) {
			out = append(out, schedule.Interval{Start: at, End: iv.Start})
		}
		if iv.End.After(at) {
			at = iv.End
		}
	}
	if at.Before(span.End) {
		out = append(out, schedule.Interval{Start: at, End: span.End})
	}
	return out
}
