package models

import (
	"atelier/schedule"
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// Waiting-list entry statuses. Expired is never stored: a waiting entry
// whose start has passed reads expired.
const (
	WaitWaiting = "waiting"
	WaitBooked  = "booked"
	WaitExpired = "expired"
)

// WaitEntry is a member waiting for a taken slot. When capacity frees up,
// the oldest entries that now fit become bookings in the same transaction.
type WaitEntry struct {
	ID         int64
	ResourceID int64
	MemberID   int64
	StartAt    time.Time
	EndAt      time.Time
	Quantity   int
	Status     string
	BookingID  *int64
	CreatedAt  time.Time

	Timezone string `gorm:"->"` // the site's, read with the entry
}

// TableName names the table of the waiting list.
func (WaitEntry) TableName() string { return "waitlist_entries" }

// StatusAt is the entry's status as read at now.
func (w *WaitEntry) StatusAt(now time.Time) string {
	if w.Status == WaitWaiting && !w.StartAt.After(now) {
		return WaitExpired
	}
	return w.Status
}

// Location is the time zone of the entry's site.
func (w *WaitEntry) Location() *time.Location { return location(w.Timezone) }

func waitRows(q *gorm.DB) *gorm.DB {
	return q.Table("waitlist_entries").Select("waitlist_entries.*, sites.timezone AS timezone").
		Joins("JOIN resources ON resources.id = waitlist_entries.resource_id").
		Joins("JOIN zones ON zones.id = resources.zone_id").
		Joins("JOIN sites ON sites.id = zones.site_id")
}

// JoinWaitlist puts actor on the waiting list for a slot that is taken.
// The request is judged as a booking: a slot that could be booked right now
// is a slot_free *Error; any refusal but the capacity (the past, a
// closure, a quota...) is that refusal, since waiting would not cure it.
func (db *DB) JoinWaitlist(ctx context.Context, actor *User, req BookingRequest) (*WaitEntry, error) {
	req.Start, req.End, req.MemberID = req.Start.UTC(), req.End.UTC(), actor.ID
	now := db.now()
	var w *WaitEntry
	err := db.tx(ctx, func(tx *gorm.DB) error {
		// gatherFacts's first statement takes the resource's lock.
		f, err := gatherFacts(tx, now, actor, req)
		if err != nil {
			return err
		}
		switch err := Check(f); ErrorCode(err) {
		case "":
			return Errorf(CodeSlotFree, "This slot is free: book it instead of waiting.")
		case CodeConflict:
			// Only the resource's own capacity: freeing it is what
			// promotes. A slot refused for the site's power or noise
			// depends on other machines; its refusal says when to come.
		default:
			return err
		}
		var n int64
		if err := tx.Model(&WaitEntry{}).Where("resource_id = ? AND member_id = ? AND status = ? AND start_at = ? AND end_at = ?",
			req.ResourceID, actor.ID, WaitWaiting, req.Start, req.End).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return Errorf(CodeConflict, "You are already waiting for this slot.")
		}
		w = &WaitEntry{ResourceID: req.ResourceID, MemberID: actor.ID, StartAt: req.Start, EndAt: req.End,
			Quantity: req.Quantity, Status: WaitWaiting, CreatedAt: now, Timezone: f.Site.Timezone}
		return tx.Omit("Timezone").Create(w).Error
	})
	return w, translate(err)
}

// Waitlist returns a page of the entries actor may see (their own; all
// for hosts), soonest first, and their total.
func (db *DB) Waitlist(ctx context.Context, actor *User, resourceID int64, page Page) ([]WaitEntry, int64, error) {
	filter := func(q *gorm.DB) *gorm.DB {
		if !actor.Role.IsHost() {
			q = q.Where("waitlist_entries.member_id = ?", actor.ID)
		}
		return narrow(q, "waitlist_entries.resource_id = ?", resourceID)
	}
	var total int64
	if err := filter(db.r(ctx).Table("waitlist_entries")).Count(&total).Error; err != nil {
		return nil, 0, translate(err)
	}
	list := []WaitEntry{}
	err := filter(waitRows(db.r(ctx))).Order("waitlist_entries.start_at, waitlist_entries.id").
		Limit(page.Limit).Offset(page.Offset).Find(&list).Error
	return list, total, translate(err)
}

// LeaveWaitlist removes a waiting entry: its member's or, for a host, any.
// Another member's entry is not_found; one no longer waiting (booked or
// expired) is an invalid_transition *Error.
func (db *DB) LeaveWaitlist(ctx context.Context, actor *User, id int64) error {
	now := db.now()
	return translate(db.tx(ctx, func(tx *gorm.DB) error {
		var w WaitEntry
		q := tx.Where("id = ?", id)
		if !actor.Role.IsHost() {
			q = q.Where("member_id = ?", actor.ID)
		}
		if err := q.Take(&w).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return notFound("Waiting-list entry")
			}
			return err
		}
		if st := w.StatusAt(now); st != WaitWaiting {
			return Errorf(CodeInvalidTransition, "This entry is %s: it is no longer waiting.", st).With("status", st)
		}
		res := tx.Where("id = ? AND status = ?", id, WaitWaiting).Delete(&WaitEntry{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return Errorf(CodeInvalidTransition, "This entry has just been booked.").With("status", WaitBooked)
		}
		return nil
	}))
}

// promote gives capacity freed in spans (each a booking's start to its
// busy end) to the waiting list, inside the transaction that freed it and
// holds the resource: the waiting entries overlapping them, oldest first,
// each judged by the rules for its own member at this moment, become
// bookings while they fit; an entry that does not fit (or now breaks its
// member's quota) stays waiting and later ones that fit go first.
func (db *DB) promote(tx *gorm.DB, now time.Time, resourceID int64, spans []schedule.Interval) error {
	return db.promoteAll(tx, now, map[int64][]schedule.Interval{resourceID: spans})
}

// promoteAll is promote over several resources at once (the machines whose
// bookings a site's new limits cancelled): their waiting entries, which
// share the site's power and noise, take turns oldest first across all of
// them, not resource by resource.
func (db *DB) promoteAll(tx *gorm.DB, now time.Time, freed map[int64][]schedule.Interval) error {
	var ids []int64
	var lo, hi time.Time
	for rid, spans := range freed {
		for _, s := range spans {
			if lo.IsZero() || s.Start.Before(lo) {
				lo = s.Start
			}
			if s.End.After(hi) {
				hi = s.End
			}
		}
		if len(spans) > 0 {
			ids = append(ids, rid)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var entries []WaitEntry
	// An entry's own buffer may reach into the freed time: a day at most.
	if err := tx.Where("resource_id IN ? AND status = ? AND start_at > ? AND start_at < ? AND end_at > ?",
		ids, WaitWaiting, now, hi, lo.Add(-24*time.Hour)).
		Order("created_at, id").Find(&entries).Error; err != nil {
		return err
	}
	for _, w := range entries {
		if !overlapsAny(w, freed[w.ResourceID]) {
			continue
		}
		member, err := first[User](tx, w.MemberID, "Member")
		if err != nil {
			return err
		}
		if !member.Active {
			continue
		}
		b, _, err := placeBooking(tx, now, member, BookingRequest{ResourceID: w.ResourceID, MemberID: member.ID,
			Start: w.StartAt, End: w.EndAt, Quantity: w.Quantity})
		var refusal *Error
		if errors.As(err, &refusal) {
			continue // still waiting: it does not fit, or breaks a rule for its member now
		}
		if err != nil {
			return err
		}
		if err := tx.Model(&WaitEntry{}).Where("id = ?", w.ID).
			Updates(map[string]any{"status": WaitBooked, "booking_id": b.ID}).Error; err != nil {
			return err
		}
		if err := db.notifyBooking(tx, now, member.ID, KindWaitlistBooked, b.ID, nil, "", 0); err != nil {
			return err
		}
		if b.Status == StatusPending {
			if err := db.notifyRequested(tx, now, []int64{b.ID}, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// overlapsAny reports whether w's range, widened by a day of buffer at its
// end, meets one of spans.
func overlapsAny(w WaitEntry, spans []schedule.Interval) bool {
	for _, s := range spans {
		if w.StartAt.Before(s.End) && w.EndAt.Add(24*time.Hour).After(s.Start) {
			return true
		}
	}
	return false
}
