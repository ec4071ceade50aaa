package models

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"gorm.io/gorm"
)

// Notification kinds of the contract.
const (
	KindApprovalRequested = "approval_requested"
	KindBookingApproved   = "booking_approved"
	KindBookingRejected   = "booking_rejected"
	KindBookingCancelled  = "booking_cancelled"
	KindWaitlistBooked    = "waitlist_booked"
	KindBookingReminder   = "booking_reminder"
)

// Notification tells a user what happened to a booking or a series. It is
// written in the transaction of the event that causes it, so none is lost
// and none exists for an event that rolled back. Its sentence is made when
// it is read, in the reader's language, from Params.
type Notification struct {
	ID        int64
	UserID    int64
	Kind      string
	BookingID *int64
	SeriesID  *int64
	Params    NoticeParams `gorm:"serializer:json"`
	ReadAt    *time.Time
	CreatedAt time.Time
}

// NoticeParams are the facts a notification's sentence is made of.
type NoticeParams struct {
	Resource string    `json:"resource"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Timezone string    `json:"timezone"`
	Reason   string    `json:"reason,omitempty"`
	Member   string    `json:"member,omitempty"` // for hosts: who asks
	Count    int       `json:"count,omitempty"`  // occurrences of a series
}

// Location is the zone of the site the notification speaks of.
func (p NoticeParams) Location() *time.Location { return location(p.Timezone) }

// notify stores one notification for user and, when the server sends
// mail and the user wants it, its message in the outbox: both in tx.
func (db *DB) notify(tx *gorm.DB, now time.Time, userID int64, kind string, bookingID, seriesID *int64, p NoticeParams) error {
	n := &Notification{UserID: userID, Kind: kind, BookingID: bookingID, SeriesID: seriesID, Params: p, CreatedAt: now}
	if err := tx.Create(n).Error; err != nil {
		return err
	}
	if !db.Mail {
		return nil
	}
	var wants []bool
	if err := tx.Model(&User{}).Where("id = ? AND active", userID).Pluck("email_notifications", &wants).Error; err != nil {
		return err
	}
	if len(wants) == 0 || !wants[0] {
		return nil
	}
	return tx.Create(&OutboxMessage{NotificationID: n.ID, Status: OutboxPending, NextAttemptAt: now, CreatedAt: now}).Error
}

// noticeOf reads the facts of booking id for a notification.
func noticeOf(tx *gorm.DB, id int64, reason string, count int) (NoticeParams, error) {
	var b Booking
	if err := bookingRows(tx).Where("bookings.id = ?", id).Take(&b).Error; err != nil {
		return NoticeParams{}, err
	}
	return NoticeParams{Resource: b.ResourceName, Start: b.StartAt, End: b.EndAt, Timezone: b.Timezone,
		Reason: reason, Member: b.MemberName, Count: count}, nil
}

// notifyBooking tells user of kind about booking id.
func (db *DB) notifyBooking(tx *gorm.DB, now time.Time, userID int64, kind string, id int64, seriesID *int64, reason string, count int) error {
	p, err := noticeOf(tx, id, reason, count)
	if err != nil {
		return err
	}
	return db.notify(tx, now, userID, kind, &id, seriesID, p)
}

// notifyRequested tells every active host that the pending ones among ids
// wait for a decision: one notification per booking, or one for a whole
// series (seriesID set).
func (db *DB) notifyRequested(tx *gorm.DB, now time.Time, ids []int64, seriesID *int64) error {
	if len(ids) == 0 {
		return nil
	}
	var pending []int64
	if err := tx.Table("bookings").Where("id IN ? AND status = ?", ids, StatusPending).Order("start_at").
		Pluck("id", &pending).Error; err != nil {
		return err
	}
	if len(pending) == 0 {
		return nil
	}
	each := pending
	if seriesID != nil {
		each = pending[:1]
	}
	for _, id := range each {
		count := 0
		if seriesID != nil {
			count = len(pending)
		}
		p, err := noticeOf(tx, id, "", count)
		if err != nil {
			return err
		}
		if err := db.notifyHosts(tx, now, id, seriesID, p); err != nil {
			return err
		}
	}
	return nil
}

// notifyHosts tells every active host that booking id (or the series)
// waits for a decision: their notifications in one statement that picks
// the hosts itself, and their emails in one more when mail is on.
func (db *DB) notifyHosts(tx *gorm.DB, now time.Time, id int64, seriesID *int64, p NoticeParams) error {
	params, err := json.Marshal(p)
	if err != nil {
		return err
	}
	hosts := []Role{RoleManager, RoleAdmin}
	if err := tx.Exec(`INSERT INTO notifications (user_id, kind, booking_id, series_id, params, created_at)
		SELECT id, ?, ?, ?, ?, ? FROM users WHERE role IN ? AND active`,
		KindApprovalRequested, id, seriesID, string(params), now, hosts).Error; err != nil {
		return err
	}
	if !db.Mail {
		return nil
	}
	return tx.Exec(`INSERT INTO outbox_messages (notification_id, status, attempts, next_attempt_at, last_error, created_at)
		SELECT n.id, ?, 0, ?, '', ? FROM notifications n JOIN users u ON u.id = n.user_id
		WHERE n.booking_id = ? AND n.kind = ? AND n.created_at = ? AND u.email_notifications`,
		OutboxPending, now, now, id, KindApprovalRequested, now).Error
}

// notifyDecision tells a booking's member that a host approved or
// rejected it, or that someone else cancelled it; count > 1 for a series.
// Nobody is told of their own cancellation.
func (db *DB) notifyDecision(tx *gorm.DB, now time.Time, actor *User, move Transition, memberID, bookingID int64, seriesID *int64, reason string, count int) error {
	if actor != nil && actor.ID == memberID {
		return nil
	}
	kind := map[Transition]string{Approve: KindBookingApproved, Reject: KindBookingRejected, Cancel: KindBookingCancelled}[move]
	if seriesID == nil {
		count = 0
	}
	return db.notifyBooking(tx, now, memberID, kind, bookingID, seriesID, reason, count)
}

// NotificationPage is a page of a user's notifications.
type NotificationPage struct {
	Notifications []Notification
	Total, Unread int64
}

// Notifications returns user's notifications, newest first (only the
// unread ones when unreadOnly), with the count of unread ones.
func (db *DB) Notifications(ctx context.Context, userID int64, unreadOnly bool, page Page) (*NotificationPage, error) {
	out := &NotificationPage{Notifications: []Notification{}}
	base := func() *gorm.DB { return db.r(ctx).Model(&Notification{}).Where("user_id = ?", userID) }
	if err := base().Where("read_at IS NULL").Count(&out.Unread).Error; err != nil {
		return nil, translate(err)
	}
	q := base()
	if unreadOnly {
		q = q.Where("read_at IS NULL")
	}
	if err := q.Count(&out.Total).Error; err != nil {
		return nil, translate(err)
	}
	err := q.Order("created_at DESC, id DESC").Limit(page.Limit).Offset(page.Offset).Find(&out.Notifications).Error
	return out, translate(err)
}

// MarkRead marks one of user's notifications read (id 0: all of them).
// Someone else's notification is not_found.
func (db *DB) MarkRead(ctx context.Context, userID, id int64) error {
	now := db.now()
	return translate(db.tx(ctx, func(tx *gorm.DB) error {
		q := tx.Model(&Notification{}).Where("user_id = ?", userID)
		if id != 0 {
			var n Notification
			if err := tx.Where("id = ? AND user_id = ?", id, userID).Take(&n).Error; err != nil {
				if errors.Is(err, gorm.ErrRecordNotFound) {
					return notFound("Notification")
				}
				return err
			}
			q = q.Where("id = ?", id)
		}
		return q.Where("read_at IS NULL").Update("read_at", now).Error
	}))
}
