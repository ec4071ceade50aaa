package feeds

import (
	"fmt"
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
func (f *Feeds) event(b *models.Booking, w words, private bool) icalendar.Event {
	ev := icalendar.Event{
		UID:      fmt.Sprintf("booking-%d@%s", b.ID, f.host),
		Sequence: b.Sequence, Start: b.StartAt, End: b.EndAt,
		Created: b.CreatedAt, LastModified: b.UpdatedAt,
		Location: b.SiteName + ", " + b.ZoneName,
		// The workshop publishes its bookings, from the address its
		// notification mail comes from by default.
		Organizer: icalendar.Organizer{Name: b.SiteName, Email: "atelier@" + f.host},
	}
	var prefix string
	switch b.Status {
	case models.StatusPending:
		ev.Status, prefix = icalendar.StatusTentative, "["+w.pending+"] "
	case models.StatusApproved:
		ev.Status = icalendar.StatusConfirmed
	case models.StatusRejected:
		ev.Status, prefix = icalendar.StatusCancelled, "["+w.rejected+"] "
	default:
		ev.Status, prefix = icalendar.StatusCancelled, "["+w.cancelled+"] "
	}
	if private {
		// Busy time only: when someone booked tells others nothing they need.
		ev.Created = time.Time{}
		ev.Summary = prefix + b.ResourceName + ": " + w.busy
		return ev
	}
	ev.Summary = prefix + b.ResourceName
	var d []string
	if b.Quantity > 1 {
		d = append(d, fmt.Sprintf("%s: %d", w.quantity, b.Quantity))
	}
	if b.Note != "" {
		d = append(d, w.note+": "+b.Note)
	}
	if b.Reason != "" {
		d = append(d, w.reason+": "+b.Reason)
	}
	link := fmt.Sprintf("%s/#/bookings/%d", f.publicURL, b.ID)
	d = append(d, w.open+": "+link)
	ev.Description = strings.Join(d, "\n")
	ev.URL = link
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
