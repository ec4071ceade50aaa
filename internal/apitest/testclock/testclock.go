// Package testclock is the time of Atelier's tests: the Brussels zone the
// test workshops live in, the instant the tests start at, and a clock a
// test moves by hand.
//
// It imports nothing of Atelier, so that the tests of every package can
// share it, the internal tests of models and the low layers (schedule,
// icalendar) included.
package testclock

import (
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // Brussels rules must not depend on the machine's zoneinfo
)

// Brussels is the time zone of the test workshops. Its clocks change on
// 2027-03-28 (02:00-03:00 does not exist) and on 2027-10-31 (02:00-03:00
// happens twice).
var Brussels = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		panic(err) // unreachable: time/tzdata holds the zone
	}
	return loc
}()

// Start is the tests' default now: Monday 4 January 2027, 07:00 in Brussels.
var Start = time.Date(2027, 1, 4, 7, 0, 0, 0, Brussels)

// Parse reads "2006-01-02 15:04" as Brussels wall-clock time, or an RFC
// 3339 instant where the offset matters (the hour that happens twice). It
// panics on anything else: tests write these strings by hand.
func Parse(s string) time.Time {
	var t time.Time
	var err error
	if strings.Contains(s, "T") {
		t, err = time.Parse(time.RFC3339, s)
	} else {
		t, err = time.ParseInLocation("2006-01-02 15:04", s, Brussels)
	}
	if err != nil {
		panic(err)
	}
	return t
}

// Clock is a clock that moves only when a test sets it. It is safe for
// concurrent use, as the server reads it from many requests at once.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a clock stopped at t.
func New(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}
