package models

import (
	"atelier/schedule"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
	"gorm.io/gorm"
)

// MaxOccurrences bounds a series: a year of weekly bookings.
const MaxOccurrences = 52

// Conflict policies of a series.
const (
	OnConflictFail = "fail" // any refused occurrence refuses the whole series
	OnConflictSkip = "skip" // the others are booked, the refused ones listed
)

// Series is a member's recurring booking: one rule, many occurrences, each
// an ordinary booking that carries the series' id.
type Series struct {
	ID         int64
	ResourceID int64
	MemberID   int64
	RRule      string `gorm:"column:rrule"`
	StartAt    time.Time
	EndAt      time.Time
	Quantity   int
	Note       string
	CreatedBy  int64
	CreatedAt  time.Time

	Bookings []Booking `gorm:"-"` // its occurrences, by start
	Skipped  []Skipped `gorm:"-"` // on creation: the occurrences refused
	Timezone string    `gorm:"-"` // the site's, from its resource or its bookings
}

// Location returns the time zone of the series's site.
func (s *Series) Location() *time.Location { return location(s.Timezone) }

// TableName keeps gorm from inventing a plural of "series".
func (Series) TableName() string { return "series" }

// Skipped is an occurrence of a series that the rules refused.
type Skipped struct {
	Start, End time.Time
	Code       Code
	Message    string
}

// SeriesRequest is what a member asks for: the first occurrence, the rule
// that repeats it and what to do with refused occurrences.
type SeriesRequest struct {
	BookingRequest
	RRule      string
	OnConflict string
}

var rruleKeys = map[string]*regexp.Regexp{
	"FREQ":     regexp.MustCompile(`^(DAILY|WEEKLY)$`),
	"INTERVAL": regexp.MustCompile(`^[1-9][0-9]{0,2}$`),
	"COUNT":    regexp.MustCompile(`^[1-9][0-9]{0,2}$`),
	"UNTIL":    regexp.MustCompile(`^([0-9]{8}T[0-9]{6}Z|[0-9]{8})$`),
	"BYDAY":    regexp.MustCompile(`^(MO|TU|WE|TH|FR|SA|SU)(,(MO|TU|WE|TH|FR|SA|SU))*$`),
	"WKST":     regexp.MustCompile(`^(MO|TU|WE|TH|FR|SA|SU)$`),
}

// Occurrences expands rule from the first occurrence first (its start and
// end give every occurrence's wall-clock times) in loc: an 18:00-20:00
// booking stays 18:00-20:00 local across a daylight-saving change. The
// rule is RFC 5545 without the "RRULE:" prefix: FREQ DAILY or WEEKLY,
// INTERVAL, BYDAY, WKST, and COUNT or UNTIL (UTC, or a date), at most
// MaxOccurrences occurrences. Anything else is a validation *Error on
// field "rrule".
func Occurrences(rule string, first schedule.Interval, loc *time.Location) ([]schedule.Interval, error) {
	bad := func(msg string) error { return Invalid("rrule", msg) }
	if rule == "" {
		return nil, bad("A rule is required, such as FREQ=WEEKLY;COUNT=10.")
	}
	if len(rule) > 500 || strings.ContainsAny(rule, "\r\n") {
		return nil, bad("The rule must be one line of at most 500 characters.")
	}
	seen := map[string]string{}
	for _, part := range strings.Split(rule, ";") {
		key, value, ok := strings.Cut(part, "=")
		re, known := rruleKeys[key]
		switch {
		case !ok:
			return nil, bad(fmt.Sprintf("%q is not KEY=VALUE.", part))
		case !known:
			return nil, bad(fmt.Sprintf("%s is not supported: use FREQ, INTERVAL, BYDAY, COUNT or UNTIL.", key))
		case seen[key] != "":
			return nil, bad(fmt.Sprintf("%s is given twice.", key))
		case !re.MatchString(value):
			if key == "FREQ" {
				return nil, bad("FREQ must be DAILY or WEEKLY.")
			}
			if key == "UNTIL" {
				return nil, bad("UNTIL must be a UTC time like 20270630T235959Z, or a date like 20270630.")
			}
			return nil, bad(fmt.Sprintf("%s=%s is not valid.", key, value))
		}
		seen[key] = value
	}
	if seen["FREQ"] == "" {
		return nil, bad("FREQ is required: DAILY or WEEKLY.")
	}
	if (seen["COUNT"] == "") == (seen["UNTIL"] == "") {
		return nil, bad("Give COUNT or UNTIL (one of them), so that the series ends.")
	}
	if n, _ := strconv.Atoi(seen["COUNT"]); n > MaxOccurrences {
		return nil, bad(fmt.Sprintf("A series has at most %d occurrences.", MaxOccurrences))
	}
	opt, err := rrule.StrToROptionInLocation(rule, loc)
	if err != nil {
		return nil, bad("The rule could not be read: " + err.Error() + ".")
	}
	if u := seen["UNTIL"]; len(u) == 8 {
		// A date: the whole of that local day is included.
		opt.Until = opt.Until.AddDate(0, 0, 1).Add(-time.Second)
	}
	start, end := first.Start.In(loc), first.End.In(loc)
	opt.Dtstart = start
	r, err := rrule.NewRRule(*opt)
	if err != nil {
		return nil, bad("The rule could not be read: " + err.Error() + ".")
	}
	// The end's wall clock, as whole days and a time of day after the
	// start's date, so every occurrence ends at the same local time.
	endDays := civilDays(start, end)
	var out []schedule.Interval
	next := r.Iterator()
	for {
		t, ok := next()
		if !ok {
			break
		}
		if len(out) == MaxOccurrences {
			return nil, bad(fmt.Sprintf("A series has at most %d occurrences: this rule gives more.", MaxOccurrences))
		}
		t = t.In(loc)
		s := time.Date(t.Year(), t.Month(), t.Day(), start.Hour(), start.Minute(), start.Second(), 0, loc)
		e := time.Date(t.Year(), t.Month(), t.Day()+endDays, end.Hour(), end.Minute(), end.Second(), 0, loc)
		out = append(out, schedule.Interval{Start: s.UTC(), End: e.UTC()})
	}
	if len(out) == 0 {
		return nil, bad("This rule gives no occurrence.")
	}
	return out, nil
}

// civilDays counts the calendar days from a's date to b's, in a's zone.
func civilDays(a, b time.Time) int {
	da := time.Date(a.Year(), a.Month(), a.Day(), 12, 0, 0, 0, time.UTC)
	bl := b.In(a.Location())
	db := time.Date(bl.Year(), bl.Month(), bl.Day(), 12, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}

// errPreview rolls a preview's transaction back once it has judged.
var errPreview = errors.New("preview: roll back")

// CreateSeries judges every occurrence of req by the booking rules and
// stores the series in one write transaction holding the resource, so two
// series racing for the same slots cannot both win. With on_conflict
// "fail" (the default) one refused occurrence refuses the whole series:
// the *Error of the earliest refused one, with details.occurrences listing
// all of them. With "skip" the others are stored and the refused ones
// listed in Skipped; when every occurrence is refused, it fails as "fail".
func (db *DB) CreateSeries(ctx context.Context, actor *User, req SeriesRequest) (*Series, error) {
	return db.series(ctx, actor, req, false)
}

// PreviewSeries judges req as CreateSeries would, right now, and stores
// nothing: every occurrence is either in Bookings or in Skipped.
func (db *DB) PreviewSeries(ctx context.Context, actor *User, req SeriesRequest) (*Series, error) {
	return db.series(ctx, actor, req, true)
}

func (db *DB) series(ctx context.Context, actor *User, req SeriesRequest, preview bool) (*Series, error) {
	req.Start, req.End = req.Start.UTC(), req.End.UTC()
	if req.OnConflict == "" {
		req.OnConflict = OnConflictFail
	}
	fe := FieldErrors{}
	checkText(fe, "note", req.Note, MaxText)
	if req.OnConflict != OnConflictFail && req.OnConflict != OnConflictSkip {
		fe.Add("on_conflict", "on_conflict must be fail or skip.")
	}
	if !req.End.After(req.Start) {
		fe.Add("end", "The end must be after the start.")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if err := req.bookFor(actor); err != nil {
		return nil, err
	}
	// The site's zone comes first: the rule is expanded on its clock.
	r, err := db.Resource(ctx, req.ResourceID)
	if err != nil {
		if ErrorCode(err) == CodeNotFound {
			return nil, Invalid("resource_id", "No resource has this id.")
		}
		return nil, err
	}
	spans, err := Occurrences(req.RRule, schedule.Interval{Start: req.Start, End: req.End}, r.Location())
	if err != nil {
		return nil, err
	}
	now := db.now()
	s := &Series{ResourceID: req.ResourceID, MemberID: req.MemberID, RRule: req.RRule, StartAt: spans[0].Start,
		EndAt: spans[0].End, Quantity: req.Quantity, Note: strings.TrimSpace(req.Note), CreatedBy: actor.ID,
		CreatedAt: now, Bookings: []Booking{}, Skipped: []Skipped{}, Timezone: r.Timezone}
	var ids []int64
	err = db.tx(ctx, func(tx *gorm.DB) error {
		if err := lockBookable(tx, req.ResourceID); err != nil {
			return err
		}
		if err := tx.Omit("Bookings", "Skipped").Create(s).Error; err != nil {
			return err
		}
		var firstRefusal *Error
		for _, sp := range spans {
			occ := req.BookingRequest
			occ.Start, occ.End, occ.SeriesID = sp.Start, sp.End, &s.ID
			b, _, err := placeBooking(tx, now, actor, occ)
			var refusal *Error
			if errors.As(err, &refusal) {
				if firstRefusal == nil {
					firstRefusal = refusal
				}
				s.Skipped = append(s.Skipped, Skipped{Start: sp.Start, End: sp.End, Code: refusal.Code, Message: refusal.Message})
				continue
			}
			if err != nil {
				return err
			}
			ids = append(ids, b.ID)
		}
		if preview {
			return errPreview
		}
		if firstRefusal != nil && (req.OnConflict == OnConflictFail || len(ids) == 0) {
			return seriesRefusal(firstRefusal, s.Skipped, r.Location())
		}
		if err := audit(tx, actor, "series.create", "series", s.ID, map[string]any{"member_id": s.MemberID,
			"resource_id": s.ResourceID, "rrule": s.RRule, "bookings": len(ids), "skipped": len(s.Skipped)}); err != nil {
			return err
		}
		return db.notifyRequested(tx, now, ids, &s.ID)
	})
	if preview && errors.Is(err, errPreview) {
		// Nothing was stored: show the occurrences as they would be.
		s.ID = 0
		for _, sp := range spans {
			if !skippedAt(s.Skipped, sp.Start) {
				s.Bookings = append(s.Bookings, Booking{ResourceID: r.ID, MemberID: req.MemberID, StartAt: sp.Start,
					EndAt: sp.End, Quantity: req.Quantity, Status: initialStatus(r, actor), Note: s.Note,
					ResourceName: r.Name, Timezone: r.Timezone, CreatedAt: now, UpdatedAt: now})
			}
		}
		return s, nil
	}
	if err != nil {
		return nil, translate(err)
	}
	if err := bookingRows(db.r(ctx)).Where("bookings.id IN ?", ids).Order("bookings.start_at").Find(&s.Bookings).Error; err != nil {
		return nil, translate(err)
	}
	return s, nil
}

// initialStatus is a new booking's status: pending where the resource
// needs approval, unless a host asks.
func initialStatus(r *Resource, actor *User) string {
	if r.RequiresApproval && !actor.Role.IsHost() {
		return StatusPending
	}
	return StatusApproved
}

func skippedAt(list []Skipped, start time.Time) bool {
	for _, k := range list {
		if k.Start.Equal(start) {
			return true
		}
	}
	return false
}

// seriesRefusal is the refusal of a whole series: the earliest refused
// occurrence's code and message, with every refused occurrence listed.
func seriesRefusal(first *Error, skipped []Skipped, loc *time.Location) *Error {
	occ := make([]map[string]any, len(skipped))
	for i, k := range skipped {
		occ[i] = map[string]any{"start": k.Start.In(loc), "end": k.End.In(loc), "code": k.Code}
	}
	e := &Error{Code: first.Code, Message: fmt.Sprintf("%d of the occurrences cannot be booked; the first: %s", len(skipped), first.Message)}
	for k, v := range first.Details {
		e.With(k, v)
	}
	return e.With("occurrences", occ)
}

// Series returns one series with its occurrences as actor may see it: a
// member sees only their own; anything else is a not_found *Error.
func (db *DB) Series(ctx context.Context, actor *User, id int64) (*Series, error) {
	q := db.r(ctx)
	if !actor.Role.IsHost() {
		q = q.Where("member_id = ?", actor.ID)
	}
	s, err := first[Series](q, id, "Series")
	if err != nil {
		return nil, err
	}
	return s, db.fillSeries(ctx, []*Series{s})
}

// ListSeries returns a page of the series actor may see (a member's own;
// all for hosts), newest first, with their occurrences, and their total.
func (db *DB) ListSeries(ctx context.Context, actor *User, memberID, resourceID int64, page Page) ([]Series, int64, error) {
	if !actor.Role.IsHost() {
		memberID = actor.ID
	}
	q := db.r(ctx).Model(&Series{})
	q = narrow(q, "member_id = ?", memberID)
	q = narrow(q, "resource_id = ?", resourceID)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, translate(err)
	}
	list := []Series{}
	if err := q.Order("id DESC").Limit(page.Limit).Offset(page.Offset).Find(&list).Error; err != nil {
		return nil, 0, translate(err)
	}
	ptrs := make([]*Series, len(list))
	for i := range list {
		ptrs[i] = &list[i]
	}
	return list, total, db.fillSeries(ctx, ptrs)
}

// fillSeries reads the occurrences of every series of list in one query.
func (db *DB) fillSeries(ctx context.Context, list []*Series) error {
	if len(list) == 0 {
		return nil
	}
	byID := map[int64]*Series{}
	ids := make([]int64, len(list))
	for i, s := range list {
		s.Bookings, s.Skipped = []Booking{}, []Skipped{}
		byID[s.ID], ids[i] = s, s.ID
	}
	var rows []Booking
	if err := bookingRows(db.r(ctx)).Where("bookings.series_id IN ?", ids).Order("bookings.start_at, bookings.id").
		Find(&rows).Error; err != nil {
		return translate(err)
	}
	for _, b := range rows {
		s := byID[*b.SeriesID]
		s.Bookings = append(s.Bookings, b)
		s.Timezone = b.Timezone // one resource, so one site, for all
	}
	return nil
}

// SeriesRange narrows a series cancellation to the occurrences starting in
// [From, To); zero bounds are open.
type SeriesRange struct{ From, To time.Time }

// DecideSeries applies a move to every occurrence of series id it
// concerns, in one transaction holding the resource: approve and reject
// the pending ones (hosts only, forbidden otherwise), cancel the live ones
// that have not started yet (its member or a host), within rng for a
// cancellation. When no occurrence is concerned (another host decided
// first) it is an invalid_transition *Error. Freed capacity goes to the
// waiting list in the same transaction.
func (db *DB) DecideSeries(ctx context.Context, actor *User, id int64, move Transition, reason string, rng SeriesRange) (*Series, error) {
	fe := FieldErrors{}
	from, reason, err := readMove(move, reason, fe)
	if err != nil {
		return nil, err
	}
	if !rng.From.IsZero() && !rng.To.IsZero() && !rng.To.After(rng.From) {
		fe.Add("to", "The end of the range must be after its start.")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	s, err := db.Series(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if move != Cancel && !actor.Role.IsHost() {
		return nil, Errorf(CodeForbidden, "Only a host may approve or reject a series.")
	}
	if move == Reject && reason == "" {
		return nil, Invalid("reason", "Say why the requests are rejected: the member will read it.")
	}
	now := db.now()
	err = db.tx(ctx, func(tx *gorm.DB) error {
		if err := lockResource(tx, s.ResourceID); err != nil {
			return err
		}
		q := tx.Table("bookings").Where("series_id = ? AND status IN ?", id, from)
		if move == Cancel {
			q = q.Where("start_at > ?", now)
			if !rng.From.IsZero() {
				q = q.Where("start_at >= ?", rng.From.UTC())
			}
			if !rng.To.IsZero() {
				q = q.Where("start_at < ?", rng.To.UTC())
			}
		}
		var hit []Booking
		if err := q.Select("id", "member_id", "start_at", "busy_until", "status").Order("start_at").Find(&hit).Error; err != nil {
			return err
		}
		if len(hit) == 0 {
			what := map[Transition]string{Approve: "pending", Reject: "pending", Cancel: "not started yet"}[move]
			return Errorf(CodeInvalidTransition, "No occurrence of this series is %s: nothing to %s.", what, move)
		}
		ids := make([]int64, len(hit))
		for i, b := range hit {
			ids[i] = b.ID
		}
		if err := tx.Table("bookings").Where("id IN ?", ids).Updates(moveColumns(move, actor, now, reason)).Error; err != nil {
			return err
		}
		if err := audit(tx, actor, "series."+string(move), "series", id, map[string]any{"member_id": s.MemberID,
			"resource_id": s.ResourceID, "reason": reason, "bookings": ids}); err != nil {
			return err
		}
		if err := db.notifyDecision(tx, now, actor, move, s.MemberID, ids[0], &s.ID, reason, len(ids)); err != nil {
			return err
		}
		if move == Approve {
			return nil
		}
		freed := make([]schedule.Interval, len(hit))
		for i, b := range hit {
			freed[i] = schedule.Interval{Start: b.StartAt, End: b.BusyUntil}
		}
		return db.promote(tx, now, s.ResourceID, freed)
	})
	if err != nil {
		return nil, translate(err)
	}
	return db.Series(ctx, actor, id)
}

// moveColumns are the columns a move writes on a booking.
func moveColumns(move Transition, actor *User, now time.Time, reason string) map[string]any {
	set := map[string]any{"status": transitions[move].to, "updated_at": now, "sequence": gorm.Expr("sequence + 1")}
	if move == Cancel {
		set["cancelled_by"], set["cancelled_at"] = actor.ID, now
	} else {
		set["decided_by"], set["decided_at"] = actor.ID, now
	}
	if reason != "" || move != Approve {
		set["reason"] = reason
	}
	return set
}
