package models

import (
	"fmt"
	"math"
	"sort"
	"time"

	"atelier/schedule"

	"gorm.io/gorm"
)

// SiteLoad is a live booking of one of a site's machines that counts
// toward the site's limits: what it draws and whether it is loud.
type SiteLoad struct {
	schedule.Interval
	BookingID  int64
	ResourceID int64
	PowerKW    float64
	Loud       bool
	CreatedAt  time.Time
}

// HasLimits reports whether the site limits power or noise.
func (s *Site) HasLimits() bool { return s.PowerKW > 0 || s.LoudAtOnce > 0 }

// limited reports whether bookings of r are judged by its site's limits.
func limited(r *Resource, s *Site) bool {
	return r.Kind == KindMachine && ((s.PowerKW > 0 && r.PowerKW > 0) || (s.LoudAtOnce > 0 && r.Nuisance == NuisanceLoud))
}

// watts turns kW into whole watts, so that power is swept with the same
// integer arithmetic as capacity (schedule.Profile).
func watts(kw float64) int { return int(math.Round(kw * 1000)) }

// siteLoads reads the bookings in statuses (liveStatuses for what holds a
// slot) of the site's machines that draw power or are loud, overlapping
// span; the look-back is the longest booking any of them holds.
func siteLoads(q *gorm.DB, siteID int64, span schedule.Interval, statuses []string) ([]SiteLoad, error) {
	span = utcSpan(span)
	var longest int
	if err := q.Table("resources").Joins("JOIN zones ON zones.id = resources.zone_id").
		Where("zones.site_id = ?", siteID).Select("COALESCE(MAX(resources.longest_minutes), 0)").Scan(&longest).Error; err != nil {
		return nil, err
	}
	rows, err := q.Table("bookings").
		Select("bookings.id, bookings.resource_id, bookings.start_at, bookings.end_at, bookings.created_at, resources.power_kw, resources.nuisance").
		Joins("JOIN resources ON resources.id = bookings.resource_id").
		Joins("JOIN zones ON zones.id = resources.zone_id").
		Where("zones.site_id = ? AND resources.kind = ? AND (resources.power_kw > 0 OR resources.nuisance = ?)", siteID, KindMachine, NuisanceLoud).
		Where("bookings.status IN ? AND bookings.start_at < ? AND bookings.end_at > ? AND bookings.start_at >= ?",
			statuses, span.End, span.Start, span.Start.Add(-time.Duration(longest)*time.Minute)).
		Order("bookings.created_at, bookings.id").Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []SiteLoad{}
	for rows.Next() {
		var l SiteLoad
		var nuisance string
		if err := rows.Scan(&l.BookingID, &l.ResourceID, &l.Start, &l.End, &l.CreatedAt, &l.PowerKW, &nuisance); err != nil {
			return nil, err
		}
		l.Loud = nuisance == NuisanceLoud
		out = append(out, l)
	}
	return out, rows.Err()
}

// lockSite takes the site's row lock on PostgreSQL: with limits, bookings
// of different machines of one site must not judge at the same time. It is
// always taken after the resource's lock (lockSiteResources takes the
// resources first too), so two writers never wait on each other in turn.
//
// It records the site as touched: a booking under a limit takes time
// from the site's other machines.
func lockSite(tx *gorm.DB, id int64) error {
	touchSite(tx, id)
	if tx.Dialector.Name() == "sqlite" {
		return nil // the single writer holds the whole database already
	}
	var rows []struct{ ID int64 }
	return tx.Raw("SELECT id, pg_notify(?, 's' || id::text)::text AS sent FROM sites WHERE id = ? FOR UPDATE",
		availChannel, id).Scan(&rows).Error
}

// lockSiteResources locks every resource of a site, in id order, before
// the site itself: a change of the site's limits then waits for the
// bookings being judged and holds off new ones.
func lockSiteResources(tx *gorm.DB, siteID int64) error {
	if err := touchSiteAll(tx, siteID); err != nil {
		return err
	}
	var ids []int64
	return forUpdate(tx.Table("resources").Where("zone_id IN (SELECT id FROM zones WHERE site_id = ?)", siteID).
		Order("id")).Pluck("id", &ids).Error
}

// limitSweep is the profile of one limit over a span: the held amount of
// the site's other bookings (watts, or loud machines), what this booking
// adds, and the limit.
type limitSweep struct {
	loads []schedule.Load
	add   int
	limit int
}

// peak returns the highest amount held with this booking added, the
// instant it is first reached, and whether it passes the limit.
func (ls limitSweep) peak(span schedule.Interval) (held int, at time.Time, over bool) {
	held, at = ls.add, span.Start
	for _, st := range schedule.Profile(ls.loads, span) {
		if st.Held+ls.add > held {
			held, at = st.Held+ls.add, st.Start
		}
	}
	return held, at, held > ls.limit
}

func powerSweep(f *Facts) limitSweep {
	ls := limitSweep{add: watts(f.Resource.PowerKW), limit: watts(f.Site.PowerKW)}
	for _, l := range f.SiteLoads {
		if l.PowerKW > 0 {
			ls.loads = append(ls.loads, schedule.Load{Interval: l.Interval, Quantity: watts(l.PowerKW)})
		}
	}
	return ls
}

func noiseSweep(f *Facts) limitSweep {
	ls := limitSweep{add: 1, limit: f.Site.LoudAtOnce}
	for _, l := range f.SiteLoads {
		if l.Loud {
			ls.loads = append(ls.loads, schedule.Load{Interval: l.Interval, Quantity: 1})
		}
	}
	return ls
}

// limitConflicts lists the site's bookings running at instant at that
// count toward a limit (keep tells which), without member names.
func limitConflicts(f *Facts, at time.Time, keep func(SiteLoad) bool) []map[string]any {
	loc := f.Site.Location()
	out := []map[string]any{}
	for _, l := range f.SiteLoads {
		if keep(l) && l.Contains(at) {
			out = append(out, map[string]any{"start": l.Start.In(loc), "end": l.End.In(loc), "resource_id": l.ResourceID})
		}
	}
	return out
}

// checkPower refuses a machine whose draw, added to the site's machines
// booked at some instant, passes the building's budget. Hosts cannot
// override it: the fuse does not care who books.
func checkPower(f *Facts) *Error {
	if f.Site.PowerKW <= 0 || f.Resource.PowerKW <= 0 || f.Resource.Kind != KindMachine {
		return nil
	}
	held, at, over := powerSweep(f).peak(f.Span)
	if !over {
		return nil
	}
	peak := float64(held) / 1000
	return Errorf(CodePowerExceeded, "%s draws %g kW: with the machines booked at %s the building would draw %g kW of its %g.",
		f.Resource.Name, f.Resource.PowerKW, at.In(f.Site.Location()).Format("Mon 15:04"), peak, f.Site.PowerKW).
		With("power_kw", f.Site.PowerKW).With("peak_kw", peak).With("at", at.In(f.Site.Location())).
		With("conflicts", limitConflicts(f, at, func(l SiteLoad) bool { return l.PowerKW > 0 }))
}

// checkNoise refuses a loud machine when the site's loud machines booked
// at some instant already reach loud_at_once.
func checkNoise(f *Facts) *Error {
	if f.Site.LoudAtOnce <= 0 || f.Resource.Nuisance != NuisanceLoud || f.Resource.Kind != KindMachine {
		return nil
	}
	held, at, over := noiseSweep(f).peak(f.Span)
	if !over {
		return nil
	}
	return Errorf(CodeNoiseLimit, "At most %d loud machines may run at once here, for the neighbours: at %s %d would.",
		f.Site.LoudAtOnce, at.In(f.Site.Location()).Format("Mon 15:04"), held).
		With("loud_at_once", f.Site.LoudAtOnce).With("peak_loud", held).With("at", at.In(f.Site.Location())).
		With("conflicts", limitConflicts(f, at, func(l SiteLoad) bool { return l.Loud }))
}

// limitBlocks returns where a machine could not start because of the
// site's limits, for availability: power first, then noise.
func limitBlocks(r *Resource, site *Site, loads []SiteLoad, span schedule.Interval) (power, noise []schedule.Interval) {
	// The machine's own bookings already show as taken.
	var others []SiteLoad
	for _, l := range loads {
		if l.ResourceID != r.ID {
			others = append(others, l)
		}
	}
	f := &Facts{Resource: r, Site: site, SiteLoads: others}
	blocked := func(ls limitSweep) []schedule.Interval {
		var out []schedule.Interval
		for _, st := range schedule.Profile(ls.loads, span) {
			if st.Held+ls.add > ls.limit {
				out = append(out, st.Interval)
			}
		}
		return schedule.Merge(out)
	}
	if site.PowerKW > 0 && r.PowerKW > 0 && r.Kind == KindMachine {
		power = blocked(powerSweep(f))
	}
	if site.LoudAtOnce > 0 && r.Nuisance == NuisanceLoud && r.Kind == KindMachine {
		noise = blocked(noiseSweep(f))
	}
	return power, noise
}

// inTheWay returns the future bookings that new limits of s would not
// hold: taking them in the order they were asked for, oldest first, each
// keeps its place while it fits with those kept before it.
func inTheWay(loads []SiteLoad, s *Site) []SiteLoad {
	sort.SliceStable(loads, func(i, j int) bool { return loads[i].CreatedAt.Before(loads[j].CreatedAt) })
	var kept, out []SiteLoad
	for _, l := range loads {
		f := &Facts{Site: s, SiteLoads: kept, Span: l.Interval,
			Resource: &Resource{Kind: KindMachine, PowerKW: l.PowerKW, Nuisance: map[bool]string{true: NuisanceLoud, false: NuisanceQuiet}[l.Loud]}}
		if checkPower(f) != nil || checkNoise(f) != nil {
			out = append(out, l)
			continue
		}
		kept = append(kept, l)
	}
	return out
}

// enforceLimits refuses new limits of s that the future bookings of its
// machines would pass (a conflict *Error listing them), or with force
// cancels those in the way with reason and tells their members. It answers
// the time it freed, per resource, for the waiting list once the new
// limits are saved.
func (db *DB) enforceLimits(tx *gorm.DB, now time.Time, actor *User, s *Site, force bool, reason string) (map[int64][]schedule.Interval, error) {
	loads, err := siteLoads(tx, s.ID, schedule.Interval{Start: now, End: now.AddDate(20, 0, 0)}, liveStatuses)
	if err != nil {
		return nil, err
	}
	var future []SiteLoad
	for _, l := range loads {
		if l.End.After(now) {
			future = append(future, l)
		}
	}
	way := inTheWay(future, s)
	if len(way) == 0 {
		return nil, nil
	}
	loc := s.Location()
	if !force {
		list := make([]map[string]any, len(way))
		for i, l := range way {
			list[i] = map[string]any{"booking_id": l.BookingID, "resource_id": l.ResourceID, "start": l.Start.In(loc), "end": l.End.In(loc)}
		}
		return nil, Errorf(CodeConflict, "%d booked sessions would pass the new limit: cancel them with force and a reason, or keep the limit.", len(way)).
			With("bookings", list).With("conflicts", list)
	}
	ids := make([]int64, len(way))
	for i, l := range way {
		ids[i] = l.BookingID
	}
	msg := fmt.Sprintf("Site limit: %s", reason)
	if err := tx.Table("bookings").Where("id IN ?", ids).Updates(map[string]any{
		"status": StatusCancelled, "reason": msg, "cancelled_by": actor.ID, "cancelled_at": now, "updated_at": now,
		"sequence": gorm.Expr("sequence + 1")}).Error; err != nil {
		return nil, err
	}
	if err := audit(tx, actor, "site.limits", "site", s.ID, map[string]any{"power_kw": s.PowerKW,
		"loud_at_once": s.LoudAtOnce, "reason": reason, "cancelled_bookings": ids}); err != nil {
		return nil, err
	}
	var cancelled []Booking
	if err := tx.Select("id", "member_id", "resource_id", "start_at", "busy_until").Where("id IN ?", ids).
		Order("id").Find(&cancelled).Error; err != nil {
		return nil, err
	}
	freed := map[int64][]schedule.Interval{}
	for _, b := range cancelled {
		if err := db.notifyDecision(tx, now, actor, Cancel, b.MemberID, b.ID, nil, msg, 0); err != nil {
			return nil, err
		}
		freed[b.ResourceID] = append(freed[b.ResourceID], schedule.Interval{Start: b.StartAt, End: b.BusyUntil})
	}
	return freed, nil
}
