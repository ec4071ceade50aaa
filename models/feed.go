package models

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Feed is a calendar subscription: a member's bookings (UserID set) or a
// resource's busy time (ResourceID set), behind a secret URL.
type Feed struct {
	ID         int64
	UserID     *int64
	ResourceID *int64
	Nonce      string
	Hash       string
	CreatedAt  time.Time
	RevokedAt  *time.Time
}

// FeedWindow is how far back feeds reach; every future booking is in.
const FeedWindow = 90 * 24 * time.Hour

// SetInstallationKey sets the key feed secrets are derived with. Operators
// should give one (ATELIER_SECRET) so that the database alone does not
// reveal feed URLs; without it a random key is kept in the database.
func (db *DB) SetInstallationKey(key string) {
	db.keyMu.Lock()
	db.feedKey = []byte(key)
	db.keyMu.Unlock()
}

// installationKey returns the configured key, or the one kept in the
// database, created on first use.
func (db *DB) installationKey(ctx context.Context) ([]byte, error) {
	db.keyMu.Lock()
	defer db.keyMu.Unlock()
	if len(db.feedKey) > 0 {
		return db.feedKey, nil
	}
	var val string
	err := db.tx(ctx, func(tx *gorm.DB) error {
		read := func() error {
			var rows []string
			if err := tx.Table("settings").Where("name = ?", "feed_key").Pluck("value", &rows).Error; err != nil {
				return err
			}
			if len(rows) > 0 {
				val = rows[0]
			}
			return nil
		}
		if err := read(); err != nil || val != "" {
			return err
		}
		// Several requests (or servers) may create the key at once: the
		// first insert wins, the others keep its key instead of failing.
		if err := tx.Table("settings").Clauses(clause.OnConflict{DoNothing: true}).
			Create(map[string]any{"name": "feed_key", "value": RandomSecret(32)}).Error; err != nil {
			return err
		}
		return read()
	})
	if err != nil {
		return nil, translate(err)
	}
	db.feedKey = []byte(val) // it never changes once made: read it once
	return db.feedKey, nil
}

func (db *DB) feedSecret(key []byte, nonce string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("atelier feed\x00" + nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// FeedSecret returns the secret of the live feed of a member (userID) or a
// resource (resourceID), creating one when there is none, or a fresh one
// that revokes the old when rotate is set.
func (db *DB) FeedSecret(ctx context.Context, userID, resourceID int64, rotate bool) (string, error) {
	key, err := db.installationKey(ctx)
	if err != nil {
		return "", err
	}
	owner := func(q *gorm.DB) *gorm.DB {
		if userID != 0 {
			return q.Where("user_id = ?", userID)
		}
		return q.Where("resource_id = ?", resourceID)
	}
	var secret string
	err = db.tx(ctx, func(tx *gorm.DB) error {
		// Hold the owner's row lock (PostgreSQL; SQLite's immediate
		// transaction holds the database) so that requests for the same
		// feed run one after the other: otherwise two rotations, or two
		// first requests, each leave a live secret behind, and a URL
		// handed out by a rotation survives the next one.
		if userID != 0 {
			var ids []int64
			if err := forUpdate(tx.Table("users").Where("id = ?", userID)).Pluck("id", &ids).Error; err != nil {
				return err
			}
		} else if err := lockResource(tx, resourceID); err != nil {
			return err
		}
		now := db.now()
		if rotate {
			if err := owner(tx.Model(&Feed{})).Where("revoked_at IS NULL").Update("revoked_at", now).Error; err != nil {
				return err
			}
		} else {
			var f Feed
			err := owner(tx).Where("revoked_at IS NULL").Order("id DESC").Take(&f).Error
			if err == nil {
				secret = db.feedSecret(key, f.Nonce)
				return nil
			}
			if !errors.Is(err, gorm.ErrRecordNotFound) {
				return err
			}
		}
		nonce := RandomSecret(24)
		secret = db.feedSecret(key, nonce)
		f := Feed{Nonce: nonce, Hash: HashSecret(secret), CreatedAt: now}
		if userID != 0 {
			f.UserID = &userID
		} else {
			f.ResourceID = &resourceID
		}
		return tx.Create(&f).Error
	})
	return secret, translate(err)
}

// FeedBySecret returns the live feed of a secret, or a not_found *Error
// that says nothing of whether it ever existed.
func (db *DB) FeedBySecret(ctx context.Context, secret string) (*Feed, error) {
	var f Feed
	err := db.r(ctx).Where("hash = ? AND revoked_at IS NULL", HashSecret(secret)).Take(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, notFound("Calendar")
	}
	if err != nil {
		return nil, translate(err)
	}
	return &f, nil
}

// FeedBookings returns the bookings of a member, or of a resource, that
// end after now minus FeedWindow, by start, with the fields a feed shows:
// in every status, or only those that hold their time (pending and
// approved) when busyOnly, the view of a resource for members. Feeds are
// polled often and can be long, so the rows are scanned by hand rather than
// through gorm's reflection.
func (db *DB) FeedBookings(ctx context.Context, userID, resourceID int64, busyOnly bool) ([]Booking, error) {
	since := db.now().Add(-FeedWindow)
	q := bookingRows(db.r(ctx)).
		Select("bookings.id, bookings.resource_id, bookings.member_id, bookings.start_at, bookings.end_at, "+
			"bookings.quantity, bookings.status, bookings.note, bookings.reason, bookings.sequence, "+
			"bookings.created_at, bookings.updated_at, resources.name, users.name, zones.name, sites.name, sites.timezone").
		Where("bookings.end_at > ? AND bookings.start_at >= ?", since, since.Add(-MaxBookingMinutes*time.Minute))
	q = feedScope(q, userID, resourceID, busyOnly)
	rows, err := q.Order("bookings.start_at, bookings.id").Rows()
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	list := []Booking{}
	for rows.Next() {
		var b Booking
		if err := rows.Scan(&b.ID, &b.ResourceID, &b.MemberID, &b.StartAt, &b.EndAt, &b.Quantity, &b.Status,
			&b.Note, &b.Reason, &b.Sequence, &b.CreatedAt, &b.UpdatedAt, &b.ResourceName, &b.MemberName,
			&b.ZoneName, &b.SiteName, &b.Timezone); err != nil {
			return nil, translate(err)
		}
		list = append(list, b)
	}
	return list, translate(rows.Err())
}

// FeedVersion fingerprints everything a feed's text comes from: how many
// bookings are in its window (only pending and approved ones when
// busyOnly, as FeedBookings) and when any of them, or the resources, zones
// and sites they name, last changed, and for a feed that names members
// (not busyOnly), the members. Two equal versions render the same feed, so
// a server may keep the rendered text. It also returns the latest of those
// changes, for Last-Modified: a busy view never moves with someone's
// account.
func (db *DB) FeedVersion(ctx context.Context, userID, resourceID int64, busyOnly bool) (string, time.Time, error) {
	since := db.now().Add(-FeedWindow)
	members := "MAX(users.updated_at)"
	if busyOnly {
		members = "NULL"
	}
	q := bookingRows(db.r(ctx)).
		Select("COUNT(*), MAX(bookings.updated_at), MAX(resources.updated_at), MAX(zones.updated_at), MAX(sites.updated_at), "+members).
		Where("bookings.end_at > ? AND bookings.start_at >= ?", since, since.Add(-MaxBookingMinutes*time.Minute))
	q = feedScope(q, userID, resourceID, busyOnly)
	var (
		n      int64
		latest [5]sql.NullString
	)
	if err := q.Row().Scan(&n, &latest[0], &latest[1], &latest[2], &latest[3], &latest[4]); err != nil {
		return "", time.Time{}, translate(err)
	}
	v := fmt.Sprint(n)
	var last time.Time
	for _, l := range latest {
		v += "|" + l.String
		// MAX() loses the column's type: SQLite answers its stored text,
		// PostgreSQL a timestamp that database/sql writes as RFC 3339.
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00"} {
			if t, err := time.Parse(layout, l.String); err == nil {
				if t.After(last) {
					last = t
				}
				break
			}
		}
	}
	return v, last, nil
}

// feedScope narrows q to a member's bookings or a resource's, and to the
// ones holding their time when busyOnly.
func feedScope(q *gorm.DB, userID, resourceID int64, busyOnly bool) *gorm.DB {
	if userID != 0 {
		q = q.Where("bookings.member_id = ?", userID)
	} else {
		q = q.Where("bookings.resource_id = ?", resourceID)
	}
	if busyOnly {
		q = q.Where("bookings.status IN ?", []string{StatusPending, StatusApproved})
	}
	return q
}

// BusyKey returns the key that the busy views derive their event UIDs with
// from booking ids: stable for a booking's life, and telling nothing of the
// ids (how many bookings the workshop takes) to whoever reads them.
func (db *DB) BusyKey(ctx context.Context) ([]byte, error) {
	key, err := db.installationKey(ctx)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("atelier busy uid\x00"))
	return m.Sum(nil), nil
}
