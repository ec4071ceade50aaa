package feeds

import (
	"testing"
	"time"

	"atelier/i18n"
	"atelier/models"
)

// TestWords: a feed says in each language what it said when its words
// were a table of their own, and a language Atelier does not speak gets
// English.
func TestWords(t *testing.T) {
	f := &Feeds{words: i18n.Default()}
	english := words{pending: "Pending", cancelled: "Cancelled", rejected: "Rejected", busy: "Busy",
		note: "Note", reason: "Reason", quantity: "Quantity", open: "Open in Atelier",
		myBookings: "Atelier: my bookings"}
	for lang, want := range map[string]words{
		"en": english,
		"fr": {pending: "En attente", cancelled: "Annulé", rejected: "Refusé", busy: "Occupé",
			note: "Note", reason: "Motif", quantity: "Quantité", open: "Ouvrir dans Atelier",
			myBookings: "Atelier : mes réservations"},
		"nl": {pending: "In afwachting", cancelled: "Geannuleerd", rejected: "Geweigerd", busy: "Bezet",
			note: "Notitie", reason: "Reden", quantity: "Hoeveelheid", open: "Openen in Atelier",
			myBookings: "Atelier: mijn reserveringen"},
		"de": english,
	} {
		if got := f.wordsFor(lang); got != want {
			t.Errorf("%s: words %+v, want %+v", lang, got, want)
		}
	}
	for lang, want := range map[string]string{
		"en": "Atelier: Laser 50% (busy)", "fr": "Atelier : Laser 50% (occupé)", "nl": "Atelier: Laser 50% (bezet)",
	} {
		if got := f.words.T(lang, "feed.busyOf", map[string]string{"resource": "Laser 50%"}); got != want {
			t.Errorf("%s: feed.busyOf is %q, want %q", lang, got, want)
		}
	}
}

// TestEventPrivate: the busy view names neither the member nor the note.
func TestEventPrivate(t *testing.T) {
	f := &Feeds{words: i18n.Default(), publicURL: "https://atelier.example:8443/x", host: hostOf("https://atelier.example:8443/x")}
	at := time.Date(2027, 1, 5, 9, 0, 0, 0, time.UTC)
	b := &models.Booking{ID: 7, Status: models.StatusPending, StartAt: at, EndAt: at.Add(time.Hour),
		ResourceName: "Laser", MemberName: "Connie", Note: "secret plans", Quantity: 2, SiteName: "Site", ZoneName: "Zone"}
	w := f.wordsFor("en")
	if ev := f.event(b, w, true); ev.Summary != "[Pending] Laser: Busy" || ev.Description != "" || ev.URL != "" {
		t.Errorf("private event: %+v", ev)
	}
	ev := f.event(b, w, false)
	if ev.UID != "booking-7@atelier.example" || ev.Summary != "[Pending] Laser" ||
		ev.Description != "Quantity: 2\nNote: secret plans\nOpen in Atelier: https://atelier.example:8443/x/#/bookings/7" {
		t.Errorf("event: %+v", ev)
	}
}
