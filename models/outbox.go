package models

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Outbox statuses: a message waits (pending, also between retries), is
// out with one sender for a while (sending), or ends sent or failed.
const (
	OutboxPending = "pending"
	OutboxSending = "sending"
	OutboxSent    = "sent"
	OutboxFailed  = "failed"
)

// OutboxMessage is a notification's email, written in the notification's
// transaction and sent later by a background sender: a request never
// waits for the mail server.
type OutboxMessage struct {
	ID             int64
	NotificationID int64
	Status         string
	Attempts       int
	NextAttemptAt  time.Time
	LastError      string
	SentAt         *time.Time
	CreatedAt      time.Time
}

// Mail is one claimed message with what its email is made of.
type Mail struct {
	OutboxID     int64
	Attempts     int
	Notification Notification
	To           string
	Name         string
	Language     string
}

// skipLocked makes concurrent claimers on PostgreSQL pass over each
// other's rows instead of waiting; SQLite's single writer needs nothing.
func (db *DB) skipLocked(q *gorm.DB) *gorm.DB {
	if db.Dialect == Postgres {
		return q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
	}
	return q
}

// ClaimMail takes up to n messages due for sending and leases them to the
// caller for lease: another server sees them again only if the caller has
// neither sent nor released them by then. Several servers claim
// disjoint messages.
func (db *DB) ClaimMail(ctx context.Context, n int, lease time.Duration) ([]Mail, error) {
	now := db.now()
	var out []Mail
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var msgs []OutboxMessage
		q := tx.Where("status IN ? AND next_attempt_at <= ?", []string{OutboxPending, OutboxSending}, now).
			Order("next_attempt_at, id").Limit(n)
		if err := db.skipLocked(q).Find(&msgs).Error; err != nil {
			return err
		}
		for _, m := range msgs {
			if err := tx.Model(&OutboxMessage{}).Where("id = ?", m.ID).Updates(map[string]any{
				"status": OutboxSending, "next_attempt_at": now.Add(lease), "attempts": m.Attempts + 1,
			}).Error; err != nil {
				return err
			}
			var nt Notification
			if err := tx.Take(&nt, m.NotificationID).Error; err != nil {
				return err
			}
			var u User
			if err := tx.Take(&u, nt.UserID).Error; err != nil {
				return err
			}
			out = append(out, Mail{OutboxID: m.ID, Attempts: m.Attempts + 1, Notification: nt, To: u.Email,
				Name: u.Name, Language: u.Language})
		}
		return nil
	})
	return out, translate(err)
}

// MailSent records that a claimed message left.
func (db *DB) MailSent(ctx context.Context, id int64) error {
	now := db.now()
	return translate(db.tx(ctx, func(tx *gorm.DB) error {
		return tx.Model(&OutboxMessage{}).Where("id = ?", id).
			Updates(map[string]any{"status": OutboxSent, "sent_at": now, "last_error": ""}).Error
	}))
}

// MailFailed records a failed attempt: retried at retryAt, or given up
// for good when retryAt is zero (the mail server refused it), keeping why.
func (db *DB) MailFailed(ctx context.Context, id int64, reason string, retryAt time.Time) error {
	r := []rune(reason)
	set := map[string]any{"last_error": string(r[:min(len(r), MaxText)])}
	if retryAt.IsZero() {
		set["status"] = OutboxFailed
	} else {
		set["status"], set["next_attempt_at"] = OutboxPending, retryAt.UTC()
	}
	return translate(db.tx(ctx, func(tx *gorm.DB) error {
		return tx.Model(&OutboxMessage{}).Where("id = ?", id).Updates(set).Error
	}))
}

// Outbox returns every outbox message, for tests and operators.
func (db *DB) Outbox(ctx context.Context) ([]OutboxMessage, error) {
	var list []OutboxMessage
	return list, translate(db.r(ctx).Order("id").Find(&list).Error)
}

// SendReminders notifies the members of approved bookings that start
// within ahead of now and have not been reminded yet, each exactly once:
// the booking is marked in the same transaction, and several servers
// claim disjoint bookings. It returns how many it reminded.
func (db *DB) SendReminders(ctx context.Context, ahead time.Duration) (int, error) {
	now := db.now()
	var n int
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var due []Booking
		q := tx.Select("id", "member_id", "start_at", "created_at").
			Where("status = ? AND start_at > ? AND start_at <= ? AND reminded_at IS NULL", StatusApproved, now, now.Add(ahead)).
			Order("start_at").Limit(200)
		if err := db.skipLocked(q).Find(&due).Error; err != nil {
			return err
		}
		for _, b := range due {
			if err := tx.Model(&Booking{}).Where("id = ?", b.ID).Update("reminded_at", now).Error; err != nil {
				return err
			}
			// Booked within the reminder's lead time: the member has
			// just seen it, a reminder now would only be noise.
			if b.CreatedAt.After(b.StartAt.Add(-ahead)) {
				continue
			}
			if err := db.notifyBooking(tx, now, b.MemberID, KindBookingReminder, b.ID, nil, "", 0); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, translate(err)
}

// Counts returns how many rows of table hold each value of column, for
// metrics: notifications by kind, outbox messages by status.
func (db *DB) counts(ctx context.Context, model any, column string) (map[string]int64, error) {
	var rows []struct {
		Key string
		N   int64
	}
	err := db.r(ctx).Model(model).Select(column + " AS key, COUNT(*) AS n").Group(column).Scan(&rows).Error
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Key] = r.N
	}
	return out, translate(err)
}

// NotificationCounts returns how many notifications exist of each kind.
func (db *DB) NotificationCounts(ctx context.Context) (map[string]int64, error) {
	return db.counts(ctx, &Notification{}, "kind")
}

// OutboxCounts returns how many outbox messages are in each status.
func (db *DB) OutboxCounts(ctx context.Context) (map[string]int64, error) {
	return db.counts(ctx, &OutboxMessage{}, "status")
}
