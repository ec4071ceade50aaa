package schedule_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // zone rules must not depend on the machine's zoneinfo

	"atelier/internal/apitest/testclock"
	"atelier/schedule"
)

// Brussels (testclock.Brussels) changes its clocks on 2027-03-28 (02:00 CET
// jumps to 03:00 CEST: 02:00-03:00 does not exist) and on 2027-10-31 (03:00
// CEST falls back to 02:00 CET: 02:00-03:00 happens twice).

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// ts is testclock.Parse: Brussels wall-clock time, or an RFC 3339 instant.
func ts(s string) time.Time { return testclock.Parse(s) }

func iv(from, to string) schedule.Interval {
	return schedule.Interval{Start: ts(from), End: ts(to)}
}

func show(ivs []schedule.Interval) string {
	parts := make([]string, len(ivs))
	for i, x := range ivs {
		parts[i] = showOne(x)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func showOne(x schedule.Interval) string {
	const f = "Mon 2006-01-02 15:04 -07:00"
	return x.Start.In(testclock.Brussels).Format(f) + " / " + x.End.In(testclock.Brussels).Format(f)
}

func sameIntervals(a, b []schedule.Interval) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Start.Equal(b[i].Start) || !a[i].End.Equal(b[i].End) {
			return false
		}
	}
	return true
}

func window(t *testing.T, days []int, from, to string) schedule.Window {
	t.Helper()
	w, err := schedule.NewWindow(days, from, to)
	if err != nil {
		t.Fatalf("NewWindow(%v, %s, %s): %v", days, from, to, err)
	}
	return w
}

var everyDay = []int{1, 2, 3, 4, 5, 6, 7}

func TestIntervalOverlapsAndContains(t *testing.T) {
	a := iv("2027-06-07 09:00", "2027-06-07 10:00")
	tests := []struct {
		name string
		b    schedule.Interval
		want bool
	}{
		{"identical", a, true},
		{"touching after: [9,10) and [10,11)", iv("2027-06-07 10:00", "2027-06-07 11:00"), false},
		{"touching before: [8,9) and [9,10)", iv("2027-06-07 08:00", "2027-06-07 09:00"), false},
		{"one minute into the end", iv("2027-06-07 09:59", "2027-06-07 11:00"), true},
		{"one minute over the start", iv("2027-06-07 08:00", "2027-06-07 09:01"), true},
		{"inside", iv("2027-06-07 09:15", "2027-06-07 09:45"), true},
		{"around", iv("2027-06-07 08:00", "2027-06-07 11:00"), true},
		{"disjoint", iv("2027-06-07 12:00", "2027-06-07 13:00"), false},
		{"same instants written in UTC", schedule.Interval{Start: a.Start.UTC(), End: a.End.UTC()}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := a.Overlaps(tt.b); got != tt.want {
				t.Errorf("%s overlaps %s = %v, want %v", showOne(a), showOne(tt.b), got, tt.want)
			}
			if got := tt.b.Overlaps(a); got != tt.want {
				t.Errorf("not symmetric: %s overlaps %s = %v, want %v", showOne(tt.b), showOne(a), got, tt.want)
			}
		})
	}

	contains := []struct {
		at   string
		want bool
	}{
		{"2027-06-07 08:59", false},
		{"2027-06-07 09:00", true}, // the start belongs to the range
		{"2027-06-07 09:59", true},
		{"2027-06-07 10:00", false}, // the end does not
	}
	for _, c := range contains {
		if got := a.Contains(ts(c.at)); got != c.want {
			t.Errorf("%s contains %s = %v, want %v", showOne(a), c.at, got, c.want)
		}
	}
}

func TestIntervalClip(t *testing.T) {
	day := iv("2027-06-07 08:00", "2027-06-07 20:00")
	tests := []struct {
		name   string
		in     schedule.Interval
		want   schedule.Interval
		wantOK bool
	}{
		{"inside stays whole", iv("2027-06-07 09:00", "2027-06-07 10:00"), iv("2027-06-07 09:00", "2027-06-07 10:00"), true},
		{"cut at the start", iv("2027-06-07 06:00", "2027-06-07 09:00"), iv("2027-06-07 08:00", "2027-06-07 09:00"), true},
		{"cut at the end", iv("2027-06-07 19:00", "2027-06-07 22:00"), iv("2027-06-07 19:00", "2027-06-07 20:00"), true},
		{"cut on both sides", iv("2027-06-07 00:00", "2027-06-08 00:00"), day, true},
		{"touching the end leaves nothing", iv("2027-06-07 20:00", "2027-06-07 21:00"), schedule.Interval{}, false},
		{"touching the start leaves nothing", iv("2027-06-07 07:00", "2027-06-07 08:00"), schedule.Interval{}, false},
		{"outside leaves nothing", iv("2027-06-08 09:00", "2027-06-08 10:00"), schedule.Interval{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.in.Clip(day)
			if ok != tt.wantOK {
				t.Fatalf("Clip(%s) ok = %v, want %v", showOne(tt.in), ok, tt.wantOK)
			}
			if ok && !sameIntervals([]schedule.Interval{got}, []schedule.Interval{tt.want}) {
				t.Errorf("Clip(%s) = %s, want %s", showOne(tt.in), showOne(got), showOne(tt.want))
			}
		})
	}
}

func TestIntervalDurationIsRealTime(t *testing.T) {
	tests := []struct {
		name string
		in   schedule.Interval
		want time.Duration
	}{
		{"an ordinary night", iv("2027-06-07 01:00", "2027-06-07 04:00"), 3 * time.Hour},
		{"spring: 02:00-03:00 does not exist", iv("2027-03-28 01:00", "2027-03-28 04:00"), 2 * time.Hour},
		{"autumn: 02:00-03:00 happens twice", iv("2027-10-31T01:00:00+02:00", "2027-10-31T04:00:00+01:00"), 4 * time.Hour},
		{"autumn: first 02:30 to second 02:30", iv("2027-10-31T02:30:00+02:00", "2027-10-31T02:30:00+01:00"), time.Hour},
	}
	for _, tt := range tests {
		if got := tt.in.Duration(); got != tt.want {
			t.Errorf("%s: Duration() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestWeekOccurrences(t *testing.T) {
	// 2027-06-07 is a Monday; 2027-06-11 a Friday; 2027-06-13 a Sunday.
	tests := []struct {
		name string
		week func(t *testing.T) schedule.Week
		span schedule.Interval
		want []schedule.Interval
	}{
		{
			name: "weekdays 08:00-20:00 over a week",
			week: func(t *testing.T) schedule.Week {
				return schedule.Week{window(t, []int{1, 2, 3, 4, 5}, "08:00", "20:00")}
			},
			span: iv("2027-06-07 00:00", "2027-06-14 00:00"),
			want: []schedule.Interval{
				iv("2027-06-07 08:00", "2027-06-07 20:00"),
				iv("2027-06-08 08:00", "2027-06-08 20:00"),
				iv("2027-06-09 08:00", "2027-06-09 20:00"),
				iv("2027-06-10 08:00", "2027-06-10 20:00"),
				iv("2027-06-11 08:00", "2027-06-11 20:00"),
			},
		},
		{
			name: "windows are clipped to the span",
			week: func(t *testing.T) schedule.Week {
				return schedule.Week{window(t, everyDay, "08:00", "20:00")}
			},
			span: iv("2027-06-07 10:00", "2027-06-08 09:00"),
			want: []schedule.Interval{
				iv("2027-06-07 10:00", "2027-06-07 20:00"),
				iv("2027-06-08 08:00", "2027-06-08 09:00"),
			},
		},
		{
			name: "two windows on one day stay apart",
			week: func(t *testing.T) schedule.Week {
				return schedule.Week{window(t, []int{1}, "14:00", "18:00"), window(t, []int{1}, "08:00", "12:00")}
			},
			span: iv("2027-06-07 00:00", "2027-06-08 00:00"),
			want: []schedule.Interval{
				iv("2027-06-07 08:00", "2027-06-07 12:00"),
				iv("2027-06-07 14:00", "2027-06-07 18:00"),
			},
		},
		{
			name: "22:00-07:00 starting Friday reaches Saturday morning",
			week: func(t *testing.T) schedule.Week { return schedule.Week{window(t, []int{5}, "22:00", "07:00")} },
			span: iv("2027-06-07 00:00", "2027-06-14 00:00"),
			want: []schedule.Interval{iv("2027-06-11 22:00", "2027-06-12 07:00")},
		},
		{
			name: "a window past midnight that started before the span",
			week: func(t *testing.T) schedule.Week { return schedule.Week{window(t, []int{5}, "22:00", "07:00")} },
			span: iv("2027-06-12 00:00", "2027-06-13 00:00"),
			want: []schedule.Interval{iv("2027-06-12 00:00", "2027-06-12 07:00")},
		},
		{
			name: "Friday's window does not start on Saturday",
			week: func(t *testing.T) schedule.Week { return schedule.Week{window(t, []int{5}, "22:00", "07:00")} },
			span: iv("2027-06-12 08:00", "2027-06-13 12:00"),
			want: nil,
		},
		{
			name: "Sunday night window reaches Monday",
			week: func(t *testing.T) schedule.Week { return schedule.Week{window(t, []int{7}, "22:00", "06:00")} },
			span: iv("2027-06-13 00:00", "2027-06-15 00:00"),
			want: []schedule.Interval{iv("2027-06-13 22:00", "2027-06-14 06:00")},
		},
		{
			name: "Sunday night window seen from Monday (a new ISO week)",
			week: func(t *testing.T) schedule.Week { return schedule.Week{window(t, []int{7}, "22:00", "06:00")} },
			span: iv("2027-06-14 00:00", "2027-06-21 00:00"),
			want: []schedule.Interval{
				iv("2027-06-14 00:00", "2027-06-14 06:00"),
				iv("2027-06-20 22:00", "2027-06-21 00:00"),
			},
		},
		{
			name: "Sunday night window across a month, a week and the autumn change",
			week: func(t *testing.T) schedule.Week { return schedule.Week{window(t, []int{7}, "22:00", "06:00")} },
			span: iv("2027-10-31 00:00", "2027-11-02 00:00"),
			want: []schedule.Interval{iv("2027-10-31 22:00", "2027-11-01 06:00")},
		},
		{
			name: "an end at midnight (00:00) runs to the next midnight",
			week: func(t *testing.T) schedule.Week { return schedule.Week{window(t, []int{1}, "18:00", "00:00")} },
			span: iv("2027-06-07 00:00", "2027-06-09 00:00"),
			want: []schedule.Interval{iv("2027-06-07 18:00", "2027-06-08 00:00")},
		},
		{
			name: "24:00 end joins the next day's 00:00 window",
			week: func(t *testing.T) schedule.Week {
				return schedule.Week{window(t, []int{1}, "08:00", "24:00"), window(t, []int{2}, "00:00", "12:00")}
			},
			span: iv("2027-06-07 00:00", "2027-06-14 00:00"),
			want: []schedule.Interval{iv("2027-06-07 08:00", "2027-06-08 12:00")},
		},
		{
			name: "00:00-24:00 every day is one piece",
			week: func(t *testing.T) schedule.Week { return schedule.Week{window(t, everyDay, "00:00", "24:00")} },
			span: iv("2027-06-07 00:00", "2027-06-21 00:00"),
			want: []schedule.Interval{iv("2027-06-07 00:00", "2027-06-21 00:00")},
		},
		{
			name: "overlapping windows merge",
			week: func(t *testing.T) schedule.Week {
				return schedule.Week{window(t, []int{3}, "08:00", "14:00"), window(t, []int{3}, "12:00", "20:00")}
			},
			span: iv("2027-06-09 00:00", "2027-06-10 00:00"),
			want: []schedule.Interval{iv("2027-06-09 08:00", "2027-06-09 20:00")},
		},
		{
			name: "spring day: 08:00-20:00 is twelve real hours",
			week: func(t *testing.T) schedule.Week { return schedule.Week{window(t, everyDay, "08:00", "20:00")} },
			span: iv("2027-03-28 00:00", "2027-03-29 00:00"),
			want: []schedule.Interval{iv("2027-03-28T08:00:00+02:00", "2027-03-28T20:00:00+02:00")},
		},
		{
			name: "autumn day: 08:00-20:00 is twelve real hours",
			week: func(t *testing.T) schedule.Week { return schedule.Week{window(t, everyDay, "08:00", "20:00")} },
			span: iv("2027-10-31 00:00", "2027-11-01 00:00"),
			want: []schedule.Interval{iv("2027-10-31T08:00:00+01:00", "2027-10-31T20:00:00+01:00")},
		},
		{
			name: "spring night: Saturday 22:00 CET to Sunday 07:00 CEST",
			week: func(t *testing.T) schedule.Week { return schedule.Week{window(t, []int{6}, "22:00", "07:00")} },
			span: iv("2027-03-27 00:00", "2027-03-29 00:00"),
			want: []schedule.Interval{iv("2027-03-27T22:00:00+01:00", "2027-03-28T07:00:00+02:00")},
		},
		{
			name: "autumn night: Saturday 22:00 CEST to Sunday 07:00 CET",
			week: func(t *testing.T) schedule.Week { return schedule.Week{window(t, []int{6}, "22:00", "07:00")} },
			span: iv("2027-10-30 00:00", "2027-11-01 00:00"),
			want: []schedule.Interval{iv("2027-10-30T22:00:00+02:00", "2027-10-31T07:00:00+01:00")},
		},
		{
			name: "empty week",
			week: func(t *testing.T) schedule.Week { return nil },
			span: iv("2027-06-07 00:00", "2027-06-14 00:00"),
			want: nil,
		},
		{
			name: "empty span",
			week: func(t *testing.T) schedule.Week { return schedule.Week{window(t, everyDay, "00:00", "24:00")} },
			span: iv("2027-06-07 10:00", "2027-06-07 10:00"),
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.week(t).Occurrences(testclock.Brussels, tt.span)
			if !sameIntervals(got, tt.want) {
				t.Errorf("Occurrences over %s\n got %s\nwant %s", showOne(tt.span), show(got), show(tt.want))
			}
		})
	}

	t.Run("lengths on the daylight-saving nights", func(t *testing.T) {
		w := schedule.Week{window(t, []int{6}, "22:00", "07:00")}
		for _, c := range []struct {
			span schedule.Interval
			want time.Duration
		}{
			{iv("2027-03-27 12:00", "2027-03-28 12:00"), 8 * time.Hour},
			{iv("2027-10-30 12:00", "2027-10-31 12:00"), 10 * time.Hour},
			{iv("2027-06-12 12:00", "2027-06-13 12:00"), 9 * time.Hour},
		} {
			got := w.Occurrences(testclock.Brussels, c.span)
			if len(got) != 1 || got[0].Duration() != c.want {
				t.Errorf("quiet night in %s = %s, want one window of %v", showOne(c.span), show(got), c.want)
			}
		}
	})
}

func TestMerge(t *testing.T) {
	tests := []struct {
		name string
		in   []schedule.Interval
		want []schedule.Interval
	}{
		{"nothing", nil, nil},
		{"one", []schedule.Interval{iv("2027-06-07 09:00", "2027-06-07 10:00")}, []schedule.Interval{iv("2027-06-07 09:00", "2027-06-07 10:00")}},
		{
			"touching join",
			[]schedule.Interval{iv("2027-06-07 09:00", "2027-06-07 10:00"), iv("2027-06-07 10:00", "2027-06-07 11:00")},
			[]schedule.Interval{iv("2027-06-07 09:00", "2027-06-07 11:00")},
		},
		{
			"24:00 of one day joins 00:00 of the next",
			[]schedule.Interval{iv("2027-06-08 00:00", "2027-06-08 06:00"), iv("2027-06-07 18:00", "2027-06-08 00:00")},
			[]schedule.Interval{iv("2027-06-07 18:00", "2027-06-08 06:00")},
		},
		{
			"unsorted, overlapping, contained and apart",
			[]schedule.Interval{
				iv("2027-06-07 15:00", "2027-06-07 16:00"),
				iv("2027-06-07 09:00", "2027-06-07 12:00"),
				iv("2027-06-07 10:00", "2027-06-07 11:00"),
				iv("2027-06-07 11:30", "2027-06-07 13:00"),
			},
			[]schedule.Interval{iv("2027-06-07 09:00", "2027-06-07 13:00"), iv("2027-06-07 15:00", "2027-06-07 16:00")},
		},
		{
			"a gap of one minute stays",
			[]schedule.Interval{iv("2027-06-07 09:00", "2027-06-07 10:00"), iv("2027-06-07 10:01", "2027-06-07 11:00")},
			[]schedule.Interval{iv("2027-06-07 09:00", "2027-06-07 10:00"), iv("2027-06-07 10:01", "2027-06-07 11:00")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append([]schedule.Interval(nil), tt.in...)
			if got := schedule.Merge(in); !sameIntervals(got, tt.want) {
				t.Errorf("Merge(%s)\n got %s\nwant %s", show(tt.in), show(got), show(tt.want))
			}
		})
	}
}

func TestCovers(t *testing.T) {
	open := []schedule.Interval{
		iv("2027-06-07 08:00", "2027-06-07 12:00"),
		iv("2027-06-07 13:00", "2027-06-07 18:00"),
	}
	tests := []struct {
		name   string
		ivs    []schedule.Interval
		target schedule.Interval
		want   bool
	}{
		{"exactly one window", open, iv("2027-06-07 08:00", "2027-06-07 12:00"), true},
		{"inside one window", open, iv("2027-06-07 09:00", "2027-06-07 10:00"), true},
		{"ends at a window's end", open, iv("2027-06-07 17:00", "2027-06-07 18:00"), true},
		{"over the lunch gap", open, iv("2027-06-07 11:00", "2027-06-07 14:00"), false},
		{"starts before opening", open, iv("2027-06-07 07:59", "2027-06-07 09:00"), false},
		{"ends after closing", open, iv("2027-06-07 17:00", "2027-06-07 18:01"), false},
		{"in the gap", open, iv("2027-06-07 12:00", "2027-06-07 13:00"), false},
		{"nothing open", nil, iv("2027-06-07 09:00", "2027-06-07 10:00"), false},
		{
			"merged days cover a night",
			schedule.Merge([]schedule.Interval{iv("2027-06-07 00:00", "2027-06-08 00:00"), iv("2027-06-08 00:00", "2027-06-09 00:00")}),
			iv("2027-06-07 20:00", "2027-06-08 08:00"),
			true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := schedule.Covers(tt.ivs, tt.target); got != tt.want {
				t.Errorf("Covers(%s, %s) = %v, want %v", show(tt.ivs), showOne(tt.target), got, tt.want)
			}
		})
	}
}

func TestAligned(t *testing.T) {
	kolkata := mustLoad("Asia/Kolkata")
	tests := []struct {
		name string
		at   string
		slot int
		loc  *time.Location
		want bool
	}{
		{"09:30 on a 30-minute grid", "2027-06-07 09:30", 30, testclock.Brussels, true},
		{"09:15 on a 30-minute grid", "2027-06-07 09:15", 30, testclock.Brussels, false},
		{"09:15 on a 15-minute grid", "2027-06-07 09:15", 15, testclock.Brussels, true},
		{"midnight is on every grid", "2027-06-07 00:00", 45, testclock.Brussels, true},
		{"45-minute grid counts from midnight: 01:30", "2027-06-07 01:30", 45, testclock.Brussels, true},
		{"45-minute grid counts from midnight: 01:00", "2027-06-07 01:00", 45, testclock.Brussels, false},
		{"90-minute grid: 22:30", "2027-06-07 22:30", 90, testclock.Brussels, true},
		{"90-minute grid: 22:00", "2027-06-07 22:00", 90, testclock.Brussels, false},
		{"no grid, whole minute", "2027-06-07 09:17", 0, testclock.Brussels, true},
		{"no grid, seconds", "2027-06-07T09:17:30+02:00", 0, testclock.Brussels, false},
		{"30-minute grid, seconds", "2027-06-07T09:30:01+02:00", 30, testclock.Brussels, false},
		{"an instant given in UTC is read in the site's zone (09:30 CEST)", "2027-06-07T07:30:00Z", 60, testclock.Brussels, false},
		{"an instant given in UTC is read in the site's zone (10:00 CEST)", "2027-06-07T08:00:00Z", 60, testclock.Brussels, true},
		{"half-hour zone: 04:00Z is 09:30 in Kolkata", "2027-06-07T04:00:00Z", 60, kolkata, false},
		{"half-hour zone: 04:30Z is 10:00 in Kolkata", "2027-06-07T04:30:00Z", 60, kolkata, true},

		// Spring: 01:59 CET is followed by 03:00 CEST.
		{"spring: 01:30 CET", "2027-03-28T01:30:00+01:00", 30, testclock.Brussels, true},
		{"spring: 03:00 CEST on a 30-minute grid", "2027-03-28T03:00:00+02:00", 30, testclock.Brussels, true},
		{"spring: 03:00 CEST on a 3-hour grid (wall clock, though 2 real hours after midnight)", "2027-03-28T03:00:00+02:00", 180, testclock.Brussels, true},
		{"spring: 04:00 CEST on a 2-hour grid (3 real hours after midnight)", "2027-03-28T04:00:00+02:00", 120, testclock.Brussels, true},
		{"spring: 05:00 CEST on a 2-hour grid (4 real hours after midnight, 05:00 on the wall)", "2027-03-28T05:00:00+02:00", 120, testclock.Brussels, false},
		{"spring: \"02:30 CET\" does not exist, it is 03:30 CEST: off an hourly grid", "2027-03-28T02:30:00+01:00", 60, testclock.Brussels, false},

		// Autumn: 02:59 CEST is followed by 02:00 CET.
		{"autumn: first 02:30 (CEST) on a 30-minute grid", "2027-10-31T02:30:00+02:00", 30, testclock.Brussels, true},
		{"autumn: second 02:30 (CET) on a 30-minute grid", "2027-10-31T02:30:00+01:00", 30, testclock.Brussels, true},
		{"autumn: second 02:00 (CET) on a 2-hour grid", "2027-10-31T02:00:00+01:00", 120, testclock.Brussels, true},
		{"autumn: 03:00 CET on a 3-hour grid (4 real hours after midnight)", "2027-10-31T03:00:00+01:00", 180, testclock.Brussels, true},
		{"autumn: 04:00 CET on a 2-hour grid (5 real hours after midnight)", "2027-10-31T04:00:00+01:00", 120, testclock.Brussels, true},
		{"autumn: 05:00 CET on a 2-hour grid", "2027-10-31T05:00:00+01:00", 120, testclock.Brussels, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := schedule.Aligned(ts(tt.at), tt.slot, tt.loc); got != tt.want {
				t.Errorf("Aligned(%s, %d, %s) = %v, want %v", ts(tt.at).In(tt.loc).Format(time.RFC3339), tt.slot, tt.loc, got, tt.want)
			}
		})
	}
}

func TestWeekStart(t *testing.T) {
	tests := []struct {
		name, at, want string
	}{
		{"Monday 00:00 is its own week's start", "2027-06-07 00:00", "2027-06-07T00:00:00+02:00"},
		{"Wednesday", "2027-06-09 15:00", "2027-06-07T00:00:00+02:00"},
		{"Sunday 23:59 belongs to the week before Monday", "2027-06-13 23:59", "2027-06-07T00:00:00+02:00"},
		{"Monday 00:30 local is still Sunday in UTC", "2027-06-13T22:30:00Z", "2027-06-14T00:00:00+02:00"},
		{"the autumn Sunday: week started in summer time", "2027-10-31T02:30:00+01:00", "2027-10-25T00:00:00+02:00"},
		{"the Monday after autumn: week starts in winter time", "2027-11-01 00:00", "2027-11-01T00:00:00+01:00"},
		{"the spring Sunday: week started in winter time", "2027-03-28T03:00:00+02:00", "2027-03-22T00:00:00+01:00"},
		{"across a year: 2027-01-01 is in ISO week 2026-W53", "2027-01-01 12:00", "2026-12-28T00:00:00+01:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := schedule.WeekStart(ts(tt.at), testclock.Brussels)
			if !got.Equal(ts(tt.want)) {
				t.Errorf("WeekStart(%s) = %s, want %s", tt.at, got.Format(time.RFC3339), tt.want)
			}
			if got.Location() != testclock.Brussels {
				t.Errorf("WeekStart(%s) is in %s, want the site's zone", tt.at, got.Location())
			}
		})
	}
}

func TestSplitWeeks(t *testing.T) {
	type piece struct {
		week, part schedule.Interval
	}
	w23 := iv("2027-06-07 00:00", "2027-06-14 00:00")
	w24 := iv("2027-06-14 00:00", "2027-06-21 00:00")
	w25 := iv("2027-06-21 00:00", "2027-06-28 00:00")
	tests := []struct {
		name string
		in   schedule.Interval
		want []piece
	}{
		{"inside one week", iv("2027-06-09 10:00", "2027-06-09 12:00"), []piece{{w23, iv("2027-06-09 10:00", "2027-06-09 12:00")}}},
		{"ends at Monday 00:00: one week only", iv("2027-06-13 22:00", "2027-06-14 00:00"), []piece{{w23, iv("2027-06-13 22:00", "2027-06-14 00:00")}}},
		{"starts at Monday 00:00", iv("2027-06-14 00:00", "2027-06-14 02:00"), []piece{{w24, iv("2027-06-14 00:00", "2027-06-14 02:00")}}},
		{
			"Sunday 22:00 to Monday 02:00 counts in both weeks",
			iv("2027-06-13 22:00", "2027-06-14 02:00"),
			[]piece{{w23, iv("2027-06-13 22:00", "2027-06-14 00:00")}, {w24, iv("2027-06-14 00:00", "2027-06-14 02:00")}},
		},
		{
			"over three weeks",
			iv("2027-06-13 12:00", "2027-06-21 12:00"),
			[]piece{{w23, iv("2027-06-13 12:00", "2027-06-14 00:00")}, {w24, w24}, {w25, iv("2027-06-21 00:00", "2027-06-21 12:00")}},
		},
		{
			"the autumn week is 169 hours long",
			iv("2027-10-31 22:00", "2027-11-01 02:00"),
			[]piece{
				{iv("2027-10-25 00:00", "2027-11-01 00:00"), iv("2027-10-31 22:00", "2027-11-01 00:00")},
				{iv("2027-11-01 00:00", "2027-11-08 00:00"), iv("2027-11-01 00:00", "2027-11-01 02:00")},
			},
		},
		{
			"the spring week is 167 hours long",
			iv("2027-03-28 22:00", "2027-03-29 02:00"),
			[]piece{
				{iv("2027-03-22 00:00", "2027-03-29 00:00"), iv("2027-03-28 22:00", "2027-03-29 00:00")},
				{iv("2027-03-29 00:00", "2027-04-05 00:00"), iv("2027-03-29 00:00", "2027-03-29 02:00")},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := schedule.SplitWeeks(tt.in, testclock.Brussels)
			var gotS, wantS []string
			for _, p := range got {
				gotS = append(gotS, showOne(p.Week)+" : "+showOne(p.Interval))
			}
			for _, p := range tt.want {
				wantS = append(wantS, showOne(p.week)+" : "+showOne(p.part))
			}
			if fmt.Sprint(gotS) != fmt.Sprint(wantS) {
				t.Errorf("SplitWeeks(%s)\n got %q\nwant %q", showOne(tt.in), gotS, wantS)
			}
		})
	}
	t.Run("week lengths across daylight saving", func(t *testing.T) {
		for at, want := range map[string]time.Duration{
			"2027-03-25 12:00": 167 * time.Hour,
			"2027-10-28 12:00": 169 * time.Hour,
			"2027-06-09 12:00": 168 * time.Hour,
		} {
			p := schedule.SplitWeeks(schedule.Interval{Start: ts(at), End: ts(at).Add(time.Hour)}, testclock.Brussels)
			if len(p) != 1 || p[0].Week.Duration() != want {
				t.Errorf("week of %s: %v, want one week of %v", at, p, want)
			}
		}
	})
}

func load(from, to string, q int) schedule.Load {
	return schedule.Load{Interval: iv(from, to), Quantity: q}
}

func TestPeak(t *testing.T) {
	day := iv("2027-06-07 00:00", "2027-06-08 00:00")
	tests := []struct {
		name  string
		loads []schedule.Load
		span  schedule.Interval
		want  int
	}{
		{"nothing", nil, day, 0},
		{"one", []schedule.Load{load("2027-06-07 09:00", "2027-06-07 10:00", 3)}, day, 3},
		{
			"touching [9,10) and [10,11) do not overlap",
			[]schedule.Load{load("2027-06-07 09:00", "2027-06-07 10:00", 2), load("2027-06-07 10:00", "2027-06-07 11:00", 3)},
			day, 3,
		},
		{
			"touching, in the other order",
			[]schedule.Load{load("2027-06-07 10:00", "2027-06-07 11:00", 3), load("2027-06-07 09:00", "2027-06-07 10:00", 2)},
			day, 3,
		},
		{
			// A overlaps B, B overlaps C, but A and C only touch: never all
			// three at once. Summing every load that overlaps the span says 3.
			"three loads overlapping in pairs, never all together",
			[]schedule.Load{
				load("2027-06-07 09:00", "2027-06-07 11:00", 1),
				load("2027-06-07 10:00", "2027-06-07 12:00", 1),
				load("2027-06-07 11:00", "2027-06-07 13:00", 1),
			},
			day, 2,
		},
		{
			"pairs with different quantities",
			[]schedule.Load{
				load("2027-06-07 09:00", "2027-06-07 11:00", 5),
				load("2027-06-07 10:00", "2027-06-07 12:00", 2),
				load("2027-06-07 11:00", "2027-06-07 13:00", 4),
			},
			day, 7,
		},
		{
			"all three together",
			[]schedule.Load{
				load("2027-06-07 09:00", "2027-06-07 12:00", 1),
				load("2027-06-07 10:00", "2027-06-07 12:00", 2),
				load("2027-06-07 11:00", "2027-06-07 13:00", 4),
			},
			day, 7,
		},
		{
			"a load outside the span does not count",
			[]schedule.Load{load("2027-06-07 09:00", "2027-06-07 10:00", 5), load("2027-06-07 10:00", "2027-06-07 12:00", 1)},
			iv("2027-06-07 10:00", "2027-06-07 11:00"), 1,
		},
		{
			"only the part inside the span counts",
			[]schedule.Load{load("2027-06-07 09:00", "2027-06-07 11:00", 2), load("2027-06-07 10:30", "2027-06-07 12:00", 3)},
			iv("2027-06-07 08:00", "2027-06-07 10:30"), 2,
		},
		{"a quantity of 0 holds nothing", []schedule.Load{load("2027-06-07 09:00", "2027-06-07 10:00", 0)}, day, 0},
		{
			"the same range twice adds up",
			[]schedule.Load{load("2027-06-07 09:00", "2027-06-07 10:00", 1), load("2027-06-07 09:00", "2027-06-07 10:00", 1)},
			day, 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := schedule.Peak(tt.loads, tt.span); got != tt.want {
				t.Errorf("Peak = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestProfile(t *testing.T) {
	type step struct {
		from, to string
		held     int
	}
	tests := []struct {
		name  string
		loads []schedule.Load
		span  schedule.Interval
		want  []step
	}{
		{"nothing held", nil, iv("2027-06-07 08:00", "2027-06-07 12:00"), []step{{"2027-06-07 08:00", "2027-06-07 12:00", 0}}},
		{
			"gaps, steps and the span's ends",
			[]schedule.Load{
				load("2027-06-07 07:00", "2027-06-07 09:00", 1),
				load("2027-06-07 10:00", "2027-06-07 12:00", 2),
				load("2027-06-07 11:00", "2027-06-07 13:00", 1),
			},
			iv("2027-06-07 08:00", "2027-06-07 12:30"),
			[]step{
				{"2027-06-07 08:00", "2027-06-07 09:00", 1},
				{"2027-06-07 09:00", "2027-06-07 10:00", 0},
				{"2027-06-07 10:00", "2027-06-07 11:00", 2},
				{"2027-06-07 11:00", "2027-06-07 12:00", 3},
				{"2027-06-07 12:00", "2027-06-07 12:30", 1},
			},
		},
		{
			"touching loads of the same quantity make one step",
			[]schedule.Load{load("2027-06-07 09:00", "2027-06-07 10:00", 2), load("2027-06-07 10:00", "2027-06-07 11:00", 2)},
			iv("2027-06-07 08:00", "2027-06-07 12:00"),
			[]step{
				{"2027-06-07 08:00", "2027-06-07 09:00", 0},
				{"2027-06-07 09:00", "2027-06-07 11:00", 2},
				{"2027-06-07 11:00", "2027-06-07 12:00", 0},
			},
		},
		{
			"one load ending where another starts with a different quantity",
			[]schedule.Load{load("2027-06-07 09:00", "2027-06-07 10:00", 1), load("2027-06-07 10:00", "2027-06-07 11:00", 3)},
			iv("2027-06-07 09:00", "2027-06-07 11:00"),
			[]step{{"2027-06-07 09:00", "2027-06-07 10:00", 1}, {"2027-06-07 10:00", "2027-06-07 11:00", 3}},
		},
		{
			"the autumn night",
			[]schedule.Load{{Interval: iv("2027-10-31T02:00:00+02:00", "2027-10-31T02:00:00+01:00"), Quantity: 1}},
			iv("2027-10-31 00:00", "2027-10-31 04:00"),
			[]step{
				{"2027-10-31T00:00:00+02:00", "2027-10-31T02:00:00+02:00", 0},
				{"2027-10-31T02:00:00+02:00", "2027-10-31T02:00:00+01:00", 1},
				{"2027-10-31T02:00:00+01:00", "2027-10-31T04:00:00+01:00", 0},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := schedule.Profile(tt.loads, tt.span)
			var gotS, wantS []string
			for _, s := range got {
				gotS = append(gotS, fmt.Sprintf("%s held %d", showOne(s.Interval), s.Held))
			}
			for _, s := range tt.want {
				wantS = append(wantS, fmt.Sprintf("%s held %d", showOne(iv(s.from, s.to)), s.held))
			}
			if strings.Join(gotS, "\n") != strings.Join(wantS, "\n") {
				t.Errorf("Profile\n got %s\nwant %s", strings.Join(gotS, "\n     "), strings.Join(wantS, "\n     "))
			}
		})
	}
}

func TestParseClockAndNewWindow(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"00:00", 0, true}, {"07:30", 450, true}, {"24:00", 1440, true},
		{"24:01", 0, false}, {"12:60", 0, false}, {"7:30", 0, false}, {"ab:cd", 0, false},
	} {
		got, err := schedule.ParseClock(c.in)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("ParseClock(%q) = %d, %v; want %d, ok %v", c.in, got, err, c.want, c.ok)
		}
	}
	for _, c := range []struct {
		days     []int
		from, to string
		ok       bool
	}{
		{[]int{1}, "08:00", "20:00", true},
		{[]int{5}, "22:00", "07:00", true},
		{[]int{1}, "00:00", "24:00", true},
		{[]int{1}, "08:00", "08:00", false},
		{[]int{1}, "24:00", "08:00", false},
		{[]int{0}, "08:00", "20:00", false},
		{[]int{8}, "08:00", "20:00", false},
		{nil, "08:00", "20:00", false},
	} {
		if _, err := schedule.NewWindow(c.days, c.from, c.to); (err == nil) != c.ok {
			t.Errorf("NewWindow(%v, %s, %s) error = %v, want ok %v", c.days, c.from, c.to, err, c.ok)
		}
	}
}
