// Package icalendar writes Atelier's bookings as RFC 5545 iCalendar feeds that
// calendar clients (Google, Apple, Outlook, Thunderbird) subscribe to.
//
// It wraps github.com/arran4/golang-ical and guards against what that library
// leaves to its caller: it writes LF line endings by default, passes a bare CR
// in text through unescaped, writes URL values without any escaping, and
// miscounts octets when folding invalid UTF-8. Write therefore asks for CRLF,
// cleans every text value and checks every URL before the library sees them,
// so that no user text can end a content line and inject a property.
//
// Times are written in UTC ("Z" form): a UTC instant needs no VTIMEZONE, so a
// client whose time-zone rules differ from ours cannot shift a booking by an
// hour around a daylight-saving change.
package icalendar

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"
)

// Status is an event's RFC 5545 STATUS; feeds keep cancelled bookings as
// StatusCancelled instead of dropping them, so clients remove them visibly.
type Status string

// The statuses a booking maps to in a feed.
const (
	// StatusTentative marks a booking that still waits for approval.
	StatusTentative Status = "TENTATIVE"
	// StatusConfirmed marks an approved booking.
	StatusConfirmed Status = "CONFIRMED"
	// StatusCancelled marks a cancelled or rejected booking.
	StatusCancelled Status = "CANCELLED"
)

// ErrInvalid is wrapped by the error Write returns when the calendar or one of
// its events cannot be written as valid iCalendar; it signals a bug in the
// caller's data, not a problem with the writer.
var ErrInvalid = errors.New("icalendar: invalid calendar")

// Event is one VEVENT. Clients match updates by UID and apply them only when
// Sequence is higher than the one they hold, so UID must stay the same for a
// booking's whole life and Sequence must grow with each change.
type Event struct {
	UID      string
	Sequence int
	Status   Status

	// Start and End are instants; iCalendar carries whole seconds, so any
	// fraction of a second is dropped.
	Start, End time.Time

	// Text fields are written only when non-empty. Newlines in them are kept
	// as escaped line breaks, other ASCII control characters are dropped and
	// invalid UTF-8 becomes U+FFFD.
	Summary, Location, Description string

	// URL, when non-empty, must be an absolute URL (a link back to the booking).
	URL string

	// Organizer is who publishes the event: the workshop. RFC 5546 wants
	// one on every event of a METHOD:PUBLISH calendar (libical checks it).
	Organizer Organizer

	// Created and LastModified are written only when non-zero.
	Created, LastModified time.Time
}

// Organizer is an event's ORGANIZER: a name and an email address.
type Organizer struct{ Name, Email string }

// Calendar is one feed: its name as clients show it, and its events in the
// order they are to be written.
type Calendar struct {
	// Name and Description are written, when non-empty, both as the RFC 7986
	// properties (NAME, DESCRIPTION) and as the X-WR- ones older clients read.
	Name, Description string

	Events []Event

	// Stamp is written as every event's DTSTAMP: the moment the feed was
	// generated, which RFC 5545 requires on each event of a published feed.
	Stamp time.Time
}

// productID names Atelier as the producer (PRODID), as RFC 5545 requires.
const productID = "-//Atelier//Atelier bookings//EN"

// refreshInterval asks clients to poll every 15 minutes: REFRESH-INTERVAL is
// the RFC 7986 name, X-PUBLISHED-TTL the one Outlook and Apple read.
const refreshInterval = "PT15M"

// Write writes cal to w as an RFC 5545 VCALENDAR with CRLF line endings,
// content lines folded at 75 octets on UTF-8 character boundaries, and one
// VEVENT per event in the order given.
//
// Write checks the whole calendar before writing anything: if an event has no
// UID, an unknown status, a negative sequence, a zero start, an end not after
// its start, a URL that is not an absolute URL, or the calendar has events but
// a zero Stamp, it returns an error wrapping ErrInvalid and w receives nothing.
// Otherwise it returns only errors from w, in which case w may have received
// part of the calendar.
func Write(w io.Writer, cal Calendar) error {
	c, err := build(cal)
	if err != nil {
		return err
	}
	// The library writes each content line in several small writes and ignores
	// the errors of some of them (BEGIN:VCALENDAR, END:VCALENDAR); bufio keeps
	// the first error and Flush reports it, so none is lost.
	bw := bufio.NewWriterSize(w, 32<<10)
	if err := c.SerializeTo(bw, ics.WithNewLineWindows); err != nil {
		return fmt.Errorf("icalendar: write: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("icalendar: write: %w", err)
	}
	return nil
}

// build turns cal into the library's model, so that every check runs before a
// single byte goes out.
func build(cal Calendar) (*ics.Calendar, error) {
	if len(cal.Events) > 0 && cal.Stamp.IsZero() {
		return nil, fmt.Errorf("%w: zero Stamp", ErrInvalid)
	}

	c := ics.NewCalendarFor("Atelier")
	c.SetProductId(productID)
	c.SetCalscale("GREGORIAN")
	c.SetMethod(ics.MethodPublish)
	if name := cleanText(cal.Name); name != "" {
		c.SetName(name) // NAME (RFC 7986) and X-WR-CALNAME, for older clients
	}
	if desc := cleanText(cal.Description); desc != "" {
		c.SetDescription(desc)
		c.SetXWRCalDesc(desc)
	}
	// RFC 7986 requires VALUE=DURATION on REFRESH-INTERVAL. The library puts
	// it in the property name itself, so passing ics.WithValue as well would
	// write the parameter twice.
	c.SetRefreshInterval(refreshInterval)
	c.SetXPublishedTTL(refreshInterval)

	c.Components = make([]ics.Component, 0, len(cal.Events))
	for i := range cal.Events {
		ev, err := buildEvent(&cal.Events[i], cal.Stamp)
		if err != nil {
			return nil, fmt.Errorf("%w: event %d (UID %q): %w", ErrInvalid, i, cal.Events[i].UID, err)
		}
		c.AddVEvent(ev)
	}
	return c, nil
}

// buildEvent checks e and converts it; its errors are wrapped by build.
func buildEvent(e *Event, stamp time.Time) (*ics.VEvent, error) {
	uid := cleanText(e.UID)
	if uid == "" {
		return nil, errors.New("empty UID")
	}
	var transp ics.TimeTransparency
	switch e.Status {
	case StatusTentative, StatusConfirmed:
		transp = ics.TransparencyOpaque
	case StatusCancelled:
		// A cancelled booking must not show the member as busy.
		transp = ics.TransparencyTransparent
	default:
		return nil, fmt.Errorf("unknown status %q", e.Status)
	}
	if e.Sequence < 0 {
		return nil, fmt.Errorf("negative sequence %d", e.Sequence)
	}
	if e.Start.IsZero() {
		return nil, errors.New("zero start")
	}
	if !e.End.After(e.Start) {
		return nil, fmt.Errorf("end %s not after start %s", e.End.Format(time.RFC3339), e.Start.Format(time.RFC3339))
	}
	link, err := cleanURL(e.URL)
	if err != nil {
		return nil, err
	}

	ev := ics.NewEvent(uid)
	// The library grows the property slice from one entry by appending;
	// sizing it for the 14 properties an event has at most saves four
	// reallocations per event (about 17% of the bytes allocated).
	ev.Properties = append(make([]ics.IANAProperty, 0, 14), ev.Properties...)
	ev.SetSequence(e.Sequence)
	ev.SetStatus(ics.ObjectStatus(e.Status))
	ev.SetDtStampTime(stamp)
	// The library's time setters convert to UTC and write the "Z" form.
	ev.SetStartAt(e.Start)
	ev.SetEndAt(e.End)
	if !e.Created.IsZero() {
		ev.SetCreatedTime(e.Created)
	}
	if !e.LastModified.IsZero() {
		ev.SetLastModifiedAt(e.LastModified)
	}
	if s := cleanText(e.Summary); s != "" {
		ev.SetSummary(s)
	}
	if s := cleanText(e.Location); s != "" {
		ev.SetLocation(s)
	}
	if s := cleanText(e.Description); s != "" {
		ev.SetDescription(s)
	}
	if link != "" {
		ev.SetURL(link)
	}
	if o := e.Organizer; o.Email != "" {
		var params []ics.PropertyParameter
		if n := cleanText(o.Name); n != "" {
			params = append(params, ics.WithCN(n))
		}
		ev.SetOrganizer("mailto:"+o.Email, params...)
	}
	ev.SetTimeTransparency(transp)
	return ev, nil
}

// cleanText prepares user text for a TEXT value that the library escapes.
// The library escapes backslash, semicolon, comma and LF but not CR, which
// would end the content line, so CRLF and CR become LF (then written as the
// two characters "\n"). RFC 5545 allows no other ASCII control character in
// TEXT except HTAB, so those are dropped. Invalid UTF-8 becomes U+FFFD
// because the library's folding counts an invalid byte as three octets and
// could then cut a character in two.
func cleanText(s string) string {
	if isCleanText(s) {
		return s // the common case allocates nothing
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		// Bytes of multi-byte UTF-8 characters are all >= 0x80, so looking at
		// single bytes cannot split a character.
		switch c := s[i]; {
		case c == '\r':
			b.WriteByte('\n')
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
		case c == '\n' || c == '\t':
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			// dropped: not allowed in TEXT
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// isCleanText reports whether cleanText would return s unchanged.
func isCleanText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return utf8.ValidString(s)
}

// cleanURL checks a URL value, which the library writes without any escaping
// (URI values have none in RFC 5545): it must parse as an absolute URL and its
// written form must be printable ASCII without spaces, so that it can neither
// break the content line nor be misread by a client.
func cleanURL(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("URL: %w", err)
	}
	if !u.IsAbs() || u.Host == "" {
		return "", fmt.Errorf("URL %q is not absolute", raw)
	}
	s := u.String()
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return "", fmt.Errorf("URL %q has a space or a non-ASCII character", raw)
		}
	}
	return s, nil
}
