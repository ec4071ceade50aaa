package icalendar_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"atelier/icalendar"
	"atelier/internal/apitest/icaltest"
	"atelier/internal/apitest/testclock"

	// An independent parser: a bug in the writer's escaping or folding must
	// not be hidden by the same bug in the reader.
	ical "github.com/emersion/go-ical"
)

var stamp = time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)

// event returns a valid event that a test changes only where it matters.
func event(uid string) icalendar.Event {
	return icalendar.Event{
		UID:          uid,
		Sequence:     0,
		Status:       icalendar.StatusConfirmed,
		Start:        time.Date(2027, 3, 10, 14, 0, 0, 0, time.UTC),
		End:          time.Date(2027, 3, 10, 17, 0, 0, 0, time.UTC),
		Summary:      "Scie à ruban",
		Created:      time.Date(2027, 2, 1, 8, 0, 0, 0, time.UTC),
		LastModified: time.Date(2027, 2, 2, 8, 0, 0, 0, time.UTC),
	}
}

// render writes cal, checks the raw lines and parses the result with the
// independent parser.
func render(t *testing.T, cal icalendar.Calendar) (string, *ical.Calendar) {
	t.Helper()
	var buf bytes.Buffer
	if err := icalendar.Write(&buf, cal); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.String(), icaltest.Parse(t, buf.Bytes())
}

// onlyEvent returns the one VEVENT of cal.
func onlyEvent(t *testing.T, cal *ical.Calendar) ical.Event {
	t.Helper()
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("got %d events, want 1", len(evs))
	}
	return evs[0]
}

// text returns the value of a TEXT property that must occur exactly once.
func text(t *testing.T, props ical.Props, name string) string {
	t.Helper()
	if n := len(props.Values(name)); n != 1 {
		t.Fatalf("%s occurs %d times, want 1", name, n)
	}
	s, err := props.Text(name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

// dateTime returns the instant of a date-time property that must occur
// exactly once, and checks that it is written in UTC form.
func dateTime(t *testing.T, props ical.Props, name string) time.Time {
	t.Helper()
	if n := len(props.Values(name)); n != 1 {
		t.Fatalf("%s occurs %d times, want 1", name, n)
	}
	p := props.Get(name)
	if !strings.HasSuffix(p.Value, "Z") || len(p.Params) != 0 {
		t.Errorf("%s = %q with params %v, want UTC form without TZID", name, p.Value, p.Params)
	}
	v, err := p.DateTime(nil)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

func TestWriteTextRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string // "" means the same as in
	}{
		{name: "plain", in: "Scie à ruban"},
		{name: "comma", in: "Bois, métal, textile"},
		{name: "semicolon", in: "Atelier; zone bois;"},
		{name: "backslash", in: `C:\atelier\plans\ and a trailing \`},
		{name: "escape look-alikes", in: `literal \n \, \; \\ not escapes`},
		{name: "colon", in: "SUMMARY:not a property: really"},
		{name: "newline", in: "line one\nline two\n\nline four"},
		{name: "CRLF", in: "line one\r\nline two", want: "line one\nline two"},
		{name: "CR", in: "line one\rline two\r", want: "line one\nline two\n"},
		{name: "accents and emoji", in: "Réservation: é ë ñ ü ç ß 🪚🔨 👩🏽‍🔧"},
		{name: "Dutch", in: "Lintzaag gereserveerd voor Anaïs en Jeroen; 's middags, na de koffie"},
		{name: "French", in: "Scie à ruban : réservation « atelier bois », être prêt à 14 h ; merci"},
		{name: "tab", in: "a\tb"},
		{name: "control characters dropped", in: "a\x00b\x07c\x1bd\x7fe", want: "abcde"},
		{name: "invalid UTF-8 replaced", in: "caf\xe9 \xff\xfe", want: "caf\uFFFD \uFFFD"},
		{name: "long with spaces", in: strings.Repeat("Découpe laser , ; \\ ", 12)},
		{name: "long double spaces at folds", in: strings.Repeat("é  ", 60)},
		{name: "long one word", in: strings.Repeat("ë", 200)},
	}
	// A summary over 75 octets with a multibyte character straddling the fold
	// for every possible offset of 2-, 3- and 4-octet characters.
	for pad := 60; pad < 72; pad++ {
		for _, r := range []string{"é", "€", "🪚"} {
			in := strings.Repeat("a", pad) + strings.Repeat(r, 30)
			tests = append(tests, struct{ name, in, want string }{
				name: fmt.Sprintf("fold %s after %d ASCII", r, pad), in: in,
			})
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := tt.want
			if want == "" {
				want = tt.in
			}
			e := event("text-1")
			e.Summary, e.Location, e.Description = tt.in, tt.in, tt.in
			_, cal := render(t, icalendar.Calendar{Name: tt.in, Description: tt.in, Stamp: stamp, Events: []icalendar.Event{e}})
			props := onlyEvent(t, cal).Props
			for _, name := range []string{ical.PropSummary, ical.PropLocation, ical.PropDescription} {
				if got := text(t, props, name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			for _, name := range []string{ical.PropName, "X-WR-CALNAME", ical.PropDescription, "X-WR-CALDESC"} {
				if got := text(t, cal.Props, name); got != want {
					t.Errorf("calendar %s = %q, want %q", name, got, want)
				}
			}
		})
	}
}

// TestWriteLineLengths folds text of every length from 0 to 300 characters,
// mixing 1- to 4-octet characters, so that every kind of character lands on
// every fold position.
func TestWriteLineLengths(t *testing.T) {
	t.Parallel()
	alphabet := []rune("aé€🪚 ,;\\\n")
	var sb strings.Builder
	events := make([]icalendar.Event, 0, 301)
	for n := 0; n <= 300; n++ {
		e := event(fmt.Sprintf("len-%d", n))
		e.Summary = sb.String()
		events = append(events, e)
		sb.WriteRune(alphabet[(n*7)%len(alphabet)])
	}
	_, cal := render(t, icalendar.Calendar{Stamp: stamp, Events: events})
	got := cal.Events()
	if len(got) != len(events) {
		t.Fatalf("got %d events, want %d", len(got), len(events))
	}
	for i, ev := range got {
		want := events[i].Summary
		if want == "" {
			if n := len(ev.Props.Values(ical.PropSummary)); n != 0 {
				t.Errorf("event %d: empty summary written %d times", i, n)
			}
			continue
		}
		if s := text(t, ev.Props, ical.PropSummary); s != want {
			t.Errorf("event %d: summary = %q, want %q", i, s, want)
		}
	}
}

// TestWriteNoInjection checks that no user text can start a content line of
// its own: the parsed event must hold exactly the properties Write means to
// write, with the hostile text inside the one value it was given for.
func TestWriteNoInjection(t *testing.T) {
	t.Parallel()
	hostile := "x\r\nX-EVIL:1\nDTSTART:19700101T000000Z\rATTENDEE:mailto:a@example.com\r\n END:VEVENT\n"
	e := event("inject-1")
	e.Summary, e.Location, e.Description = hostile, hostile, hostile
	raw, cal := render(t, icalendar.Calendar{Name: hostile, Description: hostile, Stamp: stamp, Events: []icalendar.Event{e}})

	for _, l := range strings.Split(raw, "\r\n") {
		for _, bad := range []string{"X-EVIL", "ATTENDEE", "DTSTART:1970"} {
			if strings.HasPrefix(l, bad) {
				t.Errorf("injected line %q", l)
			}
		}
	}
	ev := onlyEvent(t, cal)
	for _, name := range []string{"X-EVIL", ical.PropAttendee} {
		if _, ok := ev.Props[name]; ok {
			t.Errorf("event has injected property %s", name)
		}
	}
	if got, want := dateTime(t, ev.Props, ical.PropDateTimeStart), e.Start; !got.Equal(want) {
		t.Errorf("DTSTART = %v, want %v", got, want)
	}
	want := "x\nX-EVIL:1\nDTSTART:19700101T000000Z\nATTENDEE:mailto:a@example.com\n END:VEVENT\n"
	if got := text(t, ev.Props, ical.PropSummary); got != want {
		t.Errorf("SUMMARY = %q, want %q", got, want)
	}
	if got := text(t, cal.Props, ical.PropName); got != want {
		t.Errorf("NAME = %q, want %q", got, want)
	}
}

func TestWriteTimes(t *testing.T) {
	t.Parallel()
	local := func(y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, testclock.Brussels)
	}
	// The UTC values are written out by hand so that a wrong zone rule in
	// the test's own arithmetic cannot agree with a wrong one in the writer.
	tests := []struct {
		name                string
		start, end          time.Time
		wantLocal           string // the booking as the member sees it in Brussels
		wantStart, wantEnd  string
		wantDurationMinutes int
	}{
		{
			name:  "winter afternoon",
			start: local(2027, 1, 12, 14, 0), end: local(2027, 1, 12, 17, 30),
			wantLocal: "14:00 CET - 17:30 CET",
			wantStart: "20270112T130000Z", wantEnd: "20270112T163000Z", wantDurationMinutes: 210,
		},
		{
			name:  "summer evening across midnight",
			start: local(2027, 7, 1, 22, 0), end: local(2027, 7, 2, 1, 0),
			wantStart: "20270701T200000Z", wantEnd: "20270701T230000Z", wantDurationMinutes: 180,
		},
		{
			// 02:00 CET jumps to 03:00 CEST: 01:30-03:30 lasts one hour.
			name:  "spring forward 2027-03-28 01:30-03:30",
			start: local(2027, 3, 28, 1, 30), end: local(2027, 3, 28, 3, 30),
			wantLocal: "01:30 CET - 03:30 CEST",
			wantStart: "20270328T003000Z", wantEnd: "20270328T013000Z", wantDurationMinutes: 60,
		},
		{
			// 03:00 CEST falls back to 02:00 CET: 01:30-03:30 lasts three hours.
			name:  "fall back 2027-10-31 01:30-03:30",
			start: local(2027, 10, 31, 1, 30), end: local(2027, 10, 31, 3, 30),
			wantLocal: "01:30 CEST - 03:30 CET",
			wantStart: "20271030T233000Z", wantEnd: "20271031T023000Z", wantDurationMinutes: 180,
		},
		{
			// 02:30 happens twice: from 02:30 CEST to 02:30 CET. time.Date
			// does not promise which one it picks, so start from instants.
			name:  "fall back 2027-10-31 the repeated 02:30 hour",
			start: time.Date(2027, 10, 31, 0, 30, 0, 0, time.UTC).In(testclock.Brussels), end: time.Date(2027, 10, 31, 1, 30, 0, 0, time.UTC).In(testclock.Brussels),
			wantLocal: "02:30 CEST - 02:30 CET",
			wantStart: "20271031T003000Z", wantEnd: "20271031T013000Z", wantDurationMinutes: 60,
		},
		{
			name:  "instant given in another offset",
			start: time.Date(2027, 5, 5, 9, 0, 0, 0, time.FixedZone("UTC-5", -5*3600)), end: time.Date(2027, 5, 5, 15, 0, 0, 0, time.UTC),
			wantStart: "20270505T140000Z", wantEnd: "20270505T150000Z", wantDurationMinutes: 60,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.wantLocal != "" {
				if got := tt.start.In(testclock.Brussels).Format("15:04 MST - ") + tt.end.In(testclock.Brussels).Format("15:04 MST"); got != tt.wantLocal {
					t.Fatalf("test data: %s in Brussels, want %s", got, tt.wantLocal)
				}
			}
			e := event("time-1")
			e.Start, e.End = tt.start, tt.end
			_, cal := render(t, icalendar.Calendar{Stamp: stamp, Events: []icalendar.Event{e}})
			props := onlyEvent(t, cal).Props

			start, end := dateTime(t, props, ical.PropDateTimeStart), dateTime(t, props, ical.PropDateTimeEnd)
			if !start.Equal(tt.start) || !end.Equal(tt.end) {
				t.Errorf("got %v - %v, want %v - %v", start, end, tt.start, tt.end)
			}
			if got := props.Get(ical.PropDateTimeStart).Value; got != tt.wantStart {
				t.Errorf("DTSTART = %s, want %s", got, tt.wantStart)
			}
			if got := props.Get(ical.PropDateTimeEnd).Value; got != tt.wantEnd {
				t.Errorf("DTEND = %s, want %s", got, tt.wantEnd)
			}
			if got := end.Sub(start); got != time.Duration(tt.wantDurationMinutes)*time.Minute {
				t.Errorf("duration = %v, want %d minutes", got, tt.wantDurationMinutes)
			}
			for name, want := range map[string]time.Time{
				ical.PropDateTimeStamp: stamp,
				ical.PropCreated:       e.Created,
				ical.PropLastModified:  e.LastModified,
			} {
				if got := dateTime(t, props, name); !got.Equal(want) {
					t.Errorf("%s = %v, want %v", name, got, want)
				}
			}
		})
	}
}

func TestWriteStatusUIDSequence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		uid        string
		sequence   int
		status     icalendar.Status
		wantTransp string
	}{
		{"booking-1@atelier.example", 0, icalendar.StatusTentative, "OPAQUE"},
		{"booking-2@atelier.example", 1, icalendar.StatusConfirmed, "OPAQUE"},
		{"booking-3@atelier.example", 7, icalendar.StatusCancelled, "TRANSPARENT"},
		{"booking-4,with;odd\\chars@atelier.example", 1 << 20, icalendar.StatusConfirmed, "OPAQUE"},
	}
	events := make([]icalendar.Event, len(tests))
	for i, tt := range tests {
		events[i] = event(tt.uid)
		events[i].Sequence, events[i].Status = tt.sequence, tt.status
	}
	_, cal := render(t, icalendar.Calendar{Stamp: stamp, Events: events})
	got := cal.Events()
	if len(got) != len(tests) {
		t.Fatalf("got %d events, want %d", len(got), len(tests))
	}
	for i, tt := range tests {
		props := got[i].Props
		if uid := text(t, props, ical.PropUID); uid != tt.uid {
			t.Errorf("event %d: UID = %q, want %q", i, uid, tt.uid)
		}
		if n := len(props.Values(ical.PropSequence)); n != 1 {
			t.Fatalf("event %d: SEQUENCE occurs %d times", i, n)
		}
		if seq, err := props.Get(ical.PropSequence).Int(); err != nil || seq != tt.sequence {
			t.Errorf("event %d: SEQUENCE = %d (%v), want %d", i, seq, err, tt.sequence)
		}
		if st, err := got[i].Status(); err != nil || string(st) != string(tt.status) {
			t.Errorf("event %d: STATUS = %q (%v), want %q", i, st, err, tt.status)
		}
		if tr := text(t, props, ical.PropTransparency); tr != tt.wantTransp {
			t.Errorf("event %d: TRANSP = %q, want %q", i, tr, tt.wantTransp)
		}
	}
}

func TestWriteCalendarProperties(t *testing.T) {
	t.Parallel()
	e := event("cal-1")
	e.URL = "https://atelier.example/bookings/42?lang=fr#détail"
	raw, cal := render(t, icalendar.Calendar{Name: "Atelier — Anaïs", Stamp: stamp, Events: []icalendar.Event{e}})

	if !strings.HasPrefix(raw, "BEGIN:VCALENDAR\r\n") || !strings.HasSuffix(raw, "END:VCALENDAR\r\n") {
		t.Errorf("not wrapped in BEGIN/END:VCALENDAR:\n%s", raw)
	}
	for name, want := range map[string]string{
		ical.PropVersion:       "2.0",
		ical.PropCalendarScale: "GREGORIAN",
		ical.PropMethod:        "PUBLISH",
		ical.PropName:          "Atelier — Anaïs",
		"X-WR-CALNAME":         "Atelier — Anaïs",
		"X-PUBLISHED-TTL":      "PT15M",
	} {
		if got := text(t, cal.Props, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if got := text(t, cal.Props, ical.PropProductID); !strings.Contains(got, "Atelier") {
		t.Errorf("PRODID = %q, want it to name Atelier", got)
	}
	// The parser merges repeated parameters, so the raw line is checked too.
	if !strings.Contains(raw, "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT15M\r\n") {
		t.Errorf("no REFRESH-INTERVAL;VALUE=DURATION:PT15M line:\n%s", raw)
	}
	if n := len(cal.Props.Values(ical.PropRefreshInterval)); n != 1 {
		t.Fatalf("REFRESH-INTERVAL occurs %d times, want 1", n)
	}
	ri := cal.Props.Get(ical.PropRefreshInterval)
	if d, err := ri.Duration(); err != nil || d != 15*time.Minute || len(ri.Params.Values(ical.ParamValue)) != 1 {
		t.Errorf("REFRESH-INTERVAL = %q %v (%v), want VALUE=DURATION:PT15M", ri.Value, ri.Params, err)
	}
	if _, ok := cal.Props[ical.PropDescription]; ok {
		t.Errorf("empty calendar description written")
	}
	u, err := onlyEvent(t, cal).Props.URI(ical.PropURL)
	if err != nil || u == nil {
		t.Fatalf("URL: %v", err)
	}
	if u.Host != "atelier.example" || u.Path != "/bookings/42" || u.RawQuery != "lang=fr" || u.Fragment != "détail" {
		t.Errorf("URL = %s, want the booking link back", u)
	}
}

// TestWriteExactOutput pins the whole output for one event, because the
// parser forgives what clients may not (a repeated parameter, for one).
func TestWriteExactOutput(t *testing.T) {
	t.Parallel()
	e := event("booking-42@atelier.example")
	e.Sequence, e.Status = 3, icalendar.StatusCancelled
	e.Summary = "Lintzaag, reservering voor Anaïs; één keer \\ en een lange tekst met 🪚 erin"
	e.Location = "Atelier Molenbeek, zone bois"
	e.Description = "Note : découpe\r\nhttps://atelier.example/bookings/42"
	e.URL = "https://atelier.example/bookings/42"
	raw, _ := render(t, icalendar.Calendar{Name: "Atelier — Anaïs", Stamp: stamp, Events: []icalendar.Event{e}})
	want := strings.Join([]string{
		"BEGIN:VCALENDAR",
		"VERSION:2.0",
		"PRODID:-//Atelier//Atelier bookings//EN",
		"CALSCALE:GREGORIAN",
		"METHOD:PUBLISH",
		"NAME:Atelier — Anaïs",
		"X-WR-CALNAME:Atelier — Anaïs",
		"REFRESH-INTERVAL;VALUE=DURATION:PT15M",
		"X-PUBLISHED-TTL:PT15M",
		"BEGIN:VEVENT",
		"UID:booking-42@atelier.example",
		"SEQUENCE:3",
		"STATUS:CANCELLED",
		"DTSTAMP:20270301T090000Z",
		"DTSTART:20270310T140000Z",
		"DTEND:20270310T170000Z",
		"CREATED:20270201T080000Z",
		"LAST-MODIFIED:20270202T080000Z",
		// Folded before a space: unfolding drops only the first one.
		"SUMMARY:Lintzaag\\, reservering voor Anaïs\\; één keer \\\\ en een lange",
		"  tekst met 🪚 erin",
		"LOCATION:Atelier Molenbeek\\, zone bois",
		"DESCRIPTION:Note : découpe\\nhttps://atelier.example/bookings/42",
		"URL:https://atelier.example/bookings/42",
		"TRANSP:TRANSPARENT",
		"END:VEVENT",
		"END:VCALENDAR",
		"",
	}, "\r\n")
	if raw != want {
		t.Errorf("got\n%s\nwant\n%s", raw, want)
	}
}

func TestWriteOmitsEmptyFields(t *testing.T) {
	t.Parallel()
	e := event("empty-1")
	e.Summary, e.Location, e.Description, e.URL = "", "", "", ""
	e.Created, e.LastModified = time.Time{}, time.Time{}
	_, cal := render(t, icalendar.Calendar{Stamp: stamp, Events: []icalendar.Event{e}})
	props := onlyEvent(t, cal).Props
	for _, name := range []string{ical.PropSummary, ical.PropLocation, ical.PropDescription, ical.PropURL, ical.PropCreated, ical.PropLastModified} {
		if _, ok := props[name]; ok {
			t.Errorf("%s written for an empty value: %q", name, props.Get(name).Value)
		}
	}
	for _, name := range []string{ical.PropUID, ical.PropDateTimeStamp, ical.PropDateTimeStart, ical.PropDateTimeEnd, ical.PropSequence, ical.PropStatus} {
		if _, ok := props[name]; !ok {
			t.Errorf("%s missing", name)
		}
	}
}

func TestWriteEmptyCalendar(t *testing.T) {
	t.Parallel()
	for _, c := range []icalendar.Calendar{{}, {Name: "Atelier", Stamp: stamp, Events: []icalendar.Event{}}} {
		raw, cal := render(t, c)
		if n := len(cal.Children); n != 0 {
			t.Errorf("got %d components, want none:\n%s", n, raw)
		}
		for _, name := range []string{ical.PropProductID, ical.PropVersion, ical.PropMethod} {
			if n := len(cal.Props.Values(name)); n != 1 {
				t.Errorf("%s occurs %d times, want 1:\n%s", name, n, raw)
			}
		}
	}
}

func TestWriteRejectsInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*icalendar.Calendar)
	}{
		{"empty UID", func(c *icalendar.Calendar) { c.Events[1].UID = "" }},
		{"UID of control characters only", func(c *icalendar.Calendar) { c.Events[1].UID = "\x00\x01" }},
		{"empty status", func(c *icalendar.Calendar) { c.Events[1].Status = "" }},
		{"unknown status", func(c *icalendar.Calendar) { c.Events[1].Status = "confirmed" }},
		{"negative sequence", func(c *icalendar.Calendar) { c.Events[1].Sequence = -1 }},
		{"zero start", func(c *icalendar.Calendar) { c.Events[1].Start = time.Time{} }},
		{"end before start", func(c *icalendar.Calendar) { c.Events[1].End = c.Events[1].Start.Add(-time.Minute) }},
		{"end equal to start", func(c *icalendar.Calendar) { c.Events[1].End = c.Events[1].Start }},
		{"relative URL", func(c *icalendar.Calendar) { c.Events[1].URL = "/bookings/42" }},
		{"URL with CRLF", func(c *icalendar.Calendar) { c.Events[1].URL = "https://a.example/\r\nX-EVIL:1" }},
		{"URL with space in query", func(c *icalendar.Calendar) { c.Events[1].URL = "https://a.example/?q=a b" }},
		{"zero stamp", func(c *icalendar.Calendar) { c.Stamp = time.Time{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cal := icalendar.Calendar{Name: "Atelier", Stamp: stamp, Events: []icalendar.Event{event("ok-1"), event("bad-1")}}
			tt.change(&cal)
			var buf bytes.Buffer
			err := icalendar.Write(&buf, cal)
			if !errors.Is(err, icalendar.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes before failing", buf.Len())
			}
		})
	}
}

// failingWriter accepts limit bytes, then fails.
type failingWriter struct{ limit int }

var errDisk = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.limit {
		n := w.limit
		w.limit = 0
		return n, errDisk
	}
	w.limit -= len(p)
	return len(p), nil
}

func TestWriteReportsWriterErrors(t *testing.T) {
	t.Parallel()
	small := icalendar.Calendar{}
	big := icalendar.Calendar{Stamp: stamp, Events: make([]icalendar.Event, 500)}
	for i := range big.Events {
		big.Events[i] = event(fmt.Sprintf("big-%d", i))
	}
	var full bytes.Buffer
	if err := icalendar.Write(&full, small); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		cal   icalendar.Calendar
		limit int
	}{
		{"empty calendar, fails at once", small, 0},
		// The library ignores the error of its END:VCALENDAR write.
		{"empty calendar, fails on the last byte", small, full.Len() - 1},
		{"big calendar, fails midway", big, 50_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := icalendar.Write(&failingWriter{limit: tt.limit}, tt.cal); !errors.Is(err, errDisk) {
				t.Errorf("err = %v, want %v", err, errDisk)
			}
		})
	}
}

// feed returns a member's feed of n bookings as Atelier writes them: text
// long enough to fold, accents, and a link back to each booking.
func feed(n int) icalendar.Calendar {
	start := time.Date(2027, 1, 4, 8, 0, 0, 0, time.UTC)
	statuses := []icalendar.Status{icalendar.StatusConfirmed, icalendar.StatusTentative, icalendar.StatusCancelled}
	cal := icalendar.Calendar{
		Name:        "Atelier — réservations de Anaïs Dubois",
		Description: "Vos réservations à l'atelier",
		Stamp:       time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		Events:      make([]icalendar.Event, n),
	}
	for i := range cal.Events {
		s := start.Add(time.Duration(i) * 3 * time.Hour)
		cal.Events[i] = icalendar.Event{
			UID:          fmt.Sprintf("booking-%d@atelier.example", i+1),
			Sequence:     i % 4,
			Status:       statuses[i%len(statuses)],
			Start:        s,
			End:          s.Add(2 * time.Hour),
			Summary:      "Scie à ruban (bois massif), réservation confirmée",
			Location:     "Atelier Molenbeek, zone bois; rez-de-chaussée",
			Description:  "Note : découpe de 12 planches de chêne, prévoir l'aspiration.\nRéservation : https://atelier.example/bookings/" + fmt.Sprint(i+1),
			URL:          fmt.Sprintf("https://atelier.example/bookings/%d", i+1),
			Created:      s.Add(-72 * time.Hour),
			LastModified: s.Add(-24 * time.Hour),
		}
	}
	return cal
}

func TestWriteFeed2000(t *testing.T) {
	t.Parallel()
	cal := feed(2000)
	_, parsed := render(t, cal)
	got := parsed.Events()
	if len(got) != len(cal.Events) {
		t.Fatalf("got %d events, want %d", len(got), len(cal.Events))
	}
	for i, ev := range got {
		want := cal.Events[i]
		if uid := text(t, ev.Props, ical.PropUID); uid != want.UID {
			t.Fatalf("event %d: UID = %q, want %q", i, uid, want.UID)
		}
		if d := text(t, ev.Props, ical.PropDescription); d != want.Description {
			t.Fatalf("event %d: DESCRIPTION = %q, want %q", i, d, want.Description)
		}
	}
}

func BenchmarkWrite2000(b *testing.B) {
	cal := feed(2000)
	var buf bytes.Buffer
	if err := icalendar.Write(&buf, cal); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if err := icalendar.Write(io.Discard, cal); err != nil {
			b.Fatal(err)
		}
	}
}
