package handlers_test

import (
	"fmt"
	"testing"
	"time"

	"atelier/internal/apitest"
	"atelier/internal/apitest/testclock"
	"atelier/models"
)

// limitWorkshop is the test workshop with a 10 kW connection and room for
// one loud machine at a time: a 7 kW kiln, a loud 5 kW welder, a loud saw
// drawing nothing counted, a 2 kW compressor that waits for approval.
type limitWorkshop struct {
	apitest.Workshop
	kiln, welder, saw, compressor int64
}

func newLimitWorkshop(t *testing.T, env *apitest.Env) limitWorkshop {
	t.Helper()
	w := limitWorkshop{Workshop: env.NewWorkshop(t)}
	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/sites/%d", w.SiteID), w.Admin.Token, map[string]any{"power_kw": 10, "loud_at_once": 1})
	machine := func(name string, kw float64, nuisance string, approval bool) int64 {
		return env.Must(t, 201, "POST", "/api/v1/resources", w.Manager.Token, map[string]any{"zone_id": w.ZoneID, "name": name,
			"kind": "machine", "power_kw": kw, "nuisance": nuisance, "slot_minutes": 30, "requires_approval": approval}).ID()
	}
	w.kiln = machine("Kiln", 7, "quiet", false)
	w.welder = machine("Welder", 5, "loud", false)
	w.saw = machine("Saw", 0, "loud", false)
	w.compressor = machine("Compressor", 2, "moderate", true)
	return w
}

type limitRefusal struct {
	Error struct {
		Code    string
		Details struct {
			PowerKW    float64   `json:"power_kw"`
			PeakKW     float64   `json:"peak_kw"`
			LoudAtOnce int       `json:"loud_at_once"`
			PeakLoud   int       `json:"peak_loud"`
			At         time.Time `json:"at"`
			NextStart  time.Time `json:"next_start"`
			Conflicts  []struct {
				ResourceID int64   `json:"resource_id"`
				MemberName *string `json:"member_name"`
			}
		}
	}
}

func TestSiteLimits(t *testing.T) {
	env := apitest.New(t)
	w := newLimitWorkshop(t, env)
	a, b := env.NewUser(t, models.RoleMember, "A"), env.NewUser(t, models.RoleMember, "B")
	at := func(h, m int) string { return apitest.At(2027, 1, 6, h, m) }
	book := func(u apitest.User, r int64, s, e string) *apitest.Response {
		return env.Do("POST", "/api/v1/bookings", u.Token, apitest.Slot(r, s, e))
	}
	// Validation.
	for _, c := range []struct {
		path string
		body map[string]any
	}{
		{fmt.Sprintf("/api/v1/resources/%d", w.kiln), map[string]any{"power_kw": -1}},
		{fmt.Sprintf("/api/v1/resources/%d", w.Space), map[string]any{"power_kw": 3}},
		{fmt.Sprintf("/api/v1/sites/%d", w.SiteID), map[string]any{"power_kw": -5}},
		{fmt.Sprintf("/api/v1/sites/%d", w.SiteID), map[string]any{"loud_at_once": -1}},
	} {
		token := w.Manager.Token
		if c.path[8:13] == "sites" {
			token = w.Admin.Token
		}
		if r := env.Do("PATCH", c.path, token, c.body); r.Code != 422 || r.ErrorCode() != "validation" {
			t.Fatalf("PATCH %s %v: want 422 validation, got %s", c.path, c.body, r)
		}
	}
	if r := book(a, w.kiln, at(9, 0), at(12, 0)); r.Code != 201 {
		t.Fatalf("the kiln: %s", r)
	}
	// 7 + 5 > 10 from 11:00.
	r := book(b, w.welder, at(11, 0), at(13, 0))
	var ref limitRefusal
	r.Decode(t, &ref)
	d := ref.Error.Details
	if r.Code != 409 || ref.Error.Code != "power_exceeded" || d.PowerKW != 10 || d.PeakKW != 12 ||
		!d.At.Equal(time.Date(2027, 1, 6, 11, 0, 0, 0, testclock.Brussels)) || len(d.Conflicts) != 1 || d.Conflicts[0].ResourceID != w.kiln {
		t.Fatalf("welder over the budget: %s", r)
	}
	if !d.NextStart.Equal(time.Date(2027, 1, 6, 12, 0, 0, 0, testclock.Brussels)) {
		t.Fatalf("the hint should be 12:00, when the kiln stops: %s", r)
	}
	// Hosts cannot override; the order of the refusals holds.
	if r := book(w.Manager, w.welder, at(11, 0), at(13, 0)); r.ErrorCode() != "power_exceeded" {
		t.Fatalf("a host over the budget: %s", r)
	}
	if r := book(b, w.welder, at(11, 10), at(13, 0)); r.ErrorCode() != "not_aligned" {
		t.Fatalf("off the grid and over the budget: want not_aligned first, got %s", r)
	}
	if r := book(b, w.kiln, at(11, 0), at(12, 0)); r.ErrorCode() != "conflict" {
		t.Fatalf("the kiln taken: want conflict before the power, got %s", r)
	}
	// Touching ranges do not overlap; within budget is fine.
	if r := book(b, w.welder, at(12, 0), at(13, 0)); r.Code != 201 {
		t.Fatalf("the welder when the kiln stops: %s", r)
	}
	// A pending request counts: 7 + 2 = 9 fits, then 9 + ... the welder at 9 would be 14.
	if r := book(a, w.compressor, at(9, 0), at(10, 0)); r.Code != 201 {
		t.Fatalf("the compressor: %s", r)
	}
	if r := book(a, w.welder, at(8, 0), at(9, 30)); r.ErrorCode() != "power_exceeded" {
		t.Fatalf("the welder beside the kiln and a pending compressor: %s", r)
	}
	// One loud machine at a time: the saw draws nothing counted but is loud.
	r = book(a, w.saw, at(12, 30), at(13, 30))
	var noise limitRefusal
	r.Decode(t, &noise)
	if r.Code != 409 || noise.Error.Code != "noise_limit" || noise.Error.Details.LoudAtOnce != 1 ||
		noise.Error.Details.PeakLoud != 2 || len(noise.Error.Details.Conflicts) != 1 || noise.Error.Details.Conflicts[0].ResourceID != w.welder {
		t.Fatalf("a second loud machine: %s", r)
	}
	if r := book(a, w.saw, at(13, 0), at(14, 0)); r.Code != 201 {
		t.Fatalf("the saw after the welder: %s", r)
	}
	// Availability says why.
	var av struct {
		Intervals []struct {
			Start, End time.Time
			Available  int
			State      string
		}
	}
	env.Must(t, 200, "GET", fmt.Sprintf("/api/v1/resources/%d/availability?from=%s&to=%s", w.welder,
		urlq(at(8, 0)), urlq(at(14, 0))), b.Token, nil).Decode(t, &av)
	states := map[string]string{}
	for _, iv := range av.Intervals {
		states[iv.Start.In(testclock.Brussels).Format("15:04")] = fmt.Sprintf("%s/%d", iv.State, iv.Available)
	}
	if states["08:00"] != "open/1" || states["09:00"] != "power/0" || states["12:00"] != "open/0" || states["13:00"] != "noise/0" {
		t.Fatalf("the welder's day: %v", states)
	}
}

func urlq(s string) string {
	out := ""
	for _, c := range s {
		if c == '+' {
			out += "%2B"
			continue
		}
		out += string(c)
	}
	return out
}

// TestSiteLimitRace: two members book two machines of one site at the same
// instant, whose draw together passes the budget: exactly one wins, round
// after round, on every database and on two servers.
func TestSiteLimitRace(t *testing.T) {
	apitest.EachDialect(t, func(t *testing.T, d models.Dialect) {
		one, two := apitest.TwoServers(t, d)
		w := newLimitWorkshop(t, one)
		a, b := one.NewUser(t, models.RoleMember, "A"), one.NewUser(t, models.RoleMember, "B")
		for round := range 10 {
			s, e := apitest.At(2027, 1, 5+round, 9, 0), apitest.At(2027, 1, 5+round, 11, 0)
			res := apitest.Burst(2, func(i int) *apitest.Response {
				return []*apitest.Env{one, two}[i].Do("POST", "/api/v1/bookings", []apitest.User{a, b}[i].Token,
					apitest.Slot([]int64{w.kiln, w.welder}[i], s, e))
			})
			codes := apitest.Tally([]int{res[0].Code, res[1].Code})
			if codes[201] != 1 || codes[409] != 1 {
				t.Fatalf("round %d: want one 201 and one 409, got %s and %s", round, res[0], res[1])
			}
		}
		assertWithinPower(t, one, w, 10)
	})
}

// assertWithinPower sweeps the stored live bookings of the workshop's
// machines: at no instant do they draw more than budget kW.
func assertWithinPower(t *testing.T, env *apitest.Env, w limitWorkshop, budget float64) {
	t.Helper()
	kw := map[int64]float64{w.kiln: 7, w.welder: 5, w.compressor: 2}
	var list struct {
		Bookings []struct {
			ResourceID int64 `json:"resource_id"`
			Start, End time.Time
			Status     string
		}
	}
	env.Must(t, 200, "GET", "/api/v1/bookings?limit=1000", w.Admin.Token, nil).Decode(t, &list)
	for _, x := range list.Bookings {
		if x.Status != "pending" && x.Status != "approved" {
			continue
		}
		sum := 0.0
		for _, y := range list.Bookings {
			if (y.Status == "pending" || y.Status == "approved") && !y.Start.After(x.Start) && x.Start.Before(y.End) {
				sum += kw[y.ResourceID]
			}
		}
		if sum > budget {
			t.Fatalf("at %s the machines draw %g kW > %g", x.Start, sum, budget)
		}
	}
}

// TestLoweringASiteLimit: a limit below what is booked is a conflict
// listing the bookings in the way (the later requests), unless force with
// a reason cancels them and tells their members.
func TestLoweringASiteLimit(t *testing.T) {
	env := apitest.New(t)
	w := newLimitWorkshop(t, env)
	a, b := env.NewUser(t, models.RoleMember, "A"), env.NewUser(t, models.RoleMember, "B")
	kiln := env.Must(t, 201, "POST", "/api/v1/bookings", a.Token, apitest.Slot(w.kiln, apitest.At(2027, 1, 6, 9, 0), apitest.At(2027, 1, 6, 12, 0))).ID()
	comp := env.Must(t, 201, "POST", "/api/v1/bookings", b.Token, apitest.Slot(w.compressor, apitest.At(2027, 1, 6, 10, 0), apitest.At(2027, 1, 6, 11, 0))).ID()
	path := fmt.Sprintf("/api/v1/sites/%d", w.SiteID)
	r := env.Do("PATCH", path, w.Admin.Token, map[string]any{"power_kw": 8})
	var refusal struct {
		Error struct {
			Code    string
			Details struct {
				Bookings []struct {
					BookingID int64 `json:"booking_id"`
				}
			}
		}
	}
	r.Decode(t, &refusal)
	if r.Code != 409 || refusal.Error.Code != "conflict" || len(refusal.Error.Details.Bookings) != 1 || refusal.Error.Details.Bookings[0].BookingID != comp {
		t.Fatalf("lowering to 8 kW: want a conflict naming the compressor's booking, got %s", r)
	}
	var site struct {
		PowerKW float64 `json:"power_kw"`
	}
	env.Must(t, 200, "GET", path, w.Admin.Token, nil).Decode(t, &site)
	if site.PowerKW != 10 {
		t.Fatalf("a refused change stored %g kW", site.PowerKW)
	}
	if r := env.Do("PATCH", path, w.Admin.Token, map[string]any{"power_kw": 8, "force": true}); r.Code != 422 {
		t.Fatalf("force without a reason: want 422, got %s", r)
	}
	env.Must(t, 200, "PATCH", path, w.Admin.Token, map[string]any{"power_kw": 8, "force": true, "reason": "the fuse was replaced by a smaller one"}).Decode(t, &site)
	if site.PowerKW != 8 {
		t.Fatalf("after force: %g kW", site.PowerKW)
	}
	var st struct{ Status, Reason string }
	env.Must(t, 200, "GET", fmt.Sprintf("/api/v1/bookings/%d", comp), b.Token, nil).Decode(t, &st)
	if st.Status != "cancelled" {
		t.Fatalf("the booking in the way is %s", st.Status)
	}
	env.Must(t, 200, "GET", fmt.Sprintf("/api/v1/bookings/%d", kiln), a.Token, nil).Decode(t, &st)
	if st.Status != "approved" {
		t.Fatalf("the older booking, within the new limit, is %s", st.Status)
	}
	if k := kinds(t, env, b); k != "booking_cancelled" {
		t.Fatalf("the member whose booking went: %q", k)
	}
	// Raising a limit never conflicts.
	env.Must(t, 200, "PATCH", path, w.Admin.Token, map[string]any{"power_kw": 0})
}

// TestSeriesAndWaitlistApplySiteLimits: a series skips the week the power
// would pass; a waiter whose slot frees is not promoted while the site's
// power would pass, and stays waiting.
func TestSeriesAndWaitlistApplySiteLimits(t *testing.T) {
	env := apitest.New(t)
	w := newLimitWorkshop(t, env)
	a, b, c := env.NewUser(t, models.RoleMember, "A"), env.NewUser(t, models.RoleMember, "B"), env.NewUser(t, models.RoleMember, "C")
	env.Must(t, 201, "POST", "/api/v1/bookings", a.Token, apitest.Slot(w.kiln, apitest.At(2027, 1, 13, 9, 0), apitest.At(2027, 1, 13, 12, 0)))
	body := seriesOf(w.welder, apitest.At(2027, 1, 6, 11, 0), apitest.At(2027, 1, 6, 12, 0), "FREQ=WEEKLY;COUNT=3")
	body["on_conflict"] = "skip"
	var s seriesBody
	env.Must(t, 201, "POST", "/api/v1/series", b.Token, body).Decode(t, &s)
	if len(s.Bookings) != 2 || len(s.Skipped) != 1 || s.Skipped[0].Code != "power_exceeded" ||
		s.Skipped[0].Start.In(testclock.Brussels).Day() != 13 {
		t.Fatalf("the series beside the kiln on the 13th: %+v", s)
	}
	// The welder on the 27th 12-13 is X's; C waits for 11-13, which the
	// kiln's power would also refuse from 11 to 12 once the welder is free.
	env.Must(t, 201, "POST", "/api/v1/bookings", a.Token, apitest.Slot(w.kiln, apitest.At(2027, 1, 27, 9, 0), apitest.At(2027, 1, 27, 12, 0)))
	x := env.Must(t, 201, "POST", "/api/v1/bookings", b.Token, apitest.Slot(w.welder, apitest.At(2027, 1, 27, 12, 0), apitest.At(2027, 1, 27, 13, 0))).ID()
	slot := apitest.Slot(w.welder, apitest.At(2027, 1, 27, 11, 0), apitest.At(2027, 1, 27, 13, 0))
	entry := env.Must(t, 201, "POST", "/api/v1/waitlist", c.Token, slot).ID()
	env.Must(t, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/cancel", x), b.Token, nil)
	if e := waitlistOf(t, env, c.Token)[entry]; e.Status != "waiting" {
		t.Fatalf("an entry that would pass the power was promoted: %+v", e)
	}
	// A slot refused only for the power is not one to wait for.
	if r := env.Do("POST", "/api/v1/waitlist", c.Token, apitest.Slot(w.welder, apitest.At(2027, 1, 27, 10, 0), apitest.At(2027, 1, 27, 11, 0))); r.ErrorCode() != "power_exceeded" {
		t.Fatalf("waiting for a slot the power refuses: %s", r)
	}
}

// TestReportShowsPowerPeaks: the usage report gives the site's peak draw
// per day, of approved bookings only, and how long no other machine could
// have started.
func TestReportShowsPowerPeaks(t *testing.T) {
	env := apitest.New(t)
	w := newLimitWorkshop(t, env)
	a := env.NewUser(t, models.RoleMember, "A")
	env.Must(t, 201, "POST", "/api/v1/bookings", a.Token, apitest.Slot(w.kiln, apitest.At(2027, 1, 6, 9, 0), apitest.At(2027, 1, 6, 12, 0)))
	env.Must(t, 201, "POST", "/api/v1/bookings", w.Manager.Token, apitest.Slot(w.compressor, apitest.At(2027, 1, 6, 10, 0), apitest.At(2027, 1, 6, 11, 0)))
	env.Must(t, 201, "POST", "/api/v1/bookings", a.Token, apitest.Slot(w.compressor, apitest.At(2027, 1, 7, 10, 0), apitest.At(2027, 1, 7, 11, 0))) // pending
	var rep struct {
		PeakKWDays []struct {
			Date         string  `json:"date"`
			PeakKW       float64 `json:"peak_kw"`
			HoursAtLimit float64 `json:"hours_at_limit"`
		} `json:"peak_kw_days"`
	}
	env.Must(t, 200, "GET", fmt.Sprintf("/api/v1/reports/usage?site_id=%d&from=%s&to=%s", w.SiteID,
		urlq(apitest.At(2027, 1, 6, 0, 0)), urlq(apitest.At(2027, 1, 8, 0, 0))), w.Manager.Token, nil).Decode(t, &rep)
	got := fmt.Sprint(rep.PeakKWDays)
	if got != "[{2027-01-06 9 1} {2027-01-07 0 0}]" {
		t.Fatalf("peaks per day: %s", got)
	}
}

// TestForcedSiteLimitOffersFreedTime: the bookings a forced lowering
// cancels free their machine's time for its waiting list, as a closure's
// do; each waiter is judged by the limit just saved, not the one before.
func TestForcedSiteLimitOffersFreedTime(t *testing.T) {
	env := apitest.New(t)
	w := newLimitWorkshop(t, env)
	a, b := env.NewUser(t, models.RoleMember, "A"), env.NewUser(t, models.RoleMember, "B")
	early, late := env.NewUser(t, models.RoleMember, "Early"), env.NewUser(t, models.RoleMember, "Late")
	at := func(h int) string { return apitest.At(2027, 1, 6, h, 0) }
	env.Must(t, 201, "POST", "/api/v1/bookings", a.Token, apitest.Slot(w.kiln, at(9), at(12)))
	comp := env.Must(t, 201, "POST", "/api/v1/bookings", b.Token, apitest.Slot(w.compressor, at(10), at(13))).ID()
	// Both wait for the compressor: 10-11 beside the kiln (7 + 2 kW), and
	// 12-13 once the kiln is done.
	beside := env.Must(t, 201, "POST", "/api/v1/waitlist", early.Token, apitest.Slot(w.compressor, at(10), at(11))).ID()
	after := env.Must(t, 201, "POST", "/api/v1/waitlist", late.Token, apitest.Slot(w.compressor, at(12), at(13))).ID()
	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/sites/%d", w.SiteID), w.Admin.Token,
		map[string]any{"power_kw": 8, "force": true, "reason": "a smaller fuse"})
	var st struct{ Status string }
	env.Must(t, 200, "GET", fmt.Sprintf("/api/v1/bookings/%d", comp), b.Token, nil).Decode(t, &st)
	if st.Status != "cancelled" {
		t.Fatalf("the compressor's booking in the way is %s", st.Status)
	}
	if e := waitlistOf(t, env, early.Token)[beside]; e.Status != "waiting" {
		t.Fatalf("a waiter the new 8 kW would not hold beside the kiln (9 kW) was promoted: %+v", e)
	}
	e := waitlistOf(t, env, late.Token)[after]
	if e.Status != "booked" || e.BookingID == nil {
		t.Fatalf("the waiter for 12-13, within the new limit, is %+v", e)
	}
	env.Must(t, 200, "GET", fmt.Sprintf("/api/v1/bookings/%d", *e.BookingID), late.Token, nil).Decode(t, &st)
	if st.Status != "pending" {
		t.Fatalf("the compressor asks for approval: the promoted booking is %s", st.Status)
	}
	if k := kinds(t, env, late); k != "waitlist_booked" {
		t.Fatalf("the promoted member was told %q", k)
	}
}

// A booking that waits on the resource lock held by a limits change reads
// the site's old limits (statement snapshot) and may be stored over the new ones.
func TestBookingSeesNewSiteLimits(t *testing.T) {
	if apitest.DefaultDialect() != models.Postgres {
		t.Skip("postgres only")
	}
	env := apitest.New(t)
	both := 0
	for round := 0; round < 40; round++ {
		w := newLimitWorkshop(t, env)
		start, end := apitest.At(2027, 1, 5, 9, 0), apitest.At(2027, 1, 5, 10, 0)
		res := apitest.Burst(2, func(i int) *apitest.Response {
			if i == 0 {
				return env.Do("PATCH", fmt.Sprintf("/api/v1/sites/%d", w.SiteID), w.Admin.Token, map[string]any{"power_kw": 5})
			}
			return env.Do("POST", "/api/v1/bookings", w.Manager.Token, apitest.Slot(w.kiln, start, end))
		})
		if res[0].Code == 200 && res[1].Code == 201 {
			both++
			t.Logf("round %d: limit 5 kW set and a 7 kW kiln booking stored: %s", round, res[1].Body)
		}
	}
	if both > 0 {
		t.Errorf("%d rounds stored a booking over the new limit", both)
	}
}

// BenchmarkCreateWithSiteLimits books the 40 machines of a site with and
// without power and noise limits (never reached here, so both store every
// booking): the limits' sweep and the site's lock must stay within 20 %.
func BenchmarkCreateWithSiteLimits(b *testing.B) {
	for _, limits := range []bool{false, true} {
		b.Run(fmt.Sprintf("limits=%v", limits), func(b *testing.B) {
			env := apitest.New(b)
			w := env.NewWorkshop(b)
			if limits {
				env.Must(b, 200, "PATCH", fmt.Sprintf("/api/v1/sites/%d", w.SiteID), w.Admin.Token, map[string]any{"power_kw": 1000, "loud_at_once": 40})
			}
			m := env.NewUser(b, models.RoleMember, "Member")
			machines := make([]int64, 40)
			for i := range machines {
				machines[i] = env.Must(b, 201, "POST", "/api/v1/resources", w.Manager.Token, map[string]any{"zone_id": w.ZoneID,
					"name": fmt.Sprintf("Machine %d", i), "kind": "machine", "power_kw": 3, "nuisance": []string{"loud", "quiet"}[i%2]}).ID()
			}
			for i := 0; b.Loop(); i++ {
				slot := i / 40
				day, hour := 5+slot/12%300, 8+slot%12
				env.Must(b, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(machines[i%40],
					apitest.At(2027, 1, day, hour, 0), apitest.At(2027, 1, day, hour+1, 0)))
			}
		})
	}
}

// TestForcedSiteLimitPromotesOldestFirst: the waiting entries of several
// machines freed by one forced lowering share the site's new budget, and
// the one that waited longest goes first, whichever machine it waits for.
func TestForcedSiteLimitPromotesOldestFirst(t *testing.T) {
	env := apitest.New(t)
	w := env.NewWorkshop(t)
	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/sites/%d", w.SiteID), w.Admin.Token, map[string]any{"power_kw": 10})
	machine := func(name string, kw float64) int64 {
		return env.Must(t, 201, "POST", "/api/v1/resources", w.Manager.Token, map[string]any{"zone_id": w.ZoneID, "name": name,
			"kind": "machine", "power_kw": kw, "slot_minutes": 30}).ID()
	}
	x, a, b := machine("X", 4), machine("A", 3), machine("B", 3)
	u := env.NewUser(t, models.RoleMember, "U")
	at := func(h, m int) string { return apitest.At(2027, 1, 6, h, m) }
	env.Must(t, 201, "POST", "/api/v1/bookings", u.Token, apitest.Slot(x, at(10, 0), at(10, 30)))
	env.Must(t, 201, "POST", "/api/v1/bookings", u.Token, apitest.Slot(a, at(10, 0), at(11, 0)))
	env.Must(t, 201, "POST", "/api/v1/bookings", u.Token, apitest.Slot(b, at(10, 0), at(11, 0)))
	older, newer := env.NewUser(t, models.RoleMember, "Older"), env.NewUser(t, models.RoleMember, "Newer")
	first := env.Must(t, 201, "POST", "/api/v1/waitlist", older.Token, apitest.Slot(b, at(10, 30), at(11, 0))).ID()
	second := env.Must(t, 201, "POST", "/api/v1/waitlist", newer.Token, apitest.Slot(a, at(10, 30), at(11, 0))).ID()
	// At 5 kW only X keeps its place; A and B are cancelled, and after
	// 10:30 one of them fits again (3 kW), not both (6 kW).
	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/sites/%d", w.SiteID), w.Admin.Token,
		map[string]any{"power_kw": 5, "force": true, "reason": "a smaller fuse"})
	if e := waitlistOf(t, env, older.Token)[first]; e.Status != "booked" {
		t.Fatalf("the entry that waited longest (on B) is %+v", e)
	}
	if e := waitlistOf(t, env, newer.Token)[second]; e.Status != "waiting" {
		t.Fatalf("the later entry (on A, a lower id) took the budget: %+v", e)
	}
}
