package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"atelier/internal/apitest"
	"atelier/internal/apitest/testclock"
	"atelier/models"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

type apiBooking struct {
	ID         int64     `json:"id"`
	ResourceID int64     `json:"resource_id"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Status     string    `json:"status"`
	SeriesID   *int64    `json:"series_id"`
}

type apiSeries struct {
	ID       int64        `json:"id"`
	RRule    string       `json:"rrule"`
	Bookings []apiBooking `json:"bookings"`
}

// dayOf is the Brussels date of an instant.
func dayOf(t time.Time) string { return t.In(testclock.Brussels).Format(time.DateOnly) }

// TestBrowserSeriesWaitlistNotifications is the life of a weekly series and
// a waiting list entry, in a browser. A member (in French) previews six
// weekly dates, one of them taken: the preview lists six, explains the
// refused one, and refuses the whole series without "skip"; with it, five
// are requested. The taken slot offers the waiting list, and joining it
// stores an entry. My bookings shows the series as one item and the entry;
// cancelling a period cancels exactly its dates. A host (in Dutch) sees the
// series as one request and approves all of it at once. The member's bell
// then counts the news, Notifications lists it, "mark all as read" clears
// it, and the email choice is saved. Every new screen passes axe-core's
// WCAG 2.1 AA rules and is drawn in fr, nl and en at 1280 and 390 px.
func TestBrowserSeriesWaitlistNotifications(t *testing.T) {
	ctx := browser(t)
	c := loadCatalog(t)
	env := liveEnv(t)
	w := env.NewWorkshop(t)
	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/resources/%d", w.Machine), w.Manager.Token, map[string]any{"requires_approval": true})
	member := env.NewUser(t, models.RoleMember, "Camille Dubois")
	other := env.NewUser(t, models.RoleMember, "Noor Peeters")

	// Six Tuesdays (or whichever weekday a week from now is), 14:00-15:00;
	// the third is already Noor's.
	first := time.Now().In(testclock.Brussels).AddDate(0, 0, 7)
	var dates []string
	for i := range 6 {
		dates = append(dates, first.AddDate(0, 0, 7*i).Format(time.DateOnly))
	}
	taken := dates[2]
	noor := env.Must(t, 201, "POST", "/api/v1/bookings", other.Token, apitest.Slot(w.Machine,
		testclock.Parse(taken+" 14:00").Format(time.RFC3339), testclock.Parse(taken+" 15:00").Format(time.RFC3339))).ID()
	env.Must(t, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/approve", noor), w.Manager.Token, nil)
	env.Must(t, 204, "POST", "/api/v1/me/notifications/read", w.Manager.Token, nil) // Noor's request is old news

	p := newPage(t, ctx, env)
	const resourceName = "Laser cutter"
	bookURL := fmt.Sprintf("%s/#/book?resource=%d", p.base, w.Machine)
	apiGet := func(token, path string, v any) { env.Must(t, 200, "GET", path, token, nil).Decode(t, v) }

	p.do("open the app", chromedp.Navigate(p.base), waitFor(`document.querySelector('#email') !== null`))
	p.setLang(c, "fr")
	p.signIn(member.Email)
	p.setLang(c, "fr") // signed in: the account's language follows (its notifications speak it)

	// The booking form, filled for a first date and hours; repeat weekly n times, or not at all.
	fill := func(date, repeat string, count int) {
		p.t.Helper()
		acts := []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(bookURL),
			waitFor(`document.querySelector('#book-date') !== null && document.querySelector('#week-grid .cell') !== null && document.querySelector('#book-repeat') !== null`),
			setValue("#book-date", date), setValue("#book-start", "14:00"), setValue("#book-end", "15:00"),
			setValue("#book-note", "Atelier du mardi"), setValue("#book-repeat", repeat),
		}
		if repeat != "" {
			acts = append(acts, waitFor(`!document.querySelector('#book-repeat-count').closest('[hidden]')`),
				setValue("#book-repeat-count", fmt.Sprint(count)))
		}
		p.do("fill the booking form", acts...)
	}
	preview := func(lang string) {
		p.t.Helper()
		fill(dates[0], "weekly", 6)
		if got, want := norm(eval[string](p, `document.querySelector('#book-submit').textContent`)), norm(c.tf(t, lang, "series.previewSubmit")); got != want {
			t.Errorf("%s: while repeating, the submit button says %q, want %q", lang, got, want)
		}
		p.do("preview the series", enter("#book-submit"),
			waitFor(`document.querySelectorAll('#series-preview li.occ').length > 0 || document.querySelector('#book-error[data-code]') !== null`))
		if code := eval[string](p, `document.querySelector('#book-error')?.dataset.code || ''`); code != "" {
			t.Fatalf("%s: the preview is refused with %q: %s", lang, code, eval[string](p, `document.querySelector('#book-error').innerText`))
		}
		starts := eval[[]string](p, `[...document.querySelectorAll('#series-preview li.occ')].map((li) => li.dataset.start)`)
		var days []string
		for _, s := range starts {
			v, err := time.Parse(time.RFC3339, s)
			if err != nil {
				t.Fatalf("%s: a preview date's data-start %q: %v", lang, s, err)
			}
			days = append(days, dayOf(v))
			if hm := v.In(testclock.Brussels).Format("15:04"); hm != "14:00" {
				t.Errorf("%s: the preview's %s starts at %s, want 14:00", lang, dayOf(v), hm)
			}
		}
		if !slices.Equal(days, dates) {
			t.Fatalf("%s: the weekly preview lists %v, want %v", lang, days, dates)
		}
		refused := eval[[]string](p, `[...document.querySelectorAll('#series-preview li.occ-refused')].map((li) => li.dataset.code + ' ' + li.dataset.start)`)
		if len(refused) != 1 || !strings.HasPrefix(refused[0], "conflict ") || !strings.Contains(refused[0], taken) {
			t.Fatalf("%s: refused dates %v, want the conflict on %s", lang, refused, taken)
		}
		why := norm(eval[string](p, `document.querySelector('#series-preview li.occ-refused .occ-state').textContent`))
		if want := norm(c.tf(t, lang, "series.refusedWhy", "why", c.tf(t, lang, "error.conflict"))); why != want {
			t.Errorf("%s: the refused date says %q, want %q", lang, why, want)
		}
		if n := eval[int](p, `document.querySelectorAll('#series-preview li.occ-ok').length`); n != 5 {
			t.Errorf("%s: %d dates shown free, want 5", lang, n)
		}
		summary := norm(eval[string](p, `document.querySelector('#series-preview .summary').textContent`))
		if want := norm(c.tf(t, lang, "series.previewSome", "ok", 5, "total", 6)); !strings.Contains(summary, want) {
			t.Errorf("%s: the preview's summary %q lacks %q", lang, summary, want)
		}
		if !eval[bool](p, `document.querySelector('#series-skip')?.checked === true`) {
			t.Errorf("%s: #series-skip is not there and ticked", lang)
		}
		if got, want := norm(eval[string](p, `document.querySelector('#series-confirm').textContent`)), norm(c.tf(t, lang, "series.confirmRequest.other", "n", 5)); got != want {
			t.Errorf("%s: the confirmation says %q, want %q", lang, got, want)
		}
	}

	// 1. The series preview, in three languages; then confirmed in French.
	p.everyLanguage(c, "20-series-preview", "fr", preview)
	preview("fr")
	p.do("untick skip", press("#series-skip", " "), waitFor(`document.querySelector('#series-skip').checked === false`))
	if got, want := norm(eval[string](p, `document.querySelector('#series-confirm').textContent`)), norm(c.tf(t, "fr", "series.confirmRequest.other", "n", 6)); got != want {
		t.Errorf("without skip the confirmation says %q, want %q", got, want)
	}
	p.do("confirm without skip", enter("#series-confirm"), waitFor(`document.querySelector('#book-error[data-code]') !== null`))
	if code := eval[string](p, `document.querySelector('#book-error').dataset.code`); code != "conflict" {
		t.Errorf("a series with a taken date and no skip is refused with %q, want conflict", code)
	}
	if lines := eval[[]string](p, `[...document.querySelectorAll('#book-error li')].map((li) => li.textContent)`); len(lines) == 0 || !strings.Contains(norm(strings.Join(lines, "|")), norm(c.tf(t, "fr", "error.conflict"))) {
		t.Errorf("the whole refusal does not list the refused date: %q", lines)
	}
	var none struct{ Series []apiSeries }
	apiGet(member.Token, "/api/v1/series", &none)
	if len(none.Series) != 0 {
		t.Fatalf("a refused series stored %d series", len(none.Series))
	}
	p.capture("21-series-refused", "fr")
	if eval[bool](p, `document.querySelector('#series-confirm') === null`) {
		preview("fr") // the refusal took the preview away: ask again
	} else {
		p.do("tick skip again", press("#series-skip", " "), waitFor(`document.querySelector('#series-skip').checked === true`))
	}
	p.do("confirm the series", enter("#series-confirm"),
		waitFor(`document.querySelector('#series-preview [data-series-id]') !== null`))
	if eval[bool](p, `!document.querySelector('#book-error').hidden`) {
		t.Errorf("after the series is stored, the earlier refusal still shows: %q", eval[string](p, `document.querySelector('#book-error').innerText`))
	}
	var seriesID int64
	fmt.Sscan(eval[string](p, `document.querySelector('#series-preview [data-series-id]').dataset.seriesId`), &seriesID)
	p.capture("22-series-sent", "fr")
	var se apiSeries
	apiGet(member.Token, fmt.Sprintf("/api/v1/series/%d", seriesID), &se)
	want := slices.Delete(slices.Clone(dates), 2, 3)
	var got []string
	for _, b := range se.Bookings {
		got = append(got, dayOf(b.Start))
		if b.Status != "pending" {
			t.Errorf("the occurrence of %s is %s, want pending", dayOf(b.Start), b.Status)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) || se.RRule != "FREQ=WEEKLY;COUNT=6" {
		t.Fatalf("the stored series is %q on %v, want FREQ=WEEKLY;COUNT=6 on %v", se.RRule, got, want)
	}
	var mine struct {
		Bookings []apiBooking
		Total    int
	}
	apiGet(member.Token, fmt.Sprintf("/api/v1/bookings?resource_id=%d", w.Machine), &mine)
	if mine.Total != 5 {
		t.Errorf("the member has %d bookings after the series, want 5", mine.Total)
	}

	// 2. The taken slot alone: refused as a conflict, the waiting list offered.
	conflict := func(lang string) {
		p.t.Helper()
		fill(taken, "", 0)
		p.do("request the taken slot", enter("#book-submit"), waitFor(`document.querySelector('#book-error[data-code]') !== null`))
		if code := eval[string](p, `document.querySelector('#book-error').dataset.code`); code != "conflict" {
			t.Fatalf("%s: the taken slot is refused with %q, want conflict", lang, code)
		}
		if got, want := norm(eval[string](p, `document.querySelector('#waitlist-join')?.textContent || ''`)), norm(c.tf(t, lang, "wait.join")); got != want {
			t.Fatalf("%s: the conflict offers %q, want %q", lang, got, want)
		}
	}
	p.everyLanguage(c, "23-waitlist-offer", "fr", conflict)
	conflict("fr")
	p.do("join the waiting list", enter("#waitlist-join"),
		waitFor(`document.querySelector('#waitlist-result [data-waitlist-id]') !== null || document.querySelector('#waitlist-result .notice') !== null`))
	var waitID int64
	fmt.Sscan(eval[string](p, `document.querySelector('#waitlist-result [data-waitlist-id]')?.dataset.waitlistId || '0'`), &waitID)
	if waitID == 0 {
		t.Fatalf("joining the waiting list shows %q", eval[string](p, `document.querySelector('#waitlist-result').innerText`))
	}
	p.capture("24-waitlist-joined", "fr")
	var wl struct {
		Waitlist []struct {
			ID         int64     `json:"id"`
			ResourceID int64     `json:"resource_id"`
			Start      time.Time `json:"start"`
			Status     string    `json:"status"`
		}
	}
	apiGet(member.Token, "/api/v1/waitlist", &wl)
	if len(wl.Waitlist) != 1 || wl.Waitlist[0].ID != waitID || wl.Waitlist[0].Status != "waiting" ||
		wl.Waitlist[0].ResourceID != w.Machine || !wl.Waitlist[0].Start.Equal(testclock.Parse(taken+" 14:00")) {
		t.Fatalf("the waiting list is %+v, want entry %d waiting for %s 14:00", wl.Waitlist, waitID, taken)
	}

	// 3. My bookings: the series as one item, its dates inside, the entry waiting.
	sel := fmt.Sprintf(`#upcoming-list > li[data-series-id="%d"]`, seriesID)
	openBookings := func(lang string) {
		p.t.Helper()
		p.do("open my bookings", chromedp.Navigate(p.base+"/#/bookings"),
			waitFor(fmt.Sprintf(`document.querySelector(%s) !== null && document.querySelector('#waitlist-list') !== null`, js(sel))),
			run(fmt.Sprintf(`document.querySelector(%s + ' details').open = true`, js(sel))))
		if n := eval[int](p, `document.querySelectorAll('#upcoming-list > li').length`); n != 1 {
			t.Errorf("%s: My bookings has %d upcoming items, want the series as one", lang, n)
		}
		occ := eval[[]string](p, fmt.Sprintf(`[...document.querySelectorAll(%s + ' details li[data-booking-id]')].map((li) => li.dataset.bookingId + ' ' + li.querySelector('[data-testid="booking-status"]').dataset.status)`, js(sel)))
		if len(occ) != 5 {
			t.Errorf("%s: the series item holds %d dates, want 5: %v", lang, len(occ), occ)
		}
		if st := eval[string](p, fmt.Sprintf(`document.querySelector('#waitlist-list li[data-waitlist-id="%d"] [data-testid="waitlist-status"]')?.dataset.status || ''`, waitID)); st != "waiting" {
			t.Errorf("%s: the waiting list entry shows %q, want waiting", lang, st)
		}
	}
	p.everyLanguage(c, "25-bookings-series", "fr", openBookings)
	openBookings("fr")
	p.shot("25-bookings-series-fr-1280")

	// A link to one date (a notification's, an email's) unfolds its series
	// and puts the focus on that date.
	var asked struct {
		Bookings []struct {
			ID int64 `json:"id"`
		} `json:"bookings"`
	}
	apiGet(member.Token, fmt.Sprintf("/api/v1/series/%d", seriesID), &asked)
	if len(asked.Bookings) < 3 {
		t.Fatalf("the series has %d dates", len(asked.Bookings))
	}
	target := asked.Bookings[2].ID
	followLink := func(lang string) {
		p.t.Helper()
		p.do("follow a link to one date", chromedp.Navigate(fmt.Sprintf("%s/#/bookings?booking=%d", p.base, target)),
			waitFor(fmt.Sprintf(`document.activeElement?.dataset?.bookingId === '%d'`, target)))
		if !eval[bool](p, fmt.Sprintf(`(() => { const li = document.querySelector('li[data-booking-id="%d"]'); return li.classList.contains('booking-asked') && li.closest('details').open })()`, target)) {
			t.Errorf("%s: the date the link names is not marked, or its series is folded", lang)
		}
	}
	p.everyLanguage(c, "25-bookings-date-asked", "fr", followLink)

	// Escape leaves the period dialog without cancelling anything.
	p.do("open the period dialog", enter(sel+` [data-action="cancel-range"]`), waitFor(`document.querySelector('dialog[open] #dialog-from') !== null`),
		chromedp.KeyEvent(kb.Escape), waitFor(`document.querySelector('dialog') === null`))
	apiGet(member.Token, fmt.Sprintf("/api/v1/series/%d", seriesID), &se)
	for _, b := range se.Bookings {
		if b.Status != "pending" {
			t.Fatalf("Escape on the period dialog left %s %s", dayOf(b.Start), b.Status)
		}
	}
	rangeDialog := func(lang string) {
		p.t.Helper()
		p.do("open the period dialog", chromedp.Navigate(p.base+"/#/bookings"), waitFor(fmt.Sprintf(`document.querySelector(%s) !== null`, js(sel))),
			enter(sel+` [data-action="cancel-range"]`), waitFor(`document.querySelector('dialog[open] #dialog-from') !== null`),
			setValue("#dialog-from", dates[1]), setValue("#dialog-to", dates[3]), setValue("#dialog-reason", "Vacances"))
		if got, want := norm(eval[string](p, `document.querySelector('dialog .dialog-live').textContent`)), norm(c.tf(t, lang, "series.inRange.other", "n", 2)); got != want {
			t.Errorf("%s: the period %s-%s says %q, want %q", lang, dates[1], dates[3], got, want)
		}
	}
	p.everyLanguage(c, "26-cancel-range", "fr", rangeDialog)
	rangeDialog("fr")
	p.do("cancel the period", enter("#dialog-confirm"), waitFor(`document.querySelector('dialog') === null`),
		waitFor(`document.querySelector('#main .notices .notice-ok') !== null`),
		waitFor(fmt.Sprintf(`document.querySelectorAll(%s + ' li[data-booking-id] [data-status="cancelled"]').length === 2`, js(sel))))
	if got, want := norm(eval[string](p, `document.querySelector('#main .notices .notice').textContent`)), norm(c.tf(t, "fr", "series.cancelledN.other", "n", 2, "name", resourceName)); !strings.Contains(got, want) {
		t.Errorf("after cancelling the period the notice says %q, want %q", got, want)
	}
	apiGet(member.Token, fmt.Sprintf("/api/v1/series/%d", seriesID), &se)
	var pendingIDs []int64
	for _, b := range se.Bookings {
		d := dayOf(b.Start)
		wantStatus := "pending"
		if d == dates[1] || d == dates[3] {
			wantStatus = "cancelled"
		} else {
			pendingIDs = append(pendingIDs, b.ID)
		}
		if b.Status != wantStatus {
			t.Errorf("after cancelling %s to %s, %s is %s, want %s", dates[1], dates[3], d, b.Status, wantStatus)
		}
	}
	if len(pendingIDs) != 3 {
		t.Fatalf("%d dates left pending, want 3", len(pendingIDs))
	}
	p.signOut()

	// 4. The host, in Dutch: the series is one request; approve all of it.
	p.signIn(w.Manager.Email)
	p.setLang(c, "nl")
	p.do("see the counts", waitFor(`document.querySelector('#pending-count')?.textContent.trim() === '3'`),
		waitFor(`document.querySelector('#unread-count')?.textContent.trim() === '1'`))
	item := fmt.Sprintf(`#approvals-items > li[data-series-id="%d"]`, seriesID)
	approvals := func(lang string) {
		p.t.Helper()
		p.do("open approvals", chromedp.Navigate(p.base+"/#/approvals"), waitFor(fmt.Sprintf(`document.querySelector(%s) !== null`, js(item))),
			run(fmt.Sprintf(`document.querySelector(%s + ' details').open = true`, js(item))))
		if n := eval[int](p, `document.querySelectorAll('#approvals-items > li').length`); n != 1 {
			t.Errorf("%s: Approvals has %d items, want the series as one", lang, n)
		}
		var ids []int64
		for _, s := range eval[[]string](p, fmt.Sprintf(`[...document.querySelectorAll(%s + ' li[data-booking-id]')].map((li) => li.dataset.bookingId)`, js(item))) {
			var id int64
			fmt.Sscan(s, &id)
			ids = append(ids, id)
		}
		slices.Sort(ids)
		if !slices.Equal(ids, pendingIDs) {
			t.Errorf("%s: the series request holds %v, want the pending %v", lang, ids, pendingIDs)
		}
		label := norm(eval[string](p, fmt.Sprintf(`document.querySelector(%s + ' [data-action="approve-series"]').textContent`, js(item))))
		if want := norm(c.tf(t, lang, "series.approveAll.other", "n", 3)); !strings.HasPrefix(label, want) {
			t.Errorf("%s: the series' approve button says %q, want %q", lang, label, want)
		}
	}
	p.everyLanguage(c, "27-approvals-series", "nl", approvals)
	approvals("nl")
	p.do("approve all", enter(item+` [data-action="approve-series"]`),
		waitFor(fmt.Sprintf(`document.querySelector(%s) === null && document.querySelector('#approvals-list .empty') !== null && document.querySelector('#main .notices .notice-ok') !== null`, js(item))),
		waitFor(`document.querySelector('#pending-count')?.textContent.trim() === '0'`))
	apiGet(w.Manager.Token, fmt.Sprintf("/api/v1/series/%d", seriesID), &se)
	for _, b := range se.Bookings {
		want := "approved"
		if !slices.Contains(pendingIDs, b.ID) {
			want = "cancelled"
		}
		if b.Status != want {
			t.Errorf("after approve all, %s is %s, want %s", dayOf(b.Start), b.Status, want)
		}
	}
	p.do("host notifications", chromedp.Navigate(p.base+"/#/notifications"), waitFor(`document.querySelector('#notifications-list') !== null`))
	if n := eval[int](p, `document.querySelectorAll('#notifications-list li.notif-unread[data-kind="approval_requested"]').length`); n != 1 {
		t.Errorf("the host has %d unread requests, want one for the whole series", n)
	}
	p.signOut()

	// 5. The member's bell, the notifications, mark all read, the email choice.
	p.signIn(member.Email)
	p.setLang(c, "fr")
	p.do("see the unread count", waitFor(`document.querySelector('#unread-count')?.textContent.trim() === '1'`))
	notifs := func(lang string) {
		p.t.Helper()
		p.do("open notifications", enter("#nav-notifications"), waitFor(`document.querySelector('#notifications-list') !== null`))
		msgs := eval[[]string](p, `[...document.querySelectorAll('#notifications-list li.notif-unread[data-kind="booking_approved"] .notif-msg')].map((m) => m.textContent)`)
		if len(msgs) != 1 {
			t.Fatalf("%s: %d unread approvals listed, want 1: %q", lang, len(msgs), eval[string](p, `document.querySelector('#main').innerText`))
		}
		tmpl := c.tf(t, lang, "notify.booking_approved_series", "count", 3, "resource", resourceName)
		if head, _, _ := strings.Cut(tmpl, "{when}"); !strings.HasPrefix(norm(msgs[0]), norm(head)) {
			t.Errorf("%s: the approval reads %q, want it to start with %q (the list is drawn in the chosen language)", lang, msgs[0], head)
		}
	}
	p.everyLanguage(c, "28-notifications", "fr", notifs)
	notifs("fr")
	if eval[bool](p, `document.querySelector('#notifications-read-all').disabled`) {
		t.Error("Mark all as read is disabled with an unread notification")
	}
	p.do("mark all read", enter("#notifications-read-all"),
		waitFor(`document.querySelector('#notifications-list') !== null && document.querySelector('#notifications-list li.notif-unread') === null`),
		waitFor(`document.querySelector('#unread-count')?.textContent.trim() === '0'`))
	var unread struct{ Unread int }
	apiGet(member.Token, "/api/v1/me/notifications", &unread)
	if unread.Unread != 0 {
		t.Errorf("after mark all read the API counts %d unread", unread.Unread)
	}
	if !eval[bool](p, `document.querySelector('#email-notifications').checked`) {
		t.Error("the email copy is off for a new account")
	}
	p.do("turn email copies off", press("#email-notifications", " "),
		waitFor(`document.querySelector('#email-notifications').checked === false && !document.querySelector('#email-notifications').disabled && document.querySelector('#main [role="status"] .notice-ok') !== null`))
	var me struct {
		EmailNotifications bool `json:"email_notifications"`
	}
	apiGet(member.Token, "/api/v1/me", &me)
	if me.EmailNotifications {
		t.Error("unticking the email copy left email_notifications on")
	}
	p.capture("29-notifications-read", "fr")
}
