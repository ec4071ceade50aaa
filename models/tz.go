package models

import (
	"atelier/schedule"
	"sync"
	"time"
)

// locations memoises time zones by name. time.LoadLocation reads and
// parses the zoneinfo data on every call, and every rule and every booking
// rendered needs its site's zone. The values are immutable, so sharing
// them across the process is as safe as the time package's own UTC.
var locations sync.Map

// utcSpan returns span in UTC. Every instant bound to a query must be:
// SQLite stores times as UTC text and compares text, so an instant with
// another offset would compare wrongly.
func utcSpan(span schedule.Interval) schedule.Interval {
	return schedule.Interval{Start: span.Start.UTC(), End: span.End.UTC()}
}

// location returns the named zone, or UTC for a name that does not load
// (names are validated when a site is stored).
func location(name string) *time.Location {
	if loc, ok := locations.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	locations.Store(name, loc)
	return loc
}
