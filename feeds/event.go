package feeds

import (
	"strconv"
	"strings"
	"time"

	"atelier/icalendar"
	"atelier/models"
)

// words are the words of a feed in one language, looked up once per
// rendering rather than once per event.
type words struct {
	pending, cancelled, rejected, busy string
	note, reason, quantity, open       string
	myBookings                         string
}

func (f *Feeds) wordsFor(lang string) words {
	t := func(key string) string { return f.words.T(lang, "feed."+key, nil) }
	return words{
		pending: t("pending"), cancelled: t("cancelled"), rejected: t("rejected"), busy: t("busy"),
		note: t("note"), reason: t("reason"), quantity: t("quantity"), open: t("open"),
		myBookings: t("myBookings"),
	}
}

// event turns a booking into a calendar event. private hides who booked
// and why: the busy view of a resource for members and for public feeds.
// A feed holds thousands: the strings are put together by hand.
func (f *Feeds) event(b *models.Booking, w words, private bool) icalendar.Event {
	id := strconv.FormatInt(b.ID, 10)
	ev := icalendar.Event{
		UID:      "booking-" + id + "@" + f.host,
		Sequence: b.Sequence, Start: b.StartAt, End: b.EndAt,
		Created: b.CreatedAt, LastModified: b.UpdatedAt,
		Location: b.SiteName + ", " + b.ZoneName,
		// The workshop publishes its bookings, from the address its
		// notification mail comes from by default.
		Organizer: icalendar.Organizer{Name: b.SiteName, Email: "atelier@" + f.host},
	}
	var state string // the bracketed state before the summary, if any
	switch b.Status {
	case models.StatusPending:
		ev.Status, state = icalendar.StatusTentative, w.pending
	case models.StatusApproved:
		ev.Status = icalendar.StatusConfirmed
	case models.StatusRejected:
		ev.Status, state = icalendar.StatusCancelled, w.rejected
	default:
		ev.Status, state = icalendar.StatusCancelled, w.cancelled
	}
	ev.Summary = b.ResourceName
	if private {
		ev.Summary += ": " + w.busy
	}
	if state != "" {
		ev.Summary = "[" + state + "] " + ev.Summary
	}
	if private {
		// Busy time only: when someone booked tells others nothing they need.
		ev.Created = time.Time{}
		return ev
	}
	ev.URL = f.publicURL + "/#/bookings/" + id
	var d strings.Builder
	d.Grow(len(w.quantity) + len(w.note) + len(b.Note) + len(w.reason) + len(b.Reason) + len(w.open) + len(ev.URL) + 16)
	if b.Quantity > 1 {
		d.WriteString(w.quantity)
		d.WriteString(": ")
		d.WriteString(strconv.Itoa(b.Quantity))
		d.WriteByte('\n')
	}
	if b.Note != "" {
		d.WriteString(w.note)
		d.WriteString(": ")
		d.WriteString(b.Note)
		d.WriteByte('\n')
	}
	if b.Reason != "" {
		d.WriteString(w.reason)
		d.WriteString(": ")
		d.WriteString(b.Reason)
		d.WriteByte('\n')
	}
	d.WriteString(w.open)
	d.WriteString(": ")
	d.WriteString(ev.URL)
	ev.Description = d.String()
	return ev
}

// hostOf returns the host of publicURL, which makes event UIDs unique to
// the installation.
func hostOf(publicURL string) string {
	h := strings.TrimPrefix(strings.TrimPrefix(publicURL, "https://"), "http://")
	if i := strings.IndexAny(h, "/:"); i >= 0 {
		h = h[:i]
	}
	if h == "" {
		return "atelier"
	}
	return h
}
