package handlers_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"atelier/internal/apitest"
	"atelier/internal/apitest/testclock"
	"atelier/models"
)

type seriesBody struct {
	ID       int64 `json:"id"`
	MemberID int64 `json:"member_id"`
	Bookings []struct {
		ID       int64     `json:"id"`
		Start    time.Time `json:"start"`
		End      time.Time `json:"end"`
		Status   string    `json:"status"`
		SeriesID *int64    `json:"series_id"`
	} `json:"bookings"`
	Skipped []struct {
		Start time.Time `json:"start"`
		Code  string    `json:"code"`
	} `json:"skipped"`
}

func seriesOf(resource int64, start, end, rule string) map[string]any {
	b := apitest.Slot(resource, start, end)
	b["rrule"] = rule
	return b
}

// TestSeriesKeepsLocalTimeAcrossDST books every Tuesday 18:00-20:00 from
// March to November 2027: across both clock changes each occurrence stays
// 18:00-20:00 in Brussels, and lasts two real hours.
func TestSeriesKeepsLocalTimeAcrossDST(t *testing.T) {
	env, w, m := apitest.NewWithMember(t, "Upholsterer")
	var s seriesBody
	env.Must(t, 201, "POST", "/api/v1/series", m.Token, seriesOf(w.Machine,
		apitest.At(2027, 3, 16, 18, 0), apitest.At(2027, 3, 16, 20, 0), "FREQ=WEEKLY;UNTIL=20271109T235959Z")).Decode(t, &s)
	if len(s.Bookings) != 35 || len(s.Skipped) != 0 {
		t.Fatalf("want 35 Tuesdays from 16 March to 9 November, got %d (skipped %v)", len(s.Bookings), s.Skipped)
	}
	for _, b := range s.Bookings {
		st, en := b.Start.In(testclock.Brussels), b.End.In(testclock.Brussels)
		if st.Weekday() != time.Tuesday || st.Hour() != 18 || st.Minute() != 0 || en.Hour() != 20 || en.Sub(st) != 2*time.Hour {
			t.Errorf("occurrence %s - %s is not Tuesday 18:00-20:00 local", st, en)
		}
		if b.SeriesID == nil || *b.SeriesID != s.ID {
			t.Errorf("occurrence %d has series_id %v, want %d", b.ID, b.SeriesID, s.ID)
		}
	}
	// Both change days lie inside: the Tuesdays after them are there.
	seen := map[string]bool{}
	for _, b := range s.Bookings {
		seen[b.Start.In(testclock.Brussels).Format(time.DateOnly)] = true
	}
	for _, d := range []string{"2027-03-23", "2027-03-30", "2027-10-26", "2027-11-02"} {
		if !seen[d] {
			t.Errorf("no occurrence on %s", d)
		}
	}
}

// TestSeriesRules expands the rule forms the contract allows and refuses
// the others with 422 validation, never a 500.
func TestSeriesRules(t *testing.T) {
	env, w, m := apitest.NewWithMember(t, "Member")
	start, end := apitest.At(2027, 1, 11, 9, 0), apitest.At(2027, 1, 11, 10, 0) // a Monday
	for _, c := range []struct {
		rule  string
		dates []string
	}{
		{"FREQ=DAILY;INTERVAL=2;COUNT=3", []string{"2027-01-11", "2027-01-13", "2027-01-15"}},
		{"FREQ=WEEKLY;BYDAY=MO,TH;COUNT=4", []string{"2027-01-11", "2027-01-14", "2027-01-18", "2027-01-21"}},
		{"FREQ=WEEKLY;INTERVAL=2;UNTIL=20270208T080000Z", []string{"2027-01-11", "2027-01-25", "2027-02-08"}},
		{"FREQ=DAILY;UNTIL=20270113", []string{"2027-01-11", "2027-01-12", "2027-01-13"}},
	} {
		t.Run(c.rule, func(t *testing.T) {
			var p seriesBody
			env.Must(t, 200, "POST", "/api/v1/series/preview", m.Token, seriesOf(w.Machine, start, end, c.rule)).Decode(t, &p)
			var got []string
			for _, b := range p.Bookings {
				got = append(got, b.Start.In(testclock.Brussels).Format(time.DateOnly))
			}
			if fmt.Sprint(got) != fmt.Sprint(c.dates) {
				t.Fatalf("want %v, got %v", c.dates, got)
			}
		})
	}
	t.Run("52 allowed", func(t *testing.T) {
		var s seriesBody
		env.Must(t, 201, "POST", "/api/v1/series", m.Token, seriesOf(w.Machine, start, end, "FREQ=WEEKLY;COUNT=52")).Decode(t, &s)
		if len(s.Bookings) != 52 {
			t.Fatalf("want 52 bookings, got %d", len(s.Bookings))
		}
	})
	for _, rule := range []string{
		"FREQ=WEEKLY;COUNT=53", "FREQ=DAILY;UNTIL=20290101T000000Z", "FREQ=MONTHLY;COUNT=2", "FREQ=YEARLY;COUNT=2",
		"FREQ=WEEKLY", "FREQ=WEEKLY;COUNT=2;UNTIL=20270301T000000Z", "FREQ=WEEKLY;COUNT=abc", "COUNT=3",
		"garbage", "", "FREQ=WEEKLY;COUNT=2;BYMONTH=3", "FREQ=WEEKLY;UNTIL=20270301T000000", "FREQ=WEEKLY;BYDAY=1MO;COUNT=2",
		"RRULE:FREQ=WEEKLY;COUNT=2", "FREQ=WEEKLY;COUNT=2\nDTSTART:20270101T000000Z", "FREQ=WEEKLY;COUNT=0",
		"FREQ=WEEKLY;;COUNT=2", "FREQ=WEEKLY;COUNT=2;COUNT=3",
	} {
		for _, path := range []string{"/api/v1/series", "/api/v1/series/preview"} {
			r := env.Do("POST", path, m.Token, seriesOf(w.Machine, start, end, rule))
			if r.Code != 422 || r.ErrorCode() != "validation" {
				t.Errorf("%s %q: want 422 validation, got %s", path, rule, r)
			}
		}
	}
}

// snapshot reads everything a host can list about bookings and series.
func snapshot(t *testing.T, env *apitest.Env, token string) string {
	t.Helper()
	return string(env.Must(t, 200, "GET", "/api/v1/bookings?limit=1000", token, nil).Body) +
		string(env.Must(t, 200, "GET", "/api/v1/series?limit=1000", token, nil).Body) +
		string(env.Must(t, 200, "GET", "/api/v1/me/notifications", token, nil).Body)
}

// TestSeriesFailStoresNothingSkipStoresTheRest: one taken Monday refuses
// the whole series with on_conflict fail, and is listed; with skip the
// other Mondays are booked.
func TestSeriesFailStoresNothingSkipStoresTheRest(t *testing.T) {
	env := apitest.New(t)
	w := env.NewWorkshop(t)
	a, b := env.NewUser(t, models.RoleMember, "A"), env.NewUser(t, models.RoleMember, "B")
	env.Must(t, 201, "POST", "/api/v1/bookings", b.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 25, 9, 30), apitest.At(2027, 1, 25, 10, 30)))
	body := seriesOf(w.Machine, apitest.At(2027, 1, 11, 9, 0), apitest.At(2027, 1, 11, 10, 0), "FREQ=WEEKLY;COUNT=4")
	before := snapshot(t, env, w.Manager.Token)
	r := env.Must(t, 409, "POST", "/api/v1/series", a.Token, body)
	var refusal struct {
		Error struct {
			Code    string
			Details struct {
				Occurrences []struct {
					Start time.Time
					Code  string
				}
			}
		}
	}
	r.Decode(t, &refusal)
	occ := refusal.Error.Details.Occurrences
	if refusal.Error.Code != "conflict" || len(occ) != 1 || occ[0].Code != "conflict" ||
		occ[0].Start.In(testclock.Brussels).Format(time.DateOnly) != "2027-01-25" {
		t.Fatalf("want a conflict listing 25 January only, got %s", r)
	}
	if after := snapshot(t, env, w.Manager.Token); after != before {
		t.Fatalf("a refused series changed what is stored:\nbefore %s\nafter  %s", before, after)
	}
	body["on_conflict"] = "skip"
	var s seriesBody
	env.Must(t, 201, "POST", "/api/v1/series", a.Token, body).Decode(t, &s)
	if len(s.Bookings) != 3 || len(s.Skipped) != 1 || s.Skipped[0].Code != "conflict" {
		t.Fatalf("skip: want 3 booked and 1 skipped, got %+v", s)
	}
	// All refused: as for fail.
	r = env.Do("POST", "/api/v1/series", b.Token, body)
	if r.Code != 409 || r.ErrorCode() != "conflict" {
		t.Fatalf("skip with every occurrence refused: want 409 conflict, got %s", r)
	}
	if r := env.Do("POST", "/api/v1/series", a.Token, map[string]any{"resource_id": w.Machine, "start": apitest.At(2027, 2, 1, 9, 0),
		"end": apitest.At(2027, 2, 1, 10, 0), "rrule": "FREQ=DAILY;COUNT=2", "on_conflict": "maybe"}); r.Code != 422 {
		t.Fatalf("on_conflict maybe: want 422, got %s", r)
	}
}

// TestSeriesQuotaCountsItsOwnOccurrences: a 2-hour weekly quota, a daily
// one-hour series over three days of one week: the third occurrence is
// the one refused.
func TestSeriesQuotaCountsItsOwnOccurrences(t *testing.T) {
	env, w, m := apitest.NewWithMember(t, "Member")
	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/resources/%d", w.Machine), w.Manager.Token, map[string]any{"max_hours_per_week": 2})
	body := seriesOf(w.Machine, apitest.At(2027, 1, 12, 9, 0), apitest.At(2027, 1, 12, 10, 0), "FREQ=DAILY;COUNT=3")
	r := env.Must(t, 422, "POST", "/api/v1/series", m.Token, body)
	var refusal struct {
		Error struct {
			Code    string
			Details struct{ Occurrences []struct{ Start time.Time } }
		}
	}
	r.Decode(t, &refusal)
	if refusal.Error.Code != "quota_exceeded" || len(refusal.Error.Details.Occurrences) != 1 ||
		refusal.Error.Details.Occurrences[0].Start.In(testclock.Brussels).Day() != 14 {
		t.Fatalf("want quota_exceeded on the 14th, got %s", r)
	}
	body["on_conflict"] = "skip"
	var s seriesBody
	env.Must(t, 201, "POST", "/api/v1/series", m.Token, body).Decode(t, &s)
	if len(s.Bookings) != 2 || len(s.Skipped) != 1 || s.Skipped[0].Code != "quota_exceeded" {
		t.Fatalf("want two booked, the third skipped for its quota, got %+v", s)
	}
}

// TestSeriesRaceOneWinsWhole: two members submit series for the same
// Mondays at once, round after round, on every database and on two
// servers sharing it: one series wins whole, the other is refused whole.
func TestSeriesRaceOneWinsWhole(t *testing.T) {
	apitest.EachDialect(t, func(t *testing.T, d models.Dialect) {
		one, two := apitest.TwoServers(t, d)
		servers := []*apitest.Env{one, two}
		w := one.NewWorkshop(t)
		a, b := one.NewUser(t, models.RoleMember, "A"), one.NewUser(t, models.RoleMember, "B")
		for round := range 6 {
			body := seriesOf(w.Machine, apitest.At(2027, 1, 11+round, 9, 0), apitest.At(2027, 1, 11+round, 11, 0), "FREQ=WEEKLY;COUNT=8")
			res := apitest.Burst(2, func(i int) *apitest.Response {
				return servers[i].Do("POST", "/api/v1/series", []apitest.User{a, b}[i].Token, body)
			})
			codes := apitest.Tally([]int{res[0].Code, res[1].Code})
			if codes[201] != 1 || codes[409] != 1 {
				t.Fatalf("round %d: want one 201 and one 409, got %s and %s", round, res[0], res[1])
			}
			for _, r := range res {
				if r.Code == 201 {
					var s seriesBody
					r.Decode(t, &s)
					if len(s.Bookings) != 8 {
						t.Fatalf("round %d: the winner has %d of 8 occurrences", round, len(s.Bookings))
					}
				}
			}
		}
		assertNoOverbooking(t, one, w.Machine, 1)
	})
}

// TestSeriesDecisions: hosts approve a whole series at once (two at once:
// one wins), a member cancels a holiday range and then the rest, and
// nobody else can see or touch it.
func TestSeriesDecisions(t *testing.T) {
	apitest.EachDialect(t, func(t *testing.T, d models.Dialect) {
		env, other := apitest.TwoServers(t, d)
		w := env.NewWorkshop(t)
		m, x := env.NewUser(t, models.RoleMember, "Ceramicist"), env.NewUser(t, models.RoleMember, "Stranger")
		kiln := env.Must(t, 201, "POST", "/api/v1/resources", w.Manager.Token, map[string]any{"zone_id": w.ZoneID,
			"name": "Kiln", "kind": "machine", "requires_approval": true}).ID()
		var s seriesBody
		env.Must(t, 201, "POST", "/api/v1/series", m.Token, seriesOf(kiln, apitest.At(2027, 1, 8, 9, 0),
			apitest.At(2027, 1, 8, 17, 0), "FREQ=WEEKLY;COUNT=6")).Decode(t, &s)
		for _, b := range s.Bookings {
			if b.Status != "pending" {
				t.Fatalf("an occurrence of a series on a machine that needs approval is %s", b.Status)
			}
		}
		path := fmt.Sprintf("/api/v1/series/%d", s.ID)
		// Privacy: another member sees nothing and changes nothing.
		for _, r := range []*apitest.Response{env.Do("GET", path, x.Token, nil), env.Do("POST", path+"/cancel", x.Token, nil)} {
			if r.Code != 404 {
				t.Fatalf("a stranger on someone's series: want 404, got %s", r)
			}
		}
		if r := env.Do("POST", path+"/approve", m.Token, nil); r.Code != 403 {
			t.Fatalf("a member approving their own series: want 403, got %s", r)
		}
		if r := env.Do("POST", path+"/reject", w.Manager.Token, map[string]string{}); r.Code != 422 {
			t.Fatalf("a rejection without reason: want 422, got %s", r)
		}
		var list struct{ Series []seriesBody }
		env.Must(t, 200, "GET", "/api/v1/series", x.Token, nil).Decode(t, &list)
		if len(list.Series) != 0 {
			t.Fatalf("a stranger lists %d series", len(list.Series))
		}
		res := apitest.Burst(2, func(i int) *apitest.Response {
			return []*apitest.Env{env, other}[i].Do("POST", path+"/approve", []apitest.User{w.Manager, w.Admin}[i].Token, nil)
		})
		if codes := apitest.Tally([]int{res[0].Code, res[1].Code}); codes[200] != 1 || codes[409] != 1 {
			t.Fatalf("two hosts approving at once: want one 200 and one 409, got %s and %s", res[0], res[1])
		}
		env.Must(t, 200, "GET", path, m.Token, nil).Decode(t, &s)
		for _, b := range s.Bookings {
			if b.Status != "approved" {
				t.Fatalf("after approval an occurrence is %s", b.Status)
			}
		}
		// A holiday: the Fridays of 15 and 22 January.
		env.Must(t, 200, "POST", path+"/cancel", m.Token, map[string]string{"reason": "holiday",
			"from": apitest.At(2027, 1, 15, 0, 0), "to": apitest.At(2027, 1, 23, 0, 0)}).Decode(t, &s)
		state := map[string]string{}
		for _, b := range s.Bookings {
			state[b.Start.In(testclock.Brussels).Format("01-02")] = b.Status
		}
		want := map[string]string{"01-08": "approved", "01-15": "cancelled", "01-22": "cancelled", "01-29": "approved",
			"02-05": "approved", "02-12": "approved"}
		if fmt.Sprint(state) != fmt.Sprint(want) {
			t.Fatalf("after cancelling a range: %v, want %v", state, want)
		}
		// Cancel the rest once the first has started: it stays.
		env.Clock.Set(time.Date(2027, 1, 8, 10, 0, 0, 0, testclock.Brussels))
		env.Must(t, 200, "POST", path+"/cancel", m.Token, nil).Decode(t, &s)
		for _, b := range s.Bookings {
			started := !b.Start.After(env.Clock.Now())
			if started != (b.Status == "approved") {
				t.Fatalf("after cancelling the rest: %s is %s", b.Start, b.Status)
			}
		}
		if r := env.Do("POST", path+"/cancel", m.Token, nil); r.Code != 409 || r.ErrorCode() != "invalid_transition" {
			t.Fatalf("cancelling a series with nothing left: want 409 invalid_transition, got %s", r)
		}
	})
}

// TestTimesAtTheSiteOffset: every time an answer gives is written at its
// site's offset, also where nothing else fixes it: a preview whose every
// occurrence is refused, and a certification's grant.
func TestTimesAtTheSiteOffset(t *testing.T) {
	env, w, m := apitest.NewWithMember(t, "Lotte")
	other := env.NewUser(t, models.RoleMember, "Ines")
	// Winter in Brussels: +01:00; summer: +02:00.
	start, end := apitest.At(2027, 1, 6, 10, 0), apitest.At(2027, 1, 6, 11, 0)
	atOffset := func(what, s string) {
		t.Helper()
		at, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got, want := at.Format("-07:00"), at.In(testclock.Brussels).Format("-07:00"); got != want {
			t.Errorf("%s %s: want the site's offset %s", what, s, want)
		}
	}
	env.Must(t, 201, "POST", "/api/v1/series", other.Token, seriesOf(w.Machine, start, end, "FREQ=WEEKLY;COUNT=3"))
	var p struct {
		Bookings []struct{} `json:"bookings"`
		Skipped  []struct {
			Start, End, Code string
		} `json:"skipped"`
	}
	env.Must(t, 200, "POST", "/api/v1/series/preview", m.Token, seriesOf(w.Machine, start, end, "FREQ=WEEKLY;COUNT=3")).Decode(t, &p)
	if len(p.Bookings) != 0 || len(p.Skipped) != 3 {
		t.Fatalf("a preview of taken weeks: %+v", p)
	}
	for _, k := range p.Skipped {
		atOffset("a skipped start", k.Start)
		atOffset("a skipped end", k.End)
	}
	var cert struct {
		GrantedAt string `json:"granted_at"`
	}
	path := fmt.Sprintf("/api/v1/members/%d/certifications", m.ID)
	env.Must(t, 201, "POST", path, w.Manager.Token, map[string]any{"resource_id": w.Machine}).Decode(t, &cert)
	atOffset("granted_at", cert.GrantedAt)
	var list struct {
		Certifications []struct {
			GrantedAt string `json:"granted_at"`
		} `json:"certifications"`
	}
	env.Must(t, 200, "GET", path, w.Manager.Token, nil).Decode(t, &list)
	if len(list.Certifications) != 1 {
		t.Fatalf("certifications: %+v", list)
	}
	atOffset("granted_at listed", list.Certifications[0].GrantedAt)
}

// TestSeriesRangeOnlyForCancel: approve and reject decide every pending
// occurrence; a from or to there is refused, not silently ignored.
func TestSeriesRangeOnlyForCancel(t *testing.T) {
	env, w, m := apitest.NewWithMember(t, "Amara")
	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/resources/%d", w.Machine), w.Manager.Token, map[string]any{"requires_approval": true})
	id := env.Must(t, 201, "POST", "/api/v1/series", m.Token,
		seriesOf(w.Machine, apitest.At(2027, 1, 6, 10, 0), apitest.At(2027, 1, 6, 11, 0), "FREQ=WEEKLY;COUNT=3")).ID()
	from := apitest.At(2027, 1, 10, 0, 0)
	for _, move := range []string{"approve", "reject"} {
		r := env.Do("POST", fmt.Sprintf("/api/v1/series/%d/%s", id, move), w.Manager.Token, map[string]any{"reason": "x", "from": from})
		if r.Code != 422 || r.ErrorCode() != "validation" || !strings.Contains(string(r.Body), `"from"`) {
			t.Fatalf("%s with from: want 422 on from, got %s", move, r)
		}
	}
	var s seriesBody
	env.Must(t, 200, "GET", fmt.Sprintf("/api/v1/series/%d", id), m.Token, nil).Decode(t, &s)
	for _, b := range s.Bookings {
		if b.Status != "pending" {
			t.Fatalf("a refused decision changed an occurrence: %+v", s.Bookings)
		}
	}
	env.Must(t, 200, "POST", fmt.Sprintf("/api/v1/series/%d/cancel", id), m.Token, map[string]any{"from": from})
}

// BenchmarkSeries52 judges and stores a weekly series of 52 occurrences
// through the whole HTTP stack, on a fresh machine each time (the target:
// under 50 ms on SQLite, one transaction).
func BenchmarkSeries52(b *testing.B) {
	env, w, m := apitest.NewWithMember(b, "Member")
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		machine := env.Must(b, 201, "POST", "/api/v1/resources", w.Manager.Token, map[string]any{
			"zone_id": w.ZoneID, "name": fmt.Sprintf("Laser %d", i), "kind": "machine"}).ID()
		body := seriesOf(machine, apitest.At(2027, 1, 5, 18, 0), apitest.At(2027, 1, 5, 20, 0), "FREQ=WEEKLY;COUNT=52")
		b.StartTimer()
		env.Must(b, 201, "POST", "/api/v1/series", m.Token, body)
	}
}
