package models_test

import (
	"fmt"
	"strings"
	"testing"

	"atelier/internal/apitest/testclock"
	"atelier/models"
	"atelier/schedule"
)

// slicesSite opens every day 08:00-20:00 with quiet hours 18:00-22:00, so
// that quiet hours fall both inside and outside the opening hours.
func slicesSite() *models.Site {
	return &models.Site{
		ID: 1, Name: "Atelier Nord", Timezone: "Europe/Brussels",
		OpeningHours: models.Hours{{Days: everyDay, From: "08:00", To: "20:00"}},
		QuietHours:   models.Hours{{Days: everyDay, From: "18:00", To: "22:00"}},
	}
}

// sawSpace is a loud shared space of 4 seats.
func sawSpace() *models.Resource {
	return &models.Resource{ID: 11, Name: "Saw bench", Kind: models.KindSpace, Capacity: 4,
		Unit: models.UnitSeat, Nuisance: models.NuisanceLoud}
}

func closure(from, to string) models.Closure {
	s := span(from, to)
	return models.Closure{ID: 1, StartAt: s.Start.UTC(), EndAt: s.End.UTC(), Reason: "Maintenance"}
}

func showSlices(ss []models.Slice) string {
	var b strings.Builder
	for _, s := range ss {
		fmt.Fprintf(&b, "\n  %s - %s %s %d", s.Start.In(testclock.Brussels).Format("01-02 15:04 -07"), s.End.In(testclock.Brussels).Format("01-02 15:04 -07"), s.State, s.Available)
	}
	return b.String()
}

type wantSlice struct {
	from, to string
	state    string
	free     int
}

func TestSlices(t *testing.T) {
	tuesday := span("2027-06-08 06:00", "2027-06-08 23:00")
	tests := []struct {
		name     string
		res      func() *models.Resource
		site     func() *models.Site
		closures []models.Closure
		busy     []schedule.Load
		span     schedule.Interval
		want     []wantSlice
	}{
		{
			name: "a day with every state",
			res:  sawSpace, site: slicesSite,
			closures: []models.Closure{closure("2027-06-08 09:00", "2027-06-08 10:00")},
			busy: []schedule.Load{
				busy(sawSpace(), "2027-06-08 09:30", "2027-06-08 11:00", 2), // under the closure, then taken
				busy(sawSpace(), "2027-06-08 11:00", "2027-06-08 12:00", 2), // an equal neighbour: merged
				busy(sawSpace(), "2027-06-08 12:00", "2027-06-08 13:00", 4), // full: taken
				busy(sawSpace(), "2027-06-08 17:00", "2027-06-08 19:00", 1), // into the quiet hours
				busy(sawSpace(), "2027-06-08 19:30", "2027-06-08 21:00", 4), // quiet, then outside
			},
			span: tuesday,
			want: []wantSlice{
				{"2027-06-08 06:00", "2027-06-08 08:00", models.StateOutside, 0},
				{"2027-06-08 08:00", "2027-06-08 09:00", models.StateOpen, 4},
				{"2027-06-08 09:00", "2027-06-08 10:00", models.StateClosed, 0},
				{"2027-06-08 10:00", "2027-06-08 12:00", models.StateOpen, 2},
				{"2027-06-08 12:00", "2027-06-08 13:00", models.StateOpen, 0},
				{"2027-06-08 13:00", "2027-06-08 17:00", models.StateOpen, 4},
				{"2027-06-08 17:00", "2027-06-08 18:00", models.StateOpen, 3},
				{"2027-06-08 18:00", "2027-06-08 20:00", models.StateQuiet, 0},
				{"2027-06-08 20:00", "2027-06-08 23:00", models.StateOutside, 0},
			},
		},
		{
			name: "closed wins over outside opening hours",
			res:  sawSpace, site: slicesSite,
			closures: []models.Closure{closure("2027-06-08 07:00", "2027-06-08 09:00")},
			span:     tuesday,
			want: []wantSlice{
				{"2027-06-08 06:00", "2027-06-08 07:00", models.StateOutside, 0},
				{"2027-06-08 07:00", "2027-06-08 09:00", models.StateClosed, 0},
				{"2027-06-08 09:00", "2027-06-08 18:00", models.StateOpen, 4},
				{"2027-06-08 18:00", "2027-06-08 20:00", models.StateQuiet, 0},
				{"2027-06-08 20:00", "2027-06-08 23:00", models.StateOutside, 0},
			},
		},
		{
			name: "closed wins over quiet hours and outside opening hours",
			res:  sawSpace, site: slicesSite,
			closures: []models.Closure{closure("2027-06-08 19:00", "2027-06-08 21:00")},
			span:     span("2027-06-08 17:00", "2027-06-08 23:00"),
			want: []wantSlice{
				{"2027-06-08 17:00", "2027-06-08 18:00", models.StateOpen, 4},
				{"2027-06-08 18:00", "2027-06-08 19:00", models.StateQuiet, 0},
				{"2027-06-08 19:00", "2027-06-08 21:00", models.StateClosed, 0},
				{"2027-06-08 21:00", "2027-06-08 23:00", models.StateOutside, 0},
			},
		},
		{
			name: "quiet hours win over taken",
			res:  sawSpace, site: slicesSite,
			busy: []schedule.Load{busy(sawSpace(), "2027-06-08 17:00", "2027-06-08 19:00", 4)},
			span: span("2027-06-08 16:00", "2027-06-08 20:00"),
			want: []wantSlice{
				{"2027-06-08 16:00", "2027-06-08 17:00", models.StateOpen, 4},
				{"2027-06-08 17:00", "2027-06-08 18:00", models.StateOpen, 0},
				{"2027-06-08 18:00", "2027-06-08 20:00", models.StateQuiet, 0},
			},
		},
		{
			name: "quiet hours do not touch a resource that is not loud",
			res: func() *models.Resource {
				r := sawSpace()
				r.Nuisance = models.NuisanceModerate
				return r
			},
			site: slicesSite,
			span: span("2027-06-08 16:00", "2027-06-08 21:00"),
			want: []wantSlice{
				{"2027-06-08 16:00", "2027-06-08 20:00", models.StateOpen, 4},
				{"2027-06-08 20:00", "2027-06-08 21:00", models.StateOutside, 0},
			},
		},
		{
			name: "touching closures make one slice",
			res:  sawSpace, site: slicesSite,
			closures: []models.Closure{closure("2027-06-08 11:00", "2027-06-08 12:00"), closure("2027-06-08 10:00", "2027-06-08 11:00")},
			busy:     []schedule.Load{busy(sawSpace(), "2027-06-08 10:30", "2027-06-08 11:30", 1)},
			span:     span("2027-06-08 09:00", "2027-06-08 13:00"),
			want: []wantSlice{
				{"2027-06-08 09:00", "2027-06-08 10:00", models.StateOpen, 4},
				{"2027-06-08 10:00", "2027-06-08 12:00", models.StateClosed, 0},
				{"2027-06-08 12:00", "2027-06-08 13:00", models.StateOpen, 4},
			},
		},
		{
			name: "a closure reaching past the span is cut to it",
			res:  sawSpace, site: slicesSite,
			closures: []models.Closure{closure("2027-06-07 00:00", "2027-06-08 10:00")},
			span:     span("2027-06-08 09:00", "2027-06-08 11:00"),
			want: []wantSlice{
				{"2027-06-08 09:00", "2027-06-08 10:00", models.StateClosed, 0},
				{"2027-06-08 10:00", "2027-06-08 11:00", models.StateOpen, 4},
			},
		},
		{
			name: "overlapping loads are swept, not summed",
			res:  sawSpace, site: slicesSite,
			busy: []schedule.Load{
				busy(sawSpace(), "2027-06-08 09:00", "2027-06-08 11:00", 1),
				busy(sawSpace(), "2027-06-08 10:00", "2027-06-08 12:00", 1),
				busy(sawSpace(), "2027-06-08 11:00", "2027-06-08 13:00", 1),
			},
			span: span("2027-06-08 09:00", "2027-06-08 13:00"),
			want: []wantSlice{
				{"2027-06-08 09:00", "2027-06-08 10:00", models.StateOpen, 3},
				{"2027-06-08 10:00", "2027-06-08 12:00", models.StateOpen, 2},
				{"2027-06-08 12:00", "2027-06-08 13:00", models.StateOpen, 3},
			},
		},
		{
			name: "a machine with a buffer: busy until the buffer ends",
			res: func() *models.Resource {
				r := laser()
				r.BufferMinutes = 30
				return r
			},
			site: func() *models.Site { return &models.Site{Name: "Atelier Nord", Timezone: "Europe/Brussels"} },
			busy: []schedule.Load{busy(&models.Resource{BufferMinutes: 30}, "2027-06-08 10:00", "2027-06-08 11:00", 1)},
			span: span("2027-06-08 09:00", "2027-06-08 13:00"),
			want: []wantSlice{
				{"2027-06-08 09:00", "2027-06-08 10:00", models.StateOpen, 1},
				{"2027-06-08 10:00", "2027-06-08 11:30", models.StateOpen, 0},
				{"2027-06-08 11:30", "2027-06-08 13:00", models.StateOpen, 1},
			},
		},
		{
			name: "quiet hours past midnight on the autumn night",
			res:  sawSpace,
			site: func() *models.Site {
				return &models.Site{Name: "Atelier Nord", Timezone: "Europe/Brussels",
					QuietHours: models.Hours{{Days: []int{6}, From: "22:00", To: "07:00"}}}
			},
			span: span("2027-10-30 20:00", "2027-10-31 09:00"),
			want: []wantSlice{
				{"2027-10-30T20:00:00+02:00", "2027-10-30T22:00:00+02:00", models.StateOpen, 4},
				{"2027-10-30T22:00:00+02:00", "2027-10-31T07:00:00+01:00", models.StateQuiet, 0},
				{"2027-10-31T07:00:00+01:00", "2027-10-31T09:00:00+01:00", models.StateOpen, 4},
			},
		},
		{
			name: "08:00-20:00 on the spring day",
			res:  sawSpace, site: slicesSite,
			span: span("2027-03-28 00:00", "2027-03-29 00:00"),
			want: []wantSlice{
				{"2027-03-28T00:00:00+01:00", "2027-03-28T08:00:00+02:00", models.StateOutside, 0},
				{"2027-03-28T08:00:00+02:00", "2027-03-28T18:00:00+02:00", models.StateOpen, 4},
				{"2027-03-28T18:00:00+02:00", "2027-03-28T20:00:00+02:00", models.StateQuiet, 0},
				{"2027-03-28T20:00:00+02:00", "2027-03-29T00:00:00+02:00", models.StateOutside, 0},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := models.Slices(tt.res(), tt.site(), tt.closures, tt.busy, tt.span)
			var want []models.Slice
			for _, w := range tt.want {
				want = append(want, models.Slice{Interval: span(w.from, w.to), State: w.state, Available: w.free})
			}
			if showSlices(got) != showSlices(want) {
				t.Errorf("Slices\n got:%s\nwant:%s", showSlices(got), showSlices(want))
			}
			checkSliceInvariants(t, got, tt.span)
		})
	}
}

// checkSliceInvariants: consecutive pieces covering the span, no two
// neighbours alike, nothing free where something blocks.
func checkSliceInvariants(t *testing.T, ss []models.Slice, want schedule.Interval) {
	t.Helper()
	if len(ss) == 0 {
		t.Fatal("no slices")
	}
	if !ss[0].Start.Equal(want.Start) || !ss[len(ss)-1].End.Equal(want.End) {
		t.Errorf("slices run from %v to %v, want the span %v to %v", ss[0].Start, ss[len(ss)-1].End, want.Start, want.End)
	}
	for i, s := range ss {
		if !s.Start.Before(s.End) {
			t.Errorf("slice %d is empty", i)
		}
		if s.State != models.StateOpen && s.Available != 0 {
			t.Errorf("slice %d is %s with %d free", i, s.State, s.Available)
		}
		if i > 0 {
			p := ss[i-1]
			if !p.End.Equal(s.Start) {
				t.Errorf("gap or overlap between slice %d and %d", i-1, i)
			}
			if p.State == s.State && p.Available == s.Available {
				t.Errorf("slices %d and %d are alike and should be merged", i-1, i)
			}
		}
	}
}
