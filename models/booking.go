package models

import (
	"atelier/schedule"
	"context"
	"errors"
	"math"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Booking statuses. A booking's life: pending -> approved or rejected;
// pending or approved -> cancelled.
const (
	StatusPending   = "pending"
	StatusApproved  = "approved"
	StatusRejected  = "rejected"
	StatusCancelled = "cancelled"
)

// liveStatuses hold their slot.
var liveStatuses = []string{StatusPending, StatusApproved}

// Booking is a member's claim on a resource for a time range.
type Booking struct {
	ID          int64
	ResourceID  int64
	MemberID    int64
	SeriesID    *int64 // the series it is an occurrence of, if any
	StartAt     time.Time
	EndAt       time.Time
	BusyUntil   time.Time // EndAt plus the resource's buffer at booking time
	Quantity    int
	Exclusive   bool // capacity 1: the database refuses overlaps too
	Status      string
	Note        string
	Reason      string
	CreatedBy   int64
	DecidedBy   *int64
	DecidedAt   *time.Time
	CancelledBy *int64
	CancelledAt *time.Time
	Sequence    int // raised on every change, for calendar clients
	RemindedAt  *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time

	// Read with the booking, never written.
	ResourceName string `gorm:"->"`
	MemberName   string `gorm:"->"`
	ZoneName     string `gorm:"->"`
	SiteName     string `gorm:"->"`
	Timezone     string `gorm:"->"`
}

// Location is the time zone of the booking's site.
func (b *Booking) Location() *time.Location { return location(b.Timezone) }

func bookingRows(q *gorm.DB) *gorm.DB {
	return q.Table("bookings").
		Select("bookings.*, resources.name AS resource_name, users.name AS member_name, zones.name AS zone_name, sites.name AS site_name, sites.timezone AS timezone").
		Joins("JOIN resources ON resources.id = bookings.resource_id").
		Joins("JOIN zones ON zones.id = resources.zone_id").
		Joins("JOIN sites ON sites.id = zones.site_id").
		Joins("JOIN users ON users.id = bookings.member_id")
}

// BookingRequest is what a member asks for.
type BookingRequest struct {
	ResourceID int64
	MemberID   int64 // 0: the actor; a host may book for a member
	Start, End time.Time
	Quantity   int
	Note       string
	SeriesID   *int64 // set by CreateSeries for its occurrences
}

// bookFor settles whose booking req is: the actor's own when it names no
// member. Booking for someone else is a host's right: for a member it is a
// forbidden *Error.
func (req *BookingRequest) bookFor(actor *User) error {
	if req.MemberID == 0 {
		req.MemberID = actor.ID
	}
	if req.MemberID != actor.ID && !actor.Role.IsHost() {
		return Errorf(CodeForbidden, "Only a host may book for someone else.")
	}
	return nil
}

// CreateBooking checks the request against the rules and stores it in one
// write transaction that holds the resource, so two requests racing for
// the same slot cannot both pass. Refusals are *Error values with the
// contract's codes; a resource_id that does not exist is a validation
// *Error.
func (db *DB) CreateBooking(ctx context.Context, actor *User, req BookingRequest) (*Booking, error) {
	// To the microsecond both databases keep: the answer is built from
	// what was stored, not read back.
	req.Start, req.End = req.Start.UTC().Truncate(time.Microsecond), req.End.UTC().Truncate(time.Microsecond)
	fe := FieldErrors{}
	checkText(fe, "note", req.Note, MaxText)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if err := req.bookFor(actor); err != nil {
		return nil, err
	}
	var b *Booking
	var f *Facts
	err := db.tx(ctx, func(tx *gorm.DB) error {
		// placeBooking's first statement takes the resource's lock.
		var err error
		if b, f, err = placeBooking(tx, db.now(), actor, req); err != nil {
			return err
		}
		if b.Status != StatusPending {
			return nil
		}
		// The facts in hand word the hosts' notification: no read back.
		return db.notifyHosts(tx, db.now(), b.ID, nil, NoticeParams{Resource: f.Resource.Name, Start: b.StartAt,
			End: b.EndAt, Timezone: f.Site.Timezone, Member: f.Member.Name})
	})
	if err != nil {
		err = translate(err)
		db.suggestStart(ctx, err, req)
		return nil, err
	}
	// The facts name what the booking refers to: no read back.
	b.ResourceName, b.ZoneName, b.MemberName = f.Resource.Name, f.Resource.ZoneName, f.Member.Name
	b.SiteName, b.Timezone = f.Site.Name, f.Site.Timezone
	return b, nil
}

// lockBookable takes the resource's lock for a booking request: a
// resource that does not exist is a validation *Error, as the contract
// says of a body naming an unknown id.
func lockBookable(tx *gorm.DB, resourceID int64) error {
	if tx.Dialector.Name() == "sqlite" {
		// The writer holds the whole database; gatherFacts finds out
		// whether the resource exists.
		touchResource(tx, resourceID)
		return nil
	}
	if err := lockResource(tx, resourceID); err != nil {
		if ErrorCode(err) == CodeNotFound {
			return Invalid("resource_id", "No resource has this id.")
		}
		return err
	}
	return nil
}

// placeBooking judges req by the rules and stores it, inside a write
// transaction that already holds the resource's lock. Single bookings,
// every occurrence of a series and every waiting-list promotion go through
// it, so they are judged alike; what the transaction stored before counts
// (a series' earlier occurrences hold their slots and their quota).
func placeBooking(tx *gorm.DB, now time.Time, actor *User, req BookingRequest) (*Booking, *Facts, error) {
	f, err := gatherFacts(tx, now, actor, req)
	if err != nil {
		return nil, nil, err
	}
	if err := Check(f); err != nil {
		return nil, nil, err
	}
	status := initialStatus(f.Resource, actor)
	b := &Booking{
		ResourceID: req.ResourceID, MemberID: req.MemberID, SeriesID: req.SeriesID, StartAt: req.Start, EndAt: req.End,
		BusyUntil: req.End.Add(f.Resource.Buffer()), Quantity: req.Quantity,
		Exclusive: f.Resource.Capacity == 1, Status: status, Note: strings.TrimSpace(req.Note),
		CreatedBy: actor.ID,
	}
	if err := tx.Omit("ResourceName", "MemberName", "ZoneName", "SiteName", "Timezone").Create(b).Error; err != nil {
		return nil, nil, err
	}
	// Keep the look-back of every overlap query as long as the longest
	// booking the resource holds, in the transaction that stores it.
	if busy := int(math.Ceil(b.BusyUntil.Sub(b.StartAt).Minutes())); busy > f.Resource.LongestMinutes {
		if err := tx.Table("resources").Where("id = ? AND longest_minutes < ?", b.ResourceID, busy).
			Update("longest_minutes", busy).Error; err != nil {
			return nil, nil, err
		}
		f.Resource.LongestMinutes = busy
	}
	return b, f, nil
}

// bookableRow is a resource read with its site in one statement.
type bookableRow struct {
	Resource
	Site Site `gorm:"embedded;embeddedPrefix:site__"`
}

// bookableColumns selects a resource (as resources does) and its site;
// TestBookableColumnsReadEverySiteField keeps it in step with Site.
const bookableColumns = "resources.*, zones.site_id AS site_id, zones.name AS zone_name, sites.timezone AS timezone, " +
	"sites.id AS site__id, sites.name AS site__name, sites.timezone AS site__timezone, sites.floor_area_m2 AS site__floor_area_m2, " +
	"sites.opening_hours AS site__opening_hours, sites.quiet_hours AS site__quiet_hours, sites.power_kw AS site__power_kw, " +
	"sites.loud_at_once AS site__loud_at_once, sites.created_at AS site__created_at, sites.updated_at AS site__updated_at"

// bookable reads the resource of a booking request and its site in one
// statement, which on PostgreSQL also takes the resource's lock and tells
// the other servers of the write (as lockResource does): one round trip
// instead of three. A resource that does not exist is a validation
// *Error, as the contract says of a body naming an unknown id.
func bookable(tx *gorm.DB, id int64) (*Resource, *Site, error) {
	q := "SELECT " + bookableColumns + " FROM resources JOIN zones ON zones.id = resources.zone_id " +
		"JOIN sites ON sites.id = zones.site_id WHERE resources.id = ?"
	args := []any{id}
	if tx.Dialector.Name() == "postgres" {
		// The site's row too (shared): a change of its limits holds it
		// for update, and a booking waiting behind it then reads the
		// site as changed, not as it was when the statement began.
		q = strings.Replace(q, " FROM", ", pg_notify(?, "+touchedPayload+")::text AS sent FROM", 1) +
			" FOR UPDATE OF resources FOR KEY SHARE OF sites"
		args = []any{availChannel, id}
	}
	var rows []bookableRow
	if err := tx.Raw(q, args...).Scan(&rows).Error; err != nil {
		return nil, nil, err
	}
	if len(rows) == 0 {
		return nil, nil, Invalid("resource_id", "No resource has this id.")
	}
	r, site := &rows[0].Resource, &rows[0].Site
	touchResource(tx, id)
	if r.Kind == KindMachine && (r.PowerKW > 0 || r.Nuisance == NuisanceLoud) {
		touchSite(tx, site.ID)
	}
	return r, site, nil
}

// gatherFacts reads what the rules need, inside the write transaction.
func gatherFacts(tx *gorm.DB, now time.Time, actor *User, req BookingRequest) (*Facts, error) {
	r, site, err := bookable(tx, req.ResourceID)
	if err != nil {
		return nil, err
	}
	member := actor
	if req.MemberID != actor.ID {
		member, err = first[User](tx, req.MemberID, "Member")
		if err != nil && ErrorCode(err) != CodeNotFound {
			return nil, err
		}
		if err != nil || !member.Active {
			return nil, Invalid("member_id", "No active member has this id.")
		}
	}
	loc := site.Location()
	f := &Facts{Now: now, Actor: actor, Member: member, Resource: r, Site: site,
		Span: schedule.Interval{Start: req.Start, End: req.End}, Quantity: req.Quantity}
	if !f.Span.End.After(f.Span.Start) || f.Span.Duration() > MaxBookingMinutes*time.Minute {
		return f, nil // Check refuses it before any fact below matters.
	}
	if r.RequiresCertification {
		day := req.Start.In(loc).Format(time.DateOnly)
		var n int64
		if err := tx.Model(&Certification{}).
			Where("member_id = ? AND resource_id = ? AND (expires_on IS NULL OR expires_on >= ?)", member.ID, r.ID, day).
			Count(&n).Error; err != nil {
			return nil, err
		}
		f.Certified = n > 0
	}
	if f.Busy, f.Closures, err = busyAndClosed(tx, r, f.Span, schedule.Interval{Start: req.Start, End: req.End.Add(r.Buffer())}); err != nil {
		return nil, err
	}
	if limited(r, site) {
		// The site is the unit of a limit: its lock, after the resource's.
		if err := lockSite(tx, site.ID); err != nil {
			return nil, err
		}
		if f.SiteLoads, err = siteLoads(tx, site.ID, f.Span, liveStatuses); err != nil {
			return nil, err
		}
	}
	if r.MaxHoursPerWeek > 0 {
		weeks := schedule.SplitWeeks(f.Span, loc)
		// Bounds in UTC: SQLite compares the stored UTC text, so a local
		// time as a parameter would compare an hour or two off.
		from, to := weeks[0].Week.Start.UTC(), weeks[len(weeks)-1].Week.End.UTC()
		var rows []Booking
		if err := tx.Select("start_at", "end_at").
			Where("resource_id = ? AND member_id = ? AND status IN ? AND start_at < ? AND end_at > ? AND start_at >= ?",
				r.ID, member.ID, liveStatuses, to, from, from.Add(-r.lookBack())).
			Find(&rows).Error; err != nil {
			return nil, err
		}
		for _, b := range rows {
			f.MemberWeeks = append(f.MemberWeeks, schedule.Interval{Start: b.StartAt, End: b.EndAt})
		}
	}
	return f, nil
}

// busyAndClosed reads, in one statement (one round trip on PostgreSQL),
// the live bookings of r whose busy time overlaps busy, and the closures
// of r overlapping span, in order of their start. No booking is longer
// than r.LongestMinutes (tracked as they are stored), so the index on
// (resource_id, start_at, ...) bounds the scan to that look-back however
// long the history grows; the rows are scanned straight into loads, not
// through gorm's reflection.
func busyAndClosed(q *gorm.DB, r *Resource, span, busy schedule.Interval) ([]schedule.Load, []Closure, error) {
	span, busy = utcSpan(span), utcSpan(busy)
	rows, err := q.Raw(`SELECT 0 AS closure, 0 AS id, start_at, busy_until AS end_at, quantity, '' AS reason FROM bookings
		WHERE resource_id = ? AND start_at < ? AND start_at >= ? AND busy_until > ? AND status IN ?
		UNION ALL
		SELECT 1, id, start_at, end_at, 0, reason FROM closures
		WHERE resource_id = ? AND start_at < ? AND end_at > ? AND start_at >= ?`,
		r.ID, busy.End, busy.Start.Add(-r.lookBack()), busy.Start, liveStatuses,
		r.ID, span.End, span.Start, span.Start.Add(-MaxClosure)).Rows()
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	loads := []schedule.Load{}
	var closures []Closure
	for rows.Next() {
		var closure int
		var c Closure
		var l schedule.Load
		if err := rows.Scan(&closure, &c.ID, &l.Start, &l.End, &l.Quantity, &c.Reason); err != nil {
			return nil, nil, err
		}
		if closure == 0 {
			loads = append(loads, l)
			continue
		}
		c.ResourceID, c.StartAt, c.EndAt = r.ID, l.Start, l.End
		closures = append(closures, c)
	}
	sort.Slice(closures, func(i, j int) bool { return closures[i].StartAt.Before(closures[j].StartAt) })
	return loads, closures, rows.Err()
}

// Booking returns one booking as actor may see it: a member sees only
// their own; anything else is a not_found *Error.
func (db *DB) Booking(ctx context.Context, actor *User, id int64) (*Booking, error) {
	q := bookingRows(db.r(ctx))
	if !actor.Role.IsHost() {
		q = q.Where("bookings.member_id = ?", actor.ID)
	}
	return first[Booking](q, id, "Booking")
}

// BookingFilter narrows a list of bookings.
type BookingFilter struct {
	ResourceID, MemberID, SiteID int64
	Status                       string
	From, To                     time.Time // bookings overlapping [From, To)
	OrderByCreated               bool      // oldest request first, for the approval queue
	Page                         Page
}

// ListBookings returns a page of the bookings actor may see (a member's
// own; everything for hosts) and their total.
func (db *DB) ListBookings(ctx context.Context, actor *User, f BookingFilter) ([]Booking, int64, error) {
	if !actor.Role.IsHost() {
		f.MemberID = actor.ID
	}
	filter := func(q *gorm.DB) *gorm.DB {
		q = narrow(q, "bookings.member_id = ?", f.MemberID)
		q = narrow(q, "bookings.resource_id = ?", f.ResourceID)
		q = narrow(q, "zones.site_id = ?", f.SiteID)
		q = narrow(q, "bookings.status = ?", f.Status)
		if !f.From.IsZero() {
			q = q.Where("bookings.end_at > ? AND bookings.start_at >= ?", f.From.UTC(), f.From.UTC().Add(-MaxBookingMinutes*time.Minute))
		}
		if !f.To.IsZero() {
			q = q.Where("bookings.start_at < ?", f.To.UTC())
		}
		return q
	}
	// The total counts bookings alone: foreign keys give every booking its
	// resource, zone, site and member, so the joins of the page change
	// nothing in the count, and without them a member's count reads only
	// the index on (member_id, start_at), not a table row per booking.
	count := db.r(ctx).Table("bookings")
	if f.SiteID != 0 {
		count = count.Joins("JOIN resources ON resources.id = bookings.resource_id").
			Joins("JOIN zones ON zones.id = resources.zone_id")
	}
	var total int64
	if err := filter(count).Count(&total).Error; err != nil {
		return nil, 0, translate(err)
	}
	q := filter(bookingRows(db.r(ctx)))
	order := "bookings.start_at, bookings.id"
	if f.OrderByCreated {
		order = "bookings.created_at, bookings.id"
	}
	list := []Booking{}
	err := q.Order(order).Limit(f.Page.Limit).Offset(f.Page.Offset).Find(&list).Error
	return list, total, translate(err)
}

// Transition names a move in a booking's life.
type Transition string

// The moves.
const (
	Approve Transition = "approve"
	Reject  Transition = "reject"
	Cancel  Transition = "cancel"
)

var transitions = map[Transition]struct {
	from []string
	to   string
}{
	Approve: {[]string{StatusPending}, StatusApproved},
	Reject:  {[]string{StatusPending}, StatusRejected},
	Cancel:  {liveStatuses, StatusCancelled},
}

// readMove checks a move and its reason the way Decide and DecideSeries
// take them, and returns the statuses the move starts from and the reason
// trimmed. An unknown move is a bad_request *Error; a reason too long goes
// into fe, for the caller to report with its own field errors.
func readMove(move Transition, reason string, fe FieldErrors) ([]string, string, error) {
	t, ok := transitions[move]
	if !ok {
		return nil, "", Errorf(CodeBadRequest, "Unknown move %q.", move)
	}
	reason = strings.TrimSpace(reason)
	checkText(fe, "reason", reason, MaxText)
	return t.from, reason, nil
}

// Decide applies a move to booking id for actor, atomically: the update
// only matches a booking still in a status the move starts from, so of two
// managers deciding at once one wins and the other gets an
// invalid_transition *Error. Approving and rejecting are for hosts
// (forbidden otherwise); a member cancels only their own bookings, before
// they end (not_found for another member's).
func (db *DB) Decide(ctx context.Context, actor *User, id int64, move Transition, reason string) (*Booking, error) {
	fe := FieldErrors{}
	from, reason, err := readMove(move, reason, fe)
	if err != nil {
		return nil, err
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if move != Cancel && !actor.Role.IsHost() {
		if _, err := db.Booking(ctx, actor, id); err != nil {
			return nil, err
		}
		return nil, Errorf(CodeForbidden, "Only a host may approve or reject a booking.")
	}
	if move == Reject && reason == "" {
		return nil, Invalid("reason", "Say why the request is rejected: the member will read it.")
	}
	now := db.now()
	var b *Booking
	err = db.tx(ctx, func(tx *gorm.DB) error {
		// The resource's lock first, as every booking takes it: capacity
		// this frees goes to the waiting list before anyone else sees it.
		var rid []int64
		if err := tx.Table("bookings").Where("id = ?", id).Pluck("resource_id", &rid).Error; err != nil {
			return err
		}
		if len(rid) == 0 {
			return notFound("Booking")
		}
		if err := lockResource(tx, rid[0]); err != nil {
			return err
		}
		q := tx.Table("bookings").Where("id = ? AND status IN ?", id, from)
		if !actor.Role.IsHost() {
			q = q.Where("member_id = ? AND end_at > ?", actor.ID, now)
		}
		res := q.Updates(moveColumns(move, actor, now, reason))
		if res.Error != nil {
			return res.Error
		}
		var cur Booking
		err := bookingRows(tx).Where("bookings.id = ?", id).Take(&cur).Error
		if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && !actor.Role.IsHost() && cur.MemberID != actor.ID) {
			return notFound("Booking")
		}
		if err != nil {
			return err
		}
		if res.RowsAffected == 0 {
			if cur.Status != StatusPending && cur.Status != StatusApproved || move != Cancel {
				return Errorf(CodeInvalidTransition, "This booking is %s: it cannot be %s.", cur.Status, pastTense(move)).
					With("status", cur.Status)
			}
			return Errorf(CodeInvalidTransition, "This booking is over: it cannot be cancelled any more.").With("status", cur.Status)
		}
		b = &cur
		if err := audit(tx, actor, "booking."+string(move), "booking", id,
			map[string]any{"member_id": cur.MemberID, "resource_id": cur.ResourceID, "reason": reason}); err != nil {
			return err
		}
		if err := db.notifyDecision(tx, now, actor, move, cur.MemberID, id, nil, reason, 0); err != nil {
			return err
		}
		if move == Approve {
			return nil
		}
		return db.promote(tx, now, cur.ResourceID, []schedule.Interval{{Start: cur.StartAt, End: cur.BusyUntil}})
	})
	if err != nil {
		return nil, translate(err)
	}
	return b, nil
}

func pastTense(t Transition) string {
	switch t {
	case Approve:
		return "approved"
	case Reject:
		return "rejected"
	}
	return "cancelled"
}

// CountPending returns how many requests wait for a host's decision.
func (db *DB) CountPending(ctx context.Context) (int64, error) {
	var n int64
	err := db.r(ctx).Table("bookings").Where("status = ?", StatusPending).Count(&n).Error
	return n, translate(err)
}

// MaxBookingMinutes bounds any booking (31 days), so that the bookings
// overlapping a range are found by an index range on their start.
const MaxBookingMinutes = 31 * 24 * 60
