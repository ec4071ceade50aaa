package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"atelier/internal/apitest"
	"atelier/internal/apitest/testclock"
	"atelier/models"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// docScreens is where the screenshots of the documentation live; they are
// written only with ATELIER_SCREENSHOTS=1, so that a test run leaves the
// tracked tree as it was.
var docScreens = filepath.Join("..", "docs", "screenshots")

// phoneWorkshop is the workshop of the phone test: a site open every day
// 08:00-20:00, two machines (the laser with an approval, a certification,
// a weekly quota and a 14-day advance limit) and a space; a host, a member
// and a second member, all speaking lang.
type phoneWorkshop struct {
	admin, host, member, other apitest.User
	site, laser, saw, benches  int64
}

const (
	laserName = "Découpeuse laser CO2"
	sawName   = "Scie à format"
	// laserAdvance is how many days ahead a member may book the laser.
	laserAdvance = 14
)

func newPhoneWorkshop(t *testing.T, env *apitest.Env, lang string) phoneWorkshop {
	t.Helper()
	w := phoneWorkshop{
		admin:  env.NewUser(t, models.RoleAdmin, "Jan Peeters"),
		host:   env.NewUser(t, models.RoleManager, "Sofie Claes"),
		member: env.NewUser(t, models.RoleMember, "Camille Dubois"),
		other:  env.NewUser(t, models.RoleMember, "Noor Peeters"),
	}
	for _, u := range []apitest.User{w.admin, w.host, w.member, w.other} {
		env.Must(t, 200, "PATCH", "/api/v1/me", u.Token, map[string]any{"language": lang})
	}
	all := []int{1, 2, 3, 4, 5, 6, 7}
	w.site = env.Must(t, 201, "POST", "/api/v1/sites", w.admin.Token, map[string]any{
		"name": "Atelier partagé de Cureghem", "timezone": "Europe/Brussels", "floor_area_m2": 620,
		"opening_hours": []map[string]any{{"days": all, "from": "08:00", "to": "20:00"}},
		"quiet_hours":   []map[string]any{{"days": all, "from": "22:00", "to": "07:00"}},
	}).ID()
	wood := env.Must(t, 201, "POST", "/api/v1/zones", w.host.Token, map[string]any{
		"site_id": w.site, "name": "Atelier bois et métal", "use": "production", "area_m2": 240}).ID()
	env.Must(t, 201, "POST", "/api/v1/zones", w.host.Token, map[string]any{
		"site_id": w.site, "name": "Stock de réemploi", "use": "storage", "area_m2": 90})
	w.laser = env.Must(t, 201, "POST", "/api/v1/resources", w.host.Token, map[string]any{
		"zone_id": wood, "name": laserName, "kind": "machine", "slot_minutes": 30, "max_minutes": 240,
		"requires_approval": true, "requires_certification": true, "max_hours_per_week": 8, "max_advance_days": laserAdvance}).ID()
	w.saw = env.Must(t, 201, "POST", "/api/v1/resources", w.host.Token, map[string]any{
		"zone_id": wood, "name": sawName, "kind": "machine", "slot_minutes": 30, "max_minutes": 180}).ID()
	w.benches = env.Must(t, 201, "POST", "/api/v1/resources", w.host.Token, map[string]any{
		"zone_id": wood, "name": "Établis partagés", "kind": "space", "capacity": 60, "unit": "m2", "slot_minutes": 60}).ID()
	for _, u := range []apitest.User{w.member, w.other} {
		env.Must(t, 201, "POST", fmt.Sprintf("/api/v1/members/%d/certifications", u.ID), w.host.Token, map[string]any{"resource_id": w.laser})
	}
	return w
}

// dmy writes "YYYY-MM-DD" as Atelier's date fields show it: "31/12/2026".
func dmy(date string) string {
	v, _ := time.Parse(time.DateOnly, date)
	return v.Format("02/01/2006")
}

// browserLocale makes the browser speak another language than Atelier's
// interface, as a Belgian's English phone does.
func browserLocale(locale string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: locale})
		return err
	})
}

// englishText is one piece of en.json that the other language never says.
type englishText struct{ key, text string }

var placeholder = regexp.MustCompile(`\{[^}]*\}`)

// englishOnly answers the pieces of English of the catalogue (each value cut
// at its {params}, trimmed) longer than three letters that are not in any
// text of lang: seeing one on a screen in lang means something was not
// translated. Proper names are data, not in en.json, so they never match.
func englishOnly(c catalog, lang string) []englishText {
	var other strings.Builder
	for _, v := range c[lang] {
		other.WriteString(v)
		other.WriteString("\n")
	}
	known := other.String()
	seen := map[string]bool{}
	var out []englishText
	notWord := func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }
	for k, en := range c["en"] {
		if en == c[lang][k] {
			continue
		}
		for _, piece := range placeholder.Split(en, -1) {
			piece = strings.TrimFunc(piece, notWord)
			if utf8.RuneCountInString(piece) <= 3 || seen[piece] || hasWord(known, piece) {
				continue
			}
			seen[piece] = true
			out = append(out, englishText{k, piece})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

// hasWord tells whether s holds w with no letter glued on either side.
func hasWord(s, w string) bool {
	for from := 0; ; {
		i := strings.Index(s[from:], w)
		if i < 0 {
			return false
		}
		i += from
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[i+len(w):])
		if !unicode.IsLetter(before) && !unicode.IsLetter(after) {
			return true
		}
		from = i + len(w)
	}
}

// screenText is everything the screen says: the title, the text shown
// (screen-reader-only text included), labels in attributes, and the values
// of the fields.
const screenText = `(() => {
	const parts = [document.title, document.body.innerText];
	for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [alt]')) {
		if (el.closest('[hidden]')) continue;
		for (const a of ['aria-label', 'title', 'placeholder', 'alt']) if (el.getAttribute(a)) parts.push(el.getAttribute(a));
	}
	for (const el of document.querySelectorAll('input:not([type="hidden"]), textarea')) if (el.value && !el.closest('[hidden]')) parts.push(el.value);
	return parts.join('\n');
})()`

// englishOn answers the pieces of English the screen says, each with a little of what is around it.
func (p *page) englishOn(english []englishText) []string {
	p.t.Helper()
	text := eval[string](p, screenText)
	var found []string
	for _, e := range english {
		if hasWord(text, e.text) {
			i := strings.Index(text, e.text)
			found = append(found, fmt.Sprintf("%q (en.json %s): …%s…", e.text, e.key, norm(text[max(0, i-60):min(len(text), i+len(e.text)+60)])))
		}
	}
	return found
}

// noEnglish fails the test for each piece of English on the screen.
func (p *page) noEnglish(screen string, english []englishText) {
	p.t.Helper()
	for _, f := range p.englishOn(english) {
		p.t.Errorf("%s says in English: %s", screen, f)
	}
}

// phoneCapture draws the screen as it is at 390 px and then 1280 px: in
// lang with no English, nothing wider than the screen, no WCAG 2.1 AA
// violation, a screenshot (in docs/screenshots with ATELIER_SCREENSHOTS=1),
// and goes back to 390 px.
func (p *page) phoneCapture(name, lang string, english []englishText) {
	p.t.Helper()
	for _, w := range []int64{390, 1280} {
		p.do(fmt.Sprintf("resize to %d", w), viewport(w), chromedp.Sleep(150*time.Millisecond))
		shot := fmt.Sprintf("%s-%s-%d", name, lang, w)
		if got := eval[int](p, `document.documentElement.scrollWidth`); got > int(w) {
			p.t.Errorf("%s is %d px wide", shot, got)
		}
		p.noEnglish(shot, english)
		p.axe(shot)
		p.shot(shot)
		if os.Getenv("ATELIER_SCREENSHOTS") == "1" {
			p.docShot(shot)
		}
	}
	p.do("back to 390 px", viewport(390), chromedp.Sleep(150*time.Millisecond))
}

// docShot writes a full-page screenshot into docs/screenshots.
func (p *page) docShot(name string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(docScreens, name+".png"), buf, 0o644); err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
}

// settled waits for the page to stop scrolling (a smooth scroll is over).
var settled = chromedp.Poll[chromedp.Void](`(() => { const y = Math.round(scrollY); const still = window.__lastScrollY === y; window.__lastScrollY = y; return still })()`,
	chromedp.WithPollingInterval(120*time.Millisecond), chromedp.WithPollingTimeout(5*time.Second))

// held is a mouse option for a move with the left button down.
func held(p *input.DispatchMouseEventParams) {
	p.Button = input.MouseButtonLeft
	p.Buttons = 1
}

// drag presses the mouse on the cell from and lets it go on the cell to,
// moving in steps, as a member drags over a range.
func (p *page) drag(from, to string) {
	p.t.Helper()
	p.do("bring the range into view", run(fmt.Sprintf(`document.querySelector(%s).scrollIntoView({block: 'center'})`, js(from))), chromedp.Sleep(100*time.Millisecond))
	var pts [2]struct{ X, Y float64 }
	raw := eval[string](p, fmt.Sprintf(`JSON.stringify([%s, %s].map((s) => { const r = document.querySelector(s).getBoundingClientRect(); return {X: r.left + r.width / 2, Y: r.top + r.height / 2} }))`, js(from), js(to)))
	if err := json.Unmarshal([]byte(raw), &pts); err != nil {
		p.t.Fatal(err)
	}
	a, b := pts[0], pts[1]
	acts := []chromedp.Action[chromedp.Void]{
		chromedp.MouseEvent(chromedp.MouseMoved, a.X, a.Y),
		chromedp.MouseEvent(chromedp.MousePressed, a.X, a.Y, chromedp.ButtonLeft, chromedp.ClickCount(1), func(p *input.DispatchMouseEventParams) { p.Buttons = 1 }),
	}
	for i := 1; i <= 6; i++ {
		f := float64(i) / 6
		acts = append(acts, chromedp.MouseEvent(chromedp.MouseMoved, a.X+(b.X-a.X)*f, a.Y+(b.Y-a.Y)*f, held), chromedp.Sleep(20*time.Millisecond))
	}
	acts = append(acts, chromedp.MouseEvent(chromedp.MouseReleased, b.X, b.Y, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	p.do(fmt.Sprintf("drag from %s to %s", from, to), acts...)
}

// rowsOf answers the hours (the row headers) of the grid's cells on date that match the CSS condition.
func (p *page) rowsOf(date, cond string) []string {
	p.t.Helper()
	return eval[[]string](p, fmt.Sprintf(`[...document.querySelectorAll('#week-grid .cell[data-date="%s"]%s')].map((c) => c.closest('tr').querySelector('th').textContent.trim())`, date, cond))
}

// showDay brings date's day into the grid on a phone (paging to its week when needed).
func (p *page) showDay(date string) {
	p.t.Helper()
	tab := fmt.Sprintf(`.day-tab[data-date="%s"]`, date)
	if !eval[bool](p, fmt.Sprintf(`document.querySelector(%s) !== null`, js(tab))) {
		p.do("next week", chromedp.Click(chromedp.ID("week-next")), waitFor(fmt.Sprintf(`document.querySelector(%s) !== null && document.querySelector('#week-grid .cell') !== null`, js(tab))))
	}
	p.do("show "+date, chromedp.Click(chromedp.CSS(tab)),
		waitFor(fmt.Sprintf(`document.querySelector(%s).getAttribute('aria-pressed') === 'true' && document.querySelector('#week-grid .cell[data-date="%s"]') !== null`, js(tab), date)))
}

// TestBrowserPhone is Book on a phone (390 px) in Dutch and in French, in
// a browser whose own locale is English. A member taps a machine and lands on its
// time; sees their own booking marked as theirs; drags over two hours and
// the form holds them (dd/mm/yyyy, 14:00); another machine drops the range;
// the dragged range is booked and stored; the advance limit shows in the
// grid. A host's closure lists the bookings it would cancel before it does
// and, kept open, stores nothing. Every screen of both roles says no
// English (en.json against the language's file), holds at 390 and 1280
// px, and passes axe-core's WCAG 2.1 AA rules.
func TestBrowserPhone(t *testing.T) {
	for _, lang := range []string{"nl", "fr"} {
		t.Run(lang, func(t *testing.T) { phoneFlow(t, lang) })
	}
}

func phoneFlow(t *testing.T, lang string) {
	ctx := browser(t)
	c := loadCatalog(t)
	english := englishOnly(c, lang)
	t.Logf("%d pieces of English to look for", len(english))
	if len(english) < 200 {
		t.Fatalf("only %d pieces of English to look for", len(english))
	}
	env := liveEnv(t)
	w := newPhoneWorkshop(t, env, lang)
	now := time.Now().In(testclock.Brussels)
	today := now.Format(time.DateOnly)
	tomorrow := now.AddDate(0, 0, 1).Format(time.DateOnly)
	// Tomorrow on the laser: Noor 08:00-09:00, Camille 15:00-16:00, both approved.
	noor := env.Must(t, 201, "POST", "/api/v1/bookings", w.other.Token, apitest.Slot(w.laser,
		testclock.Parse(tomorrow+" 08:00").Format(time.RFC3339), testclock.Parse(tomorrow+" 09:00").Format(time.RFC3339))).ID()
	own := env.Must(t, 201, "POST", "/api/v1/bookings", w.member.Token, apitest.Slot(w.laser,
		testclock.Parse(tomorrow+" 15:00").Format(time.RFC3339), testclock.Parse(tomorrow+" 16:00").Format(time.RFC3339))).ID()
	for _, id := range []int64{noor, own} {
		env.Must(t, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/approve", id), w.host.Token, nil)
	}
	env.Must(t, 204, "POST", "/api/v1/me/notifications/read", w.host.Token, nil)

	p := newPage(t, ctx, env)
	bookingsOf := func(token string, q string) []apiBooking {
		var r struct{ Bookings []apiBooking }
		env.Must(t, 200, "GET", "/api/v1/bookings?"+q, token, nil).Decode(t, &r)
		return r.Bookings
	}

	p.do("open the app on an English phone", viewport(390), browserLocale("en-US"),
		chromedp.Navigate(p.base), waitFor(`document.querySelector('#email') !== null`))
	if loc := eval[string](p, `Intl.DateTimeFormat().resolvedOptions().locale`); !strings.HasPrefix(loc, "en") {
		t.Fatalf("the browser's locale is %q, want English", loc)
	}
	// The check sees English where there is some.
	p.setLang(c, "en")
	if found := p.englishOn(english); len(found) < 3 {
		t.Fatalf("the English sign-in screen shows only %d pieces of en.json: %q", len(found), found)
	}
	p.setLang(c, lang)
	p.phoneCapture("30-sign-in", lang, english)
	p.signIn(w.member.Email)
	p.setLang(c, lang)

	// 1. A tap on the machine lands on its time.
	laserCell := func(date string, hour int) string {
		return fmt.Sprintf(`#week-grid button.cell[data-date="%s"][data-hour="%d"]`, date, hour)
	}
	p.do("open Book", chromedp.Navigate(p.base+"/#/book"), waitFor(fmt.Sprintf(`document.querySelector('#resource-%d') !== null`, w.laser)))
	if eval[bool](p, `!!document.querySelector('#week-grid') && !document.querySelector('#week-grid').closest('[hidden]')`) {
		t.Error("the week shows before a machine is chosen")
	}
	p.do("tap the laser", chromedp.Click(chromedp.CSS(fmt.Sprintf(`label[for="resource-%d"]`, w.laser))),
		waitFor(`document.querySelector('#week-grid .cell') !== null && !document.querySelector('#week-grid').closest('[hidden]')`),
		waitFor(`(() => { const r = document.querySelector('#book-week-h').getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight / 2 })()`),
		settled)
	inView := eval[string](p, `(() => { const h = document.querySelector('#book-week-h').getBoundingClientRect();
		const g = document.querySelector('#week-grid').getBoundingClientRect();
		return JSON.stringify({title: Math.round(h.top), grid: Math.round(g.top), height: innerHeight, scrolled: Math.round(scrollY), focus: document.activeElement.id}) })()`)
	var view struct {
		Title, Grid, Height, Scrolled int
		Focus                         string
	}
	json.Unmarshal([]byte(inView), &view)
	if view.Title < 0 || view.Title > view.Height/2 || view.Grid < 0 || view.Grid > view.Height*3/4 || view.Scrolled == 0 {
		t.Errorf("after the tap, the week's title is at %d px and the grid at %d px of a %d px screen (scrolled %d px): not in view", view.Title, view.Grid, view.Height, view.Scrolled)
	}
	if view.Focus != "book-week-h" {
		t.Errorf("after the tap the focus is on #%s, want the week's title", view.Focus)
	}
	// Camille holds the laser's certification (GET /api/v1/me/certifications): its line says so.
	p.do("see the certification held", waitFor(fmt.Sprintf(`document.querySelector('label[for="resource-%d"] .rules').textContent.includes(%s)`, w.laser, js(c.tf(t, lang, "rules.certified")))))
	if eval[bool](p, `document.querySelector('.legend li[data-legend="nocert"]').hidden === false`) {
		t.Error("the legend explains cells lacking a certification the member holds")
	}
	if eval[bool](p, `performance.getEntriesByType('resource').some((e) => e.name.includes('/series/preview'))`) {
		t.Error("Book probed a certification with POST /series/preview")
	}
	if eval[bool](p, `document.querySelector('link[href$="report.css"]') !== null`) {
		t.Error("a member's Book links report.css")
	}

	// 2. Tomorrow: Camille's own booking is marked as hers, Noor's is taken.
	p.showDay(tomorrow)
	if got := p.rowsOf(tomorrow, `[data-state="mine"]`); !slices.Equal(got, []string{"15:00"}) {
		t.Errorf("cells marked as the member's own tomorrow: %v, want [15:00]", got)
	}
	if got := norm(eval[string](p, fmt.Sprintf(`document.querySelector('#week-grid .cell[data-date="%s"][data-state="mine"] .cell-text')?.textContent || ''`, tomorrow))); got != c.tf(t, lang, "grid.mine") {
		t.Errorf("the member's own cell says %q, want %q", got, c.tf(t, lang, "grid.mine"))
	}
	if got := p.rowsOf(tomorrow, `[data-state="taken"]`); !slices.Equal(got, []string{"08:00"}) {
		t.Errorf("taken cells tomorrow: %v, want Noor's [08:00]", got)
	}
	if eval[bool](p, `document.querySelector('.legend li[data-legend="mine"]').hidden`) {
		t.Error("the legend does not explain the member's own cells")
	}

	// 3. A drag from 10:00 to 11:00 picks 10:00-12:00; the fields say it day first and on 24 hours.
	dragRange := func() {
		p.t.Helper()
		p.drag(laserCell(tomorrow, 10), laserCell(tomorrow, 11))
		p.do("see the range picked", waitFor(`document.querySelector('#book-end').value !== ''`))
		got := eval[[]string](p, `['#book-date', '#book-start', '#book-end'].map((s) => document.querySelector(s).value)`)
		if want := []string{dmy(tomorrow), "10:00", "12:00"}; !slices.Equal(got, want) {
			t.Errorf("after dragging over 10:00-11:00 the form holds %q, want %q", got, want)
		}
		if sel := p.rowsOf(tomorrow, `.is-selected`); !slices.Equal(sel, []string{"10:00", "11:00"}) {
			t.Errorf("cells shown selected: %v, want [10:00 11:00]", sel)
		}
		if eval[string](p, `document.querySelector('#book-pick .pick-text').textContent.trim()`) == "" {
			t.Error("#book-pick says nothing of the range picked")
		}
	}
	dragRange()
	if types := eval[[]string](p, `['#book-date', '#book-start', '#book-end'].map((s) => document.querySelector(s).type)`); !slices.Equal(types, []string{"text", "text", "text"}) {
		t.Errorf("the date and time fields are %v: a native input follows the browser's locale", types)
	}

	// 4. Another machine: the range is gone, and does not come back with the laser.
	noSelection := func(when string) {
		p.t.Helper()
		if n := eval[int](p, `document.querySelectorAll('#week-grid .is-selected').length`); n != 0 {
			t.Errorf("%s: %d cells still selected", when, n)
		}
		if got := eval[[]string](p, `['#book-start', '#book-end'].map((s) => document.querySelector(s).value)`); !slices.Equal(got, []string{"", ""}) {
			t.Errorf("%s: the form still holds %q", when, got)
		}
		if got := eval[string](p, `document.querySelector('#book-pick .pick-text').textContent.trim()`); got != "" {
			t.Errorf("%s: #book-pick still says %q", when, got)
		}
	}
	for _, r := range []struct {
		id   int64
		name string
	}{{w.saw, sawName}, {w.laser, laserName}} {
		want := c.tf(t, lang, "book.weekOf", "name", r.name)
		p.do("tap "+r.name, chromedp.Click(chromedp.CSS(fmt.Sprintf(`label[for="resource-%d"]`, r.id))),
			waitFor(fmt.Sprintf(`document.querySelector('#book-week-h').textContent.trim() === %s && document.querySelector('#week-grid .cell') !== null`, js(want))), settled)
		noSelection("after choosing " + r.name)
	}

	// 5. The dragged range, booked: stored, answered in view, and the grid marks it as hers.
	p.showDay(tomorrow)
	dragRange()
	p.do("note", setValue("#book-note", "Panelen van hergebruikt multiplex"))
	p.do("send", chromedp.Click(chromedp.ID("book-submit")),
		waitFor(`document.querySelector('#book-result [data-status]') !== null || document.querySelector('#book-error[data-code]') !== null`))
	if code := eval[string](p, `document.querySelector('#book-error')?.dataset.code || ''`); code != "" {
		t.Fatalf("the dragged range is refused with %s: %s", code, eval[string](p, `document.querySelector('#book-error').innerText`))
	}
	if st := eval[string](p, `document.querySelector('#book-result [data-status]').dataset.status`); st != "pending" {
		t.Errorf("the new request shows %q, want pending", st)
	}
	// The answer takes the focus once the grid is drawn again.
	p.do("let the answer come into view", chromedp.Poll[chromedp.Void](`document.querySelector('#book-result').contains(document.activeElement)`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(5*time.Second)), settled)
	// The grid above the answer is drawn again after a booking: the answer
	// must still be on the screen (above the send bar) once it is.
	if !eval[bool](p, `(() => { const r = document.querySelector('#book-result .notice').getBoundingClientRect(); const bar = document.querySelector('.book-bar').getBoundingClientRect();
		return r.top >= 0 && r.bottom <= Math.min(innerHeight, bar.top > 0 ? bar.top : innerHeight) })()`) {
		t.Errorf("the answer to the request is not in view: %s", eval[string](p, `JSON.stringify({notice: document.querySelector('#book-result .notice').getBoundingClientRect(), bar: document.querySelector('.book-bar').getBoundingClientRect(), h: innerHeight, y: scrollY})`))
	}
	var dragged int64
	for _, b := range bookingsOf(w.member.Token, fmt.Sprintf("member_id=%d&resource_id=%d", w.member.ID, w.laser)) {
		if b.Start.Equal(testclock.Parse(tomorrow+" 10:00")) && b.End.Equal(testclock.Parse(tomorrow+" 12:00")) && b.Status == "pending" {
			dragged = b.ID
		}
	}
	if dragged == 0 {
		t.Fatalf("no pending booking 10:00-12:00 tomorrow stored for the member: %+v", bookingsOf(w.member.Token, fmt.Sprintf("member_id=%d", w.member.ID)))
	}
	p.do("see the booking in the grid", waitFor(fmt.Sprintf(`document.querySelectorAll('#week-grid .cell[data-date="%s"][data-state="mine"]').length === 3`, tomorrow)))
	if got := p.rowsOf(tomorrow, `[data-state="mine"]`); !slices.Equal(got, []string{"10:00", "11:00", "15:00"}) {
		t.Errorf("after booking, the member's own cells are %v, want [10:00 11:00 15:00]", got)
	}
	pendingText := c.tf(t, lang, "grid.minePending")
	if got := eval[[]string](p, fmt.Sprintf(`[...document.querySelectorAll('#week-grid .cell[data-date="%s"][data-state="mine"] .cell-text')].map((e) => e.textContent.trim())`, tomorrow)); !slices.Equal(got, []string{pendingText, pendingText, c.tf(t, lang, "grid.mine")}) {
		t.Errorf("the member's own cells say %q", got)
	}
	// Typed by hand, in any of the accepted forms, shown as Atelier writes them.
	p.do("type a time and a date", setValue("#book-start", "14"), setValue("#book-end", "1530"), setValue("#book-date", tomorrow))
	if got := eval[[]string](p, `['#book-date', '#book-start', '#book-end'].map((s) => document.querySelector(s).value)`); !slices.Equal(got, []string{dmy(tomorrow), "14:00", "15:30"}) {
		t.Errorf("typed %s, 14 and 1530, the fields show %q, want [%s 14:00 15:30]", tomorrow, got, dmy(tomorrow))
	}
	p.do("clear the typed range", setValue("#book-start", ""), setValue("#book-end", ""))
	p.phoneCapture("31-book", lang, english)

	// 6. The advance limit: the day after it is too far ahead, and the grid says so.
	beyond := now.AddDate(0, 0, laserAdvance+1).Format(time.DateOnly)
	p.do("open a week beyond the limit", chromedp.Navigate(fmt.Sprintf("%s/#/book?resource=%d&week=%s", p.base, w.laser, beyond)),
		waitFor(`document.querySelector('#week-grid .cell') !== null`))
	p.showDay(beyond)
	states := eval[[]string](p, fmt.Sprintf(`[...new Set([...document.querySelectorAll('#week-grid .cell[data-date="%s"]')].map((c) => c.dataset.state))]`, beyond))
	if !slices.Equal(states, []string{"ahead"}) {
		t.Errorf("%s, %d days ahead of a %d-day limit, shows cells %v, want all ahead", beyond, laserAdvance+1, laserAdvance, states)
	}
	if got := eval[string](p, fmt.Sprintf(`document.querySelector('#week-grid .cell[data-date="%s"] .cell-text').textContent.trim()`, beyond)); got != c.tf(t, lang, "grid.ahead") {
		t.Errorf("a cell beyond the limit says %q, want %q", got, c.tf(t, lang, "grid.ahead"))
	}
	if eval[bool](p, `document.querySelector('.legend li[data-legend="ahead"]').hidden`) {
		t.Error("the legend does not explain the cells beyond the limit")
	}
	head, _, _ := strings.Cut(c.tf(t, lang, "book.advanceUntil"), "{date}")
	limit := now.AddDate(0, 0, laserAdvance)
	if got := norm(eval[string](p, `document.querySelector('.advance-line')?.textContent || ''`)); !strings.HasPrefix(got, norm(head)) || !strings.Contains(got, fmt.Sprint(limit.Day())) {
		t.Errorf("the advance limit reads %q, want %q… with day %d", got, head, limit.Day())
	}
	p.phoneCapture("32-book-ahead", lang, english)

	// 7. The member's other screens.
	p.do("open my bookings", chromedp.Navigate(p.base+"/#/bookings"),
		waitFor(fmt.Sprintf(`document.querySelector('#upcoming-list li[data-booking-id="%d"]') !== null`, dragged)))
	p.phoneCapture("33-bookings", lang, english)
	p.do("open notifications", chromedp.Navigate(p.base+"/#/notifications"), waitFor(`document.querySelector('#notifications-list li[data-notification-id]') !== null`))
	p.phoneCapture("34-notifications", lang, english)
	p.signOut()

	// 8. The host, in the same language: every screen.
	p.signIn(w.host.Email)
	p.setLang(c, lang)
	p.do("host: Book", chromedp.Navigate(fmt.Sprintf("%s/#/book?resource=%d", p.base, w.laser)), waitFor(`document.querySelector('#week-grid .cell') !== null`))
	p.showDay(tomorrow)
	p.phoneCapture("35-book-host", lang, english)
	p.do("host: Approvals", chromedp.Navigate(p.base+"/#/approvals"),
		waitFor(fmt.Sprintf(`document.querySelector('#approvals-list li[data-booking-id="%d"]') !== null`, dragged)))
	p.phoneCapture("36-approvals", lang, english)
	p.do("host: My bookings", chromedp.Navigate(p.base+"/#/bookings"), waitFor(`document.querySelector('#calendar-url') !== null && document.querySelector('#main .loading') === null`))
	p.phoneCapture("37-bookings-host", lang, english)
	p.do("host: Notifications", chromedp.Navigate(p.base+"/#/notifications"), waitFor(`document.querySelector('#notifications-list') !== null`))
	p.phoneCapture("38-notifications-host", lang, english)
	p.do("host: Workshop", chromedp.Navigate(p.base+"/#/workshop"),
		waitFor(`document.querySelector('.floor-bar') !== null && document.querySelector('#closure-form') !== null && document.querySelector('#closure-list .loading') === null`))
	if got := eval[[]string](p, `['#closure-start-date', '#closure-start-time', '#closure-end-time'].map((s) => document.querySelector(s).value)`); !slices.Equal(got, []string{dmy(today), "08:00", "18:00"}) {
		t.Errorf("the closure form starts with %q, want [%s 08:00 18:00]", got, dmy(today))
	}
	p.phoneCapture("39-workshop", lang, english)

	// 9. A closure of the laser tomorrow 08:00-18:00 would cancel three bookings: listed first, and kept open nothing happens.
	p.do("fill the closure", setValue("#closure-resource", fmt.Sprint(w.laser)),
		waitFor(`document.querySelector('#closure-list .loading') === null`),
		setValue("#closure-start-date", dmy(tomorrow)), setValue("#closure-start-time", "08:00"),
		setValue("#closure-end-date", dmy(tomorrow)), setValue("#closure-end-time", "18:00"),
		setValue("#closure-reason", "Onderhoud van de laserbuis"),
		chromedp.Click(chromedp.ID("closure-submit")),
		waitFor(`document.querySelector('dialog[open] #closure-preview') !== null`))
	var listed []int64
	for _, s := range eval[[]string](p, `[...document.querySelectorAll('dialog[open] #closure-preview li[data-booking-id]')].map((li) => li.dataset.bookingId)`) {
		var id int64
		fmt.Sscan(s, &id)
		listed = append(listed, id)
	}
	slices.Sort(listed)
	if want := []int64{noor, own, dragged}; !slices.Equal(listed, want) {
		t.Errorf("the closure's preview lists bookings %v, want %v", listed, want)
	}
	if got, want := norm(eval[string](p, `document.querySelector('#dialog-confirm').textContent`)), norm(c.tf(t, lang, "clo.confirmCancel.other", "name", laserName, "n", 3)); got != want {
		t.Errorf("the closure's confirm button says %q, want %q", got, want)
	}
	if got, want := norm(eval[string](p, `document.querySelector('#dialog-cancel').textContent`)), norm(c.tf(t, lang, "clo.keepOpen")); got != want {
		t.Errorf("the closure's cancel button says %q, want %q", got, want)
	}
	p.phoneCapture("40-closure-preview", lang, english)
	p.do("keep the laser open", chromedp.Click(chromedp.ID("dialog-cancel")), waitFor(`document.querySelector('dialog') === null`))
	var closures struct{ Closures []json.RawMessage }
	env.Must(t, 200, "GET", fmt.Sprintf("/api/v1/resources/%d/closures", w.laser), w.host.Token, nil).Decode(t, &closures)
	if len(closures.Closures) != 0 {
		t.Errorf("keeping the laser open stored %d closures", len(closures.Closures))
	}
	wantStatus := map[int64]string{noor: "approved", own: "approved", dragged: "pending"}
	for _, b := range bookingsOf(w.host.Token, fmt.Sprintf("resource_id=%d", w.laser)) {
		if want, ok := wantStatus[b.ID]; ok && b.Status != want {
			t.Errorf("after keeping the laser open, booking %d is %s, want %s", b.ID, b.Status, want)
		}
	}

	p.do("host: Members", chromedp.Navigate(p.base+"/#/members"),
		waitFor(fmt.Sprintf(`document.querySelector('tr[data-member-id="%d"] [data-action="certifications"]') !== null`, w.member.ID)),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`tr[data-member-id="%d"] [data-action="certifications"]`, w.member.ID))),
		waitFor(fmt.Sprintf(`document.querySelector('#cert-table tr[data-resource-id="%d"]') !== null`, w.laser)))
	p.phoneCapture("41-members", lang, english)
	// The server's field messages come with codes: said in the language, with their figures.
	p.do("create a member with a short password", chromedp.Click(chromedp.CSS(`details.editor > summary`)),
		setValue("#member-name", "Lotte Peeters"), setValue("#member-email", "lotte@"), setValue("#member-password", "kort"),
		chromedp.Click(chromedp.ID("member-submit")),
		waitFor(`document.querySelector('#member-password-err') !== null && document.querySelector('#member-email-err') !== null`))
	for id, want := range map[string]string{
		"#member-password-err": c.tf(t, lang, "field.password_too_short", "n", 10),
		"#member-email-err":    c.tf(t, lang, "field.email"),
	} {
		if got := norm(eval[string](p, fmt.Sprintf(`document.querySelector(%s).textContent`, js(id)))); !strings.HasSuffix(got, norm(want)) {
			t.Errorf("%s says %q, want %q", id, got, want)
		}
	}
	p.phoneCapture("43-member-refused", lang, english)
	p.do("host: Report", chromedp.Navigate(p.base+"/#/report"),
		waitFor(`document.querySelector('#report-body') !== null && document.querySelector('#report-body').children.length > 0 && document.querySelector('#main .loading') === null`))
	p.phoneCapture("42-report", lang, english)
}
