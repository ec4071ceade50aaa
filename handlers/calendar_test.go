package handlers_test

// The calendar feeds, read the way a calendar client reads them: every feed
// is parsed with github.com/emersion/go-ical, an iCalendar parser that has
// nothing to do with the writer that produced it, and checked event by
// event against the bookings the API reports.
//
// This file holds the feed reader, what the feeds say and libical's
// verdict on them; who may read which feed is in calendar_access_test.go,
// conditional requests and the feed cache in calendar_conditional_test.go.

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"atelier/internal/apitest"
	"atelier/internal/apitest/icaltest"
	"atelier/internal/apitest/testclock"
	"atelier/models"

	"github.com/emersion/go-ical"
)

// publicURL is the address apitest gives Atelier; feed URLs start with it.
const publicURL = "http://atelier.test"

// feed is a calendar as the independent parser read it.
type feed struct {
	raw    []byte
	cal    *ical.Calendar
	events []ical.Event
	byUID  map[string]ical.Event
}

// parseICS parses body with go-ical and checks what every Atelier calendar
// must have: RFC 5545 line endings and folding, VERSION, PRODID,
// METHOD:PUBLISH, and on each event a unique UID, a DTSTAMP and times.
func parseICS(t testing.TB, body []byte) *feed {
	t.Helper()
	cal := icaltest.Parse(t, body)
	if cal.Name != ical.CompCalendar {
		t.Fatalf("top component is %q, want VCALENDAR", cal.Name)
	}
	if v := propText(t, cal.Component, ical.PropVersion); v != "2.0" {
		t.Fatalf("VERSION %q, want 2.0", v)
	}
	if propText(t, cal.Component, ical.PropProductID) == "" {
		t.Fatalf("no PRODID\n%s", body)
	}
	if m := propText(t, cal.Component, ical.PropMethod); m != "PUBLISH" {
		t.Fatalf("METHOD %q, want PUBLISH", m)
	}
	f := &feed{raw: body, cal: cal, events: cal.Events(), byUID: map[string]ical.Event{}}
	for _, ev := range f.events {
		uid := propText(t, ev.Component, ical.PropUID)
		if uid == "" {
			t.Fatalf("an event has no UID\n%s", body)
		}
		if _, dup := f.byUID[uid]; dup {
			t.Fatalf("UID %q appears twice\n%s", uid, body)
		}
		f.byUID[uid] = ev
		for _, p := range []string{ical.PropDateTimeStamp, ical.PropDateTimeStart, ical.PropDateTimeEnd, ical.PropStatus, ical.PropSummary} {
			if ev.Props.Get(p) == nil {
				t.Fatalf("event %s has no %s\n%s", uid, p, body)
			}
		}
		f.time(t, ev, ical.PropDateTimeStamp)
	}
	return f
}

func tail(b []byte) []byte {
	if len(b) > 40 {
		return b[len(b)-40:]
	}
	return b
}

// propText returns the one TEXT value of a property, "" when absent. An
// unescaped comma would make it a list of several values: that fails.
func propText(t testing.TB, c *ical.Component, name string) string {
	t.Helper()
	p := c.Props.Get(name)
	if p == nil {
		return ""
	}
	l, err := p.TextList()
	if err != nil {
		t.Fatalf("%s %q: %v", name, p.Value, err)
	}
	if len(l) != 1 {
		t.Fatalf("%s %q reads as %d values: a comma is not escaped", name, p.Value, len(l))
	}
	return l[0]
}

// time reads a DATE-TIME property as an instant: UTC ("Z") or with a TZID
// that the calendar defines in a VTIMEZONE. A floating time or a date fails:
// a client would place it in its own zone.
func (f *feed) time(t testing.TB, ev ical.Event, name string) time.Time {
	t.Helper()
	p := ev.Props.Get(name)
	if p == nil {
		t.Fatalf("no %s", name)
	}
	if p.ValueType() == ical.ValueDate || len(p.Value) == 8 {
		t.Fatalf("%s %q is a date, not a date-time", name, p.Value)
	}
	if tzid := p.Params.Get(ical.PropTimezoneID); tzid != "" {
		found := false
		for _, c := range f.cal.Children {
			if c.Name == ical.CompTimezone && propText(t, c, ical.PropTimezoneID) == tzid {
				found = true
			}
		}
		if !found {
			t.Fatalf("%s uses TZID %q without a VTIMEZONE for it", name, tzid)
		}
	} else if !strings.HasSuffix(p.Value, "Z") {
		t.Fatalf("%s %q is a floating time", name, p.Value)
	}
	v, err := p.DateTime(time.UTC)
	if err != nil {
		t.Fatalf("%s %q: %v", name, p.Value, err)
	}
	return v
}

// event returns the event with uid, failing when the feed lacks it.
func (f *feed) event(t testing.TB, uid string) ical.Event {
	t.Helper()
	ev, ok := f.byUID[uid]
	if !ok {
		t.Fatalf("no event with UID %q in\n%s", uid, f.raw)
	}
	return ev
}

// startingAt returns the one event that starts at start: busy views have
// opaque UIDs, so tests find their events by time.
func (f *feed) startingAt(t testing.TB, start time.Time) ical.Event {
	t.Helper()
	var found []ical.Event
	for _, ev := range f.events {
		if p := ev.Props.Get(ical.PropDateTimeStart); p != nil && f.time(t, ev, ical.PropDateTimeStart).Equal(start) {
			found = append(found, ev)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d events start at %s in\n%s", len(found), start, f.raw)
	}
	return found[0]
}

// summaries returns every event's SUMMARY.
func (f *feed) summaries(t testing.TB) []string {
	var out []string
	for _, ev := range f.events {
		out = append(out, propText(t, ev.Component, ical.PropSummary))
	}
	return out
}

func sequence(t testing.TB, ev ical.Event) int {
	t.Helper()
	p := ev.Props.Get(ical.PropSequence)
	if p == nil {
		return 0 // RFC 5545: absent means 0
	}
	n, err := p.Int()
	if err != nil {
		t.Fatalf("SEQUENCE %q: %v", p.Value, err)
	}
	return n
}

// status returns an event's STATUS.
func status(t testing.TB, ev ical.Event) ical.EventStatus {
	t.Helper()
	st, err := ev.Status()
	if err != nil {
		t.Fatalf("STATUS: %v", err)
	}
	return st
}

// calName returns the calendar's name as clients read it.
func calName(t testing.TB, f *feed) string {
	t.Helper()
	name := propText(t, f.cal.Component, "X-WR-CALNAME")
	if n := propText(t, f.cal.Component, ical.PropName); n != "" {
		if name != "" && name != n {
			t.Fatalf("NAME %q and X-WR-CALNAME %q differ", n, name)
		}
		name = n
	}
	if name == "" {
		t.Fatalf("the calendar has no name\n%s", f.raw)
	}
	return name
}

// booking is a booking as the JSON API reports it.
type booking struct {
	ID           int64     `json:"id"`
	ResourceName string    `json:"resource_name"`
	MemberName   string    `json:"member_name"`
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
	Status       string    `json:"status"`
	Note         string    `json:"note"`
	Sequence     int       `json:"sequence"`
}

func book(t testing.TB, env *apitest.Env, token string, resource int64, start, end, note string) booking {
	t.Helper()
	body := apitest.Slot(resource, start, end)
	body["note"] = note
	var b booking
	env.Must(t, 201, "POST", "/api/v1/bookings", token, body).Decode(t, &b)
	return b
}

func decide(t testing.TB, env *apitest.Env, token string, id int64, move, reason string) booking {
	t.Helper()
	var b booking
	env.Must(t, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/%s", id, move), token, map[string]any{"reason": reason}).Decode(t, &b)
	return b
}

// feedPath asks for the caller's feed URL and returns its path.
func feedPath(t testing.TB, env *apitest.Env, method, route, token string) string {
	t.Helper()
	var u struct {
		URL string `json:"url"`
	}
	env.Must(t, 200, method, route, token, nil).Decode(t, &u)
	path, ok := strings.CutPrefix(u.URL, publicURL+"/calendar/")
	if !ok || !strings.HasSuffix(path, ".ics") {
		t.Fatalf("feed URL %q is not %s/calendar/{token}.ics", u.URL, publicURL)
	}
	// At least 128 random bits: 22 characters of base64, more of hex.
	if secret := strings.TrimSuffix(path, ".ics"); len(secret) < 22 {
		t.Fatalf("feed secret %q is too short to hold 128 bits", secret)
	}
	return "/calendar/" + path
}

func myFeed(t testing.TB, env *apitest.Env, token string) string {
	t.Helper()
	return feedPath(t, env, "GET", "/api/v1/me/calendar", token)
}

// get fetches a calendar (with token, or none for a secret feed) and
// checks its answer before parsing it.
func get(t testing.TB, env *apitest.Env, path, token string) *feed {
	t.Helper()
	r := env.Must(t, 200, "GET", path, token, nil)
	if ct := r.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Fatalf("GET %s: Content-Type %q, want text/calendar; charset=utf-8", path, ct)
	}
	return parseICS(t, r.Body)
}

// uidOf reads the UID of a booking from its own .ics, as its owner.
func uidOf(t testing.TB, env *apitest.Env, token string, id int64) string {
	t.Helper()
	f := get(t, env, fmt.Sprintf("/api/v1/bookings/%d/ics", id), token)
	if len(f.events) != 1 {
		t.Fatalf("booking %d's .ics has %d events, want 1", id, len(f.events))
	}
	return propText(t, f.events[0].Component, ical.PropUID)
}

// checkTimes checks that an event's DTSTART and DTEND are the instants.
func checkTimes(t testing.TB, f *feed, ev ical.Event, start, end time.Time) {
	t.Helper()
	s, e := f.time(t, ev, ical.PropDateTimeStart), f.time(t, ev, ical.PropDateTimeEnd)
	if !s.Equal(start) || !e.Equal(end) {
		t.Fatalf("event %s runs %s - %s, want %s - %s", propText(t, ev.Component, ical.PropUID),
			s.UTC().Format(time.RFC3339), e.UTC().Format(time.RFC3339), start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339))
	}
}

func setLanguage(t testing.TB, env *apitest.Env, token, lang string) {
	t.Helper()
	env.Must(t, 200, "PATCH", "/api/v1/me", token, map[string]any{"language": lang})
}

func requireApproval(t testing.TB, env *apitest.Env, w apitest.Workshop, resource int64) {
	t.Helper()
	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/resources/%d", resource), w.Manager.Token, map[string]any{"requires_approval": true})
}

// openAllDay opens the test site around the clock, every day.
func openAllDay(t testing.TB, env *apitest.Env, w apitest.Workshop) {
	t.Helper()
	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/sites/%d", w.SiteID), w.Admin.Token, map[string]any{
		"opening_hours": []map[string]any{{"days": []int{1, 2, 3, 4, 5, 6, 7}, "from": "00:00", "to": "24:00"}}})
}

func utc(month time.Month, day, hour, min int) time.Time {
	return time.Date(2027, month, day, hour, min, 0, 0, time.UTC)
}

// TestCalendarFeedTimesOnDSTDays books across both of Brussels' 2027
// daylight-saving changes and finds each booking at its exact instant in
// every view: the member feed, the one-booking .ics, the resource calendar
// and the public resource feed.
func TestCalendarFeedTimesOnDSTDays(t *testing.T) {
	env := apitest.New(t)
	env.Clock.Set(time.Date(2027, 3, 20, 7, 0, 0, 0, testclock.Brussels))
	w := env.NewWorkshop(t)
	openAllDay(t, env, w)
	m := env.NewUser(t, models.RoleMember, "Dana Dst")

	cases := []struct {
		name       string
		resource   int64
		start, end string // as a member would type them, local offsets
		want       [2]time.Time
	}{
		{"28 March, 01:00 CET to 04:00 CEST over the skipped hour", w.Machine,
			"2027-03-28T01:00:00+01:00", "2027-03-28T04:00:00+02:00", [2]time.Time{utc(3, 28, 0, 0), utc(3, 28, 2, 0)}},
		{"28 March, the evening before", w.Machine,
			apitest.At(2027, 3, 27, 22, 0), apitest.At(2027, 3, 27, 23, 30), [2]time.Time{utc(3, 27, 21, 0), utc(3, 27, 22, 30)}},
		{"28 March, in summer time", w.Machine,
			apitest.At(2027, 3, 28, 12, 0), apitest.At(2027, 3, 28, 13, 30), [2]time.Time{utc(3, 28, 10, 0), utc(3, 28, 11, 30)}},
		{"31 October, 01:30 CEST to 03:30 CET over the repeated hour", w.Machine,
			"2027-10-31T01:30:00+02:00", "2027-10-31T03:30:00+01:00", [2]time.Time{utc(10, 30, 23, 30), utc(10, 31, 2, 30)}},
		{"31 October, the first 02:00-02:30 (CEST)", w.Space,
			"2027-10-31T02:00:00+02:00", "2027-10-31T02:30:00+02:00", [2]time.Time{utc(10, 31, 0, 0), utc(10, 31, 0, 30)}},
		{"31 October, the second 02:00-02:30 (CET)", w.Space,
			"2027-10-31T02:00:00+01:00", "2027-10-31T02:30:00+01:00", [2]time.Time{utc(10, 31, 1, 0), utc(10, 31, 1, 30)}},
		{"31 October, in winter time", w.Machine,
			apitest.At(2027, 10, 31, 12, 0), apitest.At(2027, 10, 31, 13, 0), [2]time.Time{utc(10, 31, 11, 0), utc(10, 31, 12, 0)}},
	}
	bookings := make([]booking, len(cases))
	uids := make([]string, len(cases))
	for i, c := range cases {
		bookings[i] = book(t, env, m.Token, c.resource, c.start, c.end, "")
		if !bookings[i].Start.Equal(c.want[0]) || !bookings[i].End.Equal(c.want[1]) {
			t.Fatalf("%s: the API stored %s - %s", c.name, bookings[i].Start, bookings[i].End)
		}
		uids[i] = uidOf(t, env, m.Token, bookings[i].ID)
		single := get(t, env, fmt.Sprintf("/api/v1/bookings/%d/ics", bookings[i].ID), m.Token)
		checkTimes(t, single, single.event(t, uids[i]), c.want[0], c.want[1])
	}

	mine := get(t, env, myFeed(t, env, m.Token), "")
	if len(mine.events) != len(cases) {
		t.Fatalf("member feed has %d events, want %d", len(mine.events), len(cases))
	}
	machineView := get(t, env, fmt.Sprintf("/api/v1/resources/%d/calendar.ics", w.Machine), w.Manager.Token)
	spaceView := get(t, env, fmt.Sprintf("/api/v1/resources/%d/calendar.ics", w.Space), m.Token)
	public := get(t, env, feedPath(t, env, "GET", fmt.Sprintf("/api/v1/resources/%d/feed", w.Machine), w.Manager.Token), "")
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkTimes(t, mine, mine.event(t, uids[i]), c.want[0], c.want[1])
			// Busy views (the member's, the public feed) have opaque UIDs:
			// their events are found by start.
			if c.resource == w.Space {
				checkTimes(t, spaceView, spaceView.startingAt(t, c.want[0]), c.want[0], c.want[1])
			} else {
				checkTimes(t, public, public.startingAt(t, c.want[0]), c.want[0], c.want[1])
				checkTimes(t, machineView, machineView.event(t, uids[i]), c.want[0], c.want[1])
			}
		})
	}
}

// TestCalendarFeedTextRoundTrip writes a note and a resource name full of
// what iCalendar must escape or fold, and reads them back unchanged.
func TestCalendarFeedTextRoundTrip(t *testing.T) {
	env := apitest.New(t)
	w := env.NewWorkshop(t)
	name := `Scie à ruban « grand modèle », lame 3/4"; bois\métal — réglée par l'équipe Nord 🙂`
	if len(name) <= 75 {
		t.Fatalf("the name must be longer than 75 octets, it has %d", len(name))
	}
	saw := env.Must(t, 201, "POST", "/api/v1/resources", w.Manager.Token, map[string]any{
		"zone_id": w.ZoneID, "name": name, "kind": "machine", "slot_minutes": 30}).ID()
	memberName := `Zoë O'Brien, Jr.; \ 日本`
	m := env.NewUser(t, models.RoleMember, "Zoe")
	env.Must(t, 200, "PATCH", "/api/v1/me", m.Token, map[string]any{"name": memberName, "language": "fr"})

	notes := []string{
		"Chêne, hêtre; noyer\\érable\nDeuxième ligne : « colle » à 50 %, vis M6;\nTroisième: \\n reste littéral, ñ ü ß 日本 🙂",
		"a,b;c\\d\\,e\\;f,,;;\\\\ end",
		strings.Repeat("é", 40) + strings.Repeat("🙂", 20) + "\n" + strings.Repeat("日本語", 30),
	}
	for i, note := range notes {
		b := book(t, env, m.Token, saw, apitest.At(2027, 1, 5+i, 9, 0), apitest.At(2027, 1, 5+i, 10, 0), note)
		if b.Note != note {
			t.Fatalf("the API stored the note as %q", b.Note)
		}
		uid := uidOf(t, env, m.Token, b.ID)
		mine := get(t, env, myFeed(t, env, m.Token), "")
		hosts := get(t, env, fmt.Sprintf("/api/v1/resources/%d/calendar.ics", saw), w.Manager.Token)
		for view, f := range map[string]*feed{"member feed": mine, "manager's resource calendar": hosts} {
			ev := f.event(t, uid)
			summary := propText(t, ev.Component, ical.PropSummary)
			if !strings.Contains(summary, name) {
				t.Fatalf("%s: SUMMARY %q does not hold the resource name %q", view, summary, name)
			}
			desc := propText(t, ev.Component, ical.PropDescription)
			if !strings.Contains(desc, note) {
				t.Fatalf("%s: DESCRIPTION %q does not hold the note %q", view, desc, note)
			}
			if !strings.Contains(desc, publicURL+"/") || !strings.Contains(desc, fmt.Sprint(b.ID)) {
				t.Fatalf("%s: DESCRIPTION %q has no link back to booking %d", view, desc, b.ID)
			}
			loc := propText(t, ev.Component, ical.PropLocation)
			if !strings.Contains(loc, "Atelier Test") || !strings.Contains(loc, "Production") {
				t.Fatalf("%s: LOCATION %q lacks the site or the zone", view, loc)
			}
		}
		if s := propText(t, hosts.event(t, uid).Component, ical.PropSummary); !strings.Contains(s, memberName) {
			t.Fatalf("the manager's SUMMARY %q lacks the member's name %q", s, memberName)
		}
	}
}

// TestCalendarFeedStatusMapping checks the contract's mapping, with the
// cancelled and rejected bookings kept in the feed.
func TestCalendarFeedStatusMapping(t *testing.T) {
	env := apitest.New(t)
	w := env.NewWorkshop(t)
	requireApproval(t, env, w, w.Machine)
	m := env.NewUser(t, models.RoleMember, "Stan Status")
	setLanguage(t, env, m.Token, "en")
	slot := func(day int) (string, string) {
		return apitest.At(2027, 1, day, 9, 0), apitest.At(2027, 1, day, 10, 0)
	}
	mk := func(day int) booking {
		s, e := slot(day)
		return book(t, env, m.Token, w.Machine, s, e, "")
	}
	pending := mk(5)
	approved := mk(6)
	decide(t, env, w.Manager.Token, approved.ID, "approve", "")
	rejected := mk(7)
	decide(t, env, w.Manager.Token, rejected.ID, "reject", "Maintenance that day")
	cancelledPending := mk(8)
	decide(t, env, m.Token, cancelledPending.ID, "cancel", "")
	cancelledApproved := mk(11)
	decide(t, env, w.Manager.Token, cancelledApproved.ID, "approve", "")
	decide(t, env, m.Token, cancelledApproved.ID, "cancel", "Ill")

	want := []struct {
		b      booking
		status ical.EventStatus
	}{
		{pending, ical.EventTentative},
		{approved, ical.EventConfirmed},
		{rejected, ical.EventCancelled},
		{cancelledPending, ical.EventCancelled},
		{cancelledApproved, ical.EventCancelled},
	}
	f := get(t, env, myFeed(t, env, m.Token), "")
	if len(f.events) != len(want) {
		t.Fatalf("feed has %d events, want %d (cancelled and rejected ones kept)\n%s", len(f.events), len(want), f.raw)
	}
	for _, c := range want {
		ev := f.event(t, uidOf(t, env, m.Token, c.b.ID))
		if st := status(t, ev); st != c.status {
			t.Fatalf("booking %d: STATUS %q, want %q", c.b.ID, st, c.status)
		}
		summary := propText(t, ev.Component, ical.PropSummary)
		if !strings.Contains(summary, "Laser cutter") {
			t.Fatalf("booking %d: SUMMARY %q lacks the resource", c.b.ID, summary)
		}
		if isPending := strings.Contains(summary, "Pending"); isPending != (c.status == ical.EventTentative) {
			t.Fatalf("booking %d (%s): SUMMARY %q, want the pending prefix only on a pending booking", c.b.ID, c.status, summary)
		}
	}
}

// TestCalendarFeedSequence follows one booking through approval and
// cancellation, and another through a closure: same UID, a higher
// SEQUENCE at each change, in the feed and in the one-booking .ics.
func TestCalendarFeedSequence(t *testing.T) {
	env := apitest.New(t)
	w := env.NewWorkshop(t)
	requireApproval(t, env, w, w.Machine)
	m := env.NewUser(t, models.RoleMember, "Seb Sequence")
	path := myFeed(t, env, m.Token)
	b := book(t, env, m.Token, w.Machine, apitest.At(2027, 1, 6, 9, 0), apitest.At(2027, 1, 6, 11, 0), "")
	uid := uidOf(t, env, m.Token, b.ID)

	state := func(id int64, wantUID string) (int, ical.EventStatus) {
		t.Helper()
		ev := get(t, env, path, "").event(t, wantUID)
		single := get(t, env, fmt.Sprintf("/api/v1/bookings/%d/ics", id), m.Token)
		if len(single.events) != 1 || propText(t, single.events[0].Component, ical.PropUID) != wantUID {
			t.Fatalf("booking %d's .ics lost UID %q:\n%s", id, wantUID, single.raw)
		}
		seq := sequence(t, ev)
		if s := sequence(t, single.events[0]); s != seq {
			t.Fatalf("booking %d: SEQUENCE %d in the feed, %d in its .ics", id, seq, s)
		}
		return seq, status(t, ev)
	}
	seq0, st := state(b.ID, uid)
	if st != ical.EventTentative {
		t.Fatalf("new booking is %s, want TENTATIVE", st)
	}

	env.Clock.Set(testclock.Start.Add(time.Hour))
	decide(t, env, w.Manager.Token, b.ID, "approve", "")
	seq1, st := state(b.ID, uid)
	if st != ical.EventConfirmed || seq1 <= seq0 {
		t.Fatalf("after approval: %s SEQUENCE %d, want CONFIRMED with SEQUENCE > %d", st, seq1, seq0)
	}

	env.Clock.Set(testclock.Start.Add(2 * time.Hour))
	decide(t, env, m.Token, b.ID, "cancel", "")
	seq2, st := state(b.ID, uid)
	if st != ical.EventCancelled || seq2 <= seq1 {
		t.Fatalf("after cancellation: %s SEQUENCE %d, want CANCELLED with SEQUENCE > %d", st, seq2, seq1)
	}

	// A closure cancels another booking for the member: the feed says so.
	c := book(t, env, m.Token, w.Machine, apitest.At(2027, 1, 7, 14, 0), apitest.At(2027, 1, 7, 15, 0), "")
	decide(t, env, w.Manager.Token, c.ID, "approve", "")
	cuid := uidOf(t, env, m.Token, c.ID)
	before, _ := state(c.ID, cuid)
	env.Clock.Set(testclock.Start.Add(3 * time.Hour))
	var closed struct {
		Cancelled []booking `json:"cancelled"`
	}
	env.Must(t, 201, "POST", fmt.Sprintf("/api/v1/resources/%d/closures", w.Machine), w.Manager.Token, map[string]any{
		"start": apitest.At(2027, 1, 7, 8, 0), "end": apitest.At(2027, 1, 7, 20, 0), "reason": "Laser tube replaced"}).Decode(t, &closed)
	if len(closed.Cancelled) != 1 || closed.Cancelled[0].ID != c.ID {
		t.Fatalf("the closure cancelled %+v, want booking %d", closed.Cancelled, c.ID)
	}
	after, st := state(c.ID, cuid)
	if st != ical.EventCancelled || after <= before {
		t.Fatalf("after the closure: %s SEQUENCE %d, want CANCELLED with SEQUENCE > %d", st, after, before)
	}
	if cuid == uid {
		t.Fatalf("two bookings share UID %q", uid)
	}
}

// TestCalendarFeedLanguage: the feed speaks the member's language.
func TestCalendarFeedLanguage(t *testing.T) {
	env := apitest.New(t)
	w := env.NewWorkshop(t)
	requireApproval(t, env, w, w.Machine)
	langs := []struct {
		lang, pending, note, name, busy string
		foreign                         []string
	}{
		{"nl", "In afwachting", "Notitie", "reserveringen", "bezet", []string{"En attente", "Pending", "réservations", "my bookings"}},
		{"fr", "En attente", "Note", "réservations", "occupé", []string{"In afwachting", "Pending", "reserveringen", "my bookings"}},
		{"en", "Pending", "Note", "my bookings", "busy", []string{"In afwachting", "En attente", "reserveringen", "réservations"}},
	}
	for i, l := range langs {
		t.Run(l.lang, func(t *testing.T) {
			m := env.NewUser(t, models.RoleMember, "Lang "+l.lang)
			setLanguage(t, env, m.Token, l.lang)
			b := book(t, env, m.Token, w.Machine, apitest.At(2027, 1, 5+i, 9, 0), apitest.At(2027, 1, 5+i, 10, 0), "some note")
			uid := uidOf(t, env, m.Token, b.ID)
			f := get(t, env, myFeed(t, env, m.Token), "")
			single := get(t, env, fmt.Sprintf("/api/v1/bookings/%d/ics", b.ID), m.Token)
			for view, g := range map[string]*feed{"feed": f, ".ics": single} {
				ev := g.event(t, uid)
				if s := propText(t, ev.Component, ical.PropSummary); !strings.Contains(s, l.pending) {
					t.Fatalf("%s: SUMMARY %q lacks %q", view, s, l.pending)
				}
				if d := propText(t, ev.Component, ical.PropDescription); !strings.Contains(d, l.note+": some note") {
					t.Fatalf("%s: DESCRIPTION %q lacks %q", view, d, l.note+": some note")
				}
				words := calName(t, g) + "\n" + propText(t, ev.Component, ical.PropSummary) + "\n" + propText(t, ev.Component, ical.PropDescription)
				for _, word := range l.foreign {
					if strings.Contains(words, word) {
						t.Fatalf("%s in %s holds %q:\n%s", view, l.lang, word, g.raw)
					}
				}
			}
			if n := calName(t, f); !strings.Contains(n, l.name) {
				t.Fatalf("calendar name %q, want one with %q", n, l.name)
			}
			res := get(t, env, fmt.Sprintf("/api/v1/resources/%d/calendar.ics", w.Machine), m.Token)
			if n := calName(t, res); !strings.Contains(strings.ToLower(n), l.busy) {
				t.Fatalf("resource calendar name %q, want one with %q", n, l.busy)
			}
		})
	}
}

// TestCalendarFeedWindow: bookings that ended more than 90 days ago leave
// the feed; recent and future ones stay.
func TestCalendarFeedWindow(t *testing.T) {
	env, w, m := apitest.NewWithMember(t, "Wim Window")
	old := book(t, env, m.Token, w.Machine, apitest.At(2027, 1, 5, 9, 0), apitest.At(2027, 1, 5, 10, 0), "")
	recent := book(t, env, m.Token, w.Machine, apitest.At(2027, 2, 1, 9, 0), apitest.At(2027, 2, 1, 10, 0), "")
	future := book(t, env, m.Token, w.Machine, apitest.At(2028, 6, 1, 9, 0), apitest.At(2028, 6, 1, 10, 0), "")
	cancelledOld := book(t, env, m.Token, w.Space, apitest.At(2027, 1, 5, 9, 0), apitest.At(2027, 1, 5, 10, 0), "")
	decide(t, env, m.Token, cancelledOld.ID, "cancel", "")
	uid := map[int64]string{}
	for _, b := range []booking{old, recent, future, cancelledOld} {
		uid[b.ID] = uidOf(t, env, m.Token, b.ID)
	}
	path := myFeed(t, env, m.Token)
	resPath := fmt.Sprintf("/api/v1/resources/%d/calendar.ics", w.Machine)
	expect := func(present, absent []booking) {
		t.Helper()
		host := env.NewUser(t, models.RoleManager, "Host") // signed in at the clock's time
		for p, f := range map[string]*feed{"member feed": get(t, env, path, ""), "resource calendar": get(t, env, resPath, host.Token)} {
			for _, b := range present {
				if p == "resource calendar" && b.ID == cancelledOld.ID {
					continue
				}
				if _, ok := f.byUID[uid[b.ID]]; !ok {
					t.Fatalf("at %s the %s lacks booking %d (ended %s)", env.Clock.Now(), p, b.ID, b.End)
				}
			}
			for _, b := range absent {
				if _, ok := f.byUID[uid[b.ID]]; ok {
					t.Fatalf("at %s the %s still holds booking %d (ended %s)", env.Clock.Now(), p, b.ID, b.End)
				}
			}
		}
	}
	expect([]booking{old, recent, future, cancelledOld}, nil)
	// A few hours either side of 90 days, whatever DST does in between.
	env.Clock.Set(old.End.Add(90*24*time.Hour - 3*time.Hour))
	expect([]booking{old, recent, future, cancelledOld}, nil)
	env.Clock.Set(old.End.Add(90*24*time.Hour + 3*time.Hour))
	expect([]booking{recent, future}, []booking{old, cancelledOld})
	env.Clock.Set(recent.End.Add(91 * 24 * time.Hour))
	expect([]booking{future}, []booking{old, recent, cancelledOld})
	// The one-booking .ics still answers for a booking out of the window.
	get(t, env, fmt.Sprintf("/api/v1/bookings/%d/ics", old.ID), env.NewUser(t, models.RoleManager, "Host").Token).event(t, uid[old.ID])
}

// libicalCheck runs libical's RFC 5546 restriction check (the parser of
// Evolution and GNOME Calendar, through Debian's python3-gi) on a calendar
// and returns the errors it reports. It skips when libical is missing, and
// fails in CI, where .ci/run installs it.
func libicalCheck(t *testing.T, cal []byte) []string {
	t.Helper()
	const script = `
import sys, gi
gi.require_version('ICalGLib', '3.0')
from gi.repository import ICalGLib
comp = ICalGLib.Component.new_from_string(sys.stdin.read())
if comp is None:
    print("X-LIC-ERROR: does not parse"); sys.exit(0)
ICalGLib.restriction_check(comp)
def walk(c):
    p = c.get_first_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
    while p is not None:
        print("X-LIC-ERROR: " + p.get_xlicerror()); p = c.get_next_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
    s = c.get_first_component(ICalGLib.ComponentKind.ANY_COMPONENT)
    while s is not None:
        walk(s); s = c.get_next_component(ICalGLib.ComponentKind.ANY_COMPONENT)
walk(comp)
`
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import gi; gi.require_version('ICalGLib','3.0')").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("libical is required in CI (apt-get install -y gir1.2-ical-3.0 python3-gi)")
		}
		t.Skip("skipped: no libical for /usr/bin/python3 (apt-get install -y gir1.2-ical-3.0 python3-gi)")
	}
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = strings.NewReader(string(cal))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("libical: %v\n%s", err, out)
	}
	var errs []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "X-LIC-ERROR") {
			errs = append(errs, l)
		}
	}
	return errs
}

// TestCalendarsPassLibical: a member's feed, the busy view of a resource
// and a single booking's .ics all pass libical's restriction check for the
// METHOD they declare.
func TestCalendarsPassLibical(t *testing.T) {
	env, w, m := apitest.NewWithMember(t, "Member")
	id := env.Must(t, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 6, 9, 0), apitest.At(2027, 1, 6, 10, 0))).ID()
	cancelled := env.Must(t, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 7, 9, 0), apitest.At(2027, 1, 7, 10, 0))).ID()
	env.Must(t, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/cancel", cancelled), m.Token, nil)
	for name, body := range map[string][]byte{
		"member feed": env.Must(t, 200, "GET", myFeed(t, env, m.Token), "", nil).Body,
		"busy view":   env.Must(t, 200, "GET", fmt.Sprintf("/api/v1/resources/%d/calendar.ics", w.Machine), m.Token, nil).Body,
		"host view":   env.Must(t, 200, "GET", fmt.Sprintf("/api/v1/resources/%d/calendar.ics", w.Machine), w.Manager.Token, nil).Body,
		"one booking": env.Must(t, 200, "GET", fmt.Sprintf("/api/v1/bookings/%d/ics", id), m.Token, nil).Body,
	} {
		if !strings.Contains(string(body), "BEGIN:VEVENT") {
			t.Fatalf("%s: no event in %s", name, body)
		}
		if errs := libicalCheck(t, body); len(errs) > 0 {
			t.Errorf("%s: libical refuses it: %v", name, errs)
		}
	}
}
