package handlers

import (
	"atelier/icalendar"
	"atelier/models"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// feedWords are the words of a feed in one language.
type feedWords struct {
	Pending, Cancelled, Rejected, Busy string
	Note, Reason, Quantity, Open       string
	MyBookings, BusyOf                 string
}

var words = map[string]feedWords{
	"en": {Pending: "Pending", Cancelled: "Cancelled", Rejected: "Rejected", Busy: "Busy",
		Note: "Note", Reason: "Reason", Quantity: "Quantity", Open: "Open in Atelier",
		MyBookings: "Atelier: my bookings", BusyOf: "Atelier: %s (busy)"},
	"fr": {Pending: "En attente", Cancelled: "Annulé", Rejected: "Refusé", Busy: "Occupé",
		Note: "Note", Reason: "Motif", Quantity: "Quantité", Open: "Ouvrir dans Atelier",
		MyBookings: "Atelier : mes réservations", BusyOf: "Atelier : %s (occupé)"},
	"nl": {Pending: "In afwachting", Cancelled: "Geannuleerd", Rejected: "Geweigerd", Busy: "Bezet",
		Note: "Notitie", Reason: "Reden", Quantity: "Hoeveelheid", Open: "Openen in Atelier",
		MyBookings: "Atelier: mijn reserveringen", BusyOf: "Atelier: %s (bezet)"},
}

func wordsFor(lang string) feedWords {
	if w, ok := words[lang]; ok {
		return w
	}
	return words["en"]
}

// eventOf turns a booking into a calendar event. private hides who booked
// and why: the busy view of a resource for members and for public feeds.
func (s *server) eventOf(b *models.Booking, w feedWords, private bool) icalendar.Event {
	ev := icalendar.Event{
		UID:      fmt.Sprintf("booking-%d@%s", b.ID, s.host()),
		Sequence: b.Sequence, Start: b.StartAt, End: b.EndAt,
		Created: b.CreatedAt, LastModified: b.UpdatedAt,
		Location: b.SiteName + ", " + b.ZoneName,
	}
	var prefix string
	switch b.Status {
	case models.StatusPending:
		ev.Status, prefix = icalendar.StatusTentative, "["+w.Pending+"] "
	case models.StatusApproved:
		ev.Status = icalendar.StatusConfirmed
	case models.StatusRejected:
		ev.Status, prefix = icalendar.StatusCancelled, "["+w.Rejected+"] "
	default:
		ev.Status, prefix = icalendar.StatusCancelled, "["+w.Cancelled+"] "
	}
	if private {
		ev.Summary = prefix + b.ResourceName + ": " + w.Busy
		return ev
	}
	ev.Summary = prefix + b.ResourceName
	var d []string
	if b.Quantity > 1 {
		d = append(d, fmt.Sprintf("%s: %d", w.Quantity, b.Quantity))
	}
	if b.Note != "" {
		d = append(d, w.Note+": "+b.Note)
	}
	if b.Reason != "" {
		d = append(d, w.Reason+": "+b.Reason)
	}
	link := fmt.Sprintf("%s/#/bookings/%d", s.cfg.PublicURL, b.ID)
	d = append(d, w.Open+": "+link)
	ev.Description = strings.Join(d, "\n")
	ev.URL = link
	return ev
}

func (s *server) host() string {
	h := strings.TrimPrefix(strings.TrimPrefix(s.cfg.PublicURL, "https://"), "http://")
	if i := strings.IndexAny(h, "/:"); i >= 0 {
		h = h[:i]
	}
	if h == "" {
		return "atelier"
	}
	return h
}

// writeCalendar renders the events with validators that let polling
// clients skip unchanged feeds: the ETag is the body's hash, and the
// stamp is the latest change, so an unchanged feed is byte-identical.
// changed lists when the other things the feed's words come from last
// changed (the reader's language, the resource's name): the stamp, and so
// Last-Modified, must move with them too, or a client that polls with
// If-Modified-Since would keep the old words.
func (s *server) writeCalendar(c echo.Context, name string, events []icalendar.Event, changed ...time.Time) error {
	f, err := renderCalendar(name, events, changed...)
	if err != nil {
		return err
	}
	return serveCalendar(c, f)
}

// renderCalendar writes the events and computes the validators.
func renderCalendar(name string, events []icalendar.Event, changed ...time.Time) (*renderedFeed, error) {
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
	return &renderedFeed{body: buf.Bytes(), etag: `"` + hex.EncodeToString(sum[:16]) + `"`, stamp: stamp}, nil
}

// serveCalendar answers with a rendered feed, or 304 to a client that
// holds it already.
func serveCalendar(c echo.Context, f *renderedFeed) error {
	etag, stamp := f.etag, f.stamp
	h := c.Response().Header()
	h.Set("ETag", etag)
	h.Set("Last-Modified", stamp.UTC().Format(http.TimeFormat))
	h.Set("Cache-Control", "private, max-age=0, must-revalidate")
	if match := c.Request().Header.Get("If-None-Match"); match != "" {
		for _, m := range strings.Split(match, ",") {
			if m = strings.TrimSpace(m); m == etag || m == "*" || m == "W/"+etag {
				return c.NoContent(http.StatusNotModified)
			}
		}
	} else if since, err := http.ParseTime(c.Request().Header.Get("If-Modified-Since")); err == nil && !stamp.Truncate(time.Second).After(since) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, "text/calendar; charset=utf-8", f.body)
}

// cachedCalendar serves the feed under key from the cache when its
// version is unchanged, and renders it with build otherwise.
func (s *server) cachedCalendar(c echo.Context, key, version string, build func() (*renderedFeed, error)) error {
	if f, ok := s.feeds.get(key, version); ok {
		return serveCalendar(c, f)
	}
	f, err := build()
	if err != nil {
		return err
	}
	f.version = version
	s.feeds.put(key, f)
	return serveCalendar(c, f)
}

type calendarURL struct {
	URL string `json:"url"`
}

func (s *server) feedURL(secret string) calendarURL {
	return calendarURL{URL: s.cfg.PublicURL + "/calendar/" + secret + ".ics"}
}

func (s *server) handleMyCalendar(rotate bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		secret, err := s.db.FeedSecret(c.Request().Context(), actor(c).ID, 0, rotate)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, s.feedURL(secret))
	}
}

func (s *server) handleResourceFeed(rotate bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		if _, err := s.db.Resource(c.Request().Context(), id); err != nil {
			return err
		}
		secret, err := s.db.FeedSecret(c.Request().Context(), 0, id, rotate)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, s.feedURL(secret))
	}
}

// handleFeed serves a secret feed URL. Anything but a live secret is the
// same 404, so a probe learns nothing.
func (s *server) handleFeed(c echo.Context) error {
	secret, ok := strings.CutSuffix(c.Param("token"), ".ics")
	if !ok || len(secret) < 20 || len(secret) > 100 {
		return models.Errorf(models.CodeNotFound, "There is nothing at this address.")
	}
	ctx := c.Request().Context()
	f, err := s.db.FeedBySecret(ctx, secret)
	if err != nil {
		if models.ErrorCode(err) == models.CodeNotFound {
			return models.Errorf(models.CodeNotFound, "There is nothing at this address.")
		}
		return err
	}
	if f.UserID != nil {
		u, err := s.db.User(ctx, *f.UserID)
		if err != nil || !u.Active {
			return models.Errorf(models.CodeNotFound, "There is nothing at this address.")
		}
		version, named, err := s.db.FeedVersion(ctx, u.ID, 0)
		if err != nil {
			return err
		}
		version += fmt.Sprintf("|%s|%d", u.Language, u.UpdatedAt.UnixNano())
		return s.cachedCalendar(c, fmt.Sprintf("member:%d", u.ID), version, func() (*renderedFeed, error) {
			list, err := s.db.FeedBookings(ctx, u.ID, 0)
			if err != nil {
				return nil, err
			}
			w := wordsFor(u.Language)
			events := make([]icalendar.Event, len(list))
			for i := range list {
				events[i] = s.eventOf(&list[i], w, false)
			}
			// named: a zone or a site renamed changes the text too.
			return renderCalendar(w.MyBookings, events, u.UpdatedAt, named)
		})
	}
	r, err := s.db.Resource(ctx, *f.ResourceID)
	if err != nil {
		return models.Errorf(models.CodeNotFound, "There is nothing at this address.")
	}
	return s.resourceCalendar(c, r, true, "en", time.Time{})
}

// resourceCalendar serves a resource's bookings as busy time (cancelled
// ones as CANCELLED, so subscribed clients drop them), and
// without names or notes when private. langChanged is when the reader's
// language last changed (zero for the public feed).
func (s *server) resourceCalendar(c echo.Context, r *models.Resource, private bool, lang string, langChanged time.Time) error {
	ctx := c.Request().Context()
	version, named, err := s.db.FeedVersion(ctx, 0, r.ID)
	if err != nil {
		return err
	}
	version += fmt.Sprintf("|%d|%d", r.UpdatedAt.UnixNano(), langChanged.UnixNano())
	key := fmt.Sprintf("resource:%d:%t:%s", r.ID, private, lang)
	return s.cachedCalendar(c, key, version, func() (*renderedFeed, error) {
		list, err := s.db.FeedBookings(ctx, 0, r.ID)
		if err != nil {
			return nil, err
		}
		w := wordsFor(lang)
		events := make([]icalendar.Event, 0, len(list))
		for i := range list {
			ev := s.eventOf(&list[i], w, private)
			if !private {
				ev.Summary += " (" + list[i].MemberName + ")"
			}
			events = append(events, ev)
		}
		return renderCalendar(fmt.Sprintf(w.BusyOf, r.Name), events, r.UpdatedAt, langChanged, named)
	})
}

func (s *server) handleResourceCalendar(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.db.Resource(c.Request().Context(), id)
	if err != nil {
		return err
	}
	me := actor(c)
	return s.resourceCalendar(c, r, !me.Role.IsHost(), me.Language, me.UpdatedAt)
}

func (s *server) handleBookingICS(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	b, err := s.db.Booking(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	w := wordsFor(actor(c).Language)
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="booking-%d.ics"`, b.ID))
	return s.writeCalendar(c, b.ResourceName, []icalendar.Event{s.eventOf(b, w, false)}, actor(c).UpdatedAt)
}
