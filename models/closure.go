package models

import (
	"atelier/schedule"
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Closure is a period when a resource cannot be used.
type Closure struct {
	ID         int64
	ResourceID int64
	StartAt    time.Time
	EndAt      time.Time
	Reason     string
	CreatedBy  int64
	CreatedAt  time.Time
}

// MaxClosure bounds a closure (a year and a day), so that the closures
// overlapping a range are found by an index range on their start.
const MaxClosure = 366 * 24 * time.Hour

// Interval is the closure's time.
func (c *Closure) Interval() schedule.Interval {
	return schedule.Interval{Start: c.StartAt, End: c.EndAt}
}

// CreateClosure closes a resource from start to end and, in the same
// transaction, cancels the live bookings it overlaps with its reason,
// returning them. A closure must end after it starts and after now.
func (db *DB) CreateClosure(ctx context.Context, actor *User, resourceID int64, start, end time.Time, reason string) (*Closure, []Booking, error) {
	reason = strings.TrimSpace(reason)
	fe := FieldErrors{}
	if !end.After(start) {
		fe.Add("end", "The end must be after the start.")
	} else if end.Sub(start) > MaxClosure {
		fe.Add("end", "A closure may last at most a year.")
	}
	if !end.After(db.now()) {
		fe.Add("end", "A closure must end in the future.")
	}
	if reason == "" {
		fe.Add("reason", "Say why: the members whose bookings are cancelled will read it.")
	} else {
		checkText(fe, "reason", reason, MaxText)
	}
	if err := fe.Err(); err != nil {
		return nil, nil, err
	}
	now := db.now()
	c := &Closure{ResourceID: resourceID, StartAt: start.UTC(), EndAt: end.UTC(), Reason: reason, CreatedBy: actor.ID}
	cancelled := []Booking{}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		if err := lockResource(tx, resourceID); err != nil {
			return err
		}
		if err := tx.Create(c).Error; err != nil {
			return err
		}
		var ids []int64
		// A closure may start in the past (the machine broke this morning):
		// it cancels what has not ended yet, never what already happened.
		if err := tx.Table("bookings").Where("resource_id = ? AND status IN ? AND start_at < ? AND end_at > ? AND end_at > ? AND start_at >= ?",
			resourceID, liveStatuses, c.EndAt, c.StartAt, now, c.StartAt.Add(-MaxBookingMinutes*time.Minute)).
			Pluck("id", &ids).Error; err != nil {
			return err
		}
		if err := audit(tx, actor, "closure.create", "closure", c.ID, map[string]any{"resource_id": resourceID,
			"start": c.StartAt, "end": c.EndAt, "reason": reason, "cancelled_bookings": ids}); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		if err := tx.Table("bookings").Where("id IN ?", ids).Updates(map[string]any{
			"status": StatusCancelled, "reason": closedReason(reason), "cancelled_by": actor.ID,
			"cancelled_at": now, "updated_at": now, "sequence": gorm.Expr("sequence + 1"),
		}).Error; err != nil {
			return err
		}
		if err := bookingRows(tx).Where("bookings.id IN ?", ids).Order("bookings.start_at").Find(&cancelled).Error; err != nil {
			return err
		}
		for _, b := range cancelled {
			if err := db.notifyDecision(tx, now, actor, Cancel, b.MemberID, b.ID, nil, b.Reason, 0); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, translate(err)
	}
	return c, cancelled, nil
}

// closedReason is the reason a closure gives the bookings it cancels, cut
// to the 2000 characters a booking's reason holds.
func closedReason(reason string) string {
	r := []rune("Closed: " + reason)
	return string(r[:min(len(r), MaxText)])
}

// ListClosures returns a resource's closures that end after from (all
// when from is zero), by start.
func (db *DB) ListClosures(ctx context.Context, resourceID int64, from time.Time) ([]Closure, error) {
	q := db.r(ctx).Where("resource_id = ?", resourceID)
	if !from.IsZero() {
		q = q.Where("end_at > ?", from.UTC())
	}
	list := []Closure{}
	return list, translate(q.Order("start_at, id").Find(&list).Error)
}

// DeleteClosure reopens a resource. Bookings the closure cancelled stay
// cancelled: their members were told and may have planned otherwise.
func (db *DB) DeleteClosure(ctx context.Context, actor *User, resourceID, id int64) error {
	return translate(db.tx(ctx, func(tx *gorm.DB) error {
		if err := lockResource(tx, resourceID); err != nil {
			return err
		}
		var c Closure
		if err := tx.Where("id = ? AND resource_id = ?", id, resourceID).Take(&c).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return notFound("Closure")
			}
			return err
		}
		if err := tx.Delete(&Closure{}, id).Error; err != nil {
			return err
		}
		if err := audit(tx, actor, "closure.delete", "closure", id, map[string]any{"resource_id": resourceID}); err != nil {
			return err
		}
		// The reopened time may now hold what people wait for.
		return db.promote(tx, db.now(), resourceID, []schedule.Interval{{Start: c.StartAt, End: c.EndAt}})
	}))
}
