package e2e

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"atelier/internal/apitest"
	"atelier/internal/apitest/testclock"
	"atelier/models"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

type apiResourceUsage struct {
	ResourceID  int64   `json:"resource_id"`
	Name        string  `json:"name"`
	Utilization float64 `json:"utilization"`
	Bookings    int     `json:"bookings"`
	Members     int     `json:"members"`
}

type apiUsage struct {
	MembersActive int                `json:"members_active"`
	Resources     []apiResourceUsage `json:"resources"`
	Uses          []struct {
		Use string `json:"use"`
	} `json:"uses"`
	Periods []struct{} `json:"periods"`
}

// TestBrowserUsageReport is the usage report in a browser. A host opens
// it on a window given in the address: the machines and spaces are in the
// API's figures, fullest first, members are a count, the trend has a row
// per day, and the CSV link answers the CSV. The period changes from the
// keyboard and the address follows. Printed, the page keeps the report
// and drops the navigation and the controls. A member has no Report entry
// and is sent to Book. The screen passes axe-core's WCAG 2.1 AA rules and
// is drawn in fr, nl and en at 1280 and 390 px.
func TestBrowserUsageReport(t *testing.T) {
	ctx := browser(t)
	c := loadCatalog(t)
	env := liveEnv(t)
	w := env.NewWorkshop(t)
	camille := env.NewUser(t, models.RoleMember, "Camille Dubois")
	noor := env.NewUser(t, models.RoleMember, "Noor Peeters")

	today := time.Now().In(testclock.Brussels)
	day := func(n int) time.Time { return today.AddDate(0, 0, n) }
	at := func(d time.Time, hour int) string {
		return apitest.At(d.Year(), d.Month(), d.Day(), hour, 0)
	}
	book := func(u apitest.User, body map[string]any) {
		var b apiBooking
		env.Must(t, 201, "POST", "/api/v1/bookings", u.Token, body).Decode(t, &b)
		if b.Status == "pending" {
			env.Must(t, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/approve", b.ID), w.Manager.Token, nil)
		}
	}
	book(camille, apitest.Slot(w.Machine, at(day(1), 10), at(day(1), 12)))
	book(noor, apitest.Slot(w.Machine, at(day(2), 14), at(day(2), 17)))
	space := apitest.Slot(w.Space, at(day(1), 9), at(day(1), 13))
	space["quantity"] = 40
	book(camille, space)

	from, to := dayOf(day(0)), dayOf(day(13))
	var want apiUsage
	env.Must(t, 200, "GET", fmt.Sprintf("/api/v1/reports/usage?site_id=%d&from=%s&to=%s", w.SiteID,
		url.QueryEscape(at(day(0), 0)), url.QueryEscape(at(day(14), 0))), w.Manager.Token, nil).Decode(t, &want)
	slices.SortStableFunc(want.Resources, func(a, b apiResourceUsage) int { // fullest first, then by name
		if c := cmp.Compare(b.Utilization, a.Utilization); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	if want.MembersActive != 2 || len(want.Resources) != 2 {
		t.Fatalf("the API's report has %d members active and %d resources, want 2 and 2", want.MembersActive, len(want.Resources))
	}

	p := newPage(t, ctx, env)
	reportURL := fmt.Sprintf("%s/#/report?site=%d&period=custom&from=%s&to=%s", p.base, w.SiteID, from, to)
	drawn := `!!document.querySelector('#report-resources') && !!document.querySelector('#report-trend svg') && !document.querySelector('#report-body[aria-busy]')`

	// A member: no Report in the navigation, and the address leads to Book.
	p.do("open the app", chromedp.Navigate(p.base), waitFor(`document.querySelector('#email') !== null`))
	p.setLang(c, "en")
	p.signIn(camille.Email)
	if eval[bool](p, `document.querySelector('#nav-report') !== null`) {
		t.Error("a member sees the Report entry")
	}
	p.do("a member opens the report", chromedp.Navigate(reportURL), waitFor(`location.hash === '#/book'`))
	p.signOut()

	p.signIn(w.Manager.Email)
	p.setLang(c, "en")
	p.do("open the report", chromedp.Navigate(reportURL), waitFor(drawn))
	if got := eval[string](p, `document.querySelector('#nav-report').getAttribute('aria-current') || ''`); got != "page" {
		t.Errorf("the Report entry's aria-current is %q, want page", got)
	}

	// The figures are the API's: rows fullest first, each with its share
	// written beside its bar, members as a count.
	ids := eval[[]string](p, `[...document.querySelectorAll('#report-resources tbody tr')].map((tr) => tr.dataset.resourceId)`)
	var wantIDs []string
	for _, r := range want.Resources {
		wantIDs = append(wantIDs, fmt.Sprint(r.ResourceID))
	}
	if !slices.Equal(ids, wantIDs) {
		t.Errorf("the rows are %v, want %v (fullest first)", ids, wantIDs)
	}
	for _, r := range want.Resources {
		got := eval[string](p, fmt.Sprintf(`document.querySelector('#report-resources tr[data-resource-id="%d"] .bar-figure').textContent`, r.ResourceID))
		exp := eval[string](p, fmt.Sprintf(`new Intl.NumberFormat('en-GB', {style: 'percent', maximumFractionDigits: %v > 0 && %v < 0.1 ? 1 : 0}).format(%v)`, r.Utilization, r.Utilization, r.Utilization))
		if got != exp || r.Utilization == 0 {
			t.Errorf("%s shows %q beside its bar, want %q (utilization %v, above 0)", r.Name, got, exp, r.Utilization)
		}
		cells := eval[[]string](p, fmt.Sprintf(`[...document.querySelectorAll('#report-resources tr[data-resource-id="%d"] td.num')].slice(-2).map((td) => td.textContent)`, r.ResourceID))
		if !slices.Equal(cells, []string{fmt.Sprint(r.Bookings), fmt.Sprint(r.Members)}) {
			t.Errorf("%s shows bookings and members %v, want %d and %d", r.Name, cells, r.Bookings, r.Members)
		}
	}
	if got := norm(eval[string](p, `document.querySelector('#report-members-active .stat-value').textContent`)); got != fmt.Sprint(want.MembersActive) {
		t.Errorf("members active shows %q, want %d", got, want.MembersActive)
	}
	if body := eval[string](p, `document.querySelector('#report-body').innerText`); strings.Contains(body, "Camille") || strings.Contains(body, "Noor") {
		t.Error("the report names a member")
	}
	if got := eval[int](p, `document.querySelectorAll('#report-trend-table tbody tr').length`); got != len(want.Periods) || got != 14 {
		t.Errorf("the trend table has %d rows, want %d (one per day)", got, len(want.Periods))
	}
	if got := eval[int](p, `document.querySelectorAll('#report-uses tbody tr[data-use]').length`); got < len(want.Uses) {
		t.Errorf("the floor table has %d uses, want at least %d", got, len(want.Uses))
	}
	csv, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`fetch(document.querySelector('#report-csv').href)
		.then(async (r) => r.headers.get('content-type') + '\n' + (await r.text()).split('\r\n')[0])`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("following the CSV link: %v", err)
	}
	if !strings.HasPrefix(csv, "text/csv") || !strings.HasSuffix(csv, "\nresource_id,name,kind,unit,capacity,open_hours,booked_hours,booked_capacity_hours,utilization,bookings,members") {
		t.Errorf("the CSV link answers %q", csv)
	}

	// The period from the keyboard: the arrow moves to "this month", and
	// the address and the heading's line follow.
	p.do("choose this month from the keyboard", press("#report-period-custom", kb.ArrowRight),
		waitFor(`document.querySelector('#report-period-this-month').checked && location.hash.includes('period=this-month')`), waitFor(drawn))

	// Printed: the report without navigation and controls.
	media := func(m string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m})
			return err
		})
	}
	p.do("print media", media("print"))
	shown := eval[[]string](p, `['.site-header', '.report-controls', '.report-actions', '#report-resources', '#report-trend svg', '.print-only']
		.map((s) => s + ' ' + (document.querySelector(s).getBoundingClientRect().height > 0 ? 'shown' : 'hidden'))`)
	wantShown := []string{".site-header hidden", ".report-controls hidden", ".report-actions hidden", "#report-resources shown", "#report-trend svg shown", ".print-only shown"}
	if !slices.Equal(shown, wantShown) {
		t.Errorf("printed, the page has %v, want %v", shown, wantShown)
	}
	p.shot("30-report-print")
	p.do("screen media", media(""))
	pdf, err := chromedp.Run(p.ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPreferCSSPageSize()))
	if err != nil || len(pdf) < 1000 {
		t.Errorf("printing the report to PDF: %d bytes, %v", len(pdf), err)
	}

	p.do("back to the window", chromedp.Navigate(reportURL), waitFor(drawn))
	p.everyLanguage(c, "31-report", "en", func(lang string) {
		p.do("the report in "+lang, waitFor(drawn))
		if got, want := norm(eval[string](p, `document.querySelector('#main h1').textContent`)), norm(c.tf(t, lang, "report.title")); got != want {
			t.Errorf("%s: the heading is %q, want %q", lang, got, want)
		}
	})
}
