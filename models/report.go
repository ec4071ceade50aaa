package models

import (
	"atelier/schedule"
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// MaxReportDays bounds the window of a usage report, in the site's
// calendar days.
const MaxReportDays = 366

// DailyReportDays is the longest window a report breaks down by day; a
// longer one is broken down by ISO week.
const DailyReportDays = 31

// The periods a report is broken down by.
const (
	PeriodDay  = "day"
	PeriodWeek = "week"
)

// Usage is how much of a resource, or of a group of them, was used over a
// window or a period of it.
type Usage struct {
	// OpenHours is the time inside the site's opening hours (all of it
	// when the site has none) less the resource's closures.
	OpenHours float64
	// BookedHours sums the lengths of the approved bookings, clipped to
	// the window; BookedCapacityHours sums quantity x length.
	BookedHours, BookedCapacityHours float64
	// Utilization is the booked capacity-hours inside open hours over
	// capacity x open hours; 0 when there are no open hours.
	Utilization float64
	// Bookings counts the approved bookings; Members the distinct
	// members they served.
	Bookings, Members int64
}

// ResourceUsage is one resource's line of a report.
type ResourceUsage struct {
	ResourceID int64
	Name       string
	Kind, Unit string
	Capacity   int
	Usage
}

// UseUsage is one use of the site's floor in a report.
type UseUsage struct {
	Use          string
	AreaM2       float64 // the site's zones of this use
	ShareOfFloor float64 // AreaM2 over the site's floor area
	// Utilization is over the m² spaces in zones of this use; nil when
	// there is none.
	Utilization *float64
}

// UseUtilization is the utilization of one use of the floor in a period.
type UseUtilization struct {
	Use         string
	Utilization *float64
}

// PeriodResourceUsage is one resource's usage in a period. Its Members
// is not counted (0): distinct members per resource and period would cost
// a sort of every booking, for a figure the period's MembersActive gives.
type PeriodResourceUsage struct {
	ResourceID int64
	Usage
}

// PeriodUsage holds the figures of a report for one period (a day or an
// ISO week, clipped to the window). A booking counts in Bookings and
// MembersActive of the period its clipped start falls in; its hours are
// split between the periods it spans.
type PeriodUsage struct {
	Start, End    time.Time
	Resources     []PeriodResourceUsage
	Uses          []UseUtilization
	MembersActive int64
}

// HourUsage is one hour of the week (local wall clock) in a report: the
// approved bookings' time that fell in it over the window.
type HourUsage struct {
	Weekday, Hour                    int // ISO weekday (1 = Monday), 0..23
	BookedHours, BookedCapacityHours float64
	// Share is BookedCapacityHours over the window's total.
	Share float64
}

// UsageReport is how a site's machines and floor were used over
// [From, To).
type UsageReport struct {
	Site          *Site
	From, To      time.Time
	Resources     []ResourceUsage
	Uses          []UseUsage
	MembersActive int64
	Period        string // PeriodDay or PeriodWeek
	Periods       []PeriodUsage
	BusiestHours  []HourUsage // 7 x 24, Monday 00:00 first
	// PowerDays is the site's peak draw per local day, when it has a
	// power budget (nil otherwise).
	PowerDays []PowerDay
}

// UsageReport reports how the site's resources were used over [from, to),
// counting approved bookings only, clipped to the window. Times count to
// the second. A window that does not end after it starts or that is longer
// than MaxReportDays, or a site that does not exist, is a validation
// *Error.
func (db *DB) UsageReport(ctx context.Context, siteID int64, from, to time.Time) (*UsageReport, error) {
	from, to = from.UTC().Truncate(time.Second), to.UTC().Truncate(time.Second)
	if !to.After(from) {
		return nil, Invalid("to", "The end must be after the start.")
	}
	q := db.r(ctx)
	site, err := first[Site](q, siteID, "Site")
	if ErrorCode(err) == CodeNotFound {
		return nil, Invalid("site_id", "No site has this id.")
	}
	if err != nil {
		return nil, err
	}
	loc := site.Location()
	if to.After(from.In(loc).AddDate(0, 0, MaxReportDays)) {
		return nil, Invalid("to", fmt.Sprintf("A report covers at most %d days.", MaxReportDays))
	}
	var zs []Zone
	if err := q.Where("site_id = ?", siteID).Order("id").Find(&zs).Error; err != nil {
		return nil, translate(err)
	}
	var rs []Resource
	if err := resources(q).Where("zones.site_id = ?", siteID).Order("resources.name, resources.id").Find(&rs).Error; err != nil {
		return nil, translate(err)
	}
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	var closures []Closure
	if len(rs) > 0 {
		if err := q.Where("resource_id IN ? AND start_at < ? AND end_at > ? AND start_at >= ?",
			ids, to, from, from.Add(-MaxClosure)).Find(&closures).Error; err != nil {
			return nil, translate(err)
		}
	}

	tl := newTimeline(site, from, to)
	// What each resource may be open: the site's hours less its closures,
	// merged so that time in two of them comes off once.
	closed := map[int64][]span{}
	for _, c := range closures {
		if s, ok := (span{tl.rel(c.StartAt), tl.rel(c.EndAt)}).clip(tl.window()); ok {
			closed[c.ResourceID] = append(closed[c.ResourceID], s)
		}
	}
	siteOpen := tl.split(tl.open)
	tallies := make([][]tally, len(rs)) // per resource, per period
	for i, r := range rs {
		open := siteOpen
		if cs := closed[r.ID]; len(cs) > 0 {
			closed[r.ID] = mergeSpans(cs)
			open = tl.split(subtractSpans(tl.open, closed[r.ID]))
		}
		tallies[i] = make([]tally, len(tl.periods))
		for k := range tl.periods {
			tallies[i][k].open = open[k]
		}
	}

	sums := &reportSums{groups: make([][]segGroup, len(rs)), members: make([]int64, len(rs)),
		periodMembers: make([]int64, len(tl.periods)), hours: map[[2]int64]segSums{}}
	if len(rs) > 0 {
		if err := db.sumBookings(ctx, tl, rs, closed, sums); err != nil {
			return nil, err
		}
	}
	for i := range rs {
		for _, g := range sums.groups[i] {
			tl.spread(tallies[i], g)
		}
	}

	rep := &UsageReport{Site: site, From: from, To: to, Period: tl.period, Resources: []ResourceUsage{},
		MembersActive: sums.membersActive, Periods: make([]PeriodUsage, len(tl.periods)), BusiestHours: tl.busiestHours(sums)}
	for k, p := range tl.periods {
		rep.Periods[k] = PeriodUsage{Start: tl.instant(p.s), End: tl.instant(p.e), MembersActive: sums.periodMembers[k],
			Resources: []PeriodResourceUsage{}}
	}
	for i, r := range rs {
		var total tally
		for k, t := range tallies[i] {
			total.add(t)
			rep.Periods[k].Resources = append(rep.Periods[k].Resources,
				PeriodResourceUsage{ResourceID: r.ID, Usage: t.usage(r.Capacity)})
		}
		total.members = sums.members[i]
		rep.Resources = append(rep.Resources, ResourceUsage{ResourceID: r.ID, Name: r.Name, Kind: r.Kind, Unit: r.Unit,
			Capacity: r.Capacity, Usage: total.usage(r.Capacity)})
	}
	rep.Uses = floorUses(site, zs, rs, tallies, rep.Periods)
	if rep.PowerDays, err = db.powerDays(ctx, site, rs, from, to); err != nil {
		return nil, err
	}
	return rep, nil
}

// floorUses returns the site's floor by use, in the order the contract
// lists the uses, and adds each use's utilization to the periods.
func floorUses(site *Site, zs []Zone, rs []Resource, tallies [][]tally, periods []PeriodUsage) []UseUsage {
	out := []UseUsage{}
	for k := range periods {
		periods[k].Uses = []UseUtilization{}
	}
	for _, use := range zoneUses {
		var area float64
		inUse := map[int64]bool{}
		for _, z := range zs {
			if z.Use == use {
				area += z.AreaM2
				inUse[z.ID] = true
			}
		}
		if len(inUse) == 0 {
			continue
		}
		// Booked m²-hours inside open hours over capacity x open hours,
		// of the m² spaces in zones of this use.
		spaces := false
		inside, open := make([]int64, len(periods)), make([]int64, len(periods))
		var insideAll, openAll int64
		for i, r := range rs {
			if !inUse[r.ZoneID] || r.Kind != KindSpace || r.Unit != UnitM2 {
				continue
			}
			spaces = true
			for k, t := range tallies[i] {
				inside[k] += t.inside
				open[k] += int64(r.Capacity) * t.open
				insideAll += t.inside
				openAll += int64(r.Capacity) * t.open
			}
		}
		util := func(n, d int64) *float64 {
			if !spaces {
				return nil
			}
			v := ratio(n, d)
			return &v
		}
		u := UseUsage{Use: use, AreaM2: round6(area), Utilization: util(insideAll, openAll)}
		if site.FloorAreaM2 > 0 {
			u.ShareOfFloor = round6(area / site.FloorAreaM2)
		}
		out = append(out, u)
		for k := range periods {
			periods[k].Uses = append(periods[k].Uses, UseUtilization{Use: use, Utilization: util(inside[k], open[k])})
		}
	}
	return out
}

// tally is a usage in whole seconds (capacity-seconds for the weighted
// figures), so that periods and resources add up exactly.
type tally struct {
	open, booked, bookedCap, inside int64
	bookings, members               int64
}

func (t *tally) add(o tally) {
	t.open += o.open
	t.booked += o.booked
	t.bookedCap += o.bookedCap
	t.inside += o.inside
	t.bookings += o.bookings
}

func (t tally) usage(capacity int) Usage {
	return Usage{OpenHours: secondsToHours(t.open), BookedHours: secondsToHours(t.booked), BookedCapacityHours: secondsToHours(t.bookedCap),
		Utilization: ratio(t.inside, int64(capacity)*t.open), Bookings: t.bookings, Members: t.members}
}

func secondsToHours(seconds int64) float64 { return round6(float64(seconds) / 3600) }

func ratio(n, d int64) float64 {
	if d <= 0 {
		return 0
	}
	return round6(float64(n) / float64(d))
}

// round6 keeps six decimals: a figure to the thousandth of a percent, an
// hour to the 4 ms, and no binary noise such as 2.9999999999999996.
func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// span is a half-open range of seconds counted from a timeline's origin.
type span struct{ s, e int64 }

func (a span) clip(b span) (span, bool) {
	c := span{max(a.s, b.s), min(a.e, b.e)}
	return c, c.s < c.e
}

func mergeSpans(ss []span) []span {
	slices.SortFunc(ss, func(a, b span) int { return cmp.Compare(a.s, b.s) })
	out := ss[:0:0]
	for _, s := range ss {
		if n := len(out); n > 0 && s.s <= out[n-1].e {
			out[n-1].e = max(out[n-1].e, s.e)
			continue
		}
		out = append(out, s)
	}
	return out
}

// subtractSpans returns the parts of the sorted, disjoint a outside the
// sorted, disjoint b.
func subtractSpans(a, b []span) []span {
	var out []span
	j := 0
	for _, s := range a {
		at := s.s
		for j < len(b) && b[j].e <= at {
			j++
		}
		for k := j; k < len(b) && b[k].s < s.e; k++ {
			if b[k].s > at {
				out = append(out, span{at, b[k].s})
			}
			at = max(at, b[k].e)
		}
		if at < s.e {
			out = append(out, span{at, s.e})
		}
	}
	return out
}

// timeline is a report's window in whole seconds counted from origin, the
// UTC midnight at or before its start: small integers that both databases
// compute with exactly. The SQL finds, for any instant of the window, its
// piece: a stretch inside one UTC day, one period, and either wholly open
// or wholly not.
type timeline struct {
	loc      *time.Location
	origin   int64 // Unix seconds
	from, to int64
	open     []span // the site's opening hours in the window
	period   string
	periods  []span
	opens    []int64 // the site's open seconds in each period
	pieces   []piece
}

// piece is one row of the SQL's lookup table. A point t (from <= t <= to)
// lies in the piece with d = t / 86400 and s <= t < e; there it is off
// seconds into period k (s_off + t - s) and has passed f_off + open*(t - s)
// open seconds of the period. Points at to fall in k = len(periods).
type piece struct {
	d, s, e, open, k, sOff, fOff int64
}

func newTimeline(site *Site, from, to time.Time) *timeline {
	loc := site.Location()
	tl := &timeline{loc: loc, origin: from.Unix() / 86400 * 86400}
	tl.from, tl.to = tl.rel(from), tl.rel(to)
	for _, iv := range site.Opening().Occurrences(loc, schedule.Interval{Start: from, End: to}) {
		tl.open = append(tl.open, span{tl.rel(iv.Start), tl.rel(iv.End)})
	}

	// Periods: local days for a short window, else ISO weeks (local Monday
	// 00:00), the first and last clipped to the window.
	next := func(t time.Time) time.Time {
		y, m, d := t.In(loc).Date()
		return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	}
	tl.period = PeriodDay
	if to.After(from.In(loc).AddDate(0, 0, DailyReportDays)) {
		tl.period = PeriodWeek
		next = func(t time.Time) time.Time {
			ws := schedule.WeekStart(t, loc)
			return time.Date(ws.Year(), ws.Month(), ws.Day()+7, 0, 0, 0, 0, loc)
		}
	}
	for at := from; at.Before(to); {
		end := next(at)
		if end.After(to) {
			end = to
		}
		tl.periods = append(tl.periods, span{tl.rel(at), tl.rel(end)})
		at = end
	}
	tl.opens = tl.split(tl.open)

	// Pieces: cut [from, to] at every UTC midnight, opening edge and period
	// edge, plus the piece at to itself.
	cuts := []int64{tl.from, tl.to}
	for d := tl.from/86400 + 1; d <= tl.to/86400+1; d++ {
		cuts = append(cuts, d*86400)
	}
	for _, o := range tl.open {
		cuts = append(cuts, o.s, o.e)
	}
	for _, p := range tl.periods {
		cuts = append(cuts, p.s)
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	oi, k := 0, 0
	for i := 0; i+1 < len(cuts) && cuts[i] <= tl.to; i++ {
		s, e := cuts[i], cuts[i+1]
		p := piece{d: s / 86400, s: s, e: e}
		if s >= tl.to { // the piece at to: after every period
			p.k = int64(len(tl.periods))
			tl.pieces = append(tl.pieces, p)
			break
		}
		for oi < len(tl.open) && tl.open[oi].e <= s {
			oi++
		}
		if oi < len(tl.open) && tl.open[oi].s <= s {
			p.open = 1
		}
		for tl.periods[k].e <= s {
			k++
		}
		p.k, p.sOff = int64(k), s-tl.periods[k].s
		p.fOff = measure(tl.open, span{tl.periods[k].s, s})
		tl.pieces = append(tl.pieces, p)
	}
	return tl
}

func (tl *timeline) rel(t time.Time) int64       { return t.Unix() - tl.origin }
func (tl *timeline) instant(sec int64) time.Time { return time.Unix(tl.origin+sec, 0).In(tl.loc) }
func (tl *timeline) window() span                { return span{tl.from, tl.to} }

// split returns how many seconds of the sorted, disjoint ss fall in each
// period.
func (tl *timeline) split(ss []span) []int64 {
	out := make([]int64, len(tl.periods))
	for k, p := range tl.periods {
		out[k] = measure(ss, p)
	}
	return out
}

// measure returns the seconds of the sorted, disjoint ss inside w.
func measure(ss []span, w span) int64 {
	i, _ := slices.BinarySearchFunc(ss, w.s, func(s span, t int64) int {
		if s.e <= t {
			return -1
		}
		return 1
	})
	var n int64
	for ; i < len(ss) && ss[i].s < w.e; i++ {
		if c, ok := ss[i].clip(w); ok {
			n += c.e - c.s
		}
	}
	return n
}

// hourBucket returns the largest length (seconds) dividing an hour whose
// multiples from a UTC midnight fall on the site's local hour boundaries
// over the whole window: an hour for Brussels, 15 minutes for a zone at
// +05:45.
func (tl *timeline) hourBucket() int64 {
	b := int64(3600)
	for at := tl.instant(tl.from); ; {
		_, off := at.Zone()
		if r := (int64(off)%3600 + 3600) % 3600; r != 0 {
			b = gcd(b, r)
		}
		_, end := at.ZoneBounds()
		if end.IsZero() || !end.Before(tl.instant(tl.to)) {
			return b
		}
		at = end
	}
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// segSums are the sums over a group of clipped bookings (or parts of
// bookings inside a closure) that start in one period and end in another
// (or the same): their count n, their quantities w, and, of their starts
// x and ends y, the seconds into the period (ox, oy) and the open seconds
// of the period before them (fx, fy), each also weighted by quantity.
type segSums struct {
	n, w             int64
	ox, oy, wox, woy int64
	wfx, wfy         int64
}

func (a *segSums) add(b segSums) {
	a.n, a.w, a.ox, a.oy, a.wox, a.woy, a.wfx, a.wfy =
		a.n+b.n, a.w+b.w, a.ox+b.ox, a.oy+b.oy, a.wox+b.wox, a.woy+b.woy, a.wfx+b.wfx, a.wfy+b.wfy
}

// segGroup is one row of the main aggregate: a resource's bookings
// (closed false) or their parts inside its closures (closed true) that
// start in period kx and end in period ky (len(periods) when they end at
// the window's end).
type segGroup struct {
	closed bool
	kx, ky int
	segSums
}

// reportSums collects what sumBookings reads.
type reportSums struct {
	groups        [][]segGroup // per resource
	members       []int64      // per resource, over the window
	membersActive int64
	periodMembers []int64
	hourBucket    int64
	// hours holds, per pair of buckets (start, end) of hourBucket seconds,
	// the sums of the bookings that start and end in them; ox and oy are
	// seconds into the bucket.
	hours map[[2]int64]segSums
}

// spread adds a group to the tallies of the periods it spans: what lies
// in its first period, its last, and the whole periods between.
func (tl *timeline) spread(t []tally, g segGroup) {
	add := func(k int, n, w, open int64) {
		if k < len(tl.periods) {
			if !g.closed {
				t[k].booked += n
				t[k].bookedCap += w
			}
			t[k].inside += open
		}
	}
	sign := int64(1)
	if g.closed {
		sign = -1 // closed time comes off the open time
	}
	if g.kx == g.ky {
		add(g.kx, g.oy-g.ox, g.woy-g.wox, sign*(g.wfy-g.wfx))
	} else {
		add(g.kx, g.n*tl.length(g.kx)-g.ox, g.w*tl.length(g.kx)-g.wox, sign*(g.w*tl.opens[g.kx]-g.wfx))
		for k := g.kx + 1; k < g.ky && k < len(tl.periods); k++ {
			add(k, g.n*tl.length(k), g.w*tl.length(k), sign*g.w*tl.opens[k])
		}
		add(g.ky, g.oy, g.woy, sign*g.wfy)
	}
	if !g.closed {
		t[g.kx].bookings += g.n
	}
}

func (tl *timeline) length(k int) int64 { return tl.periods[k].e - tl.periods[k].s }

// busiestHours spreads the bookings of each pair of hour buckets over the
// buckets between, as spread does over periods, and adds each bucket to
// its local hour of the week: on the autumn night both 02:00 hours count
// in hour 2; on the spring night hour 2 gets nothing.
func (tl *timeline) busiestHours(s *reportSums) []HourUsage {
	var secs, capSecs [7 * 24]int64
	if b := s.hourBucket; b > 0 {
		first := tl.from / b
		cells := make([]int, tl.to/b-first+1)
		for i := range cells {
			local := tl.instant((first + int64(i)) * b)
			cells[i] = (isoWeekday(local)-1)*24 + local.Hour()
		}
		add := func(u, n, w int64) {
			c := cells[u-first]
			secs[c] += n
			capSecs[c] += w
		}
		for key, g := range s.hours {
			ux, uy := key[0], key[1]
			if ux == uy {
				add(ux, g.oy-g.ox, g.woy-g.wox)
				continue
			}
			add(ux, g.n*b-g.ox, g.w*b-g.wox)
			for u := ux + 1; u < uy; u++ {
				add(u, g.n*b, g.w*b)
			}
			add(uy, g.oy, g.woy)
		}
	}
	var total int64
	for _, c := range capSecs {
		total += c
	}
	out := make([]HourUsage, 0, 7*24)
	for cell := range secs {
		out = append(out, HourUsage{Weekday: cell/24 + 1, Hour: cell % 24, BookedHours: secondsToHours(secs[cell]),
			BookedCapacityHours: secondsToHours(capSecs[cell]), Share: ratio(capSecs[cell], total)})
	}
	return out
}

func isoWeekday(t time.Time) int {
	if d := int(t.Weekday()); d != 0 {
		return d
	}
	return 7
}

// epoch is the SQL of the Unix seconds of a stored instant: the one
// expression the two databases spell differently (SQLite keeps instants
// as UTC text, PostgreSQL as timestamptz). Both truncate to the second.
func (db *DB) epoch(col string) string {
	if db.Dialect == Postgres {
		return "CAST(FLOOR(EXTRACT(EPOCH FROM " + col + ")) AS BIGINT)"
	}
	return "unixepoch(" + col + ")"
}

// maxReportParams keeps a statement under SQLite's 32766 parameters.
const maxReportParams = 30000

// reportChunk is the part of the window one statement sums: the bookings
// whose clipped start x lies in [xs, xe), with the pieces their ends can
// fall in.
type reportChunk struct {
	xs, xe      int64
	first, last bool
	pieces      []piece
}

// chunks cuts the window, at period edges, into parts whose pieces fit in
// rows lookup rows. One chunk is the rule; only opening hours cut into
// dozens of windows a day make a year too many rows.
func (tl *timeline) chunks(rows int) []reportChunk {
	reach := func(xe int64) int64 { return min(xe+MaxBookingMinutes*60, tl.to) }
	count := func(xs, xe int64) (int, int) { // the pieces that [xs, reach(xe)] touches
		i, _ := slices.BinarySearchFunc(tl.pieces, xs, func(p piece, t int64) int { return cmp.Compare(p.e, t+1) })
		j, _ := slices.BinarySearchFunc(tl.pieces, reach(xe), func(p piece, t int64) int { return cmp.Compare(p.s, t+1) })
		return i, j
	}
	var out []reportChunk
	for k := 0; k < len(tl.periods); {
		end := k + 1
		for end < len(tl.periods) {
			i, j := count(tl.periods[k].s, tl.periods[end].e)
			if j-i > rows {
				break
			}
			end++
		}
		xs, xe := tl.periods[k].s, tl.periods[end-1].e
		i, j := count(xs, xe)
		out = append(out, reportChunk{xs: xs, xe: xe, first: k == 0, last: end == len(tl.periods), pieces: tl.pieces[i:j]})
		k = end
	}
	return out
}

// What a row of sumBookings' statements holds, by its kind.
const (
	sumBooked        = 0 // per resource and (kx, ky): clipped bookings
	sumClosed        = 1 // per resource and (kx, ky): their parts inside a closure
	sumPeriodMembers = 3 // per period: distinct members
	sumMembers       = 4 // per resource: distinct members over the window
	sumActive        = 5 // distinct members over the window
	sumHours         = 6 // per pair of hour buckets (ux, uy)
)

// sumBookings aggregates, in the database, the approved bookings of the
// resources rs that overlap the window.
//
// How. Each booking, clipped to the window, is a segment [x, y) of seconds
// from the timeline's origin. Its length is y - x; its part in a period,
// and its part inside opening hours, are differences between its two ends
// once each end is placed: in which period, how far into it, how much open
// time of the period lies before it. The statement places both ends by a
// lookup in the pieces (an equality join on the UTC day, d = t / 86400,
// then the range inside the day: a handful of rows per day, so a hash join
// on PostgreSQL and an automatic index on SQLite, never a scan of the
// table per booking), then sums per resource and pair of periods (kx, ky).
// timeline.spread gives each period its share in Go, over those few
// hundred rows: a booking within one period counts there, one across
// periods counts its head, the whole periods between, and its tail.
//
// Closures come off per resource: the part of a booking inside a closure
// of its resource is summed the same way (kind sumClosed) and its open
// time taken from the booking's. The closures are merged first, so time
// in two overlapping closures comes off once. The closure branch is there
// even without closures, with one row that matches nothing: the statement
// keeps one shape, and SQLite's planner, which estimates a materialized
// CTE from its branches, then indexes the lookup rows instead of scanning
// them for each booking.
//
// Distinct members come from DISTINCT sets (period, member) and (resource,
// member), not from COUNT(DISTINCT) per group; the busiest hours from the
// same segments grouped by the hour buckets of their ends.
//
// Everything is integer arithmetic on seconds from a UTC midnight (at most
// 367 days: no overflow, the same result on both databases); epoch is the
// only expression the two spell differently.
func (db *DB) sumBookings(ctx context.Context, tl *timeline, rs []Resource, closed map[int64][]span, sums *reportSums) error {
	index := make(map[int64]int, len(rs))
	ids := make([]int64, len(rs))
	for i, r := range rs {
		index[r.ID] = i
		ids[i] = r.ID
	}
	// Closures that cover open time, merged per resource.
	cl := []any{}
	for _, r := range rs {
		for _, c := range closed[r.ID] {
			if measure(tl.open, c) > 0 {
				cl = append(cl, r.ID, c.s, c.e)
			}
		}
	}
	if len(cl) == 0 {
		cl = append(cl, 0, 0, 0) // no resource has id 0
	}
	sums.hourBucket = tl.hourBucket()
	chunks := tl.chunks((maxReportParams - 20 - len(ids) - len(cl)) / 7)
	for _, c := range chunks {
		whole := len(chunks) == 1
		if err := db.sumChunk(ctx, tl, ids, cl, c, whole, index, sums); err != nil {
			return err
		}
	}
	if len(chunks) > 1 { // distinct members over the whole window
		return db.sumChunk(ctx, tl, ids, nil, reportChunk{first: true, last: true}, true, index, sums)
	}
	return nil
}

// sumChunk runs the statement of one chunk; with members, it also counts
// the distinct members of the resources and of the window, which only a
// statement over the whole window can (a chunk without pieces counts
// nothing else).
func (db *DB) sumChunk(ctx context.Context, tl *timeline, ids []int64, cl []any, c reportChunk, members bool,
	index map[int64]int, sums *reportSums) error {
	from, to := tl.instant(tl.from).UTC(), tl.instant(tl.to).UTC()
	var sb strings.Builder
	fmt.Fprintf(&sb, `WITH bk AS MATERIALIZED (
	SELECT b.resource_id AS rid, b.member_id AS member, b.quantity AS w,
		CASE WHEN b.start_at < ? THEN ? ELSE %s - ? END AS x,
		CASE WHEN b.end_at > ? THEN ? ELSE %s - ? END AS y
	FROM bookings b
	WHERE b.resource_id IN ? AND b.status = ? AND b.start_at < ? AND b.end_at > ? AND b.start_at >= ?`,
		db.epoch("b.start_at"), db.epoch("b.end_at"))
	args := []any{from, tl.from, tl.origin, to, tl.to, tl.origin,
		ids, StatusApproved, to, from, from.Add(-MaxBookingMinutes * time.Minute)}
	if !c.first {
		sb.WriteString(" AND b.start_at >= ?")
		args = append(args, tl.instant(c.xs).UTC())
	}
	if !c.last {
		sb.WriteString(" AND b.start_at < ?")
		args = append(args, tl.instant(c.xe).UTC())
	}
	sb.WriteString(")")
	var parts []string
	if len(c.pieces) > 0 {
		values := func(name string, cols, n int) {
			sb.WriteString(",\n" + name + " AS (VALUES ")
			for i := range n {
				if i > 0 {
					sb.WriteString(", ")
				}
				sb.WriteString("(")
				for j := range cols {
					if j > 0 {
						sb.WriteString(", ")
					}
					if i == 0 { // PostgreSQL types the columns from the first row
						sb.WriteString("CAST(? AS BIGINT)")
					} else {
						sb.WriteString("?")
					}
				}
				sb.WriteString(")")
			}
			sb.WriteString(")")
		}
		values("pc(d, s, e, open, k, s_off, f_off)", 7, len(c.pieces))
		for _, p := range c.pieces {
			args = append(args, p.d, p.s, p.e, p.open, p.k, p.sOff, p.fOff)
		}
		values("cl(rid, cs, ce)", 3, len(cl)/3)
		args = append(args, cl...)
		fmt.Fprintf(&sb, `,
seg AS (
	SELECT rid, member, w, 0 AS kind, x, y FROM bk
	UNION ALL
	SELECT bk.rid, bk.member, bk.w, 1, CASE WHEN bk.x < cl.cs THEN cl.cs ELSE bk.x END,
		CASE WHEN bk.y > cl.ce THEN cl.ce ELSE bk.y END
	FROM bk JOIN cl ON cl.rid = bk.rid AND bk.x < cl.ce AND bk.y > cl.cs
),
loc AS MATERIALIZED (
	SELECT seg.rid, seg.member, seg.w, seg.kind, px.k AS kx, py.k AS ky,
		px.s_off + seg.x - px.s AS ox, py.s_off + seg.y - py.s AS oy,
		px.f_off + px.open * (seg.x - px.s) AS fx, py.f_off + py.open * (seg.y - py.s) AS fy
	FROM seg
	JOIN pc px ON px.d = seg.x / 86400 AND px.s <= seg.x AND seg.x < px.e
	JOIN pc py ON py.d = seg.y / 86400 AND py.s <= seg.y AND seg.y < py.e
),
dm AS (SELECT DISTINCT kx, member FROM loc WHERE kind = 0)`)
		parts = append(parts,
			`SELECT rid, kind, kx, ky, COUNT(*), SUM(w), SUM(ox), SUM(oy), SUM(w * ox), SUM(w * oy), SUM(w * fx), SUM(w * fy)
FROM loc GROUP BY rid, kind, kx, ky`,
			`SELECT 0, 3, kx, 0, COUNT(*), 0, 0, 0, 0, 0, 0, 0 FROM dm GROUP BY kx`,
			fmt.Sprintf(`SELECT 0, 6, x / %[1]d, y / %[1]d, COUNT(*), SUM(w), SUM(x %% %[1]d), SUM(y %% %[1]d),
	SUM(w * (x %% %[1]d)), SUM(w * (y %% %[1]d)), 0, 0
FROM bk GROUP BY x / %[1]d, y / %[1]d`, sums.hourBucket))
	}
	if members {
		sb.WriteString(",\ndr AS MATERIALIZED (SELECT DISTINCT rid, member FROM bk)")
		parts = append(parts, `SELECT rid, 4, 0, 0, COUNT(*), 0, 0, 0, 0, 0, 0, 0 FROM dr GROUP BY rid`,
			`SELECT 0, 5, 0, 0, COUNT(DISTINCT member), 0, 0, 0, 0, 0, 0, 0 FROM dr`)
	}
	sb.WriteString("\n" + strings.Join(parts, "\nUNION ALL\n"))

	rows, err := db.r(ctx).Raw(sb.String(), args...).Rows()
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var rid, kind, a, b int64
		var g segSums
		if err := rows.Scan(&rid, &kind, &a, &b, &g.n, &g.w, &g.ox, &g.oy, &g.wox, &g.woy, &g.wfx, &g.wfy); err != nil {
			return translate(err)
		}
		i, ok := index[rid]
		switch {
		case (kind == sumBooked || kind == sumClosed) && ok:
			sums.groups[i] = append(sums.groups[i], segGroup{closed: kind == sumClosed, kx: int(a), ky: int(b), segSums: g})
		case kind == sumPeriodMembers && a >= 0 && a < int64(len(sums.periodMembers)):
			sums.periodMembers[a] = g.n
		case kind == sumMembers && ok:
			sums.members[i] = g.n
		case kind == sumActive:
			sums.membersActive = g.n
		case kind == sumHours:
			h := sums.hours[[2]int64{a, b}]
			h.add(g)
			sums.hours[[2]int64{a, b}] = h
		}
	}
	return translate(rows.Err())
}
