// Package icalendar writes Atelier's bookings as RFC 5545 iCalendar feeds that
// calendar clients (Google, Apple, Outlook, Thunderbird) subscribe to.
//
// It writes the text itself, straight into the output (a feed of 2,000
// bookings is polled often), in exactly the form github.com/arran4/golang-ical
// gave it before, so that subscribed clients saw no change. Every text value
// is cleaned and every URL checked first: a bare CR would end a content line
// and inject a property, an unescaped URL could too, and invalid UTF-8 would
// be miscounted when folding.
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
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
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
	if len(cal.Events) > 0 && cal.Stamp.IsZero() {
		return fmt.Errorf("%w: zero Stamp", ErrInvalid)
	}
	links := make([]string, len(cal.Events))
	for i := range cal.Events {
		link, err := check(&cal.Events[i])
		if err != nil {
			return fmt.Errorf("%w: event %d (UID %q): %w", ErrInvalid, i, cal.Events[i].UID, err)
		}
		links[i] = link
	}
	// bufio keeps the first error and Flush reports it, so none is lost.
	l := lineWriter{w: bufio.NewWriterSize(w, 32<<10)}
	l.text("BEGIN", "VCALENDAR")
	l.text("VERSION", "2.0")
	l.text("PRODID", productID)
	l.text("CALSCALE", "GREGORIAN")
	l.text("METHOD", "PUBLISH")
	if name := cleanText(cal.Name); name != "" {
		l.text("NAME", name) // RFC 7986, and X-WR-CALNAME for older clients
		l.text("X-WR-CALNAME", name)
	}
	if desc := cleanText(cal.Description); desc != "" {
		l.text("DESCRIPTION", desc)
		l.text("X-WR-CALDESC", desc)
	}
	// RFC 7986 requires VALUE=DURATION on REFRESH-INTERVAL.
	l.text("REFRESH-INTERVAL;VALUE=DURATION", refreshInterval)
	l.text("X-PUBLISHED-TTL", refreshInterval)
	var stamp [16]byte
	dtstamp := appendTime(stamp[:0], cal.Stamp)
	for i := range cal.Events {
		l.event(&cal.Events[i], links[i], dtstamp)
	}
	l.text("END", "VCALENDAR")
	if err := l.w.Flush(); err != nil {
		return fmt.Errorf("icalendar: write: %w", err)
	}
	return nil
}

// check returns the URL e is to be written with, or why e cannot be
// written; its errors are wrapped by Write.
func check(e *Event) (string, error) {
	if cleanText(e.UID) == "" {
		return "", errors.New("empty UID")
	}
	switch e.Status {
	case StatusTentative, StatusConfirmed, StatusCancelled:
	default:
		return "", fmt.Errorf("unknown status %q", e.Status)
	}
	if e.Sequence < 0 {
		return "", fmt.Errorf("negative sequence %d", e.Sequence)
	}
	if e.Start.IsZero() {
		return "", errors.New("zero start")
	}
	if !e.End.After(e.Start) {
		return "", fmt.Errorf("end %s not after start %s", e.End.Format(time.RFC3339), e.Start.Format(time.RFC3339))
	}
	return cleanURL(e.URL)
}

// event writes one checked VEVENT, its properties in a fixed order.
func (l *lineWriter) event(e *Event, link string, dtstamp []byte) {
	l.text("BEGIN", "VEVENT")
	l.text("UID", cleanText(e.UID))
	l.line = strconv.AppendInt(append(l.line[:0], "SEQUENCE:"...), int64(e.Sequence), 10)
	l.flush()
	l.text("STATUS", string(e.Status))
	l.raw("DTSTAMP", dtstamp)
	l.time("DTSTART", e.Start)
	l.time("DTEND", e.End)
	if !e.Created.IsZero() {
		l.time("CREATED", e.Created)
	}
	if !e.LastModified.IsZero() {
		l.time("LAST-MODIFIED", e.LastModified)
	}
	if s := cleanText(e.Summary); s != "" {
		l.text("SUMMARY", s)
	}
	if s := cleanText(e.Location); s != "" {
		l.text("LOCATION", s)
	}
	if s := cleanText(e.Description); s != "" {
		l.text("DESCRIPTION", s)
	}
	if link != "" {
		l.line = append(append(l.line[:0], "URL:"...), link...)
		l.flush()
	}
	if o := e.Organizer; o.Email != "" {
		l.line = append(l.line[:0], "ORGANIZER"...)
		if n := cleanText(o.Name); n != "" {
			l.line = appendParam(append(l.line, ";CN="...), n)
		}
		l.line = append(append(l.line, ":mailto:"...), o.Email...)
		l.flush()
	}
	if e.Status == StatusCancelled {
		// A cancelled booking must not show the member as busy.
		l.text("TRANSP", "TRANSPARENT")
	} else {
		l.text("TRANSP", "OPAQUE")
	}
	l.text("END", "VEVENT")
}

// lineWriter writes content lines. Their form (which values are escaped
// and how, where long lines fold) is the one github.com/arran4/golang-ical
// wrote when Atelier used it, byte for byte, so that the feeds clients
// hold did not change: see library_test.go.
type lineWriter struct {
	w    *bufio.Writer
	line []byte // the content line being built, reused
}

// text writes a property of type TEXT, escaping backslash, LF, semicolon
// and comma; value must have been through cleanText.
func (l *lineWriter) text(name, value string) {
	l.line = append(append(l.line[:0], name...), ':')
	from := 0
	for i := 0; i < len(value); i++ {
		switch c := value[i]; c {
		case '\\', ';', ',', '\n':
			if c == '\n' {
				c = 'n'
			}
			l.line = append(append(l.line, value[from:i]...), '\\', c)
			from = i + 1
		}
	}
	l.line = append(l.line, value[from:]...)
	l.flush()
}

// raw writes a property whose value needs no escaping.
func (l *lineWriter) raw(name string, value []byte) {
	l.line = append(append(append(l.line[:0], name...), ':'), value...)
	l.flush()
}

// time writes a DATE-TIME property in UTC.
func (l *lineWriter) time(name string, t time.Time) {
	l.line = appendTime(append(append(l.line[:0], name...), ':'), t)
	l.flush()
}

// flush writes the line built, folded: a line longer than 75 octets is
// cut at the last space or '<' (or after a '>') that keeps the part within
// 75, else at 75, and each further part, after the fold's space, within 74.
func (l *lineWriter) flush() {
	r := l.line
	if len(r) > maxLine {
		n := foldAt(maxLine, r)
		l.w.Write(r[:n])
		l.w.WriteString("\r\n")
		r = r[n:]
		for len(r) > maxLine-1 {
			n := foldAt(maxLine-1, r)
			l.w.WriteByte(' ')
			l.w.Write(r[:n])
			l.w.WriteString("\r\n")
			r = r[n:]
		}
		l.w.WriteByte(' ')
	}
	l.w.Write(r)
	l.w.WriteString("\r\n")
}

// maxLine is the longest content line, in octets, before folding.
const maxLine = 75

// foldAt returns how many bytes of s go before a fold, at most max
// counted as the library counts: by rune, an invalid byte as three.
func foldAt(max int, s []byte) int {
	length, boundary := 0, -1
	var last rune
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRune(s[i:])
		if r == ' ' || r == '<' || last == '>' {
			boundary = i
		}
		last = r
		if length+utf8.RuneLen(r) > max {
			break
		}
		length += utf8.RuneLen(r)
		i += size
	}
	if boundary > 0 {
		return boundary
	}
	return length
}

// appendParam appends a parameter value with the escapes the library
// used: a backslash before each of , " ; : \ and '.
func appendParam(b []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case ',', '"', ';', ':', '\\', '\'':
			b = append(b, '\\', c)
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendTime appends t in UTC as 20060102T150405Z.
func appendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, "20060102T150405Z")
	}
	hour, minute, second := t.Clock()
	b = append(b, byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10))
	for _, v := range [...]int{int(month), day} {
		b = append(b, byte('0'+v/10), byte('0'+v%10))
	}
	b = append(b, 'T')
	for _, v := range [...]int{hour, minute, second} {
		b = append(b, byte('0'+v/10), byte('0'+v%10))
	}
	return append(b, 'Z')
}

// cleanText prepares user text for a TEXT value, which Write escapes:
// backslash, semicolon, comma and LF, but not CR, which would end the
// content line, so CRLF and CR become LF (then written as the two
// characters "\n"). RFC 5545 allows no other ASCII control character in
// TEXT except HTAB, so those are dropped. Invalid UTF-8 becomes U+FFFD
// because folding counts an invalid byte as three octets and could then
// cut a character in two.
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

// isCleanText reports whether cleanText would return s unchanged: valid
// UTF-8 without control characters other than LF and HTAB.
func isCleanText(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return false
		}
		i += size
	}
	return true
}

// cleanURL checks a URL value, which is written without any escaping (URI
// values have none in RFC 5545): it must parse as an absolute URL and its
// written form must be printable ASCII without spaces, so that it can neither
// break the content line nor be misread by a client.
func cleanURL(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	if plainURL(raw) {
		return raw, nil // what parseURL would answer, without its allocations
	}
	return parseURL(raw)
}

func parseURL(raw string) (string, error) {
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

// plainURL reports whether raw is an http or https URL of the plainest
// kind, which url.Parse reads and String writes back unchanged: a
// lowercase scheme, a host of letters, digits, dots and dashes, maybe a
// port, then maybe a path and a non-empty fragment of unreserved
// characters and slashes. Atelier's links back to its bookings are.
func plainURL(raw string) bool {
	rest, ok := strings.CutPrefix(raw, "https://")
	if !ok {
		if rest, ok = strings.CutPrefix(raw, "http://"); !ok {
			return false
		}
	}
	host := 0
	for host < len(rest) && (isAlnum(rest[host]) || rest[host] == '.' || rest[host] == '-') {
		host++
	}
	if host == 0 {
		return false
	}
	i := host
	if i < len(rest) && rest[i] == ':' {
		for i++; i < len(rest) && '0' <= rest[i] && rest[i] <= '9'; i++ {
		}
	}
	path, fragment, hasFragment := strings.Cut(rest[i:], "#")
	if path != "" && path[0] != '/' || hasFragment && fragment == "" {
		return false
	}
	return unreserved(path) && unreserved(fragment)
}

// unreserved reports whether s holds only letters, digits, "-._~" and "/".
func unreserved(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && !strings.ContainsRune("-._~/", rune(c)) {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
