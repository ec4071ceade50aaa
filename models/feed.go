package models

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
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
// approved) when busyOnly, the view of a resource for members. Its times
// are whole seconds, as a feed writes them. Feeds are polled often and can
// be long, so the rows are read by hand, in few columns, rather than
// through gorm's reflection.
func (db *DB) FeedBookings(ctx context.Context, userID, resourceID int64, busyOnly bool) ([]Booking, error) {
	// Under a context that can be cancelled, SQLite's driver steps every
	// row in a goroutine of its own; the query is short, so it runs to
	// its end even for a client that has gone.
	ctx = context.WithoutCancel(ctx)
	since := db.now().Add(-FeedWindow)
	// Instants as Unix seconds, which is all a feed shows: SQLite's driver
	// would otherwise parse four text timestamps on every row.
	unix := db.epoch
	// A row's numbers and status come as one text, then its note and its
	// reason: SQLite's driver calls into C two or three times for each
	// column of each row, which costs more than the query itself.
	q := db.r(ctx).Table("bookings").
		Select("format('%s %s %s %s %s %s %s %s %s %s', bookings.id, bookings.resource_id, bookings.member_id, "+
			unix("bookings.start_at")+", "+unix("bookings.end_at")+", "+unix("bookings.created_at")+", "+unix("bookings.updated_at")+", "+
			"bookings.quantity, bookings.sequence, bookings.status), bookings.note, bookings.reason").
		Where("bookings.end_at > ? AND bookings.start_at >= ?", since, since.Add(-MaxBookingMinutes*time.Minute))
	q = feedScope(q, userID, resourceID, busyOnly)
	rows, err := q.Order("bookings.start_at, bookings.id").Rows()
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	list := []Booking{}
	var packed string
	for rows.Next() {
		if len(list) == cap(list) {
			// Double: append grows a long slice by a quarter at a time,
			// which for thousands of bookings allocates several times the
			// list.
			list = slices.Grow(list, max(len(list), 64))
		}
		list = append(list, Booking{})
		b := &list[len(list)-1] // scanned in place: a Booking is large
		if err := rows.Scan(&packed, &b.Note, &b.Reason); err != nil {
			return nil, translate(err)
		}
		if err := unpackFeedRow(packed, b); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	if err := db.nameFeedBookings(ctx, list); err != nil {
		return nil, err
	}
	return list, nil
}

// unpackFeedRow reads the numbers and the status FeedBookings packs in
// one text into b.
func unpackFeedRow(row string, b *Booking) error {
	var n [9]int64
	s := row
	for i := range n {
		field, rest, _ := strings.Cut(s, " ")
		v, err := strconv.ParseInt(field, 10, 64)
		if err != nil {
			return fmt.Errorf("feed row %q: %w", row, err)
		}
		n[i], s = v, rest
	}
	b.ID, b.ResourceID, b.MemberID = n[0], n[1], n[2]
	b.StartAt, b.EndAt = time.Unix(n[3], 0).UTC(), time.Unix(n[4], 0).UTC()
	b.CreatedAt, b.UpdatedAt = time.Unix(n[5], 0).UTC(), time.Unix(n[6], 0).UTC()
	b.Quantity, b.Sequence = int(n[7]), int(n[8])
	// The constant, not a slice of the row's text, which it would keep.
	for _, st := range []string{StatusPending, StatusApproved, StatusRejected, StatusCancelled} {
		if s == st {
			b.Status = st
			return nil
		}
	}
	b.Status = strings.Clone(s)
	return nil
}

// nameFeedBookings fills in the names of the resources, zones, sites and
// members of list: a few of each, where a join would repeat them on every
// row. Resources and accounts are never deleted, so each is found.
func (db *DB) nameFeedBookings(ctx context.Context, list []Booking) error {
	if len(list) == 0 {
		return nil
	}
	type place struct{ resource, zone, site, timezone string }
	places, members := map[int64]place{}, map[int64]string{}
	for _, b := range list {
		places[b.ResourceID], members[b.MemberID] = place{}, ""
	}
	rows, err := db.r(ctx).Table("resources").
		Select("resources.id, resources.name, zones.name, sites.name, sites.timezone").
		Joins("JOIN zones ON zones.id = resources.zone_id").
		Joins("JOIN sites ON sites.id = zones.site_id").
		Where("resources.id IN ?", slices.Collect(maps.Keys(places))).Rows()
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id int64
			p  place
		)
		if err := rows.Scan(&id, &p.resource, &p.zone, &p.site, &p.timezone); err != nil {
			return translate(err)
		}
		places[id] = p
	}
	if err := rows.Err(); err != nil {
		return translate(err)
	}
	var users []struct {
		ID   int64
		Name string
	}
	if err := db.r(ctx).Table("users").Select("id, name").Where("id IN ?", slices.Collect(maps.Keys(members))).
		Scan(&users).Error; err != nil {
		return translate(err)
	}
	for _, u := range users {
		members[u.ID] = u.Name
	}
	for i := range list {
		b, p := &list[i], places[list[i].ResourceID]
		b.ResourceName, b.ZoneName, b.SiteName, b.Timezone = p.resource, p.zone, p.site, p.timezone
		b.MemberName = members[b.MemberID]
	}
	return nil
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
	ctx = context.WithoutCancel(ctx) // as FeedBookings
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
