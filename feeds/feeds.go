// Package feeds renders Atelier's calendar feeds: a member's bookings and a
// resource's busy time as iCalendar text, in the reader's language, with
// the validators that let a polling client skip an unchanged feed. Each
// server keeps its last renderings and reuses one while the database's
// version of the feed is unchanged.
package feeds

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"atelier/i18n"
	"atelier/icalendar"
	"atelier/models"
)

// Calendar is a feed rendered as iCalendar text, with its validators. A
// Calendar may be shared by concurrent requests: read it, never modify it.
type Calendar struct {
	// Body is the iCalendar text.
	Body []byte
	// ETag is a strong validator, quoted: a hash of Body.
	ETag string
	// LastModified is the latest change of anything the text comes from.
	LastModified time.Time

	version string // the database's version of the feed it was rendered from
}

// Feeds renders the calendar feeds of one server. It is safe for
// concurrent use.
type Feeds struct {
	db        *models.DB
	publicURL string
	host      string
	words     *i18n.Catalog
	cache     *cache
}

// New returns the feeds of db, linking to publicURL (where people reach
// Atelier) and keeping the last renderings of cacheSize feeds (64 when 0;
// none when negative, so that every request renders).
func New(db *models.DB, publicURL string, cacheSize int) *Feeds {
	return &Feeds{db: db, publicURL: publicURL, host: hostOf(publicURL), words: i18n.Default(), cache: newCache(cacheSize)}
}

// Member returns the feed of u's bookings, in u's language. Its errors are
// the database's.
func (f *Feeds) Member(ctx context.Context, u *models.User) (*Calendar, error) {
	version, named, err := f.db.FeedVersion(ctx, u.ID, 0, false)
	if err != nil {
		return nil, err
	}
	version += fmt.Sprintf("|%s|%d", u.Language, u.UpdatedAt.UnixNano())
	return f.cached(fmt.Sprintf("member:%d", u.ID), version, func() (*Calendar, error) {
		list, err := f.db.FeedBookings(ctx, u.ID, 0, false)
		if err != nil {
			return nil, err
		}
		w := f.wordsFor(u.Language)
		events := make([]icalendar.Event, len(list))
		for i := range list {
			events[i] = f.event(&list[i], w, false)
		}
		// named: a zone or a site renamed changes the text too.
		return render(w.myBookings, events, u.UpdatedAt, named)
	})
}

// Resource returns r's bookings. For hosts (private false) every booking,
// cancelled ones as CANCELLED so that subscribed clients drop them, with
// who booked. The private view, for members and the public feed, is busy
// time only: pending and approved bookings, without names, notes, creation
// times or booking ids (UIDs are opaque), and its version, Last-Modified
// and DTSTAMP come from the bookings and the workshop (and the reader's own
// account, for the language), never from another member's account. reader
// is who reads it, for the language; nil is the public feed, in English.
// Its errors are the database's.
func (f *Feeds) Resource(ctx context.Context, r *models.Resource, private bool, reader *models.User) (*Calendar, error) {
	lang, langChanged := "en", time.Time{}
	if reader != nil {
		lang, langChanged = reader.Language, reader.UpdatedAt
	}
	version, named, err := f.db.FeedVersion(ctx, 0, r.ID, private)
	if err != nil {
		return nil, err
	}
	var busyKey []byte
	if private {
		if busyKey, err = f.db.BusyKey(ctx); err != nil {
			return nil, err
		}
	}
	version += fmt.Sprintf("|%d|%d", r.UpdatedAt.UnixNano(), langChanged.UnixNano())
	key := fmt.Sprintf("resource:%d:%t:%s", r.ID, private, lang)
	return f.cached(key, version, func() (*Calendar, error) {
		list, err := f.db.FeedBookings(ctx, 0, r.ID, private)
		if err != nil {
			return nil, err
		}
		w := f.wordsFor(lang)
		events := make([]icalendar.Event, 0, len(list))
		for i := range list {
			ev := f.event(&list[i], w, private)
			if private {
				ev.UID = busyUID(busyKey, list[i].ID, f.host)
			}
			if !private {
				ev.Summary += " (" + list[i].MemberName + ")"
			}
			events = append(events, ev)
		}
		return render(f.words.T(lang, "feed.busyOf", map[string]string{"resource": r.Name}),
			events, r.UpdatedAt, langChanged, named)
	})
}

// Booking returns one booking as a calendar of one event, in reader's
// language, for a download; it is never cached.
func (f *Feeds) Booking(b *models.Booking, reader *models.User) (*Calendar, error) {
	w := f.wordsFor(reader.Language)
	return render(b.ResourceName, []icalendar.Event{f.event(b, w, false)}, reader.UpdatedAt)
}

// cached returns the rendering of the feed under key when it is of
// version, and renders it with build otherwise.
func (f *Feeds) cached(key, version string, build func() (*Calendar, error)) (*Calendar, error) {
	if cal, ok := f.cache.get(key, version); ok {
		return cal, nil
	}
	cal, err := build()
	if err != nil {
		return nil, err
	}
	cal.version = version
	f.cache.put(key, cal)
	return cal, nil
}

// render writes the events with validators that let polling clients skip
// unchanged feeds: the ETag is the body's hash, and the stamp is the
// latest change, so an unchanged feed is byte-identical. changed lists
// when the other things the feed's words come from last changed (the
// reader's language, the resource's name): the stamp, and so
// Last-Modified, must move with them too, or a client that polls with
// If-Modified-Since would keep the old words.
func render(name string, events []icalendar.Event, changed ...time.Time) (*Calendar, error) {
	var stamp time.Time
	for _, ev := range events {
		if ev.LastModified.After(stamp) {
			stamp = ev.LastModified
		}
	}
	for _, t := range changed {
		if t.After(stamp) {
			stamp = t
		}
	}
	if stamp.IsZero() {
		stamp = time.Unix(0, 0).UTC()
	}
	var buf bytes.Buffer
	buf.Grow(600 * (len(events) + 1))
	if err := icalendar.Write(&buf, icalendar.Calendar{Name: name, Events: events, Stamp: stamp}); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(buf.Bytes())
	return &Calendar{Body: buf.Bytes(), ETag: `"` + hex.EncodeToString(sum[:16]) + `"`, LastModified: stamp}, nil
}

// busyUID is the UID of a booking in a busy view: derived from its id with
// key, so that it stays the same for the booking's whole life but tells
// nothing of the id.
func busyUID(key []byte, id int64, host string) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%d", id)
	return "busy-" + hex.EncodeToString(m.Sum(nil)[:16]) + "@" + host
}
