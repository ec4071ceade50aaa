package icalendar

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"
)

// libraryWrite is Write as it was when it went through
// github.com/arran4/golang-ical: Write must give the same bytes, so that
// nothing changes for the clients that hold Atelier's feeds.
func libraryWrite(cal Calendar) ([]byte, error) {
	if len(cal.Events) > 0 && cal.Stamp.IsZero() {
		return nil, fmt.Errorf("%w: zero Stamp", ErrInvalid)
	}
	c := ics.NewCalendarFor("Atelier")
	c.SetProductId(productID)
	c.SetCalscale("GREGORIAN")
	c.SetMethod(ics.MethodPublish)
	if name := cleanText(cal.Name); name != "" {
		c.SetName(name)
	}
	if desc := cleanText(cal.Description); desc != "" {
		c.SetDescription(desc)
		c.SetXWRCalDesc(desc)
	}
	c.SetRefreshInterval(refreshInterval)
	c.SetXPublishedTTL(refreshInterval)
	for i := range cal.Events {
		ev, err := libraryEvent(&cal.Events[i], cal.Stamp)
		if err != nil {
			return nil, fmt.Errorf("%w: event %d (UID %q): %w", ErrInvalid, i, cal.Events[i].UID, err)
		}
		c.AddVEvent(ev)
	}
	var buf bytes.Buffer
	err := c.SerializeTo(&buf, ics.WithNewLineWindows)
	return buf.Bytes(), err
}

func libraryEvent(e *Event, stamp time.Time) (*ics.VEvent, error) {
	uid := cleanText(e.UID)
	if uid == "" {
		return nil, errors.New("empty UID")
	}
	var transp ics.TimeTransparency
	switch e.Status {
	case StatusTentative, StatusConfirmed:
		transp = ics.TransparencyOpaque
	case StatusCancelled:
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
	ev.SetSequence(e.Sequence)
	ev.SetStatus(ics.ObjectStatus(e.Status))
	ev.SetDtStampTime(stamp)
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

// sameAsLibrary fails t when Write and libraryWrite differ on cal, in
// their bytes or in their error.
func sameAsLibrary(t *testing.T, cal Calendar) {
	t.Helper()
	want, wantErr := libraryWrite(cal)
	var got bytes.Buffer
	err := Write(&got, cal)
	switch {
	case (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()):
		t.Fatalf("error %v, the library's %v", err, wantErr)
	case err != nil && got.Len() != 0:
		t.Fatalf("wrote %d bytes before failing", got.Len())
	case err == nil && !bytes.Equal(got.Bytes(), want):
		g, w := strings.Split(got.String(), "\r\n"), strings.Split(string(want), "\r\n")
		for i := range min(len(g), len(w)) {
			if g[i] != w[i] {
				t.Fatalf("line %d: got %q, the library wrote %q", i+1, g[i], w[i])
			}
		}
		t.Fatalf("got %d lines, the library wrote %d", len(g), len(w))
	}
}

// pieces are what random text is made of: what escaping and folding look
// at (spaces, '<' and '>', the escaped characters, line breaks and control
// characters, characters of two, three and four bytes, invalid UTF-8) and
// runs long enough to fold.
var pieces = []string{
	" ", "  ", "<", ">", "<a@b>", ",", ";", ":", `"`, "'", `\`, "\n", "\r", "\r\n", "\t", "\x00", "\x1f", "\x7f",
	"é", "ï", "—", "€", "木", "🪚", "\xff", "\xc3", "\xe2\x82",
	"a", "Scie", "réservation", "https://x.example/a?b=c", "atelier@example.org",
	strings.Repeat("x", 70), strings.Repeat("é", 40), strings.Repeat("🪚", 20), strings.Repeat("ab ", 30),
}

func randomText(r *rand.Rand, max int) string {
	var b strings.Builder
	for n := r.IntN(max + 1); n > 0; n-- {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

func randomTime(r *rand.Rand) time.Time {
	zones := []*time.Location{time.UTC, time.FixedZone("", 2*3600+30*60), time.FixedZone("", -11*3600)}
	years := []int{2027, 2027, 2027, 1, 999, 9999, 10000, -5}
	return time.Date(years[r.IntN(len(years))], time.Month(1+r.IntN(12)), 1+r.IntN(31), r.IntN(24), r.IntN(60), r.IntN(60),
		r.IntN(1e9), zones[r.IntN(len(zones))])
}

func randomCalendar(r *rand.Rand) Calendar {
	cal := Calendar{Name: randomText(r, 6), Stamp: randomTime(r)}
	if r.IntN(2) == 0 {
		cal.Description = randomText(r, 6)
	}
	statuses := []Status{StatusTentative, StatusConfirmed, StatusCancelled}
	urls := []string{"", "https://atelier.example/#/bookings/42", "http://localhost:8080/#/bookings/7",
		"https://a.example/p%20q?x=1&y=é", "https://xn--atelir-bva.example/" + strings.Repeat("long/", 20)}
	for n := r.IntN(5); n > 0; n-- {
		start := randomTime(r)
		e := Event{
			UID:         randomText(r, 3) + "x",
			Sequence:    r.IntN(1000),
			Status:      statuses[r.IntN(len(statuses))],
			Start:       start,
			End:         start.Add(time.Duration(1+r.IntN(1e6)) * time.Second),
			Summary:     randomText(r, 8),
			Location:    randomText(r, 4),
			Description: randomText(r, 12),
			URL:         urls[r.IntN(len(urls))],
		}
		if r.IntN(3) > 0 {
			e.Created, e.LastModified = randomTime(r), randomTime(r)
		}
		if r.IntN(3) > 0 {
			e.Organizer = Organizer{Name: randomText(r, 4), Email: "atelier@" + []string{"atelier.example", "localhost", "a-b.example"}[r.IntN(3)]}
		}
		cal.Events = append(cal.Events, e)
	}
	return cal
}

// TestWriteSameAsLibrary compares Write with the library on random
// calendars made to fold and escape at every awkward place.
func TestWriteSameAsLibrary(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(17, 2027))
	for i := 0; i < 3000; i++ {
		cal := randomCalendar(r)
		t.Run(fmt.Sprint(i), func(t *testing.T) { sameAsLibrary(t, cal) })
	}
}

// TestWriteSameAsLibraryRefusals: an invalid calendar is refused with the
// same error, before anything is written.
func TestWriteSameAsLibraryRefusals(t *testing.T) {
	t.Parallel()
	ok := Event{UID: "ok", Status: StatusConfirmed, Start: time.Unix(1e9, 0), End: time.Unix(1e9+60, 0)}
	for _, change := range []func(*Calendar){
		func(c *Calendar) { c.Stamp = time.Time{} },
		func(c *Calendar) { c.Events[1].UID = "\x00" },
		func(c *Calendar) { c.Events[1].Status = "confirmed" },
		func(c *Calendar) { c.Events[1].Sequence = -1 },
		func(c *Calendar) { c.Events[1].Start = time.Time{} },
		func(c *Calendar) { c.Events[1].End = c.Events[1].Start },
		func(c *Calendar) { c.Events[1].URL = "/relative" },
		func(c *Calendar) { c.Events[1].URL = "https://a.example/ b" },
	} {
		cal := Calendar{Stamp: time.Unix(1e9, 0), Events: []Event{ok, ok}}
		change(&cal)
		sameAsLibrary(t, cal)
	}
}

// FuzzWriteSameAsLibrary: go test -fuzz WriteSameAsLibrary ./icalendar
func FuzzWriteSameAsLibrary(f *testing.F) {
	for _, p := range pieces {
		f.Add(p, p+" "+p, "Atelier "+p)
	}
	f.Fuzz(func(t *testing.T, summary, description, name string) {
		start := time.Date(2027, 3, 10, 14, 0, 0, 0, time.UTC)
		sameAsLibrary(t, Calendar{Name: name, Description: description, Stamp: start, Events: []Event{{
			UID: "booking-1@" + name + "x", Status: StatusConfirmed, Start: start, End: start.Add(time.Hour),
			Summary: summary, Location: name, Description: description,
			Organizer: Organizer{Name: summary, Email: "atelier@atelier.example"},
		}}})
	})
}

// TestPlainURL: a URL plainURL lets through without parsing is one that
// parseURL writes back unchanged, and Atelier's own links are such URLs.
func TestPlainURL(t *testing.T) {
	t.Parallel()
	for raw, plain := range map[string]bool{
		"http://atelier.test/#/bookings/42":           true,
		"https://atelier.example:8443/x/#/bookings/7": true,
		"http://localhost:8080/#/bookings/1":          true,
		"https://Atelier.Example/a-b_c.d~e":           true,
		"http://":                                     false,
		"http://host#":                                false,
		"HTTP://host/":                                false,
		"http://host/a b":                             false,
		"http://host/?q=1":                            false,
		"http://host/%41":                             false,
		"http://user@host/":                           false,
		"http://host:x/":                              false,
		"ftp://host/":                                 false,
	} {
		if got := plainURL(raw); got != plain {
			t.Errorf("plainURL(%q) = %v, want %v", raw, got, plain)
		}
	}
	pieces := []string{"http://", "https://", "HTTP://", "a", "Z", "0", "9", ".", "-", "_", "~", "/", "#", ":", "?", "=",
		"&", "%", "%2F", "%zz", "@", "[", "]", "[::1]", " ", "é", "\r\n", "+", "!", "//", "..", "host.example", ":8080", "/#/bookings/42"}
	r := rand.New(rand.NewPCG(5545, 3986))
	accepted := 0
	for range 200_000 {
		var b strings.Builder
		b.WriteString(pieces[r.IntN(2)])
		for n := r.IntN(8); n > 0; n-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		raw := b.String()
		if !plainURL(raw) {
			continue
		}
		accepted++
		if got, err := parseURL(raw); err != nil || got != raw {
			t.Fatalf("plainURL lets %q through, but parseURL writes %q (%v)", raw, got, err)
		}
	}
	if accepted < 10_000 {
		t.Fatalf("only %d random URLs were plain: the test checks too little", accepted)
	}
}

// FuzzPlainURL: go test -fuzz PlainURL ./icalendar
func FuzzPlainURL(f *testing.F) {
	f.Add("http://atelier.test/#/bookings/42")
	f.Add("https://a.example:1/b#c")
	f.Fuzz(func(t *testing.T, raw string) {
		if !plainURL(raw) {
			return
		}
		if got, err := parseURL(raw); err != nil || got != raw {
			t.Fatalf("plainURL lets %q through, but parseURL writes %q (%v)", raw, got, err)
		}
	})
}

// TestIsCleanText: one pass says what the two checks it replaced said.
func TestIsCleanText(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(20, 27))
	for range 100_000 {
		s := randomText(r, 4)
		want := utf8.ValidString(s) && !strings.ContainsFunc(s, func(c rune) bool {
			return (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f
		})
		if got := isCleanText(s); got != want {
			t.Fatalf("isCleanText(%q) = %v, want %v", s, got, want)
		}
	}
}
