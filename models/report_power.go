package models

import (
	"context"
	"time"

	"atelier/schedule"
)

// PowerDay is how close a site's machines came to its power budget on one
// local day of a report: the highest draw of approved bookings, and how
// long no other of its machines could have started (the draw was within
// the smallest machine's draw of the budget). A host reads from it whether
// a bigger connection would pay off.
type PowerDay struct {
	Date         string // local, 2006-01-02
	PeakKW       float64
	HoursAtLimit float64
}

// powerDays sweeps the approved bookings of the site's powered machines
// over each local day of [from, to). It reads only those bookings, not the
// whole site's, and only when the site has a power budget.
func (db *DB) powerDays(ctx context.Context, site *Site, rs []Resource, from, to time.Time) ([]PowerDay, error) {
	if site.PowerKW <= 0 {
		return nil, nil
	}
	minDraw := 0
	for _, r := range rs {
		if w := watts(r.PowerKW); r.Kind == KindMachine && w > 0 && (minDraw == 0 || w < minDraw) {
			minDraw = w
		}
	}
	// The report counts approved bookings only; a slot held by a pending
	// request is not use.
	loads, err := siteLoads(db.r(ctx), site.ID, schedule.Interval{Start: from, End: to}, []string{StatusApproved})
	if err != nil {
		return nil, translate(err)
	}
	var counted []schedule.Load
	for _, l := range loads {
		if l.PowerKW > 0 {
			counted = append(counted, schedule.Load{Interval: l.Interval, Quantity: watts(l.PowerKW)})
		}
	}
	budget, loc := watts(site.PowerKW), site.Location()
	var out []PowerDay
	for day := from.In(loc); day.Before(to); {
		y, m, d := day.Date()
		next := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
		span := schedule.Interval{Start: day, End: next}
		if next.After(to) {
			span.End = to
		}
		pd := PowerDay{Date: day.Format(time.DateOnly)}
		var at time.Duration
		for _, st := range schedule.Profile(counted, span) {
			if kw := float64(st.Held) / 1000; kw > pd.PeakKW {
				pd.PeakKW = kw
			}
			if st.Held > 0 && st.Held+minDraw > budget {
				at += st.Duration()
			}
		}
		pd.HoursAtLimit = round6(at.Hours())
		out = append(out, pd)
		day = next
	}
	return out, nil
}
